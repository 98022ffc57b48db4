"""Drug payload carried by the particle: release where the particle is, then free-drug kinetics.

Encapsulated drug moves with its particle: along every particle edge of the PBPK model it flows
with the same (saturation-aware) rate constant, so the drug per particle in each compartment is
exact, including organ-specific (stimulus-gated) release. Release from a particle in compartment
``c`` is ``h(t) * G(c) * E_c`` with the hazard ``h`` of the design's burst + first-order/Weibull
model (:func:`nanotwin.payload.release_hazard`) and the gate multiplier ``G`` evaluated in the
compartment's microenvironment (:func:`nanotwin.payload.gate_multiplier`; the extracellular
environment for vascular and interstitial states, the intracellular (endolysosomal) one for
phagocytosed, bound and internalised particles). The burst fraction is free in blood at t = 0.

Free drug (approximate, generic small molecule): flow-limited exchange between blood and each
organ with a tissue:blood partition of 1, and elimination from blood with a half-life of 1 h
(order of magnitude of small-molecule cytotoxics in mice; e.g. the initial half-lives of free
doxorubicin, Gabizon et al., Cancer Res 1994;54:987). Eliminated drug is booked under "urine".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nanotwin.pbpk.model import (
    BODY_STATES,
    PARTICLE_STATES,
    STATE_NAMES,
    compiled,
    organ_of_state,
    rhs,
)
from nanotwin.pbpk.parameters import PBPKParameters
from nanotwin.pbpk.physiology import ORGANS, TISSUES

__all__ = ["drug_time_course", "K_EL_FREE_DRUG"]

#: Elimination rate of free drug from blood, 1/h (half-life 1 h; module docstring).
K_EL_FREE_DRUG = math.log(2.0) / 1.0
_FREE = ("blood", *TISSUES)


_KIND = {"ph": "pH"}  # the design stores lower-case tokens; nanotwin.payload spells "pH"


def _gate_mapping(gate: Any) -> Any:
    if gate is None:
        return None
    trig = [{"kind": _KIND.get(t.kind, t.kind), "threshold": t.threshold, "enzyme": t.enzyme,
             "rate_multiplier": t.rate_multiplier} for t in gate.triggers]
    return {"combine": gate.combine, "triggers": trig}


def _gate(gate: Any, state: str) -> float:
    from nanotwin.payload import gate_multiplier, microenvironment

    organ = organ_of_state(state)
    comp = "intracellular" if state.endswith(("_pc", "_bound", "_int")) else "extracellular"
    env_organ = "blood" if organ == "blood" or state.endswith("_b") else organ
    return gate_multiplier(gate, microenvironment(env_organ, comp if env_organ != "blood"
                                                  else "extracellular"))


def drug_time_course(design: Any, p: PBPKParameters, t: np.ndarray, Yp: np.ndarray, *,
                     rtol: float = 1e-8, atol: float = 1e-12) -> tuple[np.ndarray, np.ndarray]:
    """Encapsulated and free drug (% of administered) per organ over time.

    Parameters
    ----------
    design
        The design (its first payload is simulated).
    p
        PBPK parameters of one subject.
    t
        Output times (h).
    Yp
        Unused particle solution (kept for API symmetry; the joint system is re-solved).

    Returns
    -------
    tuple of numpy.ndarray
        ``(encapsulated, free)``, each of shape ``(n_organs, n_times)``.
    """
    from scipy.integrate import solve_ivp

    from nanotwin.payload import release_hazard, release_parameters

    pay = design.payloads[0]
    rel = pay.release
    f_b, model, k, tau, b = release_parameters(rel)
    c = compiled(p)
    nS, nP = len(STATE_NAMES), len(PARTICLE_STATES)
    pidx = {s: i for i, s in enumerate(PARTICLE_STATES)}
    part_edges = np.array([i for i in range(c.src.size) if c.src[i] < nP and c.dst[i] < nP])
    body = np.array([pidx[s] for s in BODY_STATES])
    gate = _gate_mapping(rel.gate)
    G = np.array([_gate(gate, s) for s in BODY_STATES])
    fidx = {o: i for i, o in enumerate(_FREE)}
    rel_dst = np.array([fidx[organ_of_state(s)] for s in BODY_STATES])
    Sp = c.S[:nP][:, part_edges]
    src_p = c.src[part_edges]
    k_p = c.k[part_edges]
    sat_mask = np.isin(part_edges, c.sat_edge)
    sat_pos = {int(e): j for j, e in enumerate(c.sat_edge)}
    sat_state = np.array([c.sat_state[sat_pos[int(e)]] for e in part_edges[sat_mask]])
    sat_scale = np.array([c.sat_scale[sat_pos[int(e)]] for e in part_edges[sat_mask]])
    g = p.values
    Q = {o: (g["CO"] if o == "lung" else g[f"Q_{o}"]) for o in TISSUES}
    V_blood = g["V_art"] + g["V_ven"] + sum(g[f"V_b_{o}"] for o in TISSUES)
    k_in = np.array([Q[o] / V_blood for o in TISSUES])
    k_out = np.array([Q[o] / g[f"V_{o}"] if g[f"V_{o}"] > 0 else 0.0 for o in TISSUES])
    nF = len(_FREE)

    def hazard(tt: float) -> float:
        if model == "none":
            return 0.0
        return float(release_hazard(tt, f_b, model, k, tau, b))

    # particles degraded in phagocytes release all their drug where they were (free drug)
    deg = pidx["degraded"]
    deg_mask = c.dst[part_edges] == deg
    deg_free = np.array([fidx[organ_of_state(PARTICLE_STATES[c.src[e]])]
                         for e in part_edges[deg_mask]], dtype=int)

    def f(tt: float, z: np.ndarray) -> np.ndarray:
        y = z[:nS]
        E = z[nS:nS + nP]
        F = z[nS + nP:nS + nP + nF]
        dy = rhs(tt, y, p)
        keff = k_p.copy()
        keff[sat_mask] *= 1.0 - y[sat_state] * sat_scale
        flux = keff * E[src_p]
        dE = Sp @ flux
        r = hazard(tt) * G * E[body]
        dE[body] -= r
        dF = np.zeros(nF)
        np.add.at(dF, rel_dst, r)
        if deg_free.size:
            dflux = flux[deg_mask]
            dE[deg] -= dflux.sum()
            np.add.at(dF, deg_free, dflux)
        ex = k_out * F[1:] - k_in * F[0]
        dF[1:] -= ex
        dF[0] += ex.sum() - K_EL_FREE_DRUG * F[0]
        return np.concatenate([dy, dE, dF, [K_EL_FREE_DRUG * F[0]]])

    from nanotwin.pbpk.model import initial_state

    y0 = initial_state(p)
    E0 = (1.0 - f_b) * y0[:nP]
    F0 = np.zeros(nF)
    F0[0] = 100.0 * f_b
    z0 = np.concatenate([y0, E0, F0, [0.0]])
    sol = solve_ivp(f, (0.0, float(t[-1])), z0, method="Radau", t_eval=t, rtol=rtol,
                    atol=atol)
    Z = sol.y
    enc = np.zeros((len(ORGANS), t.size))
    oidx = {o: i for i, o in enumerate(ORGANS)}
    for j, s in enumerate(PARTICLE_STATES):
        enc[oidx[organ_of_state(s)]] += Z[nS + j]
    free = np.zeros_like(enc)
    for j, o in enumerate(_FREE):
        free[oidx[o]] += Z[nS + nP + j]
    free[oidx["urine"]] += Z[-1]
    return enc, free
