"""``nanotwin demo``: the main job on a built-in example, end to end.

The demo writes the built-in example design to the output folder and then runs, on that file,
the same commands a user would run: ``nanotwin simulate`` (PBPK biodistribution), ``nanotwin
dose`` (MIRD doses) and ``nanotwin image`` (a PET/CT panel). Nothing is computed here.
"""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register", "demo_steps"]


def demo_steps(design_path: Path, out: Path, *, images: bool = True) -> list[list[str]]:
    """The command lines the demo runs, in order.

    Examples
    --------
    >>> [s[0] for s in demo_steps(Path("d.yaml"), Path("out"))]
    ['simulate', 'dose', 'image']
    """
    steps = [
        ["simulate", str(design_path), "--out", str(out / "biodistribution")],
        ["dose", str(design_path), "--out", str(out / "dosimetry" / "doses.csv")],
    ]
    if images:
        steps.append(["image", str(design_path), "--modality", "pet,ct", "--times", "1,24,48",
                      "--voxel", "0.5", "--out", str(out / "images"), "--no-dicom"])
    return steps


def register(app: typer.Typer) -> None:
    """Add ``nanotwin demo`` to the root app."""
    from nanotwin.cli import handle_errors

    @app.command("demo")
    @handle_errors
    def demo(
        out: Path = typer.Option(Path("nanotwin-demo"), "--out", "-o", help="Output folder."),
        images: bool = typer.Option(True, "--images/--no-images", help="Also make PET/CT images."),
        overwrite: bool = typer.Option(False, "--overwrite",
                                       help="Write into an existing non-empty --out folder."),
    ) -> None:
        """Run the built-in example (64Cu PEG-liposome in a tumour-bearing mouse) end to end:
        biodistribution, doses and a PET/CT panel, written to OUT."""
        import yaml
        from rich.console import Console
        from rich.rule import Rule

        from nanotwin.outputs import prepare_output_dir
        from nanotwin.pbpk import demo_design_mapping

        console = Console()
        existed = out.is_dir()
        before = set(out.iterdir()) if existed else set()
        out = prepare_output_dir(out, overwrite=overwrite)
        try:
            design_path = out / "design.yaml"
            design_path.write_text(yaml.safe_dump(demo_design_mapping(), sort_keys=False))
            console.print(f"built-in example design written to {design_path}")
            command = typer.main.get_command(app)
            for args in demo_steps(design_path, out, images=images):
                console.print(Rule(f"nanotwin {' '.join(args)}"))
                code = command.main(args=[*args, *(["--overwrite"] if overwrite else [])],
                                    prog_name="nanotwin", standalone_mode=False)
                if code:  # the step printed its one-line error
                    raise typer.Exit(code=code)
        except BaseException:
            # each step writes its own outputs only when it succeeds; a later failure also
            # removes what the demo added (what --overwrite replaced cannot come back)
            import shutil

            for p in ([out] if not existed else sorted(set(out.iterdir()) - before)):
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
            raise
        console.print(Rule())
        console.print(f"all outputs are in {out}/")
