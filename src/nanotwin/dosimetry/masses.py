"""Reference phantom organ masses (the lowest layer of the dosimetry package).

``adult_male`` and ``adult_female``: ICRP Publication 89 reference organ masses; ``mouse_25g``,
``mouse_30g``, ``mouse_35g``: RADAR mouse phantoms (Keenan et al., J Nucl Med 2010;51:471).
"""

from __future__ import annotations

import math
from functools import lru_cache

from nanotwin._paths import package_data
from nanotwin.errors import DesignError

__all__ = ["PHANTOMS", "phantom_masses"]

PHANTOMS = ("adult_male", "adult_female", "mouse_25g", "mouse_30g", "mouse_35g")

_RADAR_NAMES = {"Brain": "brain", "Heart": "heart", "Stomach": "stomach",
                "Small Intestine": "small_intestine", "Large Intestine": "large_intestine",
                "Kidneys": "kidneys", "Liver": "liver", "Lungs": "lungs", "Pancreas": "pancreas",
                "Skeleton": "skeleton", "Spleen": "spleen", "Testes": "testes",
                "Thyroid": "thyroid", "Bladder": "urinary_bladder", "Body": "total_body"}

@lru_cache(maxsize=8)
def _phantom_masses(phantom: str) -> tuple[tuple[str, float], ...]:
    import pandas as pd

    if phantom.startswith("mouse_"):
        df = pd.read_csv(package_data("dosimetry", "mouse_radar_phantom_masses_25_30_35g.csv"))
        col = phantom.split("_")[1]
        out = {_RADAR_NAMES[o]: float(m) for o, m in zip(df["Organ"], df[col], strict=True)}
    else:
        df = pd.read_csv(package_data("dosimetry", "icrp89_adult_organ_masses.csv"))
        col = f"{phantom}_g"
        out = {o: float(m) for o, m in zip(df["organ"], df[col], strict=True)
               if not math.isnan(m)}
    return tuple(out.items())


def _check_phantom(phantom: str) -> str:
    if phantom not in PHANTOMS:
        raise DesignError(f"phantom: unknown phantom {phantom!r}; use one of "
                          f"{', '.join(PHANTOMS)}", "phantom")
    return phantom


def phantom_masses(phantom: str = "adult_male") -> dict[str, float]:
    """Organ masses (g) of a reference phantom, with ``total_body``.

    Examples
    --------
    >>> phantom_masses("mouse_25g")["liver"]
    1.74
    >>> phantom_masses("adult_female")["liver"]
    1400.0
    """
    return dict(_phantom_masses(_check_phantom(phantom)))


