"""Tests of nanotwin.learn.calibration (``nanotwin.fit``) and the ``nanotwin fit`` command."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nanotwin.errors import DataError, DesignError
from nanotwin.learn.calibration import default_prior, fit, read_measured

TIMES = [1.0, 4.0, 24.0, 48.0]


@pytest.fixture(scope="module")
def demo():
    from nanotwin.pbpk import build_parameters, demo_design

    d = demo_design()
    return d, build_parameters(d)


def _synthetic(design, overrides, organs, times=TIMES, cv=0.2, seed=3):
    """Data from the reference (Radau) solver with known parameters and log-normal noise."""
    from nanotwin.pbpk import simulate

    ds = simulate(design, times=times, overrides=overrides)
    rng = np.random.default_rng(seed)
    s = math.sqrt(math.log1p(cv * cv))
    rows = []
    for o in organs:
        per_g = ds["activity_pct_id_decay_corrected"].sel(organ=o).values / \
            float(ds["organ_mass_g"].sel(organ=o))
        for t, y in zip(times, per_g, strict=True):
            v = float(y) * math.exp(s * rng.standard_normal())
            rows.append({"organ": o, "time": t, "value": v, "sd": cv * v, "unit": "%ID/g"})
    return rows


def test_nanotwin_fit_is_the_calibration():
    import nanotwin

    assert nanotwin.fit is fit


def test_read_measured_units_aliases_and_weights(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("Organ,time_min,value_pct_id,SD,n\nTumour,60,2.0,0.5,4\nKidneys,1440,1.0,,\n")
    m = read_measured(p)
    assert m.organ == ("tumor", "kidney")
    assert m.quantity == ("pct_id", "pct_id")
    np.testing.assert_allclose(m.time_h, [1.0, 24.0])
    # SD/mean = 0.25 over 4 animals; the second row takes the default CV 0.3
    np.testing.assert_allclose(m.sigma_log, [math.sqrt(math.log1p(0.0625)) / 2,
                                             math.sqrt(math.log1p(0.09))])
    assert list(m.sd_given) == [True, False]


@pytest.mark.parametrize("text, match", [
    ("organ,time,value\nliver,1,2\n", "unit"),
    ("organ,time,value,unit\nstomachh,1,2,%ID/g\n", "row 2, organ 'stomachh'"),
    ("organ,time,value,unit\nliver,-1,2,%ID/g\n", "row 2, time"),
    ("organ,time,value,unit\nliver,1,2,mg/kg\n", "unknown unit 'mg/kg'"),
    ("organ,time,value,unit\nliver,1,2,%ID/g\nspleen,2,0,%ID/g\n", "row 3, value"),
    ("organ,time,value,unit\nliver,abc,2,%ID/g\n", "'abc' is not a number"),
    ("tissue_x,time,value,unit\nliver,1,2,%ID/g\n", "no 'organ' column"),
    ("organ,value,unit\nliver,2,%ID/g\n", "no time column"),
    ("organ,time,value,unit\n", "no data rows"),
])
def test_bad_measured_files_give_one_line(tmp_path, text, match):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(DataError, match=match) as exc:
        read_measured(p)
    assert "\n" not in str(exc.value)


def test_bad_parameters_are_design_errors(demo):
    d, _ = demo
    rows = [{"organ": "blood", "time": 1, "value": 10, "unit": "%ID/g"}]
    with pytest.raises(DesignError, match="did you mean K_max_liver"):
        fit(d, rows, params="K_max_livr", bayes=False)
    with pytest.raises(DesignError, match="not a calibration parameter"):
        fit(d, rows, params="lambda_phys", bayes=False)
    with pytest.raises(DesignError, match="positive value"):
        fit(d, rows, params="CL_urine", bayes=False)  # 100 nm: no renal filtration
    assert default_prior("V_liver", 1.0).sigma_ln == pytest.approx(0.294)


def test_parameter_recovery_within_reported_interval(demo):
    """Known parameters (3x liver MPS uptake, 0.5x tumour PS) are recovered from noisy data
    simulated with the reference solver: the truth lies in the reported 95 % interval."""
    d, p = demo
    true = {"K_max_liver": 3.0 * p.K_max_liver, "PS_tumor": 0.5 * p.PS_tumor}
    rows = _synthetic(d, true, ["blood", "liver", "spleen", "tumor"])
    res = fit(d, rows, params=list(true), bayes=False, n_starts=2, profile_points=0,
              n_band_samples=30)
    lo, hi = res.ci95
    for j, n in enumerate(res.names):
        assert lo[j] <= true[n] <= hi[j], (n, lo[j], res.estimate[j], hi[j], true[n])
    # the liver MPS rate is well determined by blood and liver: within 20 %
    assert res.estimate[0] == pytest.approx(true["K_max_liver"], rel=0.2)
    # the fit explains the data at the noise level (chi2 ~ n_obs) and beats the design values
    assert res.chi2 < 2.0 * res.n_obs < res.chi2_initial


def test_real_tumour_time_course_improves_over_unfitted(shared_data):
    """Nano-Tumor G1 data set 8 (passive 104 nm inorganic particle, orthotopic skin xenograft,
    1.32 g tumour, 16.24 mg/kg; Chou et al. J Control Release 2023, CC0): fitting the tumour
    exchange and macrophage uptake must reduce the misfit of ln %ID/g."""
    import pandas as pd

    tc = pd.read_excel(shared_data / "tumor_delivery" / "nano_tumor_g1_timecourse.xlsx")
    tc["ID"] = tc["ID"].ffill()
    d8 = tc[tc["ID"] == 8]
    rows = [{"organ": "tumor", "time": t, "value": v, "unit": "%ID/g"}
            for t, v in zip(d8["Time"], d8["Tumor_g"], strict=True)]
    design = {"name": "nano-tumor 8",
              "nanoparticle": {"platform": "gold", "hydrodynamic_diameter": "104.2 nm",
                               "zeta_potential": "-10 mV"},
              "administration": {"route": "iv", "dose_mg_per_kg": "16.24 mg/kg"},
              "subject": {"species": "mouse", "body_weight": "21 g",
                          "tumor": {"model": "skin xenograft", "mass": "1.32 g"}}}
    res = fit(design, rows, params="PS_tumor,K_max_tumor", bayes=False, n_starts=2,
              profile_points=0, n_band_samples=20)
    assert res.n_obs == 6
    assert res.rmse_log < res.rmse_log_initial
    assert res.chi2 < res.chi2_initial


def test_profile_flags_a_parameter_the_data_do_not_inform(demo):
    d, p = demo
    rows = _synthetic(d, {}, ["blood"], times=[1.0, 24.0])
    res = fit(d, rows, params="PS_tumor", bayes=False, n_starts=1, profile_points=4,
              n_band_samples=10)
    assert res.profiles["PS_tumor"]["status"].startswith("practically non-identifiable")
    res = fit(d, rows, params="K_max_liver", bayes=False, n_starts=1, profile_points=4,
              n_band_samples=10)
    assert res.profiles["K_max_liver"]["status"] == "identifiable"


def test_bands_contain_fit_and_widen_with_fewer_data(demo):
    d, p = demo
    true = {"K_max_liver": 2.0 * p.K_max_liver}
    rows = _synthetic(d, true, ["blood", "liver", "spleen"])
    few = [r for r in rows if r["organ"] == "blood" and r["time"] == 24.0]
    width = {}
    for label, data in (("all", rows), ("few", few)):
        res = fit(d, data, params="K_max_liver", bayes=False, n_starts=1, profile_points=0,
                  n_band_samples=60, seed=1)
        b = res.bands.sel(organ=["blood", "liver", "spleen"])
        lo, hi = b["pct_id_per_g_p05"].values, b["pct_id_per_g_p95"].values
        best = b["pct_id_per_g_best_fit"].values
        tol = 1e-9 * best
        assert np.all((lo - tol <= best) & (best <= hi + tol))
        assert np.all(lo <= b["pct_id_per_g_p50"].values)
        width[label] = float(np.mean(np.log(hi / lo)))
        assert res.bands["pct_id_per_g_p95"].attrs["units"] == "%ID/g"
    # measured 1.45x with the calibrated constants (one blood point at 24 h still pins the
    # liver clearance well); the point is that the band widens
    assert width["few"] > 1.25 * width["all"]


def test_short_mcmc_reports_diagnostics(demo):
    d, p = demo
    rows = _synthetic(d, {"K_max_liver": 2.0 * p.K_max_liver}, ["blood", "liver"])
    res = fit(d, rows, params="K_max_liver,N_cap_liver", walkers=8, steps=30, n_starts=1,
              profile_points=0, n_band_samples=20)
    assert res.posterior.shape == (8 * 20, 2)
    assert 0.0 < res.mcmc["acceptance"] < 1.0
    assert np.isfinite(res.mcmc["rhat_max"]) and res.mcmc["tau_max_steps"] > 0
    assert res.posterior_corr.shape == (2, 2)
    assert res.bands.attrs["band_method"] == "posterior (emcee)"
    tab = res.table()
    assert {"posterior_median", "prior_source", "se_log"} <= set(tab.columns)


@pytest.mark.slow
def test_bayesian_recovery_posterior_covers_truth(demo):
    d, p = demo
    true = {"K_max_liver": 3.0 * p.K_max_liver, "PS_tumor": 0.5 * p.PS_tumor}
    rows = _synthetic(d, true, ["blood", "liver", "spleen", "tumor"])
    res = fit(d, rows, params=list(true), walkers=16, steps=300, n_starts=2, profile_points=5)
    for j, n in enumerate(res.names):
        q = np.exp(np.percentile(res.posterior[:, j], [2.5, 97.5]))
        assert q[0] <= true[n] <= q[1], (n, q, true[n])
    # effective sample size from the integrated autocorrelation time (emcee's criterion); the
    # split R-hat over walkers is reported (1.23 in the run recorded in docs/calibration.md)
    assert res.mcmc["n_eff_min"] > 100


def test_cli_fit_writes_outputs_and_reports_errors(tmp_path):
    import yaml
    from typer.testing import CliRunner

    from nanotwin.cli import app
    from nanotwin.pbpk import demo_design_mapping

    design = tmp_path / "design.yaml"
    design.write_text(yaml.safe_dump(demo_design_mapping()))
    csv = tmp_path / "m.csv"
    csv.write_text("organ,time_h,value,unit,sd\nblood,1,20,%ID/g,4\nliver,24,12,%ID/g,3\n")
    out = tmp_path / "out"
    runner = CliRunner()
    r = runner.invoke(app, ["fit", str(design), str(csv), "--params", "K_max_liver",
                            "--no-bayes", "--starts", "1", "--profile-points", "3",
                            "--out", str(out)])
    assert r.exit_code == 0, r.output
    for f in ("fit_parameters.csv", "fit_bands.nc", "fit.png"):
        assert (out / f).stat().st_size > 0
    import pandas as pd
    import xarray as xr

    tab = pd.read_csv(out / "fit_parameters.csv")
    assert tab["parameter"].tolist() == ["K_max_liver"]
    with xr.open_dataset(out / "fit_bands.nc", engine="h5netcdf") as ds:
        assert ds["pct_id_per_g_p50"].attrs["units"] == "%ID/g"
    bad = tmp_path / "bad.csv"
    bad.write_text("organ,time_h,value,unit\nliver,1,2,kg\n")
    r = runner.invoke(app, ["fit", str(design), str(bad), "--no-bayes"])
    assert r.exit_code == 2
    err = r.stderr if hasattr(r, "stderr") else r.output
    assert "unknown unit 'kg'" in err and err.strip().count("\n") == 0
