"""The edge-form Rosenbrock solver against analytic solutions and the scipy Radau reference."""

from __future__ import annotations

import numpy as np
import pytest

from nanotwin.errors import DesignError
from nanotwin.solver import integrate, starting_steps, structure

T = np.array([0.0, 0.5, 2.0, 7.0, 24.0])


def _none(B: int) -> np.ndarray:
    return np.zeros((B, 0))


def test_linear_chain_equals_bateman():
    k1, k2 = np.array([0.9, 0.3]), np.array([0.2, 0.05])
    st = structure(3, [0, 1], [1, 2], [-1, -1], [], [], [])
    r = integrate(st, np.stack([k1, k2], axis=1), _none(2), _none(2), np.zeros(2),
                  [1.0, 0.0, 0.0], T, rtol=1e-10, atol=1e-14)
    Y = r["out"]  # (B, time, state)
    for b in range(2):
        a = np.exp(-k1[b] * T)
        m = k1[b] / (k2[b] - k1[b]) * (np.exp(-k1[b] * T) - np.exp(-k2[b] * T))
        np.testing.assert_allclose(Y[b, :, 0], a, rtol=1e-8, atol=1e-14)
        np.testing.assert_allclose(Y[b, :, 1], m, rtol=1e-8, atol=1e-14)
        np.testing.assert_allclose(Y[b].sum(axis=1), 1.0, rtol=0, atol=1e-13)


def test_auc_and_decay_weighted_integral_are_exact():
    k, rate, T_end = 0.4, 0.1, 24.0
    st = structure(2, [0], [1], [-1], [], [], [])
    r = integrate(st, [[k]], _none(1), _none(1), [0.0], [1.0, 0.0], [T_end],
                  rates=[[rate]], rate_id=[0, -1], rtol=1e-10, atol=1e-14)
    auc = (1 - np.exp(-k * T_end)) / k
    tia = (1 - np.exp(-(k + rate) * T_end)) / (k + rate) + np.exp(-k * T_end) * np.exp(
        -rate * T_end) / rate  # tail after T_end by the rate alone
    assert r["auc"][0, 0] == pytest.approx(auc, rel=1e-9)
    assert r["tia"][0, 0] == pytest.approx(tia, rel=1e-9)


def test_label_gain_equals_the_closed_form():
    # state 0 stays (no edge leaves it); it feeds state 1 with g y0 exp(-kd t)
    g, kd = 0.3, 0.2
    st = structure(3, [2], [2], [-1], [], [1], [0])  # a self-edge of rate 0 keeps E >= 1
    r = integrate(st, [[0.0]], _none(1), [[g]], [kd], [2.0, 0.0, 0.0], T, rtol=1e-10,
                  atol=1e-14)
    np.testing.assert_allclose(r["out"][0, :, 1], 2.0 * g * (1 - np.exp(-kd * T)) / kd,
                               rtol=1e-8, atol=1e-13)


def _saturable() -> tuple:
    # 0 -> 1 saturable by state 1 (capacity 1/scale), 1 -> 2 linear, 0 -> 2 linear
    st = structure(3, [0, 1, 0], [1, 2, 2], [0, -1, -1], [1], [], [])
    k = np.array([[3.0, 0.05, 0.2], [1.0, 0.5, 0.01], [8.0, 0.0, 0.3]])
    sc = np.array([[0.02], [0.01], [0.015]])
    return st, k, sc


def test_saturable_edges_match_scipy_radau():
    from scipy.integrate import solve_ivp

    st, k, sc = _saturable()
    r = integrate(st, k, sc, _none(3), np.zeros(3), [60.0, 0.0, 0.0], T, rtol=1e-10,
                  atol=1e-12)
    for b in range(3):
        def f(t, y, b=b):
            f0 = k[b, 0] * y[0] * (1 - y[1] * sc[b, 0])
            return [-f0 - k[b, 2] * y[0], f0 - k[b, 1] * y[1], k[b, 1] * y[1] + k[b, 2] * y[0]]
        ref = solve_ivp(f, (0, T[-1]), [60.0, 0, 0], method="Radau", t_eval=T, rtol=1e-12,
                        atol=1e-14).y.T
        np.testing.assert_allclose(r["out"][b], ref, rtol=1e-7, atol=1e-10)


def test_results_do_not_depend_on_the_lane_count():
    """Lanes refill and the tail drops finished lanes: every subject is integrated alike."""
    st, k, sc = _saturable()
    k = np.tile(k, (7, 1)) * np.linspace(0.5, 2.0, 21)[:, None]
    sc = np.tile(sc, (7, 1))
    runs = [integrate(st, k, sc, _none(21), np.zeros(21), [60.0, 0.0, 0.0], T, lanes=L)
            for L in (1, 4, 64)]
    for r in runs[1:]:
        np.testing.assert_allclose(r["out"], runs[0]["out"], rtol=1e-12, atol=1e-13)
        np.testing.assert_array_equal(r["n_steps"], runs[0]["n_steps"])


def test_parallel_blocks_equal_one_block():
    import numba

    st, k, sc = _saturable()
    k = np.tile(k, (100, 1))
    sc = np.tile(sc, (100, 1))
    a = integrate(st, k, sc, _none(300), np.zeros(300), [60.0, 0.0, 0.0], T, lanes=8)
    old = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        b = integrate(st, k, sc, _none(300), np.zeros(300), [60.0, 0.0, 0.0], T, lanes=8)
    finally:
        numba.set_num_threads(old)
    np.testing.assert_allclose(a["out"], b["out"], rtol=1e-12, atol=1e-13)


def test_structure_is_cached_and_starting_step_is_below_the_fastest_rate():
    st, k, sc = _saturable()
    assert structure(3, [0, 1, 0], [1, 2, 2], [0, -1, -1], [1], [], []) is st
    h = starting_steps(st, k, sc, _none(3), np.zeros(3), [60.0, 0.0, 0.0], 24.0, 1e-6, 1e-9, 5)
    assert np.all(h > 0) and np.all(h * k.max(axis=1) < 1.0)


def test_bad_input_is_one_line():
    st, k, sc = _saturable()
    for kw in ({"times": [2.0, 1.0]}, {"method": "rk4"}):
        args = {"times": T, **kw}
        with pytest.raises(DesignError) as e:
            integrate(st, k, sc, _none(3), np.zeros(3), [60.0, 0.0, 0.0], args.pop("times"),
                      **args)
        assert "\n" not in str(e.value)
    with pytest.raises(DesignError, match="shape"):
        integrate(st, k[:, :2], sc, _none(3), np.zeros(3), [60.0, 0.0, 0.0], T)
