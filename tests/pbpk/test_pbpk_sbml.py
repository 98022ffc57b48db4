"""SBML export simulated with libRoadRunner agrees with nanotwin's own solver."""

from __future__ import annotations

import numpy as np

from nanotwin.pbpk import STATE_NAMES, build_parameters, demo_design, export_sbml, solve


def _roadrunner(sbml: str, times: np.ndarray) -> np.ndarray:
    import roadrunner

    rr = roadrunner.RoadRunner(sbml)
    rr.integrator.relative_tolerance = 1e-11
    rr.integrator.absolute_tolerance = 1e-14
    rr.integrator.maximum_num_steps = 500000
    rr.timeCourseSelections = ["time", *STATE_NAMES]
    out = []
    for i, t in enumerate(times):
        if i == 0:
            res = rr.getFloatingSpeciesAmountsNamedArray()
            amounts = dict(zip(res.colnames, res[0], strict=True))
        else:
            rr.simulate(times[i - 1], t, 2)
            res = rr.getFloatingSpeciesAmountsNamedArray()
            amounts = dict(zip(res.colnames, res[0], strict=True))
        out.append([amounts[s] for s in STATE_NAMES])
    return np.array(out).T


def test_sbml_roundtrip_agrees_with_solver():
    design = demo_design()
    sbml = export_sbml(design)
    t = np.array([0.0, 1.0, 8.0, 24.0, 72.0, 168.0])
    Y_rr = _roadrunner(sbml, t)
    Y = solve(build_parameters(design), t, rtol=1e-11, atol=1e-14)
    big = np.abs(Y) > 1e-3  # compare the states that hold something
    rel = np.abs(Y_rr - Y)[big] / np.abs(Y)[big]
    assert rel.max() < 1e-6, rel.max()
