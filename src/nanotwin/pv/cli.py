"""``nanotwin pv …``: FAERS signal detection for nanomedicines."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``pv`` sub-app to the root app."""
    from nanotwin.cli import handle_errors  # here, not at import: nanotwin.cli imports us

    pv = typer.Typer(name="pv", no_args_is_help=True,
                     help="Pharmacovigilance: FAERS quarters, nanomedicine names, ROR/PRR/IC/"
                          "EBGM signals.")
    app.add_typer(pv, name="pv")

    @pv.command("signals")
    @handle_errors
    def signals_cmd(
        folders: list[Path] = typer.Argument(..., help="Unzipped FAERS ASCII quarter folder(s)."),
        drug: list[str] = typer.Option(None, "--drug", "-d",
                                       help="Drug(s) to report (normalised names, e.g. Doxil); "
                                            "default: every catalog nanomedicine found."),
        all_drugs: bool = typer.Option(False, "--all-drugs", help="Report every drug."),
        roles: str = typer.Option("PS,SS", help="Drug roles counted (PS,SS,I,C or 'all')."),
        thresholds: Path = typer.Option(None, "--thresholds", help="YAML overriding the "
                                        "default thresholds."),
        top: int = typer.Option(20, help="Rows shown on screen and in the plot."),
        out: Path = typer.Option(None, "--out", help="Write signals.csv, prior.json, "
                                 "summary.json and signals.png here."),
        overwrite: bool = typer.Option(False, "--overwrite", help="Replace files in --out."),
    ) -> None:
        """Score every drug-event pair of FAERS quarter(s) and list the signals."""
        import json

        from rich.console import Console
        from rich.progress import Progress
        from rich.table import Table

        from nanotwin.outputs import check_output_dir, prepare_output_dir
        from nanotwin.pv.faers import read_faers
        from nanotwin.pv.names import nanomedicine_products
        from nanotwin.pv.signals import (
            drug_event_counts,
            load_thresholds,
            plot_signals,
            signal_table,
        )

        if out is not None:
            check_output_dir(out, overwrite=overwrite)
        th = load_thresholds(thresholds)
        role_list = None if roles.strip().lower() == "all" else [
            r.strip().upper() for r in roles.split(",") if r.strip()]
        with Progress(transient=True) as prog:
            task = prog.add_task("reading FAERS", total=3)
            data = read_faers(folders)
            prog.update(task, advance=1, description="counting drug-event pairs")
            counts = drug_event_counts(data, roles=role_list)
            prog.update(task, advance=1, description="fitting the MGPS prior, scoring")
            if all_drugs:
                wanted = None
            elif drug:
                wanted = list(drug)
            else:
                present = set(counts["drug"].unique().to_list())
                wanted = [p for p in nanomedicine_products() if p in present]
                if not wanted:
                    from nanotwin.errors import DesignError

                    raise DesignError("drugs: no catalog nanomedicine in these reports; give "
                                      "--drug NAME or --all-drugs", "drugs")
            table, prior = signal_table(counts, thresholds=th, drugs=wanted)
            prog.update(task, advance=1)
        summary = {**data.summary, "pairs": int(counts.height), "prior": prior.as_dict(),
                   "signals": int(table["signal"].sum()), "pairs_reported": int(len(table)),
                   "thresholds": th.model_dump()}
        con = Console(width=160)
        s = data.summary
        con.print(f"{s['reports']} reports ({s['older_versions_dropped']} older versions and "
                  f"{s['deleted_cases_dropped']} deleted cases dropped); {counts.height} "
                  f"drug-event pairs; MGPS prior a1={prior.alpha1:.3g} b1={prior.beta1:.3g} "
                  f"a2={prior.alpha2:.3g} b2={prior.beta2:.3g} P={prior.P:.3g}")
        t = Table(title=f"Signals ({int(table['signal'].sum())} of {len(table)} pairs)")
        for c in ("drug", "pt", "n", "E", "ROR (95% CI)", "PRR", "chi2", "IC025", "EBGM",
                  "EB05", "methods"):
            t.add_column(c)
        for r in table[table["signal"]].head(top).itertuples():
            t.add_row(r.drug, r.pt, str(int(r.n11)), f"{r.E:.3g}",
                      f"{r.ror:.3g} ({r.ror_lower:.3g}-{r.ror_upper:.3g})", f"{r.prr:.3g}",
                      f"{r.chi_square:.3g}", f"{r.ic_lower:.3g}", f"{r.ebgm:.3g}",
                      f"{r.eb05:.3g}", str(int(r.n_methods)))
        con.print(t)
        if out is not None:
            d = prepare_output_dir(out, overwrite=overwrite)
            table.to_csv(d / "signals.csv", index=False)
            (d / "prior.json").write_text(json.dumps(prior.as_dict(), indent=2))
            (d / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
            if len(table):
                plot_signals(table, d / "signals.png", top=top)
            con.print(f"wrote {d}")

    @pv.command("normalise")
    @handle_errors
    def normalise_cmd(names: list[str] = typer.Argument(..., help="Drug names as reported."),
                      ) -> None:
        """Show how drug names map to catalog nanomedicines (else the name, upper case)."""
        from nanotwin.pv.names import normalise_drug_name

        for n in names:
            typer.echo(f"{n} -> {normalise_drug_name(n)}")

    @pv.command("table")
    @handle_errors
    def table_cmd(a: int = typer.Argument(..., help="reports with drug and event"),
                  b: int = typer.Argument(..., help="drug, not event"),
                  c: int = typer.Argument(..., help="event, not drug"),
                  d: int = typer.Argument(..., help="neither")) -> None:
        """ROR, PRR, chi-square and IC of one 2x2 table."""
        from nanotwin.pv import disproportionality as dp

        r = {**dp.ror(a, b, c, d), **dp.prr(a, b, c, d), **dp.information_component(a, b, c, d)}
        r["chi_square"] = dp.chi_square(a, b, c, d)
        r["E"] = dp.expected(a, b, c, d)
        for k, v in r.items():
            typer.echo(f"{k}: {float(v):.6g}")

    @pv.command("synthetic")
    @handle_errors
    def synthetic_cmd(folder: Path = typer.Argument(..., help="Folder to write."),
                      reports: int = typer.Option(10000, help="Number of cases."),
                      seed: int = typer.Option(0, help="Random seed."),
                      overwrite: bool = typer.Option(False, "--overwrite")) -> None:
        """Write a synthetic FAERS quarter (official layout, planted signals) for trials."""
        from nanotwin.outputs import prepare_output_dir
        from nanotwin.pv.synthetic import write_quarter

        if reports < 1:
            from nanotwin.errors import DesignError

            raise DesignError("--reports: must be >= 1", "reports")
        d = prepare_output_dir(folder, overwrite=overwrite, option="FOLDER")
        info = write_quarter(d, reports, seed=seed)
        typer.echo(f"wrote {info['reports']} cases to {d}: " + ", ".join(
            f"{k} {v}" for k, v in info["rows"].items()))
