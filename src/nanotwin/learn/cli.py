"""Commands ``nanotwin validation tumor-delivery | timecourse | payload``."""

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


def register(app: typer.Typer) -> None:
    """Add the ``validation`` commands of nanotwin.learn and nanotwin.payload."""
    group = validation_group(app)
    group.command("tumor-delivery")(tumor_delivery)
    group.command("timecourse")(timecourse)
    group.command("payload")(payload)
