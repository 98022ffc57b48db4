"""Payload (drug) release kinetics: burst + first-order / Weibull release and stimulus gates.

Examples
--------
>>> from nanotwin.payload import released_fraction, gate_multiplier
>>> round(float(released_fraction(24.0, 0.1, "first_order", k_release=0.05)), 3)
0.729
>>> gate_multiplier({"combine": "or", "triggers": [{"kind": "pH", "threshold": 6.9,
...                  "rate_multiplier": 4.0}]}, "tumor")
4.0
"""

from __future__ import annotations

from nanotwin.payload.environment import (
    ORGANS,
    TRIGGER_KINDS,
    gate_multiplier,
    microenvironment,
    trigger_active,
)
from nanotwin.payload.kinetics import (
    RELEASE_MODELS,
    release_hazard,
    release_parameters,
    released_fraction,
)

__all__ = [
    "ORGANS",
    "RELEASE_MODELS",
    "TRIGGER_KINDS",
    "gate_multiplier",
    "microenvironment",
    "release_hazard",
    "release_parameters",
    "released_fraction",
    "trigger_active",
]
