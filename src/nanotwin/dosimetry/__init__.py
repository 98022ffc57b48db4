"""MIRD dosimetry: TIA fits, S-values computed from ICRP-107 emissions, organ and tumour doses.

Examples
--------
>>> from nanotwin.dosimetry import sphere_s_value
>>> s = sphere_s_value("Lu-177", 4.31)  # Gy/(Bq s)
>>> 4e-12 < s < 7e-12
True
"""

from __future__ import annotations

from nanotwin.dosimetry.doses import (
    PBPK_TO_PHANTOM,
    bed,
    dose_from_result,
    dose_from_tia,
    effective_dose,
    eqd2,
    max_tolerated_activity,
    mouse_to_human,
    therapeutic_indices,
)
from nanotwin.dosimetry.phantoms import PHANTOMS, phantom_masses, s_matrix, s_value, scale_s_value
from nanotwin.dosimetry.svalues import sphere_s_value
from nanotwin.dosimetry.tia import TIAResult, tia

__all__ = [
    "PBPK_TO_PHANTOM",
    "PHANTOMS",
    "TIAResult",
    "bed",
    "dose_from_result",
    "dose_from_tia",
    "effective_dose",
    "eqd2",
    "max_tolerated_activity",
    "mouse_to_human",
    "phantom_masses",
    "s_matrix",
    "s_value",
    "scale_s_value",
    "sphere_s_value",
    "therapeutic_indices",
    "tia",
]
