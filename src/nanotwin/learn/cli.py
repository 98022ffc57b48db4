"""Commands ``nanotwin validation tumor-delivery | timecourse | payload | organs``."""

from __future__ import annotations

import json

import typer

from nanotwin.cli import handle_errors, validation_group


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


@handle_errors
def tumor_delivery(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    quick: bool = typer.Option(False, "--quick", help="Only the grouped rows with tumour weight."),
) -> None:
    """Nested 5-fold CV grouped by source study for DE24, DE168, DEmax vs the median."""
    from rich.console import Console
    from rich.table import Table

    from nanotwin.learn.validation import validate_tumor_delivery

    res = validate_tumor_delivery(with_random_split=not quick, with_shipped=not quick,
                                  with_mech=not quick)
    if as_json:
        typer.echo(json.dumps(res, indent=2))
        return
    table = Table(title="Tumour delivery, log10 %ID: model vs constant median")
    for col in ("split", "target", "R² model", "R² median", "RMSE model", "RMSE median",
                "≤2-fold model", "≤2-fold median", "≤3-fold model", "≤3-fold median",
                "fold R² (mean ± sd)", "90 % band coverage"):
        table.add_column(col)
    labels = {"grouped": "grouped by study", "grouped_no_tw": "grouped, no tumour weight",
              "shipped": "shipped features, grouped",
              "grouped_mech": "grouped + PBPK DE + EB shrinkage",
              "random": "RANDOM split, RF leaf 1 (optimistic)"}
    for split in ("grouped", "grouped_mech", "grouped_no_tw", "shipped", "random"):
        for t, r in res.get(split, {}).items():
            m, b = r["model"], r["median_baseline"]
            fr = r["fold_r2_log10"]
            table.add_row(labels[split], t, f"{m['r2_log10']:.2f}", f"{b['r2_log10']:.2f}",
                          f"{m['rmse_log10']:.2f}", f"{b['rmse_log10']:.2f}",
                          _pct(m["within_2fold"]), _pct(b["within_2fold"]),
                          _pct(m["within_3fold"]), _pct(b["within_3fold"]),
                          f"{sum(fr) / len(fr):.2f} ± {r['fold_r2_sd']:.2f}",
                          "-" if r.get("coverage_90") is None else _pct(r["coverage_90"]))
    Console().print(table)
    var = Table(title="Where the variance is: between vs within source studies (log10 %ID)")
    for col in ("target", "between-study share", "study's other rows as prediction: R²",
                "≤2-fold", "rows (in multi-row studies)", "studies"):
        var.add_column(col)
    for t, v in res["study_variance"].items():
        var.add_row(t, _pct(v["between_share"]), f"{v['study_mean_r2']:.2f}",
                    _pct(v["study_mean_within_2fold"]), f"{v['n_rows']} ({v['n_rows_multi']})",
                    str(v["n_studies"]))
    Console().print(var)


