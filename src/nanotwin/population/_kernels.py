"""Numba kernels of the batched Rosenbrock solver (sparse LU without pivoting, dense output).

The iteration matrix of a Rosenbrock step is ``E = I/(h*gamma) - J``. For a compartmental model
(mass-conserving flows between compartments, Jacquez & Simon 1993, SIAM Rev 35:43) ``J`` has
non-negative off-diagonal entries and non-positive column sums, so ``E`` is strictly column
diagonally dominant and Gaussian elimination without pivoting is stable (Golub & Van Loan, Matrix
Computations, 4th ed., Thm 3.4.3). That allows a *symbolic* sparse LU computed once from the
Jacobian's sparsity pattern (minimum-degree ordering) and reused for every subject and step.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["symbolic_lu", "rodas_edges"]


def symbolic_lu(pattern: np.ndarray) -> tuple[np.ndarray, ...]:
    """Ordering and fill pattern of an LU factorisation of a matrix with this sparsity.

    Greedy minimum-degree ordering (Tinney & Walker 1967) on the symmetrised pattern, then a
    symbolic elimination giving, for each pivot ``k`` (in the new order), the rows ``i > k`` of L
    and the columns ``j > k`` of U that are structurally non-zero.

    Returns ``perm, rows_ptr, rows_idx, cols_ptr, cols_idx`` (int64 arrays).

    Examples
    --------
    >>> pat = np.eye(4, dtype=bool); pat[0, :] = pat[:, 0] = True   # arrowhead on state 0
    >>> perm, rows_ptr, rows_idx, cols_ptr, cols_idx = symbolic_lu(pat)
    >>> int(perm[0]) != 0, len(rows_idx)    # hub not first: no fill-in, 3 entries in L
    (True, 3)
    """
    n = pattern.shape[0]
    P = np.asarray(pattern, dtype=bool) | np.eye(n, dtype=bool)
    S = P | P.T
    remaining = list(range(n))
    G = S.copy()
    perm = []
    while remaining:
        deg = [int(G[i, remaining].sum()) for i in remaining]
        k = remaining[int(np.argmin(deg))]
        nbrs = [j for j in remaining if j != k and G[k, j]]
        for a in nbrs:
            for b in nbrs:
                G[a, b] = True
        perm.append(k)
        remaining.remove(k)
    perm_arr = np.asarray(perm, dtype=np.int64)
    A = P[np.ix_(perm_arr, perm_arr)].copy()
    for k in range(n):
        rows = np.flatnonzero(A[k + 1:, k]) + k + 1
        cols = np.flatnonzero(A[k, k + 1:]) + k + 1
        for i in rows:
            A[i, cols] = True
    rows_ptr = [0]
    rows_idx: list[int] = []
    cols_ptr = [0]
    cols_idx: list[int] = []
    for k in range(n):
        r = np.flatnonzero(A[k + 1:, k]) + k + 1
        c = np.flatnonzero(A[k, k + 1:]) + k + 1
        rows_idx.extend(int(x) for x in r)
        cols_idx.extend(int(x) for x in c)
        rows_ptr.append(len(rows_idx))
        cols_ptr.append(len(cols_idx))
    as_i = lambda x: np.asarray(x, dtype=np.int64)  # noqa: E731
    return perm_arr, as_i(rows_ptr), as_i(rows_idx), as_i(cols_ptr), as_i(cols_idx)


#: Subjects integrated together per block (lanes). A run-time loop bound: LLVM's loop vectoriser
#: then emits packed code with run-time alias checks (measured 3.5x faster per lane than a
#: compile-time 8, which is unrolled into scalar code).
LANES = 64
_FM = {"nsz", "arcp", "contract", "reassoc"}  # fast-math without assuming finite values


@njit(cache=True, fastmath=_FM)
def _rhs_lanes(t, y, k, src, dst, satpos, sat_state, sc, g_rows, g_cols, gc, kd, dy):
    """Lane-vectorised :func:`_edge_rhs`: y, dy (n, L); k (E, L); sc (n_sat, L); t, kd (L,)."""
    n, L = y.shape
    for i in range(n):
        for ln in range(L):
            dy[i, ln] = 0.0
    for e in range(src.shape[0]):
        s = satpos[e]
        a = src[e]
        d = dst[e]
        if s >= 0:
            ss = sat_state[s]
            for ln in range(L):
                f = k[e, ln] * y[a, ln] * (1.0 - y[ss, ln] * sc[s, ln])
                dy[a, ln] -= f
                dy[d, ln] += f
        else:
            for ln in range(L):
                f = k[e, ln] * y[a, ln]
                dy[a, ln] -= f
                dy[d, ln] += f
    ex = np.exp(-kd * t)
    for g in range(g_rows.shape[0]):
        r = g_rows[g]
        c = g_cols[g]
        for ln in range(L):
            dy[r, ln] += gc[g, ln] * y[c, ln] * ex[ln]


@njit(parallel=True, cache=True, fastmath=_FM)
def rodas_edges(kS, src, dst, satpos, sat_state, scS, g_rows, g_cols, gcS, kdS,
                y0, t_end, times, W_ptr, W_idx, W_val, rate_id, rates, rtol, atol,
                rows_ptr, rows_idx, cols_ptr, cols_idx, Sp,
                js_ss, js_ds, ss_src, ss_dst, gs, diag, nslots, keep, block, lanes,
                out, auc, tia, n_steps, n_rej, ok_flag):  # pragma: no cover - jit
    """RODAS4 (Hairer & Wanner 1996) for an edge-form PBPK model, many subjects in parallel.

    Per-subject inputs are ``kS`` (B, E), ``scS`` (B, n_sat), ``gcS`` (B, n_g), ``kdS`` (B,) and
    ``rates`` (B, n_rates). Blocks of subjects run in parallel (prange); inside a block
    ``lanes`` subjects are integrated together and every arithmetic loop runs over the lanes.
    Each lane has its own time, step size and accept/reject decision (Hairer's controller).
    Per step: analytic
    Jacobian into sparse slots, sparse LU of I/(h gamma) - J in the minimum-degree order (no
    pivoting: column diagonally dominant compartmental matrix), six stages, dense output of the
    outputs ``z = W y`` at ``times`` (when ``keep``), exact step integrals of ``z`` (AUC) and
    8-point Gauss-Legendre step integrals of ``z exp(-rate t)`` (TIA), with a tail after
    ``t_end`` by the rate alone. Subjects are taken from a queue per block of ``block``
    subjects: a lane that finishes loads the next subject at once, so lanes never wait for the
    slowest subject of a group.
    """
    B = kS.shape[0]
    L = lanes
    nblk = (B + block - 1) // block
    n = y0.shape[0]
    n_out = W_ptr.shape[0] - 1
    nt = times.shape[0]
    n_rates = rates.shape[1]
    n_e = kS.shape[1]
    n_s = scS.shape[1]
    n_g = gcS.shape[1]
    gam = 0.25
    cc = np.array([0.0, 0.386, 0.21, 0.63, 1.0, 1.0])
    dcf = np.array([0.25, -0.1043, 0.1035, -0.0362000000000000023, 0.0, 0.0])
    A = np.zeros((6, 5))
    A[1, 0] = 1.544
    A[2, 0], A[2, 1] = 0.9466785280815826, 0.2557011698983284
    A[3, 0], A[3, 1], A[3, 2] = 3.314825187068521, 2.896124015972201, 0.9986419139977817
    A[4, 0], A[4, 1], A[4, 2], A[4, 3] = (1.221224509226641, 6.019134481288629,
                                          12.53708332932087, -0.6878860361058950)
    C = np.zeros((6, 5))
    C[1, 0] = -5.6688
    C[2, 0], C[2, 1] = -2.430093356833875, -0.2063599157091915
    C[3, 0], C[3, 1], C[3, 2] = -0.1073529058151375, -9.594562251023355, -20.47028614809616
    C[4, 0], C[4, 1], C[4, 2], C[4, 3] = (7.496443313967647, -10.24680431464352,
                                          -33.99990352819905, 11.70890893206160)
    C[5, 0], C[5, 1], C[5, 2], C[5, 3], C[5, 4] = (8.083246795921522, -7.981132988064893,
                                                   -31.52159432874371, 16.31930543123136,
                                                   -6.058818238834054)
    H2 = np.array([10.12623508344586, -7.487995877610167, -34.80091861555747,
                   -7.992771707568823, 1.025137723295662])
    H3 = np.array([-0.6762803392801253, 6.087714651680015, 16.43084320892478,
                   24.76722511418386, -6.594389125716872])
    glx = np.array([0.019855071751231856, 0.10166676129318664, 0.2372337950418355,
                    0.4082826787521751, 0.5917173212478249, 0.7627662049581645,
                    0.8983332387068134, 0.9801449282487681])
    glw = np.array([0.05061426814518813, 0.11119051722668724, 0.15685332293894363,
                    0.18134189168918100, 0.18134189168918100, 0.15685332293894363,
                    0.11119051722668724, 0.05061426814518813])
    for blk in prange(nblk):
        b_next = blk * block
        b_stop = min(B, b_next + block)
        k = np.zeros((n_e, L))
        sc = np.zeros((n_s, L))
        gc = np.zeros((n_g, L))
        kd = np.zeros(L)
        rt = np.zeros((n_rates, L))
        sid = np.full(L, -1, dtype=np.int64)
        y = np.zeros((n, L))
        f0 = np.empty((n, L))
        Jv = np.zeros((nslots, L))
        Jlin = np.zeros((nslots, L))
        Ev = np.zeros((nslots, L))
        K = np.zeros((6, n, L))
        ys = np.empty((n, L))
        y5 = np.empty((n, L))
        fs = np.empty((n, L))
        ft = np.empty((n, L))
        r = np.empty((n, L))
        dinv = np.empty((n, L))
        x = np.empty((n, L))
        ynew = np.empty((n, L))
        zc = np.empty((4, n_out, L))
        piv = np.empty(L)
        m = np.empty(L)
        t = np.full(L, t_end)
        h = np.full(L, 1e-4 * t_end)
        hs = np.empty(L)
        fac = np.empty(L)
        ih = np.empty(L)
        tc = np.empty(L)
        err = np.empty(L)
        ex = np.empty(L)
        acc = np.zeros(L, dtype=np.bool_)
        last_rej = np.zeros(L, dtype=np.bool_)
        iout = np.zeros(L, dtype=np.int64)
        steps = np.zeros(L, dtype=np.int64)
        rej = np.zeros(L, dtype=np.int64)
        ewv = np.empty((n_rates, 8, L))
        auc_l = np.zeros((n_out, L))
        tia_l = np.zeros((n_out, L))
        accf = np.zeros(L)
        it = 0
        while True:
            # finished lanes: tail of the decay integrals, counters; then load the next subject
            loaded = False
            for ln in range(L):
                if t[ln] < t_end:
                    continue
                b = sid[ln]
                if b >= 0:
                    for o in range(n_out):
                        auc[b, o] = auc_l[o, ln]
                        tia[b, o] = tia_l[o, ln]
                        auc_l[o, ln] = 0.0
                        tia_l[o, ln] = 0.0
                        q_ = rate_id[o]
                        if q_ >= 0 and rt[q_, ln] > 0.0:
                            a1 = 0.0
                            for qq in range(W_ptr[o], W_ptr[o + 1]):
                                a1 += W_val[qq] * y[W_idx[qq], ln]
                            tia[b, o] += a1 * np.exp(-rt[q_, ln] * t_end) / rt[q_, ln]
                    n_steps[b] = steps[ln]
                    n_rej[b] = rej[ln]
                    ok_flag[b] = True
                    sid[ln] = -1
                if b_next < b_stop:
                    b = b_next
                    b_next += 1
                    sid[ln] = b
                    for e in range(n_e):
                        k[e, ln] = kS[b, e]
                    for q in range(n_s):
                        sc[q, ln] = scS[b, q]
                    for q in range(n_g):
                        gc[q, ln] = gcS[b, q]
                    kd[ln] = kdS[b]
                    for q in range(n_rates):
                        rt[q, ln] = rates[b, q]
                    for i in range(n):
                        y[i, ln] = y0[i]
                    for q in range(nslots):
                        Jlin[q, ln] = 0.0
                    for e in range(n_e):
                        if satpos[e] < 0:
                            Jlin[js_ss[e], ln] -= k[e, ln]
                            Jlin[js_ds[e], ln] += k[e, ln]
                    t[ln] = 0.0
                    h[ln] = 1e-4 * t_end
                    iout[ln] = 0
                    steps[ln] = 0
                    rej[ln] = 0
                    last_rej[ln] = False
                    loaded = True
            if loaded:
                _rhs_lanes(t, y, k, src, dst, satpos, sat_state, sc, g_rows, g_cols, gc, kd, f0)
            active = 0
            for ln in range(L):
                if t[ln] < t_end:
                    active += 1
            if active == 0:
                break
            it += 1
            if it > 10000000:  # runaway guard: unfinished subjects keep ok_flag False
                break
            for ln in range(L):
                if t[ln] < t_end:
                    hs[ln] = min(h[ln], t_end - t[ln])
                else:
                    hs[ln] = 1.0  # finished lane: dummy step, never accepted
                fac[ln] = 1.0 / (hs[ln] * gam)
                ih[ln] = 1.0 / hs[ln]
                ex[ln] = np.exp(-kd[ln] * t[ln])
            # analytic Jacobian and df/dt at (t, y): constant part + saturable edges + gains
            for s_ in range(nslots):
                for ln in range(L):
                    Jv[s_, ln] = Jlin[s_, ln]
            for e in range(src.shape[0]):
                s = satpos[e]
                if s >= 0:
                    a = src[e]
                    j1 = js_ss[e]
                    j2 = js_ds[e]
                    ss = sat_state[s]
                    q1 = ss_src[s]
                    q2 = ss_dst[s]
                    for ln in range(L):
                        keff = k[e, ln] * (1.0 - y[ss, ln] * sc[s, ln])
                        dsat = -k[e, ln] * y[a, ln] * sc[s, ln]
                        Jv[q1, ln] -= dsat
                        Jv[q2, ln] += dsat
                        Jv[j1, ln] -= keff
                        Jv[j2, ln] += keff
            for i in range(n):
                for ln in range(L):
                    ft[i, ln] = 0.0
            for g in range(g_rows.shape[0]):
                q = gs[g]
                rr_ = g_rows[g]
                cl = g_cols[g]
                for ln in range(L):
                    Jv[q, ln] += gc[g, ln] * ex[ln]
                    ft[rr_, ln] -= kd[ln] * gc[g, ln] * y[cl, ln] * ex[ln]
            # E = fac I - J and its sparse LU
            for s_ in range(nslots):
                for ln in range(L):
                    Ev[s_, ln] = -Jv[s_, ln]
            for i in range(n):
                q = diag[i]
                for ln in range(L):
                    Ev[q, ln] += fac[ln]
            for kk in range(n):
                pk = Sp[kk, kk]
                for ln in range(L):
                    piv[ln] = 1.0 / Ev[pk, ln]
                    dinv[kk, ln] = piv[ln]
                for ii in range(rows_ptr[kk], rows_ptr[kk + 1]):
                    i = rows_idx[ii]
                    q = Sp[i, kk]
                    for ln in range(L):
                        m[ln] = Ev[q, ln] * piv[ln]
                        Ev[q, ln] = m[ln]
                    for jj in range(cols_ptr[kk], cols_ptr[kk + 1]):
                        j = cols_idx[jj]
                        q1 = Sp[i, j]
                        q2 = Sp[kk, j]
                        for ln in range(L):
                            Ev[q1, ln] -= m[ln] * Ev[q2, ln]
            for st in range(6):
                if st == 0:
                    for i in range(n):
                        for ln in range(L):
                            r[i, ln] = f0[i, ln] + hs[ln] * dcf[0] * ft[i, ln]
                else:
                    if st == 5:
                        for i in range(n):
                            for ln in range(L):
                                ys[i, ln] = y5[i, ln] + K[4, i, ln]
                    else:
                        for i in range(n):
                            for ln in range(L):
                                ys[i, ln] = y[i, ln]
                            for j in range(st):
                                a_ = A[st, j]
                                for ln in range(L):
                                    ys[i, ln] += a_ * K[j, i, ln]
                        if st == 4:
                            for i in range(n):
                                for ln in range(L):
                                    y5[i, ln] = ys[i, ln]
                    for ln in range(L):
                        tc[ln] = t[ln] + cc[st] * hs[ln]
                    _rhs_lanes(tc, ys, k, src, dst, satpos, sat_state, sc, g_rows, g_cols, gc,
                               kd, fs)
                    for i in range(n):
                        for ln in range(L):
                            x[i, ln] = 0.0
                        for j in range(st):
                            c_ = C[st, j]
                            for ln in range(L):
                                x[i, ln] += c_ * K[j, i, ln]
                        for ln in range(L):
                            r[i, ln] = fs[i, ln] + x[i, ln] * ih[ln] + hs[ln] * dcf[st] * ft[i, ln]
                # solve (fac I - J) K[st] = r (states are already in the elimination order)
                for kk in range(n):
                    for ln in range(L):
                        K[st, kk, ln] = r[kk, ln]
                for kk in range(n):
                    for ii in range(rows_ptr[kk], rows_ptr[kk + 1]):
                        i = rows_idx[ii]
                        q = Sp[i, kk]
                        for ln in range(L):
                            K[st, i, ln] -= Ev[q, ln] * K[st, kk, ln]
                for kk in range(n - 1, -1, -1):
                    for jj in range(cols_ptr[kk], cols_ptr[kk + 1]):
                        j = cols_idx[jj]
                        q = Sp[kk, j]
                        for ln in range(L):
                            K[st, kk, ln] -= Ev[q, ln] * K[st, j, ln]
                    for ln in range(L):
                        K[st, kk, ln] *= dinv[kk, ln]
            for ln in range(L):
                err[ln] = 0.0
            for i in range(n):
                for ln in range(L):
                    yn = ys[i, ln] + K[5, i, ln]  # ys holds Y6 = Y5 + K5
                    ynew[i, ln] = yn
                    skv = atol + rtol * max(abs(y[i, ln]), abs(yn))
                    w = K[5, i, ln] / skv
                    err[ln] += w * w
            n_acc = 0
            for ln in range(L):
                e_ = np.sqrt(err[ln] / n)
                if not np.isfinite(e_):
                    e_ = 1e10
                fc = max(1.0 / 6.0, min(5.0, max(e_, 1e-12) ** 0.25 / 0.9))
                hnew = hs[ln] / fc
                acc[ln] = (t[ln] < t_end) and (e_ <= 1.0)
                accf[ln] = 1.0 if acc[ln] else 0.0
                if t[ln] < t_end:
                    if acc[ln]:
                        if last_rej[ln] and hnew > hs[ln]:
                            hnew = hs[ln]
                        last_rej[ln] = False
                        n_acc += 1
                    else:
                        last_rej[ln] = True
                        rej[ln] += 1
                    h[ln] = hnew
            if n_acc == 0:
                continue
            # dense-output coefficients of the outputs: z0, z1, d2, d3 (Hairer's CONTRO)
            for o in range(n_out):
                for ln in range(L):
                    zc[0, o, ln] = 0.0
                    zc[1, o, ln] = 0.0
                    zc[2, o, ln] = 0.0
                    zc[3, o, ln] = 0.0
                for qq in range(W_ptr[o], W_ptr[o + 1]):
                    j = W_idx[qq]
                    w = W_val[qq]
                    for ln in range(L):
                        zc[0, o, ln] += w * y[j, ln]
                        zc[1, o, ln] += w * ynew[j, ln]
                        zc[2, o, ln] += w * (H2[0] * K[0, j, ln] + H2[1] * K[1, j, ln]
                                            + H2[2] * K[2, j, ln] + H2[3] * K[3, j, ln]
                                            + H2[4] * K[4, j, ln])
                        zc[3, o, ln] += w * (H3[0] * K[0, j, ln] + H3[1] * K[1, j, ln]
                                            + H3[2] * K[2, j, ln] + H3[3] * K[3, j, ln]
                                            + H3[4] * K[4, j, ln])
            for q_ in range(n_rates):
                for q in range(8):
                    for ln in range(L):
                        ewv[q_, q, ln] = (np.exp(-rt[q_, ln] * (t[ln] + glx[q] * hs[ln]))
                                         * glw[q] * hs[ln] * accf[ln])
            for o in range(n_out):
                q_ = rate_id[o]
                for ln in range(L):
                    auc_l[o, ln] += accf[ln] * hs[ln] * (0.5 * (zc[0, o, ln] + zc[1, o, ln])
                                                         + zc[2, o, ln] / 6.0
                                                         + zc[3, o, ln] / 12.0)
                if q_ >= 0:
                    for q in range(8):
                        sv = glx[q]
                        s1 = 1.0 - sv
                        for ln in range(L):
                            zq = s1 * zc[0, o, ln] + sv * (zc[1, o, ln] + s1 * (
                                zc[2, o, ln] + sv * zc[3, o, ln]))
                            tia_l[o, ln] += zq * ewv[q_, q, ln]
            for ln in range(L):
                if not acc[ln]:
                    continue
                b = sid[ln]
                hh = hs[ln]
                t1 = t[ln] + hh
                if t1 >= t_end * (1.0 - 1e-13):
                    t1 = t_end
                if keep:
                    while iout[ln] < nt and times[iout[ln]] <= t1:
                        sv = (times[iout[ln]] - t[ln]) / hh
                        s1 = 1.0 - sv
                        for o in range(n_out):
                            out[b, o, iout[ln]] = s1 * zc[0, o, ln] + sv * (
                                zc[1, o, ln] + s1 * (zc[2, o, ln] + sv * zc[3, o, ln]))
                        iout[ln] += 1
                for i in range(n):
                    y[i, ln] = ynew[i, ln]
                t[ln] = t1
                steps[ln] += 1
            _rhs_lanes(t, y, k, src, dst, satpos, sat_state, sc, g_rows, g_cols, gc, kd, f0)
