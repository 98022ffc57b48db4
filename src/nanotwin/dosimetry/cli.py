"""Commands ``nanotwin dose`` and ``nanotwin validation dosimetry``."""

from __future__ import annotations

from pathlib import Path

import typer

from nanotwin.cli import handle_errors, validation_group
from nanotwin.errors import DataError, DesignError

_TABLE_SUFFIXES = (".csv", ".parquet", ".pq", ".nc")
#: Numeric columns of a measured table: finite, within (low, high, unit). Times up to 1e5 h
#: (11 years); values and SDs (in %ID, %ID/g or MBq) up to 1e6; organ masses up to 1e5 g.
MEASURED_COLUMNS = {"time_h": (0.0, 1e5, "h"), "value": (0.0, 1e6, ""),
                    "sd": (0.0, 1e6, ""), "mass_g": (1e-9, 1e5, "g")}

@handle_errors
def dose(
    design: Path | None = typer.Argument(None, help="Design file (simulated with nanotwin)."),
    data: Path | None = typer.Option(None, "--data", help="Measured CSV: organ,time_h,value"
                                     "[,sd][,unit %ID|%ID/g|MBq][,mass_g]."),
    nuclide: str | None = typer.Option(None, "--nuclide", help="Nuclide, e.g. Lu-177."),
    phantom: str | None = typer.Option(None, "--phantom", help="adult_male, adult_female, "
                                       "mouse_25g, mouse_30g, mouse_35g."),
    activity: float | None = typer.Option(None, "--activity", help="Administered MBq."),
    tumor_mass: float | None = typer.Option(None, "--tumor-mass", help="Tumour mass (g)."),
    model: str = typer.Option("auto", "--model", help="TIA model for measured data."),
    alpha_rbe: float = typer.Option(5.0, "--alpha-rbe", help="RBE of alphas."),
    out: Path | None = typer.Option(None, "--out", help="Write the dose table to this CSV."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing --out file."),
) -> None:
    """Absorbed doses per organ (Gy/GBq) from a simulated design or measured data."""
    from rich.console import Console
    from rich.table import Table

    from nanotwin.dosimetry.doses import dose_from_result, dose_from_tia
    from nanotwin.dosimetry.tia import tia
    from nanotwin.outputs import check_output_file, output_file
    from nanotwin.physics import canonical_nuclide

    if out is not None:
        check_output_file(out, overwrite=overwrite, suffixes=_TABLE_SUFFIXES)
    if (design is None) == (data is None):
        raise DesignError("dose: give either a DESIGN file or --data MEASURED.csv (not both)")
    if data is not None:
        if not nuclide:
            raise DesignError("--nuclide: measured data need the nuclide; add --nuclide Lu-177")
        nuc = canonical_nuclide(nuclide)
        from nanotwin.inputs import read_table

        # size, UTF-8, CSV structure and finite numbers in range, one line per problem
        df = read_table(data, what="measured CSV", required=("organ", "time_h", "value"),
                        numeric=MEASURED_COLUMNS, optional_numeric=("sd", "mass_g"))
        ph = phantom or "mouse_25g"
        from nanotwin.dosimetry.phantoms import phantom_masses

        masses = phantom_masses(ph)
        tia_s: dict[str, float] = {}
        for organ, g in df.groupby("organ", sort=False):
            units = sorted(set(g["unit"])) if "unit" in g else ["%ID"]
            if len(units) > 1:
                raise DataError(f"{data.name}: organ {organ!r} mixes units "
                                f"{', '.join(map(repr, units[:3]))}; give one unit per organ")
            unit = str(units[0])
            y = g["value"].to_numpy(float)
            sd = g["sd"].to_numpy(float) if "sd" in g and g["sd"].notna().all() else None
            if unit == "%ID/g":
                m = (float(g["mass_g"].iloc[0]) if "mass_g" in g and g["mass_g"].notna().any()
                     else masses.get(str(organ)))
                if m is None:
                    raise DataError(f"{data.name}: organ {organ!r} in %ID/g needs a mass_g")
                y = y * m
                sd = None if sd is None else sd * m
                unit = "%ID"
            if unit == "MBq":
                if not activity:
                    raise DesignError("--activity: MBq data need the administered activity")
                y, sd = y / activity * 100, None if sd is None else sd / activity * 100
            elif unit != "%ID":
                raise DataError(f"{data.name}: unit {unit!r} unknown; use %ID, %ID/g or MBq")
            r = tia(g["time_h"].to_numpy(float), y, model, nuclide=nuc, sd=sd)
            tia_s[str(organ)] = r.value / 100 * 3600
        ds = dose_from_tia(nuc, tia_s, ph, tumor_mass_g=tumor_mass, alpha_rbe=alpha_rbe,
                           activity_MBq=activity)
    else:
        import nanotwin

        d = nanotwin.load_design(design)
        nuc = canonical_nuclide(nuclide or d.radiolabels[0].nuclide) if (
            nuclide or d.radiolabels) else None
        if nuc is None:
            raise DesignError("radiolabels: the design has no radiolabel; add one or --nuclide")
        result = nanotwin.simulate(d)
        species = d.subject.species
        ph = phantom or ("mouse_25g" if species == "mouse" else "adult_male")
        tm = tumor_mass
        if tm is None and d.subject.tumor is not None:
            tm = d.subject.tumor.mass or (d.subject.tumor.volume / 1000.0 * 1.03
                                          if d.subject.tumor.volume else None)
        act = activity or d.administration.injected_activity
        ds = dose_from_result(result, nuc, ph, tumor_mass_g=tm, alpha_rbe=alpha_rbe,
                              activity_MBq=act)
    table = Table(title=f"{ds.attrs['nuclide']} absorbed doses ({ph})")
    table.add_column("organ")
    table.add_column("Gy/GBq", justify="right")
    table.add_column("Gy(RBE)/GBq", justify="right")
    if "dose_Gy" in ds:
        table.add_column("Gy", justify="right")
    for i, organ in enumerate(ds.organ.values):
        row = [str(organ), f"{float(ds.dose_Gy_per_GBq[i]):.4g}",
               f"{float(ds.dose_rbe_Gy_per_GBq[i]):.4g}"]
        if "dose_Gy" in ds:
            row.append(f"{float(ds.dose_Gy[i]):.4g}")
        table.add_row(*row)
    Console().print(table)
    if out is not None:
        from nanotwin.results import export_result

        with output_file(out, overwrite=overwrite, suffixes=_TABLE_SUFFIXES) as tmp:
            export_result(ds, tmp)
        typer.echo(f"wrote {out}")


@handle_errors
def validation_dosimetry(
    out: Path | None = typer.Option(None, "--out", help="Write all comparisons to this CSV."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing --out file."),
) -> None:
    """Sphere S-values vs OLINDA, stylised-phantom photon SAFs vs Cristy–Eckerman, marrow S."""
    from rich.console import Console
    from rich.table import Table

    from nanotwin.dosimetry.validation import (
        MC_RSE_LIMIT,
        validate_cristy_eckerman,
        validate_marrow_olinda,
        validate_spheres,
        validate_stylised,
    )
    from nanotwin.outputs import check_output_file, output_file

    if out is not None:
        check_output_file(out, overwrite=overwrite)

    df = validate_spheres()
    table = Table(title="nanotwin sphere S-values vs OLINDA (shared/data/dosimetry)")
    for c in ("data set", "nuclide", "composition", "n", "max |err|", "mean |err|", "tol",
              "pass", "held out"):
        table.add_column(c)
    for (dset, nuc, comp), g in df.groupby(["dataset", "nuclide", "composition"], sort=False):
        e = g["rel_error"].abs()
        table.add_row(dset, nuc, comp, str(len(g)), f"{100 * e.max():.2f} %",
                      f"{100 * e.mean():.2f} %", f"{100 * g['tolerance'].iloc[0]:.0f} %",
                      f"{int(g['passed'].sum())}/{len(g)}", "yes" if g["held_out"].all()
                      else "no (calibration)")
    Console().print(table)
    typer.echo(f"all: {int(df['passed'].sum())}/{len(df)} within tolerance; "
               f"max |error| {100 * df['rel_error'].abs().max():.2f} %")
    st = validate_stylised()
    t2 = Table(title="stylised adult photon SAFs (1/g) vs Cristy & Eckerman ORNL/TM-8381, "
                     "source urinary-bladder contents")
    for c in ("kind", "target", "E (MeV)", "reference", "nanotwin", "error", "tol", "pass"):
        t2.add_column(c)
    for _, r in st.iterrows():
        t2.add_row(r["kind"], r["target"], f"{r['energy_MeV']:g}", f"{r['reference']:.3g}",
                   f"{r['nanotwin']:.3g}", f"{100 * r['rel_error']:+.0f} %",
                   f"{100 * r['tolerance']:.0f} %", "yes" if r["passed"] else "MISS")
    Console().print(t2)
    typer.echo(f"stylised SAFs: {int(st['passed'].sum())}/{len(st)} within tolerance")
    ce = validate_cristy_eckerman()
    t3 = Table(title="stylised adult male photon SAFs vs Cristy & Eckerman adult male (DCAL "
                     "PSAFTX66): error (Monte Carlo RSE); * = not counted (RSE > "
                     f"{MC_RSE_LIMIT:g} x tol)")
    energies = sorted(ce["energy_MeV"].unique())
    for c in ("kind", "source", "target", *(f"{e:g} MeV" for e in energies)):
        t3.add_column(c)
    for (kind, src, tgt), g in ce.groupby(["kind", "source", "target"], sort=False):
        cells = []
        for e in energies:
            r = g[g["energy_MeV"] == e].iloc[0]
            mark = "" if r["counted"] else "*"
            flag = "" if (r["passed"] or not r["counted"]) else " MISS"
            cells.append(f"{100 * r['rel_error']:+.0f} % ({100 * r['mc_rse']:.0f}){mark}{flag}")
        t3.add_row(kind, src, tgt, *cells)
    import sys

    # piped output (a log, a report) is not cut at rich's default 80 columns
    wide = Console(width=None if sys.stdout.isatty() else 140)
    wide.print(t3)
    cnt = ce[ce["counted"]]
    for kind, g in cnt.groupby("kind"):
        typer.echo(f"Cristy-Eckerman {kind}: {int(g['passed'].sum())}/{len(g)} counted rows "
                   f"within {100 * g['tolerance'].iloc[0]:.0f} %; median |error| "
                   f"{100 * g['rel_error'].abs().median():.0f} %")
    typer.echo(f"Cristy-Eckerman: {int(cnt['passed'].sum())}/{len(cnt)} counted rows within "
               f"tolerance ({len(ce) - len(cnt)} of {len(ce)} rows not counted: Monte Carlo "
               "error too large)")
    mo = validate_marrow_olinda()
    t4 = Table(title="red-marrow S-values (mGy/(MBq s)) vs OLINDA/EXM 2, ICRP-89 adult male")
    for c in ("nuclide", "source", "reference", "nanotwin", "error", "tol", "pass"):
        t4.add_column(c)
    for _, r in mo.iterrows():
        t4.add_row(r["nuclide"], r["source"], f"{r['reference']:.3g}", f"{r['nanotwin']:.3g}",
                   f"{100 * r['rel_error']:+.0f} %", f"{100 * r['tolerance']:.0f} %",
                   "yes" if r["passed"] else "MISS")
    wide.print(t4)
    for src, g in mo.groupby("source", sort=False):
        typer.echo(f"red marrow <- {src}: {int(g['passed'].sum())}/{len(g)} within 10 %")
    if out is not None:
        import pandas as pd

        with output_file(out, overwrite=overwrite) as tmp:
            pd.concat([df, st, ce, mo], ignore_index=True, sort=False).to_csv(tmp, index=False)


def register(app: typer.Typer) -> None:
    """Add ``nanotwin dose`` and ``nanotwin validation dosimetry``."""
    app.command("dose")(dose)
    validation_group(app).command("dosimetry")(validation_dosimetry)