@handle_errors
def timecourse(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Per-dataset fits of the tumour time courses: fraction with R² >= 0.7."""
    from rich.console import Console
    from rich.table import Table

    from nanotwin.learn.timecourse import validate_timecourse

    res = validate_timecourse()
    if as_json:
        typer.echo(json.dumps(res, indent=2))
        return
    table = Table(title=f"Tumour time courses: {res['model']}")
    table.add_column("quantity")
    table.add_column("value")
    for k, v in res.items():
        if k != "model":
            table.add_row(k, _pct(v) if isinstance(v, float) else str(v))
    Console().print(table)


@handle_errors
def payload(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    no_fit: bool = typer.Option(False, "--no-fit", help="Only the published release."),
) -> None:
    """PLA-PEG-vincristine (Shalgunov 2017): within-2-fold per formulation and dose."""
    from rich.console import Console
    from rich.table import Table

    from nanotwin.payload.shalgunov import validate_payload

    v = validate_payload(fit=not no_fit)
    if as_json:
        typer.echo(json.dumps({"table": v.table.to_dict("records"),
                               "parameters": v.parameters.to_dict("records")}, indent=2))
        return
    t1 = Table(title="Total vincristine, all organs: fraction of points within 2-fold")
    for col in ("formulation", "dose", "n", "published release", "fitted release"):
        t1.add_column(col)
    for r in v.table.itertuples():
        t1.add_row(r.formulation, r.dose, str(r.n), _pct(r.within2_published),
                   _pct(r.within2_fitted))
    t2 = Table(title="Release parameters (burst + Weibull): published (in vitro) vs fitted")
    for col in ("formulation", "parameter", "published", "fitted"):
        t2.add_column(col)
    for r in v.parameters.itertuples():
        t2.add_row(r.formulation, r.parameter, f"{r.published:.4g}", f"{r.fitted:.4g}")
    Console().print(t1)
    Console().print(t2)


def _fmt(sc: dict) -> list[str]:
    if not sc.get("n"):
        return ["-", "-", "-", "-"]
    return [f"{sc['median_abs_log10']:.2f}", _pct(sc["within_2fold"]), _pct(sc["within_3fold"]),
            f"{sc['bias_log10']:+.2f}"]


@handle_errors
def organs(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    folds: int = typer.Option(5, "--folds", min=2, max=10, help="Study-grouped folds."),
    maxiter: int = typer.Option(120, "--maxiter", min=1, max=1000,
                                help="L-BFGS iterations of each fold's calibration."),
    external_only: bool = typer.Option(False, "--external-only",
                                       help="Only the rat and human data (no refitting)."),
) -> None:
    """Organ predictions on unseen studies: study-grouped CV of the global calibration (mouse,
    200 nanoforms + tumour time courses) and the rat/human data never fitted."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from nanotwin.learn.organ_validation import external_validation

    res: dict = {}
    console = Console(stderr=True)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=console, transient=True) as prog:
        task = prog.add_task("rat and human data ...", total=None)
        res["external"] = {"calibrated": external_validation(None)["summary"],
                           "uncalibrated": external_validation("prior")["summary"]}
        if not external_only:
            from nanotwin.learn.organ_data import load_organ_data
            from nanotwin.learn.organs import cross_validate

            prog.update(task, description=f"{folds}-fold study-grouped CV (refits the "
                        "calibration in every fold) ...")
            cv = cross_validate(load_organ_data(), n_folds=folds, maxiter=maxiter,
                                progress=lambda m: prog.update(task, description=m))
            cv.pop("predictions", None)
            res["cv"] = cv
    if as_json:
        typer.echo(json.dumps(res, indent=2))
        return
    out = Console()
    if "cv" in res:
        cv = res["cv"]
        t = Table(title=f"Mouse organs, time-averaged %ID, {cv['n_folds']}-fold CV grouped by "
                  "source study: median |log10 pred/obs|, within 2-/3-fold, bias")
        t.add_column("organ")
        cols = {"calibrated": "calibrated", "loo_median": "LOO median",
                "fold_median": "fold median", "uncalibrated_bare": "uncalibrated",
                "features_ridge": "ridge, features only",
                "features_random_forest": "forest, features only"}
        cols = {k: v for k, v in cols.items() if k in cv["overall"]}
        for col in cols.values():
            t.add_column(col)
        for name, r in {**cv["per_organ"], "overall": cv["overall"]}.items():
            t.add_row(name, *(" / ".join(_fmt(r[k])) for k in cols))
        out.print(t)
        p = Table(title="Pilot transfer: one study's other nanoforms measured "
                  "(leave-one-nanoform-out, studies with >= 2)")
        for col in ("target", "n", "R² pilot", "≤2-fold pilot", "R² no pilot",
                    "≤2-fold no pilot"):
            p.add_column(col)
        for name, r in cv["pilot"].items():
            a, b = r["pilot"], r["no_pilot"]
            if not a.get("n"):
                continue
            p.add_row(name, str(a["n"]), f"{a['r2_log10']:.2f}", _pct(a["within_2fold"]),
                      f"{b['r2_log10']:.2f}", _pct(b["within_2fold"]))
        out.print(p)
        c = cv["pilot"]["DE24"].get("study_mean_of_other_units", {})
        if c.get("n"):
            out.print(f"DE24 ceiling (mean of the study's other nanoforms): R² "
                      f"{c['r2_log10']:.2f}, {_pct(c['within_2fold'])} within 2-fold")
    e = Table(title="Rat and human data never fitted: median |log10| / within 2-fold / 3-fold / "
              "bias")
    for col in ("study", "calibrated", "uncalibrated"):
        e.add_column(col)
    ext = res["external"]
    for study in ext["calibrated"]:
        cal, unc = ext["calibrated"][study], ext["uncalibrated"][study]
        e.add_row(study, " / ".join(_fmt(cal["all"])), " / ".join(_fmt(unc["all"])))
        if "range" in cal:
            rg = cal["range"]
            e.add_row("  range", f"pred {rg['predicted']:.3g} in [{rg['observed_min']:.3g}, "
                      f"{rg['observed_max']:.3g}] {rg['unit']}: {rg['inside']}",
                      f"pred {unc['range']['predicted']:.3g}")
    out.print(e)


def register(app: typer.Typer) -> None:
    """Add the ``validation`` commands of nanotwin.learn and nanotwin.payload."""
    group = validation_group(app)
    group.command("tumor-delivery")(tumor_delivery)
    group.command("timecourse")(timecourse)
    group.command("payload")(payload)
    group.command("organs")(organs)
