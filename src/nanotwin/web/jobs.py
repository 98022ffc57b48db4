"""The bounded worker pool of the web app.

Runs are queued in the database and executed by a fixed number of worker *processes*
(``concurrent.futures.ProcessPoolExecutor`` with the ``spawn`` start method), so simulations
never block the web server and many users cannot start more simulations at once than there are
workers. The number of runs waiting is capped too (``max_pending``): beyond it a new run is
refused with a clear message (HTTP 503) instead of piling up.

A dispatcher thread hands the oldest queued run to a free worker. If a worker process dies
(e.g. killed for memory), its run is marked failed with a message and the pool is rebuilt.
"""

from __future__ import annotations

import sys
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any

from nanotwin.errors import DesignError
from nanotwin.web.store import Store

__all__ = ["JobManager", "BusyError"]


class BusyError(DesignError):
    """Too many runs are waiting."""


class JobManager:
    """Queue and execute runs in a bounded pool of worker processes.

    Parameters
    ----------
    store
        The app's database.
    workers
        Worker processes (simulations that run at the same time).
    max_pending
        Runs allowed to wait or run at once; more are refused with :class:`BusyError`.
    """

    def __init__(self, store: Store, workers: int = 1, max_pending: int = 32) -> None:
        self.store = store
        self.workers = max(1, int(workers))
        self.max_pending = max(1, int(max_pending))
        self._lock = threading.Lock()
        self._inflight: dict[str, Future[str]] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._pool: ProcessPoolExecutor | None = None
        self._thread: threading.Thread | None = None
        self.recovered: dict[str, int] = {}

    def _new_pool(self) -> ProcessPoolExecutor:
        from nanotwin.web.tasks import warm_up

        return ProcessPoolExecutor(max_workers=self.workers, mp_context=get_context("spawn"),
                                   initializer=warm_up)

    def start(self) -> None:
        """Recover runs interrupted by a restart and start dispatching."""
        self.recovered = self.store.recover()
        self._pool = self._new_pool()
        self._thread = threading.Thread(target=self._loop, name="nanotwin-dispatch",
                                        daemon=True)
        self._thread.start()
        self._wake.set()

    def submit(self, design_id: str, kind: str, params: dict[str, Any], source: str) -> str:
        """Queue a run; returns its id."""
        with self._lock:
            if self.store.count_pending() >= self.max_pending:
                raise BusyError(f"the server has {self.max_pending} runs waiting or running; try "
                           "again in a few minutes")
            rid = self.store.create_run(design_id, kind, params, source)
        self._wake.set()
        return rid

    def status(self) -> dict[str, Any]:
        with self._lock:
            running = len(self._inflight)
        return {"workers": self.workers, "running": running,
                "pending": self.store.count_pending(), "max_pending": self.max_pending}

    def _loop(self) -> None:
        from nanotwin.web.tasks import execute

        while not self._stop.is_set():
            self._wake.wait(1.0)
            self._wake.clear()
            while not self._stop.is_set():
                with self._lock:
                    if len(self._inflight) >= self.workers or self._pool is None:
                        break
                    rid = self.store.next_queued(set(self._inflight))
                    if rid is None:
                        break
                    try:
                        fut = self._pool.submit(execute, str(self.store.path), rid)
                    except (BrokenProcessPool, RuntimeError):
                        self._pool = self._new_pool()
                        fut = self._pool.submit(execute, str(self.store.path), rid)
                    self._inflight[rid] = fut
                fut.add_done_callback(lambda f, rid=rid: self._done(rid, f))

    def _done(self, rid: str, fut: Future[str]) -> None:
        with self._lock:
            self._inflight.pop(rid, None)
        if not fut.cancelled() and not self._stop.is_set():
            exc = fut.exception()
            if exc is not None:
                print(f"nanotwin serve: run {rid}: {type(exc).__name__}: {exc}",
                      file=sys.stderr)
                msg = ("the worker process stopped while running (out of memory?); try a "
                       "smaller run" if isinstance(exc, BrokenProcessPool) else
                       f"internal error ({type(exc).__name__}); please report it")
                self.store.fail(rid, msg)
                if isinstance(exc, BrokenProcessPool):
                    with self._lock:
                        self._pool = self._new_pool()
        self._wake.set()

    def shutdown(self) -> None:
        """Stop dispatching and stop the workers. Runs still running stay ``running`` in the
        database and are queued again when the server starts (see ``Store.recover``)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        pool, self._pool = self._pool, None
        if pool is not None:
            procs = list(getattr(pool, "_processes", {}) .values())
            pool.shutdown(wait=False, cancel_futures=True)
            for p in procs:
                if p.is_alive():
                    p.terminate()
            for p in procs:
                p.join(timeout=5)
