"""Pharmacovigilance benchmark: a synthetic FAERS quarter of 10^6 reports, end to end.

Writes the quarter at run time with :func:`nanotwin.pv.synthetic.write_quarter` (nothing is
committed), then times nanotwin's Polars pipeline (read + deduplicate, count every drug-event
pair, fit the MGPS prior on all pairs, score the nanomedicine pairs) and, side by side, the same
read + deduplicate + count written in DuckDB SQL (``pip install duckdb`` or ``.[bench]``); the
two engines' counts are compared pair by pair. Prints a JSON summary with the machine load.

    python benchmarks/pv_bench.py [--reports 1000000] [--repeats 2] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

NANO = ["Doxil", "Abraxane", "Onivyde", "Vyxeos", "Marqibo"]


def nanotwin_pipeline(folder: Path) -> dict:
    from nanotwin.pv.faers import read_faers
    from nanotwin.pv.signals import drug_event_counts, signal_table

    t0 = time.perf_counter()
    data = read_faers(folder)
    t1 = time.perf_counter()
    counts = drug_event_counts(data)
    t2 = time.perf_counter()
    table, prior = signal_table(counts, drugs=NANO)
    t3 = time.perf_counter()
    return {"read_dedup_s": t1 - t0, "count_s": t2 - t1, "mgps_fit_and_score_s": t3 - t2,
            "total_s": t3 - t0, "reports": data.summary["reports"], "pairs": counts.height,
            "signals": int(table["signal"].sum()), "prior": prior.as_dict(),
            "_counts": counts, "_top": table.head(5)[["drug", "pt", "n11", "ebgm", "eb05"]]}


def duckdb_pipeline(folder: Path, threads: int) -> dict | None:
    try:
        import duckdb
    except ImportError:
        return None
    from nanotwin.pv.names import normalise_drug_name

    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"SET threads={threads}")
    opts = ("delim='$', header=true, quote='', escape='', all_varchar=true, "
            "strict_mode=false, null_padding=true")
    f = {t: next(folder.glob(f"{t}*.txt")).as_posix() for t in ("DEMO", "DRUG", "REAC",
                                                                  "DELETE")}
    con.execute("CREATE TEMP TABLE del AS SELECT trim(column0) caseid FROM read_csv("
                f"'{f['DELETE']}', header=false, all_varchar=true, "
                "columns={'column0': 'VARCHAR'})")
    con.execute(f"""CREATE TEMP TABLE keep AS SELECT CAST(primaryid AS BIGINT) primaryid FROM (
        SELECT primaryid, caseid, row_number() OVER (PARTITION BY caseid ORDER BY
          TRY_CAST(caseversion AS BIGINT) DESC NULLS LAST, fda_dt DESC, CAST(primaryid AS BIGINT)
          DESC) rn FROM read_csv('{f['DEMO']}', {opts})) WHERE rn = 1
        AND caseid NOT IN (SELECT caseid FROM del)""")
    con.execute(f"""CREATE TEMP TABLE drug AS SELECT CAST(d.primaryid AS BIGINT) primaryid,
        trim(d.drugname) drugname, trim(coalesce(d.prod_ai, '')) prod_ai
        FROM read_csv('{f['DRUG']}', {opts}) d
        WHERE upper(role_cod) IN ('PS', 'SS')
        AND CAST(d.primaryid AS BIGINT) IN (SELECT primaryid FROM keep)""")
    names = con.execute("SELECT DISTINCT drugname, prod_ai FROM drug").fetchall()
    con.execute("CREATE TEMP TABLE lookup (drugname VARCHAR, prod_ai VARCHAR, drug VARCHAR)")
    con.executemany("INSERT INTO lookup VALUES (?, ?, ?)",
                    [(n, a, normalise_drug_name(n, a)) for n, a in names])
    con.execute(f"""CREATE TEMP TABLE reac AS SELECT DISTINCT CAST(r.primaryid AS BIGINT)
        primaryid, trim(r.pt) pt FROM read_csv('{f['REAC']}', {opts}) r
        WHERE trim(coalesce(r.pt, '')) <> ''
        AND CAST(r.primaryid AS BIGINT) IN (SELECT primaryid FROM keep)""")
    t1 = time.perf_counter()
    res = con.sql("""
        WITH dc AS (SELECT DISTINCT primaryid, l.drug FROM drug JOIN lookup l
                    USING (drugname, prod_ai) WHERE l.drug <> ''),
             both_ AS (SELECT DISTINCT primaryid FROM dc
                       WHERE primaryid IN (SELECT primaryid FROM reac)),
             d2 AS (SELECT * FROM dc WHERE primaryid IN (SELECT primaryid FROM both_)),
             r2 AS (SELECT * FROM reac WHERE primaryid IN (SELECT primaryid FROM both_))
        SELECT d2.drug, r2.pt, count(*) n11 FROM d2 JOIN r2 USING (primaryid)
        GROUP BY d2.drug, r2.pt""").pl()
    t2 = time.perf_counter()
    return {"read_dedup_s": t1 - t0, "count_s": t2 - t1, "total_s": t2 - t0,
            "pairs": res.height, "_counts": res}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--keep", type=Path, default=None, help="write the quarter here and keep it")
    args = ap.parse_args()
    os.environ.setdefault("POLARS_MAX_THREADS", str(args.threads))
    from nanotwin.pv.synthetic import write_quarter

    tmp = args.keep or Path(tempfile.mkdtemp(prefix="nanotwin-faers-"))
    try:
        t = time.perf_counter()
        if args.keep is not None and any(args.keep.glob("DEMO*.txt")):
            info = {"reports": "reused " + str(args.keep), "rows": {}}  # from an earlier run
        else:
            info = write_quarter(tmp, n_reports=args.reports, seed=0)
        gen_s = time.perf_counter() - t
        ours, duck = [], []
        for _ in range(args.repeats):
            ours.append(nanotwin_pipeline(tmp))
            d = duckdb_pipeline(tmp, args.threads)
            if d is not None:
                duck.append(d)
        best = min(ours, key=lambda r: r["total_s"])
        out = {"reports_written": info["reports"], "rows": info["rows"],
               "generate_s": round(gen_s, 2), "load_avg_1_5_15": os.getloadavg(),
               "cpus": os.cpu_count(), "polars_threads": os.environ["POLARS_MAX_THREADS"],
               "nanotwin_polars": {k: (round(v, 3) if isinstance(v, float) else v)
                                   for k, v in best.items() if not k.startswith("_")},
               "nanotwin_runs_total_s": [round(r["total_s"], 3) for r in ours]}
        if duck:
            bd = min(duck, key=lambda r: r["total_s"])
            ours_rc = best["read_dedup_s"] + best["count_s"]
            a = best["_counts"].select("drug", "pt", "n11").sort(["drug", "pt"])
            b = bd["_counts"].select("drug", "pt", "n11").sort(["drug", "pt"])
            b = b.with_columns(b["n11"].cast(a["n11"].dtype))
            out["duckdb_read_dedup_count"] = {k: round(v, 3) if isinstance(v, float) else v
                                              for k, v in bd.items() if not k.startswith("_")}
            out["read_dedup_count_s"] = {"polars": round(ours_rc, 3),
                                         "duckdb": round(bd["total_s"], 3),
                                         "duckdb_over_polars": round(bd["total_s"] / ours_rc, 2)}
            out["counts_identical"] = bool(a.equals(b))
        print(json.dumps(out, indent=2, default=str))
        print(best["_top"].to_string(index=False))
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
