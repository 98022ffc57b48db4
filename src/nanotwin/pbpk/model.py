"""The whole-body nanoparticle PBPK model: states, right-hand side, Jacobian, reference solver.

States are amounts in %ID (particles: % of injected particles; label states: % of injected
activity, decay-corrected). Every particle transfer is an *edge* ``src -> dst`` with a first-order
rate constant ``k`` (1/h), optionally scaled by a saturation factor ``1 - y[s] * scale`` (the
capacity-limited MPS and receptor binding, counted in particle number). ``dy/dt = S @ flux`` with
the incidence matrix ``S`` (one -1 and one +1 per column), so particle mass is conserved exactly
by construction. Label detachment adds the time-dependent sources ``k_det * exp(-k_det t)`` from
particle states to the free-ion pools (the particle stays; its label leaves), and the label on
excreted particles is booked to ``label_urine_p`` / ``label_feces_p``.

Flows (Q/V), pore exchange (PS), lymph (L) and excretion follow the parameter definitions in
:mod:`nanotwin.pbpk.parameters`; arterial blood feeds every organ, gut and spleen drain into the
liver (portal vein), the liver and the other organs into the venous blood, which passes the lung
back to arterial blood.

``rhs(t, y, p)`` accepts ``y`` of shape ``(n_states,)`` or ``(n_states, n_batch)`` and parameters
that are floats or arrays of shape ``(n_batch,)``; no Python loop over organs runs inside it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nanotwin.errors import DesignError
from nanotwin.pbpk.parameters import PBPKParameters
from nanotwin.pbpk.physiology import TISSUES
from nanotwin.pbpk.radiometal import FREE_ORGANS, FREE_POOLS, free_compartment_of

__all__ = ["STATE_NAMES", "PARTICLE_STATES", "LABEL_STATES", "BODY_STATES", "rhs", "jacobian",
           "solve", "initial_state", "organ_of_state", "compiled"]

_PC = ("lung", "liver", "spleen", "marrow", "kidney", "tumor")
#: Particle sinks: excreta and particles degraded inside phagocytes.
SINKS = ("urine", "feces", "degraded")


def _particle_states() -> tuple[str, ...]:
    s = ["art", "ven"]
    for o in TISSUES:
        s += [f"{o}_b", f"{o}_t"]
        if o in _PC:
            s.append(f"{o}_pc")
        if o == "tumor":
            s += ["tumor_bound", "tumor_int"]
    return (*s, *SINKS)


PARTICLE_STATES = _particle_states()
LABEL_STATES = ("label_urine_p", "label_feces_p", *(f"free_{o}" for o in FREE_POOLS))
#: All state names, in order (particles first, then the radiolabel states).
STATE_NAMES = (*PARTICLE_STATES, *LABEL_STATES)
BODY_STATES = tuple(s for s in PARTICLE_STATES if s not in SINKS)
_IDX = {s: i for i, s in enumerate(STATE_NAMES)}


def organ_of_state(state: str) -> str:
    """Reported organ (see ``ORGANS``) that a particle or free-label state belongs to.

    Examples
    --------
    >>> organ_of_state("liver_pc"), organ_of_state("art"), organ_of_state("free_bone")
    ('liver', 'blood', 'bone')
    """
    if state in ("art", "ven"):
        return "blood"
    if state.startswith("free_"):
        return state[5:]
    if state == "label_urine_p":
        return "urine"
    if state == "label_feces_p":
        return "feces"
    if state in SINKS:
        return state
    return state.split("_")[0]


def _stack(values: list) -> np.ndarray:
    arrs = [np.asarray(v, dtype=float) for v in values]
    n = {a.shape[0] for a in arrs if a.ndim == 1}
    if not n:
        return np.array([float(a) for a in arrs])
    b = n.pop()
    return np.stack([np.broadcast_to(a, (b,)) for a in arrs])


def _div(a: Any, b: Any) -> Any:
    """a / b, and 0 where b == 0 (an absent tumour has zero volume and flow)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    out = np.divide(a, b, out=np.zeros(np.broadcast(a, b).shape), where=b > 0)
    return float(out) if out.ndim == 0 else out


