"""Batched simulation of the nanotwin PBPK model: many subjects or designs in one call.

The PBPK model (:mod:`nanotwin.pbpk.model`) is an edge list: ``flux_e = k_e y[src_e]``, times
``1 - y[sat_e] scale_e`` on the capacity-limited edges, ``dy/dt = S flux`` plus label gains
``g y[col] exp(-k_det t)``. This module reads that compiled form for a batch of parameter sets
and integrates all subjects at once with the batched Rosenbrock solver of
:mod:`nanotwin.solver` (numba, parallel over blocks of subjects, SIMD over lanes; the symbolic
structure is cached per model structure). Subjects run in sub-batches of
:data:`SUB_BATCH`, and only organ totals at the requested times and per-subject summaries are
kept, so memory grows only with the kept results: :func:`simulate_population` draws a
population from its variability factors sub-batch by sub-batch (1e6 subjects in a few hundred
MB plus the results).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["EdgeBatch", "edge_batch", "batch_simulate", "simulate_population", "edge_rhs",
           "initial_step", "OUTPUT_ORGANS", "SUB_BATCH"]

#: Subjects per sub-batch (edge arrays, kernel outputs): about 30 MB of working memory.
SUB_BATCH = 16384


def _organs() -> tuple[str, ...]:
    from nanotwin.pbpk.physiology import ORGANS

    return tuple(ORGANS)


OUTPUT_ORGANS = _organs()


@dataclass(frozen=True)
class EdgeBatch:
    """Per-subject arrays of the PBPK edge form (subjects along axis 0)."""

    k: np.ndarray  # (B, E)
    src: np.ndarray
    dst: np.ndarray
    satpos: np.ndarray  # (E,) index into sat arrays or -1
    sat_state: np.ndarray
    sat_scale: np.ndarray  # (B, n_sat)
    g_rows: np.ndarray
    g_cols: np.ndarray
    g_coef: np.ndarray  # (B, n_g)
    k_det: np.ndarray  # (B,)
    f_rcp: np.ndarray  # (B,)
    lambda_phys: np.ndarray  # (B,)
    organ_mass_g: np.ndarray  # (B, n_organs)
    y0: np.ndarray  # (n_states,)
    n_states: int

    @property
    def size(self) -> int:
        return int(self.k.shape[0])


def _as_batch(a: Any, B: int) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    if a.ndim == 1 and a.shape[0] != B and B == 1:
        return a[None, :]
    if a.ndim == 0:
        return np.full(B, float(a))
    return a


def edge_batch(params: Any) -> EdgeBatch:
    """Edge form of a batch of PBPK parameters (:class:`nanotwin.pbpk.PBPKParameters`).

    Examples
    --------
    >>> from nanotwin.pbpk import build_parameters, demo_design, stack_parameters
    >>> p = build_parameters(demo_design())
    >>> eb = edge_batch(stack_parameters([p, p]))
    >>> eb.size, eb.n_states == eb.y0.size
    (2, True)
    """
    from nanotwin.pbpk.model import STATE_NAMES, compiled, initial_state
    from nanotwin.pbpk.physiology import TISSUES

    B = params.batch_size
    if B is None:
        from nanotwin.pbpk import stack_parameters

        params = stack_parameters([params])
        B = 1
    c = compiled(params)
    E = c.src.size

    def per_subject(a: Any, m: int) -> np.ndarray:
        a = np.asarray(a, dtype=float)
        if a.ndim == 1:  # (m,) shared by all subjects
            return np.repeat(a[None, :], B, axis=0) if m > 0 else np.zeros((B, 0))
        return np.ascontiguousarray(a.T)  # (m, B) -> (B, m)

    satpos = np.full(E, -1, dtype=np.int64)
    satpos[np.asarray(c.sat_edge, dtype=np.int64)] = np.arange(c.sat_edge.size)
    y0 = initial_state(params)
    if np.ndim(y0) == 2:
        if not np.allclose(y0, y0[:, :1]):
            raise DesignError("population: subjects differ in their initial state (route or "
                              "radiochemical purity); run them as separate batches")
        y0 = y0[:, 0]
    g = params.values
    from nanotwin.pbpk.simulate import RHO_BLOOD

    mass = np.full((B, len(OUTPUT_ORGANS)), np.nan)
    # the large-vessel (circulating) pool, as in nanotwin.pbpk.simulate.organ_masses_g
    blood = RHO_BLOOD * (np.asarray(g["V_art"], float) + np.asarray(g["V_ven"], float))
    for i, o in enumerate(OUTPUT_ORGANS):
        if o == "blood":
            mass[:, i] = blood
        elif o in TISSUES:
            v = np.broadcast_to(np.asarray(g[f"V_{o}"], float), (B,))
            mass[:, i] = np.where(v > 0, v, np.nan)
    return EdgeBatch(
        k=per_subject(c.k, E), src=np.asarray(c.src, np.int64), dst=np.asarray(c.dst, np.int64),
        satpos=satpos, sat_state=np.asarray(c.sat_state, np.int64),
        sat_scale=per_subject(c.sat_scale, c.sat_edge.size),
        g_rows=np.asarray(c.g_rows, np.int64), g_cols=np.asarray(c.g_cols, np.int64),
        g_coef=per_subject(c.g_coef, c.g_rows.size),
        k_det=np.broadcast_to(np.asarray(c.k_det, float), (B,)).copy(),
        f_rcp=np.broadcast_to(np.asarray(g["f_rcp"], float), (B,)).copy(),
        lambda_phys=np.broadcast_to(np.asarray(g["lambda_phys"], float), (B,)).copy(),
        organ_mass_g=mass, y0=np.asarray(y0, float), n_states=len(STATE_NAMES))


def _structure(eb: EdgeBatch) -> Any:
    """The solver's (cached) symbolic structure of the batch's edge form."""
    from nanotwin.solver import structure

    return structure(eb.n_states, eb.src, eb.dst, eb.satpos, eb.sat_state, eb.g_rows,
                     eb.g_cols)


@lru_cache(maxsize=8)
def _output_matrix(n_states: int) -> tuple[np.ndarray, ...]:
    """CSR rows: particle %ID per organ, then label %IA per organ (decay-corrected)."""
    from nanotwin.pbpk.model import LABEL_STATES, PARTICLE_STATES, organ_of_state

    idx = {o: i for i, o in enumerate(OUTPUT_ORGANS)}
    rows: list[list[int]] = [[] for _ in range(2 * len(OUTPUT_ORGANS))]
    for j, s in enumerate(PARTICLE_STATES):
        rows[idx[organ_of_state(s)]].append(j)
    off = len(PARTICLE_STATES)
    for j, s in enumerate(LABEL_STATES):
        rows[len(OUTPUT_ORGANS) + idx[organ_of_state(s)]].append(off + j)
    ptr = np.cumsum([0] + [len(r) for r in rows]).astype(np.int64)
    ind = np.asarray([j for r in rows for j in r], dtype=np.int64)
    return ptr, ind, np.ones(ind.size)


def edge_rhs(eb: EdgeBatch, t: Any, Y: np.ndarray) -> np.ndarray:
    """Right-hand side of the edge form for every subject: ``Y`` (B, n) -> dY/dt (B, n).

    ``t`` is a time (h) or one time per subject.

    Same equations as :func:`nanotwin.pbpk.model.rhs` (edge fluxes, saturation, label gains).

    Examples
    --------
    >>> from nanotwin.pbpk import build_parameters, demo_design, stack_parameters
    >>> from nanotwin.pbpk.model import rhs
    >>> p = build_parameters(demo_design())
    >>> eb = edge_batch(stack_parameters([p, p]))
    >>> f = edge_rhs(eb, 0.5, np.tile(eb.y0, (2, 1)))
    >>> f.shape == (2, eb.n_states), bool(np.allclose(f[1], rhs(0.5, eb.y0, p)))
    (True, True)
    """
    flux = eb.k * Y[:, eb.src]
    sat = np.flatnonzero(eb.satpos >= 0)
    j = eb.satpos[sat]
    flux[:, sat] *= 1.0 - Y[:, eb.sat_state[j]] * eb.sat_scale[:, j]
    dY = np.zeros_like(Y)
    np.add.at(dY.T, eb.src, -flux.T)
    np.add.at(dY.T, eb.dst, flux.T)
    gain = eb.g_coef * Y[:, eb.g_cols] * np.exp(-eb.k_det * t)[:, None]
    np.add.at(dY.T, eb.g_rows, gain.T)
    return dY


def initial_step(eb: EdgeBatch, rtol: float, atol: float, t_end: float, order: int) -> np.ndarray:
    """Starting step size per subject (h), as the solver takes it (Hairer, Norsett & Wanner,
    Solving ODEs I, Sec. II.4; :func:`nanotwin.solver.starting_steps`).

    Examples
    --------
    >>> from nanotwin.pbpk import build_parameters, demo_design, stack_parameters
    >>> eb = edge_batch(stack_parameters([build_parameters(demo_design())] * 2))
    >>> h = initial_step(eb, 1e-6, 1e-10, 168.0, 5)
    >>> h.shape, bool(0 < h[0] < 1e-2)
    ((2,), True)
    """
    from nanotwin.solver import starting_steps

    return starting_steps(_structure(eb), eb.k, eb.sat_scale, eb.g_coef, eb.k_det, eb.y0, t_end,
                          rtol, atol, order)


def _check(outputs: Sequence[str], method: str, times: Any) -> np.ndarray:
    if method not in ("rodas5p", "rodas4"):
        raise DesignError(f"method: unknown {method!r}; use 'rodas5p' or 'rodas4'")
    bad = set(outputs) - {"pct_id", "activity_pct"}
    if bad:
        raise DesignError(f"outputs: unknown {sorted(bad)}; use 'pct_id' and/or 'activity_pct'")
    t = np.asarray(times, dtype=float)
    if t.ndim != 1 or t.size == 0 or np.any(np.diff(t) <= 0) or t[0] < 0 or t[-1] <= 0:
        raise DesignError("times: must be increasing hours >= 0 ending after 0; e.g. [1, 24]")
    return t


def _slice(params: Any, lo: int, hi: int) -> Any:
    """Subjects ``lo:hi`` of a parameter batch."""
    from types import MappingProxyType

    vals = {k: (v[lo:hi] if np.ndim(v) == 1 else v) for k, v in params.values.items()}
    return type(params)(MappingProxyType(vals), params.meta)


class _Results:
    """The kept results of all subjects, filled sub-batch by sub-batch.

    The kernel writes the time courses straight into ``tc`` (subject, time, output), a
    time-major array; the Dataset shows them as (subject, organ, time) views, without a copy.
    """

    def __init__(self, B: int, nt: int, outputs: Sequence[str], keep: bool) -> None:
        no = len(OUTPUT_ORGANS)
        self.B, self.outputs, self.keep = B, tuple(outputs), keep
        self.arr = {"auc_pct_id": np.empty((B, no)), "tia_pct_h": np.empty((B, no)),
                    "organ_mass_g": np.empty((B, no)),
                    "n_steps": np.empty(B, dtype=np.int64),
                    "n_rejected": np.empty(B, dtype=np.int64)}
        # particle rows, and the label rows too when the activity is wanted
        self.m = (2 * no if "activity_pct" in self.outputs else no) if keep else 0
        if keep:
            self.tc = np.empty((B, nt, self.m))
            self.arr["cmax_pct_id"] = np.empty((B, no))
            if "activity_pct" in self.outputs:
                self.arr["activity_pct"] = np.empty((B, nt, no))

    def run(self, lo: int, eb: EdgeBatch, t: np.ndarray, rtol: float, atol: float,
            method: str) -> None:
        from nanotwin.solver import integrate

        no = len(OUTPUT_ORGANS)
        hi = lo + eb.size
        # TIA rates: particle outputs carry label that detaches (k_det) and decays (lambda)
        rates = np.stack([eb.lambda_phys + eb.k_det, eb.lambda_phys], axis=1)
        rate_id = np.asarray([0] * no + [1] * no, dtype=np.int64)
        r = integrate(_structure(eb), eb.k, eb.sat_scale, eb.g_coef, eb.k_det, eb.y0, t,
                      outputs=_output_matrix(eb.n_states), rates=rates, rate_id=rate_id,
                      rtol=rtol, atol=atol, method=method, keep=self.m or False,
                      out=self.tc[lo:hi] if self.keep else None)
        body = np.ones(no)
        body[[OUTPUT_ORGANS.index(o) for o in ("urine", "feces", "degraded")]] = 0.0
        a = self.arr
        a["auc_pct_id"][lo:hi] = r["auc"][:, :no]
        a["tia_pct_h"][lo:hi] = eb.f_rcp[:, None] * body * r["tia"][:, :no] + r["tia"][:, no:]
        a["organ_mass_g"][lo:hi] = eb.organ_mass_g
        a["n_steps"][lo:hi] = r["n_steps"]
        a["n_rejected"][lo:hi] = r["n_rejected"]
        if self.keep:
            P = self.tc[lo:hi, :, :no]
            a["cmax_pct_id"][lo:hi] = P.max(axis=1)
            if "activity_pct" in self.outputs:
                intact = np.exp(-eb.k_det[:, None] * t[None, :])
                a["activity_pct"][lo:hi] = (eb.f_rcp[:, None, None] * intact[:, :, None] * P *
                                            body + self.tc[lo:hi, :, no:])

    def dataset(self, t: np.ndarray, method: str, rtol: float, atol: float) -> Any:
        from nanotwin.results import make_result

        no = len(OUTPUT_ORGANS)
        a = self.arr
        so = ("subject", "organ")
        dv: dict[str, tuple] = {
            "auc_pct_id": (so, a["auc_pct_id"], "%ID h", "AUC of particle %ID"),
            "tia_pct_h": (so, a["tia_pct_h"], "%IA h",
                          "time-integrated activity (decays / injected activity x 100)"),
            "organ_mass_g": (so, a["organ_mass_g"], "g", "organ mass"),
            "n_steps": (("subject",), a["n_steps"], "1", "accepted solver steps"),
            "n_rejected": (("subject",), a["n_rejected"], "1", "rejected solver steps"),
        }
        if self.keep:
            dv["cmax_pct_id"] = (so, a["cmax_pct_id"], "%ID",
                                 "maximum particle %ID at the output times")
            if "pct_id" in self.outputs:
                dv["pct_id"] = ((*so, "time"), self.tc[:, :, :no].transpose(0, 2, 1), "%ID",
                                "particles, % injected")
            if "activity_pct" in self.outputs:
                dv["activity_pct"] = ((*so, "time"), a["activity_pct"].transpose(0, 2, 1),
                                      "%IA", "activity, % of injected, decay-corrected")
        return make_result(dv, coords={"subject": np.arange(self.B),
                                       "organ": list(OUTPUT_ORGANS),
                                       "time": ("time", t, "h")},
                           kind="population_batch",
                           attrs={"solver": f"{method.upper()} batched (numba)", "rtol": rtol,
                                  "atol": atol})


def batch_simulate(params: Any, times: Sequence[float] | np.ndarray, *,
                   outputs: Sequence[str] = ("pct_id", "activity_pct"),
                   keep_time_courses: bool = True, rtol: float = 1e-6,
                   atol: float = 1e-9, method: str = "rodas5p") -> Any:
    """Simulate a batch of PBPK parameter sets at once (numba Rosenbrock, parallel over subjects).

    Parameters
    ----------
    params
        :class:`nanotwin.pbpk.PBPKParameters` with arrays of shape ``(n,)`` (see
        :func:`nanotwin.pbpk.stack_parameters` or :func:`nanotwin.population.sample_population`),
        or an :class:`EdgeBatch`.
    times
        Output times in h (increasing, > 0); the integration runs from 0 to the last one.
    outputs
        Time courses to keep: ``"pct_id"`` (particles, %ID per organ) and/or ``"activity_pct"``
        (activity, % of injected, decay-corrected, per organ).
    keep_time_courses
        ``False`` keeps only the summaries (for very large batches).
    rtol, atol
        Local error tolerances (atol in %ID).
    method
        ``"rodas5p"`` (Steinebach 2023, order 5, default) or ``"rodas4"`` (Hairer & Wanner
        1996, order 4); see :func:`nanotwin.solver._kernels.tableau`.

    Returns
    -------
    xarray.Dataset
        Dims ``subject``, ``organ``, ``time``: the requested time courses, ``auc_pct_id`` (%ID h),
        ``cmax_pct_id`` (%ID at the output times), ``tia_pct_h`` (time-integrated activity,
        %IA h, physical decay and label detachment included, tail by physical decay only),
        ``n_steps``.

    Examples
    --------
    >>> from nanotwin.pbpk import build_parameters, demo_design, stack_parameters
    >>> p = build_parameters(demo_design())
    >>> ds = batch_simulate(stack_parameters([p, p]), [1.0, 24.0])
    >>> ds["pct_id"].sizes["subject"], round(float(ds["pct_id"].sum("organ")[0, -1]), 6)
    (2, 100.0)
    """
    t = _check(outputs, method, times)
    if isinstance(params, EdgeBatch):
        res = _Results(params.size, t.size, outputs, keep_time_courses)
        res.run(0, params, t, rtol, atol, method)
        return res.dataset(t, method, rtol, atol)
    B = params.batch_size or 1
    res = _Results(B, t.size, outputs, keep_time_courses)
    for lo in range(0, B, SUB_BATCH):
        part = params if B <= SUB_BATCH else _slice(params, lo, min(B, lo + SUB_BATCH))
        res.run(lo, edge_batch(part), t, rtol, atol, method)
    return res.dataset(t, method, rtol, atol)


def simulate_population(design: Any, n: int, times: Sequence[float] | np.ndarray, *,
                        species: str | None = None, seed: int | None = 0,
                        cv: Mapping[str, float] | None = None,
                        outputs: Sequence[str] = ("pct_id",), keep_time_courses: bool = True,
                        rtol: float = 1e-6, atol: float = 1e-9,
                        method: str = "rodas5p") -> Any:
    """Simulate a virtual population of ``n`` subjects of a design, sub-batch by sub-batch.

    Same subjects as :func:`nanotwin.population.sample_population` with the same seed, and the
    same results as :func:`batch_simulate` on them, but the per-subject parameters exist only
    for one sub-batch (:data:`SUB_BATCH`) at a time, so memory holds the kept results only.

    Examples
    --------
    >>> from nanotwin.pbpk import demo_design
    >>> ds = simulate_population(demo_design(), 3, [24.0], seed=1)
    >>> ds["pct_id"].sizes["subject"], ds["pct_id"].sizes["time"]
    (3, 1)
    """
    from nanotwin.design import Design, load_design
    from nanotwin.pbpk import build_parameters
    from nanotwin.population.population import apply_factors, chunk_factors, sample_factors

    t = _check(outputs, method, times)
    if not isinstance(design, Design):
        design = load_design(design)
    p = build_parameters(design, species)
    fac = sample_factors(int(n), p.meta["species"], seed, cv)
    per_kg = design.administration.dose_mg_per_kg is not None
    res = _Results(int(n), t.size, outputs, keep_time_courses)
    for lo in range(0, int(n), SUB_BATCH):
        hi = min(int(n), lo + SUB_BATCH)
        eb = edge_batch(apply_factors(p, chunk_factors(fac, lo, hi), dose_per_kg=per_kg))
        res.run(lo, eb, t, rtol, atol, method)
    return res.dataset(t, method, rtol, atol)
