"""Design commands: ``nanotwin validate`` and ``nanotwin schema``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the design commands to the root app."""
    from nanotwin.cli import fail, handle_errors

    @app.command("validate")
    @handle_errors
    def validate(
        files: list[Path] = typer.Argument(..., help="Design files (.yaml, .yml, .json, .toml)."),
    ) -> None:
        """Validate design files: exit 0 when all are valid; exit 2 and one line per error."""
        import warnings

        from rich.console import Console

        from nanotwin.design import load_design
        from nanotwin.errors import DesignError, DesignWarning

        console = Console()
        errors = []
        for path in files:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", DesignWarning)
                try:
                    design = load_design(path)
                except DesignError as exc:
                    msg = str(exc)
                    errors.append(msg if msg.startswith(path.name) else f"{path.name}: {msg}")
                    continue
            console.print(f"[green]valid[/green] {path}: {design.name}")
            for w in caught:
                typer.echo(f"nanotwin: warning: {path.name}: {w.message}", err=True)
        if errors:
            for msg in errors[:-1]:
                typer.echo(f"nanotwin: error: {msg}", err=True)
            fail(errors[-1])

    @app.command("schema")
    @handle_errors
    def schema(
        out: Path | None = typer.Option(None, "--out", "-o", help="Write the schema to a file."),
        overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing --out."),
    ) -> None:
        """Print (or write) the JSON Schema of design files, for editors."""
        from nanotwin.design import design_schema
        from nanotwin.outputs import check_output_file, output_file

        if out is not None:
            check_output_file(out, overwrite=overwrite)
        text = json.dumps(design_schema(), indent=2)
        if out is None:
            typer.echo(text)
        else:
            with output_file(out, overwrite=overwrite) as tmp:
                tmp.write_text(text + "\n", encoding="utf-8")
            typer.echo(f"wrote {out}")
