"""Command ``nanotwin fit DESIGN MEASURED.csv``: calibrate PBPK parameters to measured data."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register", "fit_command"]


def _norm_col(c: str) -> str:
    """Column names as the measured-data reader normalises them ("Time (h)" -> "time_h")."""
    import re

    return re.sub(r"[^a-z0-9%/]+", "_", str(c).strip().lower()).strip("_")


#: Ranges of the numeric columns of a measured CSV: times up to 1e5 h (11 years) in the
#: column's unit; values, SDs and SEMs (%ID/g or %ID) up to 1e6; up to 1e5 animals.
_FIT_COLUMNS: dict[str, tuple[float | None, float | None, str]] = {
    **{f"time_{u}": (0.0, 1e5 / f, u) for u, f in (
        ("h", 1.0), ("hr", 1.0), ("hrs", 1.0), ("hours", 1.0), ("hour", 1.0),
        ("min", 1 / 60), ("minutes", 1 / 60), ("d", 24.0), ("day", 24.0), ("days", 24.0),
        ("s", 1 / 3600))},
    "time": (0.0, 1e5, "h"),
    **{c: (0.0, 1e6, "") for c in ("value", "value_pct_id_per_g", "value_pct_id",
                                    "pct_id_per_g", "pct_id", "sd", "std", "stdev", "sem")},
    "n": (0.0, 1e5, "animals"),
}


def _g(v: float) -> str:
    return "-" if v != v else f"{v:.3g}"  # NaN -> "-"


def fit_command(
    design: Path = typer.Argument(..., help="Design file (YAML/JSON)."),
    measured: Path = typer.Argument(..., help="Measured CSV: organ, time, value, unit, sd, n."),
    params: str | None = typer.Option(
        None, "--params", help="Comma-separated PBPK parameter names (default: by organs)."),
    bayes: bool = typer.Option(True, "--bayes/--no-bayes", help="Sample the posterior (emcee)."),
    walkers: int | None = typer.Option(None, "--walkers", help="emcee walkers (default 4 x k)."),
    steps: int = typer.Option(300, "--steps", help="emcee steps per walker."),
    starts: int = typer.Option(4, "--starts", help="Least-squares starts."),
    profile_points: int = typer.Option(5, "--profile-points",
                                       help="Profile-likelihood points per parameter (0: skip)."),
    out: Path = typer.Option(Path("fit_out"), "--out", help="Folder for the outputs."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    siblings: list[Path] = typer.Option(
        None, "--siblings", help="Sibling designs of the same series to predict from this pilot "
        "(study-effect transfer of the global calibration; repeat the option)."),
    overwrite: bool = typer.Option(False, "--overwrite",
                                   help="Write into an existing non-empty --out folder."),
) -> None:
    """Fit PBPK parameters to measured %ID/g or %ID; write fit_parameters.csv, fit_bands.nc,
    fit.png. With --siblings: predict the siblings of the measured pilot instead (siblings.csv).
    """
    from rich.console import Console
    from rich.table import Table

    from nanotwin.inputs import read_table
    from nanotwin.learn.calibration import fit, plot_fit
    from nanotwin.outputs import check_output_dir, output_dir

    check_output_dir(out, overwrite=overwrite)
    if siblings:
        _siblings(design, measured, siblings, out, overwrite)
        return
    # size, UTF-8, CSV structure and finite numbers in range; the fit reads the file itself
    read_table(measured, what="measured CSV", rename=_norm_col, numeric=_FIT_COLUMNS,
               optional_numeric=tuple(_FIT_COLUMNS))
    res = fit(design, measured, params, bayes=bayes, walkers=walkers, steps=steps,
              seed=seed, n_starts=starts, profile_points=profile_points)
    tab = res.table()
    with output_dir(out, overwrite=overwrite) as tmp:
        tab.to_csv(tmp / "fit_parameters.csv", index=False)
        res.bands.to_netcdf(tmp / "fit_bands.nc", engine="h5netcdf")
        plot_fit(res, tmp / "fit.png")
    table = Table(title=f"calibration of {design.name} to {measured.name}")
    for col in ("parameter", "unit", "design value", "estimate", "95 % CI (Wald)",
                "posterior 5-50-95 %", "profile"):
        table.add_column(col)
    lo, hi = res.ci95
    for j, n in enumerate(res.names):
        row = tab.iloc[j]
        post = "-"
        if "posterior_median" in tab:
            post = (f"{_g(row['posterior_p05'])} / {_g(row['posterior_median'])} / "
                    f"{_g(row['posterior_p95'])}")
        prof = str(row["identifiability"]) if "identifiability" in tab else "-"
        table.add_row(n, res.units[j], _g(res.priors[j].centre), _g(res.estimate[j]),
                      f"{_g(lo[j])} - {_g(hi[j])}", post, prof)
    con = Console()
    con.print(table)
    s = res.summary()
    lines = [f"{s['n_obs']} observations, {s['n_params']} parameters ({res.signal} signal); "
             f"chi2 {s['chi2']:.4g} (unfitted {s['chi2_initial']:.4g}); AIC {s['aic']:.4g}; "
             f"RMSE of ln y {s['rmse_ln']:.3f} (unfitted {s['rmse_ln_initial']:.3f})"]
    if res.mcmc:
        m = res.mcmc
        lines.append(f"emcee: {m['walkers']} walkers x {m['steps']} steps (burn {m['burn']}); "
                     f"acceptance {m['acceptance']:.2f}; max split R-hat {m['rhat_max']:.3f}; "
                     f"max autocorrelation time {m['tau_max_steps']:.1f} steps"
                     + ("" if m["chain_longer_than_50_tau"] else
                        " (chain shorter than 50 tau: run more --steps)"))
    if len(res.names) > 1:
        corr = res.posterior_corr if res.posterior_corr is not None else res.corr
        pairs = [(abs(corr[i, j]), res.names[i], res.names[j], corr[i, j])
                 for i in range(len(res.names)) for j in range(i + 1, len(res.names))]
        _, a, b, r = max(pairs)
        lines.append(f"largest parameter correlation: {a} ~ {b}: {r:+.2f}")
    for line in lines:
        con.print(line)
    typer.echo(f"wrote {out / 'fit_parameters.csv'}, {out / 'fit_bands.nc'}, {out / 'fit.png'}")


def _siblings(design: Path, measured: Path, siblings: list[Path], out: Path,
              overwrite: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    from nanotwin.learn.organ_data import OBS_ORGANS
    from nanotwin.learn.transfer import transfer_to_siblings
    from nanotwin.outputs import output_dir

    res = transfer_to_siblings(design, measured, list(siblings))
    with output_dir(out, overwrite=overwrite) as tmp:
        res.table.to_csv(tmp / "siblings.csv", index=False)
        res.pilot.to_csv(tmp / "pilot_residuals.csv", index=False)
    con = Console()
    eff = Table(title=f"study effect from the pilot {design.name} (log10 measured / model)")
    for col in ("organ", "effect (log10)", "x model", "SD (log10)"):
        eff.add_column(col)
    for o, e in res.effects.items():
        eff.add_row(o, f"{e['log10_effect']:+.2f}", f"{10 ** e['log10_effect']:.2f}",
                    f"{e['sd']:.2f}")
    con.print(eff)
    tab = Table(title="siblings, %ID/g: calibrated model -> with the pilot's study effect "
              "[90 % band]")
    for col in ("sibling", "organ", "time (h)", "model", "transferred", "90 % band"):
        tab.add_column(col)
    t = res.table
    sel = t[(t["unit"] == "%ID/g") & t["organ"].isin(OBS_ORGANS)]
    for r in sel.itertuples():
        tab.add_row(r.sibling, r.organ, f"{r.time_h:g}", _g(r.model), _g(r.transferred),
                    f"{_g(r.lower_5)} - {_g(r.upper_95)}")
    con.print(tab)
    typer.echo(f"wrote {out / 'siblings.csv'}, {out / 'pilot_residuals.csv'}")


def register(app: typer.Typer) -> None:
    """Add ``nanotwin fit`` to the root app."""
    from nanotwin.cli import handle_errors

    app.command("fit")(handle_errors(fit_command))
