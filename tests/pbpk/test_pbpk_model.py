"""PBPK model structure: mass balance over random designs, batching, Jacobian, parameters."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nanotwin.errors import DesignError, DesignWarning
from nanotwin.pbpk import (
    STATE_NAMES,
    build_parameters,
    jacobian,
    mass_balance,
    parameter_names,
    rhs,
    simulate,
    solve,
    stack_parameters,
)
from nanotwin.pbpk.model import initial_state


def _design(d=100.0, zeta=0.0, peg=True, ligands=False, nuclide=None, tumor=True, **adm):
    nano = {"platform": "gold", "hydrodynamic_diameter": d, "zeta_potential": zeta}
    if peg:
        nano["coating"] = {"peg": {"molecular_weight": 5000.0}}
    if ligands:
        nano["ligands"] = [{"name": "cRGD", "kind": "peptide", "target": "integrin avb3",
                            "copies_per_particle": 20, "kd": 10.0}]
    out = {"name": "t", "nanoparticle": nano, "administration": adm,
           "subject": {"species": "mouse"}}
    if tumor:
        out["subject"]["tumor"] = {"model": "U87MG", "mass": 0.2}
    if nuclide:
        chel = {"Lu-177": "DOTA", "Cu-64": "NOTA", "Zr-89": "DFO", "Ga-68": "NOTA",
                "In-111": "DOTA"}[nuclide]
        out["radiolabels"] = [{"nuclide": nuclide, "chelator": chel,
                               "radiochemical_purity": 0.95}]
    return out


def _load(mapping):
    from nanotwin.design import load_design

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DesignWarning)
        return load_design(mapping, canonical_numbers=True)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(d=st.floats(2.0, 300.0), zeta=st.floats(-60.0, 60.0), peg=st.booleans(),
       ligands=st.booleans(),
       nuclide=st.sampled_from([None, "Lu-177", "Cu-64", "Zr-89", "Ga-68", "In-111"]),
       t_end=st.floats(1.0, 336.0), log_n=st.floats(9.0, 14.0))
def test_mass_balance_random_designs(d, zeta, peg, ligands, nuclide, t_end, log_n):
    design = _load(_design(d, zeta, peg, ligands, nuclide, particle_number=10**log_n))
    ds = simulate(design, times=np.linspace(0.0, t_end, 7))
    bal = mass_balance(ds)
    assert bal["particle"] < 1e-6
    if nuclide:
        assert bal["activity"] < 1e-6
    assert np.all(ds["pct_id"].values > -1e-6)


def test_batched_rhs_matches_single_subjects():
    p1 = build_parameters(_load(_design(30.0, -20.0)))
    p2 = build_parameters(_load(_design(150.0, 25.0, peg=False, particle_number=1e13)))
    pb = stack_parameters([p1, p2])
    rng = np.random.default_rng(0)
    Y = rng.uniform(0.0, 1.0, (len(STATE_NAMES), 2))
    dY = rhs(3.0, Y, pb)
    assert dY.shape == Y.shape
    np.testing.assert_allclose(dY[:, 0], rhs(3.0, Y[:, 0], p1), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dY[:, 1], rhs(3.0, Y[:, 1], p2), rtol=1e-12, atol=1e-12)
    # scalar parameters with a batch of states
    np.testing.assert_allclose(rhs(3.0, Y, p1)[:, 1], rhs(3.0, Y[:, 1], p1), rtol=1e-12)


def test_analytic_jacobian_matches_finite_differences():
    p = build_parameters(_load(_design(60.0, 10.0, ligands=True, nuclide="Cu-64",
                                       particle_number=3e12)))
    y = np.abs(np.random.default_rng(1).normal(1.0, 0.5, len(STATE_NAMES)))
    J = jacobian(2.0, y, p)
    h = 1e-6
    num = np.empty_like(J)
    for j in range(y.size):
        e = np.zeros_like(y)
        e[j] = h
        num[:, j] = (rhs(2.0, y + e, p) - rhs(2.0, y - e, p)) / (2 * h)
    np.testing.assert_allclose(J, num, rtol=1e-5, atol=1e-6 * np.abs(J).max())


def test_parameter_vector_round_trip_and_overrides():
    p = build_parameters(_load(_design()))
    vec = p.as_vector()
    assert vec.shape == (len(parameter_names()),)
    q = p.from_vector(vec * 1.0)
    assert q.Q_liver == p.Q_liver
    r = build_parameters(_load(_design()), overrides={"K_max_liver": 0.0})
    assert r.K_max_liver == 0.0
    with pytest.raises(DesignError, match="K_max_liver"):
        build_parameters(_load(_design()), overrides={"K_max_livr": 1.0})


def test_solver_methods_agree():
    p = build_parameters(_load(_design(40.0, -10.0, particle_number=1e12)))
    t = [0.0, 1.0, 24.0, 168.0]
    a = solve(p, t, method="Radau")
    b = solve(p, t, method="BDF", rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(a[:, -1], b[:, -1], rtol=1e-4, atol=1e-6)


def test_initial_state_and_bad_times():
    p = build_parameters(_load(_design()))
    assert initial_state(p)[STATE_NAMES.index("ven")] == 100.0
    with pytest.raises(DesignError, match="times"):
        solve(p, [0.0, 5.0, 2.0])


def test_unsupported_route_is_one_line_error():
    with pytest.raises(DesignError, match="administration.route"):
        build_parameters(_load(_design(route="oral")))
