"""The PBPK model through the compiled solver: same solution as the scipy Radau reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("example", ["hdl_89zr", "au_tripod_64cu_rgd",
                                     "gdcu_nanocluster_99mtc_as1411"])
def test_simulate_path_agrees_with_radau_within_1e6(example):
    """``simulate`` integrates with rodas5p at rtol 1e-8 / atol 1e-12; against Radau at rtol
    1e-12 every amount above 1e-6 %ID agrees within 1e-6 (relative)."""
    from nanotwin.design import load_design
    from nanotwin.pbpk import build_parameters, solve
    from nanotwin.pbpk.simulate import default_times

    p = build_parameters(load_design(ROOT / "examples" / f"{example}.yaml"))
    t = default_times()
    ref = solve(p, t, rtol=1e-12, atol=1e-16)
    got = solve(p, t, rtol=1e-8, atol=1e-12, method="rodas5p")
    m = np.abs(ref) > 1e-6
    assert np.max(np.abs(got[m] - ref[m]) / np.abs(ref[m])) <= 1e-6
    assert np.max(np.abs(got - ref)) <= 1e-6


def test_a_batch_solves_at_once_like_one_by_one():
    from nanotwin.pbpk import build_parameters, demo_design, solve, stack_parameters

    p = build_parameters(demo_design())
    q = p.replace(K_max_liver=2.0 * float(p.values["K_max_liver"]))
    t = [0.0, 1.0, 24.0, 168.0]
    Y = solve(stack_parameters([p, q]), t, method="rodas5p")
    assert Y.shape[-1] == 2
    np.testing.assert_allclose(Y[..., 1], solve(q, t, method="rodas5p"), rtol=1e-12,
                               atol=1e-14)
