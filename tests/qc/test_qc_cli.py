"""The ``nanotwin qc`` commands end to end (SQLite trail in a temporary folder)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from nanotwin.cli import app

EX = Path(__file__).resolve().parents[2] / "examples" / "qc"
PW = "qa-password-1"


def _run(args, env=None):
    return CliRunner().invoke(app, args, env=env)


def test_release_log_verify_and_tamper(tmp_path):
    db = f"sqlite:///{tmp_path / 'qc.db'}"
    env = {"NANOTWIN_QC_PASSWORD": PW, "NANOTWIN_QC_NEW_PASSWORD": PW}
    r = _run(["qc", "user-add", "qa1", "--name", "Quinn Assurance", "--role", "qa",
              "--reason", "first user", "--db", db], env)
    assert r.exit_code == 0, r.output
    r = _run(["qc", "release", str(EX / "lu177_liposome_batch.yaml"), "--spec",
              str(EX / "lu177_liposome_spec.yaml"), "--user", "qa1", "--reason",
              "reviewed; sterility to follow", "--db", db, "--at", "2025-03-04T14:00+01:00"],
             env)
    assert r.exit_code == 0, r.output
    assert "conditional: signed 'released' by Quinn Assurance" in r.output
    r = _run(["qc", "log", "--db", db])
    assert r.exit_code == 0 and "released — Quinn Assurance" in r.output
    r = _run(["qc", "verify", "--db", db])
    assert r.exit_code == 0 and "intact: 4 entries" in r.output
    con = sqlite3.connect(tmp_path / "qc.db")
    con.execute("UPDATE audit_records SET content = replace(content, '0.16', '0.12')")
    con.commit()
    con.close()
    r = _run(["qc", "verify", "--db", db])
    assert r.exit_code == 1 and "ALTERED" in r.output and "record batch" in r.output
    r = _run(["qc", "release", str(EX / "lu177_liposome_batch.yaml"), "--user", "qa1",
              "--reason", "x", "--db", db], {"NANOTWIN_QC_PASSWORD": "wrong-password"})
    assert r.exit_code == 2 and "incomplete" in r.output  # default spec: limits not set


def test_check_exit_codes_and_json():
    r = _run(["qc", "check", str(EX / "lu177_liposome_batch.yaml"), "--spec",
              str(EX / "lu177_liposome_spec.yaml"), "--at", "2025-03-04T14:00+01:00", "--json"])
    assert r.exit_code == 0 and '"status": "conditional"' in r.output
    r = _run(["qc", "check", str(EX / "lu177_liposome_batch.yaml"), "--at",
              "2025-03-04T14:00+01:00"])
    assert r.exit_code == 1 and "INCOMPLETE" in r.output
    r = _run(["qc", "check", "missing.yaml"])
    assert r.exit_code == 2 and r.output.count("\n") == 1


def test_trend_and_radiopharmacy_commands(tmp_path):
    out = tmp_path / "trend"
    r = _run(["qc", "trend", str(EX / "lu177_liposome_batches.csv"), "-a", "z_average",
              "--lsl", "80", "--usl", "120", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "CUSUM" in r.output and "Cpk" in r.output
    assert (out / "z_average_chart.png").is_file() and (out / "z_average_chart.csv").is_file()
    r = _run(["qc", "trend", str(EX / "lu177_liposome_batches.csv"), "-a", "nope"])
    assert r.exit_code == 2 and "no column" in r.output
    r = _run(["qc", "activity", "Lu-177", "--activity", "7.4 GBq", "--calibration",
              "2025-03-04T12:00+01:00", "--at", "2025-03-04T06:00-05:00"])
    assert r.exit_code == 0 and "(+0 h): 7400 MBq" in r.output
    r = _run(["qc", "draw", "Lu-177", "--activity", "7.4 GBq", "--volume", "10 mL",
              "--calibration", "2025-03-04T12:00+01:00", "--inject", "2025-03-04T12:00+01:00",
              "--dose", "3.7 GBq"])
    assert r.exit_code == 0 and "draw 5 mL" in r.output
    r = _run(["qc", "activity", "Lu-177", "--activity", "7.4 GBq", "--calibration",
              "2025-03-04 12:00", "--at", "2025-03-05 12:00"])
    assert r.exit_code == 2 and "no time zone" in r.output
    r = _run(["qc", "shelf-life", str(EX / "lu177_liposome_batch.yaml"), "--spec",
              str(EX / "lu177_liposome_spec.yaml")])
    assert r.exit_code == 0 and "limited by rcp" in r.output


def test_spec_command_lists_sources():
    r = _run(["qc", "spec", "gold", "--radiolabelled"])
    assert r.exit_code == 0
    assert "ICH-Q3D" in r.output and "USP-788" in r.output and "not set (user)" in r.output
