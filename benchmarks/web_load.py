"""Load test of a running ``nanotwin serve`` (or any HTTP server) on the loopback address.

N concurrent simulated users (default 20) each loop over a list of pages with ``httpx`` on
asyncio; the run is bounded both in requests and in time, and refuses any host that is not a
loopback address. It prints the throughput (requests/s), the latency percentiles (p50, p95,
p99, max) and the error count, and can write them as JSON.

Usage (the server must be running)::

    nanotwin serve --port 8765 --db /tmp/load.sqlite &
    python benchmarks/web_load.py --url http://127.0.0.1:8765 --users 20 --requests 2000

With ``--start`` the script starts its own server (on a fresh database under a temporary folder),
saves one example design and a finished biodistribution run so that their pages exist, runs the
load, and stops the server::

    python benchmarks/web_load.py --start --users 20 --requests 2000
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

DEFAULT_PATHS = ("/", "/designs", "/designs/new", "/healthz")


def _is_loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation between order statistics.

    Examples
    --------
    >>> percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50)
    3.0
    >>> percentile([1.0, 2.0], 95)
    1.95
    """
    if not values:
        return float("nan")
    xs = sorted(values)
    k = (len(xs) - 1) * q / 100.0
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


async def run_load(base: str, paths: list[str], users: int, requests: int,
                   max_seconds: float) -> dict:
    """Run the load: ``users`` workers share a budget of ``requests`` requests and stop at
    ``max_seconds`` at the latest. Returns the figures as a dict."""
    import httpx

    if not _is_loopback(base):
        raise SystemExit(f"web_load: {base} is not a loopback address; this test only targets "
                         "127.0.0.0/8, localhost or [::1]")
    latencies: list[float] = []
    errors: dict[str, int] = {}
    budget = iter(range(requests))
    deadline = time.perf_counter() + max_seconds
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)

    async def user(i: int, client: httpx.AsyncClient) -> None:
        j = i
        for _ in budget:
            if time.perf_counter() > deadline:
                return
            path = paths[j % len(paths)]
            j += 1
            t0 = time.perf_counter()
            try:
                r = await client.get(path)
                ok = r.status_code < 400
                key = str(r.status_code)
            except httpx.HTTPError as exc:
                ok, key = False, type(exc).__name__
            latencies.append(time.perf_counter() - t0)
            if not ok:
                errors[key] = errors.get(key, 0) + 1

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30.0) as client:
        t0 = time.perf_counter()
        await asyncio.gather(*(user(i, client) for i in range(users)))
        wall = time.perf_counter() - t0
    n = len(latencies)
    return {
        "url": base, "paths": paths, "users": users, "requests": n, "wall_s": wall,
        "throughput_rps": n / wall if wall > 0 else float("nan"),
        "p50_ms": 1e3 * percentile(latencies, 50), "p95_ms": 1e3 * percentile(latencies, 95),
        "p99_ms": 1e3 * percentile(latencies, 99),
        "max_ms": 1e3 * max(latencies) if latencies else float("nan"),
        "mean_ms": 1e3 * statistics.fmean(latencies) if latencies else float("nan"),
        "errors": errors,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, timeout: float = 60.0) -> None:
    import httpx

    t0 = time.time()
    while time.time() - t0 < timeout:
        try:
            if httpx.get(url + "/healthz", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"web_load: server at {url} did not start within {timeout:g} s")


def _seed(url: str) -> list[str]:
    """Save the example design and run a biodistribution; return their page paths."""
    import httpx

    with httpx.Client(base_url=url, timeout=120.0, follow_redirects=False) as c:
        r = c.post("/designs/example")
        design_path = r.headers["location"].split("?")[0]
        r = c.post(design_path + "/runs", data={"kind": "biodistribution"})
        run_path = r.headers["location"]
        t0 = time.time()
        while time.time() - t0 < 300:
            st = c.get("/api" + run_path).json()
            if st["status"] in ("done", "failed"):
                break
            time.sleep(0.5)
    return [design_path, run_path]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", default=None, help="base URL of a running server (loopback only)")
    p.add_argument("--start", action="store_true", help="start a server for the test")
    p.add_argument("--users", type=int, default=20)
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--max-seconds", type=float, default=120.0)
    p.add_argument("--paths", default=",".join(DEFAULT_PATHS))
    p.add_argument("--json", type=Path, default=None, help="also write the figures here")
    a = p.parse_args(argv)
    paths = [x for x in a.paths.split(",") if x]
    proc = None
    tmp = None
    try:
        if a.start:
            tmp = tempfile.TemporaryDirectory()
            port = _free_port()
            url = f"http://127.0.0.1:{port}"
            proc = subprocess.Popen(
                [sys.executable, "-m", "nanotwin", "serve", "--host", "127.0.0.1", "--port",
                 str(port), "--db", str(Path(tmp.name) / "load.sqlite"), "--workers", "1"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _wait(url)
            paths += _seed(url)
        else:
            if not a.url:
                p.error("give --url of a running server or --start")
            url = a.url.rstrip("/")
        res = asyncio.run(run_load(url, paths, a.users, a.requests, a.max_seconds))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        if tmp is not None:
            tmp.cleanup()
    print(f"{res['requests']} requests by {res['users']} concurrent users in "
          f"{res['wall_s']:.1f} s over {', '.join(res['paths'])}")
    print(f"throughput {res['throughput_rps']:.0f} req/s; latency p50 {res['p50_ms']:.1f} ms, "
          f"p95 {res['p95_ms']:.1f} ms, p99 {res['p99_ms']:.1f} ms, max {res['max_ms']:.1f} ms; "
          f"errors {sum(res['errors'].values())} {res['errors'] or ''}")
    if a.json:
        a.json.write_text(json.dumps(res, indent=2) + "\n")
    return 1 if res["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
