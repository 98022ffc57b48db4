"""SQLite persistence of the web app: saved designs, runs and their result files.

One database file holds everything (designs, runs, progress, result files as BLOBs), so nothing
from a request ever names a file on disk: a download is a row looked up by the run's id and the
file's name. The database runs in WAL mode so that the web process reads while a worker process
writes; every call opens its own short connection (safe across threads and processes).

Restart policy (:meth:`Store.recover`): when the server starts, runs left ``queued`` stay queued
and run; runs left ``running`` (the server stopped while they ran) are queued again from the
start — every run is deterministic (fixed seeds), so the rerun gives the same result — unless
they were already interrupted once, in which case they are marked ``failed`` with a message, so a
run that kills its worker cannot loop forever.

Examples
--------
>>> import tempfile, pathlib
>>> st = Store(pathlib.Path(tempfile.mkdtemp()) / "app.sqlite")
>>> did = st.save_design("gold 30 nm", "name: gold 30 nm\\n", "abc123")
>>> st.get_design(did)["name"]
'gold 30 nm'
>>> rid = st.create_run(did, "biodistribution", {}, "name: gold 30 nm\\n")
>>> st.get_run(rid)["status"]
'queued'
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["Store", "RUN_KINDS", "new_id"]

#: The kinds of run the app offers.
RUN_KINDS = ("biodistribution", "dose", "images", "sweep", "report")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS designs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    source TEXT NOT NULL,          -- the design as the user gave it (YAML, quantities with units)
    design_hash TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    design_id TEXT NOT NULL REFERENCES designs(id),
    kind TEXT NOT NULL,
    params TEXT NOT NULL,          -- JSON
    design_source TEXT NOT NULL,   -- snapshot of the design the run used
    status TEXT NOT NULL,          -- queued | running | done | failed
    progress REAL NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    error TEXT,
    summary TEXT,                  -- JSON: what the result page shows
    attempts INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL,
    started REAL,
    finished REAL
);
CREATE INDEX IF NOT EXISTS runs_by_design ON runs(design_id, created);
CREATE INDEX IF NOT EXISTS runs_by_status ON runs(status, created);
CREATE TABLE IF NOT EXISTS files (
    run_id TEXT NOT NULL REFERENCES runs(id),
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (run_id, name)
);
"""


def new_id() -> str:
    """A random, URL-safe identifier (12 characters, ~72 bits).

    Examples
    --------
    >>> len(new_id()), new_id() != new_id()
    (12, True)
    """
    return secrets.token_urlsafe(9)


