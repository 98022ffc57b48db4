"""The nanotwin web app: ``nanotwin serve`` (FastAPI under uvicorn, SQLite persistence).

Design form generated from the design schema, upload/download of YAML/JSON, runs of
biodistribution, doses, images and design sweeps in a bounded pool of worker processes with
progress and stable result links, downloads (CSV, NetCDF, NIfTI/DICOM zip, HTML report).

Examples
--------
>>> from nanotwin.web import forms
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
          workers: int = 1, max_pending: int = 32, log_level: str = "info") -> None:
    """Run the app under uvicorn until interrupted."""
    import uvicorn

    app = create_app(db_path, workers=workers, max_pending=max_pending)
    uvicorn.run(app, host=host, port=port, log_level=log_level, timeout_graceful_shutdown=5)
