"""Batched solver against the PBPK reference solver (scipy Radau, analytic Jacobian)."""

from __future__ import annotations

import numpy as np
import pytest

from nanotwin.errors import DesignError


@pytest.fixture(scope="module")
def population():
    from pathlib import Path

    from nanotwin.design import load_design
    from nanotwin.population import sample_population

    root = Path(__file__).resolve().parents[2]
    design = load_design(root / "examples" / "studies" / "lu177_liposome_human.yaml")
    pb, _ = sample_population(design, 6, seed=11)
    return pb


def _organ_sums(Y):
    from nanotwin.population.batch import OUTPUT_ORGANS, _output_matrix

    ptr, ind, _ = _output_matrix(Y.shape[0])
    return np.stack([Y[ind[ptr[o]:ptr[o + 1]]].sum(0) for o in range(2 * len(OUTPUT_ORGANS))])


def test_matches_reference_solver_within_1e4(population):
    from nanotwin.pbpk import solve
    from nanotwin.population import batch_simulate
    from nanotwin.population.batch import OUTPUT_ORGANS

    times = np.linspace(0.0, 168.0, 60)
    ds = batch_simulate(population, times, rtol=1e-6, atol=1e-10)
    worst = 0.0
    for b in range(population.batch_size):
        pv = population.from_vector(population.as_vector()[:, b])
        ref = _organ_sums(solve(pv, times, rtol=1e-10, atol=1e-14))[:len(OUTPUT_ORGANS)]
        got = ds["pct_id"].values[b]
        m = np.abs(ref) > 1e-4  # floor: 1e-4 %ID
        worst = max(worst, float(np.max(np.abs(got[m] - ref[m]) / np.abs(ref[m]))))
    assert worst <= 1e-4


def test_particle_mass_is_conserved(population):
    from nanotwin.population import batch_simulate

    ds = batch_simulate(population, [0.5, 24.0, 168.0])
    total = ds["pct_id"].sum("organ").values
    assert np.allclose(total, 100.0, atol=1e-6)


def test_auc_and_tia_equal_integrals_of_the_reference(population):
    from scipy.integrate import simpson

    from nanotwin.pbpk import solve
    from nanotwin.population import batch_simulate

    ds = batch_simulate(population, [168.0], rtol=1e-7, atol=1e-12)
    tt = np.concatenate([[0.0], np.geomspace(1e-5, 168.0, 6000)])
    b = 2
    pv = population.from_vector(population.as_vector()[:, b])
    Z = _organ_sums(solve(pv, tt, rtol=1e-10, atol=1e-14))
    from nanotwin.population.batch import OUTPUT_ORGANS

    n = len(OUTPUT_ORGANS)
    auc_ref = simpson(Z[:n], x=tt)
    body = np.array([o not in ("urine", "feces", "degraded") for o in OUTPUT_ORGANS], float)
    act = pv.f_rcp * np.exp(-pv.k_det * tt) * Z[:n] * body[:, None] + Z[n:]
    A = act * np.exp(-pv.lambda_phys * tt)
    tia_ref = simpson(A, x=tt) + A[:, -1] / pv.lambda_phys  # tail: physical decay only
    big = auc_ref > 1.0
    assert np.allclose(ds["auc_pct_id"].values[b][big], auc_ref[big], rtol=1e-4)
    big = tia_ref > 1.0
    assert np.allclose(ds["tia_pct_h"].values[b][big], tia_ref[big], rtol=1e-4)


def test_bad_times_raise_one_line(population):
    from nanotwin.population import batch_simulate

    with pytest.raises(DesignError) as e:
        batch_simulate(population, [24.0, 1.0])
    assert "\n" not in str(e.value) and str(e.value).startswith("times:")
    with pytest.raises(DesignError):
        batch_simulate(population, [1.0], outputs=("nonsense",))


def test_rodas4_and_rodas5p_agree_and_rodas5p_takes_fewer_steps(population):
    from nanotwin.population import batch_simulate

    times = np.linspace(0.0, 168.0, 30)
    a = batch_simulate(population, times, rtol=1e-6, atol=1e-10, method="rodas5p")
    b = batch_simulate(population, times, rtol=1e-6, atol=1e-10, method="rodas4")
    P, Q = a["pct_id"].values, b["pct_id"].values
    m = np.abs(Q) > 1e-4
    assert np.max(np.abs(P[m] - Q[m]) / np.abs(Q[m])) <= 1e-5
    assert np.allclose(a["tia_pct_h"].values, b["tia_pct_h"].values, rtol=1e-5)
    assert a["n_steps"].values.mean() < b["n_steps"].values.mean()
    with pytest.raises(DesignError) as e:
        batch_simulate(population, times, method="rk4")
    assert "\n" not in str(e.value) and str(e.value).startswith("method:")


def test_initial_step_is_positive_and_below_the_first_transient(population):
    from nanotwin.population import edge_batch
    from nanotwin.population.batch import initial_step

    eb = edge_batch(population)
    h = initial_step(eb, 1e-6, 1e-10, 168.0, 5)
    k_max = eb.k.max(axis=1)  # fastest transfer rate of each subject (1/h)
    assert np.all(h > 0) and np.all(h * k_max < 1.0)


def test_sub_batches_and_simulate_population_give_the_same_subjects(monkeypatch):
    """Sub-batching (memory stays flat) changes nothing: same numbers as one batch."""
    from nanotwin.pbpk import demo_design
    from nanotwin.population import batch, sample_population, simulate_population

    t = [1.0, 24.0, 168.0]
    pb, _ = sample_population(demo_design(), 11, seed=5)
    whole = batch.batch_simulate(pb, t)
    monkeypatch.setattr(batch, "SUB_BATCH", 4)
    parts = batch.batch_simulate(pb, t)
    streamed = simulate_population(demo_design(), 11, t, seed=5,
                                   outputs=("pct_id", "activity_pct"))
    for name in ("pct_id", "activity_pct", "tia_pct_h", "auc_pct_id", "cmax_pct_id"):
        np.testing.assert_allclose(parts[name].values, whole[name].values, rtol=1e-12)
        np.testing.assert_allclose(streamed[name].values, whole[name].values, rtol=1e-12)
