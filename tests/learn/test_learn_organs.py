"""Multi-organ calibration data, the hierarchical likelihood, predictions and pilot transfer."""

from __future__ import annotations

import math

import numpy as np
import pytest


@pytest.fixture(scope="module")
def data(shared_data):
    from nanotwin.learn.organ_data import load_organ_data

    return load_organ_data(shared_data)


@pytest.fixture(scope="module")
def model(data):
    from nanotwin.learn.organs import OrganModel

    m = OrganModel.from_data(data)
    m.rtol = 1e-6
    return m


def test_trapezoid_weights_equal_numpy_trapezoid():
    from nanotwin.learn.organ_data import trapezoid_average_weights

    rng = np.random.default_rng(0)
    grid = np.array([0.5, 1.0, 2.0, 4.0, 8.0, 24.0, 48.0])
    for _ in range(20):
        s = np.sort(rng.choice(grid, size=rng.integers(1, 6), replace=False))
        y = rng.uniform(0, 10, grid.size)
        ys = y[np.searchsorted(grid, s)]
        ref = np.trapezoid(np.r_[0.0, ys], np.r_[0.0, s]) / s[-1]
        assert trapezoid_average_weights(s, grid) @ y == pytest.approx(ref, rel=1e-12)


def test_table_rows_with_a_g1_course_reproduce_its_time_average(data, shared_data):
    import pandas as pd

    tc = pd.read_excel(shared_data / "tumor_delivery" / "nano_tumor_g1_timecourse.xlsx")
    tc["ID"] = tc["ID"].ffill()
    known = np.flatnonzero(data.schedule_known)
    assert data.table_obs.shape == (200, 6)
    assert known.size == data.provenance["table_rows_with_own_g1_course"] > 30
    for k in known:
        u = data.table_unit[k]
        pts = (data.obs_unit == u) & (data.obs_kind == "point")
        t = data.grid[np.argmax(data.obs_weights[pts], axis=1)]
        y = 10.0 ** data.obs_value[pts]
        avg = np.trapezoid(np.r_[0.0, y], np.r_[0.0, t]) / t[-1]
        assert math.log10(avg) == pytest.approx(data.table_obs[k, 0], abs=1e-6)
        # that unit's tumour is counted once: by its G1 course, not again by the table
        assert not np.any((data.obs_unit == u) & (data.obs_kind == "avg") &
                          (data.obs_organ == 0))


def test_every_unit_has_a_study_and_subsets_keep_whole_studies(data):
    studies = np.unique(data.study)
    assert data.provenance["studies"] == studies.size
    half = data.subset(studies[::2])
    assert set(np.unique(half.study)) == set(studies[::2])
    assert half.obs_unit.max() < half.n_units
    assert np.all(np.isin(half.study[half.obs_unit], studies[::2]))


def test_log_lik_equals_brute_force_mixture_of_normals(model):
    from scipy.special import logsumexp
    from scipy.stats import multivariate_normal

    rng = np.random.default_rng(1)
    n = model.data.obs_value.size
    mu = {"bare": rng.normal(0, 1, (1, n)), "peg": rng.normal(0, 1, (1, n))}
    h = model.h_prior() + rng.normal(0, 0.3, model.h_prior().size)
    hv = model.hyper_values(h)
    per = model.log_lik(mu, h, per_study=True)[:, 0]
    from nanotwin.learn.organ_data import OBS_ORGANS

    for j in (0, 7, len(model.studies) - 1):
        st = model.studies[j]
        org, unit = st.organ, st.unit
        C = hv["tau_r"] ** 2 + np.zeros((org.size, org.size))
        C += (org[:, None] == org[None, :]) * np.array(
            [hv[f"tau_{OBS_ORGANS[o]}"] for o in org])[:, None] ** 2
        C += (unit[:, None] == unit[None, :]) * hv["tau_w"] ** 2
        sig = np.where(st.point, hv["sigma_tc"],
                       [hv[f"sigma_{OBS_ORGANS[o]}"] for o in org])
        C += np.diag(sig ** 2)
        y = model.data.obs_value[st.idx]
        pi = (1 - st.pi_w) * hv["pi_organic"] + st.pi_w * hv["pi_inorganic"]
        off = hv["mu_r"] + np.array([hv[f"delta_{OBS_ORGANS[o]}"] for o in org]) + \
            hv["gamma_inorganic"] * model.obs_inorganic[st.idx]
        beta = np.array([hv[f"beta_{OBS_ORGANS[o]}"] for o in org])
        c = model.centre[org]

        def disc(m, c=c, beta=beta):
            return c + beta * (m - c)

        ref = logsumexp([np.log(1 - pi) + multivariate_normal(disc(mu["bare"][0, st.idx]) + off,
                                                              C).logpdf(y),
                         np.log(pi) + multivariate_normal(disc(mu["peg"][0, st.idx]) + off,
                                                          C).logpdf(y)])
        assert per[j] == pytest.approx(ref, rel=1e-9, abs=1e-9)


