"""Predict tumour delivery (DE24, DE168, DEmax in %ID) of a new design, with a 90 % interval.

The predictor is trained at first use on the shipped CC0 model dataset (Chou et al., J Control
Release 2023;361:53; data of Cheng et al., ACS Nano 2020;14:3075), all mice. For each target it
chooses, by 5-fold cross-validation grouped by a study proxy, between the constant median and
the learners of :mod:`nanotwin.learn.tumor_delivery`, refits the choice on all rows, and takes
the 5 % / 95 % quantiles of the grouped out-of-fold log10 residuals as a split-conformal 90 %
prediction interval (Lei et al., J Am Stat Assoc 2018;113:1094).

The shipped table has no source-study column, so the run-time grouping is the proxy (cancer type,
tumour model, body weight); checked against the study IDs of the Nano-Tumor Database it merges
studies (109 proxy groups for 193 studies) and splits only 3 of 193 studies, i.e. it is at least
as strict as grouping by study. The honest, nested, study-grouped scores are printed by
``nanotwin validation tumor-delivery``.

Design vocabulary → data-set categories (Cheng et al. 2020 coding):

* platform → ``type``: organic (liposome, polymeric, micelle, dendrimer, lipid_nanoparticle,
  exosome, albumin, ferritin, protein_cage, hdl, polymer_drug_conjugate, melanin),
  inorganic (gold, iron_oxide, silica, mesoporous_silica, quantum_dot, upconversion,
  copper_sulfide, carbon_nanotube, graphene, graphene_oxide, carbon_dot), hybrid (hybrid);
  other → organic (the majority class).
* ligands non-empty → ``targeting`` active, else passive.
* tumor.cancer_type (or a known cell line in tumor.model) → one of the 13 ``cancer_type`` values.
* tumor.graft: xenograft/patient → xenograft, allograft/syngeneic → allograft, spontaneous →
  other; tumor.site: subcutaneous → heterotopic, orthotopic → orthotopic, metastatic → other.
* shape: sphere → sphere, rod → rod, sheet → plate, anything else → other.
* hydrodynamic_diameter → log10_hd; zeta_potential → zeta; administration.dose_mg_per_kg → log10
  dose (missing → training median); tumor.mass (g) or tumor.volume (mm³ → g at 1 g/mL) →
  log10_tw (missing → training median, 0.18 g). The tumour mass matters most: DE in %ID scales
  with it (see :class:`nanotwin.learn.tumor_delivery._TumourMassScaling`), so give it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["predict_tumor_delivery", "add_learned_delivery", "check_learned_domain",
           "design_features", "PLATFORM_TYPE", "CANCER_TYPES"]

PLATFORM_TYPE: dict[str, str] = {
    **dict.fromkeys(["liposome", "polymeric", "micelle", "dendrimer", "lipid_nanoparticle",
                     "exosome", "albumin", "ferritin", "protein_cage", "hdl",
                     "polymer_drug_conjugate", "melanin", "other"], "organic"),
    **dict.fromkeys(["gold", "iron_oxide", "silica", "mesoporous_silica", "quantum_dot",
                     "upconversion", "copper_sulfide", "carbon_nanotube", "graphene",
                     "graphene_oxide", "carbon_dot"], "inorganic"),
    "hybrid": "hybrid",
}
CANCER_TYPES = ("breast", "liver", "skin", "colon", "cervix", "brain", "lung", "prostate",
                "ovary", "pancreas", "stomach", "kidney", "other")
_CANCER_ALIASES = {
    "melanoma": "skin", "glioma": "brain", "glioblastoma": "brain", "hepatocellular": "liver",
    "hcc": "liver", "hepatoma": "liver", "colorectal": "colon", "crc": "colon",
    "cervical": "cervix", "nsclc": "lung", "sclc": "lung", "ovarian": "ovary",
    "pancreatic": "pancreas", "gastric": "stomach", "renal": "kidney",
}
# Common cell lines -> tissue of origin (ATCC / Cellosaurus annotations).
_CELL_LINES = {
    "4t1": "breast", "mda-mb-231": "breast", "mcf-7": "breast", "mcf7": "breast",
    "bt-474": "breast", "emt6": "breast", "u87mg": "brain", "u87": "brain", "u251": "brain",
    "c6": "brain", "gl261": "brain", "hela": "cervix", "b16": "skin", "b16f10": "skin",
    "a375": "skin", "ct26": "colon", "hct116": "colon", "ht-29": "colon", "ls174t": "colon",
    "mc38": "colon", "a549": "lung", "llc": "lung", "h460": "lung", "pc3": "prostate",
    "pc-3": "prostate", "lncap": "prostate", "22rv1": "prostate", "hepg2": "liver",
    "h22": "liver", "huh7": "liver", "skov3": "ovary", "skov-3": "ovary", "panc-1": "pancreas",
    "bxpc-3": "pancreas", "mia paca-2": "pancreas", "sgc-7901": "stomach", "786-o": "kidney",
}
_SHAPE = {"sphere": "sphere", "rod": "rod", "sheet": "plate"}
_GRAFT = {"xenograft": "xenograft", "patient": "xenograft", "allograft": "allograft",
          "syngeneic": "allograft", "spontaneous": "other"}
_SITE = {"subcutaneous": "heterotopic", "orthotopic": "orthotopic", "metastatic": "other"}


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _cancer_type(tumor: Any) -> str:
    ct = str(_get(tumor, "cancer_type") or "").strip().lower()
    if ct:
        for word in [ct, *ct.replace("-", " ").split()]:
            if word in CANCER_TYPES:
                return word
            if word in _CANCER_ALIASES:
                return _CANCER_ALIASES[word]
    model = str(_get(tumor, "model") or "").strip().lower()
    if model in _CELL_LINES:
        return _CELL_LINES[model]
    if model.replace(" ", "") in _CELL_LINES:
        return _CELL_LINES[model.replace(" ", "")]
    return "other"


def design_features(design: Any) -> dict[str, Any]:
    """Map a design (object or mapping) to the canonical features of the tumour data set.

    Raises
    ------
    DesignError
        If the subject is not a tumour-bearing mouse (the data are mouse xenografts/allografts).

    Examples
    --------
    >>> f = design_features({"nanoparticle": {"platform": "gold", "hydrodynamic_diameter": 30.0,
    ...                      "zeta_potential": -10.0, "shape": "sphere", "ligands": []},
    ...                      "subject": {"species": "mouse", "tumor": {"model": "4T1",
    ...                      "graft": "syngeneic", "site": "subcutaneous"}}})
    >>> f["type"], f["cancer_type"], f["graft"], f["site"], round(f["log10_hd"], 3)
    ('inorganic', 'breast', 'allograft', 'heterotopic', 1.477)
    """
    if isinstance(design, dict) and "name" in design:
        from nanotwin.design import load_design

        design = load_design(design)  # a full design mapping: validate and convert units
    np_ = _get(design, "nanoparticle")
    subject = _get(design, "subject")
    species = str(_get(subject, "species", "mouse") or "mouse")
    if species != "mouse":
        raise DesignError(
            f"subject.species: the tumour-delivery predictor is trained on mice only, got "
            f"{species!r}; use species 'mouse' (extrapolate to other species with the PBPK model)",
            "subject.species")
    tumor = _get(subject, "tumor")
    if tumor is None:
        raise DesignError(
            "subject.tumor: tumour delivery needs a tumour; add subject.tumor (model, graft, "
            "site)", "subject.tumor")
    if np_ is None:
        raise DesignError("nanoparticle: missing; describe the particle (platform, size, zeta)",
                          "nanoparticle")
    d = _get(np_, "hydrodynamic_diameter")
    if d is None or not float(d) > 0:
        raise DesignError(
            f"nanoparticle.hydrodynamic_diameter: {d!r} must be > 0 nm; give e.g. '30 nm'",
            "nanoparticle.hydrodynamic_diameter")
    platform = str(_get(np_, "platform", "other"))
    dose = _get(_get(design, "administration"), "dose_mg_per_kg")
    tw = _get(tumor, "mass")
    if tw is None and _get(tumor, "volume") is not None:
        tw = float(_get(tumor, "volume")) / 1000.0  # mm^3 -> g at 1 g/mL
    if tw is not None and not float(tw) > 0:
        raise DesignError(f"subject.tumor.mass: {tw!r} must be > 0 g; give e.g. '0.2 g'",
                          "subject.tumor.mass")
    return {
        "type": PLATFORM_TYPE.get(platform, "organic"),
        "targeting": "active" if (_get(np_, "ligands") or []) else "passive",
        "cancer_type": _cancer_type(tumor),
        "graft": _GRAFT.get(str(_get(tumor, "graft", "xenograft")), "other"),
        "site": _SITE.get(str(_get(tumor, "site", "subcutaneous")), "other"),
        "shape": _SHAPE.get(str(_get(np_, "shape", "sphere")), "other"),
        "log10_hd": float(np.log10(float(d))),
        "zeta": float(_get(np_, "zeta_potential", 0.0) or 0.0),
        "log10_dose": float(np.log10(float(dose))) if dose is not None and float(dose) > 0
        else np.nan,
        "log10_tw": float(np.log10(float(tw))) if tw is not None else np.nan,
    }


#: Learners considered for the shipped predictor (fast ones; see docs/learn.md).
SHIPPED_CANDIDATES = ("median", "ridge_strong", "random_forest", "tw_scaling", "blend")


def proxy_groups(raw: Any) -> np.ndarray:
    """Study proxy of the shipped table: (cancer type, tumour model, body weight)."""
    key = raw[["CT", "TM", "BW"]].astype(str).apply(lambda r: "|".join(r).lower(), axis=1)
    return key.to_numpy()


@lru_cache(maxsize=1)
def _trained() -> dict[str, Any]:
    from nanotwin.learn.tumor_delivery import (
        TARGETS,
        _folds,
        load_model_dataset,
        make_learner,
    )

    X, y, raw = load_model_dataset()
    groups = proxy_groups(raw)
    out: dict[str, Any] = {}
    cols = list(X.columns)
    for target in TARGETS:
        yt = y[target]
        folds = _folds(groups, 5, 7)
        best, best_mse, best_res = "median", np.inf, None
        for name in SHIPPED_CANDIDATES:
            res = np.empty(len(yt))
            for tr, te in folds:
                m = make_learner(name, cols).fit(X.iloc[tr], yt[tr])
                res[te] = yt[te] - m.predict(X.iloc[te])
            mse = float(np.mean(res**2))
            if mse < best_mse:
                best, best_mse, best_res = name, mse, res
        model = make_learner(best, cols).fit(X, yt)
        lo, hi = np.quantile(best_res, [0.05, 0.95])
        out[target] = {"model": model, "learner": best, "q_lo": float(lo), "q_hi": float(hi),
                       "cv_rmse_log10": float(np.sqrt(best_mse))}
    out["columns"] = cols
    out["n_train"] = len(X)
    return out


def predict_tumor_delivery(design: Any) -> dict[str, Any]:
    """Predicted tumour delivery efficiency (%ID) at 24 h, 168 h and maximum, with 90 % PI.

    Parameters
    ----------
    design
        A ``nanotwin.design.Design``, a full design mapping (with ``name``; validated and
        converted by ``load_design``) or a bare mapping of canonical numbers with the same fields,
        for a tumour-bearing mouse.

    Returns
    -------
    dict
        ``{"DE24": {"median", "lower", "upper", "unit", "learner", "cv_rmse_log10"}, "DE168":
        ..., "DEmax": ..., "features": {...}, "interval": text, "n_train": int}``.

    Examples
    --------
    >>> p = predict_tumor_delivery({"nanoparticle": {"platform": "liposome",
    ...     "hydrodynamic_diameter": 100.0, "zeta_potential": -5.0},
    ...     "subject": {"species": "mouse", "tumor": {"model": "4T1", "graft": "syngeneic",
    ...     "site": "subcutaneous"}}})
    >>> p["DE24"]["lower"] < p["DE24"]["median"] < p["DE24"]["upper"]
    True
    """
    import pandas as pd

    feats = design_features(design)
    trained = _trained()
    X = pd.DataFrame([{c: feats.get(c, np.nan) for c in trained["columns"]}])
    out: dict[str, Any] = {}
    for target in ("DE24", "DE168", "DEmax"):
        t = trained[target]
        m = float(t["model"].predict(X)[0])
        out[target] = {"median": 10**m, "lower": 10 ** (m + t["q_lo"]),
                       "upper": 10 ** (m + t["q_hi"]), "unit": "%ID", "learner": t["learner"],
                       "cv_rmse_log10": t["cv_rmse_log10"]}
    out["features"] = feats
    out["interval"] = ("90 % split-conformal interval from out-of-fold log10 residuals, folds "
                       "grouped by (cancer type, tumour model, body weight)")
    out["n_train"] = trained["n_train"]
    return out


def check_learned_domain(design: Any, species: str | None = None) -> None:
    """The learned predictor is trained on tumour-bearing mice only (one-line DesignError)."""
    sp = species or design.subject.species
    if sp != "mouse":
        raise DesignError(f"learned: the learned tumour delivery is trained on mice only, got "
                          f"species {sp!r}; drop learned=True or simulate a mouse", "learned")
    if design.subject.tumor is None:
        raise DesignError("learned: the design has no tumour; add subject.tumor or drop "
                          "learned=True", "learned")


def add_learned_delivery(ds: Any, design: Any, species: str | None = None) -> Any:
    """A biodistribution Dataset with the learned tumour delivery of the design beside it.

    Adds ``learned_delivery`` (%ID) over ``endpoint`` (DE24, DE168, DEmax) x ``statistic``
    (median, lower_5, upper_95: the 90 % interval) and attrs ``learned_learner_<endpoint>`` and
    ``learned_interval``; the mechanistic variables are unchanged. Mouse with a tumour only
    (:func:`check_learned_domain`).
    """
    check_learned_domain(design, species)
    pred = predict_tumor_delivery(design)
    ends, stats = ("DE24", "DE168", "DEmax"), ("median", "lower", "upper")
    out = ds.assign_coords(endpoint=list(ends), statistic=["median", "lower_5", "upper_95"])
    out["learned_delivery"] = (("endpoint", "statistic"),
                               np.array([[pred[e][k] for k in stats] for e in ends], float))
    out["learned_delivery"].attrs.update(
        units="%ID",
        long_name="tumour delivery learned from the Nano-Tumor data (median, 90 % interval)")
    for e in ends:
        out.attrs[f"learned_learner_{e}"] = pred[e]["learner"]
    out.attrs["learned_interval"] = pred["interval"]
    return out
