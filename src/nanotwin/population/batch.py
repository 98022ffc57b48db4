"""Batched simulation of the nanotwin PBPK model: many subjects or designs in one call.

The PBPK model (:mod:`nanotwin.pbpk.model`) is an edge list: ``flux_e = k_e y[src_e]``, times
``1 - y[sat_e] scale_e`` on the capacity-limited edges, ``dy/dt = S flux`` plus label gains
``g y[col] exp(-k_det t)``. This module reads that compiled form for a batch of parameter sets
and integrates all subjects at once with the numba RODAS4 kernel
(:func:`nanotwin.population._kernels.rodas_edges`, parallel over subjects). It keeps only organ
totals at the requested times and per-subject summaries, so that 1e5 subjects fit in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["EdgeBatch", "edge_batch", "batch_simulate", "edge_rhs", "initial_step",
           "OUTPUT_ORGANS"]


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


def _structure(eb: EdgeBatch) -> dict[str, Any]:
    from nanotwin.population._kernels import symbolic_lu

    n = eb.n_states
    P = np.eye(n, dtype=bool)
    P[eb.src, eb.src] = True
    P[eb.dst, eb.src] = True
    sat_edges = np.flatnonzero(eb.satpos >= 0)
    ss = eb.sat_state[eb.satpos[sat_edges]]
    P[eb.src[sat_edges], ss] = True
    P[eb.dst[sat_edges], ss] = True
    P[eb.g_rows, eb.g_cols] = True
    perm, rp, ri, cp, ci = symbolic_lu(P)
    iperm = np.empty(n, dtype=np.int64)
    iperm[perm] = np.arange(n)
    # slots of the filled pattern, in the permuted space
    F = P[np.ix_(perm, perm)].copy()
    for k in range(n):
        F[ri[rp[k]:rp[k + 1]][:, None], ci[cp[k]:cp[k + 1]][None, :]] = True
    Sp = np.full((n, n), -1, dtype=np.int64)
    nz = np.argwhere(F)
    Sp[nz[:, 0], nz[:, 1]] = np.arange(nz.shape[0])

    def slot(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return Sp[iperm[i], iperm[j]]

    sat_src = np.zeros(eb.sat_state.size, dtype=np.int64)
    sat_dst = np.zeros(eb.sat_state.size, dtype=np.int64)
    sat_src[eb.satpos[sat_edges]] = slot(eb.src[sat_edges], ss)
    sat_dst[eb.satpos[sat_edges]] = slot(eb.dst[sat_edges], ss)
    return dict(perm=perm, iperm=iperm, rows_ptr=rp, rows_idx=ri, cols_ptr=cp, cols_idx=ci, Sp=Sp,
                js_ss=slot(eb.src, eb.src), js_ds=slot(eb.dst, eb.src), ss_src=sat_src,
                ss_dst=sat_dst, gs=slot(eb.g_rows, eb.g_cols),
                diag=slot(np.arange(n), np.arange(n)), nslots=int(nz.shape[0]))


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
    """Starting step size per subject (h), Hairer, Norsett & Wanner, Solving ODEs I, Sec. II.4.

    ``h0 = 0.01 |y0| / |f0|`` (weighted RMS norms), an explicit Euler trial step to estimate
    the second derivative ``d2``, then ``h1 = (0.01 / max(|f0|, d2))^(1/(order+1))`` and
    ``min(100 h0, h1)``, capped at ``t_end``.

    Examples
    --------
    >>> from nanotwin.pbpk import build_parameters, demo_design, stack_parameters
    >>> eb = edge_batch(stack_parameters([build_parameters(demo_design())] * 2))
    >>> h = initial_step(eb, 1e-6, 1e-10, 168.0, 5)
    >>> h.shape, bool(0 < h[0] < 1e-2)
    ((2,), True)
    """
    Y0 = np.tile(eb.y0, (eb.size, 1))
    sk = atol + rtol * np.abs(Y0)
    f0 = edge_rhs(eb, 0.0, Y0)
    d0 = np.sqrt(np.mean((Y0 / sk) ** 2, axis=1))
    d1 = np.sqrt(np.mean((f0 / sk) ** 2, axis=1))
    ok = (d0 >= 1e-5) & (d1 >= 1e-5)
    h0 = np.where(ok, 0.01 * d0 / np.where(ok, d1, 1.0), 1e-6)
    f1 = edge_rhs(eb, h0, Y0 + h0[:, None] * f0)
    d2 = np.sqrt(np.mean(((f1 - f0) / sk) ** 2, axis=1)) / h0
    dm = np.maximum(d1, d2)
    big = dm > 1e-15
    h1 = np.where(big, (0.01 / np.where(big, dm, 1.0)) ** (1.0 / (order + 1)),
                  np.maximum(1e-6, h0 * 1e-3))
    return np.minimum(np.minimum(100.0 * h0, h1), t_end)


def batch_simulate(params: Any, times: Sequence[float] | np.ndarray, *,
                   outputs: Sequence[str] = ("pct_id", "activity_pct"),
                   keep_time_courses: bool = True, rtol: float = 1e-6,
                   atol: float = 1e-9, method: str = "rodas5p") -> Any:
    """Simulate a batch of PBPK parameter sets at once (numba RODAS4, parallel over subjects).

    Parameters
    ----------
    params
        :class:`nanotwin.pbpk.PBPKParameters` with arrays of shape ``(n,)`` (see
        :func:`nanotwin.pbpk.stack_parameters` or :func:`nanotwin.population.sample_population`).
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
        1996, order 4); see :func:`nanotwin.population._kernels.tableau`.

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
    from nanotwin.population import _kernels as kern
    from nanotwin.results import make_result

    if method not in ("rodas5p", "rodas4"):
        raise DesignError(f"method: unknown {method!r}; use 'rodas5p' or 'rodas4'")
    bad = set(outputs) - {"pct_id", "activity_pct"}
    if bad:
        raise DesignError(f"outputs: unknown {sorted(bad)}; use 'pct_id' and/or 'activity_pct'")
    t = np.asarray(times, dtype=float)
    if t.ndim != 1 or t.size == 0 or np.any(np.diff(t) <= 0) or t[0] < 0 or t[-1] <= 0:
        raise DesignError("times: must be increasing hours >= 0 ending after 0; e.g. [1, 24]")
    eb = params if isinstance(params, EdgeBatch) else edge_batch(params)
    st = _structure(eb)
    ptr, ind, val = _output_matrix(eb.n_states)
    no = len(OUTPUT_ORGANS)
    B = eb.size
    # TIA rates: particle outputs carry label that detaches (k_det) and decays (lambda)
    rates = np.stack([eb.lambda_phys + eb.k_det, eb.lambda_phys], axis=1)
    rate_id = np.asarray([0] * no + [1] * no, dtype=np.int64)
    out = np.zeros((B, 2 * no, t.size) if keep_time_courses else (1, 1, 1))
    auc = np.zeros((B, 2 * no))
    tia = np.zeros((B, 2 * no))
    n_steps = np.zeros(B, dtype=np.int64)
    n_rej = np.zeros(B, dtype=np.int64)
    ok = np.zeros(B, dtype=np.bool_)
    # Blocks of subjects handed out dynamically to the threads (chunk size 1), so that a core
    # busy with other work does not hold up the batch; 2 x lanes subjects per block.
    import numba

    L = int(min(kern.LANES, B))
    block = int(max(L, min(2 * L, -(-B // (2 * numba.get_num_threads())))))
    gam, A, C, cc, dd, H, n_full, q = kern.tableau(method)
    h0 = initial_step(eb, float(rtol), float(atol), float(t[-1]), 4 if method == "rodas4" else 5)
    old_chunk = numba.set_parallel_chunksize(1)
    c = np.ascontiguousarray
    ip = st["iperm"]  # the kernel works on states relabelled in the elimination order
    try:
        kern.rodas_edges(c(eb.k), ip[eb.src], ip[eb.dst], eb.satpos, ip[eb.sat_state],
                         c(eb.sat_scale), ip[eb.g_rows], ip[eb.g_cols], c(eb.g_coef), c(eb.k_det),
                         c(eb.y0[st["perm"]]), float(t[-1]), t, ptr, c(ip[ind]), val, rate_id,
                         c(rates), float(rtol), float(atol), st["rows_ptr"], st["rows_idx"],
                         st["cols_ptr"], st["cols_idx"], st["Sp"], st["js_ss"], st["js_ds"],
                         st["ss_src"], st["ss_dst"], st["gs"], st["diag"], st["nslots"],
                         bool(keep_time_courses), block, L, gam, A, C, cc, dd, H, n_full, q,
                         h0, out, auc, tia, n_steps, n_rej, ok)
    finally:
        numba.set_parallel_chunksize(old_chunk)
    if not ok.all():
        raise DesignError(f"solver: {int((~ok).sum())} subjects did not finish; check their "
                          "parameters (negative or extreme rates) or loosen rtol")
    body = np.ones(no)
    body[[OUTPUT_ORGANS.index(o) for o in ("urine", "feces", "degraded")]] = 0.0
    tia_act = eb.f_rcp[:, None] * body * tia[:, :no] + tia[:, no:]
    dv: dict[str, tuple] = {
        "auc_pct_id": (("subject", "organ"), auc[:, :no], "%ID h", "AUC of particle %ID"),
        "tia_pct_h": (("subject", "organ"), tia_act, "%IA h",
                      "time-integrated activity (decays / injected activity x 100)"),
        "organ_mass_g": (("subject", "organ"), eb.organ_mass_g, "g", "organ mass"),
        "n_steps": (("subject",), n_steps, "1", "accepted solver steps"),
        "n_rejected": (("subject",), n_rej, "1", "rejected solver steps"),
    }
    if keep_time_courses:
        P = out[:, :no]
        dv["cmax_pct_id"] = (("subject", "organ"), P.max(axis=2), "%ID",
                             "maximum particle %ID at the output times")
        if "pct_id" in outputs:
            dv["pct_id"] = (("subject", "organ", "time"), P, "%ID", "particles, % injected")
        if "activity_pct" in outputs:
            intact = np.exp(-eb.k_det[:, None] * t[None, :])
            act = eb.f_rcp[:, None, None] * intact[:, None, :] * P * body[None, :, None] + \
                out[:, no:]
            dv["activity_pct"] = (("subject", "organ", "time"), act, "%IA",
                                  "activity, % of injected, decay-corrected")
    return make_result(dv, coords={"subject": np.arange(B), "organ": list(OUTPUT_ORGANS),
                                   "time": ("time", t, "h")},
                       kind="population_batch",
                       attrs={"solver": f"{method.upper()} batched (numba)", "rtol": rtol,
                              "atol": atol})