def test_mixture_median_is_the_median():
    from scipy.special import ndtr

    from nanotwin.learn.organs import _mixture_median

    m = _mixture_median(np.array([0.0, 1.0]), np.array([2.0, 1.0]), np.array([0.5, 0.3]),
                        np.array([0.3, 0.9]))
    cdf = 0.7 * ndtr((m[0] - 0.0) / 0.5) + 0.3 * ndtr((m[0] - 2.0) / 0.5)
    assert cdf == pytest.approx(0.5, abs=1e-9)
    assert m[1] == pytest.approx(1.0, abs=1e-9)


def test_predictions_are_finite_and_mechanisms_move_the_liver(model):
    x = model.x_prior()
    i = model.names.index("E0_liver")
    X = np.vstack([x, x])
    X[1, i] += 1.0  # e-fold more hepatic extraction
    mu = model.predict(X)
    liver = model.data.obs_organ == 1
    assert np.all(np.isfinite(mu["bare"])) and np.all(np.isfinite(mu["peg"]))
    assert np.median(mu["bare"][1, liver] - mu["bare"][0, liver]) > 0.0


def test_pilot_transfer_shrinks_the_study_effect_towards_its_prior():
    from nanotwin.learn.transfer import _hyper, transfer_to_siblings
    from nanotwin.pbpk import demo_design, simulate

    d = demo_design()
    ds = simulate(d, times=[0.0, 24.0])
    delta = 0.5  # the pilot measured 10^0.5 x the model in every organ
    rows = [{"organ": o, "time": 24.0, "unit": "%ID/g",
             "value": float(ds["pct_id_per_g"].sel(organ=o, time=24.0)) * 10 ** delta}
            for o in ("liver", "spleen", "kidney", "lung", "heart", "tumor")]
    sib = d.model_copy(update={"name": "same particle, new batch"})
    res = transfer_to_siblings(d, rows, [sib])
    mu_r = _hyper()["mu_r"]
    hv = _hyper()
    for o in ("liver", "tumor"):
        # the pilot's residual after the calibrated discrepancy and mean offsets
        pct = float(ds["pct_id"].sel(organ=o, time=24.0))
        c, b = hv.get(f"centre_{o}", 0.0), hv.get(f"beta_{o}", 1.0)
        lg = np.log10(pct)
        dev = delta - ((c + b * (lg - c)) - lg)
        prior = mu_r + hv.get(f"delta_{o}", 0.0) + hv.get("gamma_inorganic", 0.0) * 0
        e = res.effects[o]["log10_effect"]
        lo, hi = sorted((prior, dev))
        assert lo < e < hi  # shrunk from the pilot's own deviation towards the prior mean
    # an identical sibling is predicted from the pilot's measurement, not from the model alone
    t = res.table
    r = t[(t.organ == "liver") & (t.unit == "%ID/g")].iloc[0]
    measured = rows[0]["value"]
    assert abs(np.log10(r.transferred / measured)) < abs(np.log10(r.model / measured))
    assert r.lower_5 < r.transferred < r.upper_95


@pytest.mark.slow
def test_cross_validation_runs_fold_by_fold(data):
    from nanotwin.learn.organs import cross_validate

    res = cross_validate(data, n_folds=2, maxiter=2)
    assert set(res["per_organ"]) == {"tumor", "liver", "spleen", "lung", "kidney", "heart"}
    for r in res["per_organ"].values():
        assert r["calibrated"]["n"] == 200 and r["loo_median"]["n"] == 200
    assert len(res["folds"]) == 2


def test_feature_baselines_never_see_the_held_out_studies(data):
    from dataclasses import replace

    from nanotwin.learn.organs import _study_folds, feature_baselines

    folds = _study_folds(data.study, 2, 7)
    P = feature_baselines(data, folds)
    held = np.isin(data.study[data.table_unit], folds[0])
    scrambled = data.table_obs.copy()
    scrambled[held] = scrambled[held][::-1] + 3.0  # held-out values changed beyond recognition
    Q = feature_baselines(replace(data, table_obs=scrambled), folds)
    for name in P:
        # the first fold's predictions come from the second fold's rows only
        np.testing.assert_allclose(P[name][held], Q[name][held])
        assert np.all(np.isfinite(P[name]))
        assert not np.allclose(P[name][~held], Q[name][~held])


def test_emcee_draws_stay_in_the_box_and_drop_walkers_that_never_move(data):
    from nanotwin.learn.organs import OrganModel, _box, mcmc_draws

    keep = np.unique(data.study)[:3]
    m = OrganModel.from_data(data.subset(keep))
    m.rtol = 1e-5
    x, h = m.x_prior(), m.h_prior()
    cov = np.eye(x.size + h.size) * 1e-4
    mc = mcmc_draws(m, x, h, cov, n_walkers=2 * x.size + 2, max_steps=6, seed=3)
    lo, hi = _box(m)
    K = x.size
    walkers_kept = mc["walkers"] - mc["stuck_walkers"]
    assert mc["draws"].shape == ((mc["steps"] - mc["burn"]) * walkers_kept, K)
    assert np.all((mc["draws"] > lo[:K]) & (mc["draws"] < hi[:K]))
    assert np.all(np.isfinite(mc["tau_steps"]))  # no zero-variance walker left in
