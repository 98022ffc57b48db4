"""``nanotwin report DESIGN --out report.html``."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add ``nanotwin report`` to the root app."""
    from nanotwin.cli import handle_errors

    @app.command("report")
    @handle_errors
    def report(
        design: Path = typer.Argument(..., help="Design file (YAML/JSON/TOML)."),
        out: Path = typer.Option(Path("report.html"), "--out", "-o",
                                 help="The HTML file to write."),
        overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing file."),
        modality: str = typer.Option(None, "--modality", help="Image modalities, e.g. pet,ct "
                                     "(default: PET or SPECT for the label, and CT)."),
        times: str = typer.Option("1,24,48", "--times", help="Image times (h)."),
        voxel: float = typer.Option(None, "--voxel", help="Voxel size (mm)."),
        checks: bool = typer.Option(True, "--checks/--no-checks",
                                    help="Run the quick validation checks (~10 s)."),
        pdf: bool = typer.Option(False, "--pdf", help="Also print it to PDF (OUT with .pdf) "
                                 "with headless Chromium."),
    ) -> None:
        """One self-contained HTML report of a design: biodistribution, doses, images,
        assumptions, validation status and provenance."""
        from rich.progress import Progress

        from nanotwin.errors import DesignError
        from nanotwin.imaging.cli import _floats
        from nanotwin.outputs import check_output_dir
        from nanotwin.report import write_report

        if not design.is_file():
            raise FileNotFoundError(2, "not found", str(design))
        check_output_dir(out.parent if str(out.parent) else Path("."), overwrite=True)
        mods = [m for m in modality.split(",") if m.strip()] if modality else None
        ts = _floats(times, "--times")
        pdf_path = out.with_suffix(".pdf")
        if pdf and pdf_path.exists() and not overwrite:
            raise DesignError(f"--pdf: {pdf_path} exists; add --overwrite to replace it")
        with Progress(transient=True) as prog:
            task = prog.add_task("report", total=1.0)

            def step(f: float, msg: str) -> None:
                prog.update(task, completed=f, description=msg)

            path = write_report(design, out, overwrite=overwrite, modalities=mods, times_h=ts,
                                voxel_mm=voxel, checks=checks, progress=step)
        typer.echo(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
        if pdf:
            from nanotwin.report.html import html_to_pdf

            typer.echo(f"wrote {html_to_pdf(path, pdf_path)}")
