"""``nanotwin qc …``: specifications, release decisions, audit trail, SPC, radiopharmacy, twin."""

from __future__ import annotations

import os
from pathlib import Path

import typer

__all__ = ["register"]

_DB_HELP = "Database URL (default $NANOTWIN_QC_DB or sqlite:///nanotwin-qc.db)."


def _console():  # noqa: ANN202
    from rich.console import Console

    return Console(width=160)


def _password(prompt: str = "Password") -> str:
    pw = os.environ.get("NANOTWIN_QC_PASSWORD")
    if pw:
        return pw
    return typer.prompt(prompt, hide_input=True)


def _decision_table(decision):  # noqa: ANN001, ANN202
    from rich.table import Table

    t = Table(title=f"Batch {decision.batch_id}: {decision.status.upper()} "
                    f"(specification: {decision.specification})")
    for c in ("test", "result", "limit", "outcome", "source"):
        t.add_column(c, overflow="fold")
    for r in decision.results:
        v = "—" if r.value is None else (f"{r.value:g}" if isinstance(r.value, float)
                                         else str(r.value))
        unit = "" if r.unit in ("", "text", "passfail", "count") else f" {r.unit}"
        style = {"pass": "green", "fail": "red", "pending": "yellow"}.get(r.outcome, "")
        t.add_row(r.label, f"{r.qualifier} {v}".strip() + (unit if r.value is not None else ""),
                  r.limit,
                  f"[{style}]{r.outcome}[/]" if style else r.outcome, r.source)
    return t


def _decide(batch: Path, spec: Path | None, at: str | None, tz: str | None):  # noqa: ANN202
    """(batch, specification, decision): the spec file, else the platform's defaults."""
    from nanotwin.qc.batch import load_batch
    from nanotwin.qc.radiopharmacy import parse_time
    from nanotwin.qc.release import decide
    from nanotwin.qc.spec import default_spec, load_spec

    b = load_batch(batch, tz=tz)
    s = load_spec(spec) if spec else default_spec(
        b.platform, radiolabelled=b.radioactivity is not None)
    return b, s, decide(b, s, at=parse_time(at, tz, "--at") if at else None)


