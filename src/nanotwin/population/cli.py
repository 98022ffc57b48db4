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
    overwrite: bool = typer.Option(False, "--overwrite",
                                   help="Write into an existing non-empty --out folder."),
) -> None:
    """Virtual trial: dose distributions, success fraction and PET-based dose prediction."""
    from nanotwin.outputs import check_output_dir, output_dir
    from nanotwin.population.study import load_study
    from nanotwin.population.trial import run_trial

    if out is not None:
        check_output_dir(out, overwrite=overwrite)
    st = load_study(study)
    if n_subjects is not None:
        st = st.model_copy(update={"n_subjects": int(n_subjects)})
    target, replace = out, overwrite
    if out is None and st.run.zarr:
        # run.zarr without --out writes the stores beside the study: the same policy, per store
        target, replace = _zarr_target(st, overwrite), True
    if target is None:
        ds = run_trial(st, scheduler=scheduler, progress=True)
    else:
        # the Zarr chunks are written as they are computed: into a hidden staging folder that
        # is moved to its place only when the whole trial has succeeded
        with output_dir(target, overwrite=replace) as tmp:
            ds = run_trial(st, out_dir=str(tmp), scheduler=scheduler, progress=True)
            if out is not None:
                ds.to_netcdf(tmp / "trial.nc", engine="h5netcdf")
    rows = [(k, _fmt(v)) for k, v in ds.attrs.items() if k not in ("summary", "nanotwin_kind")]
    _table(f"virtual trial: {st.name}", rows)
    if out is not None:
        typer.echo(f"wrote {out / 'trial.nc'}")


def _zarr_target(st: object, overwrite: bool) -> Path:
    """The study folder as output of ``run.zarr`` (stores ``<zarr stem>_<label>.zarr``);
    refuses to replace existing stores of that name without ``--overwrite``."""
    from nanotwin.errors import DesignError

    base = Path(st.base_dir)  # type: ignore[attr-defined]
    stem = Path(st.run.zarr).stem  # type: ignore[attr-defined]
    old = sorted(base.glob(f"{stem}_*.zarr")) if base.is_dir() else []
    if old and not overwrite:
        raise DesignError(f"run.zarr: {old[0]} exists; remove it, choose another run.zarr or "
                          "add --overwrite to replace it", "run.zarr")
    return base


def optimize_cmd(
    study: Path = typer.Argument(..., help="Study YAML with a sweep section."),
    out: Path | None = typer.Option(None, "--out", help="Folder for pareto.png/csv, sweep.csv."),
    sweep_only: bool = typer.Option(False, "--sweep-only",
                                    help="Only evaluate the grid/LHS sweep (no evolution)."),
    overwrite: bool = typer.Option(False, "--overwrite",
                                   help="Write into an existing non-empty --out folder."),
) -> None:
    """Design sweep and multi-objective optimisation; prints the Pareto front."""
    from nanotwin.outputs import check_output_dir, output_dir
    from nanotwin.population.study import load_study
    from nanotwin.population.sweep import optimize, run_sweep, write_pareto

    if out is not None:
        check_output_dir(out, overwrite=overwrite)
    st = load_study(study)
    ds = run_sweep(st) if sweep_only or not st.sweep or st.sweep.generations == 0 else optimize(
        st)
    if out is not None:
        with output_dir(out, overwrite=overwrite) as tmp:
            ds.to_dataframe().to_csv(tmp / "sweep.csv")
            if "pareto" in ds and len(st.sweep.objectives) >= 2:
                write_pareto(ds, st.sweep.objectives, str(tmp))
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
