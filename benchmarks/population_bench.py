"""Benchmark: nanotwin's batched PBPK solver against libRoadRunner at its fastest, equal accuracy.

One command (about 3-4 minutes on 2 cores; ``--full`` adds 1e5 and 1e6 subjects)::

    python benchmarks/population_bench.py

Same model for all: the nanotwin PBPK model of ``examples/studies/lu177_liposome_human.yaml``
(53 states), exported to SBML for libRoadRunner; ``--n`` (1,000) parameter sets of a virtual
population (:func:`nanotwin.population.sample_population`, seed 1); 0-168 h, 200 output times;
atol 1e-10 %ID for every solver and a ladder of rtol.

libRoadRunner runs as its documentation makes it fastest: the whole parameter vector of a
subject set with one ``model.setGlobalParameterValues`` (the vectors are built before the timed
loop), ``reset()`` (time and species; parameters stay), ``simulate(0, 168, 200)``; the organ
sums are taken after the timed loop. Two JIT set-ups, each in a fresh process (libRoadRunner
caches compiled models per process): MCJit with all ``LOADSBMLOPTIONS_OPTIMIZE_*`` passes on,
and LLJit at ``LLJIT_OPTIMIZATION_LEVEL = AGGRESSIVE``; one process, and two processes that
each run half of the subjects (started together behind a barrier; model compilation not timed).
nanotwin integrates all subjects in one call (Rodas5P) on 2 numba threads and on 1.

Accuracy: every row is compared with scipy Radau at rtol 1e-10 (analytic Jacobian) on the first
``--ref-n`` subjects: the largest relative difference of organ particle %ID (17 organs x 200
times, where the reference is above 1e-4 %ID). At the accuracy target ``--target`` (default
1e-5), the ratio is the time of the fastest libRoadRunner row on the same cores that reaches the
target over the time of the fastest nanotwin row that reaches it. Each time is the best of
``--repeat`` runs; CPU time (all processes or threads) is shown per core beside the wall time,
and the 1-minute load average with every row (the machine is shared: other jobs slow the
2-core rows). Then the scaling of :func:`nanotwin.population.simulate_population` (summaries
and 6 time points kept) with its peak memory (each size in a fresh process), and Dask
(LocalCluster, 2 workers) against the in-process run of 1e4 subjects with doses.

The last line is ``speedup_vs_roadrunner: X`` (2 cores, at the accuracy target).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DESIGN = ROOT / "examples" / "studies" / "lu177_liposome_human.yaml"
TIMES = np.linspace(0.0, 168.0, 200)
ATOL = 1e-10
RR_RTOLS = (1e-5, 1e-6, 1e-7)
NT_RTOLS = (1e-4, 3e-5, 1e-5, 3e-6, 1e-6, 1e-7)


def load() -> float:
    return os.getloadavg()[0]


def organ_sums(Y: np.ndarray) -> np.ndarray:
    """(n_states, n_t) amounts -> (17, n_t) organ particle %ID."""
    from nanotwin.population.batch import _output_matrix

    ptr, ind, _ = _output_matrix(Y.shape[0])
    return np.stack([Y[ind[ptr[o]:ptr[o + 1]]].sum(0) for o in range(17)])


def rel_err(P: np.ndarray, ref: np.ndarray, floor: float = 1e-4) -> float:
    """Largest relative difference over subjects x organs x times where |ref| > floor."""
    m = np.abs(ref) > floor
    return float(np.max(np.abs(P[m] - ref[m]) / np.abs(ref[m]))) if m.any() else 0.0


# --------------------------------------------------------------------------- libRoadRunner
def _rr_config(backend: str) -> None:
    from roadrunner import Config

    if backend == "LLJit":
        Config.setValue(Config.LLVM_BACKEND, Config.LLJIT)
        Config.setValue(Config.LLJIT_OPTIMIZATION_LEVEL, Config.AGGRESSIVE)
    else:
        Config.setValue(Config.LLVM_BACKEND, Config.MCJIT)
        for opt in ("GVN", "CFG_SIMPLIFICATION", "INSTRUCTION_COMBINING",
                    "DEAD_INST_ELIMINATION", "DEAD_CODE_ELIMINATION", "INSTRUCTION_SIMPLIFIER"):
            Config.setValue(getattr(Config, f"LOADSBMLOPTIONS_OPTIMIZE_{opt}"), True)


def rr_worker(part: int, backend: str, sbml: str, P: np.ndarray, rtol: float, repeat: int,
              barrier, queue) -> None:  # noqa: ANN001 - multiprocessing objects
    """One libRoadRunner process: compile, wait for the others, time the loop, send results."""
    import roadrunner

    from nanotwin.pbpk.model import STATE_NAMES

    _rr_config(backend)
    rr = roadrunner.RoadRunner(sbml)
    rr.integrator.relative_tolerance = rtol
    rr.integrator.absolute_tolerance = ATOL
    rr.timeCourseSelections = ["time", *STATE_NAMES]
    model = rr.model
    res = [None] * P.shape[0]
    best = (np.inf, np.inf)
    for _ in range(repeat):
        barrier.wait()
        t0, c0 = time.perf_counter(), time.process_time()
        for b in range(P.shape[0]):
            model.setGlobalParameterValues(P[b])
            rr.reset()
            res[b] = rr.simulate(0.0, 168.0, 200)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        best = min(best, (wall, cpu))
    sums = np.stack([organ_sums(np.asarray(r)[:, 1:].T) for r in res])
    queue.put((part, best[0], best[1], sums))


def rr_parameter_matrix(sbml: str, eb) -> np.ndarray:  # noqa: ANN001 - an EdgeBatch
    """Every subject's full global-parameter vector, in libRoadRunner's order."""
    import roadrunner

    rr = roadrunner.RoadRunner(sbml)
    ids = list(rr.model.getGlobalParameterIds())
    P = np.tile(np.asarray(rr.model.getGlobalParameterValues(), float), (eb.size, 1))
    col = {pid: i for i, pid in enumerate(ids)}
    for e in range(eb.k.shape[1]):
        P[:, col[f"k_{e}"]] = eb.k[:, e]
    for e in np.flatnonzero(eb.satpos >= 0):
        P[:, col[f"scale_{e}"]] = eb.sat_scale[:, eb.satpos[e]]
    for g in range(eb.g_coef.shape[1]):
        if f"g_{g}" in col:
            P[:, col[f"g_{g}"]] = eb.g_coef[:, g]
    P[:, col["k_det"]] = eb.k_det
    return P


def run_rr(backend: str, sbml: str, P: np.ndarray, rtol: float, procs: int,
           repeat: int) -> tuple[float, float, np.ndarray]:
    """Wall (max over processes), total CPU and the organ sums of all subjects."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    barrier, queue = ctx.Barrier(procs), ctx.Queue()
    parts = np.array_split(np.arange(P.shape[0]), procs)
    jobs = [ctx.Process(target=rr_worker, args=(i, backend, sbml, P[idx], rtol, repeat,
                                                 barrier, queue))
            for i, idx in enumerate(parts)]
    for j in jobs:
        j.start()
    got = [queue.get() for _ in jobs]
    for j in jobs:
        j.join()
    sums = np.zeros((P.shape[0], 17, TIMES.size))
    for part, _, _, s in got:
        sums[parts[part]] = s
    return max(g[1] for g in got), sum(g[2] for g in got), sums


