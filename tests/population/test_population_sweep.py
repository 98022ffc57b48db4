"""Sweeps, Pareto ranking and the optimisation loop."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from nanotwin.population.sweep import design_points, non_dominated_rank

ROOT = Path(__file__).resolve().parents[2]
STUDY = ROOT / "examples" / "studies" / "rgd_gold_optimize.yaml"


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=25))
def test_rank_zero_is_exactly_the_non_dominated_set(pts):
    F = np.array(pts, dtype=float)
    rank = non_dominated_rank(F)
    for i in range(len(F)):
        dominated = any(np.all(F[j] <= F[i]) and np.any(F[j] < F[i]) for j in range(len(F)))
        assert (rank[i] == 0) == (not dominated)


def test_lhs_is_stratified():
    X = design_points({"size": (10.0, 200.0), "zeta": (-30.0, 30.0)}, 20, "lhs", seed=2)
    for j, (lo, hi) in enumerate([(10.0, 200.0), (-30.0, 30.0)]):
        bins = np.floor((X[:, j] - lo) / (hi - lo) * 20).astype(int)
        assert sorted(bins.tolist()) == list(range(20))


def test_optimize_small(tmp_path):
    from nanotwin.population import load_study, optimize

    st = load_study(STUDY)
    # a loose kidney limit, so that feasible points exist whatever the calibrated model gives
    limit = 200.0
    sw = st.sweep.model_copy(update={"population": 6, "generations": 1, "nuclides": ["Lu-177"],
                                     "constraints": {"kidney_dose": limit}})
    ds = optimize(st.model_copy(update={"sweep": sw}), out_dir=str(tmp_path))
    assert ds.sizes["point"] == 12
    assert ds["pareto"].values.any()
    assert (tmp_path / "pareto.png").stat().st_size > 1000
    # Pareto points are not dominated by any evaluated feasible point
    F = np.stack([-ds["tumor_dose"].values, ds["liver_dose"].values], axis=1)
    feas = ds["kidney_dose"].values <= limit
    for i in np.flatnonzero(ds["pareto"].values):
        assert not np.any(np.all(F[feas] <= F[i], axis=1) & np.any(F[feas] < F[i], axis=1))


def test_cli_sweep(tmp_path):
    import yaml

    from nanotwin.cli import app

    data = yaml.safe_load(STUDY.read_text())
    data["design"] = str(STUDY.parent / data["design"])
    data["sweep"].update({"n": 4, "nuclides": ["Lu-177/DOTA"]})
    p = tmp_path / "s.yaml"
    p.write_text(yaml.safe_dump(data))
    out = tmp_path / "o"  # a new folder: an existing non-empty one needs --overwrite
    r = CliRunner().invoke(app, ["optimize", str(p), "--sweep-only", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert (out / "sweep.csv").is_file()
