"""Numba kernels of the batched Rosenbrock solver (sparse LU without pivoting, dense output).

The iteration matrix of a Rosenbrock step is ``E = I/(h*gamma) - J``. For a compartmental model
(mass-conserving flows between compartments, Jacquez & Simon 1993, SIAM Rev 35:43) ``J`` has
non-negative off-diagonal entries and non-positive column sums, so ``E`` is strictly column
diagonally dominant and Gaussian elimination without pivoting is stable (Golub & Van Loan, Matrix
Computations, 4th ed., Thm 3.4.3). That allows a *symbolic* sparse LU computed once from the
Jacobian's sparsity pattern (minimum-degree ordering) and reused for every subject and step.

Layout: ``L`` subjects ("lanes") are integrated together, every array is ``(rows, L)`` and every
arithmetic loop runs over the lanes (packed SIMD code). The model enters only through its
*edge form* (``src``/``dst``/rate per edge, saturable edges, label gains; see
:mod:`nanotwin.solver.edges`): the right-hand side is ``-Jl y`` over the structural entries of
the constant (linear) Jacobian ``Jl`` that each lane assembles once per subject, plus the
saturation terms and the time-dependent gains.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["symbolic_lu", "tableau", "rodas_block", "rodas_batch", "starting_steps", "LANES"]


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
#: then emits packed code with run-time alias checks (a compile-time 8 is unrolled into scalar
#: code instead, measured 3.5x slower per lane).
LANES = 64
_FM = {"nsz", "arcp", "contract", "reassoc"}  # fast-math without assuming finite values
_MAX_STEPS = 200000  # accepted + rejected steps of one subject before it is given up


@njit(cache=True, fastmath=_FM)
def _rhs(t, y, Jl, jr_ptr, jr_col, jr_slot, sat_src, sat_dst, sat_state, kss, g_rows, g_cols,
         gc, kd, ex, l0, l1, dy):  # pragma: no cover - jit
    """``dy = f(t, y)`` for lanes ``l0 <= ln < l1``.

    Linear part: ``dy_i = -sum_q Jl[slot_q] y[col_q]`` over the structural entries of row ``i``
    (``Jl`` holds ``-J`` of the linear flows, saturable edges included at their linear rate);
    saturation: ``+k sc y_src y_sat`` at the source and ``-`` at the destination (``kss = k
    sc``); label gains ``+ g y[col] exp(-kd t)``. ``ex`` is scratch (receives ``exp(-kd t)``).
    """
    n = y.shape[0]
    for i in range(n):
        for ln in range(l0, l1):
            dy[i, ln] = 0.0
        for q in range(jr_ptr[i], jr_ptr[i + 1]):
            sl = jr_slot[q]
            j = jr_col[q]
            for ln in range(l0, l1):
                dy[i, ln] -= Jl[sl, ln] * y[j, ln]
    for s in range(sat_state.shape[0]):
        a = sat_src[s]
        d = sat_dst[s]
        ss = sat_state[s]
        for ln in range(l0, l1):
            f = kss[s, ln] * y[a, ln] * y[ss, ln]
            dy[a, ln] += f
            dy[d, ln] -= f
    if g_rows.shape[0]:
        for ln in range(l0, l1):
            ex[ln] = np.exp(-kd[ln] * t[ln])
        for g in range(g_rows.shape[0]):
            r = g_rows[g]
            c = g_cols[g]
            for ln in range(l0, l1):
                dy[r, ln] += gc[g, ln] * y[c, ln] * ex[ln]


def tableau(method: str) -> tuple:
    """Coefficients of a stiffly accurate Rosenbrock method with dense output.

    ``"rodas5p"``: Steinebach G. (2023), Construction of Rosenbrock-Wanner method Rodas5P and
    numerical benchmarks within the Julia Differential Equations package, BIT Numer. Math. 63:27
    (doi:10.1007/s10543-023-00967-x): 8 stages, order 5(4), L-stable, dense output of order 4;
    coefficients as published with OrdinaryDiffEq.jl (``Rodas5PTableau``).
    ``"rodas4"``: Hairer & Wanner (1996), Solving ODEs II, Sec. IV.7 (Fortran RODAS, METH=1):
    6 stages, order 4(3), dense output of order 3.

    Returns ``gamma, A, C, c, d, H, n_full, err_exp``: stages ``i < n_full`` start from
    ``y + sum_j A[i, j] K_j``; later stages add the previous increment (stiffly accurate
    form); ``C`` is divided by h in the stage right-hand sides; ``H`` (3, s) gives the dense
    output ``(1-s) y0 + s (y1 + (1-s) (H0 K + s (H1 K + s H2 K)))``; ``err_exp`` is
    1/(order of the embedded method + 1).

    Examples
    --------
    >>> gam, A, C, c, d, H, n_full, q = tableau("rodas5p")
    >>> A.shape, n_full, round(q, 3)
    ((8, 8), 6, 0.2)
    """
    if method == "rodas5p":
        s, n_full, gam, q = 8, 6, 0.21193756319429014, 1.0 / 5.0
        a = [[3.0],
             [2.849394379747939, 0.45842242204463923],
             [-6.954028509809101, 2.489845061869568, -10.358996098473584],
             [2.8029986275628964, 0.5072464736228206, -0.3988312541770524,
              -0.04721187230404641],
             [-7.502846399306121, 2.561846144803919, -11.627539656261098,
              -0.18268767659942256, 0.030198172008377946]]
        cm = [[-14.155112264123755],
              [-17.97296035885952, -2.859693295451294],
              [147.12150275711716, -1.41221402718213, 71.68940251302358],
              [165.43517024871676, -0.4592823456491126, 42.90938336958603, -5.961986721573306],
              [24.854864614690072, -3.0009227002832186, 47.4931110020768, 5.5814197821558125,
               -0.6610691825249471],
              [30.91273214028599, -3.1208243349937974, 77.79954646070892, 34.28646028294783,
               -19.097331116725623, -28.087943162872662],
              [37.80277123390563, -3.2571969029072276, 112.26918849496327, 66.9347231244047,
               -40.06618937091002, -54.66780262877968, -9.48861652309627]]
        c = [0.0, 0.6358126895828704, 0.4095798393397535, 0.9769306725060716,
             0.4288403609558664, 1.0, 1.0, 1.0]
        d = [0.21193756319429014, -0.42387512638858027, -0.3384627126235924,
             1.8046452872882734, 2.325825639765069, 0.0, 0.0, 0.0]
        h = [[25.948786856663858, -2.5579724845846235, 10.433815404888879, -2.3679251022685204,
              0.524948541321073, 1.1241088310450404, 0.4272876194431874, -0.17202221070155493],
             [-9.91568850695171, -0.9689944594115154, 3.0438037242978453, -24.495224566215796,
              20.176138334709044, 15.98066361424651, -6.789040303419874, -6.710236069923372],
             [11.419903575922262, 2.8879645146136994, 72.92137995996029, 80.12511834622643,
              -52.072871366152654, -59.78993625266729, -0.15582684282751913,
              4.883087185713722]]
    elif method == "rodas4":
        s, n_full, gam, q = 6, 5, 0.25, 1.0 / 4.0
        a = [[1.544],
             [0.9466785280815826, 0.2557011698983284],
             [3.314825187068521, 2.896124015972201, 0.9986419139977817],
             [1.221224509226641, 6.019134481288629, 12.53708332932087, -0.6878860361058950]]
        cm = [[-5.6688],
              [-2.430093356833875, -0.2063599157091915],
              [-0.1073529058151375, -9.594562251023355, -20.47028614809616],
              [7.496443313967647, -10.24680431464352, -33.99990352819905, 11.70890893206160],
              [8.083246795921522, -7.981132988064893, -31.52159432874371, 16.31930543123136,
               -6.058818238834054]]
        c = [0.0, 0.386, 0.21, 0.63, 1.0, 1.0]
        d = [0.25, -0.1043, 0.1035, -0.0362000000000000023, 0.0, 0.0]
        h = [[10.12623508344586, -7.487995877610167, -34.80091861555747, -7.992771707568823,
              1.025137723295662, 0.0],
             [-0.6762803392801253, 6.087714651680015, 16.43084320892478, 24.76722511418386,
              -6.594389125716872, 0.0],
             [0.0] * 6]
    else:
        raise ValueError(f"method: unknown {method!r}; use 'rodas5p' or 'rodas4'")
    A = np.zeros((s, s))
    for i, row in enumerate(a):
        A[i + 1, :len(row)] = row
    C = np.zeros((s, s))
    for i, row in enumerate(cm):
        C[i + 1, :len(row)] = row
    return (gam, A, C, np.asarray(c), np.asarray(d), np.asarray(h), n_full, q)


@njit(cache=True, fastmath=_FM)
def _load_lane(b, ln, kS, scS, gcS, kdS, rates, js_ss, js_ds, sat_edge, Jl, kss, gc, kd,
               rt):  # pragma: no cover - jit
    """Subject ``b``'s constants into lane ``ln``: the linear part of ``-J`` (each edge leaves
    its source and enters its destination), ``k sc`` of the saturable edges, the gains."""
    for q in range(Jl.shape[0]):
        Jl[q, ln] = 0.0
    for e in range(kS.shape[1]):
        Jl[js_ss[e], ln] += kS[b, e]
        Jl[js_ds[e], ln] -= kS[b, e]
    for q in range(scS.shape[1]):
        kss[q, ln] = kS[b, sat_edge[q]] * scS[b, q]
    for q in range(gcS.shape[1]):
        gc[q, ln] = gcS[b, q]
    kd[ln] = kdS[b]
    for q in range(rates.shape[1]):
        rt[q, ln] = rates[b, q]


@njit(cache=True, fastmath=_FM)
def _start_step(ln, y0, t_end, rtol, atol, order, y, f0, ys, fs, tc, Jl, jr_ptr, jr_col,
                jr_slot, sat_src, sat_dst, sat_state, kss, g_rows, g_cols, gc, kd,
                ex):  # pragma: no cover - jit
    """Starting step of lane ``ln`` at ``(0, y0)`` (Hairer, Norsett & Wanner, Solving ODEs I,
    Sec. II.4); leaves ``f(0, y0)`` in ``f0[:, ln]``.

    ``h0 = 0.01 |y0| / |f0|`` (weighted RMS norms), an explicit Euler trial step for the second
    derivative ``d2``, ``h1 = (0.01 / max(|f0|, d2))^(1/(order+1))``, then ``min(100 h0, h1)``
    capped at ``t_end``.
    """
    n = y0.shape[0]
    tc[ln] = 0.0
    for i in range(n):
        y[i, ln] = y0[i]
    _rhs(tc, y, Jl, jr_ptr, jr_col, jr_slot, sat_src, sat_dst, sat_state, kss, g_rows, g_cols,
         gc, kd, ex, ln, ln + 1, f0)
    d0 = 0.0
    d1 = 0.0
    for i in range(n):
        sk = atol + rtol * abs(y0[i])
        d0 += (y0[i] / sk) ** 2
        d1 += (f0[i, ln] / sk) ** 2
    d0 = np.sqrt(d0 / n)
    d1 = np.sqrt(d1 / n)
    h0 = 0.01 * d0 / d1 if (d0 >= 1e-5 and d1 >= 1e-5) else 1e-6
    for i in range(n):
        ys[i, ln] = y0[i] + h0 * f0[i, ln]
    tc[ln] = h0
    _rhs(tc, ys, Jl, jr_ptr, jr_col, jr_slot, sat_src, sat_dst, sat_state, kss, g_rows, g_cols,
         gc, kd, ex, ln, ln + 1, fs)
    d2 = 0.0
    for i in range(n):
        sk = atol + rtol * abs(y0[i])
        d2 += ((fs[i, ln] - f0[i, ln]) / sk) ** 2
    d2 = np.sqrt(d2 / n) / h0
    dm = max(d1, d2)
    h1 = (0.01 / dm) ** (1.0 / (order + 1)) if dm > 1e-15 else max(1e-6, h0 * 1e-3)
    return min(min(100.0 * h0, h1), t_end)


@njit(cache=True)
def _sat_tables(satpos, src, dst, n_s):  # pragma: no cover - jit
    """Source, destination and edge of each saturable edge."""
    sat_src = np.empty(n_s, dtype=np.int64)
    sat_dst = np.empty(n_s, dtype=np.int64)
    sat_edge = np.empty(n_s, dtype=np.int64)
    for e in range(satpos.shape[0]):
        s = satpos[e]
        if s >= 0:
            sat_src[s] = src[e]
            sat_dst[s] = dst[e]
            sat_edge[s] = e
    return sat_src, sat_dst, sat_edge


@njit(cache=True)
def starting_steps(kS, src, dst, satpos, sat_state, scS, g_rows, g_cols, gcS, kdS, rates, y0,
                   t_end, rtol, atol, order, js_ss, js_ds, nslots, jr_ptr, jr_col,
                   jr_slot):  # pragma: no cover - jit
    """The starting step :func:`rodas_block` takes for each subject (h)."""
    B = kS.shape[0]
    n = y0.shape[0]
    sat_src, sat_dst, sat_edge = _sat_tables(satpos, src, dst, scS.shape[1])
    Jl = np.zeros((nslots, 1))
    kss = np.zeros((scS.shape[1], 1))
    gc = np.zeros((gcS.shape[1], 1))
    kd = np.zeros(1)
    rt = np.zeros((rates.shape[1], 1))
    y = np.zeros((n, 1))
    f0 = np.zeros((n, 1))
    ys = np.zeros((n, 1))
    fs = np.zeros((n, 1))
    tc = np.zeros(1)
    ex = np.zeros(1)
    out = np.empty(B)
    for b in range(B):
        _load_lane(b, 0, kS, scS, gcS, kdS, rates, js_ss, js_ds, sat_edge, Jl, kss, gc, kd, rt)
        out[b] = _start_step(0, y0, t_end, rtol, atol, order, y, f0, ys, fs, tc, Jl, jr_ptr,
                             jr_col, jr_slot, sat_src, sat_dst, sat_state, kss, g_rows, g_cols,
                             gc, kd, ex)
    return out


@njit(cache=True, fastmath=_FM)
def rodas_block(b_lo, b_hi, lanes, kS, src, dst, satpos, sat_state, scS, g_rows, g_cols, gcS,
                kdS, y0, t_end, times, W_ptr, W_idx, W_val, rate_id, rates, rtol, atol,
                rows_ptr, rows_idx, cols_ptr, cols_idx, Sp, js_ss, js_ds, ss_src, ss_dst, gs,
                diag, nslots, jr_ptr, jr_col, jr_slot, keep, want_int, order,
                gam, A, C, cc, dcf, H, n_full, err_exp,
                out, auc, tia, n_steps, n_rej, ok_flag):  # pragma: no cover - jit
    """Integrate subjects ``b_lo..b_hi-1`` with a stiffly accurate Rosenbrock method.

    Per-subject inputs are ``kS`` (B, E), ``scS`` (B, n_sat), ``gcS`` (B, n_g), ``kdS`` (B,) and
    ``rates`` (B, n_rates). ``lanes`` subjects are integrated together; each lane has its own
    time, step size and accept/reject decision (Hairer's controller) and takes the next subject
    of the range as soon as its own finishes, so lanes never wait for the slowest subject; when
    the range is used up, finished lanes are dropped (the last lane moves into the gap) so the
    tail runs on the remaining lanes only. A newly loaded subject gets its starting step from
    Hairer, Norsett & Wanner, Solving ODEs I, Sec. II.4 (``h0 = 0.01 |y0| / |f0|``, an explicit
    Euler trial step for the second derivative, ``min(100 h0, (0.01 / max(|f0|, d2))^(1 /
    (order + 1)))``). Per step: the iteration matrix ``I/(h gamma) - J`` into sparse slots, its
    LU in the minimum-degree order (no pivoting), the stages, then for ``want_int`` the dense
    output of ``z = W y``, its exact step integral (AUC) and the 8-point Gauss-Legendre step
    integral of ``z exp(-rate t)`` (TIA, with the tail after ``t_end`` by the rate alone), and
    for ``keep`` the dense output of the first ``out.shape[2]`` outputs at ``times`` into
    ``out`` (B, n_times, n_keep): one contiguous row per output time (time-major, so that the
    writes do not scatter over cache lines).
    """
    L = min(lanes, b_hi - b_lo)
    n = y0.shape[0]
    n_out = W_ptr.shape[0] - 1
    nt = times.shape[0]
    n_rates = rates.shape[1]
    n_s = scS.shape[1]
    n_g = gcS.shape[1]
    ns = A.shape[0]
    glx = np.array([0.019855071751231856, 0.10166676129318664, 0.2372337950418355,
                    0.4082826787521751, 0.5917173212478249, 0.7627662049581645,
                    0.8983332387068134, 0.9801449282487681])
    glw = np.array([0.05061426814518813, 0.11119051722668724, 0.15685332293894363,
                    0.18134189168918100, 0.18134189168918100, 0.15685332293894363,
                    0.11119051722668724, 0.05061426814518813])
    sat_src, sat_dst, sat_edge = _sat_tables(satpos, src, dst, n_s)
    Jl = np.zeros((nslots, L))
    kss = np.zeros((n_s, L))
    gc = np.zeros((n_g, L))
    kd = np.zeros(L)
    rt = np.zeros((n_rates, L))
    sid = np.full(L, -1, dtype=np.int64)
    y = np.zeros((n, L))
    f0 = np.zeros((n, L))
    Ev = np.zeros((nslots, L))
    K = np.zeros((ns, n, L))
    ys = np.zeros((n, L))
    fs = np.zeros((n, L))
    ft = np.empty((n, L))
    r = np.empty((n, L))
    dinv = np.empty((n, L))
    ynew = np.empty((n, L))
    zc = np.zeros((5, n_out, L))
    piv = np.empty(L)
    m = np.empty(L)
    t = np.full(L, t_end)
    h = np.full(L, 1e-4 * t_end)
    hs = np.ones(L)
    fac = np.empty(L)
    ih = np.empty(L)
    tc = np.zeros(L)
    err = np.empty(L)
    ex = np.empty(L)
    exr = np.zeros(L)
    mom = np.zeros((n_rates, 5, L))
    acc = np.zeros(L, dtype=np.bool_)
    last_rej = np.zeros(L, dtype=np.bool_)
    iout = np.zeros(L, dtype=np.int64)
    steps = np.zeros(L, dtype=np.int64)
    rej = np.zeros(L, dtype=np.int64)
    auc_l = np.zeros((n_out, L))
    tia_l = np.zeros((n_out, L))
    accf = np.zeros(L)
    pend = np.zeros(L, dtype=np.bool_)
    sv_l = np.zeros(L)
    n_keep = out.shape[2] if keep else 0  # the first n_keep outputs are kept at the times
    stg = np.zeros((max(n_keep, 1), L))
    b_next = b_lo
    Lc = L  # lanes in use
    while True:
        # finished lanes: decay-integral tails, counters; then load the next subject
        for ln in range(Lc):
            if t[ln] < t_end and steps[ln] + rej[ln] < _MAX_STEPS and h[ln] > 1e-14 * t_end:
                continue
            b = sid[ln]
            if b >= 0:
                if t[ln] >= t_end:
                    for o in range(n_out):
                        auc[b, o] = auc_l[o, ln]
                        tia[b, o] = tia_l[o, ln]
                        q_ = rate_id[o]
                        if want_int and q_ >= 0 and rt[q_, ln] > 0.0:
                            a1 = 0.0
                            for qq in range(W_ptr[o], W_ptr[o + 1]):
                                a1 += W_val[qq] * y[W_idx[qq], ln]
                            tia[b, o] += a1 * np.exp(-rt[q_, ln] * t_end) / rt[q_, ln]
                    ok_flag[b] = True
                n_steps[b] = steps[ln]
                n_rej[b] = rej[ln]
                sid[ln] = -1
                t[ln] = t_end
            if b_next < b_hi:
                b = b_next
                b_next += 1
                sid[ln] = b
                _load_lane(b, ln, kS, scS, gcS, kdS, rates, js_ss, js_ds, sat_edge, Jl, kss, gc,
                           kd, rt)
                for o in range(n_out):
                    auc_l[o, ln] = 0.0
                    tia_l[o, ln] = 0.0
                for i in range(n):
                    y[i, ln] = y0[i]
                t[ln] = 0.0
                iout[ln] = 0
                steps[ln] = 0
                rej[ln] = 0
                last_rej[ln] = False
                h[ln] = _start_step(ln, y0, t_end, rtol, atol, order, y, f0, ys, fs, tc, Jl,
                                    jr_ptr, jr_col, jr_slot, sat_src, sat_dst, sat_state, kss,
                                    g_rows, g_cols, gc, kd, exr)
        if b_next >= b_hi:  # nothing left to load: drop the finished lanes
            for ln in range(Lc - 1, -1, -1):
                if sid[ln] >= 0:
                    continue
                last = Lc - 1
                if ln != last:
                    for i in range(n):
                        y[i, ln] = y[i, last]
                        f0[i, ln] = f0[i, last]
                    for q in range(nslots):
                        Jl[q, ln] = Jl[q, last]
                    for q in range(n_s):
                        kss[q, ln] = kss[q, last]
                    for q in range(n_g):
                        gc[q, ln] = gc[q, last]
                    for q in range(n_rates):
                        rt[q, ln] = rt[q, last]
                    for o in range(n_out):
                        auc_l[o, ln] = auc_l[o, last]
                        tia_l[o, ln] = tia_l[o, last]
                    kd[ln] = kd[last]
                    sid[ln] = sid[last]
                    t[ln] = t[last]
                    h[ln] = h[last]
                    last_rej[ln] = last_rej[last]
                    iout[ln] = iout[last]
                    steps[ln] = steps[last]
                    rej[ln] = rej[last]
                Lc -= 1
            if Lc == 0:
                break
        for ln in range(Lc):
            hs[ln] = min(h[ln], t_end - t[ln])
            fac[ln] = 1.0 / (hs[ln] * gam)
            ih[ln] = 1.0 / hs[ln]
            ex[ln] = np.exp(-kd[ln] * t[ln])
        # E = I/(h gamma) - J at (t, y): constant part, saturable edges, label gains, diagonal;
        # and df/dt (only the gains depend on t)
        for q in range(nslots):
            for ln in range(Lc):
                Ev[q, ln] = Jl[q, ln]
        for s in range(n_s):
            a = sat_src[s]
            ss = sat_state[s]
            j1 = js_ss[sat_edge[s]]
            j2 = js_ds[sat_edge[s]]
            q1 = ss_src[s]
            q2 = ss_dst[s]
            for ln in range(Lc):
                u = kss[s, ln] * y[ss, ln]  # d(correction)/d y_src
                v = kss[s, ln] * y[a, ln]  # d(correction)/d y_sat
                Ev[j1, ln] -= u
                Ev[j2, ln] += u
                Ev[q1, ln] -= v
                Ev[q2, ln] += v
        for i in range(n):
            for ln in range(Lc):
                ft[i, ln] = 0.0
        for g in range(n_g):
            q = gs[g]
            rr_ = g_rows[g]
            cl = g_cols[g]
            for ln in range(Lc):
                Ev[q, ln] -= gc[g, ln] * ex[ln]
                ft[rr_, ln] -= kd[ln] * gc[g, ln] * y[cl, ln] * ex[ln]
        for i in range(n):
            q = diag[i]
            for ln in range(Lc):
                Ev[q, ln] += fac[ln]
        # sparse LU in place (L below, U above the diagonal; reciprocal pivots in dinv)
        for kk in range(n):
            pk = Sp[kk, kk]
            for ln in range(Lc):
                piv[ln] = 1.0 / Ev[pk, ln]
                dinv[kk, ln] = piv[ln]
            for ii in range(rows_ptr[kk], rows_ptr[kk + 1]):
                i = rows_idx[ii]
                q = Sp[i, kk]
                for ln in range(Lc):
                    m[ln] = Ev[q, ln] * piv[ln]
                    Ev[q, ln] = m[ln]
                for jj in range(cols_ptr[kk], cols_ptr[kk + 1]):
                    j = cols_idx[jj]
                    q1 = Sp[i, j]
                    q2 = Sp[kk, j]
                    for ln in range(Lc):
                        Ev[q1, ln] -= m[ln] * Ev[q2, ln]
        for st in range(ns):
            if st == 0:
                d_ = dcf[0]
                for i in range(n):
                    for ln in range(Lc):
                        K[0, i, ln] = f0[i, ln] + hs[ln] * d_ * ft[i, ln]
            else:
                # stage value ys and the C-sum r, both from one pass over K
                for i in range(n):
                    for ln in range(Lc):
                        r[i, ln] = 0.0
                    if st >= n_full:  # stiffly accurate tail: previous stage + increment
                        for ln in range(Lc):
                            ys[i, ln] += K[st - 1, i, ln]
                        for j in range(st):
                            c_ = C[st, j]
                            for ln in range(Lc):
                                r[i, ln] += c_ * K[j, i, ln]
                    else:
                        for ln in range(Lc):
                            ys[i, ln] = y[i, ln]
                        for j in range(st):
                            a_ = A[st, j]
                            c_ = C[st, j]
                            for ln in range(Lc):
                                kv = K[j, i, ln]
                                ys[i, ln] += a_ * kv
                                r[i, ln] += c_ * kv
                for ln in range(Lc):
                    tc[ln] = t[ln] + cc[st] * hs[ln]
                _rhs(tc, ys, Jl, jr_ptr, jr_col, jr_slot, sat_src, sat_dst, sat_state, kss,
                     g_rows, g_cols, gc, kd, exr, 0, Lc, fs)
                d_ = dcf[st]
                if d_ != 0.0:
                    for i in range(n):
                        for ln in range(Lc):
                            K[st, i, ln] = (fs[i, ln] + r[i, ln] * ih[ln]
                                            + hs[ln] * d_ * ft[i, ln])
                else:
                    for i in range(n):
                        for ln in range(Lc):
                            K[st, i, ln] = fs[i, ln] + r[i, ln] * ih[ln]
            # solve (fac I - J) K[st] = rhs in place (states are in the elimination order)
            for kk in range(n):
                for ii in range(rows_ptr[kk], rows_ptr[kk + 1]):
                    i = rows_idx[ii]
                    q = Sp[i, kk]
                    for ln in range(Lc):
                        K[st, i, ln] -= Ev[q, ln] * K[st, kk, ln]
            for kk in range(n - 1, -1, -1):
                for jj in range(cols_ptr[kk], cols_ptr[kk + 1]):
                    j = cols_idx[jj]
                    q = Sp[kk, j]
                    for ln in range(Lc):
                        K[st, kk, ln] -= Ev[q, ln] * K[st, j, ln]
                for ln in range(Lc):
                    K[st, kk, ln] *= dinv[kk, ln]
        for ln in range(Lc):
            err[ln] = 0.0
        sl = ns - 1
        for i in range(n):
            for ln in range(Lc):
                yn = ys[i, ln] + K[sl, i, ln]  # ys holds the last stage value
                ynew[i, ln] = yn
                skv = atol + rtol * max(abs(y[i, ln]), abs(yn))
                w = K[sl, i, ln] / skv
                err[ln] += w * w
        n_acc = 0
        dense = False
        for ln in range(Lc):
            e_ = np.sqrt(err[ln] / n)
            if not np.isfinite(e_):
                e_ = 1e10
            fc = max(1.0 / 6.0, min(5.0, max(e_, 1e-12) ** err_exp / 0.9))
            hnew = hs[ln] / fc
            acc[ln] = e_ <= 1.0
            accf[ln] = 1.0 if acc[ln] else 0.0
            if acc[ln]:
                if last_rej[ln] and hnew > hs[ln]:
                    hnew = hs[ln]
                last_rej[ln] = False
                n_acc += 1
                if keep and iout[ln] < nt:
                    t1 = t[ln] + hs[ln]
                    if t1 >= t_end * (1.0 - 1e-13):
                        t1 = t_end
                    if times[iout[ln]] <= t1:
                        dense = True
            else:
                last_rej[ln] = True
                rej[ln] += 1
            h[ln] = hnew
        if n_acc == 0:
            continue
        if want_int or dense:
            # dense-output coefficients of the outputs: z0, z1 and the H rows
            for o in range(n_out):
                for ln in range(Lc):
                    zc[0, o, ln] = 0.0
                    zc[1, o, ln] = 0.0
                    zc[2, o, ln] = 0.0
                    zc[3, o, ln] = 0.0
                    zc[4, o, ln] = 0.0
                for qq in range(W_ptr[o], W_ptr[o + 1]):
                    j = W_idx[qq]
                    w = W_val[qq]
                    for ln in range(Lc):
                        zc[0, o, ln] += w * y[j, ln]
                        zc[1, o, ln] += w * ynew[j, ln]
                    for st in range(ns):
                        w2 = w * H[0, st]
                        w3 = w * H[1, st]
                        w4 = w * H[2, st]
                        for ln in range(Lc):
                            kv = K[st, j, ln]
                            zc[2, o, ln] += w2 * kv
                            zc[3, o, ln] += w3 * kv
                            zc[4, o, ln] += w4 * kv
        if want_int:
            # decay-weighted moments of the dense-output basis over the step (8-point
            # Gauss-Legendre): (1-s), s, s(1-s), s^2(1-s), s^3(1-s) times exp(-rate t) h
            for q_ in range(n_rates):
                for bb in range(5):
                    for ln in range(Lc):
                        mom[q_, bb, ln] = 0.0
                for q in range(8):
                    sv = glx[q]
                    s1 = 1.0 - sv
                    p2 = sv * s1
                    p3 = sv * p2
                    p4 = sv * p3
                    for ln in range(Lc):
                        ew = (np.exp(-rt[q_, ln] * (t[ln] + sv * hs[ln])) * glw[q] * hs[ln]
                              * accf[ln])
                        mom[q_, 0, ln] += s1 * ew
                        mom[q_, 1, ln] += sv * ew
                        mom[q_, 2, ln] += p2 * ew
                        mom[q_, 3, ln] += p3 * ew
                        mom[q_, 4, ln] += p4 * ew
            for o in range(n_out):
                q_ = rate_id[o]
                for ln in range(Lc):
                    auc_l[o, ln] += accf[ln] * hs[ln] * (0.5 * (zc[0, o, ln] + zc[1, o, ln])
                                                         + zc[2, o, ln] / 6.0
                                                         + zc[3, o, ln] / 12.0
                                                         + zc[4, o, ln] / 20.0)
                if q_ >= 0:
                    for ln in range(Lc):
                        tia_l[o, ln] += (zc[0, o, ln] * mom[q_, 0, ln]
                                         + zc[1, o, ln] * mom[q_, 1, ln]
                                         + zc[2, o, ln] * mom[q_, 2, ln]
                                         + zc[3, o, ln] * mom[q_, 3, ln]
                                         + zc[4, o, ln] * mom[q_, 4, ln])
        for ln in range(Lc):
            t1 = t[ln] + hs[ln]
            tc[ln] = t_end if t1 >= t_end * (1.0 - 1e-13) else t1  # end of the step
        while dense:
            # the next output time inside each lane's accepted step: dense output of all
            # lanes at once into the (n_out, L) staging rows, then one contiguous row per lane
            dense = False
            for ln in range(Lc):
                pend[ln] = acc[ln] and iout[ln] < nt and times[min(iout[ln], nt - 1)] <= tc[ln]
                sv_l[ln] = (times[iout[ln]] - t[ln]) / hs[ln] if pend[ln] else 0.0
                dense = dense or pend[ln]
            if not dense:
                break
            for o in range(n_keep):
                for ln in range(Lc):
                    sv = sv_l[ln]
                    s1 = 1.0 - sv
                    stg[o, ln] = s1 * zc[0, o, ln] + sv * (zc[1, o, ln] + s1 * (
                        zc[2, o, ln] + sv * (zc[3, o, ln] + sv * zc[4, o, ln])))
            for ln in range(Lc):
                if pend[ln]:
                    b = sid[ln]
                    it_ = iout[ln]
                    for o in range(n_keep):
                        out[b, it_, o] = stg[o, ln]
                    iout[ln] += 1
        for ln in range(Lc):
            if acc[ln]:
                for i in range(n):
                    y[i, ln] = ynew[i, ln]
                t[ln] = tc[ln]
                steps[ln] += 1
        _rhs(t, y, Jl, jr_ptr, jr_col, jr_slot, sat_src, sat_dst, sat_state, kss, g_rows,
             g_cols, gc, kd, exr, 0, Lc, f0)


@njit(parallel=True, cache=True)
def rodas_batch(block, lanes, kS, src, dst, satpos, sat_state, scS, g_rows, g_cols, gcS, kdS,
                y0, t_end, times, W_ptr, W_idx, W_val, rate_id, rates, rtol, atol,
                rows_ptr, rows_idx, cols_ptr, cols_idx, Sp, js_ss, js_ds, ss_src, ss_dst, gs,
                diag, nslots, jr_ptr, jr_col, jr_slot, keep, want_int, order,
                gam, A, C, cc, dcf, H, n_full, err_exp,
                out, auc, tia, n_steps, n_rej, ok_flag):  # pragma: no cover - jit
    """:func:`rodas_block` on blocks of ``block`` subjects, in parallel (prange, dynamic)."""
    B = kS.shape[0]
    nblk = (B + block - 1) // block
    for blk in prange(nblk):
        rodas_block(blk * block, min(B, (blk + 1) * block), lanes, kS, src, dst, satpos,
                    sat_state, scS, g_rows, g_cols, gcS, kdS, y0, t_end, times, W_ptr, W_idx,
                    W_val, rate_id, rates, rtol, atol, rows_ptr, rows_idx, cols_ptr, cols_idx,
                    Sp, js_ss, js_ds, ss_src, ss_dst, gs, diag, nslots, jr_ptr, jr_col, jr_slot,
                    keep, want_int, order, gam, A, C, cc, dcf, H, n_full, err_exp,
                    out, auc, tia, n_steps, n_rej, ok_flag)
