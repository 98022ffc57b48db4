"""Virtual populations, virtual trials and design sweeps on a batched PBPK solver.

Examples
--------
>>> from nanotwin.population import batch_simulate
>>> callable(batch_simulate)
True
"""

from __future__ import annotations

from nanotwin.population.batch import batch_simulate, edge_batch

__all__ = ["batch_simulate", "edge_batch"]
