"""The loopback load test (benchmarks/web_load.py) runs against a real server without errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def test_load_script_20_users(tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    res = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "web_load.py"), "--start",
                          "--users", "20", "--requests", "400", "--max-seconds", "60",
                          "--json", str(out)], capture_output=True, text=True, timeout=400)
    assert res.returncode == 0, res.stdout + res.stderr
    fig = json.loads(out.read_text())
    assert fig["users"] == 20 and fig["requests"] == 400 and not fig["errors"]
    assert fig["p95_ms"] >= fig["p50_ms"] > 0 and fig["throughput_rps"] > 0


def test_load_script_refuses_non_loopback() -> None:
    res = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "web_load.py"), "--url",
                          "http://192.0.2.1:80", "--requests", "1"], capture_output=True,
                         text=True, timeout=60)
    assert res.returncode != 0 and "not a loopback address" in res.stderr
