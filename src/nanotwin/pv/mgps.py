"""Multi-item gamma-Poisson shrinker (MGPS): DuMouchel's empirical-Bayes signal scores.

Model (DuMouchel W. Bayesian data mining in large frequency tables, with an application to the
FDA spontaneous reporting system. Am Stat 1999;53:177-190, doi:10.1080/00031305.1999.10474456):
each drug-event count ``N ~ Poisson(λ E)`` with ``E`` its count expected under independence, and
the "true" reporting ratio ``λ`` drawn from a two-component gamma mixture prior

    π(λ) = P · Gamma(λ; α1, β1) + (1 − P) · Gamma(λ; α2, β2)        (rate parametrisation).

Marginally ``N`` is a mixture of negative binomials, ``f(n) = P·NB(n; α1, β1/(β1+E)) +
(1 − P)·NB(n; α2, β2/(β2+E))``; the five hyperparameters are fitted by maximum likelihood over
all observed pairs. As in DuMouchel & Pregibon (Empirical Bayes screening for multi-item
associations, KDD 2001) and openEBGM (Canida T, Ihrie J. R Journal 2017;9:499-519), pairs with
zero count are not enumerated: the likelihood is conditioned on ``N >= N*`` (default 1), and the
counts can be *squashed* (pairs of equal ``N`` and similar ``E`` merged into weighted points) to
make the fit fast.

Posterior: a mixture of Gamma(α1 + n, β1 + E) and Gamma(α2 + n, β2 + E) with weight
``Q_n = P f1(n) / f(n)`` on the first. ``EBGM = exp(E[ln λ])`` (DuMouchel 1999 eq. 11) and
``EB05``/``EB95`` are the 5th/95th posterior percentiles (found by bisection of the mixture CDF).

Examples
--------
>>> prior = GPSPrior(alpha1=0.2, beta1=0.1, alpha2=2.0, beta2=4.0, P=1 / 3)
>>> float(ebgm(0, 1.0, prior)) < 1.0 < float(ebgm(20, 1.0, prior)) < 20.0
True
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["GPSPrior", "fit_gps_prior", "squash", "posterior_weights", "ebgm", "eb_quantile",
           "START_POINTS"]

#: Starting points of the maximum-likelihood search (α1, β1, α2, β2, P): those suggested in the
#: openEBGM vignette (Canida & Ihrie 2017) plus DuMouchel's (1999) reported order of magnitude.
START_POINTS = ((0.2, 0.1, 2.0, 4.0, 1 / 3), (0.1, 0.1, 10.0, 10.0, 0.2),
                (0.3, 0.5, 6.0, 6.0, 0.5), (0.5, 0.3, 12.0, 12.0, 0.8),
                (0.2, 0.2, 5.0, 5.0, 0.4), (0.2, 0.06, 1.4, 1.8, 0.1))


@dataclass(frozen=True)
class GPSPrior:
    """Hyperparameters of the gamma-mixture prior (and how they were obtained).

    Attributes
    ----------
    alpha1, beta1, alpha2, beta2
        Shape and rate of the two gamma components.
    P
        Weight of the first component.
    loglik
        Maximised log-likelihood (NaN if given by hand).
    n_points, n_pairs
        Points in the (squashed) fit and pairs they stand for.
    N_star
        The fit is conditioned on counts >= ``N_star``.
    converged
        Whether the optimiser reported success.
    at_bound
        A parameter reached the edge of the search box (α, β in e^±9, P in logit ±12): e.g. a
        component collapsed onto a point mass, as on synthetic data whose background pairs are
        exactly independent.
    """

    alpha1: float
    beta1: float
    alpha2: float
    beta2: float
    P: float
    loglik: float = float("nan")
    n_points: int = 0
    n_pairs: int = 0
    N_star: int = 1
    converged: bool = True
    at_bound: bool = False

    def __post_init__(self) -> None:
        for name in ("alpha1", "beta1", "alpha2", "beta2"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0):
                raise DesignError(f"prior.{name}: must be > 0, got {v!r}", f"prior.{name}")
        if not 0.0 <= self.P <= 1.0:
            raise DesignError(f"prior.P: must lie in [0, 1], got {self.P!r}", "prior.P")

    def as_dict(self) -> dict[str, Any]:
        """The fields as a plain dict."""
        return asdict(self)


def _log_nb(n: np.ndarray, alpha: float, beta: float, E: np.ndarray) -> np.ndarray:
    from scipy.special import gammaln

    return (gammaln(alpha + n) - gammaln(alpha) - gammaln(n + 1.0)
            + alpha * np.log(beta / (beta + E)) + n * np.log(E / (beta + E)))


def _check(N: Any, E: Any) -> tuple[np.ndarray, np.ndarray]:
    n = np.asarray(N, dtype=float)
    e = np.asarray(E, dtype=float)
    n, e = np.broadcast_arrays(n, e)
    if np.any(~np.isfinite(n)) or np.any(n < 0) or np.any(n != np.round(n)):
        raise DesignError("N: counts must be whole numbers >= 0", "N")
    if np.any(~np.isfinite(e)) or np.any(e <= 0):
        raise DesignError("E: expected counts must be finite and > 0", "E")
    return n, e


def squash(N: Any, E: Any, *, rel_width: float = 0.02
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Data squashing: merge pairs of equal count whose expected counts are within a few %.

    Pairs with the same count ``n`` and ``ln E`` in the same bin of width ``ln(1 + rel_width)``
    become one point (mean ``E``, weight = number of pairs), as in the data squashing of
    DuMouchel & Pregibon (2001). Bins of equal *relative* width keep the squashing error of the
    likelihood small everywhere (openEBGM's ``squashData`` instead merges runs of 50 pairs, which
    biased the fitted prior in ``tests/pv/test_pv_mgps.py`` for widely spread ``E``).

    Returns
    -------
    (N, E, weight)

    Examples
    --------
    >>> n, e, w = squash([1] * 1000 + [5], list(np.linspace(1.0, 2.0, 1000)) + [1.0])
    >>> int(w.sum()), len(n) < 50
    (1001, True)
    """
    n, e = _check(N, E)
    n, e = n.ravel(), e.ravel()
    if not rel_width > 0:
        raise DesignError("rel_width: must be > 0 (e.g. 0.02)", "rel_width")
    b = np.floor(np.log(e) / math.log1p(rel_width)).astype(np.int64)
    key = np.stack([n.astype(np.int64), b], axis=1)
    _, inv, w = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    inv = inv.ravel()
    e_sum = np.bincount(inv, weights=e)
    n_rep = np.zeros(w.size)
    n_rep[inv] = n
    return n_rep, e_sum / w, w.astype(float)


