"""Fuzz the nanotwin command line with seeded mutations of every example input.

Every case (see ``tests/core/fuzz_cases.py``) is written into an empty folder and each of its
commands is run there in a fresh process with a time limit; the outcome of each run is one of

* ``clean_reject``  exit 2 and exactly one line on standard error, ``nanotwin: error: ...``;
* ``accepted``      exit 0 (``accepted_invalid``: exit 0 on a case meant to be invalid, e.g.
  ``kd: inf nM``);
* ``hang``          still running at the time limit (killed);
* ``traceback``     a Python traceback on standard error, or an exit code other than 0 / 2;
* ``internal_error`` nanotwin's one-line report of a bug (exit 3), no traceback;
* ``wrote_on_failure`` it failed but created or changed files;
* ``overwrote``     it succeeded but replaced files that were there before without
  ``--overwrite``;
* ``unclear_reject`` exit 2 but not exactly one ``nanotwin: error:`` line.

Processes are forked from a parent that has imported nanotwin and simulated one design, so a
case costs its own work, not the interpreter start-up; a forked child is a fresh process for
what the case does (its own memory, its own exit, killed on timeout with its process group).

Usage (from the repository root; ``--src`` points at another checkout's ``src``, e.g. the base
commit unpacked with ``git archive``)::

    python benchmarks/fuzz_cli.py                      # all cases, per-case limits 20 s / 60 s
    python benchmarks/fuzz_cli.py --src /tmp/base/src --json before.json
    python benchmarks/fuzz_cli.py --only design --max 50
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "core"))

OUTCOMES = ["clean_reject", "accepted", "accepted_invalid", "hang", "traceback",
            "internal_error", "wrote_on_failure", "overwrote", "unclear_reject"]
#: Commands that only read and check (short limit); the others compute (long limit).
FAST_COMMANDS = {"validate", "schema"}


def _setup_env() -> None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "NUMBA_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp(prefix="nanotwin-fuzz-mpl-"))
    os.environ["COLUMNS"] = "200"


def _warm() -> None:
    """Import nanotwin and run one simulation, so forked children start warm."""
    import contextlib
    import io
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import nanotwin
    import nanotwin.cli  # noqa: F401

    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = nanotwin.load_design(ROOT / "examples" / "hdl_89zr.yaml")
        nanotwin.simulate(d)
        import pandas  # noqa: F401
        import scipy.optimize  # noqa: F401
        import xarray  # noqa: F401


def _child(argv: list[str], folder: Path, out_path: Path, err_path: Path,
           mem_bytes: int) -> None:
    """Runs in the forked child: never returns."""
    code = 1
    try:
        os.setpgid(0, 0)
        os.chdir(folder)
        if mem_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (mem_bytes, mem_bytes))
        fo = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        fe = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(fo, 1)
        os.dup2(fe, 2)
        import nanotwin.cli

        sys.argv = ["nanotwin", *argv]
        try:
            nanotwin.cli.main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # what the interpreter does with an uncaught exception
            import traceback

            traceback.print_exc()
            code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:
            pass
        os._exit(code)


def run_one(argv: list[str], folder: Path, limit_s: float, mem_bytes: int
            ) -> tuple[int | None, str, str, float]:
    """Run one command line in ``folder``; (exit code or None on timeout, stdout, stderr, s)."""
    logs = Path(tempfile.mkdtemp(prefix="nanotwin-fuzz-log-"))
    out_path, err_path = logs / "out", logs / "err"
    sys.stdout.flush()
    sys.stderr.flush()
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(argv, folder, out_path, err_path, mem_bytes)
    code: int | None = None
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            break
        if time.monotonic() - t0 > limit_s:
            for target in (-pid, pid):
                try:
                    os.kill(target, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            os.waitpid(pid, 0)
            break
        time.sleep(0.01)
    wall = time.monotonic() - t0
    try:  # grandchildren (e.g. a Dask cluster) of a finished child
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    out, err = (p.read_bytes().decode("utf-8", "replace") if p.exists() else ""
                for p in (out_path, err_path))
    shutil.rmtree(logs, ignore_errors=True)
    return code, out, err, wall


def classify(case, argv0: str, code: int | None, err: str,  # noqa: ANN001
             before: dict[str, str], after: dict[str, str], overwrite: bool) -> str:
    if code is None:
        return "hang"
    if "Traceback (most recent call last)" in err or code not in (0, 2, 3):
        return "traceback"
    import fuzz_cases

    if code != 0 and fuzz_cases.changed(before, after):
        return "wrote_on_failure"
    if code == 0 and not overwrite and any(before.get(k) not in (None, "dir") and
                                           after.get(k) != before[k] for k in before):
        return "overwrote"
    if code == 0 and case.protected and any(after.get(k) != before.get(k)
                                            for k in case.protected):
        return "overwrote"
    if code == 3:
        return "internal_error"
    if code == 2:
        lines = [ln for ln in err.splitlines() if ln.strip()]
        if len(lines) == 1 and lines[0].startswith("nanotwin: error: "):
            return "clean_reject"
        return "unclear_reject"
    return "accepted_invalid" if case.expected(argv0) == "reject" else "accepted"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", help="the src folder of the nanotwin checkout to test")
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--limit-fast", type=float, default=20.0,
                    help="time limit (s) of validate / schema")
    ap.add_argument("--limit-slow", type=float, default=60.0,
                    help="time limit (s) of the computing commands")
    ap.add_argument("--mem-gib", type=float, default=6.0, help="address-space limit per run")
    ap.add_argument("--only", default="", help="comma-separated targets: design,study,csv,out")
    ap.add_argument("--max", type=int, default=0, help="at most this many cases")
    ap.add_argument("--json", help="write every run's outcome to this JSON file")
    ap.add_argument("--per-design", type=int, default=60)
    ap.add_argument("--per-study", type=int, default=40)
    ap.add_argument("--per-csv", type=int, default=30)
    args = ap.parse_args()

    _setup_env()
    if args.src:
        sys.path.insert(0, str(Path(args.src).resolve()))
    import itertools

    import fuzz_cases

    cases = fuzz_cases.all_cases(args.seed, args.per_design, args.per_study, args.per_csv)
    if args.only:
        keep = set(args.only.split(","))
        cases = (c for c in cases if c.target in keep)
    if args.max:
        cases = itertools.islice(cases, args.max)
    _warm()
    import nanotwin

    print(f"nanotwin from {Path(nanotwin.__file__).parent}; seed {args.seed}", flush=True)
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    records = []
    t_start = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="nanotwin-fuzz-"))
    try:
        for n, case in enumerate(cases, 1):
            folder = work / f"case{n}"
            folder.mkdir()
            fuzz_cases.materialise(case, folder)
            for argv in case.commands:
                before = fuzz_cases.snapshot(folder)
                limit = args.limit_fast if argv[0] in FAST_COMMANDS else args.limit_slow
                code, _out, err, wall = run_one(argv, folder, limit,
                                                int(args.mem_gib * 2 ** 30))
                after = fuzz_cases.snapshot(folder)
                outcome = classify(case, argv[0], code, err, before, after,
                                   "--overwrite" in argv)
                label = case.commands[0][0] if case.target == "out" else argv[0]
                key = f"{case.target}:{label}"
                counts[key][outcome] += 1
                lines = [ln for ln in err.splitlines() if ln.strip()]
                records.append({"id": case.id, "kind": case.kind, "expect": case.expected(argv[0]),
                                "argv": argv, "exit": code, "outcome": outcome,
                                "wall_s": round(wall, 3), "stderr_lines": len(lines),
                                "stderr_last": lines[-1][:300] if lines else ""})
                if outcome not in ("clean_reject", "accepted"):
                    print(f"  {outcome:17s} {case.id} [{case.kind[:70]}] {argv[0]} "
                          f"({wall:.1f} s): {(lines[-1] if lines else '')[:160]}", flush=True)
            shutil.rmtree(folder, ignore_errors=True)
            if n % 50 == 0:
                print(f"{n} cases, {time.monotonic() - t_start:.0f} s",
                      flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    total = collections.Counter()
    print(f"\n{'target:command':24s}" + "".join(f"{o[:16]:>17s}" for o in OUTCOMES))
    for key in sorted(counts):
        total.update(counts[key])
        print(f"{key:24s}" + "".join(f"{counts[key][o]:17d}" for o in OUTCOMES))
    print(f"{'all':24s}" + "".join(f"{total[o]:17d}" for o in OUTCOMES))
    print(f"{len(records)} runs in {time.monotonic() - t_start:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps({"counts": {k: dict(v) for k, v in
                                                          counts.items()},
                                               "total": dict(total), "runs": records},
                                              indent=1))


if __name__ == "__main__":
    main()
