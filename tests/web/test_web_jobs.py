"""Runs executed by the real worker pool (a spawned worker process), and a restart."""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
import pytest

from nanotwin.design.forms import dump_design_text
from nanotwin.pbpk import demo_design_mapping
from nanotwin.web.jobs import JobManager
from nanotwin.web.store import Store


def _wait(store: Store, rid: str, timeout: float = 240.0) -> dict:
    t0 = time.time()
    while time.time() - t0 < timeout:
        run = store.get_run(rid)
        if run["status"] in ("done", "failed"):
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {rid} did not finish: {store.get_run(rid)}")


def test_worker_runs_a_biodistribution_and_a_run_interrupted_by_a_restart_resumes(
        tmp_path: Path) -> None:
    import pandas as pd
    import xarray as xr

    import nanotwin

    db = tmp_path / "app.sqlite"
    store = Store(db)
    source = dump_design_text(demo_design_mapping())
    did = store.save_design("demo", source, "h")
    # a run that was running when the server stopped ...
    interrupted = store.create_run(did, "biodistribution", {}, source)
    store.mark_running(interrupted)
    bad = store.create_run(did, "dose", {}, source.replace("Cu-64", "Xx-999"))
    jobs = JobManager(store, workers=1, max_pending=8)
    jobs.start()  # ... is queued again by the restart and runs
    try:
        assert jobs.recovered == {"requeued": 1, "failed": 0}
        run = _wait(store, interrupted)
        failed = _wait(store, bad)
    finally:
        jobs.shutdown()
    assert run["status"] == "done", run["error"]
    assert run["attempts"] == 2
    names = {f["name"] for f in run["files"]}
    assert {"biodistribution.csv", "biodistribution.nc", "design.yaml"} <= names
    ds = xr.open_dataset(io.BytesIO(store.get_file(interrupted, "biodistribution.nc")[1]),
                         engine="h5netcdf")
    ref = nanotwin.simulate(nanotwin.load_design(demo_design_mapping()))
    np.testing.assert_allclose(ds["pct_id"].values, ref["pct_id"].values, rtol=1e-9)
    csv = pd.read_csv(io.BytesIO(store.get_file(interrupted, "biodistribution.csv")[1]))
    assert "organ" in csv.columns and any(c.startswith("time") for c in csv.columns)
    s = run["summary"]
    assert set(s["summary"]) >= {"DE24", "tumor_to_muscle_24h", "blood_AUC_pctID_h"}
    tumor = next(r for r in s["table"]["rows"] if r["organ"] == "tumor")
    t = s["table"]["times_h"]
    np.testing.assert_allclose(tumor["pct_id"], ref["pct_id"].sel(organ="tumor").interp(
        time=t).values, rtol=1e-9)
    assert {tr["name"] for tr in s["fig"]["data"]} >= {"tumor", "liver", "blood"}
    # a bad design fails with the CLI's one-line message, not a traceback
    assert failed["status"] == "failed"
    assert failed["error"].startswith("radiolabels.0.nuclide:") and "\n" not in failed["error"]


@pytest.mark.slow
def test_server_restart_loses_nothing(tmp_path: Path, make_server: object) -> None:
    """Stop the real server while a run is running; after the restart the design and the
    finished run are there and the interrupted run is run again to completion."""
    import httpx

    db = tmp_path / "app.sqlite"
    srv = make_server(db).start()
    with httpx.Client(base_url=srv.url, timeout=60) as c:
        design = c.post("/designs/example").headers["location"].split("?")[0]
        first = c.post(design + "/runs", data={"kind": "biodistribution"}).headers["location"]
        t0 = time.time()
        while c.get("/api" + first).json()["status"] != "done" and time.time() - t0 < 240:
            time.sleep(0.3)
        sweep = {"kind": "sweep", "var_size": "on", "size_lo": "20", "size_hi": "200",
                 "n": "48", "generations": "4", "obj1": "tumor_delivery", "goal1": "max",
                 "obj2": "liver_pct_id_24h", "goal2": "min"}
        second = c.post(design + "/runs", data=sweep).headers["location"]
        while c.get("/api" + second).json()["status"] == "queued" and time.time() - t0 < 240:
            time.sleep(0.1)
        assert c.get("/api" + second).json()["status"] == "running"
    srv.stop()
    assert Store(db).get_run(second.rsplit("/", 1)[1])["status"] == "running"
    srv = make_server(db).start()
    with httpx.Client(base_url=srv.url, timeout=60) as c:
        assert c.get(design).status_code == 200
        assert c.get("/api" + first).json()["status"] == "done"
        assert c.get(first + "/files/biodistribution.csv").status_code == 200
        st = c.get("/api" + second).json()
        assert st["status"] in ("queued", "running")
        t0 = time.time()
        while st["status"] not in ("done", "failed") and time.time() - t0 < 300:
            time.sleep(0.5)
            st = c.get("/api" + second).json()
        assert st["status"] == "done", st["error"]
        assert "pareto.csv" in st["files"]


@pytest.mark.slow
def test_second_server_on_the_same_port_or_database_is_refused(tmp_path: Path,
                                                                make_server: object) -> None:
    import socket
    import subprocess
    import sys

    def free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])

    srv = make_server(tmp_path / "a.sqlite").start()
    for args, msg in ((["--port", str(srv.port), "--db", str(tmp_path / "b.sqlite")],
                       "--port: cannot listen on 127.0.0.1"),
                      (["--port", str(free_port()), "--db", str(srv.db)],
                       f"--db: {srv.db} is in use by another nanotwin serve")):
        res = subprocess.run([sys.executable, "-m", "nanotwin", "serve", *args],
                             capture_output=True, text=True, timeout=120)
        assert res.returncode == 2
        assert res.stderr.strip().startswith(f"nanotwin: error: {msg}"), res.stderr
