"""Statistical process control across batches: Shewhart individuals chart, CUSUM, capability.

* **Individuals (X) chart** with moving ranges: centre = mean, σ̂ = MR̄ / d2 (d2 = 1.128 for
  ranges of two), limits centre ± 3σ̂; run rules of the Western Electric Statistical Quality
  Control Handbook (1956) as given by Montgomery DC, Introduction to Statistical Quality
  Control, 7th ed. (Wiley 2013), §5.3.6 and §6.4: (1) one point beyond 3σ; (2) two of three
  consecutive points beyond 2σ on the same side; (3) four of five beyond 1σ on the same side;
  (4) eight consecutive points on one side of the centre.
* **Tabular CUSUM** (Montgomery §9.1): C⁺ᵢ = max(0, xᵢ − (μ0 + K) + C⁺ᵢ₋₁),
  C⁻ᵢ = max(0, (μ0 − K) − xᵢ + C⁻ᵢ₋₁), K = kσ, H = hσ (k = ½, h = 5 by default: in-control
  ARL 465, ARL 10.4 for a 1σ shift, Montgomery Table 9.3).
* **Capability** Cp = (USL − LSL)/6σ, Cpk = min(USL − μ, μ − LSL)/3σ with σ̂ within (MR̄/d2) and
  Pp, Ppk with the overall sample SD (Montgomery §8.3); approximate confidence interval of Cpk
  ± z·sqrt(1/(9n) + Cpk²/(2(n − 1))) (Bissell AF. How reliable is your capability index?
  Appl Stat 1990;39:331-340).

Examples
--------
>>> import numpy as np
>>> x = np.array([100.0, 102, 99, 101, 98, 100, 103, 97, 100, 101])
>>> ch = individuals_chart(x)
>>> round(ch["center"], 2), round(ch["sigma"], 3)
(100.1, 2.463)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["D2_N2", "individuals_chart", "run_rules", "cusum", "capability"]

#: Control-chart constant d2 for subgroups (moving ranges) of size 2 (Montgomery Appendix VI).
D2_N2 = 1.128


def _values(x: Any, n_min: int = 2) -> np.ndarray:
    v = np.asarray(x, dtype=float).ravel()
    if v.size < n_min:
        raise DesignError(f"values: need at least {n_min} batches, got {v.size}", "values")
    if np.any(~np.isfinite(v)):
        raise DesignError("values: remove NaN or infinite values", "values")
    return v


def run_rules(x: Any, center: float, sigma: float) -> dict[str, list[int]]:
    """Indices of points that break each Western Electric rule (the last point of a run).

    Examples
    --------
    >>> run_rules([0, 0, 3.5, 0], 0.0, 1.0)["rule1"]
    [2]
    """
    v = _values(x, 1)
    if not sigma > 0:
        raise DesignError("sigma: must be > 0", "sigma")
    z = (v - center) / sigma
    out: dict[str, list[int]] = {"rule1": [], "rule2": [], "rule3": [], "rule4": []}
    out["rule1"] = [int(i) for i in np.flatnonzero(np.abs(z) > 3)]
    for i in range(v.size):
        for side in (1, -1):
            w3 = side * z[max(0, i - 2): i + 1]
            if w3.size == 3 and np.sum(w3 > 2) >= 2 and side * z[i] > 2:
                out["rule2"].append(i)
            w5 = side * z[max(0, i - 4): i + 1]
            if w5.size == 5 and np.sum(w5 > 1) >= 4 and side * z[i] > 1:
                out["rule3"].append(i)
            w8 = side * z[max(0, i - 7): i + 1]
            if w8.size == 8 and np.all(w8 > 0):
                out["rule4"].append(i)
    return {k: sorted(set(v_)) for k, v_ in out.items()}


def individuals_chart(x: Any, *, center: float | None = None, sigma: float | None = None
                      ) -> dict[str, Any]:
    """Shewhart individuals chart with moving ranges and run rules.

    Parameters
    ----------
    x
        One value per batch, in production order.
    center, sigma
        Fixed (phase II) centre line and σ; default estimated from ``x`` (phase I).

    Returns
    -------
    dict
        ``center``, ``sigma``, ``ucl``, ``lcl``, ``moving_range``, ``mr_ucl`` (D4·MR̄,
        D4 = 3.267), ``violations`` (rule -> indices) and ``out_of_control`` (sorted indices).
    """
    v = _values(x)
    mr = np.abs(np.diff(v))
    mr_bar = float(mr.mean())
    c = float(v.mean()) if center is None else float(center)
    s = mr_bar / D2_N2 if sigma is None else float(sigma)
    if not s > 0:
        raise DesignError("values: all batches are identical (σ = 0); a control chart needs "
                          "variation, or give sigma", "values")
    viol = run_rules(v, c, s)
    return {"center": c, "sigma": s, "ucl": c + 3 * s, "lcl": c - 3 * s,
            "moving_range": np.r_[np.nan, mr], "mr_ucl": 3.267 * mr_bar, "violations": viol,
            "out_of_control": sorted({i for idx in viol.values() for i in idx})}


def cusum(x: Any, target: float, sigma: float, *, k: float = 0.5, h: float = 5.0
          ) -> dict[str, Any]:
    """Tabular CUSUM for a shift of the mean from ``target`` (both directions).

    Returns
    -------
    dict
        ``c_plus``, ``c_minus`` (arrays), ``H``, ``K`` and ``signals`` (indices where either
        sum exceeds H).

    Examples
    --------
    >>> r = cusum([0, 0, 2, 2, 2, 2], target=0.0, sigma=1.0)
    >>> r["c_plus"].tolist(), r["signals"]
    ([0.0, 0.0, 1.5, 3.0, 4.5, 6.0], [5])
    """
    v = _values(x, 1)
    if not sigma > 0 or not k >= 0 or not h > 0:
        raise DesignError("cusum: sigma and h must be > 0 and k >= 0", "sigma")
    K, H = k * sigma, h * sigma
    cp = np.zeros(v.size)
    cm = np.zeros(v.size)
    sp = sm = 0.0
    for i, xi in enumerate(v):
        sp = max(0.0, xi - (target + K) + sp)
        sm = max(0.0, (target - K) - xi + sm)
        cp[i], cm[i] = sp, sm
    sig = [int(i) for i in np.flatnonzero((cp > H) | (cm > H))]
    return {"c_plus": cp, "c_minus": cm, "K": K, "H": H, "signals": sig}


def capability(x: Any, lsl: float | None = None, usl: float | None = None, *,
               level: float = 0.95) -> dict[str, float]:
    """Process capability of batches against specification limits.

    Returns
    -------
    dict
        ``mean``, ``sigma_within`` (MR̄/d2), ``sigma_overall`` (sample SD), ``cp``, ``cpk``,
        ``pp``, ``ppk`` (NaN where a limit is missing) and ``cpk_lower``/``cpk_upper``.

    Examples
    --------
    >>> c = capability([9.0, 11.0] * 10, lsl=4.0, usl=16.0)  # σ_within = 2/1.128
    >>> round(c["cp"], 4), round(c["cpk"], 4)
    (1.128, 1.128)
    """
    from scipy.stats import norm

    v = _values(x, 3)
    if lsl is None and usl is None:
        raise DesignError("capability: give a lower and/or upper specification limit", "lsl")
    if lsl is not None and usl is not None and lsl >= usl:
        raise DesignError("capability: the lower limit must be below the upper one", "lsl")
    mu = float(v.mean())
    s_w = float(np.abs(np.diff(v)).mean()) / D2_N2
    s_o = float(v.std(ddof=1))
    if not (s_w > 0 and s_o > 0):
        raise DesignError("capability: all batches identical (σ = 0)", "values")
    nan = float("nan")

    def idx(s: float) -> tuple[float, float]:
        cp = (usl - lsl) / (6 * s) if lsl is not None and usl is not None else nan
        parts = []
        if usl is not None:
            parts.append((usl - mu) / (3 * s))
        if lsl is not None:
            parts.append((mu - lsl) / (3 * s))
        return cp, min(parts)

    cp, cpk = idx(s_w)
    pp, ppk = idx(s_o)
    n = v.size
    z = float(norm.ppf(0.5 + level / 2))
    half = z * math.sqrt(1 / (9 * n) + cpk**2 / (2 * (n - 1)))
    return {"mean": mu, "sigma_within": s_w, "sigma_overall": s_o, "cp": cp, "cpk": cpk,
            "pp": pp, "ppk": ppk, "cpk_lower": cpk - half, "cpk_upper": cpk + half, "n": n}
