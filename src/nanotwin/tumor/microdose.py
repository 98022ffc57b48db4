"""Micro-scale absorbed dose in tumour tissue: dose point kernels convolved with the time-integrated
activity of the transport model; dose-volume histograms and the share of cells below a dose.

Kernels: the radial dose point kernels of :mod:`nanotwin.physics.dose_point_kernel` (the one
place for them in nanotwin: ICRP-107 alpha, beta, conversion/Auger electron and photon
emissions; alpha-recoil nuclei local), per component, with the chain members decaying at the
parent's site (``progeny=True``; for Ac-225 this neglects the recoil escape of daughters, e.g.
Bi-213: approximate).

Geometry (this module):

* 2-D sections (the Krogh cylinder, a 2-D vessel network) are prisms along the vessel axis:
  a pixel is a column of uniform activity, and its dose to another pixel is the line kernel
  ``W(rho) = h^2 int K(sqrt(rho^2 + z^2)) dz = 2 h^2 int_0^inf K(rho cosh u) rho cosh u du``
  (Gy cm^3 per decay), averaged over the source and target pixels (quasi-random pairs) for the
  nearest offsets. 3-D networks use ``h^3 K`` averaged over voxel pairs, with the self voxel
  from the energy inside the sphere of the voxel's volume.
* The section is tiled periodically (an interior sample of the tumour), convolved by FFT
  (``scipy.signal``-free: ``numpy.fft`` on the periodic grid) within a cut-off radius
  ``r_cut``; the energy that charged particles deposit beyond ``r_cut`` and all photon energy
  are spread uniformly, with the totals set by the absorbed energy of a sphere of the tumour's
  mass (:func:`nanotwin.dosimetry.svalues.absorbed_energy_per_decay`, the MIRD sphere model of
  :mod:`nanotwin.dosimetry`); where the near field alone exceeds that (a small tumour) the
  kernel is scaled down to it. So the mean of the map equals the MIRD whole-tumour dose of the
  same activity while the map keeps the near-field structure; cells near the tumour surface
  receive less crossfire than this interior sample shows (not modelled).
* Activity in the blood of perfused vessels (the lumen of the Krogh cylinder; the vessel cells
  of a network) is part of the source.

Cumulated decays per cell: ``TIA (%IA h per mL) / 100 x A0 x 3600`` with the injected activity
``A0`` (Bq, decay-corrected to injection from ``calibration_time``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["MicroDose", "micro_dose", "dose_map", "line_kernel", "dvh", "fraction_below",
           "heterogeneity", "compare_nuclides", "cells_to_grid", "CHARGED", "MEV_CM3_TO_GY"]

#: MeV per cm^3 of unit-density tissue -> Gy (1.602176634e-13 J/MeV / 1e-3 kg/cm^3).
MEV_CM3_TO_GY = 1.602176634e-10
#: Components convolved with a kernel; photons (and the far field) are spread uniformly.
CHARGED = ("alpha", "electron")
_R_TABLE = np.geomspace(1e-6, 3.0, 900)  # cm
_N_PAIRS = 4096


@lru_cache(maxsize=64)
def _kernel_table(nuclide: str, component: str, progeny: bool) -> tuple[np.ndarray, np.ndarray]:
    from nanotwin.physics.dose_point_kernel import dose_point_kernel

    k = dose_point_kernel(nuclide, _R_TABLE, components=(component,), progeny=progeny)
    return _R_TABLE, np.asarray(k, dtype=float)


def _K(r: np.ndarray, table: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Dose point kernel (Gy/decay) at r (cm) by log-log interpolation; 0 beyond the range."""
    rt, kt = table
    pos = kt > 0
    if not pos.any():
        return np.zeros_like(r)
    r_max = rt[pos].max()
    lr = np.log(np.clip(r, rt[0], rt[-1]))
    out = np.exp(np.interp(lr, np.log(rt[pos]), np.log(kt[pos])))
    return np.where(r <= r_max, out, 0.0)


@lru_cache(maxsize=64)
def _line_table(nuclide: str, component: str, progeny: bool) -> tuple[np.ndarray, np.ndarray]:
    """``int K(sqrt(rho^2+z^2)) dz`` (Gy cm per decay) on a log grid of rho."""
    table = _kernel_table(nuclide, component, progeny)
    rho = np.geomspace(1e-7, 3.0, 400)
    u = np.linspace(0.0, 1.0, 2001) ** 2 * 20.0  # dense near u = 0
    rr = rho[:, None] * np.cosh(u[None, :])
    f = _K(np.minimum(rr, 10.0), table) * rr
    return rho, 2.0 * np.trapezoid(f, u, axis=1)


