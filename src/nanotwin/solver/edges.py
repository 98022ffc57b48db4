"""Edge-form compartmental models and their batched stiff integration.

A model in *edge form* has ``n`` states (amounts) and edges ``src -> dst`` with first-order rate
constants ``k`` (1/h): ``flux_e = k_e y[src_e]``, times ``1 - y[sat_e] scale_e`` on the saturable
(capacity-limited) edges, ``dy/dt = S flux`` with the incidence matrix ``S`` (mass is conserved
by construction), plus time-dependent gains ``g y[col] exp(-k_det t)`` into rows ``row`` (label
detachment). Nothing here knows which model it is: :mod:`nanotwin.pbpk.model` compiles a PBPK
parameter set into this form (:func:`nanotwin.pbpk.model.compiled`), and the batched population
solver and the single-design simulation both integrate it with :func:`integrate`.

The symbolic part (sparsity pattern, minimum-degree order, LU fill, slot maps) depends only on
the edge *structure*, so it is computed once per structure and cached (:func:`structure`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["Structure", "structure", "integrate", "METHODS"]

#: Methods of :func:`integrate` and the order of their error estimate's main method.
METHODS = {"rodas5p": 5, "rodas4": 4}


@dataclass(frozen=True, eq=False)
class Structure:
    """Symbolic structure of an edge-form model (the kernel's labels are the elimination order).

    ``perm[i]`` is the original state of kernel state ``i``; ``iperm`` the inverse. All index
    arrays are int64 in kernel labels.
    """

    n: int
    perm: np.ndarray
    iperm: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    satpos: np.ndarray
    sat_state: np.ndarray
    g_rows: np.ndarray
    g_cols: np.ndarray
    rows_ptr: np.ndarray
    rows_idx: np.ndarray
    cols_ptr: np.ndarray
    cols_idx: np.ndarray
    Sp: np.ndarray
    nslots: int
    js_ss: np.ndarray
    js_ds: np.ndarray
    ss_src: np.ndarray
    ss_dst: np.ndarray
    gs: np.ndarray
    diag: np.ndarray
    jr_ptr: np.ndarray
    jr_col: np.ndarray
    jr_slot: np.ndarray


_CACHE: dict[tuple, Structure] = {}


def _i64(a: Any) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(a, dtype=np.int64))


def structure(n: int, src: Any, dst: Any, satpos: Any, sat_state: Any, g_rows: Any,
              g_cols: Any) -> Structure:
    """The (cached) symbolic structure of a model with these edges.

    Parameters
    ----------
    n
        Number of states.
    src, dst
        Source and destination state of each edge.
    satpos
        Per edge: index into the saturation arrays, or -1 for a linear edge.
    sat_state
        Per saturable edge: the state whose amount saturates it.
    g_rows, g_cols
        Label gains: ``dy[row] += g y[col] exp(-k_det t)``.

    Examples
    --------
    >>> st = structure(3, [0, 1], [1, 2], [-1, 0], [2], [], [])
    >>> st.n, st is structure(3, [0, 1], [1, 2], [-1, 0], [2], [], [])
    (3, True)
    """
    arrs = [_i64(a) for a in (src, dst, satpos, sat_state, g_rows, g_cols)]
    key = (int(n), *(a.tobytes() for a in arrs))
    hit = _CACHE.get(key)
    if hit is None:
        hit = _CACHE[key] = _build(int(n), *arrs)
    return hit


def _build(n: int, src: np.ndarray, dst: np.ndarray, satpos: np.ndarray,
           sat_state: np.ndarray, g_rows: np.ndarray, g_cols: np.ndarray) -> Structure:
    from nanotwin.solver._kernels import symbolic_lu

    P = np.eye(n, dtype=bool)
    P[src, src] = True
    P[dst, src] = True
    sat_edges = np.flatnonzero(satpos >= 0)
    ss = sat_state[satpos[sat_edges]]
    P[src[sat_edges], ss] = True
    P[dst[sat_edges], ss] = True
    P[g_rows, g_cols] = True
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
        return _i64(Sp[iperm[i], iperm[j]])

    sat_src = np.zeros(sat_state.size, dtype=np.int64)
    sat_dst = np.zeros(sat_state.size, dtype=np.int64)
    sat_src[satpos[sat_edges]] = slot(src[sat_edges], ss)
    sat_dst[satpos[sat_edges]] = slot(dst[sat_edges], ss)
    # structural entries of the linear Jacobian, per row (kernel labels): (slot, column)
    rows, cols = iperm[np.concatenate([src, dst])], iperm[np.concatenate([src, src])]
    pairs = np.unique(np.stack([rows, cols], axis=1), axis=0) if src.size else np.zeros((0, 2),
                                                                                       np.int64)
    jr_ptr = np.searchsorted(pairs[:, 0], np.arange(n + 1)).astype(np.int64)
    return Structure(
        n=n, perm=_i64(perm), iperm=iperm, src=_i64(iperm[src]), dst=_i64(iperm[dst]),
        satpos=_i64(satpos), sat_state=_i64(iperm[sat_state]), g_rows=_i64(iperm[g_rows]),
        g_cols=_i64(iperm[g_cols]), rows_ptr=_i64(rp), rows_idx=_i64(ri), cols_ptr=_i64(cp),
        cols_idx=_i64(ci), Sp=Sp, nslots=int(nz.shape[0]), js_ss=slot(src, src),
        js_ds=slot(dst, src), ss_src=sat_src, ss_dst=sat_dst, gs=slot(g_rows, g_cols),
        diag=slot(np.arange(n), np.arange(n)), jr_ptr=jr_ptr, jr_col=_i64(pairs[:, 1]),
        jr_slot=_i64(Sp[pairs[:, 0], pairs[:, 1]]))


def _f64(a: Any, shape: tuple[int, ...]) -> np.ndarray:
    out = np.ascontiguousarray(np.asarray(a, dtype=float))
    if out.shape != shape:
        raise DesignError(f"solver: an input has shape {out.shape}, expected {shape}", "solver")
    return out


def integrate(st: Structure, k: Any, sat_scale: Any, g_coef: Any, k_det: Any, y0: Any,
              times: Any, *, outputs: tuple[Any, Any, Any] | None = None,
              rates: Any = None, rate_id: Any = None, rtol: float = 1e-6, atol: float = 1e-9,
              method: str = "rodas5p", keep: bool | int = True, integrals: bool = True,
              out: np.ndarray | None = None, lanes: int | None = None) -> dict[str, np.ndarray]:
    """Integrate ``B`` subjects of one edge structure from 0 to ``times[-1]``.

    Parameters
    ----------
    st
        :func:`structure` of the model.
    k, sat_scale, g_coef
        Per subject: edge rate constants (B, E), saturation scales (B, n_sat), gain
        coefficients (B, n_g).
    k_det
        Per subject: rate of the gains' decay exp(-k_det t) (B,).
    y0
        Initial state (n,), shared by all subjects (original state labels).
    times
        Output times (h, increasing, >= 0).
    outputs
        ``(ptr, idx, val)``: CSR rows of the outputs ``z = W y`` over the original states;
        ``None``: every state is an output.
    rates, rate_id
        Decay rates per subject (B, n_rates) and, per output, the rate of its decay-weighted
        integral (or -1): ``tia = int_0^inf z exp(-rate t) dt`` (tail after ``times[-1]`` by the
        rate alone).
    rtol, atol
        Local error tolerances.
    method
        ``"rodas5p"`` or ``"rodas4"`` (:func:`nanotwin.solver._kernels.tableau`).
    keep
        Keep ``z`` at ``times``: ``True`` all outputs, an int ``m`` the first ``m`` (others only
        enter the integrals), ``False`` none.
    integrals
        Compute ``auc = int_0^T z dt`` and ``tia``.
    out
        Where to write the kept outputs, a C-contiguous (B, n_times, m) array (else allocated).
    lanes
        Subjects integrated together (default :data:`nanotwin.solver._kernels.LANES`).

    Returns
    -------
    dict
        ``out`` (B, n_times, m), time-major, when ``keep``; ``auc`` and ``tia`` (B, n_out),
        ``n_steps`` and ``n_rejected`` (B,).

    Examples
    --------
    >>> st = structure(2, [0], [1], [-1], [], [], [])   # A -> B at 1/h
    >>> r = integrate(st, [[1.0]], np.zeros((1, 0)), np.zeros((1, 0)), [0.0], [1.0, 0.0],
    ...               [0.0, 1.0], rtol=1e-10, atol=1e-14)
    >>> round(float(r["out"][0, 1, 0]), 9) == round(float(np.exp(-1.0)), 9)
    True
    """
    import numba

    from nanotwin.solver import _kernels as kern

    if method not in METHODS:
        raise DesignError(f"method: unknown {method!r}; use 'rodas5p' or 'rodas4'", "method")
    t = np.ascontiguousarray(np.asarray(times, dtype=float))
    if t.ndim != 1 or t.size == 0 or np.any(~np.isfinite(t)) or t[0] < 0 or np.any(
            np.diff(t) <= 0) or t[-1] <= 0:
        raise DesignError("times: must be increasing hours >= 0 ending after 0; e.g. [1, 24]",
                          "times")
    kk = np.ascontiguousarray(np.asarray(k, dtype=float))
    B = kk.shape[0]
    kk = _f64(kk, (B, st.src.size))
    n = st.n
    sc = _f64(sat_scale, (B, st.sat_state.size))
    gc = _f64(g_coef, (B, st.g_rows.size))
    kd = _f64(np.broadcast_to(np.asarray(k_det, dtype=float), (B,)), (B,))
    y0p = _f64(np.asarray(y0, dtype=float)[st.perm], (n,))
    if outputs is None:
        ptr, idx, val = np.arange(n + 1), np.arange(n), np.ones(n)
    else:
        ptr, idx, val = outputs
    ptr, idx = _i64(ptr), _i64(st.iperm[np.asarray(idx, dtype=np.int64)])
    val = np.ascontiguousarray(np.asarray(val, dtype=float))
    n_out = ptr.size - 1
    if rates is None:
        rates = np.zeros((B, 0))
        rate_id = np.full(n_out, -1)
    rt = _f64(rates, (B, np.shape(rates)[1]))
    rid = _i64(rate_id)
    m = 0 if keep is False else (n_out if keep is True else int(keep))
    if out is None:
        out = np.empty((B, t.size, m) if m else (1, 1, 1))
    elif m and (out.shape != (B, t.size, m) or not out.flags.c_contiguous):
        raise DesignError(f"solver: out must be a C-contiguous {(B, t.size, m)} array", "solver")
    auc = np.zeros((B, n_out))
    tia = np.zeros((B, n_out))
    n_steps = np.zeros(B, dtype=np.int64)
    n_rej = np.zeros(B, dtype=np.int64)
    ok = np.zeros(B, dtype=np.bool_)
    gam, A, C, cc, dd, H, n_full, q = kern.tableau(method)
    L = int(max(1, min(lanes or kern.LANES, B)))
    args = (kk, st.src, st.dst, st.satpos, st.sat_state, sc, st.g_rows, st.g_cols, gc, kd, y0p,
            float(t[-1]), t, ptr, idx, val, rid, rt, float(rtol), float(atol), st.rows_ptr,
            st.rows_idx, st.cols_ptr, st.cols_idx, st.Sp, st.js_ss, st.js_ds, st.ss_src,
            st.ss_dst, st.gs, st.diag, st.nslots, st.jr_ptr, st.jr_col, st.jr_slot, bool(m),
            bool(integrals), METHODS[method], gam, A, C, cc, dd, H, n_full, q,
            out, auc, tia, n_steps, n_rej, ok)
    threads = numba.get_num_threads()
    if B <= L or threads == 1:  # one block: no thread pool (faster start for one design)
        kern.rodas_block(0, B, L, *args)
    else:
        # blocks of subjects handed out dynamically to the threads (chunk size 1), so that a
        # core busy with other work does not hold up the batch; >= 4 blocks per thread
        block = int(max(L, min(4 * L, -(-B // (4 * threads)))))
        old = numba.set_parallel_chunksize(1)
        try:
            kern.rodas_batch(block, L, *args)
        finally:
            numba.set_parallel_chunksize(old)
    if not ok.all():
        raise DesignError(f"solver: {int((~ok).sum())} subjects did not finish; check their "
                          "parameters (negative or extreme rates) or loosen rtol", "solver")
    res = {"auc": auc, "tia": tia, "n_steps": n_steps, "n_rejected": n_rej}
    if m:
        res["out"] = out
    return res


def starting_steps(st: Structure, k: Any, sat_scale: Any, g_coef: Any, k_det: Any, y0: Any,
                   t_end: float, rtol: float, atol: float, order: int) -> np.ndarray:
    """The starting step (h) that :func:`integrate` takes for each subject."""
    from nanotwin.solver import _kernels as kern

    kk = np.ascontiguousarray(np.asarray(k, dtype=float))
    B = kk.shape[0]
    return kern.starting_steps(
        kk, st.src, st.dst, st.satpos, st.sat_state, _f64(sat_scale, (B, st.sat_state.size)),
        st.g_rows, st.g_cols, _f64(g_coef, (B, st.g_rows.size)),
        _f64(np.broadcast_to(np.asarray(k_det, dtype=float), (B,)), (B,)), np.zeros((B, 0)),
        _f64(np.asarray(y0, dtype=float)[st.perm], (st.n,)), float(t_end), float(rtol),
        float(atol), int(order), st.js_ss, st.js_ds, st.nslots, st.jr_ptr, st.jr_col,
        st.jr_slot)
