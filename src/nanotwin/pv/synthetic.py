"""Synthetic FAERS quarters in the official ASCII layout (for tests and benchmarks).

The files follow the layout of the FDA Adverse Event Reporting System (FAERS) quarterly data
extract, ASCII version, as described in the ``ASC_NTS`` documentation shipped with every quarter
(FDA, "FAERS Quarterly Data Extract Files"): one ``$``-delimited file per table, a header row,
``primaryid`` = ``caseid`` followed by ``caseversion``. Tables written: ``DEMO``, ``DRUG``,
``REAC``, ``OUTC``, ``RPSR``, ``THER``, ``INDI`` and ``DELETE`` (case IDs FDA removed).

Nothing here is real reporting data: drug and reaction names are drawn from small vocabularies
(nanomedicine spellings as they appear in reports, generic ``SYNTHDRUG nnnn`` / ``SYNTHETIC PT
nnnn`` fillers) with Zipf-like frequencies, and a few drug-event pairs are *planted* with a known
excess so that signal detection has something to find.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> info = write_quarter(d, n_reports=200, seed=1)
>>> sorted(p.name for p in d.iterdir())[:3]
['DELETE25Q1.txt', 'DEMO25Q1.txt', 'DRUG25Q1.txt']
>>> info["reports"]
200
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["write_quarter", "PLANTED", "DEMO_COLUMNS", "DRUG_COLUMNS", "REAC_COLUMNS",
           "OUTC_COLUMNS", "RPSR_COLUMNS", "THER_COLUMNS", "INDI_COLUMNS"]

#: Column names of the FAERS ASCII tables (FAERS quarterly extract ``ASC_NTS``, layout since
#: 2014 Q3; field names lower case as in the files).
DEMO_COLUMNS = ("primaryid", "caseid", "caseversion", "i_f_code", "event_dt", "mfr_dt",
                "init_fda_dt", "fda_dt", "rept_cod", "auth_num", "mfr_num", "mfr_sndr",
                "lit_ref", "age", "age_cod", "age_grp", "sex", "e_sub", "wt", "wt_cod",
                "rept_dt", "to_mfr", "occp_cod", "reporter_country", "occr_country")
DRUG_COLUMNS = ("primaryid", "caseid", "drug_seq", "role_cod", "drugname", "prod_ai", "val_vbm",
                "route", "dose_vbm", "cum_dose_chr", "cum_dose_unit", "dechal", "rechal",
                "lot_num", "exp_dt", "nda_num", "dose_amt", "dose_unit", "dose_form", "dose_freq")
REAC_COLUMNS = ("primaryid", "caseid", "pt", "drug_rec_act")
OUTC_COLUMNS = ("primaryid", "caseid", "outc_cod")
RPSR_COLUMNS = ("primaryid", "caseid", "rpsr_cod")
THER_COLUMNS = ("primaryid", "caseid", "dsg_drug_seq", "start_dt", "end_dt", "dur", "dur_cod")
INDI_COLUMNS = ("primaryid", "caseid", "indi_drug_seq", "indi_pt")

# Nanomedicine spellings as a reporter might write them (drugname, prod_ai), and how often a
# report carries one (fraction of reports).
_NANO = (
    ("DOXIL", "DOXORUBICIN HYDROCHLORIDE", 0.0020),
    ("DOXORUBICIN HYDROCHLORIDE LIPOSOME", "DOXORUBICIN HYDROCHLORIDE", 0.0010),
    ("CAELYX", "DOXORUBICIN HYDROCHLORIDE", 0.0008),
    ("DOXORUBICIN", "DOXORUBICIN HYDROCHLORIDE", 0.0030),  # conventional: not a nanomedicine
    ("ABRAXANE", "PACLITAXEL", 0.0030),
    ("PACLITAXEL PROTEIN-BOUND PARTICLES (ALBUMIN-BOUND)", "PACLITAXEL", 0.0010),
    ("PACLITAXEL", "PACLITAXEL", 0.0040),  # conventional
    ("ONIVYDE", "IRINOTECAN HYDROCHLORIDE", 0.0010),
    ("IRINOTECAN LIPOSOME", "IRINOTECAN HYDROCHLORIDE", 0.0004),
    ("VYXEOS", "CYTARABINE\\DAUNORUBICIN", 0.0006),
    ("MARQIBO", "VINCRISTINE SULFATE", 0.0002),
)

#: Planted drug-event pairs: (drugname as written, reaction PT, probability that a report with
#: the drug carries the PT). Background PTs have probability ~0.3 % or less per report.
PLANTED = (
    ("DOXIL", "Palmar-plantar erythrodysaesthesia syndrome", 0.30),
    ("CAELYX", "Palmar-plantar erythrodysaesthesia syndrome", 0.30),
    ("DOXORUBICIN HYDROCHLORIDE LIPOSOME", "Palmar-plantar erythrodysaesthesia syndrome", 0.30),
    ("ABRAXANE", "Peripheral sensory neuropathy", 0.25),
    ("PACLITAXEL PROTEIN-BOUND PARTICLES (ALBUMIN-BOUND)", "Peripheral sensory neuropathy",
     0.25),
    ("ONIVYDE", "Diarrhoea", 0.40),
    ("IRINOTECAN LIPOSOME", "Diarrhoea", 0.40),
    ("VYXEOS", "Febrile neutropenia", 0.40),
    ("MARQIBO", "Neuropathy peripheral", 0.40),
)

_PTS_NAMED = ("Nausea", "Fatigue", "Diarrhoea", "Vomiting", "Headache", "Rash", "Pyrexia",
              "Febrile neutropenia", "Neuropathy peripheral", "Peripheral sensory neuropathy",
              "Palmar-plantar erythrodysaesthesia syndrome", "Dyspnoea", "Alopecia",
              "Anaemia", "Death", "Drug ineffective", "Off label use", "Pneumonia")


def _zipf_weights(n: int, s: float = 1.1) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** s
    return w / w.sum()


def _write_table(path: Path, columns: tuple[str, ...], data: dict[str, Any], n: int) -> None:
    """Write one ``$``-delimited table with a header (columns not in ``data`` are empty)."""
    import pandas as pd

    frame = pd.DataFrame({c: (data[c] if c in data else np.full(n, "", dtype=object))
                          for c in columns})
    frame.to_csv(path, sep="$", index=False, header=True, lineterminator="\n")


def write_quarter(folder: str | os.PathLike[str], n_reports: int = 1000, *, seed: int = 0,
                  quarter: str = "25Q1", duplicate_fraction: float = 0.05,
                  n_drugs: int = 2000, n_pts: int = 3000) -> dict[str, Any]:
    """Write a synthetic FAERS quarter of ``n_reports`` cases to ``folder``.

    Parameters
    ----------
    folder
        Output folder (created if missing); files ``DEMO<quarter>.txt`` etc.
    n_reports
        Number of distinct cases (each case's latest version is one report).
    seed
        Random seed (same seed, same files).
    quarter
        The ``yyQq`` tag of the file names.
    duplicate_fraction
        Fraction of cases that also have an older version (``caseversion`` 1) in the files;
        a reader must keep only the latest.
    n_drugs, n_pts
        Size of the filler drug and reaction vocabularies.

    Returns
    -------
    dict
        ``reports`` (distinct cases), ``rows`` (per table), ``files`` and ``deleted`` (case IDs
        listed in the DELETE file).
    """
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    n = int(n_reports)
    caseid = 10_000_000 + np.arange(n, dtype=np.int64)
    dup = rng.random(n) < duplicate_fraction
    latest = np.where(dup, 2, 1)
    # the DEMO rows: every case's latest version, plus version 1 of duplicated cases
    demo_case = np.concatenate([caseid, caseid[dup]])
    demo_ver = np.concatenate([latest, np.ones(int(dup.sum()), dtype=np.int64)])
    demo_pid = demo_case * 10 + demo_ver  # primaryid = caseid followed by caseversion
    m = demo_case.size
    fda_day = rng.integers(0, 90, m)
    fda_day = np.where(demo_ver == 2, np.maximum(fda_day, 45), np.minimum(fda_day, 44))
    fda_dt = (np.datetime64("2025-01-01") + fda_day.astype("timedelta64[D]"))
    fda_txt = np.char.replace(fda_dt.astype(str), "-", "")
    sex = rng.choice(np.array(["F", "M", "UNK", ""], dtype=object), m, p=[0.5, 0.4, 0.05, 0.05])
    age = rng.integers(18, 90, m).astype(str).astype(object)
    country = rng.choice(np.array(["US", "GB", "DE", "JP", "FR"], dtype=object), m)
    demo = {"primaryid": demo_pid, "caseid": demo_case, "caseversion": demo_ver,
            "i_f_code": np.where(demo_ver == 1, "I", "F").astype(object),
            "init_fda_dt": np.full(m, "20250101", dtype=object), "fda_dt": fda_txt,
            "rept_cod": np.full(m, "EXP", dtype=object), "age": age,
            "age_cod": np.full(m, "YR", dtype=object), "sex": sex,
            "occp_cod": np.full(m, "MD", dtype=object),
            "reporter_country": country, "occr_country": country}

    # drugs: 1 + Poisson(2) per DEMO row; nanomedicines added at their rates
    filler = np.array([f"SYNTHDRUG {i:04d}" for i in range(n_drugs)], dtype=object)
    k_drug = 1 + rng.poisson(1.5, m)
    d_row = np.repeat(np.arange(m), k_drug)
    d_name = filler[rng.choice(n_drugs, d_row.size, p=_zipf_weights(n_drugs))]
    d_ai = d_name.copy()
    extra_rows, extra_names, extra_ai = [], [], []
    for name, ai, rate in _NANO:
        hit = np.flatnonzero(rng.random(m) < rate)
        extra_rows.append(hit)
        extra_names.append(np.full(hit.size, name, dtype=object))
        extra_ai.append(np.full(hit.size, ai, dtype=object))
    n_extra = sum(r.size for r in extra_rows)
    # a nanomedicine in a report is mostly a suspect drug (PS 60 %, SS 30 %, concomitant 10 %)
    nano_role = rng.choice(np.array(["PS", "SS", "C"], dtype=object), n_extra, p=[.6, .3, .1])
    d_row = np.concatenate([d_row, *extra_rows])
    d_name = np.concatenate([d_name, *extra_names])
    d_ai = np.concatenate([d_ai, *extra_ai])
    is_nano = np.r_[np.zeros(d_row.size - n_extra, bool), np.ones(n_extra, bool)]
    d_role = np.r_[np.full(d_row.size - n_extra, "", dtype=object), nano_role]
    order = np.argsort(d_row, kind="stable")
    d_row, d_name, d_ai = d_row[order], d_name[order], d_ai[order]
    is_nano, d_role = is_nano[order], d_role[order]
    starts = np.r_[0, np.flatnonzero(np.diff(d_row)) + 1]
    seq = np.arange(d_row.size) - np.repeat(starts, np.diff(np.r_[starts, d_row.size]))
    filler_role = np.where(seq == 0, "PS", rng.choice(
        np.array(["SS", "C", "C", "I"], dtype=object), d_row.size))
    role = np.where(is_nano, d_role, filler_role).astype(object)
    drug = {"primaryid": demo_pid[d_row], "caseid": demo_case[d_row], "drug_seq": seq + 1,
            "role_cod": role, "drugname": d_name, "prod_ai": d_ai,
            "val_vbm": np.full(d_row.size, "1", dtype=object),
            "route": np.full(d_row.size, "Intravenous", dtype=object)}

    # reactions: 1 + Poisson(2) background PTs, plus planted ones
    pt_vocab = np.array([*_PTS_NAMED, *(f"SYNTHETIC PT {i:04d}" for i in range(n_pts))],
                        dtype=object)
    k_reac = 1 + rng.poisson(1.5, m)
    r_row = np.repeat(np.arange(m), k_reac)
    r_pt = pt_vocab[rng.choice(pt_vocab.size, r_row.size, p=_zipf_weights(pt_vocab.size, 1.05))]
    add_rows, add_pts = [], []
    for name, pt, prob in PLANTED:
        rows = np.unique(d_row[d_name == name])
        keep = rows[rng.random(rows.size) < prob]
        add_rows.append(keep)
        add_pts.append(np.full(keep.size, pt, dtype=object))
    r_row = np.concatenate([r_row, *add_rows])
    r_pt = np.concatenate([r_pt, *add_pts])
    order = np.argsort(r_row, kind="stable")
    r_row, r_pt = r_row[order], r_pt[order]
    reac = {"primaryid": demo_pid[r_row], "caseid": demo_case[r_row], "pt": r_pt}

    o_row = np.flatnonzero(rng.random(m) < 0.4)
    outc = {"primaryid": demo_pid[o_row], "caseid": demo_case[o_row],
            "outc_cod": rng.choice(np.array(["HO", "OT", "DE", "LT"], dtype=object), o_row.size)}
    s_row = np.flatnonzero(rng.random(m) < 0.1)
    rpsr = {"primaryid": demo_pid[s_row], "caseid": demo_case[s_row],
            "rpsr_cod": np.full(s_row.size, "HP", dtype=object)}
    first = starts
    ther = {"primaryid": demo_pid[d_row[first]], "caseid": demo_case[d_row[first]],
            "dsg_drug_seq": np.ones(first.size, dtype=np.int64),
            "start_dt": np.full(first.size, "20241201", dtype=object)}
    indi = {"primaryid": demo_pid[d_row[first]], "caseid": demo_case[d_row[first]],
            "indi_drug_seq": np.ones(first.size, dtype=np.int64),
            "indi_pt": np.full(first.size, "Neoplasm malignant", dtype=object)}

    tables = {"DEMO": (DEMO_COLUMNS, demo, m), "DRUG": (DRUG_COLUMNS, drug, d_row.size),
              "REAC": (REAC_COLUMNS, reac, r_row.size), "OUTC": (OUTC_COLUMNS, outc, o_row.size),
              "RPSR": (RPSR_COLUMNS, rpsr, s_row.size), "THER": (THER_COLUMNS, ther, first.size),
              "INDI": (INDI_COLUMNS, indi, first.size)}
    files = []
    for tag, (cols, data, rows) in tables.items():
        path = folder / f"{tag}{quarter}.txt"
        _write_table(path, cols, data, rows)
        files.append(path)
    # FDA's DELETE file: case IDs to drop (one per line, no header); 0.1 % of cases
    deleted = caseid[rng.random(n) < 0.001]
    path = folder / f"DELETE{quarter}.txt"
    path.write_text("".join(f"{c}\n" for c in deleted))
    files.append(path)
    return {"reports": n, "rows": {k: v[2] for k, v in tables.items()},
            "files": [str(f) for f in files], "deleted": [int(c) for c in deleted]}