def _line(rho: np.ndarray, nuclide: str, component: str, progeny: bool) -> np.ndarray:
    rt, wt = _line_table(nuclide, component, progeny)
    pos = wt > 0
    if not pos.any():
        return np.zeros_like(rho)
    lr = np.log(np.clip(rho, rt[0], rt[-1]))
    out = np.exp(np.interp(lr, np.log(rt[pos]), np.log(wt[pos])))
    return np.where(rho <= rt[pos].max(), out, 0.0)


@lru_cache(maxsize=4)
def _pair_offsets(dim: int) -> np.ndarray:
    """Quasi-random differences ``u - v`` of two uniform points in unit cells (Sobol)."""
    from scipy.stats import qmc

    s = qmc.Sobol(d=2 * dim, scramble=True, seed=12345).random(_N_PAIRS)
    return s[:, :dim] - s[:, dim:]


def line_kernel(nuclide: str, component: str, spacing_cm: float, shape: tuple[int, ...],
                r_cut_cm: float, progeny: bool = True, near: int = 2) -> np.ndarray:
    """Periodically wrapped 2-D (line) or 3-D (point) kernel on a grid (Gy cm^3 per decay).

    Entry ``[i, j(, k)]`` is the dose to a cell at offset ``(i, j, k)`` (modulo the grid) per
    decay per cm^3 of a source cell, summed over all periodic images within ``r_cut_cm``.

    Examples
    --------
    >>> W = line_kernel("Lu-177", "electron", 2e-4, (20, 20), 0.01)
    >>> W.shape, bool(W[0, 0] > W[5, 5] > 0)
    ((20, 20), True)
    """
    dim = len(shape)
    h = float(spacing_cm)
    n_img = [int(math.ceil(r_cut_cm / h)) for _ in shape]
    axes = [np.arange(-m, m + 1) for m in n_img]
    grids = np.meshgrid(*axes, indexing="ij")
    offs = np.stack([g.ravel() for g in grids], axis=1)
    rho = np.sqrt((offs.astype(float) ** 2).sum(axis=1)) * h
    keep = rho <= r_cut_cm + h
    offs, rho = offs[keep], rho[keep]
    if dim == 2:
        vals = h**2 * _line(rho, nuclide, component, progeny)
    else:
        table = _kernel_table(nuclide, component, progeny)
        vals = h**3 * _K(rho, table)
    # pair-averaged values for the nearest offsets
    w = _pair_offsets(dim)
    near_mask = np.max(np.abs(offs), axis=1) <= near
    for idx in np.flatnonzero(near_mask):
        d = offs[idx]
        r = np.sqrt(((d[None, :] + w) ** 2).sum(axis=1)) * h
        if dim == 2:
            vals[idx] = h**2 * float(np.mean(_line(r, nuclide, component, progeny)))
        elif np.any(d != 0):
            vals[idx] = h**3 * float(np.mean(_K(r, _kernel_table(nuclide, component,
                                                                    progeny))))
        else:
            from nanotwin.physics.dose_point_kernel import energy_within

            r_eq = (3.0 / (4.0 * math.pi)) ** (1.0 / 3.0) * h
            vals[idx] = float(energy_within(nuclide, [r_eq], components=(component,),
                                            progeny=progeny)[0]) * MEV_CM3_TO_GY
    W = np.zeros(shape)
    wrapped = tuple(offs[:, a] % shape[a] for a in range(dim))
    np.add.at(W, wrapped, vals)
    return W


def _sphere_energy(nuclide: str, mass_g: float, progeny: bool) -> dict[str, float]:
    """Absorbed energy per (parent) decay in a sphere of the tumour mass, MeV, by component."""
    from nanotwin.dosimetry.svalues import absorbed_energy_per_decay
    from nanotwin.physics import canonical_nuclide, chain_branching

    nuc = canonical_nuclide(nuclide)
    members = chain_branching(nuc) if progeny else {nuc: 1.0}
    out = {"alpha": 0.0, "electron": 0.0, "photon": 0.0, "recoil": 0.0}
    for m, frac in members.items():
        try:
            e = dict(absorbed_energy_per_decay(m, max(mass_g, 1e-6), density_g_cm3=1.0))
        except DesignError:  # stable end of chain
            continue
        out["alpha"] += frac * e.get("alpha", 0.0)
        out["recoil"] += frac * e.get("alpha_recoil", 0.0)
        out["electron"] += frac * (e.get("beta-", 0.0) + e.get("beta+", 0.0)
                                   + e.get("electron", 0.0))
        out["photon"] += frac * e.get("photon", 0.0)
    return out


