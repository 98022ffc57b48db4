"""Reader for the FAERS quarterly data extract (ASCII layout) with case deduplication.

Layout (FDA, FAERS Quarterly Data Extract, ``ASC_NTS`` documentation of every quarter since
2012 Q4): one ``$``-delimited text file per table with a header row — ``DEMOyyQq.txt``
(demographics, one row per report version), ``DRUGyyQq.txt``, ``REACyyQq.txt`` (MedDRA preferred
terms), ``OUTCyyQq.txt``, ``RPSRyyQq.txt``, ``THERyyQq.txt``, ``INDIyyQq.txt`` and, since 2019 Q1,
``DELETEyyQq.txt`` (case IDs FDA removed; no header). ``primaryid`` is ``caseid`` followed by
``caseversion``. Fields are not quoted, so ``"`` is an ordinary character.

Deduplication follows FDA's advice in ``ASC_NTS``: keep one report per ``caseid``, the one with
the highest ``caseversion`` (ties: the latest ``fda_dt``, then the highest ``primaryid``), and
drop every case listed in a DELETE file.

The columnar engine is Polars (lazy scans; measured against DuckDB in
``benchmarks/pv_bench.py``, see docs/pharmacovigilance.md).

Examples
--------
>>> import tempfile, pathlib
>>> from nanotwin.pv.synthetic import write_quarter
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> info = write_quarter(d, n_reports=300, seed=2)
>>> q = read_faers(d)
>>> q.summary["reports"] == 300 - len(info["deleted"])
True
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nanotwin.errors import DataError

__all__ = ["FaersData", "read_faers", "find_tables", "TABLES", "SUSPECT_ROLES"]

#: Tables of a FAERS quarter and the columns nanotwin needs from each (ASC_NTS field names).
TABLES: dict[str, tuple[str, ...]] = {
    "DEMO": ("primaryid", "caseid", "caseversion", "fda_dt"),
    "DRUG": ("primaryid", "drug_seq", "role_cod", "drugname", "prod_ai"),
    "REAC": ("primaryid", "pt"),
    "OUTC": ("primaryid", "outc_cod"),
    "RPSR": ("primaryid", "rpsr_cod"),
    "THER": ("primaryid", "dsg_drug_seq"),
    "INDI": ("primaryid", "indi_pt"),
}

#: Drug roles (``role_cod``) counted by default: primary and secondary suspect (ASC_NTS codes
#: PS, SS; C = concomitant, I = interacting).
SUSPECT_ROLES = ("PS", "SS")

_FILE_RE = re.compile(r"^(DEMO|DRUG|REAC|OUTC|RPSR|THER|INDI|DELETE)(\d\d)?Q?(\d)?.*\.txt$",
                      re.IGNORECASE)


@dataclass(frozen=True)
class FaersData:
    """Deduplicated FAERS reports (Polars data frames, one per table).

    Attributes
    ----------
    demo
        One row per kept report: ``primaryid``, ``caseid``, ``caseversion``, ``fda_dt``.
    drug
        ``primaryid``, ``drug_seq``, ``role_cod``, ``drugname``, ``prod_ai`` and ``drug`` (the
        normalised name, :func:`nanotwin.pv.names.normalise_drug_name`), for kept reports.
    reac
        ``primaryid``, ``pt`` for kept reports (``pt`` trimmed; one row per report and term).
    outc
        ``primaryid``, ``outc_cod`` (empty frame if the quarter has no OUTC file).
    summary
        Counts: rows read, versions dropped, deleted cases dropped, reports kept.
    """

    demo: Any
    drug: Any
    reac: Any
    outc: Any
    summary: dict[str, int] = field(default_factory=dict)


def find_tables(paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]
                ) -> dict[str, list[Path]]:
    """FAERS table files in one or more folders (or their ``ascii/`` subfolder).

    Returns
    -------
    dict
        ``table -> list of files`` (several quarters give several files per table).

    Raises
    ------
    DataError
        If a folder is missing or holds no DEMO, DRUG or REAC file.
    """
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    found: dict[str, list[Path]] = {}
    for item in items:
        p = Path(item)
        if not p.exists():
            raise DataError(f"FAERS: {p} does not exist; give the folder of an unzipped FAERS "
                            "ASCII quarter (DEMOyyQq.txt, DRUGyyQq.txt, REACyyQq.txt, ...)")
        folders = [p] if p.is_dir() else []
        if p.is_dir() and (p / "ascii").is_dir():
            folders.append(p / "ascii")
        if p.is_dir() and (p / "ASCII").is_dir():
            folders.append(p / "ASCII")
        files = [f for d in folders for f in sorted(d.iterdir()) if f.is_file()]
        if p.is_file():
            files = [p]
        for f in files:
            m = _FILE_RE.match(f.name)
            if m:
                found.setdefault(m.group(1).upper(), []).append(f)
    missing = [t for t in ("DEMO", "DRUG", "REAC") if t not in found]
    if missing:
        raise DataError(f"FAERS: no {', '.join(missing)} file in {', '.join(map(str, items))}; "
                        "give the folder of an unzipped FAERS ASCII quarter")
    return found


def _scan(files: list[Path], table: str) -> Any:
    """Lazy scan of one table (all columns as text), checked for the columns nanotwin needs."""
    import polars as pl

    frames = []
    for f in files:
        with open(f, encoding="latin-1", errors="replace") as fh:
            header = fh.readline().rstrip("\r\n")
        cols = [c.strip().lower() for c in header.split("$")]
        need = TABLES[table]
        absent = [c for c in need if c not in cols]
        if absent:
            raise DataError(f"FAERS: {f.name} lacks column(s) {', '.join(absent)} (header: "
                            f"{header[:80]!r}); is this the FAERS ASCII layout ($-delimited "
                            "with a header)?")
        lf = pl.scan_csv(f, separator="$", quote_char=None, infer_schema=False, has_header=True,
                         truncate_ragged_lines=True, encoding="utf8-lossy",
                         new_columns=cols)
        frames.append(lf.select([pl.col(c).str.strip_chars().fill_null("") for c in need]))
    return pl.concat(frames, how="vertical") if len(frames) > 1 else frames[0]


def _deleted(files: list[Path]) -> list[str]:
    out: list[str] = []
    for f in files:
        for line in f.read_text(encoding="latin-1", errors="replace").splitlines():
            text = line.strip().strip("$")
            if text.isdigit():
                out.append(text)
    return out


def read_faers(paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], *,
               normalise: bool = True) -> FaersData:
    """Read and deduplicate one or more FAERS ASCII quarters.

    Parameters
    ----------
    paths
        Folder(s) of unzipped quarters (``DEMO25Q1.txt`` … or an ``ascii/`` subfolder).
        Several quarters are pooled before deduplication, so a case reported again in a later
        quarter counts once, in its latest version.
    normalise
        Add the ``drug`` column with nanomedicine normalisation (else ``drug`` = upper-case
        ``drugname``).

    Returns
    -------
    FaersData

    Raises
    ------
    DataError
        Missing files or columns, or no report left.
    """
    import polars as pl

    from nanotwin.pv.names import normalise_drug_name

    tables = find_tables(paths)
    demo_raw = _scan(tables["DEMO"], "DEMO").with_columns(
        pl.col("caseversion").cast(pl.Int64, strict=False).fill_null(0),
        pl.col("primaryid").cast(pl.Int64, strict=False),
    ).filter(pl.col("primaryid").is_not_null() & (pl.col("caseid") != "")).collect()
    n_rows = demo_raw.height
    deleted = _deleted(tables.get("DELETE", []))
    demo = (demo_raw.sort(["caseid", "caseversion", "fda_dt", "primaryid"],
                          descending=True, nulls_last=True)
            .unique("caseid", keep="first", maintain_order=True))
    n_cases = demo.height
    if deleted:
        demo = demo.filter(~pl.col("caseid").is_in(deleted))
    demo = demo.sort("primaryid")
    if demo.height == 0:
        raise DataError("FAERS: no report left after deduplication; check the DEMO file")
    keep = demo.select("primaryid").lazy()

    drug = (_scan(tables["DRUG"], "DRUG")
            .with_columns(pl.col("primaryid").cast(pl.Int64, strict=False),
                          pl.col("role_cod").str.to_uppercase())
            .join(keep, on="primaryid", how="semi").collect())
    pairs = drug.select("drugname", "prod_ai").unique()
    if normalise:
        names = [normalise_drug_name(n, a) for n, a in
                 zip(pairs["drugname"].to_list(), pairs["prod_ai"].to_list(), strict=True)]
    else:
        names = [" ".join(str(n).upper().split()) for n in pairs["drugname"].to_list()]
    lookup = pairs.with_columns(pl.Series("drug", names, dtype=pl.String))
    drug = drug.join(lookup, on=["drugname", "prod_ai"], how="left")
    reac = (_scan(tables["REAC"], "REAC")
            .with_columns(pl.col("primaryid").cast(pl.Int64, strict=False))
            .filter(pl.col("pt") != "")
            .join(keep, on="primaryid", how="semi").unique(["primaryid", "pt"]).collect())
    if "OUTC" in tables:
        outc = (_scan(tables["OUTC"], "OUTC")
                .with_columns(pl.col("primaryid").cast(pl.Int64, strict=False))
                .join(keep, on="primaryid", how="semi").collect())
    else:
        outc = pl.DataFrame({"primaryid": [], "outc_cod": []},
                            schema={"primaryid": pl.Int64, "outc_cod": pl.String})
    summary = {"demo_rows": n_rows, "older_versions_dropped": n_rows - n_cases,
               "deleted_cases_dropped": n_cases - demo.height, "reports": demo.height,
               "drug_rows": drug.height, "reaction_rows": reac.height}
    return FaersData(demo=demo, drug=drug, reac=reac, outc=outc, summary=summary)
