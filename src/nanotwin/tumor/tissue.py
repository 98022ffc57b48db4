"""Vascularised tumour tissue as a finite-volume mesh: a Krogh cylinder or a vessel network.

Two geometries share one mesh description (:class:`Tissue`: cell volumes, faces between cells,
perfused-vessel wall area per cell, necrosis, distance to the nearest perfused vessel):

* :func:`krogh_cylinder` -- the tissue annulus ``r_v < r < R_K`` around one perfused vessel
  (Krogh, J Physiol 1919;52:409), axisymmetric, no flux at ``R_K`` (the half-way surface to
  the next vessel). The default ``R_K`` gives the perfused vessel surface per tissue volume of
  the PBPK tumour (``f_perf * S/V`` = 0.5 x 200 /cm: Baxter & Jain, Microvasc Res 1989;37:77
  and the perfused fraction of :mod:`nanotwin.pbpk.parameters`): ``2 r_v / (R_K^2 - r_v^2) =
  f_perf S/V``, 45.8 um for ``r_v`` = 10 um.
* :func:`vessel_network` -- a 2-D (or 3-D) Cartesian section running from the tumour rim
  (``x = 0``) towards its centre, with randomly placed vessels (2-D: vessels crossing the plane;
  3-D: straight randomly oriented segments) at the same mean surface density in the viable
  tissue, a share ``f_perf`` of them perfused, an avascular core, and necrosis wherever the
  distance to the nearest perfused vessel exceeds the viable-cord thickness of ~150 um
  (Thomlinson & Gray, Br J Cancer 1955;9:539: necrosis began 150-180 um from stroma-borne
  vessels, the oxygen diffusion distance). Lateral boundaries are periodic (the section is a
  sample of a laterally homogeneous shell); the rim face opens to normal tissue (pressure 0),
  the inner face carries the interstitial pressure of the whole tumour at that depth.

Vessel radius 10 um (tumour microvessels are wider and more variable than normal capillaries,
diameters of 10 to > 20 um; Jain, Cancer Res 1988;48:2641). A vessel in a cell of the network
exchanges across a wall area ``2 pi r_v h`` (one vessel of length ``h`` per vessel cell); the
vessel lumen is not removed from the cell volume (approximate at h ~ r_v).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["Tissue", "krogh_cylinder", "vessel_network", "R_VESSEL_UM", "D_NECROSIS_UM",
           "reference_surface_density"]

#: Tumour microvessel radius (um), module docstring.
R_VESSEL_UM = 10.0
#: Distance from the nearest perfused vessel beyond which tissue is necrotic (um), Thomlinson &
#: Gray 1955.
D_NECROSIS_UM = 150.0
_UM = 1e-4  # cm per um


def reference_surface_density() -> tuple[float, float]:
    """``(S/V, f_perf)`` of the PBPK tumour: vessel surface per tissue volume (1/cm) and the
    perfused share of it, taken from :mod:`nanotwin.pbpk.parameters` (one place).

    Examples
    --------
    >>> sv, f = reference_surface_density()
    >>> sv > 0 and 0 < f <= 1
    True
    """
    from nanotwin.pbpk.parameters import F_PERF_TUMOR, S_TUMOR

    return float(S_TUMOR), float(F_PERF_TUMOR)


@dataclass(frozen=True)
class Tissue:
    """A finite-volume mesh of tumour tissue (lengths in cm, volumes in mL).

    Attributes
    ----------
    kind
        ``"krogh"`` or ``"network"``.
    shape
        Grid shape: ``(n,)`` (Krogh, radial) or ``(nx, ny)`` / ``(nx, ny, nz)``.
    spacing_cm
        Radial step (Krogh) or grid spacing.
    volume
        Cell volumes (mL), flat in C order of ``shape``.
    faces, face_area, face_dist
        Pairs of neighbouring cells ``(i, j)``, the face area (cm^2) and centre distance (cm).
    vessel_area
        Perfused vessel wall area in each cell (cm^2).
    unperfused_area
        Wall area of vessels without flow (no exchange; shown in maps).
    necrotic
        Necrotic cells (no cells, receptors or macrophages).
    distance_um
        Distance from the cell centre to the nearest perfused vessel wall (um).
    coords
        Cell centres (cm), shape ``(n_cells, dim)``; Krogh: the radius.
    rim_cells, rim_area, rim_dist
        Cells on the rim face (open to normal tissue at pressure 0), face area and distance
        from the centre to the face.
    inner_cells, inner_area, inner_dist
        Cells on the inner face of a network section (towards the tumour centre), where the
        pressure of the whole tumour is imposed (:func:`nanotwin.tumor.transport.pressure_field`).
    meta
        Geometry numbers (vessel counts, surface densities, seed).
    """

    kind: str
    shape: tuple[int, ...]
    spacing_cm: float
    volume: np.ndarray
    faces: np.ndarray
    face_area: np.ndarray
    face_dist: np.ndarray
    vessel_area: np.ndarray
    unperfused_area: np.ndarray
    necrotic: np.ndarray
    distance_um: np.ndarray
    coords: np.ndarray
    rim_cells: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    rim_area: np.ndarray = field(default_factory=lambda: np.zeros(0))
    rim_dist: np.ndarray = field(default_factory=lambda: np.zeros(0))
    inner_cells: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    inner_area: np.ndarray = field(default_factory=lambda: np.zeros(0))
    inner_dist: np.ndarray = field(default_factory=lambda: np.zeros(0))
    meta: dict = field(default_factory=dict)

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return int(self.volume.size)

    @property
    def surface_density(self) -> float:
        """Perfused vessel wall area per tissue volume (1/cm)."""
        return float(self.vessel_area.sum() / self.volume.sum())

    def as_map(self, values: Any) -> np.ndarray:
        """Cell values (last axis = cells) reshaped to the grid shape.

        Examples
        --------
        >>> t = krogh_cylinder(n_cells=5)
        >>> t.as_map(np.arange(5.0)).shape
        (5,)
        """
        v = np.asarray(values)
        return v.reshape(v.shape[:-1] + self.shape)


def _check_pos(value: Any, field_name: str, unit: str) -> float:
    from nanotwin.dosimetry.svalues import _check_positive  # the one positive-number check

    return _check_positive(value, field_name, unit)


def krogh_cylinder(r_vessel_um: float = R_VESSEL_UM, r_krogh_um: float | None = None,
                   n_cells: int = 60, length_cm: float = 1.0) -> Tissue:
    """The Krogh tissue cylinder around one perfused vessel (module docstring).

    Parameters
    ----------
    r_vessel_um
        Vessel radius (um).
    r_krogh_um
        Outer radius (um); default from the PBPK tumour's perfused surface density.
    n_cells
        Radial cells (uniform spacing).
    length_cm
        Axial length (volumes scale with it; concentrations do not).

    Examples
    --------
    >>> t = krogh_cylinder()
    >>> round(t.meta["r_krogh_um"], 1), round(t.surface_density, 1)
    (45.8, 100.0)
    """
    r_v = _check_pos(r_vessel_um, "r_vessel_um", "um") * _UM
    if r_krogh_um is None:
        sv, f = reference_surface_density()
        R = math.sqrt(2.0 * r_v / (f * sv) + r_v**2)
    else:
        R = _check_pos(r_krogh_um, "r_krogh_um", "um") * _UM
    if R <= r_v:
        raise DesignError(f"r_krogh_um: {R / _UM:g} um must exceed the vessel radius "
                          f"{r_v / _UM:g} um", "r_krogh_um")
    n = int(n_cells)
    if n < 1:
        raise DesignError("n_cells: give at least 1 radial cell", "n_cells")
    L = _check_pos(length_cm, "length_cm", "cm")
    edges = np.linspace(r_v, R, n + 1)
    rc = 0.5 * (edges[1:] + edges[:-1])
    vol = math.pi * (edges[1:] ** 2 - edges[:-1] ** 2) * L
    faces = np.stack([np.arange(n - 1), np.arange(1, n)], axis=1)
    area = 2.0 * math.pi * edges[1:-1] * L
    dist = np.diff(rc)
    vessel = np.zeros(n)
    vessel[0] = 2.0 * math.pi * r_v * L
    return Tissue("krogh", (n,), float(edges[1] - edges[0]), vol, faces, area, dist, vessel,
                  np.zeros(n), np.zeros(n, dtype=bool), (rc - r_v) / _UM, rc[:, None],
                  meta={"r_vessel_um": r_v / _UM, "r_krogh_um": R / _UM, "length_cm": L,
                        "edges_cm": edges})


def _grid_faces(shape: tuple[int, ...], periodic: tuple[bool, ...]) -> np.ndarray:
    idx = np.arange(int(np.prod(shape))).reshape(shape)
    out = []
    for ax, per in enumerate(periodic):
        a = idx
        b = np.roll(idx, -1, axis=ax)
        if not per:
            sl = [slice(None)] * len(shape)
            sl[ax] = slice(0, shape[ax] - 1)
            a, b = a[tuple(sl)], b[tuple(sl)]
        elif shape[ax] < 3:
            continue
        out.append(np.stack([a.ravel(), b.ravel()], axis=1))
    return np.concatenate(out) if out else np.zeros((0, 2), dtype=int)


def vessel_network(shape: tuple[int, ...] = (100, 50), spacing_um: float = 10.0, *,
                   r_vessel_um: float = R_VESSEL_UM, surface_density: float | None = None,
                   f_perf: float | None = None, core_fraction: float = 0.3,
                   necrosis_um: float = D_NECROSIS_UM, segment_um: float = 200.0,
                   seed: int = 0) -> Tissue:
    """A random vessel network in a rim-to-centre tumour section (module docstring).

    Parameters
    ----------
    shape
        Cells ``(nx, ny)`` or ``(nx, ny, nz)``; ``x`` runs from the rim (0) inwards.
    spacing_um
        Cell size (um).
    r_vessel_um
        Vessel radius (um).
    surface_density
        Vessel wall area per viable tissue volume (1/cm), perfused or not; default the PBPK
        tumour's S/V.
    f_perf
        Share of vessels that carry flow; default the PBPK tumour's.
    core_fraction
        Inner share of the depth without vessels (the avascular core).
    necrosis_um
        Cells farther than this from a perfused vessel are necrotic.
    segment_um
        Length of the straight vessel segments (3-D; at most half the lateral size).
    seed
        Random seed (the network is reproducible).

    Examples
    --------
    >>> t = vessel_network((40, 20), seed=1)
    >>> t.n_cells, bool(t.necrotic[-20:].all()), bool(t.vessel_area.sum() > 0)
    (800, True, True)
    """
    from scipy.ndimage import distance_transform_edt

    shape = tuple(int(s) for s in shape)
    if len(shape) not in (2, 3) or min(shape) < 1:
        raise DesignError(f"shape: {shape!r} must be 2 or 3 positive cell counts, e.g. "
                          "(100, 50)", "shape")
    dim = len(shape)
    h = _check_pos(spacing_um, "spacing_um", "um") * _UM
    r_v = _check_pos(r_vessel_um, "r_vessel_um", "um") * _UM
    sv_ref, f_ref = reference_surface_density()
    sv = sv_ref if surface_density is None else _check_pos(surface_density,
                                                           "surface_density", "1/cm")
    fp = f_ref if f_perf is None else float(f_perf)
    if not 0.0 < fp <= 1.0:
        raise DesignError(f"f_perf: {f_perf!r} must be in (0, 1]", "f_perf")
    if not 0.0 <= float(core_fraction) < 1.0:
        raise DesignError(f"core_fraction: {core_fraction!r} must be in [0, 1)",
                          "core_fraction")
    rng = np.random.default_rng(int(seed))
    nx = shape[0]
    n_viable_x = max(1, int(round(nx * (1.0 - float(core_fraction)))))
    wall = 2.0 * math.pi * r_v * h  # wall area of one vessel cell
    viable_cells = n_viable_x * int(np.prod(shape[1:]))
    n_vessel_cells = max(1, int(round(sv * viable_cells * h**dim * h ** (3 - dim) / wall)))
    vmask = np.zeros(shape, dtype=bool)
    perf = np.zeros(shape, dtype=bool)
    if dim == 2:
        # vessels crossing the plane: distinct random cells of the viable part, not adjacent
        cand = rng.permutation(viable_cells)
        taken = np.zeros((n_viable_x, shape[1]), dtype=bool)
        count = 0
        for c in cand:
            i, j = divmod(int(c), shape[1])
            lo, hi = max(i - 1, 0), min(i + 2, n_viable_x)
            js = [(j + d) % shape[1] for d in (-1, 0, 1)]
            if taken[lo:hi][:, js].any():
                continue
            taken[i, j] = True
            vmask[i, j] = True
            count += 1
            if count >= n_vessel_cells:
                break
        # exactly the share f_perf of the vessels carries flow (random which)
        cells = np.argwhere(vmask)
        pick = rng.permutation(cells.shape[0])[: max(1, int(round(fp * cells.shape[0])))]
        perf[tuple(cells[pick].T)] = True
    else:
        seg_len = min(float(segment_um) * _UM, 0.5 * min(shape[1:]) * h)
        seg_steps = max(2, int(round(seg_len / (0.5 * h))))
        n_perf = 0
        count = 0
        while count < n_vessel_cells:
            p0 = rng.random(3) * np.array([n_viable_x, shape[1], shape[2]])
            u = rng.normal(size=3)
            u /= np.linalg.norm(u)
            s = np.arange(seg_steps)[:, None] * 0.5 * u[None, :]
            pts = np.floor(p0[None, :] + s).astype(int)
            ok = (pts[:, 0] >= 0) & (pts[:, 0] < n_viable_x)
            pts = pts[ok]
            pts[:, 1] %= shape[1]
            pts[:, 2] %= shape[2]
            pts = np.unique(pts, axis=0)
            new = ~vmask[pts[:, 0], pts[:, 1], pts[:, 2]]
            pts = pts[new][: n_vessel_cells - count]
            if not pts.size:
                continue
            # segment by segment, keep the perfused share of vessel cells at f_perf
            is_perf = n_perf + pts.shape[0] / 2.0 <= fp * (count + pts.shape[0])
            vmask[pts[:, 0], pts[:, 1], pts[:, 2]] = True
            perf[pts[:, 0], pts[:, 1], pts[:, 2]] = is_perf
            n_perf += pts.shape[0] if is_perf else 0
            count += pts.shape[0]
    if not perf.any():  # at least one perfused vessel, so that something is delivered
        first = np.argwhere(vmask)[0]
        perf[tuple(first)] = True
    # distance to the nearest perfused vessel wall, periodic in the lateral directions
    reps = [1] + [3] * (dim - 1)
    tiled = np.tile(~perf, reps)
    dist_t = distance_transform_edt(tiled) * h
    sl = (slice(None),) + tuple(slice(s, 2 * s) for s in shape[1:])
    dist = np.maximum(dist_t[sl] - r_v, 0.0)
    necrotic = (dist > necrosis_um * _UM)
    necrotic[n_viable_x:] |= True
    grid = np.stack(np.meshgrid(*[(np.arange(s) + 0.5) * h for s in shape], indexing="ij"),
                    axis=-1).reshape(-1, dim)
    periodic = (False,) + (True,) * (dim - 1)
    faces = _grid_faces(shape, periodic)
    n = int(np.prod(shape))
    vol = np.full(n, h**3)
    rim = np.flatnonzero(grid[:, 0] < h)
    inner = np.flatnonzero(grid[:, 0] > (nx - 1) * h)
    meta = {"n_vessel_cells": int(vmask.sum()), "n_perfused_cells": int(perf.sum()),
            "r_vessel_um": r_v / _UM, "spacing_um": h / _UM, "surface_density_per_cm": sv,
            "f_perf": fp, "core_fraction": float(core_fraction), "seed": int(seed),
            "dim": dim, "vessel_mask": vmask.ravel(), "perfused_mask": perf.ravel()}
    return Tissue("network", shape, h, vol, faces, np.full(faces.shape[0], h**2),
                  np.full(faces.shape[0], h), np.where(perf.ravel(), wall, 0.0),
                  np.where((vmask & ~perf).ravel(), wall, 0.0), necrotic.ravel(),
                  dist.ravel() / _UM, grid, rim, np.full(rim.size, h**2),
                  np.full(rim.size, 0.5 * h), inner, np.full(inner.size, h**2),
                  np.full(inner.size, 0.5 * h), meta)