def dose_map(decays_per_cm3: Any, nuclide: str, spacing_cm: float, tumor_mass_g: float, *,
             r_cut_cm: float | None = None, progeny: bool = True) -> dict[str, np.ndarray]:
    """Absorbed dose (Gy) on a periodic 2-D or 3-D grid of cumulated decays per cm^3.

    Returns ``{"alpha", "electron", "photon", "recoil", "total"}`` maps (module docstring).

    Examples
    --------
    >>> a = np.ones((16, 16)) * 1e9          # uniform: the map is flat at the MIRD mean
    >>> d = dose_map(a, "Lu-177", 5e-4, 0.2)
    >>> bool(np.ptp(d["total"]) < 1e-6 * d["total"].mean())
    True
    """
    from nanotwin.physics import canonical_nuclide

    a = np.asarray(decays_per_cm3, dtype=float)
    if a.ndim not in (2, 3) or np.any(~np.isfinite(a)) or np.any(a < 0):
        raise DesignError("decays_per_cm3: give a 2-D or 3-D grid of finite cumulated decays "
                          ">= 0", "decays_per_cm3")
    nuc = canonical_nuclide(nuclide)
    h = float(spacing_cm)
    if r_cut_cm is None:
        r_cut_cm = 0.2 if a.ndim == 2 else 0.03
    E_sph = _sphere_energy(nuc, tumor_mass_g, progeny)
    mean_a = float(a.mean())
    A = np.fft.rfftn(a)
    out: dict[str, np.ndarray] = {}
    for comp in CHARGED:
        if E_sph[comp] <= 0 and _kernel_table(nuc, comp, progeny)[1].max() <= 0:
            out[comp] = np.zeros_like(a)
            continue
        W = line_kernel(nuc, comp, h, a.shape, r_cut_cm, progeny)
        target = E_sph[comp] * MEV_CM3_TO_GY
        if W.sum() > target > 0:  # a small tumour: part of the near field escapes it
            W = W * (target / W.sum())
        near = np.fft.irfftn(A * np.fft.rfftn(W), s=a.shape, axes=tuple(range(a.ndim)))
        # far field + escape: uniform, so that the mean is the sphere's absorbed energy
        rest = max(target - float(W.sum()), 0.0)
        out[comp] = np.maximum(near, 0.0) + mean_a * rest
    out["recoil"] = a * E_sph["recoil"] * MEV_CM3_TO_GY
    out["photon"] = np.full_like(a, mean_a * E_sph["photon"] * MEV_CM3_TO_GY)
    out["total"] = out["alpha"] + out["electron"] + out["recoil"] + out["photon"]
    return out


@dataclass(frozen=True)
class MicroDose:
    """Micro-scale dose of a tumour solution.

    Attributes
    ----------
    nuclide
        The radionuclide.
    maps
        ``component -> dose (Gy)`` on the dosimetry grid (:attr:`grid_shape`).
    weights
        Viable-cell weight of each grid cell (0 for necrosis and vessel lumen).
    distance_um
        Distance of each grid cell from the nearest perfused vessel wall (um; < 0 in a lumen).
    spacing_um
        Grid spacing.
    decays_per_cm3
        Cumulated decays per cm^3 on the grid.
    meta
        Activity and mean values.
    """

    nuclide: str
    maps: dict
    weights: np.ndarray
    distance_um: np.ndarray
    spacing_um: float
    decays_per_cm3: np.ndarray
    meta: dict = field(default_factory=dict)

    @property
    def total(self) -> np.ndarray:
        """Total absorbed dose (Gy)."""
        return self.maps["total"]

    def mean(self, component: str = "total") -> float:
        """Viable-cell-weighted mean dose (Gy)."""
        return float(np.sum(self.maps[component] * self.weights) / np.sum(self.weights))


def _activity_A0_Bq(design: Any, tp: Any) -> float:
    A = tp.injected_MBq
    if A is None and design is not None:
        A = design.administration.injected_activity
    if A is None:
        raise DesignError("administration.injected_activity: needed for absorbed doses; give "
                          "e.g. '10 MBq'", "administration.injected_activity")
    t_cal = float(design.administration.calibration_time) if design is not None else 0.0
    return float(A) * 1e6 * math.exp(tp.lambda_phys * t_cal)


