"""The work of a run, executed in a worker process: design -> analysis -> result files.

:func:`execute` reads the run from the database, marks it running, reports progress, and stores
the summary (what the result page shows) and the downloadable files in one transaction at the
end, so a failed run leaves no partial results. Each kind calls the same analysis as the CLI
(:mod:`nanotwin.report.analysis`).
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path
from typing import Any

from nanotwin.errors import DesignError

__all__ = ["execute", "warm_up", "IMAGE_MODALITIES"]

#: Modalities the app offers (all of nanotwin.imaging's).
IMAGE_MODALITIES = ("PET", "SPECT", "CT", "MRI", "NIRF", "PA", "CLI", "CRET")

Files = dict[str, tuple[str, bytes]]


def warm_up() -> None:
    """Import the heavy modules once per worker process (so the first run is not slower)."""
    import nanotwin.pbpk  # noqa: F401
    import nanotwin.report.analysis  # noqa: F401


def _export(ds: Any, name: str) -> bytes:
    from nanotwin.results import export_result

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / name
        export_result(ds, p)
        return p.read_bytes()


def _bd(design: Any, progress: Any) -> tuple[dict[str, Any], Files, Any]:
    from nanotwin.report import analysis as an
    from nanotwin.report.render import fig_time_activity

    progress(0.1, "simulating the biodistribution (PBPK)")
    bd = an.biodistribution(design)
    ds = bd["result"]
    summary = {"summary": bd["summary"], "summary_units": bd["summary_units"],
               "table": bd["table"], "fig": fig_time_activity(ds, "pct_id_per_g"),
               "fig_pid": fig_time_activity(ds, "pct_id"),
               "attrs": {k: str(v) for k, v in ds.attrs.items()}}
    progress(0.6, "writing CSV and NetCDF")
    files: Files = {"biodistribution.csv": ("text/csv", _export(ds, "biodistribution.csv")),
                    "biodistribution.nc": ("application/x-netcdf",
                                           _export(ds, "biodistribution.nc"))}
    return summary, files, ds


def _dose(design: Any, params: dict[str, Any], progress: Any) -> tuple[dict[str, Any], Files]:
    from nanotwin.report import analysis as an
    from nanotwin.report.render import fig_doses

    summary, files, ds = _bd(design, lambda f, m: progress(0.6 * f, m))
    progress(0.6, "computing doses (MIRD S-values)")
    d = an.doses(design, ds, phantom=params.get("phantom") or None,
                 activity_MBq=params.get("activity_MBq") or None)
    out = {k: d[k] for k in ("rows", "nuclide", "phantom", "activity_MBq", "tumor_mass_g", "mta",
                             "indices", "alpha_rbe")}
    out["fig"] = fig_doses(d["rows"])
    if d["rows"] and "Gy" in d["rows"][0]:
        out["fig_abs"] = fig_doses(d["rows"], "Gy")
    out["bd_summary"] = summary["summary"]
    files["doses.csv"] = ("text/csv", _export(d["result"], "doses.csv"))
    files["doses.nc"] = ("application/x-netcdf", _export(d["result"], "doses.nc"))
    return out, files


def _images(design: Any, params: dict[str, Any], progress: Any) -> tuple[dict[str, Any], Files]:
    import csv

    import numpy as np

    from nanotwin.imaging.cli import panel_png
    from nanotwin.report import analysis as an

    mods = params.get("modalities") or ["PET", "CT"]
    times = params.get("times_h") or [1.0, 24.0, 48.0]
    imgs = an.images(design, mods, times, voxel_mm=params.get("voxel_mm"),
                     progress=lambda f, m: progress(0.05 + 0.6 * f, f"simulating {m}"))
    progress(0.7, "writing NIfTI, DICOM and the volumes for the viewer")
    vols: dict[str, Any] = {}
    info: dict[str, Any] = {"modalities": [], "times_h": imgs.times, "units": {}, "range": {},
                            "planar": []}
    order = sorted(imgs.modalities, key=lambda m: IMAGE_MODALITIES.index(m))
    for m in order:
        ims = [imgs.images[(m, t)] for t in imgs.times if (m, t) in imgs.images]
        info["modalities"].append(m)
        info["units"][m] = ims[0].units
        if ims[0].array.ndim != 3:
            info["planar"].append(m)
        if m in ("CT",):
            info["range"][m] = [-1000.0, 1500.0]
        elif m == "MRI":
            info["range"][m] = [0.0, max(float(np.percentile(im.array, 99.5)) for im in ims)]
        else:
            info["range"][m] = [0.0, max(float(np.percentile(im.mip(1), 99.9)) for im in ims)
                                or 1.0]
        for im in ims:
            vols[f"{m}|{im.time_h:g}"] = np.asarray(im.array, dtype=np.float32)
    first = next(iter(imgs.images.values()))
    info["shape"] = list(first.array.shape)
    info["spacing_mm"] = [float(s) for s in first.spacing_mm]
    buf = io.BytesIO()
    np.savez_compressed(buf, **{k.replace("|", "__").replace(".", "p"): v
                                for k, v in vols.items()})
    info["volume_keys"] = {k: k.replace("|", "__").replace(".", "p") for k in vols}
    files: Files = {"volumes.npz": ("application/octet-stream", buf.getvalue())}
    nifti, dicom = io.BytesIO(), io.BytesIO()
    with tempfile.TemporaryDirectory() as d, \
            zipfile.ZipFile(nifti, "w", zipfile.ZIP_DEFLATED) as zn, \
            zipfile.ZipFile(dicom, "w", zipfile.ZIP_DEFLATED) as zd:
        root = Path(d)
        for (m, t), im in imgs.images.items():
            stem = f"{m.lower()}_{t:g}h"
            p = im.to_nifti(root / f"{stem}.nii.gz")
            zn.write(p, p.name)
            if im.array.ndim == 3 and params.get("dicom", True):
                for f in im.to_dicom(root / f"{stem}_dicom"):
                    zd.write(f, f"{stem}_dicom/{f.name}")
        ct = next((imgs.images[k] for k in imgs.images if k[0] == "CT"), None)
        png = panel_png(imgs.images, root / "panel.png", ct)
        files["panel.png"] = ("image/png", png.read_bytes())
    files["images_nifti.zip"] = ("application/zip", nifti.getvalue())
    if params.get("dicom", True):
        files["images_dicom.zip"] = ("application/zip", dicom.getvalue())
    rows = imgs.quantification
    if rows:
        keys = sorted({k for r in rows for k in r}, key=lambda k: (
            k not in ("modality", "time_h", "organ"), k))
        text = io.StringIO()
        w = csv.DictWriter(text, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)
        files["quantification.csv"] = ("text/csv", text.getvalue().encode())
    info["tumor"] = [{k: (float(v) if isinstance(v, float | np.floating) else v)
                      for k, v in r.items()} for r in rows if r["organ"] == "tumor"]
    return info, files


def _sweep(mapping: dict[str, Any], params: dict[str, Any], progress: Any,
           ) -> tuple[dict[str, Any], Files]:
    import numpy as np

    from nanotwin.report import analysis as an
    from nanotwin.report.render import fig_pareto

    progress(0.1, "simulating the design points (batched PBPK)")
    ds = an.sweep(mapping, params)
    objs = params.get("objectives") or []
    out: dict[str, Any] = {"n_points": int(ds.sizes["point"]),
                           "variables": list(params.get("variables", {}))}
    if len(objs) >= 2:
        a, b = objs[0]["endpoint"], objs[1]["endpoint"]
        out["fig"] = fig_pareto(ds, a, b)
    cols = [*out["variables"], "nuclide", *[o["endpoint"] for o in objs]]
    front = np.flatnonzero(ds["pareto"].values) if "pareto" in ds else np.arange(0)
    out["columns"] = cols
    out["units"] = {c: ds[c].attrs.get("units", "") for c in cols if c in ds}
    out["front"] = [{c: (ds[c].values[i].item()) for c in cols if c in ds} for i in front]
    files: Files = {"sweep.csv": ("text/csv", ds.to_dataframe().to_csv().encode())}
    if "pareto" in ds:
        files["pareto.csv"] = ("text/csv",
                               ds.isel(point=front).to_dataframe().to_csv().encode())
    return out, files


def _report(mapping: dict[str, Any], source: str, params: dict[str, Any], progress: Any,
            ) -> tuple[dict[str, Any], Files]:
    from nanotwin.report import build_report

    html = build_report(mapping, modalities=params.get("modalities") or None,
                        times_h=params.get("times_h") or (1.0, 24.0, 48.0),
                        checks=params.get("checks", True), progress=progress,
                        source_text=source)
    return {"size_bytes": len(html.encode())}, {
        "report.html": ("text/html", html.encode("utf-8"))}


def execute(db_path: str, run_id: str) -> str:
    """Run one queued run to completion (called in a worker process). Returns its status."""
    from nanotwin.report.analysis import quiet_design
    from nanotwin.web.store import Store
    from nanotwin.web.uploads import parse_design_text

    store = Store(db_path)
    run = store.get_run(run_id)
    if run is None or run["status"] != "queued":
        return run["status"] if run else "missing"
    store.mark_running(run_id)
    last = [0.0]

    def progress(fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - last[0] > 0.25:
            last[0] = now
            store.set_progress(run_id, fraction, message)

    try:
        mapping = parse_design_text(run["design_source"], "design.yaml")
        design, _ = quiet_design(mapping)
        kind, params = run["kind"], run["params"]
        if kind == "biodistribution":
            summary, files, _ = _bd(design, progress)
        elif kind == "dose":
            summary, files = _dose(design, params, progress)
        elif kind == "images":
            summary, files = _images(design, params, progress)
        elif kind == "sweep":
            summary, files = _sweep(mapping, params, progress)
        elif kind == "report":
            summary, files = _report(mapping, run["design_source"], params, progress)
        else:
            raise DesignError(f"run kind {kind!r} unknown")
        files["design.yaml"] = ("application/yaml", run["design_source"].encode("utf-8"))
        store.finish(run_id, summary, files)
        return "done"
    except DesignError as exc:
        store.fail(run_id, str(exc))
        return "failed"
    except Exception as exc:  # a bug: say so plainly, keep the traceback in the server log
        traceback.print_exc(file=sys.stderr)
        store.fail(run_id, f"internal error ({type(exc).__name__}: {exc}); this is a nanotwin "
                   "bug, please report it with the design")
        return "failed"
