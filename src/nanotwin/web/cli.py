"""``nanotwin serve``: the web app."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register"]


def _default_workers() -> int:
    import os

    return max(1, min(4, (os.cpu_count() or 2) // 2))


def register(app: typer.Typer) -> None:
    """Add ``nanotwin serve`` to the root app."""
    from nanotwin.cli import handle_errors

    @app.command("serve")
    @handle_errors
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0: "
                                 "every interface; there is no login, so only on a trusted "
                                 "network)."),
        port: int = typer.Option(8000, "--port", help="Port."),
        db: Path = typer.Option(Path("nanotwin-web.sqlite"), "--db",
                                help="SQLite file for designs, runs and results."),
        workers: int = typer.Option(None, "--workers", help="Simulations run at the same time "
                                    "(worker processes; default: half the CPU cores, 1 to 4)."),
        max_pending: int = typer.Option(32, "--max-pending", help="Runs that may wait or run "
                                        "at once; more are refused until some finish."),
        log_level: str = typer.Option("info", "--log-level", help="uvicorn log level."),
    ) -> None:
        """Start the nanotwin web app: design form, runs, plots, images and reports in the
        browser (open http://HOST:PORT)."""
        from nanotwin.errors import DesignError
        from nanotwin.web import serve as _serve

        if not 0 < port < 65536:
            raise DesignError(f"--port: {port} is not a port; give 1-65535, e.g. 8000")
        if db.exists() and not db.is_file():
            raise DesignError(f"--db: {db} is not a file; give a file path, e.g. app.sqlite")
        n = workers if workers is not None else _default_workers()
        if not 1 <= n <= 64:
            raise DesignError(f"--workers: {n} is out of range; give 1-64")
        def ready() -> None:
            typer.echo(f"nanotwin web app: http://{host}:{port}/  (database {db}, {n} worker"
                       f"{'s' if n > 1 else ''}; Ctrl+C stops)")

        _serve(host=host, port=port, db_path=db, workers=n, max_pending=max_pending,
               log_level=log_level, on_ready=ready)
