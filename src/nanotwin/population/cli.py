"""``nanotwin trial STUDY.yaml`` and ``nanotwin optimize STUDY.yaml``."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register"]


def _table(title: str, rows: list[tuple[str, str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=title)
    t.add_column("endpoint")
    t.add_column("value", justify="right")
    for k, v in rows:
        t.add_row(k, v)
    Console().print(t)


def _fmt(v: object) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def trial(
    study: Path = typer.Argument(..., help="Study YAML (see examples/studies/lu177_trial.yaml)."),
    out: Path | None = typer.Option(None, "--out", help="Folder for trial.nc and Zarr chunks."),
    scheduler: str | None = typer.Option(None, "--scheduler",
                                         help="Address of an existing Dask scheduler."),
    n_subjects: int | None = typer.Option(None, "--n", help="Override n_subjects."),
) -> None:
    """Virtual trial: dose distributions, success fraction and PET-based dose prediction."""
    from nanotwin.population.study import load_study
    from nanotwin.population.trial import run_trial

    st = load_study(study)
    if n_subjects is not None:
        st = st.model_copy(update={"n_subjects": int(n_subjects)})
    ds = run_trial(st, out_dir=str(out) if out else None, scheduler=scheduler, progress=True)
    rows = [(k, _fmt(v)) for k, v in ds.attrs.items() if k not in ("summary", "nanotwin_kind")]
    _table(f"virtual trial: {st.name}", rows)
    if out:
        out.mkdir(parents=True, exist_ok=True)
        ds.to_netcdf(out / "trial.nc", engine="h5netcdf")
        typer.echo(f"wrote {out / 'trial.nc'}")


def optimize_cmd(
    study: Path = typer.Argument(..., help="Study YAML with a sweep section."),
    out: Path | None = typer.Option(None, "--out", help="Folder for pareto.png/csv, sweep.csv."),
    sweep_only: bool = typer.Option(False, "--sweep-only",
                                    help="Only evaluate the grid/LHS sweep (no evolution)."),
) -> None:
    """Design sweep and multi-objective optimisation; prints the Pareto front."""
    from nanotwin.population.study import load_study
    from nanotwin.population.sweep import optimize, run_sweep, write_pareto

    st = load_study(study)
    ds = run_sweep(st) if sweep_only or not st.sweep or st.sweep.generations == 0 else optimize(
        st, out_dir=str(out) if out else None)
    if out:
        out.mkdir(parents=True, exist_ok=True)
        ds.to_dataframe().to_csv(out / "sweep.csv")
        if "pareto" in ds and len(st.sweep.objectives) >= 2 and not (out / "pareto.png").exists():
            write_pareto(ds, st.sweep.objectives, str(out))
    from rich.console import Console
    from rich.table import Table

    front = ds.isel(point=ds["pareto"].values.nonzero()[0]) if "pareto" in ds else ds
    cols = list(st.sweep.variables) + ["nuclide"] + [o.endpoint for o in st.sweep.objectives]
    t = Table(title=f"{st.name}: {int(front.sizes['point'])} Pareto points of "
                    f"{int(ds.sizes['point'])} evaluated")
    for c in cols:
        t.add_column(c, justify="right")
    for i in range(front.sizes["point"]):
        t.add_row(*[_fmt(front[c].values[i].item()) for c in cols])
    Console().print(t)


def register(app: typer.Typer) -> None:
    """Add ``trial`` and ``optimize`` to the root app (wrapped by ``handle_errors``; imported
    here so that importing this module does not import the root CLI)."""
    from nanotwin.cli import handle_errors

    app.command("trial")(handle_errors(trial))
    app.command("optimize")(handle_errors(optimize_cmd))
