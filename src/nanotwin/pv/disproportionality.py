"""Frequentist and Bayesian disproportionality measures on 2x2 tables (vectorised).

For a drug D and an event E among ``N`` reports::

                 E        not E
    D            a          b        a + b = n_drug
    not D        c          d
                 a + c = n_event     N = a + b + c + d

Measures (every function takes arrays and returns arrays; one pair per element):

* **ROR** = ad / (bc), 95 % CI exp(ln ROR ± z·sqrt(1/a + 1/b + 1/c + 1/d)) (Woolf's
  log-normal interval) — van Puijenbroek EP et al. Pharmacoepidemiol Drug Saf 2002;11:3-10;
  Rothman KJ, Lanes S, Sacks ST. Pharmacoepidemiol Drug Saf 2004;13:519-523.
* **PRR** = [a/(a+b)] / [c/(c+d)], 95 % CI exp(ln PRR ± z·sqrt(1/a − 1/(a+b) + 1/c − 1/(c+d)))
  and Pearson's chi-square with Yates' correction — Evans SJW, Waller PC, Davis S.
  Pharmacoepidemiol Drug Saf 2001;10:483-486 (signal: PRR ≥ 2, chi² ≥ 4, a ≥ 3).
* **IC** (BCPNN information component), two versions:

  - ``"noren2013"`` (default): IC = log2((a + ½)/(E + ½)) with E = (a+b)(a+c)/N and the 95 %
    credibility interval from the Gamma(a + ½, E + ½) posterior of the observed-to-expected ratio
    — Norén GN, Hopstadius J, Bate A. Stat Methods Med Res 2013;22:57-69.
  - ``"bate1998"``: the Bayesian confidence propagation neural network of Bate A et al. Eur J
    Clin Pharmacol 1998;54:315-321 with uniform Beta/Dirichlet priors; expectation and variance
    of IC from the digamma/trigamma expressions of Norén GN et al. Stat Med 2006;25:3740-3757
    (as used by the WHO-UMC until 2006), interval E ± z·sqrt(V).

Zero cells: ROR and PRR are undefined when a cell is zero; ``haldane=True`` (default) adds 0.5
to all four cells of such tables (Haldane-Anscombe correction), otherwise NaN is returned.

Examples
--------
>>> import numpy as np
>>> r = ror(np.array([20]), np.array([80]), np.array([100]), np.array([9800]))
>>> round(float(r["ror"][0]), 2)
24.5
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["table_2x2", "ror", "prr", "chi_square", "information_component", "expected"]


def _z(level: float) -> float:
    from scipy.stats import norm

    if not 0.0 < level < 1.0:
        raise DesignError(f"level: {level!r} must lie between 0 and 1 (e.g. 0.95)", "level")
    return float(norm.ppf(0.5 + level / 2.0))


def _cells(*cells: Any) -> tuple[np.ndarray, ...]:
    arrs = [np.asarray(x, dtype=float) for x in cells]
    for name, x in zip("abcd", arrs, strict=False):
        if np.any(~np.isfinite(x)) or np.any(x < 0):
            raise DesignError(f"2x2 table: cell {name} must be finite counts >= 0", name)
    return tuple(np.broadcast_arrays(*arrs))


def table_2x2(n11: Any, n_drug: Any, n_event: Any, N: Any) -> tuple[np.ndarray, ...]:
    """Cells (a, b, c, d) from the pair count and the margins.

    Raises
    ------
    DesignError
        If the margins are inconsistent (a cell would be negative).

    Examples
    --------
    >>> [float(x) for x in table_2x2(20, 100, 120, 10000)]
    [20.0, 80.0, 100.0, 9800.0]
    """
    a, n1, m1, n = (np.asarray(x, dtype=float) for x in (n11, n_drug, n_event, N))
    b, c = n1 - a, m1 - a
    d = n - a - b - c
    if np.any(b < 0) or np.any(c < 0) or np.any(d < 0) or np.any(a < 0):
        raise DesignError("2x2 table: margins inconsistent with the pair count (a cell is "
                          "negative); check n11 <= n_drug, n_event and n_drug + n_event - n11 "
                          "<= N", "n11")
    return a, b, c, d


def expected(a: Any, b: Any, c: Any, d: Any) -> np.ndarray:
    """Expected count of the pair under independence, E = (a+b)(a+c)/N.

    Examples
    --------
    >>> float(expected(20, 80, 100, 9800))
    1.2
    """
    a, b, c, d = _cells(a, b, c, d)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (a + b) * (a + c) / (a + b + c + d)


def _haldane(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray,
             on: bool) -> tuple[np.ndarray, ...]:
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    if on:
        add = np.where(zero, 0.5, 0.0)
        return a + add, b + add, c + add, d + add
    nan = np.where(zero, np.nan, 0.0)
    return a + nan, b + nan, c + nan, d + nan


def ror(a: Any, b: Any, c: Any, d: Any, *, level: float = 0.95,
        haldane: bool = True) -> dict[str, np.ndarray]:
    """Reporting odds ratio with its Woolf confidence interval.

    Returns
    -------
    dict
        ``ror``, ``ror_lower``, ``ror_upper``.

    Examples
    --------
    >>> r = ror(20, 80, 100, 9800)
    >>> se = (1/20 + 1/80 + 1/100 + 1/9800) ** 0.5
    >>> bool(np.isclose(r["ror_lower"], 24.5 * np.exp(-1.959964 * se)))
    True
    """
    z = _z(level)
    a, b, c, d = _haldane(*_cells(a, b, c, d), haldane)
    with np.errstate(invalid="ignore", divide="ignore"):
        est = a * d / (b * c)
        se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return {"ror": est, "ror_lower": est * np.exp(-z * se), "ror_upper": est * np.exp(z * se)}


def prr(a: Any, b: Any, c: Any, d: Any, *, level: float = 0.95,
        haldane: bool = True) -> dict[str, np.ndarray]:
    """Proportional reporting ratio with its confidence interval (Evans et al. 2001).

    Examples
    --------
    >>> r = prr(20, 80, 100, 9800)
    >>> round(float(r["prr"]), 4)   # (20/100) / (100/9900)
    19.8
    """
    z = _z(level)
    a, b, c, d = _haldane(*_cells(a, b, c, d), haldane)
    with np.errstate(invalid="ignore", divide="ignore"):
        est = (a / (a + b)) / (c / (c + d))
        se = np.sqrt(np.maximum(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d), 0.0))
    return {"prr": est, "prr_lower": est * np.exp(-z * se), "prr_upper": est * np.exp(z * se)}


def chi_square(a: Any, b: Any, c: Any, d: Any, *, yates: bool = True) -> np.ndarray:
    """Pearson's chi-square (1 degree of freedom) of the 2x2 table, Yates-corrected by default.

    ``N (|ad − bc| − N/2)² / ((a+b)(c+d)(a+c)(b+d))``; with ``yates=False`` the ``− N/2`` is
    dropped. A table with an empty margin gives 0.

    Examples
    --------
    >>> from scipy.stats import chi2_contingency
    >>> ref = chi2_contingency([[20, 80], [100, 9800]], correction=True)[0]
    >>> bool(np.isclose(chi_square(20, 80, 100, 9800), ref))
    True
    """
    a, b, c, d = _cells(a, b, c, d)
    n = a + b + c + d
    diff = np.abs(a * d - b * c)
    if yates:  # as scipy does: the correction never overshoots past zero
        diff = np.maximum(diff - n / 2.0, 0.0)
    den = (a + b) * (c + d) * (a + c) * (b + d)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = n * diff**2 / den
    return np.where(den > 0, out, 0.0)


def information_component(a: Any, b: Any, c: Any, d: Any, *, method: str = "noren2013",
                          level: float = 0.95) -> dict[str, np.ndarray]:
    """BCPNN information component with its credibility interval.

    Parameters
    ----------
    a, b, c, d
        Cells of the 2x2 table.
    method
        ``"noren2013"`` (shrinkage observed-to-expected ratio, gamma interval) or ``"bate1998"``
        (Beta-prior BCPNN, normal interval from the exact expectation and variance).
    level
        Credibility level of the interval (0.95 gives IC025 and IC975).

    Returns
    -------
    dict
        ``ic``, ``ic_lower``, ``ic_upper`` (log2 units).

    Examples
    --------
    >>> r = information_component(0, 10, 10, 10000)   # nothing observed: shrunk to ~0
    >>> bool(-0.1 < float(r["ic"]) < 0.0)
    True
    >>> r = information_component(400, 600, 600, 99000)   # many reports: ~ log2(O/E)
    >>> E = float(expected(400, 600, 600, 99000))
    >>> bool(abs(float(r["ic"]) - np.log2(400 / E)) < 0.1)
    True
    """
    from scipy.special import digamma, gammaincinv, polygamma

    a, b, c, d = _cells(a, b, c, d)
    n = a + b + c + d
    lo_q, hi_q = (1.0 - level) / 2.0, (1.0 + level) / 2.0
    if method == "noren2013":
        E = (a + b) * (a + c) / n
        ic = np.log2((a + 0.5) / (E + 0.5))
        lower = np.log2(gammaincinv(a + 0.5, lo_q) / (E + 0.5))
        upper = np.log2(gammaincinv(a + 0.5, hi_q) / (E + 0.5))
        return {"ic": ic, "ic_lower": lower, "ic_upper": upper}
    if method == "bate1998":
        z = _z(level)
        n1, m1 = a + b, a + c
        # Dirichlet/Beta posteriors with uniform priors (Bate 1998; Norén 2006 eq. for E, V)
        p1, p2 = 1.0 + n1, 1.0 + n - n1
        q1, q2 = 1.0 + m1, 1.0 + n - m1
        r1 = 1.0 + a
        r2 = n - a - 1.0 + (2.0 + n) ** 2 / (q1 * p1)
        ln2 = math.log(2.0)
        e_ic = (digamma(r1) - digamma(r1 + r2)
                - (digamma(p1) - digamma(p1 + p2) + digamma(q1) - digamma(q1 + q2))) / ln2
        v_ic = (polygamma(1, r1) - polygamma(1, r1 + r2) + polygamma(1, p1)
                - polygamma(1, p1 + p2) + polygamma(1, q1) - polygamma(1, q1 + q2)) / ln2**2
        sd = np.sqrt(np.maximum(v_ic, 0.0))
        return {"ic": e_ic, "ic_lower": e_ic - z * sd, "ic_upper": e_ic + z * sd}
    raise DesignError(f"method: unknown IC method {method!r}; use 'noren2013' or 'bate1998'",
                      "method")
