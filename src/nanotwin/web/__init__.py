"""The nanotwin web app: ``nanotwin serve`` (FastAPI under uvicorn, SQLite persistence).

Design form generated from the design schema, upload/download of YAML/JSON, runs of
biodistribution, doses, images and design sweeps in a bounded pool of worker processes with
progress and stable result links, downloads (CSV, NetCDF, NIfTI/DICOM zip, HTML report).

Examples
--------
>>> from nanotwin.design import forms
>>> forms.find_field(forms.form_spec(), "radiolabels.0.nuclide").kind
'text'
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app", "serve"]


def create_app(db_path: Any, **kw: Any) -> Any:
    """The ASGI app (see :func:`nanotwin.web.app.create_app`)."""
    from nanotwin.web.app import create_app as _create

    return _create(db_path, **kw)


def serve(host: str = "127.0.0.1", port: int = 8000, db_path: Any = "nanotwin-web.sqlite",
          workers: int = 1, max_pending: int = 32, log_level: str = "info",
          on_ready: Any = None) -> None:
    """Run the app under uvicorn until interrupted.

    Refuses (one-line :class:`~nanotwin.errors.DesignError`) a port already in use and a
    database already served by another ``nanotwin serve`` (an exclusive lock on
    ``<db>.lock``), so two servers never run the same queue twice.
    """
    import socket
    from pathlib import Path

    import uvicorn

    from nanotwin.errors import DesignError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError as exc:
            raise DesignError(f"--port: cannot listen on {host}:{port} ({exc.strerror}); choose "
                              "another port or stop the program using it") from None
    db = Path(db_path)
    db.parent.mkdir(parents=True, exist_ok=True)
    lock = open(db.with_name(db.name + ".lock"), "a")  # noqa: SIM115 - held while serving
    try:
        try:
            import fcntl  # POSIX; elsewhere the database is not locked

            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:
            pass
        except OSError:
            raise DesignError(f"--db: {db} is in use by another nanotwin serve; stop it or give "
                              "another database") from None
        app = create_app(db, workers=workers, max_pending=max_pending)
        if on_ready is not None:
            on_ready()
        uvicorn.run(app, host=host, port=port, log_level=log_level,
                    timeout_graceful_shutdown=5)
    finally:
        lock.close()
