"""``nanotwin tumor DESIGN`` and ``nanotwin validation tumor``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

__all__ = ["register", "write_outputs", "to_dataset"]


def _parse_shape(text: str) -> tuple[int, ...]:
    from nanotwin.errors import DesignError

    try:
        shape = tuple(int(x) for x in str(text).lower().split("x"))
    except ValueError:
        raise DesignError(f"--shape: {text!r} is not like 100x50 or 40x40x20", "--shape") \
            from None
    if len(shape) not in (2, 3) or min(shape) < 2 or int(__import__("numpy").prod(shape)) > 2e5:
        raise DesignError(f"--shape: {text!r} must be 2 or 3 sizes >= 2 with at most 200000 "
                          "cells, e.g. 100x50", "--shape")
    return shape


def _nuclides(text: str | None) -> tuple[str, ...]:
    from nanotwin.physics import canonical_nuclide

    if not text:
        return ()
    return tuple(canonical_nuclide(x.strip()) for x in text.split(",") if x.strip())


def to_dataset(res: Any) -> Any:
    """The analysis as an xarray Dataset (fields over time x cell, maps, growth, endpoints)."""
    import numpy as np

    from nanotwin.results import make_result

    sol = res.solution
    ts = sol.tissue
    dv: dict[str, tuple] = {}
    for name, f in sol.fields.items():
        unit = "%ID/mL" if not name.startswith(("enc", "drug")) else "% of drug dose/mL"
        dv[name] = (("time", "cell"), f, unit, f"{name} per mL of extravascular tissue")
    dv["tumor_average"] = (("time",), sol.tumor_average(), "%ID/g",
                           "whole-tumour mean incl. tumour blood")
    dv["distance_um"] = (("cell",), ts.distance_um, "um", "distance to a perfused vessel")
    dv["necrotic"] = (("cell",), ts.necrotic.astype(int), "1", "necrotic cell")
    dv["pressure"] = (("cell",), sol.pressure, "mmHg", "interstitial fluid pressure")
    dv["volume"] = (("cell",), ts.volume, "mL", "cell volume")
    g = res.growth
    dv["V_control"] = (("growth_time",), g["V_control"], "1", "volume / initial, untreated")
    dv["V_treated"] = (("growth_time",), g["V_treated"], "1", "volume / initial, treated")
    coords: dict[str, Any] = {"time": ("time", sol.t, "h"), "cell": np.arange(ts.n_cells),
                              "growth_time": ("growth_time", g["t_h"], "h")}
    if res.micro is not None:
        m = res.micro.total
        dims = tuple(f"grid_{k}" for k in range(m.ndim))
        dv["dose_total"] = (dims, m, "Gy", f"absorbed dose of {res.micro.nuclide}")
        dv["dose_alpha"] = (dims, res.micro.maps["alpha"], "Gy", "alpha dose")
        dv["cell_weight"] = (dims, res.micro.weights, "1", "viable-cell weight")
    from nanotwin.tumor.analysis import ENDPOINT_UNITS

    attrs = {f"endpoint_{k}": float(v) for k, v in res.endpoints.items()}
    attrs.update({f"unit_{k}": ENDPOINT_UNITS.get(k, "") for k in res.endpoints})
    attrs["tissue_kind"] = ts.kind
    attrs["grid_shape"] = "x".join(str(s) for s in ts.shape)
    return make_result(dv, coords=coords, kind="tumor_transport", design=res.design,
                       attrs=attrs)


def _save(fig: Any, ax: Any, path: Path) -> Path:
    """Legend (if an axis is given), tight layout, PNG, close."""
    import matplotlib.pyplot as plt

    if ax is not None:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _figures(res: Any, out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from nanotwin.tumor.microdose import dvh
    from nanotwin.tumor.transport import penetration_profile

    sol = res.solution
    files = []
    fig, ax = plt.subplots(1, 3 if sol.tissue.kind == "network" else 1, figsize=(12, 3.6)
                           if sol.tissue.kind == "network" else (5, 3.6), squeeze=False)
    picks = [1.0, 24.0, float(sol.t[-1])]
    legend_ax = None
    if sol.tissue.kind == "network" and len(sol.tissue.shape) == 2:
        for a, tt in zip(ax[0], picks, strict=True):
            it = int(np.argmin(np.abs(sol.t - tt)))
            from matplotlib.colors import LogNorm

            m = sol.tissue.as_map(sol.particles[it]).T
            top = float(m.max()) if m.max() > 0 else 1.0
            im = a.imshow(np.clip(m, top * 1e-4, None), origin="lower", cmap="magma",
                          aspect="equal", norm=LogNorm(vmin=top * 1e-4, vmax=top))
            a.set_title(f"particles {sol.t[it]:.3g} h (%ID/mL, log)")
            a.set_xlabel("depth from rim (cells)")
            fig.colorbar(im, ax=a, shrink=0.8)
    else:
        a = ax[0][0]
        for tt in picks:
            it = int(np.argmin(np.abs(sol.t - tt)))
            a.plot(sol.tissue.distance_um if sol.tissue.kind == "krogh" else
                   np.arange(sol.tissue.n_cells), sol.particles[it], label=f"{sol.t[it]:.3g} h")
        a.set_xlabel("distance from vessel wall (um)")
        a.set_ylabel("%ID per mL")
        legend_ax = a
    files.append(_save(fig, legend_ax, out / "particle_maps.png"))
    fig, a = plt.subplots(figsize=(5, 3.6))
    top = 0.0
    for tt in picks:
        r, c = penetration_profile(sol, tt)
        top = max(top, float(np.max(c)))
        a.plot(r, c, label=f"{tt:.3g} h")
    a.set_xlabel("distance from nearest perfused vessel (um)")
    a.set_ylabel("particles (%ID/mL)")
    a.set_yscale("log")
    if top > 0:
        a.set_ylim(top * 1e-4, top * 2.0)
    files.append(_save(fig, a, out / "penetration.png"))
    if res.micro is not None:
        fig, a = plt.subplots(figsize=(5, 3.6))
        lv, v = dvh(res.micro.total, res.micro.weights)
        a.plot(lv, v, label=res.micro.nuclide)
        a.set_xlabel("absorbed dose (Gy)")
        a.set_ylabel("share of viable cells >= dose")
        files.append(_save(fig, a, out / "dvh.png"))
    g = res.growth
    fig, a = plt.subplots(figsize=(5, 3.6))
    a.plot(g["t_h"] / 24.0, g["V_control"], label="untreated")
    a.plot(g["t_h"] / 24.0, g["V_treated"], label="treated")
    a.set_yscale("log")
    a.set_xlabel("days after injection")
    a.set_ylabel("tumour volume / initial")
    files.append(_save(fig, a, out / "growth.png"))
    return files


def write_outputs(res: Any, out: Path, overwrite: bool = False) -> list[Path]:
    """Write endpoints (JSON, CSV), the fields (NetCDF) and figures into ``out``."""
    import json

    from nanotwin.outputs import prepare_output_dir
    from nanotwin.tumor.analysis import ENDPOINT_UNITS

    ds = to_dataset(res)  # compute everything before the folder is touched
    folder = prepare_output_dir(out, overwrite=overwrite)
    files = []
    ep = {k: float(v) for k, v in res.endpoints.items()}
    (folder / "endpoints.json").write_text(json.dumps(
        {"endpoints": ep, "units": {k: ENDPOINT_UNITS.get(k, "") for k in ep},
         "nuclide_comparison": res.nuclide_comparison}, indent=2, default=float))
    files.append(folder / "endpoints.json")
    lines = ["endpoint,value,unit"] + [f"{k},{v:.6g},{ENDPOINT_UNITS.get(k, '')}"
                                       for k, v in ep.items()]
    (folder / "endpoints.csv").write_text("\n".join(lines) + "\n")
    files.append(folder / "endpoints.csv")
    if res.nuclide_comparison:
        keys = list(next(iter(res.nuclide_comparison.values())))
        rows = ["nuclide," + ",".join(keys)] + [
            n + "," + ",".join(f"{m[k]:.6g}" for k in keys)
            for n, m in res.nuclide_comparison.items()]
        (folder / "nuclides.csv").write_text("\n".join(rows) + "\n")
        files.append(folder / "nuclides.csv")
    ds.to_netcdf(folder / "tumor.nc", engine="h5netcdf")
    files.append(folder / "tumor.nc")
    files += _figures(res, folder)
    return files


def register(app: typer.Typer) -> None:
    """Add ``tumor`` and ``validation tumor``."""
    from nanotwin.cli import handle_errors, validation_group

    @app.command("tumor")
    @handle_errors
    def tumor_cmd(
        design: Path = typer.Argument(..., help="Design file with subject.tumor."),
        mode: str = typer.Option("krogh", "--mode", help="krogh or network."),
        shape: str = typer.Option("100x50", "--shape", help="Network cells, e.g. 100x50 or "
                                  "40x40x20 (3-D)."),
        spacing: float = typer.Option(10.0, "--spacing", help="Network cell size (um)."),
        seed: int = typer.Option(0, "--seed", help="Seed of the random vessel network."),
        t_end: float = typer.Option(168.0, "--t-end", help="Transport time (h)."),
        species: str = typer.Option(None, "--species", help="mouse, rat or human."),
        compare: str = typer.Option(None, "--compare", help="Nuclides on the same particles, "
                                    "e.g. Lu-177,Y-90,Tb-161,Ac-225."),
        threshold: float = typer.Option(None, "--dose-threshold", help="Report the share "
                                        "of viable cells below this dose (Gy)."),
        laser_irradiance: float = typer.Option(None, "--laser", help="NIR laser irradiance "
                                               "(W/cm^2); enables photothermal therapy."),
        laser_duration: float = typer.Option(300.0, "--laser-duration", help="Laser time (s)."),
        laser_time: float = typer.Option(24.0, "--laser-at", help="Hours after injection."),
        laser_radius: float = typer.Option(0.5, "--laser-radius", help="Beam radius (cm)."),
        absorber: float = typer.Option(None, "--absorber-cm2", help="Particle absorption "
                                       "cross-section at the laser wavelength (cm^2)."),
        beam_dose: float = typer.Option(None, "--beam-dose", help="External beam dose (Gy)."),
        beam: str = typer.Option("250kVp", "--beam", help="Beam: 250kVp, keV number or a "
                                 "nuclide."),
        beam_time: float = typer.Option(24.0, "--beam-at", help="Hours after injection."),
        beam_fractions: int = typer.Option(1, "--beam-fractions", help="Equal fractions."),
        growth_model: str = typer.Option("exponential", "--growth",
                                         help="exponential or gompertz."),
        doubling: float = typer.Option(96.0, "--doubling-time", help="Tumour doubling time "
                                       "(h)."),
        out: Path = typer.Option(None, "--out", help="Folder for endpoints, NetCDF, figures."),
        overwrite: bool = typer.Option(False, "--overwrite", help="Replace files in --out."),
    ) -> None:
        """Inside the tumour: transport maps, penetration, micro-dose/DVH, TCP, regrowth."""
        from rich.console import Console
        from rich.progress import Progress
        from rich.table import Table

        from nanotwin.errors import DesignError
        from nanotwin.tumor.analysis import ENDPOINT_UNITS, ExternalBeam, analyze_tumor
        from nanotwin.tumor.response import GrowthModel
        from nanotwin.tumor.thermal import Laser

        if out is not None:
            from nanotwin.outputs import check_output_dir

            check_output_dir(out, overwrite=overwrite)
        shp = _parse_shape(shape)
        lz = Laser(laser_irradiance, laser_duration, laser_radius, start_h=laser_time) if \
            laser_irradiance is not None else None
        bm = None
        if beam_dose is not None:
            try:
                b: Any = float(beam)
            except ValueError:
                b = beam
            bm = ExternalBeam(beam_dose, b, beam_time, beam_fractions)
        if growth_model not in ("exponential", "gompertz"):
            raise DesignError("--growth: use exponential or gompertz", "--growth")
        gm = GrowthModel(model=growth_model, T_d_h=doubling)
        con = Console(stderr=True)
        with Progress(console=con, transient=True) as prog:
            task = prog.add_task("tumour transport", total=1.0)
            res = analyze_tumor(design, mode=mode, shape=shp, spacing_um=spacing, seed=seed,
                                t_end_h=t_end, species=species, laser=lz,
                                sigma_abs_cm2=absorber, beam=bm, growth=gm,
                                dose_threshold_Gy=threshold, compare=_nuclides(compare),
                                progress=lambda f: prog.update(task, completed=f))
        tab = Table(title=f"{res.design.name}: inside the tumour ({mode})")
        tab.add_column("endpoint")
        tab.add_column("value", justify="right")
        tab.add_column("unit")
        for k, v in res.endpoints.items():
            tab.add_row(k, f"{v:.4g}", ENDPOINT_UNITS.get(k, ""))
        Console().print(tab)
        if res.nuclide_comparison:
            t2 = Table(title="same particles, other nuclides (per MBq injected)")
            keys = ["mean_Gy", "cv", "D90_over_D10", "fraction_below_50pct_mean"]
            t2.add_column("nuclide")
            for k in keys:
                t2.add_column(k, justify="right")
            for n, m in res.nuclide_comparison.items():
                t2.add_row(n, *(f"{m[k]:.3g}" for k in keys))
            Console().print(t2)
        if out is not None:
            files = write_outputs(res, out, overwrite=overwrite)
            typer.echo(f"wrote {len(files)} files to {out}")

    group = validation_group(app)

    @group.command("tumor")
    @handle_errors
    def validation_tumor_cmd() -> None:
        """Tumour transport, dose and response: analytic checks and published numbers (~1 min)."""
        from rich.console import Console
        from rich.table import Table

        from nanotwin.tumor import validation as v

        con = Console()

        def show(title: str, rows: list[dict]) -> None:
            t = Table(title=title)
            for k in rows[0]:
                t.add_column(k)
            for r in rows:
                t.add_row(*(f"{x:.4g}" if isinstance(x, float) else str(x)
                            for x in r.values()))
            con.print(t)

        show("analytic checks", v.analytic_checks())
        show("whole-tumour %ID/g vs the PBPK tumour", v.pbpk_consistency())
        show("penetration", v.penetration_checks())
        nc = v.nuclide_contrast()
        show("same particles, four nuclides (network section)",
             [{"nuclide": n, **m} for n, m in nc.items()])
        show("photothermal: Hirsch et al. 2003 (820 nm, 4 W/cm^2, 5 min)", v.ptt_hirsch())
        show("dose enhancement: Bassiri et al. 2020 (Ir-192)",
             v.radiosensitization_bassiri())
        show("growth delay (analytic)", [v.growth_delay_check()])
