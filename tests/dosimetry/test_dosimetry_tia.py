"""TIA fits: analytic integrals, physical decay, model choice, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nanotwin.dosimetry import tia
from nanotwin.errors import DesignError
from nanotwin.physics import half_life

T = np.array([1.0, 4.0, 24.0, 48.0, 96.0, 168.0])


def test_uptake_washout_equals_analytic_integral() -> None:
    lp = math.log(2) / half_life("Lu-177")
    A, lw, lu = 50.0, lp + 0.01, 0.5
    a = A * (np.exp(-lw * T) - np.exp(-lu * T))
    r = tia(T, a, "uptake_washout", nuclide="Lu-177")
    assert r.value == pytest.approx(A * (1 / lw - 1 / lu), rel=1e-6)


def test_physical_decay_only_is_A0_T_half_over_ln2() -> None:
    T_half = half_life("Lu-177")
    a = 3.0 * np.exp(-math.log(2) / T_half * T)
    r = tia(T, a, "mono", nuclide="Lu-177")
    assert r.value == pytest.approx(3.0 * T_half / math.log(2), rel=1e-9)
    # decay-corrected constant curve gives the same
    r2 = tia(T, np.full(T.size, 3.0), "mono", nuclide="Lu-177", decay_corrected=True)
    assert r2.value == pytest.approx(3.0 * T_half / math.log(2), rel=1e-9)
    # clearance is never slower than physical decay
    assert r.params["lambda1"] >= math.log(2) / T_half


def test_auto_picks_biexponential_and_propagates_sd() -> None:
    a = 30 * np.exp(-0.5 * T) + 5 * np.exp(-0.01 * T)
    rng = np.random.default_rng(3)
    noisy = a * (1 + 0.03 * rng.normal(size=a.size))
    r = tia(T, noisy, nuclide="Lu-177", sd=0.03 * noisy)
    exact = 30 / 0.5 + 5 / (0.01 + math.log(2) / half_life("Lu-177")) * 0 + 5 / 0.01
    assert r.model in ("bi", "uptake_washout", "mono")
    assert r.sd > 0 and np.isfinite(r.sd)
    assert abs(r.value - exact) < 4 * r.sd + 0.1 * exact


def test_trapezoid_tail_and_errors() -> None:
    r = tia([2.0, 4.0], [1.0, 1.0], "trapezoid", nuclide="F-18")
    assert r.value == pytest.approx(4.0 + half_life("F-18") / math.log(2))
    with pytest.raises(DesignError):
        tia([1.0, 2.0], [1.0], "mono")
    with pytest.raises(DesignError):
        tia([1.0, 2.0], [1.0, -1.0])
    with pytest.raises(DesignError):
        tia([1.0, 2.0], [1.0, 0.5], "quadratic")
    with pytest.raises(DesignError):
        tia([1.0, 2.0], [1.0, 0.5], decay_corrected=True)
