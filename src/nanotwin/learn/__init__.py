"""Learning from data: design -> tumour delivery predictor and honest grouped validation.

Public functions are imported lazily (scikit-learn and pandas load on first use).

Examples
--------
>>> from nanotwin.learn import LEARNERS
>>> "ridge" in LEARNERS
True
"""

from __future__ import annotations

from nanotwin._lazy import lazy_exports
from nanotwin.learn.tumor_delivery import LEARNERS, TARGETS

__all__ = ["LEARNERS", "TARGETS", "predict_tumor_delivery", "design_features", "grouped_cv",
           "validate_tumor_delivery", "validate_timecourse", "fit", "calibrate"]

_LAZY = {
    "predict_tumor_delivery": "nanotwin.learn.predictor",
    "design_features": "nanotwin.learn.predictor",
    "grouped_cv": "nanotwin.learn.tumor_delivery",
    "validate_tumor_delivery": "nanotwin.learn.validation",
    "validate_timecourse": "nanotwin.learn.timecourse",
    "fit": "nanotwin.learn.calibration",
    "calibrate": "nanotwin.learn.calibration",
}

__getattr__, __dir__ = lazy_exports("nanotwin.learn", _LAZY, __all__)
