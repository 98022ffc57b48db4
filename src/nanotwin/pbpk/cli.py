"""Commands ``nanotwin simulate``, ``export-sbml``, ``validation pbpk`` and ``pbpk-diagnose``."""

from __future__ import annotations

from pathlib import Path

import typer

from nanotwin.cli import handle_errors, validation_group
from nanotwin.pbpk.summary import SUMMARY_UNITS, summary


def register(app: typer.Typer) -> None:
    """Add ``simulate``, ``export-sbml`` and ``validation pbpk`` to the root app."""

    @app.command("simulate")
    @handle_errors
    def simulate_cmd(
        design: Path = typer.Argument(..., help="Design file (YAML/JSON)."),
        out: Path = typer.Option(None, "--out", help="Folder for CSV, NetCDF and PNG."),
        species: str = typer.Option(None, "--species", help="mouse, rat or human."),
        learned: bool = typer.Option(False, "--learned", help="Add the data-learned tumour "
                                     "delivery (median, 90 % interval) beside the PBPK one."),
        bands: bool = typer.Option(False, "--bands", help="Add posterior predictive bands "
                                   "(5-95 %) from the calibrated mechanism constants."),
        uncalibrated: bool = typer.Option(False, "--uncalibrated", help="Use the literature "
                                          "priors of the mechanism constants, not the "
                                          "calibrated posterior."),
        overwrite: bool = typer.Option(False, "--overwrite",
                                       help="Write into an existing non-empty --out folder."),
    ) -> None:
        """Simulate the whole-body biodistribution of a design (PBPK)."""
        import numpy as np
        from rich.console import Console
        from rich.table import Table

        from nanotwin.outputs import check_output_dir, output_dir
        from nanotwin.results import export_result
        from nanotwin.simulation import simulate  # the layer above pbpk adds --learned

        if out is not None:
            check_output_dir(out, overwrite=overwrite)
        ds = simulate(design, species=species, learned=learned,
                      mechanisms="prior" if uncalibrated else None)
        times = [1.0, 4.0, 24.0, 72.0, 168.0]
        band = None
        if bands:
            from nanotwin.population.uncertainty import posterior_bands

            band = posterior_bands(design, ds["time"].values[ds["time"].values > 0],
                                   species=species)
        tab = Table(title=f"{ds.attrs.get('design_name', design)}: %ID/g")
        tab.add_column("organ")
        for t in times:
            tab.add_column(f"{t:g} h", justify="right")
        tt = ds["time"].values
        for o in ds["organ"].values:  # linear in time (np.interp: no scipy import)
            vals = np.interp(times, tt, ds["pct_id_per_g"].sel(organ=o).values)
            if not np.all(np.isfinite(vals)):
                vals = np.interp(times, tt, ds["pct_id"].sel(organ=o).values)
                o = f"{o} (%ID)"
            tab.add_row(str(o), *(f"{v:.2f}" for v in vals))
        con = Console()
        con.print(tab)
        s = Table(title="Summary")
        s.add_column("quantity")
        s.add_column("value", justify="right")
        s.add_column("unit")
        for k, v in summary(ds).items():
            s.add_row(k, f"{v:.3g}", SUMMARY_UNITS.get(k, ""))
            if learned and k in ("DE24", "DE168", "DEmax"):
                m, lo, hi = ds["learned_delivery"].sel(endpoint=k).values
                s.add_row(f"{k} learned (90 % interval)", f"{m:.3g} ({lo:.3g}-{hi:.3g})", "%ID")
        con.print(s)
        if band is not None:
            b = Table(title=f"posterior bands at 24 h, %ID ({band.attrs['n_draws']} draws): "
                      "model uncertainty | new-study 90 % range")
            for col in ("organ", "5 %", "median", "95 %", "new study 5 %", "new study 95 %"):
                b.add_column(col, justify="right")
            for o in ("tumor", "liver", "spleen", "lung", "kidney", "heart", "blood"):
                q = band["pct_id_band"].sel(organ=o).interp(time=24.0).values
                pq = band["pct_id_predictive_band"].sel(organ=o).interp(time=24.0).values
                b.add_row(o, *(f"{v:.3g}" for v in q), *(
                    "-" if not np.isfinite(v) else f"{v:.3g}" for v in (pq[0], pq[2])))
            con.print(b)
        if out is not None:
            with output_dir(out, overwrite=overwrite) as tmp:
                export_result(ds, tmp / "biodistribution.csv")
                export_result(ds, tmp / "biodistribution.nc")
                _plot(ds, tmp / "biodistribution.png")
                if band is not None:
                    export_result(band, tmp / "bands.nc")
            con.print(f"wrote {out / 'biodistribution.csv'}, .nc and .png")

    @app.command("export-sbml")
    @handle_errors
    def export_sbml_cmd(
        design: Path = typer.Argument(..., help="Design file (YAML/JSON)."),
        out: Path = typer.Option(None, "--out", help="Output .xml (default: stdout)."),
        species: str = typer.Option(None, "--species", help="mouse, rat or human."),
        overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing --out."),
    ) -> None:
        """Write the design's PBPK model as SBML Level 3."""
        from nanotwin.outputs import check_output_file, output_file
        from nanotwin.pbpk import export_sbml

        if out is not None:
            check_output_file(out, overwrite=overwrite)
        text = export_sbml(design, species=species)
        if out is None:
            typer.echo(text)
        else:
            with output_file(out, overwrite=overwrite) as tmp:
                tmp.write_text(text, encoding="utf-8")
            typer.echo(f"wrote {out}")

    group = validation_group(app)

    @group.command("pbpk")
    @handle_errors
    def validation_pbpk(
        limit: int = typer.Option(None, "--limit", help="Only the first N Lin data sets."),
    ) -> None:
        """Lin-structure regression, physics checks and the example probes."""
        from rich.console import Console
        from rich.table import Table

        from nanotwin.pbpk.validation import example_probes, lin_regression, physics_checks

        con = Console()
        lin = lin_regression(limit=limit)
        t = Table(title=f"Lin-structure regression (Chou et al. 2023), n = {lin['n']}")
        for c in ("metric", "median |log10 pred/obs|", "within 2-fold"):
            t.add_column(c)
        labels = {"DE168": "DE168 (listed column; mostly not measured at 168 h)",
                  "timecourse": "all measured tumour time points",
                  "measured_168h": "measured points at 168 h"}
        for k in ("DE24", "DE168", "DEmax", "timecourse", "measured_168h"):
            if k in lin:
                t.add_row(labels.get(k, k), f"{lin[k]['median_abs_log10']:.3f}",
                          f"{lin[k]['within_2fold']:.0%}")
        con.print(t)
        t = Table(title="Physics checks (nanotwin mechanistic model): calibrated constants "
                  "(default) and prior constants")
        for c in ("check", "calibrated", "passed", "prior", "passed"):
            t.add_column(c)
        for r, r0 in zip(physics_checks(), physics_checks("prior"), strict=True):
            t.add_row(r["check"], r["value"], "yes" if r["passed"] else "NO", r0["value"],
                      "yes" if r0["passed"] else "NO")
        con.print(t)
        t = Table(title="Example probes: tumour uptake, predicted vs reported (%ID/g), "
                  "calibrated (default) and prior constants")
        for c in ("example", "time h", "reported", "predicted", "log10 ratio", "prior",
                  "log10 ratio"):
            t.add_column(c)
        for r, r0 in zip(example_probes(), example_probes(mechanisms="prior"), strict=True):
            t.add_row(r["example"], f"{r['time_h']:g}", f"{r['reported']:.3g}",
                      f"{r['predicted']:.3g}", f"{r['log10_ratio']:+.2f}",
                      f"{r0['predicted']:.3g}", f"{r0['log10_ratio']:+.2f}")
        con.print(t)


    @group.command("pbpk-diagnose")
    @handle_errors
    def validation_pbpk_diagnose(
        design: Path = typer.Argument(..., help="Design file (YAML/JSON)."),
        species: str = typer.Option(None, "--species", help="mouse, rat or human."),
    ) -> None:
        """Per-organ %ID, blood half-life and the tumour uptake flux terms of one design."""
        from rich.console import Console
        from rich.table import Table

        from nanotwin.pbpk.validation import tumor_uptake_breakdown

        out = tumor_uptake_breakdown(str(design), species=species)
        con = Console()
        times = out["times"]
        t = Table(title="%ID (organ blood included)")
        t.add_column("organ")
        for x in times:
            t.add_column(f"{x:g} h")
        rows = {**out["organ_pct_id"], "all blood": out["blood_total_pct_id"],
                **out["tumor_states"]}
        for o, vals in rows.items():
            t.add_row(o, *(f"{v:.3g}" for v in vals))
        con.print(t)
        half = ", ".join(f"{k} {v:.1f} h" for k, v in out["blood_t_half_h"].items())
        con.print(f"blood half-life (all blood): {half}; tumour mass "
                  f"{out['tumor_mass_g']:.3g} g")
        t = Table(title="Tumour flux terms (%ID moved)")
        for col in ("term", "0-24 h", "0-168 h"):
            t.add_column(col)
        for k, v in out["tumor_flux_pct_id"].items():
            t.add_row(k, f"{v['0-24h']:.3g}", f"{v['0-168h']:.3g}")
        con.print(t)


def _plot(ds, path: Path) -> None:  # noqa: ANN001
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    var = "activity_pct_id_per_g" if "activity_pct_id_per_g" in ds else "pct_id_per_g"
    for o in ("blood", "liver", "spleen", "kidney", "lung", "muscle", "tumor"):
        y = ds[var].sel(organ=o).values
        if y.size and (y[1:] > 0).any():
            ax.plot(ds["time"].values, y, label=o)
    ax.set_xlabel("time (h)")
    ax.set_ylabel(ds[var].attrs["units"])
    ax.set_yscale("symlog", linthresh=0.1)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
