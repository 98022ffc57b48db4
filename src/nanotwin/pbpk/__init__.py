"""Whole-body nanoparticle PBPK: physiology, design -> parameters, ODE model, simulation.

Examples
--------
>>> from nanotwin.pbpk import simulate, demo_design, mass_balance
>>> ds = simulate(demo_design(), times=[0.0, 24.0])
>>> sorted(mass_balance(ds))
['activity', 'particle']
"""

from __future__ import annotations

from typing import Any

from nanotwin.pbpk.model import STATE_NAMES, jacobian, rhs, solve
from nanotwin.pbpk.parameters import (
    PBPKParameters,
    build_parameters,
    parameter_names,
    stack_parameters,
)
from nanotwin.pbpk.simulate import demo_design, demo_design_mapping, mass_balance, simulate

__all__ = ["simulate", "export_sbml", "build_parameters", "parameter_names", "PBPKParameters",
           "stack_parameters", "rhs", "jacobian", "STATE_NAMES", "solve", "mass_balance",
           "demo_design", "demo_design_mapping"]


def export_sbml(design: Any, species: str | None = None, **kwargs: Any) -> str:
    """SBML (level 3) text of the design's PBPK model; see :func:`nanotwin.pbpk.sbml.export_sbml`.
    """
    from nanotwin.pbpk.sbml import export_sbml as _export

    return _export(design, species=species, **kwargs)
