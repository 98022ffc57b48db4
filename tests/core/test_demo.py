"""`nanotwin demo` — the README's main job — runs end to end and writes its outputs."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from nanotwin.cli import app


def test_demo_writes_biodistribution_doses_and_images(tmp_path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    bd = pd.read_csv(out / "biodistribution" / "biodistribution.csv")
    assert {"time_h", "organ", "pct_id", "pct_id_per_g"} <= set(bd.columns)
    assert set(bd["organ"]) >= {"blood", "liver", "spleen", "tumor", "urine", "feces"}
    doses = pd.read_csv(out / "dosimetry" / "doses.csv")
    assert (doses.filter(like="Gy").select_dtypes("number") >= 0).all().all()
    assert (out / "images" / "panel.png").stat().st_size > 10_000
    assert (out / "images" / "pet_24h.nii.gz").is_file()
    assert "DE24" in result.output and "%ID" in result.output and "Gy/GBq" in result.output
