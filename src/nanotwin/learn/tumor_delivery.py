"""Learned design → tumour-delivery model, with honest grouped cross-validation.

Data
----
* Nano-Tumor Database, 376 datasets from 200 source studies (``nano_tumor_db_376.csv``; Lin et al.,
  Int J Nanomedicine 2022;17:1365; data of Cheng et al., ACS Nano 2020;14:3075; GPL-3, read from
  the shared validation data only, never shipped). Its ``ID`` column names the source study and is
  the grouping of every cross-validation here.
* The same datasets as the CC0 ``Model_dataset.xlsx`` of Chou et al. (J Control Release
  2023;361:53), shipped in ``nanotwin/data/learn`` so the predictor trains offline at run time.
  Its ``ID`` is a row number; rows are matched to source studies through identical
  (DE24, DE168, DEmax, cancer type, targeting) values — see :func:`xlsx_study_groups`.

Targets are log10 of the delivery efficiency (%ID in the tumour) at 24 h, at 168 h and at its
maximum (DE24, DE168, DEmax), as defined by Cheng et al. 2020.

Features (canonical frame)
--------------------------
``type`` (organic/inorganic/hybrid), ``material`` (csv only), ``targeting`` (active/passive),
``cancer_type``, ``graft`` (allograft/xenograft), ``site`` (heterotopic/orthotopic), ``shape``,
``log10_hd`` (hydrodynamic diameter / nm), ``zeta`` (signed, mV) and, where known,
``log10_dose`` (mg/kg) and ``log10_tw`` (tumour weight / g at the time of the study, column ``TW``
of the CC0 table; attached to the csv rows through the study matching of
:func:`xlsx_study_groups`). Mechanistic terms added for the linear learner (sources next to them in
:func:`_mechanistic_terms`): squared deviation of log size from 100 nm (EPR window and MPS uptake
both rise away from it), a renal-filtration indicator below 8 nm and a positive-charge indicator.

Learners compared (all scikit-learn, seeds fixed): constant median, ridge regression on one-hot +
mechanistic terms (a shrinkage model), random forest, histogram gradient boosting, k-nearest
neighbours, the mechanistic tumour-mass scaling ``tw_scaling`` (DE in %ID is the concentration in
%ID/g times the tumour mass, so log10 DE = a + b log10 TW; see :class:`_TumourMassScaling`) and
``blend``, the mean of ``tw_scaling`` and the random forest in log10 space.
The learner is chosen by grouped cross-validation *inside* each outer training fold
(nested selection), so the outer score is not tuned on its own held-out studies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = [
    "TARGETS",
    "LEARNERS",
    "load_db376",
    "load_model_dataset",
    "xlsx_study_groups",
    "make_learner",
    "grouped_cv",
    "CVReport",
    "pbpk_delivery",
    "pbpk_tumour_curves",
    "study_variance",
]

#: Targets: canonical name -> (csv column, xlsx column).
TARGETS: dict[str, tuple[str, str]] = {
    "DE24": ("DE_24", "DE24"),
    "DE168": ("DE_168", "DE168"),
    "DEmax": ("DE_Max", "Demax"),
}
LEARNERS = ("median", "ridge", "ridge_strong", "random_forest", "gradient_boosting", "knn",
            "tw_scaling", "blend", "random_forest_leaf1", "mech_scaling", "mech_offset",
            "mech_blend", "tw_shrink", "mech_shrink", "blend_shrink")
#: Learners chosen among by nested grouped CV; "median" lets the selection fall back to the
#: baseline when no learner beats it inside the training studies. (gradient boosting and kNN were
#: never better than the random forest under grouped CV, see docs/learn.md, and are left out to
#: keep the nested CV affordable.)
DEFAULT_CANDIDATES = ("median", "ridge_strong", "random_forest", "tw_scaling", "blend")
CATEGORICAL = ("type", "material", "targeting", "cancer_type", "graft", "site", "shape")
NUMERIC = ("log10_hd", "zeta", "log10_dose", "log10_tw", "log10_mech")
LOG10_2 = float(np.log10(2.0))
LOG10_3 = float(np.log10(3.0))
SEED = 20240607


def _clean_cat(s: Any) -> Any:
    return s.astype(str).str.strip().str.lower().str.replace(" ", "_")


_SHAPES = {"spherical": "sphere", "rod": "rod", "plate": "plate", "flake": "plate",
           "other": "other", "irregular": "other"}


def _frame_from_db376(df: Any) -> Any:
    import pandas as pd

    out = pd.DataFrame(index=df.index)
    out["type"] = _clean_cat(df["Type"])
    out["material"] = _clean_cat(df["MAT"])
    out["targeting"] = _clean_cat(df["TS"])
    out["cancer_type"] = _clean_cat(df["CT"])
    tm = df["TM"].astype(str).str.strip()
    out["graft"] = tm.map({"XH": "xenograft", "XO": "xenograft", "AH": "allograft",
                           "AO": "allograft"}).fillna("other")
    out["site"] = tm.map({"XH": "heterotopic", "AH": "heterotopic", "XO": "orthotopic",
                          "AO": "orthotopic"}).fillna("other")
    out["shape"] = _clean_cat(df["Shape"]).map(_SHAPES).fillna("other")
    out["log10_hd"] = df["Size"].astype(float)  # the csv stores log10(HD/nm)
    out["zeta"] = df["ZP"].astype(float)
    return out


def _frame_from_xlsx(df: Any) -> Any:
    import pandas as pd

    out = pd.DataFrame(index=df.index)
    out["type"] = _clean_cat(df["Type"])
    out["targeting"] = _clean_cat(df["TS"]).where(
        _clean_cat(df["TS"]).isin(["active", "passive"]), "passive")  # one row says 'negtive'
    out["cancer_type"] = _clean_cat(df["CT"])
    tm = df["TM"].astype(str).str.lower()
    out["graft"] = np.where(tm.str.contains("xenograft"), "xenograft",
                            np.where(tm.str.contains("allograft"), "allograft", "other"))
    out["site"] = np.where(tm.str.contains("orthotopic"), "orthotopic",
                           np.where(tm.str.contains("heterotopic"), "heterotopic", "other"))
    out["shape"] = _clean_cat(df["Shape"]).map(_SHAPES).fillna("other")
    hd = df["HD"].astype(float)
    out["log10_hd"] = np.log10(hd.where(hd > 0))
    # |zeta| with a charge code 0 negative, 1 positive, 2 neutral (Chou et al. 2023)
    sign = df["Charge"].map({0.0: -1.0, 1.0: 1.0, 2.0: 0.0})
    out["zeta"] = df["Zeta"].astype(float) * sign
    out.loc[df["Charge"] == 2.0, "zeta"] = 0.0
    dose = df["Dose"].astype(float)
    out["log10_dose"] = np.log10(dose.where(dose > 0))
    tw = df["TW"].astype(float)  # tumour weight, g (Chou et al. 2023)
    out["log10_tw"] = np.log10(tw.where(tw > 0))
    return out


def load_db376(path: Any = None, with_covariates: bool = True,
               ) -> tuple[Any, dict[str, np.ndarray], np.ndarray]:
    """Canonical features, log10 targets and study groups of the Nano-Tumor Database (csv).

    Parameters
    ----------
    path
        The csv; default ``shared_data_dir()/tumor_delivery/nano_tumor_db_376.csv``.
    with_covariates
        Attach ``log10_tw`` (tumour weight) and ``log10_dose`` from the exactly matched rows of
        the CC0 table (:func:`xlsx_study_groups`); NaN for the csv rows without a match.

    Returns
    -------
    (X, y, groups)
        Feature frame, ``{"DE24": log10 values, ...}`` and the source-study ``ID`` per row.
    """
    import pandas as pd

    from nanotwin._paths import shared_data_dir

    path = path or shared_data_dir() / "tumor_delivery" / "nano_tumor_db_376.csv"
    df = pd.read_csv(path)
    y = {k: np.log10(df[c].to_numpy(float)) for k, (c, _x) in TARGETS.items()}
    X = _frame_from_db376(df)
    if with_covariates:
        # tumour weight and dose are only in the CC0 table: attach them through the exact
        # one-to-one row matching (unmatched csv rows keep NaN, imputed inside each learner)
        Xx, _yx, raw = load_model_dataset()
        _g, exact, col = _match(raw, df)
        X["log10_dose"] = np.nan
        X["log10_tw"] = np.nan
        rows = np.flatnonzero(exact)
        X.loc[col[rows], "log10_dose"] = Xx["log10_dose"].to_numpy()[rows]
        X.loc[col[rows], "log10_tw"] = Xx["log10_tw"].to_numpy()[rows]
    return X, y, df["ID"].to_numpy()


def load_model_dataset(path: Any = None) -> tuple[Any, dict[str, np.ndarray], Any]:
    """Canonical features, log10 targets and the raw table of the shipped CC0 model dataset.

    Examples
    --------
    >>> X, y, raw = load_model_dataset()
    >>> len(X), sorted(y)
    (378, ['DE168', 'DE24', 'DEmax'])
    """
    import pandas as pd

    from nanotwin._paths import package_data

    path = path or package_data("learn", "nano_tumor_g1_model_dataset.xlsx")
    df = pd.read_excel(path)
    y = {k: np.log10(df[c].to_numpy(float)) for k, (_c, c) in TARGETS.items()}
    return _frame_from_xlsx(df), y, df


def xlsx_study_groups(raw_xlsx: Any, db376_path: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Source-study ID of each model-dataset row, matched to the Nano-Tumor Database.

    Rows are paired one-to-one (Hungarian assignment) on |Δlog10| of DE24, DE168 and DEmax plus
    penalties for a different cancer type or targeting; a pair counts as *exact* when the
    three DE values agree to 0.01 %ID and both categories agree. Rows without an exact partner
    are put together in one extra group (-1) so they are always held out together.

    Returns
    -------
    (groups, exact)
        Study IDs (int; -1 for the unmatched block) and a boolean mask of exact matches.
    """
    import pandas as pd

    from nanotwin._paths import shared_data_dir

    db376_path = db376_path or shared_data_dir() / "tumor_delivery" / "nano_tumor_db_376.csv"
    groups, exact, _col = _match(raw_xlsx, pd.read_csv(db376_path))
    return groups, exact


