from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the qc sub-app."""
    qc = typer.Typer(name="qc", no_args_is_help=True, help="Batch release QC.")
    app.add_typer(qc, name="qc")
