"""Why ``nanotwin serve`` uses FastAPI: the same page in FastAPI and in Litestar, side by side.

Each framework serves one server-rendered page (a Jinja2 template listing 20 rows read from
SQLite, like the design list of the app) under uvicorn with one worker process; the loopback load
test of ``benchmarks/web_load.py`` measures both with the same users and request budget, one after
the other. Litestar is optional (``pip install litestar``); without it only FastAPI is measured.

Usage::

    python benchmarks/web_framework_choice.py --users 20 --requests 3000
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from web_load import _free_port, _wait, run_load  # noqa: E402

_COMMON = '''
import sqlite3, jinja2
DB = {db!r}
TPL = jinja2.Environment(autoescape=True).from_string(
    "<!doctype html><title>designs</title><table>{{% for r in rows %}}<tr><td>{{{{ r[0] }}}}</td>"
    "<td>{{{{ r[1] }}}}</td></tr>{{% endfor %}}</table>")
def page():
    con = sqlite3.connect(DB)
    rows = con.execute("SELECT id, name FROM designs ORDER BY id LIMIT 20").fetchall()
    con.close()
    return TPL.render(rows=rows)
'''

_FASTAPI = '''
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
app = FastAPI()
@app.get("/", response_class=HTMLResponse)
def index():
    return page()
@app.get("/healthz")
def healthz():
    return {"ok": True}
'''

_LITESTAR = '''
from litestar import Litestar, get, MediaType
@get("/", media_type=MediaType.HTML, sync_to_thread=True)
def index() -> str:
    return page()
@get("/healthz", sync_to_thread=False)
def healthz() -> dict:
    return {"ok": True}
app = Litestar([index, healthz])
'''


def measure(name: str, body: str, users: int, requests: int, tmp: Path) -> dict:
    import sqlite3

    db = tmp / "bench.sqlite"
    if not db.exists():
        con = sqlite3.connect(db)
        con.execute("CREATE TABLE designs (id INTEGER PRIMARY KEY, name TEXT)")
        con.executemany("INSERT INTO designs (name) VALUES (?)",
                        [(f"design {i}",) for i in range(200)])
        con.commit()
        con.close()
    mod = tmp / f"app_{name}.py"
    mod.write_text(textwrap.dedent(_COMMON.format(db=str(db))) + textwrap.dedent(body))
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", f"app_{name}:app", "--port",
                             str(port), "--log-level", "warning", "--no-access-log"], cwd=tmp)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait(url)
        asyncio.run(run_load(url, ["/"], users, 200, 30.0))  # warm-up
        return asyncio.run(run_load(url, ["/"], users, requests, 120.0))
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--users", type=int, default=20)
    p.add_argument("--requests", type=int, default=3000)
    a = p.parse_args()
    apps = [("fastapi", _FASTAPI)]
    if importlib.util.find_spec("litestar") is not None:
        apps.append(("litestar", _LITESTAR))
    with tempfile.TemporaryDirectory() as d:
        for name, body in apps:
            r = measure(name, body, a.users, a.requests, Path(d))
            print(f"{name:9s} {r['requests']} req, {r['throughput_rps']:.0f} req/s, "
                  f"p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, errors "
                  f"{sum(r['errors'].values())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