def register(app: typer.Typer) -> None:
    """Add the ``qc`` sub-app to the root app."""
    from nanotwin.cli import fail, handle_errors  # here, not at import: nanotwin.cli imports us

    qc = typer.Typer(name="qc", no_args_is_help=True,
                     help="Batch release QC: specifications, release decisions, audit trail, "
                          "control charts, radiopharmacy and the link to the twin.")
    app.add_typer(qc, name="qc")

    @qc.command("spec")
    @handle_errors
    def spec_cmd(platform: str = typer.Argument(..., help="Design platform or product class."),
                 radiolabelled: bool = typer.Option(False, "--radiolabelled"),
                 spec: Path = typer.Option(None, "--spec", help="User specification YAML.")
                 ) -> None:
        """Show a specification: every test, its limit and its source."""
        from rich.table import Table

        from nanotwin.qc.spec import default_spec, load_spec

        s = load_spec(spec) if spec else default_spec(platform, radiolabelled=radiolabelled)
        t = Table(title=f"{s.name} (class {s.product_class})")
        for c in ("attribute", "test", "limit", "source", "note"):
            t.add_column(c, overflow="fold")
        for lim in s.limits:
            t.add_row(lim.attribute, lim.label, lim.text(), lim.source, lim.note)
        con = _console()
        con.print(t)
        for k, v in s.sources.items():
            con.print(f"[bold]{k}[/]: {v}")

    @qc.command("check")
    @handle_errors
    def check_cmd(batch: Path = typer.Argument(..., help="Batch record YAML."),
                  spec: Path = typer.Option(None, "--spec", help="Specification YAML (default: "
                                            "the platform's defaults)."),
                  at: str = typer.Option(None, "--at", help="Decision time (ISO 8601 with "
                                         "offset); default now."),
                  tz: str = typer.Option(None, "--tz", help="Zone for times without offset."),
                  json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
        """Check a batch against its specification and print the release decision.

        Exit code 0: released or conditional; 1: rejected or incomplete; 2: bad input.
        """
        _, _, d = _decide(batch, spec, at, tz)
        if json_out:
            typer.echo(d.model_dump_json(indent=2))
        else:
            con = _console()
            con.print(_decision_table(d))
            for r in d.reasons:
                con.print(f"- {r}")
            if d.expiry:
                con.print(f"shelf life ends {d.expiry.isoformat()}")
        if d.status not in ("released", "conditional"):
            raise typer.Exit(code=1)

    @qc.command("release")
    @handle_errors
    def release_cmd(batch: Path = typer.Argument(..., help="Batch record YAML."),
                    user: str = typer.Option(..., "--user", help="Signing user (role qa)."),
                    reason: str = typer.Option(..., "--reason", help="Why (recorded)."),
                    spec: Path = typer.Option(None, "--spec"),
                    db: str = typer.Option(None, "--db", help=_DB_HELP),
                    at: str = typer.Option(None, "--at"),
                    tz: str = typer.Option(None, "--tz")) -> None:
        """Decide, then record the batch and the decision and sign it in the audit trail.

        The password is read from $NANOTWIN_QC_PASSWORD or asked for.
        """
        from nanotwin.qc.audit import AuditTrail

        b, s, d = _decide(batch, spec, at, tz)
        con = _console()
        con.print(_decision_table(d))
        trail = AuditTrail(db)
        try:
            out = trail.release(b.model_dump(mode="json"),
                                {**d.model_dump(mode="json"), "spec": s.model_dump(mode="json")},
                                user_id=user, password=_password(), reason=reason)
        finally:
            trail.close()
        con.print(f"{d.status}: signed '{out['meaning']}' by {out['signed_by']} at {out['ts']}; "
                  f"entry hash {out['signature_hash']}")

    @qc.command("user-add")
    @handle_errors
    def user_add_cmd(user_id: str = typer.Argument(...),
                     name: str = typer.Option(..., "--name", help="Full (printed) name."),
                     role: list[str] = typer.Option(None, "--role", help="qa, operator, admin"),
                     reason: str = typer.Option(..., "--reason"),
                     by: str = typer.Option(None, "--by", help="Existing admin/qa user."),
                     db: str = typer.Option(None, "--db", help=_DB_HELP)) -> None:
        """Add a user (the first user needs no --by). Passwords: $NANOTWIN_QC_NEW_PASSWORD /
        $NANOTWIN_QC_PASSWORD or prompts."""
        from nanotwin.qc.audit import AuditTrail

        new_pw = os.environ.get("NANOTWIN_QC_NEW_PASSWORD") or typer.prompt(
            f"Password for {user_id}", hide_input=True, confirmation_prompt=True)
        trail = AuditTrail(db)
        try:
            trail.add_user(user_id, name, new_pw, roles=list(role or []), reason=reason, by=by,
                           by_password=_password(f"Password of {by}") if by else None)
        finally:
            trail.close()
        typer.echo(f"added user {user_id} ({name})")

    @qc.command("log")
    @handle_errors
    def log_cmd(db: str = typer.Option(None, "--db", help=_DB_HELP),
                entity: str = typer.Option(None, "--entity", help="e.g. batch, decision"),
                entity_id: str = typer.Option(None, "--id")) -> None:
        """Print the audit trail (who, when, what, why, signature meaning)."""
        from rich.table import Table

        from nanotwin.qc.audit import AuditTrail

        trail = AuditTrail(db)
        try:
            rows = trail.entries(entity, entity_id)
        finally:
            trail.close()
        t = Table(title="Audit trail")
        for c in ("#", "when (UTC)", "who", "action", "what", "why", "signature", "hash"):
            t.add_column(c, overflow="fold")
        for e in rows:
            sig = f"{e.meaning} — {e.signer_name}" if e.meaning else ""
            ver = e.payload.get("version", "") if isinstance(e.payload, dict) else ""
            t.add_row(str(e.seq), e.ts, e.user_id, e.action,
                      f"{e.entity_type} {e.entity_id}{f' v{ver}' if ver else ''}", e.reason,
                      sig, e.hash[:12])
        _console().print(t)

    @qc.command("verify")
    @handle_errors
    def verify_cmd(db: str = typer.Option(None, "--db", help=_DB_HELP)) -> None:
        """Check the hash chain, head, records and users. Exit 1 if anything was altered."""
        from nanotwin.qc.audit import AuditTrail

        trail = AuditTrail(db)
        try:
            rep = trail.verify()
        finally:
            trail.close()
        if rep.ok:
            typer.echo(f"audit trail intact: {rep.entries} entries; head {rep.head_hash}")
            return
        typer.echo(f"audit trail ALTERED: {len(rep.problems)} problem(s) in {rep.entries} "
                   "entries")
        for p in rep.problems:
            typer.echo(f"- {p}")
        raise typer.Exit(code=1)

    @qc.command("trend")
    @handle_errors
    def trend_cmd(table: Path = typer.Argument(..., help="CSV: one row per batch, in "
                                               "production order, one column per attribute."),
                  attribute: str = typer.Option(..., "--attribute", "-a"),
                  lsl: float = typer.Option(None, "--lsl", help="Lower spec limit."),
                  usl: float = typer.Option(None, "--usl", help="Upper spec limit."),
                  target: float = typer.Option(None, "--target", help="CUSUM target "
                                               "(default: the mean)."),
                  out: Path = typer.Option(None, "--out"),
                  overwrite: bool = typer.Option(False, "--overwrite")) -> None:
        """Control chart (Shewhart individuals + run rules), CUSUM and capability."""
        import numpy as np
        import pandas as pd

        from nanotwin.errors import DataError
        from nanotwin.outputs import check_output_dir, prepare_output_dir
        from nanotwin.qc.spc import capability, cusum, individuals_chart

        if out is not None:
            check_output_dir(out, overwrite=overwrite)
        try:
            df = pd.read_csv(table)
        except FileNotFoundError:
            raise
        except Exception as exc:  # noqa: BLE001 - pandas raises many kinds
            raise DataError(f"{table}: not a readable CSV ({exc.__class__.__name__})") from None
        if attribute not in df.columns:
            raise DataError(f"{table}: no column {attribute!r}; columns: "
                            f"{', '.join(map(str, df.columns))}")
        x = pd.to_numeric(df[attribute], errors="coerce").to_numpy(float)
        if np.isnan(x).any():
            raise DataError(f"{table}: column {attribute!r} has non-numeric or empty values")
        ch = individuals_chart(x)
        cs = cusum(x, ch["center"] if target is None else target, ch["sigma"])
        cap = capability(x, lsl, usl) if (lsl is not None or usl is not None) else None
        con = _console()
        con.print(f"{attribute}: n={x.size}, centre {ch['center']:.4g}, sigma (MR/d2) "
                  f"{ch['sigma']:.4g}, limits {ch['lcl']:.4g}–{ch['ucl']:.4g}")
        ids = df["batch_id"].astype(str).tolist() if "batch_id" in df else \
            [str(i + 1) for i in range(x.size)]
        for rule, idx in ch["violations"].items():
            if idx:
                con.print(f"  {rule}: batches {', '.join(ids[i] for i in idx)}")
        sig = ", ".join(ids[i] for i in cs["signals"])
        con.print(f"CUSUM (k=0.5, h=5): {'signals at ' + sig if sig else 'no signal'}")
        if cap:
            con.print(f"capability: Cp {cap['cp']:.3g}, Cpk {cap['cpk']:.3g} (95 % CI "
                      f"{cap['cpk_lower']:.3g}–{cap['cpk_upper']:.3g}), Pp {cap['pp']:.3g}, "
                      f"Ppk {cap['ppk']:.3g}")
        if out is not None:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            fig, (a1, a2) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
            i = np.arange(x.size)
            a1.plot(i, x, "o-", color="k", ms=4)
            for y, st in ((ch["center"], "-"), (ch["ucl"], "--"), (ch["lcl"], "--")):
                a1.axhline(y, ls=st, color="tab:blue")
            bad = ch["out_of_control"]
            a1.plot(i[bad], x[bad], "o", color="red")
            a1.set_ylabel(attribute)
            a2.plot(i, cs["c_plus"], label="C+")
            a2.plot(i, cs["c_minus"], label="C−")
            a2.axhline(cs["H"], ls="--", color="red")
            a2.set_xticks(i, ids, rotation=90, fontsize=6)
            a2.legend()
            fig.tight_layout()
            d = prepare_output_dir(out, overwrite=overwrite)
            fig.savefig(d / f"{attribute}_chart.png", dpi=120)
            plt.close(fig)
            pd.DataFrame({"batch_id": ids, attribute: x, "moving_range": ch["moving_range"],
                          "cusum_plus": cs["c_plus"], "cusum_minus": cs["c_minus"],
                          "out_of_control": [j in bad for j in range(x.size)]}).to_csv(
                d / f"{attribute}_chart.csv", index=False)
            con.print(f"wrote {d}")

    @qc.command("twin")
    @handle_errors
    def twin_cmd(batch: Path = typer.Argument(..., help="Batch record YAML."),
                 design: Path = typer.Option(None, "--design", help="Target design (default: "
                                             "the batch record's 'design')."),
                 nodes: int = typer.Option(3, "--nodes", help="Size-distribution points."),
                 out: Path = typer.Option(None, "--out"),
                 overwrite: bool = typer.Option(False, "--overwrite")) -> None:
        """What the batch's measured size, PDI and RCP predict vs the target design."""
        from nanotwin.errors import DesignError
        from nanotwin.outputs import check_output_dir, prepare_output_dir
        from nanotwin.qc.batch import load_batch
        from nanotwin.qc.twin import dose_table, summary_table, twin_compare

        if out is not None:
            check_output_dir(out, overwrite=overwrite)
        b = load_batch(batch)
        target = design or b.design
        if target is None:
            raise DesignError("--design: give the target design (or 'design:' in the batch "
                              "record)", "design")
        from rich.progress import Progress

        with Progress(transient=True) as prog:
            prog.add_task("simulating target and batch", total=None)
            ds = twin_compare(target, b, n_nodes=nodes)
        tab = summary_table(ds)
        con = _console()
        con.print(f"batch {b.batch_id}: {ds.attrs['z_average_nm']:g} nm (target "
                  f"{ds.attrs['target_diameter_nm']:g} nm), PDI "
                  f"{'—' if ds.attrs['pdi'] < 0 else format(ds.attrs['pdi'], 'g')}"
                  + (f", RCP {100 * ds.attrs['rcp_batch']:.3g} % (target "
                     f"{100 * ds.attrs['rcp_target']:.3g} %)" if "rcp_batch" in ds.attrs
                     else ""))
        typer.echo(tab.round(4).to_string(index=False, line_width=200))
        doses = None
        if "dose_Gy_per_GBq" in ds:
            doses = dose_table(ds)
            typer.echo(doses.round(4).to_string(index=False, line_width=200))
        if out is not None:
            d = prepare_output_dir(out, overwrite=overwrite)
            tab.to_csv(d / "twin_biodistribution.csv", index=False)
            if doses is not None:
                doses.to_csv(d / "twin_dose.csv", index=False)
            ds.to_netcdf(d / "twin.nc", engine="h5netcdf")
            con.print(f"wrote {d}")

    @qc.command("activity")
    @handle_errors
    def activity_cmd(nuclide: str = typer.Argument(...),
                     activity: str = typer.Option(..., "--activity", help="At calibration."),
                     calibration: str = typer.Option(..., "--calibration",
                                                     help="ISO 8601 with offset."),
                     at: list[str] = typer.Option(..., "--at", help="Time(s) of interest."),
                     volume: str = typer.Option(None, "--volume", help="e.g. '10 mL'."),
                     tz: str = typer.Option(None, "--tz")) -> None:
        """Decay-corrected activity (and concentration) at any time, any time zone."""
        from nanotwin.physics import canonical_nuclide, half_life
        from nanotwin.qc.radiopharmacy import activity_at, hours_between, parse_time
        from nanotwin.units import to_canonical

        nuc = canonical_nuclide(nuclide)
        A = to_canonical(activity, "MBq", "--activity", allow_plain=False)
        V = None if volume is None else to_canonical(volume, "mL", "--volume", allow_plain=False)
        t0 = parse_time(calibration, tz, "--calibration")
        typer.echo(f"{nuc}: half-life {half_life(nuc):.6g} h (ICRP-107); {A:g} MBq at "
                   f"{t0.isoformat()}")
        for s in at:
            t = parse_time(s, tz, "--at")
            a = activity_at(nuc, A, t0, t)
            conc = f", {a / V:.6g} MBq/mL" if V else ""
            typer.echo(f"{t.isoformat()} ({hours_between(t0, t):+.4g} h): {a:.6g} MBq{conc}")

    @qc.command("draw")
    @handle_errors
    def draw_cmd(nuclide: str = typer.Argument(...),
                 activity: str = typer.Option(..., "--activity", help="Vial at calibration."),
                 volume: str = typer.Option(..., "--volume", help="Vial volume."),
                 calibration: str = typer.Option(..., "--calibration"),
                 inject: str = typer.Option(..., "--inject", help="Injection time."),
                 dose: str = typer.Option(..., "--dose", help="Patient activity at injection."),
                 draw_at: str = typer.Option(None, "--draw-at", help="Draw time (default: "
                                             "the injection time)."),
                 tz: str = typer.Option(None, "--tz")) -> None:
        """Volume to draw for a patient activity at the injection time."""
        from nanotwin.physics import canonical_nuclide
        from nanotwin.qc.radiopharmacy import parse_time, volume_to_draw
        from nanotwin.units import to_canonical

        plan = volume_to_draw(
            canonical_nuclide(nuclide), to_canonical(activity, "MBq", "--activity",
                                                     allow_plain=False),
            to_canonical(volume, "mL", "--volume", allow_plain=False),
            parse_time(calibration, tz, "--calibration"), parse_time(inject, tz, "--inject"),
            to_canonical(dose, "MBq", "--dose", allow_plain=False),
            draw_time=parse_time(draw_at, tz, "--draw-at") if draw_at else None)
        typer.echo(f"draw {plan.volume_mL:.4g} mL at {plan.draw_time.isoformat()} "
                   f"({plan.activity_at_draw_MBq:.5g} MBq; vial "
                   f"{plan.concentration_at_draw_MBq_per_mL:.5g} MBq/mL) -> "
                   f"{plan.activity_at_injection_MBq:.5g} MBq at "
                   f"{plan.injection_time.isoformat()}")

    @qc.command("shelf-life")
    @handle_errors
    def shelf_cmd(batch: Path = typer.Argument(..., help="Batch record with radioactivity "
                                               "and stability."),
                  spec: Path = typer.Option(None, "--spec", help="Gives the RCP limit."),
                  dose: str = typer.Option(None, "--dose", help="Patient activity."),
                  max_volume: str = typer.Option(None, "--max-volume",
                                                 help="Largest injectable volume.")) -> None:
        """Shelf life from the RCP limit (stability data, ICH Q1E) and the activity limits."""
        from nanotwin.errors import DesignError
        from nanotwin.qc.batch import load_batch
        from nanotwin.qc.radiopharmacy import shelf_life
        from nanotwin.qc.spec import load_spec
        from nanotwin.units import to_canonical

        b = load_batch(batch)
        if b.radioactivity is None:
            raise DesignError("batch: has no radioactivity section", "radioactivity")
        rcp_min = None
        if spec is not None:
            s = load_spec(spec)
            if "rcp" in s.attributes:
                rcp_min = s.limit("rcp").low
        r = b.radioactivity
        sl = shelf_life(r.nuclide, r.activity_MBq, r.volume_mL, r.calibration_time,
                        stability=b.stability if (b.stability and rcp_min is not None) else None,
                        rcp_min=rcp_min if b.stability else None,
                        patient_activity=None if dose is None else to_canonical(
                            dose, "MBq", "--dose", allow_plain=False),
                        max_draw_mL=None if max_volume is None else to_canonical(
                            max_volume, "mL", "--max-volume", allow_plain=False))
        if sl.expiry is None:
            fail("shelf life: nothing limits it; give --spec with an RCP limit (and stability "
                 "data) and/or --dose with --max-volume")
        typer.echo(f"expires {sl.expiry.isoformat()} ({sl.hours_after_calibration:.4g} h after "
                   f"calibration), limited by {sl.limited_by}")
        for k, v in (("RCP (ICH Q1E, 95 % bound)", sl.rcp_expiry),
                     ("activity", sl.activity_expiry)):
            if v is not None:
                typer.echo(f"  {k}: {v.isoformat()}")