def _match(x: Any, c: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hungarian matching of CC0-table rows ``x`` to csv rows ``c`` (see xlsx_study_groups).

    Returns study IDs, the exact-match mask and the matched csv row index of each xlsx row (-1
    where none)."""
    from scipy.optimize import linear_sum_assignment

    cost = np.zeros((len(x), len(c)))
    for _k, (cc, xc) in TARGETS.items():
        a = np.log10(x[xc].to_numpy(float) + 0.01)
        b = np.log10(c[cc].to_numpy(float) + 0.01)
        cost += np.abs(a[:, None] - b[None, :])
    ct_x = np.array(_clean_cat(x["CT"]).tolist())
    ct_c = np.array(_clean_cat(c["CT"]).tolist())
    ts_x = np.array(_clean_cat(x["TS"]).tolist())
    ts_c = np.array(_clean_cat(c["TS"]).tolist())
    cost += 0.5 * (ct_x[:, None] != ct_c[None, :]) + 0.5 * (ts_x[:, None] != ts_c[None, :])
    rows, cols = linear_sum_assignment(cost)
    groups = np.full(len(x), -1, dtype=int)
    col = np.full(len(x), -1, dtype=int)
    exact = np.zeros(len(x), dtype=bool)
    ok = cost[rows, cols] < 1e-3
    groups[rows[ok]] = c["ID"].to_numpy()[cols[ok]]
    col[rows[ok]] = cols[ok]
    exact[rows[ok]] = True
    return groups, exact, col


# --- learners -----------------------------------------------------------------------------------

def _mechanistic_terms(X: Any) -> Any:
    """Engineered terms for the linear learner, each with its rationale.

    * ``size_dev2 = (log10 HD - 2)^2``: tumour accumulation by EPR is best for ~50-150 nm and
      falls for both smaller (faster washout, renal loss) and larger (MPS capture, poor
      extravasation) particles (Wilhelm et al., Nat Rev Mater 2016;1:16014; Cabral et al., Nat
      Nanotechnol 2011;6:815).
    * ``renal = HD < 8 nm``: glomerular filtration of particles below ~5.5-8 nm (Choi et al., Nat
      Biotechnol 2007;25:1165).
    * ``positive = zeta > +10 mV``: cationic particles are opsonised and cleared faster (Alexis et
      al., Mol Pharm 2008;5:505).
    """
    import pandas as pd

    out = pd.DataFrame(index=X.index)
    hd = X["log10_hd"]
    out["size_dev2"] = (hd - 2.0) ** 2
    out["renal"] = (hd < np.log10(8.0)).astype(float)
    out["positive"] = (X["zeta"] > 10.0).astype(float)
    return out


class _Median:
    """Constant baseline: the median of the training targets."""

    def fit(self, X: Any, y: np.ndarray) -> _Median:
        self.m_ = float(np.median(y))
        return self

    def predict(self, X: Any) -> np.ndarray:
        return np.full(len(X), self.m_)


def _tw(X: Any) -> np.ndarray:
    return X["log10_tw"].to_numpy(float) if "log10_tw" in X else np.full(len(X), np.nan)


class _TumourMassScaling:
    """Mechanistic baseline: log10 DE = a + b * log10 TW (tumour weight in g).

    The delivered dose in %ID is the mean tumour concentration (%ID/g) times the tumour mass, so
    at equal concentration DE is proportional to the tumour mass (b = 1). Larger tumours have
    lower perfused and higher necrotic fractions, so the concentration falls with size and
    b < 1 is expected (Sefidgar et al., J Biol Eng 2015;9:7; Wilhelm et al., Nat Rev Mater
    2016;1:16014 observe the same size dependence across studies). ``a`` and ``b`` are fitted by
    least squares on the training rows; a missing TW is replaced by the training median.
    """

    def fit(self, X: Any, y: np.ndarray) -> _TumourMassScaling:
        tw = _tw(X)
        self.tw_med_ = float(np.nanmedian(tw)) if np.isfinite(tw).any() else 0.0
        tw = np.where(np.isfinite(tw), tw, self.tw_med_)
        if np.ptp(tw) > 0:
            self.b_, self.a_ = (float(v) for v in np.polyfit(tw, y, 1))
        else:
            self.b_, self.a_ = 0.0, float(np.median(y))
        return self

    def predict(self, X: Any) -> np.ndarray:
        tw = _tw(X)
        return self.a_ + self.b_ * np.where(np.isfinite(tw), tw, self.tw_med_)


class _Blend:
    """Mean (in log10) of several learners' predictions: a simple, unweighted model average."""

    def __init__(self, parts: list[Any]) -> None:
        self.parts = parts

    def fit(self, X: Any, y: np.ndarray) -> _Blend:
        for m in self.parts:
            m.fit(X, y)
        return self

    def predict(self, X: Any) -> np.ndarray:
        return np.mean([m.predict(X) for m in self.parts], axis=0)


# --- mechanistic PBPK prediction as a covariate --------------------------------------------------

#: csv material classes of Cheng et al. 2020 -> nanotwin platform (hydrogels are polymer networks;
#: the "other" organic / inorganic classes keep the generic platform "other").
MATERIAL_PLATFORM = {"polymeric": "polymeric", "gold": "gold", "other_om": "other",
                     "liposomes": "liposome", "silica": "silica", "hydrogels": "polymeric",
                     "dendrimers": "dendrimer", "other_im": "other", "iron_oxide": "iron_oxide"}
#: type -> platform where the material is not recorded (the CC0 table, the shipped predictor)
TYPE_PLATFORM = {"organic": "polymeric", "inorganic": "gold", "hybrid": "hybrid"}
#: Output grid of the PBPK runs (h): DE24 and DE168 are read at 24 h and 168 h, DEmax is the
#: maximum over the grid (0.5 h steps to 24 h, 2 h to 168 h).
PBPK_TIMES = np.concatenate([np.arange(0.5, 24.0, 0.5), np.arange(24.0, 168.5, 2.0)])
#: Tumour weight (g) used when a row has none: the median TW of the CC0 table (Chou et al. 2023).
TW_MEDIAN_G = 0.18


def _proxy_design(row: Any, peg: bool) -> dict[str, Any]:
    """nanotwin design (canonical numbers) of one feature row for the PBPK model.

    Unrecorded properties get stated defaults: the data set has no coating column, so the
    particle is bare (``peg=False``) or carries 2 kDa PEG (``peg=True``); an active particle gets
    one generic ligand of 10 copies and Kd 10 nM (typical of the peptides and antibody fragments
    in Cheng et al. 2020's active set; Alexis et al., Mol Pharm 2008;5:505); a missing zeta is 0
    mV; a missing tumour weight 0.18 g; a missing dose the PBPK default; a rod an aspect ratio 3
    (the gold nanorods that dominate the rod rows are ~3-4:1).
    """
    mat = str(getattr(row, "material", "") or "")
    platform = MATERIAL_PLATFORM.get(mat) or TYPE_PLATFORM.get(str(row.type), "other")
    zeta = float(row.zeta) if np.isfinite(row.zeta) else 0.0
    tw = 10.0 ** float(row.log10_tw) if np.isfinite(getattr(row, "log10_tw", np.nan)) \
        else TW_MEDIAN_G
    dose = getattr(row, "log10_dose", np.nan)
    adm: dict[str, Any] = {"route": "iv"}
    if np.isfinite(dose):
        adm["dose_mg_per_kg"] = float(10.0 ** float(dose))
    nano = {"platform": platform, "hydrodynamic_diameter": float(10.0 ** float(row.log10_hd)),
            "zeta_potential": float(np.clip(zeta, -150.0, 150.0)),
            "shape": {"sphere": "sphere", "rod": "rod", "plate": "sheet"}.get(row.shape, "other"),
            "aspect_ratio": 3.0 if row.shape == "rod" else 1.0,
            "coating": {"peg": {"molecular_weight": 2000.0}} if peg else {},
            "ligands": [{"name": "ligand", "kind": "peptide", "target": "tumour receptor",
                         "copies_per_particle": 10.0, "kd": 10.0}]
            if row.targeting == "active" else []}
    tumor = {"model": str(row.cancer_type),
             "graft": "syngeneic" if row.graft == "allograft" else "xenograft",
             "site": "orthotopic" if row.site == "orthotopic" else "subcutaneous", "mass": tw}
    return {"name": "feature row", "nanoparticle": nano, "administration": adm,
            "subject": {"species": "mouse", "tumor": tumor}}


def pbpk_tumour_curves(X: Any, times: np.ndarray, peg: bool = False) -> np.ndarray:
    """Tumour %ID of nanotwin's PBPK model at ``times`` (h) for each feature row's proxy design.

    Each row becomes a proxy design (:func:`_proxy_design`); all unique rows are simulated in one
    batch with :func:`nanotwin.population.batch.batch_simulate` (~1 s for 376 rows).

    Parameters
    ----------
    X
        Canonical feature frame (``type``, ``targeting``, ``cancer_type``, ``graft``, ``site``,
        ``shape``, ``log10_hd``, ``zeta`` and optionally ``material``, ``log10_dose``,
        ``log10_tw``).
    times
        Output times in h (increasing, > 0).
    peg
        Give every particle 2 kDa PEG (the data set does not record the coating).

    Returns
    -------
    numpy.ndarray
        Shape ``(len(X), len(times))``, %ID in the tumour; rows with a missing size are NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame([{"type": "organic", "targeting": "passive", "cancer_type": "breast",
    ...     "graft": "allograft", "site": "heterotopic", "shape": "sphere",
    ...     "log10_hd": 2.0, "zeta": -5.0, "log10_tw": np.log10(0.2)}])
    >>> c = pbpk_tumour_curves(X, np.array([1.0, 24.0]), peg=True)
    >>> c.shape, bool((c > 0).all())
    ((1, 2), True)
    """
    import warnings
    from types import SimpleNamespace

    from nanotwin.errors import DesignWarning
    from nanotwin.pbpk import build_parameters, stack_parameters
    from nanotwin.population.batch import batch_simulate

    times = np.asarray(times, dtype=float)
    cols = [c for c in ("type", "material", "targeting", "cancer_type", "graft", "site",
                        "shape", "log10_hd", "zeta", "log10_dose", "log10_tw") if c in X]
    keys = [tuple(r) for r in X[cols].itertuples(index=False)]
    ok = np.isfinite(X["log10_hd"].to_numpy(float))
    uniq = sorted({k for k, good in zip(keys, ok, strict=True) if good}, key=repr)
    out = np.full((len(X), len(times)), np.nan)
    if not uniq:
        return out
    params = []
    with warnings.catch_warnings():
        # the proxy designs include large or cationic particles: the design checks warn about
        # fast MPS capture, which is exactly what the PBPK model then simulates
        warnings.simplefilter("ignore", DesignWarning)
        for k in uniq:
            row = SimpleNamespace(**dict(zip(cols, k, strict=True)))
            params.append(build_parameters(_proxy_design(row, peg), canonical_numbers=True))
    ds = batch_simulate(stack_parameters(params), times, outputs=("pct_id",))
    tum = np.asarray(ds["pct_id"].sel(organ="tumor").values, dtype=float)
    pos = {k: i for i, k in enumerate(uniq)}
    for j, (k, good) in enumerate(zip(keys, ok, strict=True)):
        if good:
            out[j] = tum[pos[k]]
    return out


def pbpk_delivery(X: Any, peg: bool = False) -> dict[str, np.ndarray]:
    """log10 DE24 / DE168 / DEmax (%ID) of nanotwin's PBPK model for each feature row.

    The tumour curves of :func:`pbpk_tumour_curves` on :data:`PBPK_TIMES`: DE24 and DE168 are
    read at 24 h and 168 h, DEmax is the maximum over the grid.

    Parameters
    ----------
    X
        Canonical feature frame (see :func:`pbpk_tumour_curves`); rows with a missing size get
        NaN.
    peg
        Give every particle 2 kDa PEG (the data set does not record the coating).

    Returns
    -------
    dict
        ``{"DE24": log10 %ID, "DE168": ..., "DEmax": ...}``, arrays aligned with ``X``.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame([{"type": "organic", "targeting": "passive", "cancer_type": "breast",
    ...     "graft": "allograft", "site": "heterotopic", "shape": "sphere",
    ...     "log10_hd": 2.0, "zeta": -5.0, "log10_tw": np.log10(0.2)}])
    >>> m = pbpk_delivery(X, peg=True)
    >>> bool(-2.0 < m["DE24"][0] < 1.0)
    True
    """
    tum = pbpk_tumour_curves(X, PBPK_TIMES, peg=peg)
    i24, i168 = (int(np.argmin(np.abs(PBPK_TIMES - t))) for t in (24.0, 168.0))
    floor = 1e-6  # %ID; keeps log10 finite for particles that never reach the tumour
    ok = np.isfinite(tum[:, 0])
    out = {t: np.full(len(X), np.nan) for t in TARGETS}
    if not ok.any():
        return out
    val = {"DE24": tum[ok, i24], "DE168": tum[ok, i168], "DEmax": tum[ok].max(axis=1)}
    for t in TARGETS:
        out[t][ok] = np.log10(np.maximum(val[t], floor))
    return out


def _col(X: Any, name: str) -> np.ndarray:
    return X[name].to_numpy(float) if name in X else np.full(len(X), np.nan)


class _MechScaling:
    """log10 DE = a + b_TW log10 TW + b_M log10 DE_PBPK (least squares; offset form if fixed).

    ``log10_mech`` is the PBPK model's DE for the row's proxy design (:func:`pbpk_delivery`).
    With ``offset=True`` the PBPK value is an offset (b_M = 1, b_TW = 0): only the intercept is
    learned, i.e. the mean log10(measured / mechanistic) of the training rows. Missing values
    take the training median.
    """

    def __init__(self, offset: bool = False) -> None:
        self.offset = offset

    def _design(self, X: Any) -> np.ndarray:
        tw = np.where(np.isfinite(_col(X, "log10_tw")), _col(X, "log10_tw"), self.tw_med_)
        me = np.where(np.isfinite(_col(X, "log10_mech")), _col(X, "log10_mech"), self.me_med_)
        return np.column_stack([np.ones(len(X)), tw, me])

    def fit(self, X: Any, y: np.ndarray) -> _MechScaling:
        tw, me = _col(X, "log10_tw"), _col(X, "log10_mech")
        self.tw_med_ = float(np.nanmedian(tw)) if np.isfinite(tw).any() else 0.0
        self.me_med_ = float(np.nanmedian(me)) if np.isfinite(me).any() else 0.0
        A = self._design(X)
        if self.offset:
            self.coef_ = np.array([float(np.mean(y - A[:, 2])), 0.0, 1.0])
        else:
            self.coef_ = np.linalg.lstsq(A, y, rcond=None)[0]
        return self

    def predict(self, X: Any) -> np.ndarray:
        return self._design(X) @ self.coef_


class _GroupShrinkage:
    """Base learner + empirical-Bayes shrunken group effects of its residuals.

    After fitting ``base``, the residuals are averaged per source study (column ``study`` if
    present, else per row) and then, for each grouping factor in turn, per level. Each level
    mean m_l over n_l studies is shrunk by B_l = tau^2 / (tau^2 + sigma^2 / n_l), with the
    within-level variance sigma^2 and the between-level variance tau^2 estimated by the method
    of moments on the training rows only (James-Stein / Efron & Morris, J Am Stat Assoc
    1975;70:311; Gelman & Hill, Data Analysis Using Regression and Multilevel Models, 2007,
    ch. 12). Unseen levels get no effect. Factors: cancer type, material (type where the material
    is absent) and tumour model (graft x site).
    """

    FACTORS = (("cancer_type",), ("material",), ("graft", "site"))

    def __init__(self, base: Any) -> None:
        self.base = base

    @staticmethod
    def _level(X: Any, factor: tuple[str, ...]) -> np.ndarray | None:
        if not all(c in X for c in factor):
            return None
        return X[list(factor)].astype(str).agg("|".join, axis=1).to_numpy()

    def fit(self, X: Any, y: np.ndarray) -> _GroupShrinkage:
        self.base.fit(X, y)
        r = y - self.base.predict(X)
        study = X["study"].to_numpy() if "study" in X else np.arange(len(X))
        self.effects_: list[tuple[tuple[str, ...], dict[str, float]]] = []
        for factor in self.FACTORS:
            lev = self._level(X, factor)
            if lev is None:
                continue
            # study-level units: one mean residual per (study, level)
            units: dict[tuple[Any, str], list[float]] = {}
            for s, lv, ri in zip(study, lev, r, strict=True):
                units.setdefault((s, lv), []).append(ri)
            per_level: dict[str, list[float]] = {}
            for (_s, lv), vals in units.items():
                per_level.setdefault(lv, []).append(float(np.mean(vals)))
            means = {lv: float(np.mean(v)) for lv, v in per_level.items()}
            n = {lv: len(v) for lv, v in per_level.items()}
            dev = [u - means[lv] for lv, v in per_level.items() for u in v]
            dof = max(sum(n.values()) - len(n), 1)
            sigma2 = float(np.sum(np.square(dev))) / dof
            m = np.array(list(means.values()))
            nn = np.array(list(n.values()), dtype=float)
            grand = float(np.average(m, weights=nn))
            tau2 = max(float(np.mean((m - grand) ** 2 - sigma2 / nn)), 0.0)
            eff = {lv: (tau2 / (tau2 + sigma2 / n[lv]) if tau2 > 0 else 0.0) * (means[lv] - grand)
                   for lv in means}
            self.effects_.append((factor, eff))
            r = r - np.array([eff[lv] for lv in lev])
        return self

    def predict(self, X: Any) -> np.ndarray:
        p = self.base.predict(X)
        for factor, eff in self.effects_:
            lev = self._level(X, factor)
            if lev is not None:
                p = p + np.array([eff.get(lv, 0.0) for lv in lev])
        return p


def make_learner(name: str, columns: list[str]) -> Any:
    """A fresh (unfitted) scikit-learn pipeline for one of :data:`LEARNERS`.

    Parameters
    ----------
    name
        Learner name.
    columns
        Canonical feature columns present in the frame.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import Ridge
    from sklearn.neighbors import KNeighborsRegressor
    from sklearn.pipeline import FunctionTransformer, Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    if name == "median":
        return _Median()
    if name == "tw_scaling":
        return _TumourMassScaling()
    if name == "blend":
        return _Blend([_TumourMassScaling(), make_learner("random_forest", columns)])
    if name == "mech_scaling":
        return _MechScaling()
    if name == "mech_offset":
        return _MechScaling(offset=True)
    if name == "mech_blend":
        return _Blend([_MechScaling(), make_learner("random_forest", columns)])
    if name == "tw_shrink":
        return _GroupShrinkage(_TumourMassScaling())
    if name == "mech_shrink":
        return _GroupShrinkage(_MechScaling())
    if name == "blend_shrink":
        return _GroupShrinkage(make_learner("blend", columns))
    cats = [c for c in CATEGORICAL if c in columns]
    nums = [c for c in NUMERIC if c in columns]
    num_pipe = make_pipeline(SimpleImputer(strategy="median", add_indicator=True),
                             StandardScaler())
    if name in ("ridge", "ridge_strong", "knn"):
        parts = [("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=3), cats),
                 ("num", num_pipe, nums)]
        if name.startswith("ridge"):
            mech = make_pipeline(FunctionTransformer(_mechanistic_terms),
                                 SimpleImputer(strategy="median"), StandardScaler())
            parts.append(("mech", mech, ["log10_hd", "zeta"]))
            # fixed penalties: RidgeCV's efficient leave-one-out would pick alpha on rows of the
            # same study (leaky); the penalty is chosen instead by the grouped inner selection
            model = Ridge(alpha=10.0 if name == "ridge" else 100.0)
        else:
            model = KNeighborsRegressor(n_neighbors=15, weights="distance")
        return Pipeline([("features", ColumnTransformer(parts)), ("model", model)])
    enc = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1,
                         encoded_missing_value=-1)
    pre = ColumnTransformer([("cat", enc, cats),
                             ("num", SimpleImputer(strategy="median", add_indicator=True), nums)])
    if name == "random_forest":
        # large leaves: rows of one study are near-duplicates, small leaves memorise studies
        model = RandomForestRegressor(n_estimators=200, min_samples_leaf=10, max_features=0.5,
                                      random_state=SEED, n_jobs=1)
    elif name == "random_forest_leaf1":
        # as in the caret "rf" default used by Lin et al. 2022 (leaves of 1, mtry ~ p/3): only for
        # the random-split sanity check; memorises studies under grouped CV
        model = RandomForestRegressor(n_estimators=300, max_features=0.33,
                                      random_state=SEED, n_jobs=1)
    elif name == "gradient_boosting":
        model = HistGradientBoostingRegressor(
            max_iter=150, learning_rate=0.05, max_depth=3, min_samples_leaf=10,
            categorical_features=list(range(len(cats))), random_state=SEED)
    else:
        raise DesignError(f"learner: unknown learner {name!r}; use one of {', '.join(LEARNERS)}")
    return Pipeline([("features", pre), ("model", model)])


def _folds(groups: np.ndarray, n_splits: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Group k-fold with shuffled group order (each study in exactly one test fold)."""
    uniq = np.unique(groups)
    rng = np.random.default_rng(seed)
    order = rng.permutation(uniq)
    fold_of = {g: i % n_splits for i, g in enumerate(order)}
    f = np.array([fold_of[g] for g in groups])
    idx = np.arange(len(groups))
    return [(idx[f != k], idx[f == k]) for k in range(n_splits)]


def _select(X: Any, y: np.ndarray, groups: np.ndarray, candidates: tuple[str, ...],
            n_inner: int, seed: int) -> tuple[str, dict[str, float], dict[str, np.ndarray]]:
    """Choose the learner with the lowest inner grouped-CV mean squared error (log10).

    Returns the choice, the inner MSE per candidate and the inner out-of-fold residuals
    (measured - predicted) per candidate (for the split-conformal interval)."""
    mse, res = {}, {}
    cols = list(X.columns)
    folds = _folds(groups, n_inner, seed + 1)
    for name in candidates:
        r = np.empty(len(y))
        for tr, te in folds:
            m = make_learner(name, cols).fit(X.iloc[tr], y[tr])
            r[te] = y[te] - m.predict(X.iloc[te])
        mse[name] = float(np.mean(r**2))
        res[name] = r
    best = min(mse, key=mse.get)
    return best, mse, res


def scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """R² (log10), RMSE (log10) and fractions within 2-fold / 3-fold.

    Examples
    --------
    >>> s = scores(np.array([0.0, 1.0, 2.0]), np.array([0.1, 1.0, 1.5]))
    >>> round(s["within_2fold"], 3), round(s["within_3fold"], 3)
    (0.667, 0.667)
    """
    res = y_pred - y_true
    ss_tot = float(np.sum((y_true - np.mean(y_true)) ** 2))
    return {
        "r2_log10": 1.0 - float(np.sum(res**2)) / ss_tot if ss_tot > 0 else float("nan"),
        "rmse_log10": float(np.sqrt(np.mean(res**2))),
        "within_2fold": float(np.mean(np.abs(res) <= LOG10_2 + 1e-12)),
        "within_3fold": float(np.mean(np.abs(res) <= LOG10_3 + 1e-12)),
        "n": int(len(y_true)),
    }


def study_variance(y: np.ndarray, groups: np.ndarray) -> dict[str, float]:
    """How much of a target's variance lies between source studies, and what knowing the study
    would be worth.

    * ``between_share``: 1 - (mean squared deviation of each row from its own study's mean) /
      (variance of all rows), the share of the log10 variance that lies between studies (one-way
      decomposition; a study with one row contributes only between-study variance).
    * ``study_mean_r2`` and ``study_mean_within_2fold``: on the rows of studies with at least two
      rows, each row predicted by the mean of the *other* rows of its own study (leave one row
      out). This is what a model that knew the study, but not the row, would reach; a learner
      that sees only design features on unseen studies must explain the between-study part
      from the features (R² over all rows is about ``between_share`` x the explained share of
      between-study variance).

    NaN targets are dropped.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0.0, 0.1, 1.0, 1.1, 2.0])
    >>> v = study_variance(y, np.array([1, 1, 2, 2, 3]))
    >>> round(v["between_share"], 3), v["n_studies"], v["n_rows_multi"]
    (0.996, 3, 4)
    """
    ok = np.isfinite(y)
    y, groups = np.asarray(y, float)[ok], np.asarray(groups)[ok]
    _u, inv, n = np.unique(groups, return_inverse=True, return_counts=True)
    sums = np.bincount(inv, weights=y)
    mean = (sums / n)[inv]
    within = float(np.mean((y - mean) ** 2))
    multi = n[inv] > 1
    if multi.sum() >= 2:
        loo = (sums[inv] - y)[multi] / (n[inv][multi] - 1)
        s = scores(y[multi], loo)
    else:  # no study with two rows: nothing to predict a row from
        s = {"r2_log10": float("nan"), "within_2fold": float("nan")}
    total = float(np.var(y))
    return {"between_share": 1.0 - within / total if total > 0 else float("nan"),
            "study_mean_r2": s["r2_log10"],
            "study_mean_within_2fold": s["within_2fold"],
            "n_rows": int(len(y)), "n_studies": int(len(n)),
            "n_rows_multi": int(multi.sum())}


@dataclass
class CVReport:
    """Outcome of a cross-validation of one target."""

    target: str
    split: str
    model: dict[str, float]
    baseline: dict[str, float]
    fold_r2: list[float] = field(default_factory=list)
    fold_within_2fold: list[float] = field(default_factory=list)
    chosen: list[str] = field(default_factory=list)
    residuals: np.ndarray | None = None
    coverage_90: float | None = None
    interval_width_log10: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-able summary."""
        return {
            "target": self.target, "split": self.split, "model": self.model,
            "median_baseline": self.baseline,
            "fold_r2_log10": self.fold_r2, "fold_within_2fold": self.fold_within_2fold,
            "fold_r2_sd": float(np.std(self.fold_r2)) if self.fold_r2 else None,
            "chosen_learners": self.chosen,
            "coverage_90": self.coverage_90,
            "interval_width_log10": self.interval_width_log10,
        }


def grouped_cv(
    X: Any,
    y: np.ndarray,
    groups: np.ndarray,
    target: str = "DE24",
    candidates: tuple[str, ...] = DEFAULT_CANDIDATES,
    n_splits: int = 5,
    n_inner: int = 4,
    seed: int = SEED,
    random_split: bool = False,
) -> CVReport:
    """Nested cross-validation: outer folds grouped by study, learner chosen inside each fold.

    Parameters
    ----------
    X, y, groups
        Canonical features, log10 target and study IDs.
    target
        Name for the report.
    candidates
        Learners to choose among inside each outer training fold (one name: no selection).
    n_splits, n_inner
        Outer and inner fold counts.
    seed
        Seed of the fold assignment.
    random_split
        If true, the *outer* folds ignore the study (each row its own group) — the optimistic
        random-split score, reported only for comparison; inner selection stays grouped.

    Returns
    -------
    CVReport
        Pooled out-of-fold scores of the model and of the constant-median baseline, per-fold R²
        and within-2-fold, the learner chosen in each fold, the out-of-fold residuals and, when
        a learner was selected, the empirical coverage of the 90 % split-conformal interval on
        the outer test rows (5 % / 95 % quantiles of the chosen learner's inner out-of-fold
        residuals; Lei et al., J Am Stat Assoc 2018;113:1094) and its mean width (log10).
    """
    mask = np.isfinite(y)
    X, y, groups = X.loc[mask].reset_index(drop=True), y[mask], np.asarray(groups)[mask]
    outer_groups = np.arange(len(y)) if random_split else groups
    pred = np.full(len(y), np.nan)
    base = np.full(len(y), np.nan)
    rep = CVReport(target=target, split="random" if random_split else "grouped by study",
                   model={}, baseline={})
    covered, width = [], []
    for tr, te in _folds(outer_groups, n_splits, seed):
        if len(candidates) > 1:
            best, _mse, res = _select(X.iloc[tr], y[tr], groups[tr], candidates, n_inner, seed)
            lo, hi = np.quantile(res[best], [0.05, 0.95])
        else:
            best, lo, hi = candidates[0], np.nan, np.nan
        m = make_learner(best, list(X.columns)).fit(X.iloc[tr], y[tr])
        pred[te] = m.predict(X.iloc[te])
        covered.append((y[te] >= pred[te] + lo) & (y[te] <= pred[te] + hi))
        width.append(np.full(len(te), hi - lo))
        base[te] = np.median(y[tr])
        s = scores(y[te], pred[te])
        rep.fold_r2.append(s["r2_log10"])
        rep.fold_within_2fold.append(s["within_2fold"])
        rep.chosen.append(best)
    rep.model = scores(y, pred)
    rep.baseline = scores(y, base)
    rep.residuals = pred - y
    if len(candidates) > 1:
        rep.coverage_90 = float(np.mean(np.concatenate(covered)))
        rep.interval_width_log10 = float(np.mean(np.concatenate(width)))
    return rep
