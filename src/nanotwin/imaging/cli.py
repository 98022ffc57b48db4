"""``nanotwin image``: simulated multimodal images, a PNG panel and a quantification table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from nanotwin.errors import DesignError

__all__ = ["register", "panel_png"]


def _floats(text: str, field: str) -> list[float]:
    try:
        vals = [float(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise DesignError(f"{field}: cannot read {text!r}; give comma-separated numbers, e.g. "
                          f"1,4,24") from None
    if not vals:
        raise DesignError(f"{field}: empty; give comma-separated numbers, e.g. 1,4,24")
    return vals


def panel_png(images: dict[tuple[str, float], Any], path: Path, ct_image: Any = None) -> Path:
    """PNG panel: one row per modality, one column per time; coronal MIPs (PET/SPECT fused over
    the CT MIP when a CT is given)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mods = sorted({m for m, _ in images})
    times = sorted({t for _, t in images})
    fig, axes = plt.subplots(len(mods), len(times), figsize=(2.2 * len(times), 3.2 * len(mods)),
                             squeeze=False)
    for i, m in enumerate(mods):
        vmax = max(float(images[(m, t)].mip(1).max()) for t in times if (m, t) in images)
        for j, t in enumerate(times):
            ax = axes[i][j]
            ax.set_axis_off()
            im = images.get((m, t))
            if im is None:
                continue
            mip = im.mip(1).T
            ext = None
            if ct_image is not None and m in ("PET", "SPECT"):
                ax.imshow(ct_image.mip(1).T, cmap="gray", origin="lower", vmin=-1000, vmax=1500)
                ax.imshow(mip, cmap="hot", origin="lower", alpha=0.6, vmin=0, vmax=vmax,
                          extent=ext)
            else:
                ax.imshow(mip, cmap="gray" if m in ("CT", "MRI") else "inferno", origin="lower",
                          vmin=float(mip.min()) if m == "CT" else 0, vmax=vmax)
            ax.set_title(f"{m} {t:g} h\n[{im.units.split(' ')[0]}]", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def register(app: typer.Typer) -> None:
    """Add the ``image`` command to the root app."""
    from nanotwin.cli import handle_errors  # here: nanotwin.cli imports this module

    @app.command("image")
    @handle_errors
    def image(
        design: Path = typer.Argument(..., help="Design YAML/JSON, or a CSV table "
                                      "organ,time_h,value[,unit] in %ID/g."),
        modality: str = typer.Option("pet,ct", help="Comma-separated: pet,spect,ct,mri,nirf,"
                                     "pa,cli,cret."),
        times: str = typer.Option("1,4,24,48", help="Times after injection (h)."),
        out: Path = typer.Option(Path("images"), help="Output folder."),
        voxel: float = typer.Option(None, help="Voxel size (mm); default 0.5 mouse, 4 human."),
        noise: bool = typer.Option(True, "--noise/--no-noise", help="Add noise."),
        seed: int = typer.Option(0, help="Random seed."),
        nuclide: str = typer.Option(None, help="Table input: radionuclide, e.g. Zr-89."),
        activity: float = typer.Option(None, help="Table input: injected activity (MBq)."),
        mass: float = typer.Option(None, help="Table input: injected particle mass (mg), for "
                                   "contrast/dye modalities."),
        dye: str = typer.Option(None, help="Table input: dye on the particle (e.g. Cy5.5), "
                                "for nirf/cret."),
        dye_fraction: float = typer.Option(None, help="Table input: dye mass fraction of the "
                                           "particle (w/w, 0-1)."),
        dicom: bool = typer.Option(True, "--dicom/--no-dicom", help="Write DICOM series too."),
        mode: str = typer.Option("fast", help="fast (image space, all modalities) or "
                                 "tomographic (PET/SPECT: projections + OSEM)."),
        overwrite: bool = typer.Option(False, "--overwrite",
                                       help="Write into an existing non-empty --out folder."),
    ) -> None:
        """Simulate what PET/SPECT/CT/MRI/optical/Cerenkov images of the design would show."""
        import csv

        import numpy as np
        from rich.console import Console
        from rich.progress import Progress
        from rich.table import Table

        from nanotwin.imaging.api import _norm_modality, best_contrast_time, prepare, quantify
        from nanotwin.imaging.api import simulate as img_simulate
        from nanotwin.imaging.maps import Agent
        from nanotwin.imaging.phantom import make_phantom
        from nanotwin.outputs import check_output_dir, output_dir

        check_output_dir(out, overwrite=overwrite)
        mods = [_norm_modality(m) for m in modality.split(",") if m.strip()]
        if mode not in ("fast", "tomographic"):
            raise DesignError(f"--mode: unknown {mode!r}; use fast or tomographic")
        ts = _floats(times, "--times")
        if design.suffix.lower() == ".csv":
            if not design.is_file():
                raise FileNotFoundError(2, "not found", str(design))
            contrast: tuple[Any, ...] = ()
            if dye is not None:
                from nanotwin.imaging.cerenkov import get_fluorophore
                from nanotwin.imaging.maps import Contrast

                if dye_fraction is None or not 0.0 < dye_fraction <= 1.0:
                    raise DesignError("--dye-fraction: give the dye mass fraction of the "
                                      "particle (w/w, 0-1), e.g. 0.01")
                fl = get_fluorophore(dye)
                contrast = (Contrast("dye", dye_fraction, name=fl.name,
                                     excitation_nm=float(np.mean(fl.absorption_nm)),
                                     emission_nm=fl.emission_nm),)
            agent = Agent(nuclide=nuclide, injected_MBq=activity, particle_mass_mg=mass,
                          contrast=contrast)
            table, agent = prepare(design, agent)
        else:
            from nanotwin import load_design

            d = load_design(design)
            table, agent = prepare(d, None, ts)
        ph = make_phantom(agent.species, voxel, agent.body_weight_g, agent.tumor_volume_mm3)
        images: dict[tuple[str, float], Any] = {}
        rows = []
        # Every image is computed before anything is written, so that a modality the design
        # cannot give (e.g. NIRF without a dye) fails with its one-line error and leaves no
        # partial output behind.
        with Progress(transient=True) as prog, output_dir(out, overwrite=overwrite) as tmp:
            task = prog.add_task("imaging", total=2 * len(mods) * len(ts))
            for m in mods:
                for t in ts:
                    images[(m, t)] = img_simulate(
                        table, m, t, agent=agent, phantom=ph, noise=noise, seed=seed,
                        mode=mode if m in ("PET", "SPECT") else "fast")
                    prog.advance(task)
            # written into a staging folder that becomes --out only when all is written
            for (m, t), im in images.items():
                stem = f"{m.lower()}_{t:g}h"
                im.to_nifti(tmp / f"{stem}.nii.gz")
                if dicom and im.array.ndim == 3:
                    im.to_dicom(tmp / f"{stem}_dicom")
                if im.array.ndim == 3:
                    for r in quantify(im, ph, agent=agent):
                        rows.append({"modality": m, "time_h": t, **r})
                prog.advance(task)
            ct_ref = next((images[k] for k in images if k[0] == "CT"), None)
            panel_png(images, tmp / "panel.png", ct_ref)
            keys = sorted({k for r in rows for k in r}, key=lambda k: (k not in (
                "modality", "time_h", "organ"), k))
            with (tmp / "quantification.csv").open("w", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=keys)
                w.writeheader()
                w.writerows(rows)
        png = out / "panel.png"
        con = Console()
        tab = Table(title=f"Tumour ROI ({agent.name}); files in {out}")
        for col in ("modality", "time (h)", "tumour mean", "units", "tumour/muscle", "CNR"):
            tab.add_column(col)
        for r in rows:
            if r["organ"] == "tumor":
                tab.add_row(r["modality"], f"{r['time_h']:g}", f"{r['mean']:.4g}", r["units"],
                            f"{r.get('ratio_to_muscle', float('nan')):.3g}",
                            f"{r.get('cnr', float('nan')):.3g}")
        con.print(tab)
        for m in mods:
            ims = [images[(m, t)] for t in ts]
            if ims[0].array.ndim == 3 and "tumor" in ph.organs:
                tb, cnr = best_contrast_time(ims, ph)
                means = [r["mean"] for r in rows if r["organ"] == "tumor" and r["modality"] == m]
                if len(ts) > 1 and np.ptp(means) == 0.0:
                    con.print(f"{m}: the image does not change with time (this design carries "
                              f"no {m} contrast agent); tumour CNR {cnr:.3g}")
                elif cnr <= 0.0:
                    con.print(f"{m}: tumour not brighter than muscle at any time (best CNR "
                              f"{cnr:.3g} at {tb:g} h)")
                else:
                    con.print(f"{m}: best tumour CNR {cnr:.3g} at {tb:g} h")
        con.print(f"panel: {png}")
