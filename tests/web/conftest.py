"""Fixtures of the web tests: a real ``nanotwin serve`` on a loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A ``nanotwin serve`` subprocess on 127.0.0.1 with its own database."""

    def __init__(self, db: Path, workers: int = 1) -> None:
        self.db = db
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = db.with_suffix(".log")

    def start(self, timeout: float = 90.0) -> Server:
        import httpx

        self._logf = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "nanotwin", "serve", "--host", "127.0.0.1", "--port",
             str(self.port), "--db", str(self.db), "--workers", str(self.workers),
             "--log-level", "warning"],
            stdout=self._logf, stderr=subprocess.STDOUT)
        t0 = time.time()
        while time.time() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nanotwin serve exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("nanotwin serve did not answer /healthz in time")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None
        if getattr(self, "_logf", None) is not None:
            self._logf.close()
            self._logf = None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("web") / "app.sqlite").start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="session")
def chromium() -> str | None:
    """Debian's Chromium (``apt-get install chromium``); never a downloaded browser."""
    for p in (os.environ.get("NANOTWIN_CHROMIUM"), "/usr/bin/chromium",
              "/usr/bin/chromium-browser"):
        if p and Path(p).is_file():
            return p
    return None


@pytest.fixture()
def make_server() -> Iterator[object]:
    """A factory of servers (for tests that stop and restart one); all are stopped at the end."""
    made: list[Server] = []

    def make(db: Path, workers: int = 1) -> Server:
        srv = Server(db, workers)
        made.append(srv)
        return srv

    yield make
    for srv in made:
        srv.stop()
