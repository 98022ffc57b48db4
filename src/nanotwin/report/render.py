"""Figures of the report and the web app: plotly figure specs (plain JSON, drawn by plotly.js)
and PNG views of image volumes (slices and maximum-intensity projections, PET/SPECT fused over
CT), rendered with numpy and Pillow.

plotly.js is the file shipped inside the ``plotly`` Python package (:func:`plotly_js_path`); the
app serves it and the report inlines it, so no page needs the network.

Examples
--------
>>> import numpy as np
>>> vol = np.zeros((8, 6, 10), np.float32); vol[4, 3, 5] = 1.0
>>> png = view_png(vol, "coronal", None, vmax=1.0, cmap="hot")
>>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["plotly_js_path", "fig_time_activity", "fig_doses", "fig_pareto", "view_png",
           "VIEWS", "slice_count", "ORGAN_ORDER"]

#: view name -> axis of the [x, y, z] volume it looks along
VIEWS = {"coronal": 1, "sagittal": 0, "axial": 2}

#: Organs shown first in plots (the rest follow).
ORGAN_ORDER = ("tumor", "blood", "liver", "spleen", "kidney", "lung", "muscle", "bone", "heart",
               "brain", "gut", "skin", "adipose", "marrow", "rest")


def plotly_js_path() -> Path:
    """The ``plotly.min.js`` bundled with the installed plotly package."""
    import importlib.util

    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise DesignError("plotly: not installed; pip install plotly (it ships plotly.js)")
    path = Path(list(spec.submodule_search_locations)[0]) / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise DesignError(f"plotly: {path.name} missing from the plotly package; reinstall "
                          "plotly")
    return path


def _organs(names: list[str]) -> list[str]:
    first = [o for o in ORGAN_ORDER if o in names]
    return first + [o for o in names if o not in first]


def fig_time_activity(ds: Any, var: str = "pct_id_per_g", *, log: bool = True) -> dict:
    """Time-activity curves, one trace per organ (tumour, blood, liver... visible; the rest
    one click away in the legend).

    Examples
    --------
    >>> from nanotwin.results import make_result
    >>> ds = make_result({"pct_id_per_g": (("organ", "time"), [[1.0, 2.0]], "%ID/g")},
    ...                  coords={"organ": ["liver"], "time": ("time", [1.0, 2.0], "h")},
    ...                  kind="bd")
    >>> fig = fig_time_activity(ds)
    >>> fig["data"][0]["name"], fig["layout"]["yaxis"]["type"]
    ('liver', 'log')
    """
    t = [float(x) for x in ds["time"].values]
    names = [str(o) for o in ds["organ"].values]
    shown = {"tumor", "blood", "liver", "spleen", "kidney", "muscle"}
    data = []
    for o in _organs(names):
        y = np.asarray(ds[var].sel(organ=o).values, dtype=float)
        if not np.isfinite(y).any():
            continue
        yy = [float(v) if np.isfinite(v) and (v > 0 or not log) else None for v in y]
        data.append({"type": "scatter", "mode": "lines", "name": o, "x": t, "y": yy,
                     "visible": True if o in shown else "legendonly",
                     "line": {"width": 3 if o == "tumor" else 1.8},
                     "hovertemplate": f"{o}: %{{y:.3g}} {ds[var].attrs.get('units', '')}"
                                      " at %{x:g} h<extra></extra>"})
    units = ds[var].attrs.get("units", "")
    return {"data": data, "layout": {
        "title": {"text": f"time-activity curves ({units})"},
        "xaxis": {"title": {"text": "time after injection (h)"}},
        "yaxis": {"title": {"text": units}, "type": "log" if log else "linear"},
        "legend": {"orientation": "v"}, "margin": {"l": 60, "r": 10, "t": 40, "b": 50},
        "height": 420}}


def fig_doses(rows: list[dict[str, Any]], key: str = "Gy_per_GBq") -> dict:
    """Horizontal bar chart of organ doses (Gy/GBq or Gy for the activity)."""
    rows = sorted(rows, key=lambda r: r.get(key) or 0.0)
    unit = {"Gy_per_GBq": "Gy/GBq", "Gy_RBE_per_GBq": "Gy(RBE)/GBq", "Gy": "Gy",
            "Gy_RBE": "Gy(RBE)"}[key]
    return {"data": [{"type": "bar", "orientation": "h", "y": [r["organ"] for r in rows],
                      "x": [r.get(key) for r in rows],
                      "marker": {"color": ["#c0392b" if r["organ"] == "tumor" else "#2c7fb8"
                                           for r in rows]},
                      "hovertemplate": "%{y}: %{x:.3g} " + unit + "<extra></extra>"}],
            "layout": {"title": {"text": f"absorbed dose ({unit})"},
                       "xaxis": {"title": {"text": unit}},
                       "margin": {"l": 110, "r": 10, "t": 40, "b": 50},
                       "height": max(300, 22 * len(rows) + 90)}}


def fig_pareto(ds: Any, a: str, b: str) -> dict:
    """Pareto plot of a sweep: objective ``b`` (x) against ``a`` (y), points by nuclide, the
    front as a line."""
    data = []
    nuc = np.asarray(ds["nuclide"].values).astype(str)
    variables = [v for v in ("size", "zeta", "peg_density", "ligand_density") if v in ds]
    for n in np.unique(nuc):
        m = nuc == n
        text = [", ".join(f"{v} {float(ds[v].values[i]):.3g}" for v in variables)
                for i in np.flatnonzero(m)]
        data.append({"type": "scatter", "mode": "markers", "name": n or "all",
                     "x": [float(x) for x in ds[b].values[m]],
                     "y": [float(x) for x in ds[a].values[m]], "text": text,
                     "marker": {"size": 7, "opacity": 0.55},
                     "hovertemplate": "%{text}<br>" + f"{b} %{{x:.3g}}, {a} %{{y:.3g}}"
                                      "<extra></extra>"})
    if "pareto" in ds:
        pm = np.asarray(ds["pareto"].values, dtype=bool)
        order = np.argsort(ds[b].values[pm])
        data.append({"type": "scatter", "mode": "lines+markers", "name": "Pareto front",
                     "x": [float(x) for x in ds[b].values[pm][order]],
                     "y": [float(x) for x in ds[a].values[pm][order]],
                     "line": {"color": "black"}, "marker": {"color": "black", "size": 8}})
    ua, ub = ds[a].attrs.get("units", ""), ds[b].attrs.get("units", "")
    return {"data": data, "layout": {
        "title": {"text": "design sweep: Pareto front"},
        "xaxis": {"title": {"text": f"{b} [{ub}]"}}, "yaxis": {"title": {"text": f"{a} [{ua}]"}},
        "margin": {"l": 70, "r": 10, "t": 40, "b": 50}, "height": 440}}


@lru_cache(maxsize=8)
def _lut(name: str) -> np.ndarray:
    import matplotlib

    cmap = matplotlib.colormaps[name]
    return (np.asarray(cmap(np.linspace(0.0, 1.0, 256)))[:, :3] * 255).astype(np.uint8)


def slice_count(shape: tuple[int, ...], view: str) -> int:
    """Number of slices of a volume in a view."""
    return int(shape[VIEWS[view]])


def _plane(vol: np.ndarray, view: str, index: int | None) -> np.ndarray:
    if view not in VIEWS:
        raise DesignError(f"view: unknown {view!r}; use coronal, sagittal or axial")
    if vol.ndim == 2:
        img = vol
    else:
        ax = VIEWS[view]
        if index is None:
            img = vol.max(axis=ax)
        else:
            i = int(np.clip(index, 0, vol.shape[ax] - 1))
            img = np.take(vol, i, axis=ax)
    return np.flipud(img.T)  # first axis across, second (z or y) up


def _rgb(plane: np.ndarray, lo: float, hi: float, cmap: str) -> tuple[np.ndarray, np.ndarray]:
    span = hi - lo if hi > lo else 1.0
    u = np.clip((plane - lo) / span, 0.0, 1.0)
    return _lut(cmap)[(u * 255).astype(np.uint8)], u


def view_png(vol: np.ndarray, view: str, index: int | None, *, vmax: float,
             vmin: float = 0.0, cmap: str = "hot", under: np.ndarray | None = None,
             under_range: tuple[float, float] = (-1000.0, 1500.0), alpha: float = 0.75,
             spacing: tuple[float, ...] = (1.0, 1.0, 1.0), size: int = 420) -> bytes:
    """A PNG of one view (``index`` None: maximum-intensity projection) of ``vol``.

    With ``under`` (a CT volume of the same grid), ``vol`` is drawn in ``cmap`` over the CT in
    grey, with opacity growing with ``vol`` up to ``alpha`` (fused PET/CT). The image is scaled
    so that its longer side is about ``size`` pixels, keeping the voxel aspect ratio.
    """
    from PIL import Image as PILImage

    plane = _plane(np.asarray(vol, dtype=np.float32), view, index)
    rgb, u = _rgb(plane, vmin, vmax, cmap)
    if under is not None:
        base = _plane(np.asarray(under, dtype=np.float32), view, index)
        grey, _ = _rgb(base, under_range[0], under_range[1], "gray")
        a = (alpha * np.clip(u / 0.15, 0.0, 1.0))[..., None]
        rgb = (grey * (1 - a) + rgb * a).astype(np.uint8)
    h, w = plane.shape
    sp = list(spacing) + [1.0] * (3 - len(spacing))
    across, up = {"coronal": (sp[0], sp[2]), "sagittal": (sp[1], sp[2]),
                  "axial": (sp[0], sp[1])}[view]
    scale = size / max(w * across, h * up)
    im = PILImage.fromarray(rgb, "RGB").resize(
        (max(1, round(w * across * scale)), max(1, round(h * up * scale))),
        PILImage.Resampling.BILINEAR)
    buf = io.BytesIO()
    im.save(buf, format="PNG", optimize=False)
    return buf.getvalue()
