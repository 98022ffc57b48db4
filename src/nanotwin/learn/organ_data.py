"""Multi-organ biodistribution data for the global calibration of the PBPK organ mechanisms.

Two public data sets (read from the project's shared data at calibration/validation time):

* **Nano-Clustering table** (``organ_biodistribution/nano_clustering_200.xlsx``; Lin lab,
  UFPBPK/Nano-Clustering ``model-data.xlsx``, MIT licence): 200 nanoforms in tumour-bearing mice
  with the *time-averaged* %ID of tumour, liver, spleen, lung, kidney and heart,
  ``DE = AUC(0..t_last) / t_last`` by the trapezoid rule from (0, 0) (the README of the data).
* **Nano-Tumor G1 time courses** (``tumor_delivery/nano_tumor_g1_timecourse.xlsx`` with the
  features of ``nano_tumor_g1_model_dataset.xlsx``; Chou et al., J Control Release
  2023;361:53; CC0): 1,722 tumour %ID time points of 378 data sets.

Neither table names the source study of a row; both come from the studies of the Nano-Tumor
Database (``nano_tumor_db_376.csv``, whose ``ID`` is the source study; Cheng et al., ACS Nano
2020;14:3075). Study assignment (:func:`load_organ_data`), in this order:

1. a table row whose ``DE_tumor`` equals the time average of a G1 tumour course (relative
   difference < 1e-6) *is* that G1 data set: it takes its sampling times and its study;
2. a row whose material, targeting, tumour model, log10 size (±0.006) and zeta (±0.06 mV) equal
   those of exactly one study of the Nano-Tumor Database takes that study;
3. the rest are grouped with the previous row when both have the same cancer type and tumour model
   and the same material or dose (the table lists the nanoforms of a study one after the other),
   else they start a new pseudo-study. G1 rows without a Database study are grouped the same way.
   Grouping errs towards merging, which keeps cross-validation honest (a study is never split).

Sampling times of table rows without their own G1 course: the most common G1 schedule of their
study, else :data:`DEFAULT_SCHEDULE_H` (1, 4, 8, 24 h: median last time 24 h of the G1 courses).
The G1 data set matched to a table row replaces that row's tumour value (same measurement;
counted once).

Neither table records the coating: :mod:`nanotwin.learn.organs` treats it as a latent state
(bare or PEGylated) per study.
"""

from __future__ import annotations

import hashlib
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nanotwin.errors import DataError

__all__ = ["OBS_ORGANS", "DEFAULT_SCHEDULE_H", "OrganData", "load_organ_data", "file_sha256",
           "trapezoid_average_weights"]

#: Organs of the Nano-Clustering table (time-averaged %ID).
OBS_ORGANS = ("tumor", "liver", "spleen", "lung", "kidney", "heart")
#: Sampling times (h) of a row without known times (see module docstring).
DEFAULT_SCHEDULE_H = (1.0, 4.0, 8.0, 24.0)
#: Nano-Clustering material -> Nano-Tumor Database material (lower case, underscores).
_TABLE_MATERIAL = {"polymeric": "polymeric", "gold": "gold", "other_im": "other_im",
                   "other_om": "other_om", "liposome": "liposomes", "hydrogel": "hydrogels",
                   "hybrid": "hybrid", "iron_oxide": "iron_oxide", "silica": "silica",
                   "dendrimer": "dendrimers"}
#: Nano-Tumor material -> nanotwin platform of the proxy design.
MATERIAL_PLATFORM = {"polymeric": "polymeric", "gold": "gold", "other_om": "other",
                     "liposomes": "liposome", "silica": "silica", "hydrogels": "polymeric",
                     "dendrimers": "dendrimer", "other_im": "quantum_dot",
                     "iron_oxide": "iron_oxide", "hybrid": "hybrid"}