class _Compiled:
    """Index arrays and rate constants of one parameter set (batch-aware)."""

    def __init__(self, p: PBPKParameters) -> None:
        g = p.values
        H = g["Hct"]
        edges: list[tuple[str, str, Any]] = []
        sat: list[tuple[int, str, Any]] = []  # (edge index, saturation state, scale)

        def e(src: str, dst: str, k: Any) -> None:
            edges.append((src, dst, k))

        systemic = [o for o in TISSUES if o not in ("lung", "liver")]
        for o in systemic:
            e("art", f"{o}_b", _div(g[f"Q_{o}"], g["V_art"]))
            dst = "liver_b" if o in ("gut", "spleen") else "ven"
            e(f"{o}_b", dst, _div(g[f"Q_{o}"], g[f"V_b_{o}"]))
        e("art", "liver_b", g["Q_hepatic_artery"] / g["V_art"])
        e("liver_b", "ven", g["Q_liver"] / g["V_b_liver"])
        e("ven", "lung_b", g["CO"] / g["V_ven"])
        e("lung_b", "art", g["CO"] / g["V_b_lung"])
        for o in TISSUES:
            Vis = g[f"V_t_{o}"] * g[f"f_is_{o}"]
            if o == "spleen":
                cord = g["f_open_spleen"] * g["Q_spleen"]
                e("spleen_b", "spleen_t", cord / g["V_b_spleen"])
                e("spleen_t", "spleen_b", _div(cord * g["H_slit_spleen"], Vis))
            else:
                e(f"{o}_b", f"{o}_t", _div(g[f"PS_{o}"], g[f"V_b_{o}"] * (1.0 - H)))
                e(f"{o}_t", f"{o}_b", _div(g[f"PS_{o}"], Vis))
            e(f"{o}_t", "ven", _div(g[f"L_{o}"], Vis))
        N = g["N_dose"] / 100.0  # particles per %ID
        for o in _PC:
            src = f"{o}_t" if o in ("spleen", "tumor") else f"{o}_b"
            sat.append((len(edges), f"{o}_pc", _div(N, g[f"N_cap_{o}"])))
            e(src, f"{o}_pc", g[f"K_max_{o}"])
            e(f"{o}_pc", "tumor_t" if o == "tumor" else f"{o}_b", g[f"K_release_{o}"])
            e(f"{o}_pc", "degraded", g[f"k_deg_{o}"])  # soft carriers degraded in phagocytes
        sat.append((len(edges), "tumor_bound", _div(N, g["N_bind_cap"])))
        e("tumor_t", "tumor_bound", g["k_on_tumor"])
        e("tumor_bound", "tumor_t", g["k_off_tumor"])
        e("tumor_bound", "tumor_int", g["k_int_tumor"])
        k_urine = g["CL_urine"] / (g["V_b_kidney"] * (1.0 - H))
        k_bile = g["CL_bile"] / g["V_t_liver"]
        e("kidney_b", "urine", k_urine)
        e("liver_t", "feces", k_bile)
        # free-ion kinetics of a detached label (linear, constant)
        for o in FREE_POOLS:
            if o != "blood":
                e("free_blood", f"free_{o}", g["k_fm_out"] * g[f"f_fm_{o}"])
        for o in FREE_ORGANS:
            if o != "blood":
                e(f"free_{o}", "free_blood", g[f"k_fm_back_{o}"])
        e("free_liver", "free_feces", g["k_fm_bile"])

        n, E = len(STATE_NAMES), len(edges)
        self.src = np.array([_IDX[a] for a, _, _ in edges])
        self.dst = np.array([_IDX[b] for _, b, _ in edges])
        self.k = _stack([k for _, _, k in edges])
        S = np.zeros((n, E))
        S[self.src, np.arange(E)] -= 1.0
        S[self.dst, np.arange(E)] += 1.0
        self.S = S
        self.sat_edge = np.array([i for i, _, _ in sat])
        self.sat_state = np.array([_IDX[s] for _, s, _ in sat])
        self.sat_scale = _stack([sc for _, _, sc in sat])
        # time-dependent label gains: dy[row] += exp(-k_det t) * coef * y[col]: the label that
        # detaches from particles, and the label of particles degraded in phagocytes, joins
        # the free-label pool of the organ
        rows, cols, coefs = [], [], []
        kd_rcp = g["k_det"] * g["f_rcp"]
        for s in BODY_STATES:
            organ = organ_of_state(s)
            pool = "blood" if organ == "blood" else free_compartment_of(organ)
            rows.append(_IDX[f"free_{pool}"])
            cols.append(_IDX[s])
            if s.endswith("_pc"):
                coefs.append(g["f_rcp"] * (g["k_det"] + g[f"k_deg_{organ}"]))
            else:
                coefs.append(kd_rcp)
        rows += [_IDX["label_urine_p"], _IDX["label_feces_p"]]
        cols += [_IDX["kidney_b"], _IDX["liver_t"]]
        coefs += [g["f_rcp"] * k_urine, g["f_rcp"] * k_bile]
        self.g_rows, self.g_cols = np.array(rows), np.array(cols)
        self.g_coef = _stack(coefs)
        Sg = np.zeros((n, len(rows)))
        Sg[self.g_rows, np.arange(len(rows))] = 1.0
        self.Sg = Sg
        self.k_det = np.asarray(g["k_det"], dtype=float)
        self.n = n


