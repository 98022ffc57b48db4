"""Control charts and capability: analytic cases and published average run lengths."""

from __future__ import annotations

import numpy as np
import pytest

from nanotwin.errors import DesignError
from nanotwin.qc.spc import capability, cusum, individuals_chart, run_rules


def test_individuals_chart_analytic():
    x = np.array([10.0, 12.0, 10.0, 12.0, 10.0])
    ch = individuals_chart(x)
    assert ch["center"] == pytest.approx(10.8)
    assert ch["sigma"] == pytest.approx(2.0 / 1.128)  # MR-bar / d2
    assert ch["ucl"] == pytest.approx(10.8 + 3 * 2.0 / 1.128)
    assert ch["mr_ucl"] == pytest.approx(3.267 * 2.0)


def test_run_rules_each_fire_on_their_pattern():
    z = np.zeros(20)
    assert run_rules(np.r_[z, 3.2], 0, 1)["rule1"] == [20]
    assert run_rules(np.r_[z, 2.5, 0.0, 2.5], 0, 1)["rule2"] == [22]
    assert run_rules(np.r_[z, 1.5, 1.5, 0.0, 1.5, 1.5], 0, 1)["rule3"] == [24]
    alt = np.where(np.arange(20) % 2 == 0, 0.1, -0.1)
    r4 = run_rules(np.r_[alt, np.full(8, 0.5)], 0, 1)["rule4"]
    assert r4 == [27]
    assert not any(run_rules(np.r_[z, 2.5, 0.0, 2.5] * -1, 0, 1)["rule1"])


def test_shewhart_rule1_in_control_arl_is_370():
    """Rule 1 fires exactly at the points beyond 3 sigma, so its in-control ARL is
    1 / P(|Z| > 3) = 370.4 (Montgomery §6.2)."""
    from scipy.stats import norm

    rng = np.random.default_rng(1)
    x = 5.0 + 2.0 * rng.standard_normal(20_000)
    hits = run_rules(x, 5.0, 2.0)["rule1"]
    assert hits == [int(i) for i in np.flatnonzero(np.abs(x - 5.0) > 6.0)]
    # the rate at which rule 1 fires in control is 1 / ARL = 2 P(Z > 3) = 1 / 370.4: expected
    # 54 of 20,000 points (Poisson SD 7.3), so within 4 SD
    expected = x.size * 2.0 * norm.sf(3.0)
    assert abs(len(hits) - expected) < 4.0 * np.sqrt(expected)


def _arl_cusum(shift: float, h: float, n_runs: int, n_steps: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    cp = np.zeros(n_runs)
    cm = np.zeros(n_runs)
    run = np.full(n_runs, n_steps + 1.0)
    alive = np.ones(n_runs, bool)
    for i in range(n_steps):
        x = rng.standard_normal(n_runs) + shift
        cp = np.maximum(0, x - 0.5 + cp)
        cm = np.maximum(0, -0.5 - x + cm)
        hit = alive & ((cp > h) | (cm > h))
        run[hit] = i + 1
        alive &= ~hit
        if not alive.any():
            break
    return float(run.mean())


@pytest.mark.parametrize("shift,h,arl,rel", [(1.0, 5.0, 10.4, 0.06), (2.0, 5.0, 4.01, 0.06),
                                             (1.0, 4.0, 8.38, 0.06)])
def test_cusum_out_of_control_arl_matches_montgomery_table(shift, h, arl, rel):
    """Montgomery, Introduction to SQC, Table 9.3 (k = 1/2): ARL 10.4 / 4.01 at h = 5 for 1σ /
    2σ shifts, 8.38 at h = 4 for 1σ. Our tabular CUSUM reproduces them by simulation; the
    simulated run uses the same recursion as :func:`cusum`, checked against it below."""
    assert _arl_cusum(shift, h, 20000, 400, seed=7) == pytest.approx(arl, rel=rel)
    rng = np.random.default_rng(3)
    x = rng.standard_normal(50) + shift
    r = cusum(x, 0.0, 1.0, h=h)
    cp = cm = 0.0
    for i, xi in enumerate(x):
        cp, cm = max(0, xi - 0.5 + cp), max(0, -0.5 - xi + cm)
        assert r["c_plus"][i] == pytest.approx(cp) and r["c_minus"][i] == pytest.approx(cm)


def test_cusum_in_control_arl_465():
    """Table 9.3: ARL0 = 465 for k = 1/2, h = 5 (two-sided)."""
    assert _arl_cusum(0.0, 5.0, 4000, 6000, seed=11) == pytest.approx(465, rel=0.1)


def test_capability_analytic_and_symmetry():
    rng = np.random.default_rng(5)
    x = rng.normal(100.0, 2.0, 400)
    c = capability(x, lsl=88.0, usl=112.0)
    assert c["cp"] == pytest.approx(24 / (6 * c["sigma_within"]))
    assert c["ppk"] == pytest.approx(min(112 - c["mean"], c["mean"] - 88) /
                                     (3 * c["sigma_overall"]))
    assert c["cpk"] <= c["cp"]
    # mirror the data and the limits: same indices
    m = capability(200.0 - x, lsl=88.0, usl=112.0)
    assert m["cp"] == pytest.approx(c["cp"]) and m["cpk"] == pytest.approx(c["cpk"])
    assert c["cpk_lower"] < c["cpk"] < c["cpk_upper"]
    one_sided = capability(x, usl=112.0)
    assert np.isnan(one_sided["cp"]) and one_sided["cpk"] == pytest.approx(
        (112 - c["mean"]) / (3 * c["sigma_within"]))


def test_drift_in_the_example_batches_is_seen():
    """examples/qc/lu177_liposome_batches.csv has a +5 nm shift after batch 22 (by design):
    the CUSUM signals within the shifted batches and not before."""
    from pathlib import Path

    import pandas as pd

    df = pd.read_csv(Path(__file__).resolve().parents[2] / "examples" / "qc" /
                     "lu177_liposome_batches.csv")
    x = df["z_average"].to_numpy()
    ch = individuals_chart(x[:22])  # phase I on the stable batches
    r = cusum(x, ch["center"], ch["sigma"])
    assert r["signals"] and min(r["signals"]) >= 22


def test_errors():
    with pytest.raises(DesignError, match="at least 2"):
        individuals_chart([1.0])
    with pytest.raises(DesignError, match="identical"):
        individuals_chart([1.0, 1.0, 1.0])
    with pytest.raises(DesignError, match="lower limit"):
        capability([1.0, 2.0, 3.0], lsl=5, usl=4)
