"""Nuclear physics for nanotwin: nuclide names, decay chains and ICRP-107 emission data.

Examples
--------
>>> from nanotwin.physics import canonical_nuclide, half_life
>>> canonical_nuclide("99mTc"), round(half_life("Tc-99m"), 3)
('Tc-99m', 6.015)
"""

from __future__ import annotations

from nanotwin.physics.nuclear import (
    RADIATION_TYPES,
    activities,
    beta_spectrum,
    canonical_nuclide,
    chain_branching,
    cumulated_decays,
    data_release,
    decay_correct,
    decay_factor,
    decay_modes,
    element,
    emissions,
    half_life,
    mean_energy_per_decay,
    mean_positron_energy,
    photon_lines,
    positron_fraction,
    progeny,
)

__all__ = [
    "RADIATION_TYPES",
    "activities",
    "beta_spectrum",
    "canonical_nuclide",
    "chain_branching",
    "cumulated_decays",
    "data_release",
    "decay_correct",
    "decay_factor",
    "decay_modes",
    "element",
    "emissions",
    "half_life",
    "mean_energy_per_decay",
    "mean_positron_energy",
    "photon_lines",
    "positron_fraction",
    "progeny",
]
