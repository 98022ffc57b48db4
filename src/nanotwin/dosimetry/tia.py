"""Time-integrated activity (TIA) from time–activity data.

Models of the (not decay-corrected) activity A(t), all clearance rates bounded below by the
physical decay constant λp = ln 2 / T½ when the nuclide is known (an organ cannot lose activity
more slowly than the nuclide decays):

* ``mono``  A1·exp(−λ1 t)                         TIA = A1/λ1
* ``bi``    Σ_{i≤2} Ai·exp(−λi t)                 TIA = Σ Ai/λi
* ``tri``   Σ_{i≤3} Ai·exp(−λi t)                 TIA = Σ Ai/λi
* ``uptake_washout``  A·(exp(−λw t) − exp(−λu t)), λu > λw ≥ λp   TIA = A(1/λw − 1/λu)
* ``trapezoid``  trapezoid rule from t = 0 (first value held back to t = 0) to the last point
  plus a physical-decay tail A_last/λp (MIRD Pamphlet 16, Siegel et al. 1999).

``model="auto"`` fits every exponential model with fewer parameters than points and keeps the
one with the lowest corrected Akaike information criterion (AICc; Glatting et al., Med Phys
2007;34:4285). The TIA's standard deviation comes from the fit covariance (delta method).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["TIAResult", "tia", "MODELS", "model_curve"]

MODELS = ("mono", "bi", "tri", "uptake_washout", "trapezoid")
_N_PARAMS = {"mono": 2, "bi": 4, "tri": 6, "uptake_washout": 3}


@dataclass(frozen=True)
class TIAResult:
    """A time-integrated activity.

    Attributes
    ----------
    value
        TIA in (unit of activity)·h.
    sd
        Standard deviation from the fit (nan for the trapezoid).
    model
        Model used.
    params
        Fitted parameters (amplitudes in activity units, rates in 1/h).
    aicc
        AICc of every model tried (``model="auto"``).
    """

    value: float
    sd: float
    model: str
    params: dict[str, float]
    aicc: dict[str, float] = field(default_factory=dict)


def _curve(model: str, lam_p: float):
    def multi(t: np.ndarray, *p: float) -> np.ndarray:
        out = np.zeros_like(t)
        for i in range(0, len(p), 2):
            out = out + p[i] * np.exp(-(lam_p + p[i + 1]) * t)
        return out

    def uw(t: np.ndarray, A: float, dw: float, du: float) -> np.ndarray:
        lw = lam_p + dw
        return A * (np.exp(-lw * t) - np.exp(-(lw + du) * t))

    return uw if model == "uptake_washout" else multi


def _integral(model: str, p: np.ndarray, lam_p: float) -> float:
    if model == "uptake_washout":
        A, dw, du = p
        lw = lam_p + dw
        return float(A * (1 / lw - 1 / (lw + du)))
    return float(sum(p[i] / (lam_p + p[i + 1]) for i in range(0, len(p), 2)))


def model_curve(result: TIAResult, times_h: Any, nuclide_lambda_per_h: float = 0.0) -> np.ndarray:
    """Evaluate a fitted TIA model at ``times_h`` (for plots and checks).

    Examples
    --------
    >>> r = tia([1, 2, 4, 8], [8.0, 4.0, 1.0, 0.0625], model="mono")
    >>> model_curve(r, [3.0]).round(3).tolist()
    [2.0]
    """
    t = np.asarray(times_h, dtype=float)
    p = result.params
    if result.model == "uptake_washout":
        return p["A"] * (np.exp(-p["lambda_w"] * t) - np.exp(-p["lambda_u"] * t))
    if result.model == "trapezoid":
        raise DesignError("model: the trapezoid has no curve; fit an exponential model",
                          "model")
    n = len(p) // 2
    return sum(p[f"A{i + 1}"] * np.exp(-p[f"lambda{i + 1}"] * t) for i in range(n))


def _fit(model: str, t: np.ndarray, a: np.ndarray, sd: np.ndarray | None, lam_p: float
         ) -> tuple[np.ndarray, np.ndarray, float] | None:
    from scipy.optimize import OptimizeWarning, curve_fit

    f = _curve(model, lam_p)
    amax = float(np.max(a))
    span = float(t.max() - t.min()) if t.size > 1 else 1.0
    rates = np.geomspace(1 / (100 * max(t.max(), 1e-6)), 10 / max(span, 1e-6) + 10 / max(
        t.min() if t.min() > 0 else t.max(), 1e-6), 5)
    best = None
    starts = []
    if model == "uptake_washout":
        for i, r1 in enumerate(rates):
            for r2 in rates[i + 1:]:
                starts.append([amax * 2, r1, r2])
        lb, ub = [0, 0, 0], [np.inf] * 3
    else:
        n = _N_PARAMS[model] // 2
        import itertools

        for combo in itertools.combinations(rates, n):
            p0 = []
            for r in combo:
                p0 += [amax / n, r]
            starts.append(p0)
        lb, ub = [0] * (2 * n), [np.inf] * (2 * n)
    for p0 in starts:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore", OptimizeWarning)
                popt, pcov = curve_fit(f, t, a, p0=p0, sigma=sd, absolute_sigma=sd is not None,
                                       bounds=(lb, ub), xtol=1e-13, ftol=1e-13, gtol=1e-13,
                                       max_nfev=600)
        except (RuntimeError, ValueError):
            continue
        with np.errstate(all="ignore"):
            res = (f(t, *popt) - a) / (sd if sd is not None else 1.0)
        sse = float(np.sum(res**2))
        if np.isfinite(sse) and (best is None or sse < best[2]):
            best = (popt, pcov, sse)
    if best is not None and model != "uptake_washout":
        # Clearance at the physical-decay bound: snap tiny rate excesses to exactly 0 and solve
        # the amplitudes by linear least squares; keep it if the fit is no worse.
        popt, pcov, sse = best
        snap = popt.copy()
        small = snap[1::2] < 1e-6 * max(lam_p, 1e-12)
        if np.any(small):
            snap[1::2][small] = 0.0
            X = np.stack([np.exp(-(lam_p + snap[i + 1]) * t) for i in range(0, snap.size, 2)],
                         axis=1)
            w = 1.0 / (sd if sd is not None else np.ones_like(a))
            amp, *_ = np.linalg.lstsq(X * w[:, None], a * w, rcond=None)
            if np.all(amp >= 0):
                snap[0::2] = amp
                sse2 = float(np.sum(((X @ amp) - a) ** 2 * w**2))
                if sse2 <= sse * (1 + 1e-9) + 1e-24:
                    best = (snap, pcov, sse2)
    return best


def tia(times_h: Any, activity: Any, model: str = "auto", *, nuclide: str | None = None,
        sd: Any = None, decay_corrected: bool = False) -> TIAResult:
    """Time-integrated activity of a time–activity curve, from t = 0 to infinity.

    Parameters
    ----------
    times_h
        Sampling times after administration (h, >= 0).
    activity
        Activity (or %ID, fraction of injected activity …) at each time.
    model
        ``"auto"`` (lowest AICc), ``"mono"``, ``"bi"``, ``"tri"``, ``"uptake_washout"`` or
        ``"trapezoid"``.
    nuclide
        The nuclide: its physical decay bounds clearance from below and closes the trapezoid.
        Without it clearance may be arbitrarily slow (only biological).
    sd
        Standard deviation of each point (weights the fit; propagated to the TIA).
    decay_corrected
        Whether ``activity`` is decay-corrected to t = 0 (physical decay is then applied first;
        needs ``nuclide``).

    Returns
    -------
    TIAResult
        TIA in (activity unit)·h.

    Examples
    --------
    >>> r = tia([1, 2, 4, 8], [8.0, 4.0, 1.0, 0.0625], model="mono")
    >>> round(r.value, 6), r.model
    (23.083121, 'mono')
    """
    t = np.asarray(times_h, dtype=float).ravel()
    a = np.asarray(activity, dtype=float).ravel()
    if t.size != a.size or t.size == 0:
        raise DesignError(f"activity: {a.size} values for {t.size} times; give one activity "
                          "per time", "activity")
    if np.any(~np.isfinite(t)) or np.any(t < 0) or np.any(~np.isfinite(a)) or np.any(a < 0):
        raise DesignError("times_h/activity: need finite times >= 0 h and activities >= 0; "
                          "remove negative or missing values", "activity")
    if model not in (*MODELS, "auto"):
        raise DesignError(f"model: unknown TIA model {model!r}; use auto, "
                          f"{', '.join(MODELS)}", "model")
    order = np.argsort(t)
    t, a = t[order], a[order]
    s = None
    if sd is not None:
        s = np.asarray(sd, dtype=float).ravel()[order]
        if s.size != t.size or np.any(~(s > 0)):
            raise DesignError("sd: give one positive standard deviation per time point", "sd")
    lam_p = 0.0
    if nuclide is not None:
        from nanotwin.physics import half_life

        lam_p = math.log(2) / half_life(nuclide, "h")
    if decay_corrected:
        if nuclide is None:
            raise DesignError("nuclide: decay-corrected data need the nuclide to restore "
                              "physical decay; give nuclide='Lu-177' (e.g.)", "nuclide")
        a = a * np.exp(-lam_p * t)
        s = None if s is None else s * np.exp(-lam_p * t)
    if model == "trapezoid":
        return _trapezoid(t, a, lam_p)
    if float(np.max(a)) == 0.0:
        return TIAResult(0.0, 0.0, "mono" if model == "auto" else model, {}, {})
    candidates = [m for m in ("mono", "bi", "tri", "uptake_washout")
                  if model in ("auto", m)]
    fits: dict[str, tuple[np.ndarray, np.ndarray, float]] = {}
    aicc: dict[str, float] = {}
    n = t.size
    for m in candidates:
        k = _N_PARAMS[m]
        if k >= n and model == "auto":
            continue
        fit = _fit(m, t, a, s, lam_p)
        if fit is None:
            continue
        fits[m] = fit
        sse = max(fit[2], 1e-300)
        corr = 2 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else np.inf
        aicc[m] = float(n * math.log(sse / n) + 2 * k + corr) if n > k else float("inf")
    if not fits:
        if model != "auto":
            raise DesignError(f"model: the {model} fit failed on {n} points; use model='auto' "
                              "or 'trapezoid'", "model")
        return _trapezoid(t, a, lam_p)
    best = min(aicc, key=lambda m: aicc[m]) if model == "auto" else model
    popt, pcov, _ = fits[best]
    value = _integral(best, popt, lam_p)
    # delta method: numerical gradient of the integral w.r.t. the parameters
    grad = np.zeros(popt.size)
    for i in range(popt.size):
        h = 1e-6 * max(abs(popt[i]), 1e-12)
        up = popt.copy()
        up[i] += h
        grad[i] = (_integral(best, up, lam_p) - value) / h
    var = float(grad @ pcov @ grad) if np.all(np.isfinite(pcov)) else float("nan")
    sd_val = math.sqrt(var) if var >= 0 else float("nan")
    if best == "uptake_washout":
        params = {"A": float(popt[0]), "lambda_w": lam_p + float(popt[1]),
                  "lambda_u": lam_p + float(popt[1] + popt[2])}
    else:
        params = {}
        for i in range(0, popt.size, 2):
            params[f"A{i // 2 + 1}"] = float(popt[i])
            params[f"lambda{i // 2 + 1}"] = lam_p + float(popt[i + 1])
    return TIAResult(value, sd_val, best, params, aicc)


def _trapezoid(t: np.ndarray, a: np.ndarray, lam_p: float) -> TIAResult:
    tt = np.concatenate([[0.0], t]) if t[0] > 0 else t
    aa = np.concatenate([[a[0]], a]) if t[0] > 0 else a
    area = float(np.trapezoid(aa, tt))
    if lam_p <= 0:
        raise DesignError("nuclide: the trapezoid needs the nuclide for its physical-decay tail; "
                          "give nuclide=...", "nuclide")
    tail = float(a[-1]) / lam_p
    return TIAResult(area + tail, float("nan"), "trapezoid",
                     {"area_h": area, "tail_h": tail}, {})
