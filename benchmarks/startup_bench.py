"""Benchmark: start-up latency of the nanotwin command line and of a warm ``simulate`` call.

One command (about a minute)::

    python benchmarks/startup_bench.py                  # this checkout
    python benchmarks/startup_bench.py --src OLD/src    # the same numbers for another source tree

Every measurement runs in fresh processes (``python -m nanotwin ...``, as the ``nanotwin``
script does), repeated ``--runs`` times after one untimed warm-up run (so disk caches and numba's
on-disk kernel cache are warm, as on a machine that has run nanotwin before); like hyperfine it
prints the mean, standard deviation and minimum of the wall time, and the mean CPU time of the
child (user + system) beside it, with the 1-minute load average of the (shared) machine. The
warm rows time ``nanotwin.simulate`` called again in one process (``--calls`` times) and the part
of it spent in ``nanotwin.pbpk.build_parameters``. ``--importtime`` adds the slowest imports of
the cold ``simulate`` (``python -X importtime``).

Goals (issue 14): ``nanotwin --version`` <= 0.2 s, ``nanotwin simulate`` of an example <= 1.5 s
cold, a warm ``simulate`` call <= 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "hdl_89zr.yaml"

_WARM = r"""
import json, sys, time
import nanotwin
from nanotwin.design import load_design
from nanotwin.pbpk import build_parameters
d = load_design(sys.argv[1]); n = int(sys.argv[2])
nanotwin.simulate(d)
def timed(f):
    out = []
    for _ in range(n):
        t0 = time.perf_counter(); f(); out.append(time.perf_counter() - t0)
    return out
print(json.dumps({"simulate": timed(lambda: nanotwin.simulate(d)),
                  "build_parameters": timed(lambda: build_parameters(d))}))
"""


def _env(src: str | None) -> dict[str, str]:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = str(Path(src).resolve()) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_cold(args: list[str], runs: int, env: dict[str, str]) -> dict[str, float]:
    """Wall and child CPU times of ``python args`` over ``runs`` runs (after a warm-up)."""
    subprocess.run([sys.executable, *args], env=env, capture_output=True, check=True)
    walls, cpus = [], []
    for _ in range(runs):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, *args], env=env, capture_output=True, check=True)
        walls.append(time.perf_counter() - t0)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    return {"mean": statistics.fmean(walls), "sd": statistics.stdev(walls) if runs > 1 else 0.0,
            "min": min(walls), "cpu": statistics.fmean(cpus), "load": os.getloadavg()[0]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10, help="timed runs per command")
    ap.add_argument("--calls", type=int, default=30, help="warm simulate calls")
    ap.add_argument("--src", help="source tree to measure instead (its src/ folder)")
    ap.add_argument("--design", default=str(EXAMPLE), help="design file to simulate")
    ap.add_argument("--importtime", action="store_true", help="slowest imports of simulate")
    args = ap.parse_args()
    env = _env(args.src)
    where = args.src or "this checkout"
    print(f"nanotwin start-up benchmark ({where}); {args.runs} runs each, after a warm-up; "
          f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}")
    print(f"{'command':48s} {'mean (s)':>9s} {'sd':>7s} {'min':>7s} {'CPU (s)':>8s} "
          f"{'load':>5s}")
    rows = [
        ("python -c 'import nanotwin'", ["-c", "import nanotwin"]),
        ("python -c 'import nanotwin.cli'", ["-c", "import nanotwin.cli"]),
        ("nanotwin --version", ["-m", "nanotwin", "--version"]),
        ("nanotwin --help", ["-m", "nanotwin", "--help"]),
        (f"nanotwin simulate {Path(args.design).name}", ["-m", "nanotwin", "simulate",
                                                         args.design]),
    ]
    for name, cmd in rows:
        r = run_cold(cmd, args.runs, env)
        print(f"{name:48s} {r['mean']:9.3f} {r['sd']:7.3f} {r['min']:7.3f} {r['cpu']:8.3f} "
              f"{r['load']:5.2f}", flush=True)
    out = subprocess.run([sys.executable, "-c", _WARM, args.design, str(args.calls)], env=env,
                         capture_output=True, text=True, check=True)
    w = json.loads(out.stdout.strip().splitlines()[-1])
    sim, bp = statistics.median(w["simulate"]), statistics.median(w["build_parameters"])
    print(f"{'warm nanotwin.simulate (median of calls)':48s} {sim:9.4f} "
          f"{statistics.stdev(w['simulate']):7.4f} {min(w['simulate']):7.4f} {'':>8s} "
          f"{os.getloadavg()[0]:5.2f}")
    print(f"{'  of which build_parameters (median)':48s} {bp:9.4f} "
          f"{statistics.stdev(w['build_parameters']):7.4f} {min(w['build_parameters']):7.4f} "
          f"{'':>8s} ({100 * bp / sim:.0f} % of the warm call)")
    if args.importtime:
        r = subprocess.run([sys.executable, "-X", "importtime", "-m", "nanotwin", "simulate",
                            args.design], env=env, capture_output=True, text=True, check=True)
        by_pkg: dict[str, int] = {}
        for line in r.stderr.splitlines():
            if not line.startswith("import time:") or "self [us]" in line:
                continue
            self_us, _, name = line[len("import time:"):].split("|")
            top = name.strip().split(".")[0]
            by_pkg[top] = by_pkg.get(top, 0) + int(self_us)
        print("slowest imports of the cold simulate (self time summed per top-level package):")
        for pkg, us in sorted(by_pkg.items(), key=lambda kv: -kv[1])[:12]:
            print(f"  {pkg:24s} {us / 1e3:7.1f} ms")


if __name__ == "__main__":
    main()
