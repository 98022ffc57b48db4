"""Virtual trial and its CLI on a small population (the example study, 12 subjects)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
STUDY = ROOT / "examples" / "studies" / "lu177_trial.yaml"


@pytest.fixture(scope="module")
def trial():
    from nanotwin.population import load_study, run_trial

    st = load_study(STUDY).model_copy(update={"n_subjects": 12})
    return run_trial(st)


def test_trial_endpoints(trial):
    d = trial["dose_Gy"]
    assert d.sizes["subject"] == 12
    assert np.all(d.sel(dose_organ=["tumor", "kidney", "liver"]).values > 0)
    for k in ("fraction_success", "fraction_kidney_within_23Gy"):
        assert 0.0 <= trial.attrs[k] <= 1.0
    assert np.isfinite(trial.attrs["pet_Zr-89_72h_pearson_r"])


def test_dose_is_linear_in_activity():
    from nanotwin.population import load_study, run_trial

    st = load_study(STUDY).model_copy(update={"n_subjects": 3, "imaging": []})
    a = run_trial(st)
    b = run_trial(st.model_copy(update={"therapy_activity": 2 * st.therapy_activity}))
    assert np.allclose(b["dose_Gy"].values, 2 * a["dose_Gy"].values, rtol=1e-12)


def test_cli_trial_and_error(tmp_path):
    from nanotwin.cli import app

    r = CliRunner().invoke(app, ["trial", str(STUDY), "--n", "4", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "tumor_dose_Gy_median" in r.output
    assert (tmp_path / "trial.nc").is_file()
    assert any(p.suffix == ".zarr" for p in tmp_path.iterdir())
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ndesign: d.yaml\nn_subjects: -3\n")
    r = CliRunner().invoke(app, ["trial", str(bad)])
    assert r.exit_code == 2
    assert "study.n_subjects" in r.output and r.output.count("\n") <= 1