def _tia_for(sol: Any, nuclide: str | None) -> tuple[np.ndarray, float]:
    """TIA (%IA h/mL) of tissue cells and of blood, for the solution's or another nuclide."""
    from nanotwin.physics import half_life

    tp = sol.params
    lam = tp.lambda_phys if nuclide is None else math.log(2.0) / half_life(nuclide)
    k = tp.k_det + lam
    decay = tp.f_rcp * np.exp(-k * sol.t)
    a = sol.particles * decay[:, None]
    tia = np.trapezoid(a, sol.t, axis=0) + (a[-1] / k if k > 0 else 0.0)
    tb = decay * sol.plasma.curve(sol.t, "C_blood")
    tia_b = float(np.trapezoid(tb, sol.t) + (tb[-1] / k if k > 0 else 0.0))
    return np.asarray(tia), tia_b


def _grid_of(sol: Any, tia_cells: np.ndarray, tia_blood: float, pixel_um: float | None,
             add_blood: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Map TIA to the dosimetry grid: (tia grid, weights, distance, spacing_cm)."""
    ts = sol.tissue
    if ts.kind == "krogh":
        e = ts.meta["edges_cm"]
        r_v, R = float(e[0]), float(e[-1])
        h = (pixel_um * 1e-4) if pixel_um else min(2e-4, (R - r_v) / 10.0)
        side = math.sqrt(math.pi) * R  # square of the cylinder's area
        n = max(8, int(round(side / h)))
        h = side / n
        c = (np.arange(n) + 0.5) * h - side / 2
        X, Y = np.meshgrid(c, c, indexing="ij")
        r = np.sqrt(X**2 + Y**2)
        rc = ts.coords[:, 0]
        tia = np.interp(np.clip(r, rc[0], rc[-1]), rc, tia_cells)
        lumen = r < r_v
        tia = np.where(lumen, tia_blood, tia)
        w = (~lumen).astype(float)
        return tia, w, (r - r_v) / 1e-4, h
    if ts.kind == "network":
        h = ts.spacing_cm
        vessel = ts.vessel_area > 0
        frac = min(1.0, math.pi * (ts.meta["r_vessel_um"] * 1e-4) ** 2 / h**2)
        tia = tia_cells + (np.where(vessel, frac * tia_blood, 0.0) if add_blood else 0.0)
        w = ts.volume * (~ts.necrotic)
        dist = np.where(vessel, -1.0, ts.distance_um)
        return ts.as_map(tia), ts.as_map(w), ts.as_map(dist), h
    raise DesignError(f"tissue kind {ts.kind!r} has no dosimetry grid", "tissue")


def cells_to_grid(sol: Any, values: Any, lumen_value: float = 0.0,
                  pixel_um: float | None = None) -> np.ndarray:
    """Cell values of a solution on its dosimetry grid (Krogh: the square lattice map; network:
    the grid itself); vessel lumen pixels of a Krogh map get ``lumen_value``."""
    v = np.asarray(values, dtype=float)
    g, _, _, _ = _grid_of(sol, v, lumen_value, pixel_um, add_blood=False)
    return g


def micro_dose(sol: Any, design: Any = None, *, nuclide: str | None = None,
               injected_MBq: float | None = None, pixel_um: float | None = None,
               r_cut_cm: float | None = None, progeny: bool = True) -> MicroDose:
    """Micro-scale dose of a :class:`~nanotwin.tumor.transport.TumorSolution`.

    Parameters
    ----------
    sol
        Transport solution (its particle field is the activity distribution).
    design
        The design (injected activity and calibration time); optional with ``injected_MBq``.
    nuclide
        Another nuclide on the same particles (its own half-life); default the design's label.
    injected_MBq
        Injected activity (MBq); default the design's.
    pixel_um
        Pixel of the Krogh dosimetry map (default 2 um or finer).
    r_cut_cm, progeny
        As in :func:`dose_map`.

    Examples
    --------
    >>> from nanotwin.pbpk import demo_design
    >>> from nanotwin.tumor.transport import simulate_tumor
    >>> sol = simulate_tumor(demo_design(), t_end_h=48.0)
    >>> md = micro_dose(sol, demo_design())
    >>> md.nuclide, bool(md.mean() > 0)
    ('Cu-64', True)
    """
    tp = sol.params
    nuc = nuclide or tp.nuclide
    if nuc is None:
        raise DesignError("radiolabels: the design has no radiolabel; add one or give "
                          "nuclide=...", "radiolabels")
    A0 = injected_MBq * 1e6 if injected_MBq is not None else _activity_A0_Bq(design, tp)
    tia_cells, tia_b = _tia_for(sol, nuclide)
    tia, w, dist, h = _grid_of(sol, tia_cells, tia_b, pixel_um)
    decays = tia / 100.0 * A0 * 3600.0
    mass = tp.tumor_mass_g if tp.tumor_mass_g > 0 else 0.2
    maps = dose_map(decays, nuc, h, mass, r_cut_cm=r_cut_cm, progeny=progeny)
    return MicroDose(nuc, maps, w, dist, h * 1e4, decays,
                     {"A0_Bq": A0, "tumor_mass_g": mass, "tia_blood_pctIA_h_mL": tia_b})


def dvh(dose: Any, weights: Any, bins: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative dose-volume histogram: dose levels (Gy) and the weighted share of cells
    receiving at least that dose.

    Examples
    --------
    >>> d, v = dvh(np.array([1.0, 2.0, 3.0, 4.0]), np.ones(4), bins=4)
    >>> float(v[0]), float(v[-1])
    (1.0, 0.25)
    """
    x = np.ravel(np.asarray(dose, dtype=float))
    w = np.ravel(np.asarray(weights, dtype=float))
    ok = w > 0
    if not ok.any():
        raise DesignError("weights: no viable cells to histogram", "weights")
    x, w = x[ok], w[ok]
    levels = np.linspace(0.0, float(x.max()), bins) if x.max() > 0 else np.zeros(bins)
    order = np.argsort(x)
    xs, cw = x[order], np.cumsum(w[order])
    tot = cw[-1]
    # share with dose >= level: 1 - (weight strictly below the level)
    idx = np.searchsorted(xs, levels, side="left")
    below = np.where(idx > 0, cw[np.maximum(idx - 1, 0)], 0.0)
    return levels, 1.0 - below / tot


def fraction_below(dose: Any, weights: Any, threshold_Gy: float) -> float:
    """Weighted share of cells with dose below ``threshold_Gy``.

    Examples
    --------
    >>> fraction_below(np.array([1.0, 5.0]), np.array([1.0, 3.0]), 2.0)
    0.25
    """
    x = np.ravel(np.asarray(dose, dtype=float))
    w = np.ravel(np.asarray(weights, dtype=float))
    tot = float(w.sum())
    if tot <= 0:
        raise DesignError("weights: no viable cells", "weights")
    return float(w[x < threshold_Gy].sum() / tot)


def heterogeneity(md: MicroDose) -> dict[str, float]:
    """Dose heterogeneity of viable cells: mean, CV, D90/D10 and shares below 50 % / 20 %
    of the mean."""
    x = np.ravel(md.total)
    w = np.ravel(md.weights)
    ok = w > 0
    x, w = x[ok], w[ok]
    mean = float(np.sum(x * w) / w.sum())
    sd = float(np.sqrt(np.sum(w * (x - mean) ** 2) / w.sum()))
    order = np.argsort(x)
    cw = np.cumsum(w[order]) / w.sum()
    d10 = float(x[order][np.searchsorted(cw, 0.10)])  # 90 % of cells get at least this
    d90 = float(x[order][min(np.searchsorted(cw, 0.90), x.size - 1)])
    return {"mean_Gy": mean, "cv": sd / mean if mean > 0 else float("nan"),
            "D90_Gy": d10, "D10_Gy": d90,
            "D90_over_D10": d10 / d90 if d90 > 0 else float("nan"),
            "fraction_below_50pct_mean": float(w[x < 0.5 * mean].sum() / w.sum()),
            "fraction_below_20pct_mean": float(w[x < 0.2 * mean].sum() / w.sum())}


def compare_nuclides(sol: Any, design: Any = None,
                     nuclides: tuple[str, ...] = ("Lu-177", "Y-90", "Tb-161", "Ac-225"), *,
                     injected_MBq: float = 1.0, pixel_um: float | None = None
                     ) -> dict[str, dict[str, float]]:
    """Dose heterogeneity of several nuclides on the same particle distribution.

    Each nuclide decays with its own half-life on the same particle kinetics; the metrics
    (:func:`heterogeneity`) are per injected MBq and scale-free (CV, D90/D10, shares below a
    fraction of the mean).

    Examples
    --------
    >>> from nanotwin.pbpk import demo_design
    >>> from nanotwin.tumor.transport import simulate_tumor
    >>> sol = simulate_tumor(demo_design(), t_end_h=48.0)
    >>> r = compare_nuclides(sol, nuclides=("Lu-177", "Ac-225"))
    >>> r["Ac-225"]["cv"] > r["Lu-177"]["cv"]
    True
    """
    out = {}
    for nuc in nuclides:
        md = micro_dose(sol, design, nuclide=nuc, injected_MBq=injected_MBq,
                        pixel_um=pixel_um)
        out[nuc] = heterogeneity(md)
    return out
