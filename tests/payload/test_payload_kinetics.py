"""Tests of nanotwin.payload: release kinetics, hazards, gates and microenvironments."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from nanotwin.errors import DesignError
from nanotwin.payload import (
    gate_multiplier,
    microenvironment,
    release_hazard,
    released_fraction,
    trigger_active,
)

fractions = st.floats(0.0, 1.0)
rates = st.floats(1e-4, 10.0)
shapes = st.floats(0.1, 5.0)
scales = st.floats(0.01, 1000.0)


def test_first_order_analytic_limits():
    assert released_fraction(0.0, 0.25, "first_order", k_release=0.1) == pytest.approx(0.25)
    # half-life ln2/k: half of the encapsulated remainder released
    t_half = math.log(2) / 0.1
    assert released_fraction(t_half, 0.0, "first_order", k_release=0.1) == pytest.approx(0.5)
    assert released_fraction(1e6, 0.25, "first_order", k_release=0.1) == pytest.approx(1.0)


def test_weibull_reduces_to_first_order_for_shape_one():
    t = np.linspace(0, 100, 51)
    a = released_fraction(t, 0.1, "weibull", weibull_scale=20.0, weibull_shape=1.0)
    b = released_fraction(t, 0.1, "first_order", k_release=1 / 20.0)
    np.testing.assert_allclose(a, b, rtol=1e-12)
    # at t = tau, 1 - 1/e of the remainder is out, whatever the shape
    for shape in (0.3, 1.0, 3.0):
        v = released_fraction(20.0, 0.0, "weibull", weibull_scale=20.0, weibull_shape=shape)
        assert v == pytest.approx(1 - math.exp(-1))


def test_none_model_is_burst_only():
    assert released_fraction(50.0, 0.4, "none") == pytest.approx(0.4)
    assert release_hazard(50.0, 0.4, "none") == 0.0


def test_accepts_release_object():
    class Release:  # the fields of nanotwin.design.Release (attribute access)
        burst_fraction = 0.2
        model = "weibull"
        k_release = None
        weibull_scale = 5.0
        weibull_shape = 0.7

    v = released_fraction(5.0, Release())
    assert v == pytest.approx(0.2 + 0.8 * (1 - math.exp(-1)))
    assert release_hazard(5.0, Release()) == pytest.approx(0.7 / 5.0)


@pytest.mark.parametrize("kwargs, field", [
    (dict(burst_fraction=1.5, model="first_order", k_release=0.1), "burst_fraction"),
    (dict(burst_fraction=0.1, model="first_order"), "k_release"),
    (dict(burst_fraction=0.1, model="weibull", weibull_scale=-1, weibull_shape=1), "weibull_scale"),
    (dict(burst_fraction=0.1, model="weibull", weibull_scale=1), "weibull_shape"),
    (dict(burst_fraction=0.1, model="zero_order"), "model"),
])
def test_bad_parameters_raise_one_line(kwargs, field):
    with pytest.raises(DesignError) as exc:
        released_fraction(1.0, **kwargs)
    assert field in str(exc.value) and "\n" not in str(exc.value)


def test_negative_time_raises():
    with pytest.raises(DesignError, match="t_h"):
        released_fraction(-1.0, 0.0, "first_order", k_release=0.1)


@settings(max_examples=60, deadline=None)
@given(f_b=fractions, k=rates)
def test_first_order_monotonic_in_unit_interval(f_b, k):
    t = np.linspace(0.0, 200.0, 101)
    F = released_fraction(t, f_b, "first_order", k_release=k)
    assert np.all((F >= 0) & (F <= 1))
    assert np.all(np.diff(F) >= -1e-15)
    assert F[0] == pytest.approx(f_b)


@settings(max_examples=60, deadline=None)
@given(f_b=fractions, tau=scales, b=shapes)
def test_weibull_monotonic_hazard_finite(f_b, tau, b):
    t = np.concatenate([[0.0], np.geomspace(1e-6, 1e4, 60)])
    F = released_fraction(t, f_b, "weibull", weibull_scale=tau, weibull_shape=b)
    h = release_hazard(t, f_b, "weibull", weibull_scale=tau, weibull_shape=b)
    assert np.all((F >= 0) & (F <= 1)) and np.all(np.diff(F) >= -1e-15)
    assert np.all(np.isfinite(h)) and np.all(h >= 0)


@pytest.mark.parametrize("b", [0.5, 1.0, 2.5])
def test_hazard_ode_reproduces_released_fraction(b):
    """dA/dt = -h(t) A from A(t0) = 1 - F(t0) must give 1 - A = F(t)."""
    f_b, tau, t0 = 0.15, 8.0, 1e-6
    A0 = 1 - released_fraction(t0, f_b, "weibull", weibull_scale=tau, weibull_shape=b)
    t_eval = np.array([1.0, 5.0, 8.0, 20.0, 40.0])
    sol = solve_ivp(lambda t, y: -release_hazard(t, f_b, "weibull", weibull_scale=tau,
                                                 weibull_shape=b) * y,
                    (t0, 40.0), [A0], t_eval=t_eval, rtol=1e-9, atol=1e-12,
                    method="LSODA")
    expected = released_fraction(t_eval, f_b, "weibull", weibull_scale=tau, weibull_shape=b)
    np.testing.assert_allclose(1 - sol.y[0], expected, atol=2e-4)


def _trig(kind, threshold, mult, enzyme=None):
    return {"kind": kind, "threshold": threshold, "rate_multiplier": mult, "enzyme": enzyme}


@pytest.mark.parametrize("ph_on, gsh_on", [(a, b) for a in (False, True) for b in (False, True)])
@pytest.mark.parametrize("combine", ["and", "or"])
def test_and_or_truth_table(combine, ph_on, gsh_on):
    env = {"pH": 6.5 if ph_on else 7.4, "glutathione_uM": 5000.0 if gsh_on else 10.0,
           "temperature_C": 37.0, "light_W_cm2": 0.0, "enzymes": {}}
    gate = {"combine": combine, "triggers": [_trig("pH", 6.8, 3.0),
                                              _trig("glutathione", 1000.0, 7.0)]}
    fires = (ph_on and gsh_on) if combine == "and" else (ph_on or gsh_on)
    expected = 1.0
    if fires:
        expected = max(m for m, on in ((3.0, ph_on), (7.0, gsh_on)) if on)
    assert gate_multiplier(gate, env) == expected


def test_gates_in_organs():
    gate = {"combine": "or", "triggers": [_trig("enzyme", 0.5, 20.0, "MMP-2")]}
    assert gate_multiplier(gate, "tumor") == 20.0
    assert gate_multiplier(gate, "liver") == 1.0
    assert gate_multiplier(None, "tumor") == 1.0
    heat = {"combine": "or", "triggers": [_trig("temperature", 41.0, 50.0)]}
    env = microenvironment("tumor")
    assert gate_multiplier(heat, env) == 1.0
    env["temperature_C"] = 42.0  # hyperthermia applied by the user
    assert gate_multiplier(heat, env) == 50.0
    gsh = _trig("glutathione", 1000.0, 5.0)
    assert not trigger_active(gsh, microenvironment("blood"))
    assert trigger_active(gsh, microenvironment("blood", "intracellular"))


def test_microenvironment_values_and_errors():
    assert microenvironment("plasma")["pH"] == pytest.approx(7.4)
    assert 6.5 <= microenvironment("Tumour")["pH"] <= 6.9  # Gerweck & Seetharaman 1996
    assert 2.0 <= microenvironment("blood")["glutathione_uM"] <= 20.0  # Wu et al. 2004
    assert 2000.0 <= microenvironment("kidney", "intracellular")["glutathione_uM"] <= 10000.0
    a = microenvironment("tumor")
    a["enzymes"]["MMP-2"] = 0.0
    assert microenvironment("tumor")["enzymes"]["MMP-2"] == 1.0  # no shared mutable state
    with pytest.raises(DesignError, match="organ"):
        microenvironment("pancreas-ish")
    with pytest.raises(DesignError, match="enzyme"):
        gate_multiplier({"combine": "or", "triggers": [_trig("enzyme", 0.5, 2.0)]}, "tumor")
    with pytest.raises(DesignError, match="combine"):
        gate_multiplier({"combine": "xor", "triggers": [_trig("pH", 6.8, 2.0)]}, "tumor")