# ---------------------------------------------------------------------------------- scaling
_SCALE_CHILD = """
import json, resource, sys, time
import numpy as np
from nanotwin.design import load_design
from nanotwin.population import simulate_population
d = load_design(sys.argv[1]); n = int(sys.argv[2])
t = [1.0, 4.0, 24.0, 48.0, 72.0, 168.0]
simulate_population(d, 8, t, seed=9)
t0, c0 = time.perf_counter(), time.process_time()
ds = simulate_population(d, n, t, seed=2)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
# peak resident memory of this process (VmHWM; ru_maxrss would include the parent's at fork)
hwm = [ln for ln in open("/proc/self/status") if ln.startswith("VmHWM")]
peak = float(hwm[0].split()[1]) / 1024 if hwm else resource.getrusage(
    resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"wall": wall, "cpu": cpu, "rss_mb": peak, "result_mb": ds.nbytes / 1e6}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="subjects for the solver comparison")
    ap.add_argument("--ref-n", type=int, default=10,
                    help="subjects compared with the tight reference (Radau, rtol 1e-10)")
    ap.add_argument("--target", type=float, default=1e-5,
                    help="accuracy target: largest relative error vs the reference")
    ap.add_argument("--repeat", type=int, default=3, help="timed repeats (best is kept)")
    ap.add_argument("--full", action="store_true", help="also 1e5 and 1e6 subjects")
    ap.add_argument("--no-dask", action="store_true", help="skip the Dask run")
    args = ap.parse_args()

    import numba
    from rich.console import Console
    from rich.table import Table

    from nanotwin.design import load_design
    from nanotwin.pbpk import export_sbml, solve
    from nanotwin.population import batch_simulate, edge_batch, sample_population

    con = Console(width=160)
    design = load_design(DESIGN)
    n, nr = args.n, min(args.ref_n, args.n)
    pb, _ = sample_population(design, n, seed=1)
    eb = edge_batch(pb)
    con.print(f"load average at the start: {load():.2f} (2 cores)")

    # tight reference on the first nr subjects (not timed)
    ref = np.stack([organ_sums(solve(pb.from_vector(pb.as_vector()[:, b]), TIMES, rtol=1e-10,
                                     atol=1e-14)) for b in range(nr)])
    rows: list[dict] = []

    # --- nanotwin (the first call loads the numba kernel from its cache: warm it up)
    batch_simulate(sample_population(design, 4, seed=9)[0], TIMES)
    threads = numba.get_num_threads()
    for th in sorted({threads, 1}, reverse=True):
        numba.set_num_threads(th)
        batch_simulate(pb, TIMES, outputs=("pct_id",), rtol=1e-6, atol=ATOL)  # untimed
        for rtol in NT_RTOLS:
            best, steps = (np.inf, np.inf), 0.0
            for _ in range(args.repeat):
                t0, c0 = time.perf_counter(), time.process_time()
                ds = batch_simulate(pb, TIMES, outputs=("pct_id",), rtol=rtol, atol=ATOL)
                best = min(best, (time.perf_counter() - t0, time.process_time() - c0))
            P = ds["pct_id"].values
            steps = float(ds["n_steps"].mean())
            rows.append({"solver": "nanotwin", "setup": f"Rodas5P ({steps:.0f} steps)",
                         "rtol": rtol, "cores": th, "wall": best[0], "cpu": best[1],
                         "err": rel_err(P[:nr], ref), "load": load(), "P": P})
    numba.set_num_threads(threads)

    # --- libRoadRunner at its fastest, each set-up in fresh processes
    sbml = export_sbml(design)
    Pm = rr_parameter_matrix(sbml, eb)
    rr_ref_sums = None
    for backend in ("MCJit", "LLJit"):
        for rtol in RR_RTOLS:
            for procs in (1, 2):
                wall, cpu, sums = run_rr(backend, sbml, Pm, rtol, procs, args.repeat)
                if procs == 1 and backend == "MCJit" and rtol == 1e-6:
                    rr_ref_sums = sums
                rows.append({"solver": "libRoadRunner", "setup": f"CVODE, {backend}",
                             "rtol": rtol, "cores": procs, "wall": wall, "cpu": cpu,
                             "err": rel_err(sums[:nr], ref), "load": load(), "P": sums})

    # --- scipy LSODA on a few subjects (extrapolated), for scale
    m = 20
    t0, c0 = time.perf_counter(), time.process_time()
    ls = np.stack([organ_sums(solve(pb.from_vector(pb.as_vector()[:, b]), TIMES, rtol=1e-6,
                                    atol=ATOL, method="LSODA")) for b in range(m)])
    rows.append({"solver": f"scipy LSODA ({m} run, x{n // m})", "setup": "python rhs",
                 "rtol": 1e-6, "cores": 1, "wall": (time.perf_counter() - t0) * n / m,
                 "cpu": (time.process_time() - c0) * n / m, "err": rel_err(ls[:nr], ref),
                 "load": load(), "P": None})

    def best_row(solver: str, cores: int) -> dict | None:
        ok = [r for r in rows if r["solver"] == solver and r["cores"] == cores and
              r["err"] <= args.target]
        return min(ok, key=lambda r: r["wall"]) if ok else None

    tab = Table(title=f"{n} subjects, 0-168 h, 200 outputs, 53-state PBPK; error vs Radau "
                      f"rtol 1e-10 on {nr} subjects; target {args.target:g}")
    for c in ("solver", "set-up", "rtol", "cores", "wall (s)", "CPU/core (s)", "ms/subject",
              "max rel err", "vs RR rtol 1e-6", "load"):
        tab.add_column(c, justify="right")
    for r in rows:
        d_rr = rel_err(r["P"], rr_ref_sums) if r["P"] is not None and rr_ref_sums is not None \
            else float("nan")
        mark = " *" if r["err"] <= args.target else ""
        tab.add_row(r["solver"], r["setup"], f"{r['rtol']:g}", str(r["cores"]),
                    f"{r['wall']:.3f}", f"{r['cpu'] / r['cores']:.3f}",
                    f"{1e3 * r['wall'] / n:.3f}", f"{r['err']:.2e}{mark}", f"{d_rr:.1e}",
                    f"{r['load']:.2f}")
    con.print(tab)
    con.print("* reaches the accuracy target")
    ratio = {}
    for cores in (2, 1):
        a, b = best_row("libRoadRunner", cores), best_row("nanotwin", cores)
        if a and b:
            ratio[cores] = a["wall"] / b["wall"]
            con.print(f"{cores} core(s), error <= {args.target:g}: best libRoadRunner "
                      f"{a['setup']} rtol {a['rtol']:g} {a['wall']:.3f} s (CPU/core "
                      f"{a['cpu'] / cores:.3f} s) vs nanotwin rtol {b['rtol']:g} "
                      f"{b['wall']:.3f} s (CPU/core {b['cpu'] / cores:.3f} s): "
                      f"{ratio[cores]:.1f}x wall, {a['cpu'] / b['cpu']:.1f}x CPU")
    for tgt in (1e-4, 1e-6):
        a, b = (min((r for r in rows if r["solver"] == s and r["cores"] == 2 and
                     r["err"] <= tgt), key=lambda r: r["wall"], default=None)
                for s in ("libRoadRunner", "nanotwin"))
        if a and b:
            con.print(f"2 cores, error <= {tgt:g}: {a['wall'] / b['wall']:.1f}x")

    # --- scaling and peak memory, each size in a fresh process
    sizes = [100, 1000, 10000] + ([100000, 1000000] if args.full else [])
    st = Table(title="scaling: simulate_population, summaries (AUC, TIA, Cmax) + 6 times, "
                     "rtol 1e-6, 2 threads (fresh process per size)")
    for c in ("subjects", "wall (s)", "CPU/core (s)", "subjects / s", "peak RSS (MB)",
              "result (MB)", "load"):
        st.add_column(c, justify="right")
    for s in sizes:
        out = subprocess.run([sys.executable, "-c", _SCALE_CHILD, str(DESIGN), str(s)],
                             capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        st.add_row(f"{s:,}", f"{r['wall']:.2f}", f"{r['cpu'] / threads:.2f}",
                   f"{s / r['wall']:,.0f}", f"{r['rss_mb']:.0f}", f"{r['result_mb']:.0f}",
                   f"{load():.2f}")
    con.print(st)

    if not args.no_dask:
        from nanotwin.population.distributed import run_chunks
        from nanotwin.population.population import sample_factors
        from nanotwin.population.study import load_study

        nd = 10000
        study = load_study({"name": "bench", "design": str(DESIGN), "n_subjects": nd,
                            "run": {"use_dask": True, "n_workers": 2, "chunk_size": 2500}})
        fac = sample_factors(nd, "human", 3)
        t3 = np.array([1.0, 24.0, 168.0])
        t0 = time.perf_counter()
        run_chunks(design, None, fac, t3, 7400.0, study)
        dt = time.perf_counter() - t0
        study1 = study.model_copy(update={"run": study.run.model_copy(
            update={"use_dask": False, "chunk_size": 10000})})
        t0 = time.perf_counter()
        run_chunks(design, None, fac, t3, 7400.0, study1)
        d1 = time.perf_counter() - t0
        con.print(f"Dask LocalCluster (2 workers x 1 thread), {nd:,} subjects with doses: "
                  f"{dt:.1f} s (cluster start included); in-process (2 threads): {d1:.1f} s; "
                  f"load {load():.2f}")
    con.print(f"load average at the end: {load():.2f} (2 cores)")
    print(f"speedup_vs_roadrunner: {ratio.get(2, float('nan')):.1f}")


if __name__ == "__main__":
    main()