def _unpack(theta: np.ndarray) -> tuple[float, float, float, float, float]:
    a1, b1, a2, b2 = np.exp(theta[:4])
    P = 1.0 / (1.0 + math.exp(-float(theta[4])))
    return float(a1), float(b1), float(a2), float(b2), P


def _neg_loglik(theta: np.ndarray, n: np.ndarray, e: np.ndarray, w: np.ndarray,
                N_star: int) -> float:
    a1, b1, a2, b2, P = _unpack(theta)
    if not (1e-12 < P < 1 - 1e-12):
        return 1e300
    l1 = math.log(P) + _log_nb(n, a1, b1, e)
    l2 = math.log1p(-P) + _log_nb(n, a2, b2, e)
    ll = np.logaddexp(l1, l2)
    if N_star > 0:
        below = np.zeros_like(e)
        for k in range(N_star):
            kk = np.full_like(e, float(k))
            below += np.exp(np.logaddexp(math.log(P) + _log_nb(kk, a1, b1, e),
                                         math.log1p(-P) + _log_nb(kk, a2, b2, e)))
        ll = ll - np.log(np.clip(1.0 - below, 1e-300, None))
    val = -float(np.sum(w * ll))
    return val if math.isfinite(val) else 1e300


def fit_gps_prior(N: Any, E: Any, *, N_star: int = 1, squashed: bool = True,
                  starts: Any = START_POINTS, weights: Any = None) -> GPSPrior:
    """Maximum-likelihood fit of the two-component gamma mixture prior (DuMouchel 1999).

    Parameters
    ----------
    N, E
        Observed and expected counts of the drug-event pairs (all with ``N >= N_star``).
    N_star
        The likelihood is that of counts conditioned on ``N >= N_star`` (pairs with smaller
        counts are dropped); 0 uses the plain likelihood (then zero-count pairs must be given).
    squashed
        Squash the data first (:func:`squash`); much faster for 10⁵+ pairs.
    starts
        Starting points (α1, β1, α2, β2, P) of the search; the best optimum is kept.
    weights
        Optional weights of pre-squashed points (then ``squashed`` is ignored).

    Returns
    -------
    GPSPrior

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> E = rng.gamma(1.0, 1.0, 1500) + 0.05
    >>> lam = np.where(rng.random(1500) < 0.9, rng.gamma(20, 20, 1500), rng.gamma(4, 1, 1500))
    >>> N = rng.poisson(lam * E)
    >>> keep = N >= 1
    >>> p = fit_gps_prior(N[keep], E[keep], starts=START_POINTS[:2])
    >>> p.converged
    True
    """
    from scipy.optimize import minimize

    n, e = _check(N, E)
    n, e = n.ravel(), e.ravel()
    if N_star < 0 or int(N_star) != N_star:
        raise DesignError("N_star: must be a whole number >= 0", "N_star")
    keep = n >= N_star
    n, e = n[keep], e[keep]
    if n.size < 5:
        raise DesignError(f"fit_gps_prior: only {n.size} pairs with N >= {N_star}; at least 5 "
                          "are needed to fit five hyperparameters", "N")
    if weights is not None:
        w = np.asarray(weights, dtype=float).ravel()[keep]
    elif squashed:
        n, e, w = squash(n, e)
    else:
        w = np.ones_like(n)
    best = None
    for s in starts:
        a1, b1, a2, b2, P = (float(x) for x in s)
        x0 = np.array([math.log(a1), math.log(b1), math.log(a2), math.log(b2),
                       math.log(P / (1 - P))])
        res = minimize(_neg_loglik, x0, args=(n, e, w, int(N_star)), method="L-BFGS-B",
                       bounds=[(-9.0, 9.0)] * 4 + [(-12.0, 12.0)])
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    a1, b1, a2, b2, P = _unpack(best.x)
    edge = bool(np.any(np.abs(best.x[:4]) > 9.0 - 1e-6) or abs(best.x[4]) > 12.0 - 1e-6)
    return GPSPrior(alpha1=a1, beta1=b1, alpha2=a2, beta2=b2, P=P, loglik=-float(best.fun),
                    n_points=int(n.size), n_pairs=int(w.sum()), N_star=int(N_star),
                    converged=bool(best.success), at_bound=edge)


