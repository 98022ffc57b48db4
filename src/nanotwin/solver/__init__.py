"""Stiff ODE solvers for edge-form compartmental models (numba Rosenbrock, batched over subjects).

Used by :mod:`nanotwin.pbpk` (one design) and :mod:`nanotwin.population` (many subjects); it
knows nothing about either (the model enters as an edge list, see :mod:`nanotwin.solver.edges`).
numba loads on the first integration, not at import.

Examples
--------
>>> import numpy as np
>>> from nanotwin.solver import integrate, structure
>>> st = structure(2, [0], [1], [-1], [], [], [])     # A -> B, k = 0.5 1/h
>>> r = integrate(st, [[0.5]], np.zeros((1, 0)), np.zeros((1, 0)), [0.0], [1.0, 0.0], [2.0])
>>> round(float(r["out"][0, 0, 1]), 5)                  # B(2 h) = 1 - exp(-1)
0.63212
"""

from __future__ import annotations

from nanotwin.solver.edges import METHODS, Structure, integrate, starting_steps, structure

__all__ = ["integrate", "structure", "starting_steps", "Structure", "METHODS"]