class Store:
    """The app's database (one SQLite file).

    Parameters
    ----------
    path
        The database file; created with its folder if missing.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=30.0)
        con.row_factory = sqlite3.Row
        try:
            with con:
                yield con
        finally:
            con.close()

    # designs ------------------------------------------------------------------------------
    def save_design(self, name: str, source: str, design_hash: str,
                    design_id: str | None = None) -> str:
        """Insert a design (or replace the one with ``design_id``); returns its id."""
        now = time.time()
        with self._connect() as con:
            if design_id is not None:
                cur = con.execute("UPDATE designs SET name=?, source=?, design_hash=?, updated=? "
                                  "WHERE id=?", (name, source, design_hash, now, design_id))
                if cur.rowcount:
                    return design_id
            did = design_id or new_id()
            con.execute("INSERT INTO designs VALUES (?, ?, ?, ?, ?, ?)",
                        (did, name, source, design_hash, now, now))
        return did

    def get_design(self, design_id: str) -> dict[str, Any] | None:
        with self._connect() as con:
            row = con.execute("SELECT * FROM designs WHERE id=?", (design_id,)).fetchone()
        return dict(row) if row else None

    def list_designs(self, limit: int = 200) -> list[dict[str, Any]]:
        with self._connect() as con:
            rows = con.execute("SELECT id, name, design_hash, created, updated FROM designs "
                               "ORDER BY updated DESC LIMIT ?", (limit,)).fetchall()
        return [dict(r) for r in rows]

    # runs ---------------------------------------------------------------------------------
    def create_run(self, design_id: str, kind: str, params: dict[str, Any],
                   design_source: str) -> str:
        rid = new_id()
        with self._connect() as con:
            con.execute("INSERT INTO runs (id, design_id, kind, params, design_source, status, "
                        "message, created) VALUES (?, ?, ?, ?, ?, 'queued', 'waiting for a "
                        "worker', ?)", (rid, design_id, kind, json.dumps(params), design_source,
                                        time.time()))
        return rid

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        with self._connect() as con:
            row = con.execute("SELECT * FROM runs WHERE id=?", (run_id,)).fetchone()
            if row is None:
                return None
            files = con.execute("SELECT name, media_type, length(data) AS size FROM files "
                                "WHERE run_id=? ORDER BY name", (run_id,)).fetchall()
        out = dict(row)
        out["params"] = json.loads(out["params"])
        out["summary"] = json.loads(out["summary"]) if out["summary"] else None
        out["files"] = [dict(f) for f in files]
        return out

    def list_runs(self, design_id: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        sql = ("SELECT r.id, r.design_id, r.kind, r.status, r.progress, r.message, r.created, "
               "r.finished, d.name AS design_name FROM runs r JOIN designs d ON d.id = "
               "r.design_id")
        args: tuple[Any, ...] = ()
        if design_id is not None:
            sql += " WHERE r.design_id=?"
            args = (design_id,)
        sql += " ORDER BY r.created DESC LIMIT ?"
        with self._connect() as con:
            rows = con.execute(sql, (*args, limit)).fetchall()
        return [dict(r) for r in rows]

    def count_pending(self) -> int:
        with self._connect() as con:
            return int(con.execute("SELECT count(*) FROM runs WHERE status IN "
                                   "('queued', 'running')").fetchone()[0])

    def next_queued(self, exclude: set[str]) -> str | None:
        """The oldest queued run not in ``exclude`` (already handed to a worker)."""
        with self._connect() as con:
            rows = con.execute("SELECT id FROM runs WHERE status='queued' ORDER BY created "
                               "LIMIT ?", (len(exclude) + 1,)).fetchall()
        return next((r["id"] for r in rows if r["id"] not in exclude), None)

    def mark_running(self, run_id: str) -> None:
        with self._connect() as con:
            con.execute("UPDATE runs SET status='running', started=?, attempts=attempts+1, "
                        "progress=0, message='starting' WHERE id=?", (time.time(), run_id))

    def set_progress(self, run_id: str, fraction: float, message: str) -> None:
        with self._connect() as con:
            con.execute("UPDATE runs SET progress=?, message=? WHERE id=? AND status='running'",
                        (max(0.0, min(1.0, float(fraction))), message, run_id))

    def finish(self, run_id: str, summary: dict[str, Any],
               files: dict[str, tuple[str, bytes]]) -> None:
        """Store the result files and summary and mark the run done, in one transaction."""
        with self._connect() as con:
            con.execute("DELETE FROM files WHERE run_id=?", (run_id,))
            con.executemany("INSERT INTO files VALUES (?, ?, ?, ?)",
                            [(run_id, n, mt, sqlite3.Binary(b)) for n, (mt, b) in
                             files.items()])
            con.execute("UPDATE runs SET status='done', progress=1, message='done', summary=?, "
                        "finished=?, error=NULL WHERE id=?",
                        (json.dumps(summary), time.time(), run_id))

    def fail(self, run_id: str, error: str) -> None:
        with self._connect() as con:
            con.execute("UPDATE runs SET status='failed', message='failed', error=?, finished=? "
                        "WHERE id=? AND status IN ('queued', 'running')",
                        (" ".join(str(error).split()), time.time(), run_id))

    def get_file(self, run_id: str, name: str) -> tuple[str, bytes] | None:
        with self._connect() as con:
            row = con.execute("SELECT media_type, data FROM files WHERE run_id=? AND name=?",
                              (run_id, name)).fetchone()
        return (row["media_type"], bytes(row["data"])) if row else None

    def recover(self, max_attempts: int = 2) -> dict[str, int]:
        """After a restart: requeue interrupted runs (or fail those interrupted before).

        Returns the counts ``{"requeued": n, "failed": m}``.
        """
        with self._connect() as con:
            failed = con.execute(
                "UPDATE runs SET status='failed', message='failed', finished=?, error=? WHERE "
                "status='running' AND attempts>=?",
                (time.time(), f"interrupted by a server restart {max_attempts} times; check the "
                 "server log and run it again", max_attempts)).rowcount
            requeued = con.execute(
                "UPDATE runs SET status='queued', progress=0, message='resumed after a server "
                "restart; waiting for a worker' WHERE status='running'").rowcount
        return {"requeued": int(requeued), "failed": int(failed)}