def posterior_weights(N: Any, E: Any, prior: GPSPrior) -> np.ndarray:
    """Posterior probability ``Q_n`` that λ comes from the first prior component.

    Examples
    --------
    >>> p = GPSPrior(0.2, 0.1, 2.0, 4.0, 0.5)
    >>> bool(0 < float(posterior_weights(3, 1.0, p)) < 1)
    True
    """
    n, e = _check(N, E)
    l1 = math.log(max(prior.P, 1e-300)) + _log_nb(n, prior.alpha1, prior.beta1, e)
    l2 = math.log(max(1.0 - prior.P, 1e-300)) + _log_nb(n, prior.alpha2, prior.beta2, e)
    return np.exp(l1 - np.logaddexp(l1, l2))


def ebgm(N: Any, E: Any, prior: GPSPrior) -> np.ndarray:
    """Empirical Bayes geometric mean of λ, ``exp(E[ln λ | N])`` (DuMouchel 1999 eq. 11).

    Examples
    --------
    >>> from scipy.special import digamma
    >>> one = GPSPrior(2.0, 4.0, 2.0, 4.0, 1.0)     # a single gamma: conjugate, analytic
    >>> bool(np.isclose(ebgm(7, 2.5, one), np.exp(digamma(9.0)) / 6.5))
    True
    """
    from scipy.special import digamma

    n, e = _check(N, E)
    Q = posterior_weights(n, e, prior)
    m1 = digamma(prior.alpha1 + n) - np.log(prior.beta1 + e)
    m2 = digamma(prior.alpha2 + n) - np.log(prior.beta2 + e)
    return np.exp(Q * m1 + (1.0 - Q) * m2)


def eb_quantile(N: Any, E: Any, prior: GPSPrior, q: float) -> np.ndarray:
    """``q``-quantile of the posterior of λ (``q = 0.05`` gives EB05), by bisection.

    Examples
    --------
    >>> from scipy.stats import gamma
    >>> one = GPSPrior(2.0, 4.0, 2.0, 4.0, 1.0)
    >>> bool(np.isclose(eb_quantile(7, 2.5, one, 0.05), gamma.ppf(0.05, 9.0, scale=1 / 6.5)))
    True
    """
    from scipy.special import gammainc, gammaincinv

    if not 0.0 < q < 1.0:
        raise DesignError(f"q: {q!r} must lie strictly between 0 and 1 (e.g. 0.05)", "q")
    n, e = _check(N, E)
    Q = posterior_weights(n, e, prior)
    s1, r1 = prior.alpha1 + n, prior.beta1 + e
    s2, r2 = prior.alpha2 + n, prior.beta2 + e
    x1, x2 = gammaincinv(s1, q) / r1, gammaincinv(s2, q) / r2
    lo = np.log(np.maximum(np.minimum(x1, x2), 1e-300))
    hi = np.log(np.maximum(np.maximum(x1, x2), 1e-300))
    for _ in range(60):  # the mixture quantile lies between the components' quantiles
        mid = 0.5 * (lo + hi)
        lam = np.exp(mid)
        F = Q * gammainc(s1, r1 * lam) + (1.0 - Q) * gammainc(s2, r2 * lam)
        below = F < q
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return np.exp(0.5 * (lo + hi))