TYPE_PLATFORM = {"organic": "polymeric", "inorganic": "gold", "hybrid": "hybrid"}
TW_MEDIAN_G = 0.18  # median tumour weight of the G1 table (Chou et al. 2023)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file (provenance of the calibration data)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def trapezoid_average_weights(schedule: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Weights ``w`` on ``grid`` with ``w @ y(grid) = AUC(0..t_last) / t_last`` of the samples at
    ``schedule`` by the trapezoid rule from (0, 0) -- the time-averaged %ID of the table.

    Examples
    --------
    >>> w = trapezoid_average_weights(np.array([1.0, 4.0]), np.array([1.0, 2.0, 4.0]))
    >>> w.tolist(), float(w @ np.array([10.0, 0.0, 10.0]))
    ([0.5, 0.0, 0.375], 8.75)
    """
    s = np.asarray(schedule, dtype=float)
    t = np.concatenate([[0.0], s])
    w_s = np.zeros(s.size)
    dt = np.diff(t)
    # integral of the piecewise-linear interpolant through (0, 0), (s_k, y_k)
    w_s += 0.5 * dt
    w_s[:-1] += 0.5 * dt[1:]
    w_s /= s[-1]
    out = np.zeros(grid.size)
    idx = np.searchsorted(grid, s)
    if np.any(idx >= grid.size) or np.any(np.abs(grid[np.minimum(idx, grid.size - 1)] - s) > 1e-9):
        raise DataError("schedule: sampling times must lie on the simulation grid")
    np.add.at(out, idx, w_s)
    return out


@dataclass
class OrganData:
    """Calibration data: one *unit* per nanoform x tumour model (a table row and/or a G1 data set).

    Attributes
    ----------
    rows
        Feature frame of the units (canonical columns of :mod:`nanotwin.learn.tumor_delivery`
        plus ``platform``, ``bw_g``, ``tw_g``, ``dose``).
    study
        Source-study ID of each unit (pseudo-studies >= 100000).
    obs_unit, obs_organ, obs_value
        One entry per observation: unit index, index into :data:`OBS_ORGANS`, log10 value.
    obs_kind
        ``"avg"`` (time-averaged %ID of the table) or ``"point"`` (G1 tumour %ID at a time).
    obs_weights
        Per observation, weights on :attr:`grid` (trapezoid average or a unit vector).
    grid
        Simulation output times (h).
    table_unit
        Unit index of each of the 200 table rows (order of the file).
    table_obs
        log10 time-averaged %ID of the table, shape (200, 6) (all organs, incl. the tumour
        value that a G1 course replaces in the likelihood).
    table_schedule
        Sampling times used for each table row, and whether they are the row's own
        (``schedule_known``).
    g1_unit
        Unit index of each usable G1 data set (``-1`` where the size is missing).
    g1_de24
        log10 DE24 (%ID at 24 h) listed for each G1 data set.
    provenance
        File names and SHA-256 hashes.
    """

    rows: Any
    study: np.ndarray
    obs_unit: np.ndarray
    obs_organ: np.ndarray
    obs_value: np.ndarray
    obs_kind: np.ndarray
    obs_weights: np.ndarray
    grid: np.ndarray
    table_unit: np.ndarray
    table_obs: np.ndarray
    table_schedule: list[np.ndarray]
    schedule_known: np.ndarray
    g1_unit: np.ndarray
    g1_de24: np.ndarray
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def n_units(self) -> int:
        return int(len(self.rows))

    def subset(self, keep_studies: np.ndarray) -> OrganData:
        """The data of the units whose study is in ``keep_studies`` (for cross-validation)."""
        keep_u = np.isin(self.study, keep_studies)
        new_index = np.full(self.n_units, -1)
        new_index[keep_u] = np.arange(int(keep_u.sum()))
        m = keep_u[self.obs_unit]
        return OrganData(
            rows=self.rows[keep_u].reset_index(drop=True), study=self.study[keep_u],
            obs_unit=new_index[self.obs_unit[m]], obs_organ=self.obs_organ[m],
            obs_value=self.obs_value[m], obs_kind=self.obs_kind[m],
            obs_weights=self.obs_weights[m], grid=self.grid,
            table_unit=np.where(self.table_unit >= 0, new_index[self.table_unit], -1),
            table_obs=self.table_obs, table_schedule=self.table_schedule,
            schedule_known=self.schedule_known,
            g1_unit=np.where(self.g1_unit >= 0, new_index[self.g1_unit], -1),
            g1_de24=self.g1_de24, provenance=self.provenance)


def _clean(s: Any) -> Any:
    return (s.astype(str).str.replace("\xa0", " ").str.strip().str.lower()
            .str.replace(" ", "_"))


def _table_frame(X: Any) -> Any:
    import pandas as pd

    from nanotwin.learn.tumor_delivery import _SHAPES

    f = pd.DataFrame(index=X.index)
    f["type"] = _clean(X["NP type"]).map({"onm": "organic", "inm": "inorganic",
                                          "hybrid": "hybrid"})
    f["material"] = _clean(X["Core material"]).map(_TABLE_MATERIAL)
    f["targeting"] = _clean(X["Targeting strategy"])
    ct = _clean(X["Cancer type"]).replace({"others": "other"})
    f["cancer_type"] = ct
    tm = X["Tumor model"].astype(str).str.strip()
    f["graft"] = tm.map({"XH": "xenograft", "XO": "xenograft", "AH": "allograft",
                         "AO": "allograft"}).fillna("other")
    f["site"] = tm.map({"XH": "heterotopic", "AH": "heterotopic", "XO": "orthotopic",
                        "AO": "orthotopic"}).fillna("other")
    f["tm"] = tm
    f["shape"] = _clean(X["Shape"]).map({**_SHAPES, "others": "other"}).fillna("other")
    f["log10_hd"] = X["Hydrodynamic diameter (nm)"].astype(float)  # stored as log10(HD/nm)
    f["zeta"] = X["Zeta potential (mV)"].astype(float)
    dose = X["Dose (mg/kg)"].astype(float)
    f["log10_dose"] = np.log10(dose.where(dose > 0))
    f["dose"] = dose
    return f


def _time_average(times: np.ndarray, y: np.ndarray) -> float:
    t = np.concatenate([[0.0], times])
    return float(np.trapezoid(np.concatenate([[0.0], y]), t) / t[-1])


def _adjacent_groups(keys: list[tuple], matched: list[int | None], start: int) -> list[int]:
    """Study IDs: matched ones kept; unmatched rows join the previous row if their keys agree
    (see module docstring), else start a new pseudo-study numbered from ``start``."""
    out: list[int] = []
    nxt = start
    for k, (key, m) in enumerate(zip(keys, matched, strict=True)):
        if m is not None:
            out.append(int(m))
            continue
        if k > 0:
            prev = keys[k - 1]
            same_site = key[0] == prev[0] and key[1] == prev[1]
            same_what = key[2] == prev[2] or (np.isfinite(key[3]) and np.isfinite(prev[3]) and
                                              abs(key[3] / prev[3] - 1.0) < 0.01)
            if same_site and same_what:
                out.append(out[-1])
                continue
        out.append(nxt)
        nxt += 1
    return out


def load_organ_data(shared: Path | None = None) -> OrganData:
    """Assemble the calibration data (see the module docstring for every choice).

    Parameters
    ----------
    shared
        The shared data folder (default :func:`nanotwin._paths.shared_data_dir`).

    Returns
    -------
    OrganData
    """
    import pandas as pd

    from nanotwin._paths import shared_data_dir
    from nanotwin.learn.tumor_delivery import _frame_from_xlsx, _match

    shared = Path(shared) if shared is not None else shared_data_dir()
    f_tab = shared / "organ_biodistribution" / "nano_clustering_200.xlsx"
    f_g1 = shared / "tumor_delivery" / "nano_tumor_g1_model_dataset.xlsx"
    f_tc = shared / "tumor_delivery" / "nano_tumor_g1_timecourse.xlsx"
    f_db = shared / "tumor_delivery" / "nano_tumor_db_376.csv"
    for f in (f_tab, f_g1, f_tc, f_db):
        if not f.is_file():
            raise DataError(f"{f.name}: not found in {f.parent}; point NANOTWIN_SHARED_DATA at "
                            "the shared data folder")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl style warnings of the published files
        Xt = pd.read_excel(f_tab, sheet_name="X")
        Yt = pd.read_excel(f_tab, sheet_name="Y")
        g1 = pd.read_excel(f_g1)
        tc = pd.read_excel(f_tc)
    db = pd.read_csv(f_db)
    tc["ID"] = tc["ID"].ffill()
    # --- G1 data sets: features, material and study via the Database matching
    G = _frame_from_xlsx(g1)
    g1_study, _exact, g1_col = _match(g1, db)
    G["material"] = [str(db["MAT"].iloc[c]).strip().lower().replace(" ", "_") if c >= 0 else
                     None for c in g1_col]
    G["bw_g"] = g1["BW"].astype(float)
    G["tw_g"] = g1["TW"].astype(float)
    G["dose"] = g1["Dose"].astype(float)
    courses = {int(i): (gg["Time"].to_numpy(float), gg["Tumor"].to_numpy(float))
               for i, gg in tc.groupby("ID")}
    g1_ids = g1["ID"].astype(int).to_numpy()
    g1_avg = np.array([_time_average(*courses[i]) if i in courses else np.nan for i in g1_ids])
    g1_keys = [(c, t, m, d) for c, t, m, d in zip(G["cancer_type"], g1["TS"].astype(str),
                                                  g1["Type"].astype(str), G["dose"],
                                                  strict=True)]
    g1_groups = _adjacent_groups(g1_keys, [int(s) if s >= 0 else None for s in g1_study],
                                 200000)
    # --- the table: G1 match, Database match, adjacency
    T = _table_frame(Xt)
    obs = np.log10(Yt[[f"DE_{o} (%ID)" for o in OBS_ORGANS]].to_numpy(float))
    de_t = 10.0 ** obs[:, 0]
    tab_g1 = np.full(len(T), -1)
    for k in range(len(T)):
        rel = np.abs(g1_avg - de_t[k]) / de_t[k]
        j = np.flatnonzero(rel < 1e-6)
        if j.size == 1:
            tab_g1[k] = j[0]
    db_mat = _clean(db["MAT"])
    matched: list[int | None] = []
    for k in range(len(T)):
        if tab_g1[k] >= 0 and g1_study[tab_g1[k]] >= 0:
            matched.append(int(g1_study[tab_g1[k]]))
            continue
        r = T.iloc[k]
        m = ((db_mat == r["material"]) & (db["TS"].str.lower() == r["targeting"]) &
             (db["TM"] == r["tm"]) & (np.abs(db["Size"] - r["log10_hd"]) < 0.006) &
             (np.abs(db["ZP"].fillna(0.0) - r["zeta"]) < 0.06))
        ids = sorted(set(db["ID"][m]))
        matched.append(int(ids[0]) if len(ids) == 1 else None)
    tab_keys = [(c, t, m, d) for c, t, m, d in zip(T["cancer_type"], T["tm"], T["material"],
                                                  T["dose"], strict=True)]
    tab_study = _adjacent_groups(tab_keys, matched, 100000)
    # --- units: every table row, plus the G1 data sets that no table row is
    g1_to_tab = {int(j): k for k, j in enumerate(tab_g1) if j >= 0}
    rows = []
    for k in range(len(T)):
        r = T.iloc[k].to_dict()
        j = tab_g1[k]
        r["bw_g"] = float(G["bw_g"].iloc[j]) if j >= 0 else 20.0
        r["tw_g"] = float(G["tw_g"].iloc[j]) if j >= 0 else TW_MEDIAN_G
        r["source"] = f"table row {k + 1}" + (f" = G1 data set {g1_ids[j]}" if j >= 0 else "")
        r["study"] = tab_study[k]
        rows.append(r)
    g1_unit = np.full(len(G), -1)
    for j in range(len(G)):
        if j in g1_to_tab:
            g1_unit[j] = g1_to_tab[j]
            continue
        if not np.isfinite(G["log10_hd"].iloc[j]) or g1_ids[j] not in courses:
            continue
        r = G.iloc[j].to_dict()
        r["tm"] = ""
        r["source"] = f"G1 data set {g1_ids[j]}"
        r["study"] = g1_groups[j]
        g1_unit[j] = len(rows)
        rows.append(r)
    R = pd.DataFrame(rows)
    R["zeta"] = R["zeta"].fillna(0.0)
    R["platform"] = [MATERIAL_PLATFORM.get(str(m)) or TYPE_PLATFORM.get(str(t), "other")
                     for m, t in zip(R["material"], R["type"], strict=True)]
    # --- schedules of table rows
    by_study: dict[int, Counter] = {}
    for j in range(len(G)):
        if g1_ids[j] in courses:
            by_study.setdefault(int(g1_groups[j]), Counter())[tuple(courses[g1_ids[j]][0])] += 1
    sched: list[np.ndarray] = []
    known = np.zeros(len(T), dtype=bool)
    for k in range(len(T)):
        if tab_g1[k] >= 0:
            sched.append(courses[g1_ids[tab_g1[k]]][0])
            known[k] = True
        elif tab_study[k] in by_study:
            sched.append(np.array(by_study[tab_study[k]].most_common(1)[0][0]))
        else:
            sched.append(np.array(DEFAULT_SCHEDULE_H))
    # --- observations
    grid = np.unique(np.concatenate(sched + [courses[i][0] for i in courses] + [[24.0]]))
    o_unit, o_org, o_val, o_kind, o_w = [], [], [], [], []
    for k in range(len(T)):
        w = trapezoid_average_weights(sched[k], grid)
        for o in range(len(OBS_ORGANS)):
            if o == 0 and tab_g1[k] >= 0:
                continue  # the G1 course of this unit carries its tumour data
            o_unit.append(k)
            o_org.append(o)
            o_val.append(obs[k, o])
            o_kind.append("avg")
            o_w.append(w)
    for j in range(len(G)):
        u = g1_unit[j]
        if u < 0:
            continue
        times, y = courses[g1_ids[j]]
        for t, v in zip(times, y, strict=True):
            if not (np.isfinite(v) and v > 0):
                continue
            w = np.zeros(grid.size)
            w[int(np.searchsorted(grid, t))] = 1.0
            o_unit.append(int(u))
            o_org.append(0)
            o_val.append(float(np.log10(v)))
            o_kind.append("point")
            o_w.append(w)
    prov = {"files": {f.name: file_sha256(f) for f in (f_tab, f_g1, f_tc, f_db)},
            "table_rows": len(T), "table_rows_with_own_g1_course": int((tab_g1 >= 0).sum()),
            "table_rows_matched_to_database_study": int(sum(m is not None for m in matched)),
            "g1_datasets_used": int((g1_unit >= 0).sum()), "g1_datasets": int(len(G)),
            "units": len(R), "studies": int(len(set(R["study"])))}
    return OrganData(
        rows=R, study=R["study"].to_numpy(int), obs_unit=np.asarray(o_unit, int),
        obs_organ=np.asarray(o_org, int), obs_value=np.asarray(o_val, float),
        obs_kind=np.asarray(o_kind), obs_weights=np.asarray(o_w, float), grid=grid,
        table_unit=np.arange(len(T)), table_obs=obs, table_schedule=sched, schedule_known=known,
        g1_unit=g1_unit, g1_de24=np.log10(g1["DE24"].to_numpy(float)), provenance=prov)
