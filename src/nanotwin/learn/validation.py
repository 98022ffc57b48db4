"""``nanotwin validation tumor-delivery``: nested, study-grouped CV of DE24, DE168 and DEmax."""

from __future__ import annotations

from typing import Any

__all__ = ["validate_tumor_delivery"]


def validate_tumor_delivery(targets: tuple[str, ...] = ("DE24", "DE168", "DEmax"),
                            with_random_split: bool = True,
                            with_shipped: bool = True) -> dict[str, Any]:
    """Scores of the learned tumour-delivery model beside the constant-median baseline.

    * ``grouped``: 5-fold CV on ``nano_tumor_db_376.csv`` grouped by source study (``ID``), the
      learner chosen inside each training fold by 4-fold grouped CV (nested) among
      :data:`~nanotwin.learn.tumor_delivery.DEFAULT_CANDIDATES`.
    * ``random``: the same with random outer folds — optimistic, shown only for comparison.
    * ``shipped``: the shipped feature set (CC0 table, with dose) under the same nested CV,
      grouped by the matched study IDs (unmatched rows held out together).
    """
    from nanotwin.learn.tumor_delivery import (
        grouped_cv,
        load_db376,
        load_model_dataset,
        xlsx_study_groups,
    )

    X, y, g = load_db376()
    out: dict[str, Any] = {"data": "nano_tumor_db_376.csv (376 datasets, 200 studies)",
                           "grouped": {}, "random": {}, "shipped": {}}
    for t in targets:
        out["grouped"][t] = grouped_cv(X, y[t], g, t).as_dict()
        if with_random_split:
            out["random"][t] = grouped_cv(X, y[t], g, t, random_split=True).as_dict()
    if with_shipped:
        Xs, ys, raw = load_model_dataset()
        gs, exact = xlsx_study_groups(raw)
        out["shipped_groups"] = {"rows": int(len(gs)), "exactly_matched": int(exact.sum())}
        for t in targets:
            out["shipped"][t] = grouped_cv(Xs, ys[t], gs, t).as_dict()
    return out
