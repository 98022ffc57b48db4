"""Virtual populations, virtual trials and design optimisation on a batched PBPK solver.

* :func:`batch_simulate` - thousands of subjects/designs of the nanotwin PBPK model in one call
  (numba Rosenbrock of :mod:`nanotwin.solver`, parallel over subjects, SIMD over lanes), keeping
  only outputs and summaries; :func:`simulate_population` draws and runs a population
  sub-batch by sub-batch (1e6 subjects in flat memory).
* :func:`sample_population` - inter-individual variability (body weight, organ volumes, MPS
  capacity, tumour size, EPR permeability and perfusion), reproducible with a seed.
* :func:`run_trial` - doses, success fraction and PET-surrogate dose prediction of a study.
* :func:`run_sweep`, :func:`optimize` - grid/LHS sweeps and NSGA-II-style Pareto optimisation.

Examples
--------
>>> from nanotwin.pbpk import demo_design
>>> pb, _ = sample_population(demo_design(), 3, seed=1)
>>> batch_simulate(pb, [24.0])["pct_id"].sizes["subject"]
3
"""

from __future__ import annotations

from nanotwin.population.batch import batch_simulate, edge_batch, simulate_population
from nanotwin.population.endpoints import simulate_subjects
from nanotwin.population.population import apply_factors, sample_factors, sample_population
from nanotwin.population.study import Study, load_study
from nanotwin.population.sweep import evaluate_designs, optimize, pareto_front, run_sweep
from nanotwin.population.trial import run_trial

__all__ = ["batch_simulate", "simulate_population", "edge_batch", "sample_population",
           "sample_factors", "apply_factors", "Study", "load_study", "run_trial",
           "simulate_subjects", "run_sweep", "optimize", "evaluate_designs", "pareto_front"]