def compiled(p: PBPKParameters) -> _Compiled:
    """The compiled (index-array) form of ``p``, cached on the parameter object."""
    cache = p._model_cache
    if "c" not in cache:
        cache["c"] = _Compiled(p)
    return cache["c"]


def _cols(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    return a[:, None] if (y.ndim == 2 and a.ndim == 1) else a


def rhs(t: float, y: Any, p: PBPKParameters) -> np.ndarray:
    """Time derivative of the state (``%ID/h``), vectorised over a batch.

    Parameters
    ----------
    t
        Time since injection (h).
    y
        State, shape ``(n_states,)`` or ``(n_states, n_batch)`` in the order of
        :data:`STATE_NAMES`.
    p
        Parameters (floats, or arrays of shape ``(n_batch,)``).

    Returns
    -------
    numpy.ndarray
        Same shape as ``y``.

    Examples
    --------
    >>> from nanotwin.pbpk import build_parameters
    >>> p = build_parameters({"name": "x", "nanoparticle": {"platform": "gold",
    ...     "hydrodynamic_diameter": 20.0}}, canonical_numbers=True)
    >>> y0 = initial_state(p)
    >>> round(float(rhs(0.0, y0, p).sum()), 12)   # mass is conserved
    0.0
    """
    c = compiled(p)
    y = np.asarray(y, dtype=float)
    k = _cols(c.k, y)
    flux = k * y[c.src]
    if c.sat_edge.size:
        scale = _cols(c.sat_scale, y)
        flux[c.sat_edge] = flux[c.sat_edge] * (1.0 - y[c.sat_state] * scale)
    dy = c.S @ flux
    intact = np.exp(-c.k_det * t)
    gain = _cols(c.g_coef, y) * y[c.g_cols]
    return dy + (c.Sg @ gain) * intact


def jacobian(t: float, y: Any, p: PBPKParameters) -> np.ndarray:
    """Analytic Jacobian ``d rhs / d y`` for one subject (shape ``(n_states, n_states)``).

    Examples
    --------
    >>> from nanotwin.pbpk import build_parameters
    >>> p = build_parameters({"name": "x", "nanoparticle": {"platform": "gold",
    ...     "hydrodynamic_diameter": 20.0}}, canonical_numbers=True)
    >>> jacobian(0.0, initial_state(p), p).shape == (len(STATE_NAMES), len(STATE_NAMES))
    True
    """
    c = compiled(p)
    y = np.asarray(y, dtype=float)
    E = c.k.shape[0]
    D = np.zeros((E, c.n))
    keff = c.k.copy()
    if c.sat_edge.size:
        keff[c.sat_edge] *= 1.0 - y[c.sat_state] * c.sat_scale
        np.add.at(D, (c.sat_edge, c.sat_state), -c.k[c.sat_edge] * y[c.src[c.sat_edge]] *
                  c.sat_scale)
    np.add.at(D, (np.arange(E), c.src), keff)
    J = c.S @ D
    intact = math.exp(-float(c.k_det) * t)
    G = np.zeros((c.Sg.shape[1], c.n))
    G[np.arange(G.shape[0]), c.g_cols] = c.g_coef * intact
    return J + c.Sg @ G


def initial_state(p: PBPKParameters) -> np.ndarray:
    """State at t = 0: 100 %ID of particles in venous blood (i.v. bolus) or in the tumour
    interstitium (intratumoral), and the radiochemical impurity as free label in blood."""
    n = p.batch_size
    y0 = np.zeros((len(STATE_NAMES),) if n is None else (len(STATE_NAMES), n))
    target = "tumor_t" if p.meta.get("route") == "intratumoral" else "ven"
    y0[_IDX[target]] = 100.0
    y0[_IDX["free_blood"]] = 100.0 * (1.0 - np.asarray(p.values["f_rcp"], dtype=float))
    return y0


def solve(p: PBPKParameters, times_h: Any, rtol: float = 1e-8, atol: float = 1e-12,
          method: str = "Radau") -> np.ndarray:
    """Solution with scipy's stiff solvers (Radau with the analytic Jacobian: the reference) or
    the compiled Rosenbrock solver of :mod:`nanotwin.solver` (``"rodas5p"``, ``"rodas4"``).

    Parameters
    ----------
    p
        Parameters of one subject, or a batch (solved one subject after the other).
    times_h
        Output times (h, >= 0, increasing).
    rtol, atol
        Solver tolerances (atol in %ID).
    method
        ``"Radau"``, ``"BDF"`` or ``"LSODA"`` (scipy), or ``"rodas5p"`` / ``"rodas4"``: the
        edge form integrated by the numba kernel of :mod:`nanotwin.solver` (all subjects of a
        batch at once; a few ms for one design once numba has loaded its cache).

    Returns
    -------
    numpy.ndarray
        Amounts, shape ``(n_states, n_times)`` (or ``(n_states, n_times, n_batch)``).

    Examples
    --------
    >>> from nanotwin.pbpk import build_parameters
    >>> p = build_parameters({"name": "x", "nanoparticle": {"platform": "gold",
    ...     "hydrodynamic_diameter": 20.0}}, canonical_numbers=True)
    >>> Y = solve(p, [0.0, 1.0, 24.0])
    >>> bool(abs(Y[:len(PARTICLE_STATES)].sum(axis=0) - 100).max() < 1e-6)
    True
    >>> bool(np.allclose(solve(p, [0.0, 1.0, 24.0], method="rodas5p"), Y, rtol=1e-5, atol=1e-9))
    True
    """
    t = np.asarray(times_h, dtype=float)
    if t.ndim != 1 or t.size == 0 or np.any(~np.isfinite(t)) or np.any(t < 0) or np.any(
            np.diff(t) <= 0):
        raise DesignError("times: must be increasing, finite hours >= 0; e.g. [0, 1, 24, 168]",
                          "times")
    if method in ("rodas5p", "rodas4"):
        return _solve_compiled(p, t, rtol, atol, method)
    if method not in ("Radau", "BDF", "LSODA"):
        raise DesignError(f"method: {method!r} is not a stiff solver; use Radau, BDF, LSODA, "
                          "rodas5p or rodas4", "method")
    from scipy.integrate import solve_ivp

    n = p.batch_size
    if n is not None:
        out = [solve(p.from_vector(p.as_vector()[:, i]), t, rtol, atol, method)
               for i in range(n)]
        return np.stack(out, axis=-1)
    y0 = initial_state(p)
    t_end = float(t[-1])
    if t_end == 0.0:
        return y0[:, None].copy()
    kw = {"jac": lambda tt, yy: jacobian(tt, yy, p)} if method != "LSODA" else {}
    sol = solve_ivp(lambda tt, yy: rhs(tt, yy, p), (0.0, t_end), y0, method=method,
                    t_eval=t, rtol=rtol, atol=atol, **kw)
    if not sol.success:  # pragma: no cover - stiff solvers with the analytic Jacobian
        raise DesignError(f"solver: {sol.message}; try method='BDF' or looser rtol", "solver")
    return sol.y


def _solve_compiled(p: PBPKParameters, t: np.ndarray, rtol: float, atol: float,
                    method: str) -> np.ndarray:
    """:func:`solve` by the compiled Rosenbrock kernel on the edge form (every state kept)."""
    from nanotwin.solver import integrate, structure

    c = compiled(p)
    n_b = p.batch_size
    y0 = initial_state(p)
    if n_b is not None and y0.ndim == 2:
        if not np.allclose(y0, y0[:, :1]):
            raise DesignError("solve: subjects differ in their initial state (route or "
                              "radiochemical purity); solve them separately", "solve")
        y0 = y0[:, 0]
    B = 1 if n_b is None else n_b

    def rows(a: Any, m: int) -> np.ndarray:  # (m,) or (m, B) -> (B, m)
        a = np.asarray(a, dtype=float).reshape(m, -1)
        return np.ascontiguousarray(np.broadcast_to(a, (m, B)).T)

    satpos = np.full(c.src.size, -1, dtype=np.int64)
    satpos[np.asarray(c.sat_edge, dtype=np.int64)] = np.arange(c.sat_edge.size)
    st = structure(c.n, c.src, c.dst, satpos, c.sat_state, c.g_rows, c.g_cols)
    t_end = float(t[-1])
    if t_end == 0.0:
        Y = np.repeat(y0[:, None], t.size, axis=1)
        return Y if n_b is None else np.repeat(Y[..., None], B, axis=-1)
    r = integrate(st, rows(c.k, c.src.size), rows(c.sat_scale, c.sat_edge.size),
                  rows(c.g_coef, c.g_rows.size), np.broadcast_to(c.k_det, (B,)), y0, t,
                  rtol=rtol, atol=atol, method=method, keep=True, integrals=False)
    Y = r["out"].transpose(2, 1, 0)  # (B, n_t, n) -> (n, n_t, B)
    return np.ascontiguousarray(Y[:, :, 0]) if n_b is None else np.ascontiguousarray(Y)
