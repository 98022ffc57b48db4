"""Treatment response: linear-quadratic survival with dose rate and repair, RBE for alphas, tumour
control probability with inter-cell heterogeneity, growth and regrowth, chemotherapy Emax.

Radiation (every constant is a default of :class:`Radiobiology`, with its source):

* Low-LET (beta, electron, photon) survival of a protracted dose ``D`` delivered with dose rate
  ``R(t)``: ``S = exp(-alpha D - beta G D^2)`` with the Lea-Catcheside factor
  ``G = 2/D^2 int R(t) int_0^t R(w) e^{-mu (t - w)} dw dt``, ``mu = ln 2 / T_rep``
  (Lea & Catcheside, J Genet 1942;44:216; Dale, Br J Radiol 1985;58:515). For an exponentially
  falling dose rate this is Dale's BED, ``BED = D (1 + G D / (alpha/beta))``, exactly the
  :func:`nanotwin.dosimetry.bed` that nanotwin's organ dosimetry uses (tested equal).
* Alpha particles: high LET, no sublethal-damage repair: ``S = exp(-RBE alpha D_alpha)`` with
  ``RBE = 5`` (MIRD Pamphlet No. 22, Sgouros et al., J Nucl Med 2010;51:311: RBE 5 for
  deterministic effects of alpha emitters). Components act independently (multiply).
* Tumour cells: ``alpha = 0.35 /Gy``, inter-cell standard deviation ``sigma_alpha = 0.08 /Gy``
  and clonogen density ``1e7 /cm^3`` (Webb & Nahum, Phys Med Biol 1993;38:653, the population
  TCP model), ``alpha/beta = 10 Gy`` (tumours; Fowler, Br J Radiol 1989;62:679),
  ``T_rep = 1.5 h`` (as :func:`nanotwin.dosimetry.bed`).
* TCP: Poisson, ``TCP = exp(-sum_k N_k <S_k>)`` over the cells of the dose map, each cell's
  survival averaged over the normal distribution of ``alpha`` between cells (Gauss-Hermite);
  optionally over tumours too (Webb & Nahum's inter-patient form).

Growth (:func:`growth_curve`): viable cells grow exponentially (doubling time ``T_d``) or by
Gompertz ``dN/dt = a N ln(K/N)`` (Gompertz 1825; Laird, Br J Cancer 1964;18:490); treatment
moves viable cells into a dead pool at the rate ``-d ln S/dt`` of the cumulative survival;
dead cells are cleared with half-life ``T_clear`` (default 2 days: an assumption). Time to
regrowth is the time the volume first exceeds ``k V_0`` after its nadir; growth delay the
difference to the untreated tumour. For exponential growth, instant kill and instant clearance
``delay = T_d log2(1/S)`` (tested).

Chemotherapy: kill rate ``E_max C^n / (EC50^n + C^n)`` on the free intracellular drug ``C`` of
each cell (:meth:`nanotwin.tumor.transport.TumorSolution.drug_uM`), survival
``exp(-int rate dt)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["Radiobiology", "lea_catcheside_G", "protraction_factor", "protracted_bed",
           "survival", "tcp", "growth_curve", "GrowthModel", "time_to_regrowth", "emax_survival",
           "exponential_G"]


@dataclass(frozen=True)
class Radiobiology:
    """Radiobiological parameters (module docstring for the sources)."""

    alpha: float = 0.35  # 1/Gy, Webb & Nahum 1993
    sigma_alpha: float = 0.08  # 1/Gy, Webb & Nahum 1993 (inter-cell here)
    alpha_beta: float = 10.0  # Gy, Fowler 1989
    T_rep_h: float = 1.5  # h, Dale 1985
    RBE_alpha: float = 5.0  # MIRD Pamphlet 22 (Sgouros et al. 2010)
    clonogens_per_cm3: float = 1e7  # Webb & Nahum 1993

    @property
    def beta(self) -> float:
        """beta (1/Gy^2) = alpha / (alpha/beta)."""
        return self.alpha / self.alpha_beta


def lea_catcheside_G(t_h: Any, dose_rate: Any, T_rep_h: float = 1.5) -> float:
    """Lea-Catcheside dose-protraction factor of a sampled dose rate (any units of rate).

    The inner integral is updated exactly for piecewise-linear ``R(t)``; a dose rate that
    falls exponentially after the last sample (``R(t_end) e^{-lambda (t - t_end)}``) is not
    added here: :func:`protracted_bed` adds the tail.

    Examples
    --------
    >>> t = np.linspace(0, 1e-6, 50)
    >>> round(lea_catcheside_G(t, np.ones(50)), 4)   # acute: G -> 1
    1.0
    """
    t = np.asarray(t_h, dtype=float)
    R = np.asarray(dose_rate, dtype=float)
    if t.ndim != 1 or t.size != R.size or t.size < 2 or np.any(np.diff(t) <= 0):
        raise DesignError("t_h: give increasing times matching the dose-rate samples", "t_h")
    mu = math.log(2.0) / float(T_rep_h)
    D = float(np.trapezoid(R, t))
    if D <= 0:
        return 0.0
    q = _repair_memory(t, R, mu)
    acc = float(np.sum(0.5 * (R[:-1] * q[:-1] + R[1:] * q[1:]) * np.diff(t)))
    return float(2.0 * acc / D**2)


def _repair_memory(t: np.ndarray, R: np.ndarray, mu: float) -> np.ndarray:
    """``q(t_k) = int_0^t_k R(w) e^{-mu (t_k - w)} dw`` at every sample, exact for R linear
    between samples."""
    q = np.zeros(t.size)
    for k in range(t.size - 1):
        dt = t[k + 1] - t[k]
        a, b = R[k], R[k + 1]
        if mu * dt > 1e-8:
            e = math.exp(-mu * dt)
            slope = (b - a) / dt
            q[k + 1] = q[k] * e + (a - slope / mu) * (1 - e) / mu + slope * dt / mu
        else:
            q[k + 1] = q[k] + 0.5 * (a + b) * dt
    return q


def exponential_G(lam_h: float, T_rep_h: float = 1.5) -> float:
    """``G = lambda / (lambda + mu)`` of a dose rate ``R_0 e^{-lambda t}`` delivered in full.

    Examples
    --------
    >>> round(exponential_G(math.log(2) / 160.0, 1.5), 5)
    0.00929
    """
    mu = math.log(2.0) / T_rep_h
    return lam_h / (lam_h + mu)


def protraction_factor(t_h: Any, dose_rate: Any, T_rep_h: float = 1.5,
                       tail_lambda_h: float | None = None) -> tuple[float, float]:
    """``(D, G)``: dose and Lea-Catcheside factor of a sampled dose rate plus an exponential tail
    ``R(t_end) e^{-lambda (t - t_end)}`` after the samples.

    Examples
    --------
    >>> lam = math.log(2) / 10.0
    >>> t = np.linspace(0.0, 1.0, 101)
    >>> D, G = protraction_factor(t, np.exp(-lam * t), 1.5, tail_lambda_h=lam)
    >>> bool(round(G, 4) == round(exponential_G(lam, 1.5), 4))
    True
    """
    t = np.asarray(t_h, dtype=float)
    R = np.asarray(dose_rate, dtype=float)
    D_s = float(np.trapezoid(R, t))
    num = lea_catcheside_G(t, R, T_rep_h) * D_s**2
    D = D_s
    if tail_lambda_h is not None and tail_lambda_h > 0 and R[-1] > 0:
        lam, mu = float(tail_lambda_h), math.log(2.0) / T_rep_h
        # tail self term and cross term with the repair memory q(t_end)
        q_end = float(_repair_memory(t, R, mu)[-1])
        num += 2.0 * (R[-1] ** 2 / (2.0 * lam * (lam + mu)) + q_end * R[-1] / (lam + mu))
        D = D_s + R[-1] / lam
    return D, (num / D**2 if D > 0 else 0.0)


def protracted_bed(t_h: Any, dose_rate: Any, alpha_beta: float, T_rep_h: float = 1.5,
                   tail_lambda_h: float | None = None) -> tuple[float, float]:
    """Dose and BED of a sampled dose rate (Gy/h), with an exponential tail after the samples.

    Returns ``(D, BED)``; ``BED = D (1 + G D / (alpha/beta))``.

    Examples
    --------
    >>> from nanotwin.dosimetry import bed
    >>> lam = math.log(2) / 60.0
    >>> t = np.linspace(0, 2000, 20001)
    >>> D, B = protracted_bed(t, 1.0 * np.exp(-lam * t), 2.6, 2.8)
    >>> bool(abs(B - bed(D, 2.6, 60.0, 2.8)) / B < 1e-4)
    True
    """
    D, G = protraction_factor(t_h, dose_rate, T_rep_h, tail_lambda_h)
    return D, D * (1.0 + G * D / float(alpha_beta))


_GH_X, _GH_W = np.polynomial.hermite_e.hermegauss(24)
_GH_W = _GH_W / _GH_W.sum()


def survival(D_low: Any, D_alpha: Any = 0.0, G: float = 1.0, rb: Radiobiology | None = None,
             *, heterogeneous: bool = True, extra_log_kill: Any = 0.0) -> np.ndarray:
    """Cell survival from low-LET dose ``D_low`` (protraction factor ``G``) and alpha dose.

    With ``heterogeneous`` the survival is averaged over ``alpha ~ N(alpha, sigma_alpha)``
    between cells (truncated at 0; Gauss-Hermite). ``extra_log_kill`` adds ``-ln S`` of other
    treatments (chemotherapy, heat: independent action).

    Examples
    --------
    >>> rb = Radiobiology(sigma_alpha=0.0)
    >>> float(survival(2.0, rb=rb))  == math.exp(-0.35 * 2 - 0.035 * 4)
    True
    """
    rb = rb or Radiobiology()
    Dl = np.asarray(D_low, dtype=float)
    Da = np.asarray(D_alpha, dtype=float)
    L0 = np.asarray(extra_log_kill, dtype=float)
    if not heterogeneous or rb.sigma_alpha <= 0:
        a = rb.alpha
        return np.exp(-(a * Dl + a / rb.alpha_beta * G * Dl**2 + rb.RBE_alpha * a * Da) - L0)
    out = np.zeros(np.broadcast(Dl, Da, L0).shape)
    for x, w in zip(_GH_X, _GH_W, strict=True):
        a = max(rb.alpha + rb.sigma_alpha * x, 0.0)
        # beta scales with alpha at fixed alpha/beta (the cell's own sensitivity)
        out = out + w * np.exp(-(a * Dl + a / rb.alpha_beta * G * Dl**2 + rb.RBE_alpha * a * Da)
                               - L0)
    return out


def tcp(S_cells: Any, cells: Any) -> float:
    """Poisson tumour control probability ``exp(-sum N_k S_k)``.

    Examples
    --------
    >>> round(tcp([1e-8, 1e-8], [1e7, 1e7]), 4)
    0.8187
    """
    S = np.asarray(S_cells, dtype=float)
    N = np.asarray(cells, dtype=float)
    return float(np.exp(-np.sum(N * S)))


def emax_survival(t_h: Any, C_uM: Any, EC50_uM: float, Emax_per_h: float,
                  hill: float = 1.0) -> np.ndarray:
    """Survival ``exp(-int E_max C^n / (EC50^n + C^n) dt)`` of cells exposed to ``C(t)``
    (shape ``(n_times, ...)``).

    Examples
    --------
    >>> t = np.array([0.0, 10.0])
    >>> float(emax_survival(t, np.array([1.0, 1.0]), 1.0, 0.1)) == math.exp(-0.5)
    True
    """
    t = np.asarray(t_h, dtype=float)
    C = np.clip(np.asarray(C_uM, dtype=float), 0.0, None)
    rate = Emax_per_h * C**hill / (EC50_uM**hill + C**hill)
    return np.exp(-np.trapezoid(rate, t, axis=0))


@dataclass(frozen=True)
class GrowthModel:
    """Tumour growth: ``"exponential"`` (doubling time) or ``"gompertz"`` (carrying capacity).

    Defaults: doubling time 4 days, Gompertz plateau 20 x the initial volume, dead-cell
    clearance half-life 2 days -- generic assumptions for s.c. mouse xenografts; give the
    measured ones of your model.
    """

    model: str = "exponential"
    T_d_h: float = 96.0
    K_over_V0: float = 20.0
    T_clear_h: float = 48.0


def growth_curve(t_h: Any, log_kill: Any, V0: float = 1.0, gm: GrowthModel | None = None,
                 ) -> np.ndarray:
    """Tumour volume over time with a treatment given as cumulative log cell kill ``L(t)``.

    ``L(t) = -ln S(t)`` of the tumour's surviving fraction (sampled on ``t_h``; constant after
    the last treatment sample). Viable ``N_v``: growth minus ``dL/dt N_v``; dead ``N_d``:
    cleared at ``ln 2 / T_clear``. Volume ``V0 (N_v + N_d)``.

    Examples
    --------
    >>> t = np.linspace(0, 960, 961)
    >>> V = growth_curve(t, np.zeros_like(t), gm=GrowthModel(T_d_h=96.0))
    >>> round(float(V[-1]), 1)    # ten doublings
    1024.0
    """
    from scipy.integrate import solve_ivp

    gm = gm or GrowthModel()
    t = np.asarray(t_h, dtype=float)
    L = np.asarray(log_kill, dtype=float)
    if t.shape != L.shape or t.ndim != 1 or np.any(np.diff(t) <= 0):
        raise DesignError("t_h/log_kill: give matching increasing times and cumulative log "
                          "kill", "log_kill")
    dL = np.gradient(L, t) if t.size > 1 else np.zeros(1)
    lam = math.log(2.0) / gm.T_d_h
    kc = math.log(2.0) / gm.T_clear_h
    if gm.model == "gompertz":
        K = gm.K_over_V0
        # a such that the initial doubling time is T_d: a ln K = lam
        a = lam / math.log(K)
    elif gm.model != "exponential":
        raise DesignError(f"growth model {gm.model!r}: use exponential or gompertz", "model")

    def f(tt: float, y: np.ndarray) -> np.ndarray:
        Nv, Nd = max(y[0], 0.0), y[1]
        g = lam if gm.model == "exponential" else a * math.log(K / max(Nv + Nd, 1e-300))
        k = float(np.interp(tt, t, dL, right=0.0))
        return np.array([g * Nv - k * Nv, k * Nv - kc * Nd])

    sol = solve_ivp(f, (t[0], t[-1]), [1.0, 0.0], t_eval=t, method="LSODA", rtol=1e-8,
                    atol=1e-12, max_step=max((t[-1] - t[0]) / 200.0, 1e-6))
    return V0 * (sol.y[0] + sol.y[1])


def time_to_regrowth(t_h: Any, V: Any, factor: float = 1.0) -> float:
    """First time after the volume nadir at which ``V >= factor x V[0]`` (``nan`` if never).

    Examples
    --------
    >>> t = np.array([0.0, 1.0, 2.0, 3.0]); V = np.array([1.0, 0.5, 0.8, 1.6])
    >>> round(time_to_regrowth(t, V), 3)
    2.25
    """
    t = np.asarray(t_h, dtype=float)
    V = np.asarray(V, dtype=float)
    target = factor * V[0]
    i0 = int(np.argmin(V))
    if factor <= 1.0 and i0 == 0:
        return float(t[0])
    for k in range(max(i0, 0), t.size - 1):
        if V[k] < target <= V[k + 1]:
            return float(t[k] + (target - V[k]) / (V[k + 1] - V[k]) * (t[k + 1] - t[k]))
    if i0 == 0 and V[0] >= target:
        return float(t[0])
    return float("nan")
