"""Reference catalog: radionuclides, theranostic pairs, chelators, nanocarrier platforms and
approved or pipeline nanomedicines.

Every entry carries its source (paper with DOI, regulatory label or ClinicalTrials.gov ID). Nuclear
data (half-life, decay modes, emissions) are not stored here: :func:`nuclide_info` computes them
at lookup time with :mod:`nanotwin.physics` (radioactivedecay and ICRP-107).

Examples
--------
>>> from nanotwin.catalog import get_chelator, chelators_for
>>> get_chelator("desferrioxamine").name
'DFO'
>>> "DOTA" in chelators_for("Lu")
True
"""

from __future__ import annotations

from nanotwin._lazy import lazy_exports
from nanotwin.catalog._chelators import Chelator, chelators, chelators_for, get_chelator

# public name -> submodule (imported on first use)
_LAZY: dict[str, str] = {
    "NuclideInfo": "nanotwin.catalog._nuclides",
    "nuclide_info": "nanotwin.catalog._nuclides",
    "medical_nuclides": "nanotwin.catalog._nuclides",
    "TheranosticPair": "nanotwin.catalog._nuclides",
    "theranostic_pairs": "nanotwin.catalog._nuclides",
    "Platform": "nanotwin.catalog._products",
    "platforms": "nanotwin.catalog._products",
    "get_platform": "nanotwin.catalog._products",
    "Product": "nanotwin.catalog._products",
    "products": "nanotwin.catalog._products",
    "get_product": "nanotwin.catalog._products",
}

__all__ = ["Chelator", "chelators", "chelators_for", "get_chelator", *_LAZY]

__getattr__, __dir__ = lazy_exports("nanotwin.catalog", _LAZY, __all__)
