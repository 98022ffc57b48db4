"""nanotwin: a digital twin for cancer nanomedicine.

Describe a nanoparticle (platform, size, charge, coating, ligands, radiolabel, payload) and predict
its whole-body biodistribution, images, radiation doses and response in mouse, rat or patient.

Examples
--------
>>> import nanotwin
>>> design = nanotwin.load_design({
...     "name": "PEG-gold 30 nm",
...     "nanoparticle": {"platform": "gold", "hydrodynamic_diameter": "30 nm",
...                      "zeta_potential": "-10 mV"},
...     "subject": {"species": "mouse"},
... })
>>> design.nanoparticle.hydrodynamic_diameter
30.0
"""

from __future__ import annotations

from nanotwin._lazy import lazy_exports
from nanotwin.errors import DataError, DesignError, DesignWarning

__version__ = "0.1.0"

# public name -> module that defines it (imported on first use, so `import nanotwin` stays light)
_LAZY: dict[str, str] = {
    "Design": "nanotwin.design",
    "load_design": "nanotwin.design",
    "design_schema": "nanotwin.design",
    "simulate": "nanotwin.simulation",
    "export_sbml": "nanotwin.pbpk",
    "fit": "nanotwin.learn",
}

__all__ = [
    "__version__",
    "DesignError",
    "DataError",
    "DesignWarning",
    *_LAZY,
]

__getattr__, __dir__ = lazy_exports("nanotwin", _LAZY, __all__)
