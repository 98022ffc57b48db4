"""``nanotwin validation tumor-delivery``: nested, study-grouped CV of DE24, DE168 and DEmax."""

from __future__ import annotations

from typing import Any

__all__ = ["validate_tumor_delivery"]


#: Candidates of the ``grouped_mech`` row: the default learners plus the PBPK covariate and the
#: empirical-Bayes group shrinkage (nested selection among all of them).
MECH_CANDIDATES = ("median", "ridge_strong", "random_forest", "tw_scaling", "blend",
                   "mech_scaling", "mech_blend", "tw_shrink", "mech_shrink")


def validate_tumor_delivery(targets: tuple[str, ...] = ("DE24", "DE168", "DEmax"),
                            with_random_split: bool = True,
                            with_shipped: bool = True,
                            with_mech: bool = True) -> dict[str, Any]:
    """Scores of the learned tumour-delivery model beside the constant-median baseline.

    * ``grouped``: 5-fold CV on ``nano_tumor_db_376.csv`` grouped by source study (``ID``), with
      tumour weight and dose attached from the matched CC0 rows; the learner chosen inside each
      training fold by 4-fold grouped CV (nested) among
      :data:`~nanotwin.learn.tumor_delivery.DEFAULT_CANDIDATES`.
    * ``grouped_no_tw``: the same without tumour weight and dose (the feature set of Lin et al.
      2022), to show what the tumour weight adds.
    * ``random``: a random forest with leaves of one (the caret default of Lin et al. 2022) on
      random outer folds — optimistic, shown only as the sanity check of the pipeline.
    * ``shipped``: the shipped feature set (CC0 table) under the same nested CV, grouped by the
      matched study IDs (unmatched rows held out together).
    * ``grouped_mech``: as ``grouped``, with two more inputs: ``log10_mech``, the DE of nanotwin's
      PBPK model for each row's proxy design (bare particle; see
      :func:`~nanotwin.learn.tumor_delivery.pbpk_delivery`), and the source study for the
      empirical-Bayes shrinkage of residuals by cancer type, material and tumour model; the
      learner is chosen by nested grouped CV among :data:`MECH_CANDIDATES`.

    ``study_variance`` (per target, :func:`~nanotwin.learn.tumor_delivery.study_variance`): the
    share of the log10 variance that lies between source studies and the score of the study's
    own other rows as the prediction (what knowing the study would be worth).

    Every nested row also reports the empirical coverage of its 90 % split-conformal interval on
    the outer test studies (``coverage_90``) and the interval's mean width in decades.

    Examples
    --------
    >>> callable(validate_tumor_delivery)
    True
    """
    from nanotwin.learn.tumor_delivery import (
        grouped_cv,
        load_db376,
        load_model_dataset,
        pbpk_delivery,
        study_variance,
        xlsx_study_groups,
    )

    X, y, g = load_db376()
    X0 = X.drop(columns=["log10_tw", "log10_dose"])
    out: dict[str, Any] = {"data": "nano_tumor_db_376.csv (376 datasets, 200 studies)",
                           "grouped": {}, "grouped_no_tw": {}, "random": {}, "shipped": {},
                           "grouped_mech": {},
                           "study_variance": {t: study_variance(y[t], g) for t in targets}}
    for t in targets:
        out["grouped"][t] = grouped_cv(X, y[t], g, t).as_dict()
        if with_random_split:
            out["grouped_no_tw"][t] = grouped_cv(X0, y[t], g, t).as_dict()
            out["random"][t] = grouped_cv(X0, y[t], g, t, random_split=True,
                                          candidates=("random_forest_leaf1",)).as_dict()
    if with_mech:
        mech = pbpk_delivery(X, peg=False)
        for t in targets:
            Xm = X.assign(log10_mech=mech[t], study=g)
            out["grouped_mech"][t] = grouped_cv(Xm, y[t], g, t,
                                                candidates=MECH_CANDIDATES).as_dict()
    if with_shipped:
        Xs, ys, raw = load_model_dataset()
        gs, exact = xlsx_study_groups(raw)
        out["shipped_groups"] = {"rows": int(len(gs)), "exactly_matched": int(exact.sum())}
        for t in targets:
            out["shipped"][t] = grouped_cv(Xs, ys[t], gs, t).as_dict()
    return out
