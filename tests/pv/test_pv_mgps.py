"""MGPS: conjugate analytic cases, shrinkage, monotonicity, prior recovery by maximum likelihood."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import digamma
from scipy.stats import gamma

from nanotwin.errors import DesignError
from nanotwin.pv.mgps import (
    GPSPrior,
    _log_nb,
    _neg_loglik,
    eb_quantile,
    ebgm,
    fit_gps_prior,
    posterior_weights,
    squash,
)

#: The prior DuMouchel (1999) reports for the FDA SRS data, as an order-of-magnitude example
#: (a vague component and one near 1), used only for shape checks here.
PRIOR = GPSPrior(alpha1=0.2, beta1=0.06, alpha2=1.4, beta2=1.8, P=0.1)


def test_single_component_is_conjugate():
    """P = 1: posterior Gamma(α + n, β + E) exactly."""
    p = GPSPrior(3.0, 2.0, 9.0, 9.0, 1.0)
    n, E = np.array([0, 1, 5, 40]), np.array([0.3, 1.0, 2.0, 10.0])
    assert np.allclose(ebgm(n, E, p), np.exp(digamma(3.0 + n)) / (2.0 + E))
    for q in (0.05, 0.5, 0.95):
        assert np.allclose(eb_quantile(n, E, p, q), gamma.ppf(q, 3.0 + n, scale=1 / (2.0 + E)),
                           rtol=1e-9)


def test_mixture_quantile_inverts_the_mixture_cdf():
    from scipy.special import gammainc

    n, E = np.array([0, 2, 7, 100]), np.array([0.5, 0.1, 3.0, 20.0])
    Q = posterior_weights(n, E, PRIOR)
    for q in (0.05, 0.95):
        lam = eb_quantile(n, E, PRIOR, q)
        F = (Q * gammainc(PRIOR.alpha1 + n, (PRIOR.beta1 + E) * lam)
             + (1 - Q) * gammainc(PRIOR.alpha2 + n, (PRIOR.beta2 + E) * lam))
        assert np.allclose(F, q, atol=1e-9)


def test_eb05_below_ebgm_below_eb95():
    n = np.arange(0, 60)
    E = np.full(n.shape, 2.0)
    lo, mid, hi = eb_quantile(n, E, PRIOR, 0.05), ebgm(n, E, PRIOR), eb_quantile(n, E, PRIOR, .95)
    assert np.all(lo < mid) and np.all(mid < hi)


def test_shrinkage_towards_one_for_small_counts():
    """With a prior concentrated near 1 (most pairs are not signals), a pair seen once where
    0.1 were expected (RR 10) is shrunk almost to 1, while 100 where 10 were expected keeps
    RR ~ 10: the estimate lies between the prior and N/E and approaches N/E as data grow."""
    from scipy.special import digamma
    from scipy.stats import nbinom

    near_one = GPSPrior(alpha1=1.0, beta1=0.5, alpha2=50.0, beta2=50.0, P=0.05)

    def reference(n: float, e: float) -> float:
        # DuMouchel 1999: posterior mixture of the two gammas, weights from the negative
        # binomial marginals, EBGM = exp(E[ln lambda | n])
        p = near_one
        w1 = p.P * nbinom.pmf(n, p.alpha1, p.beta1 / (p.beta1 + e))
        w2 = (1 - p.P) * nbinom.pmf(n, p.alpha2, p.beta2 / (p.beta2 + e))
        q = w1 / (w1 + w2)
        return float(np.exp(q * (digamma(p.alpha1 + n) - np.log(p.beta1 + e))
                            + (1 - q) * (digamma(p.alpha2 + n) - np.log(p.beta2 + e))))

    small = float(ebgm(1, 0.1, near_one))
    assert small == pytest.approx(reference(1, 0.1), rel=1e-9)
    assert 1.0 <= small < 1.5
    for k in (1, 10, 100, 1000):  # same RR = 10, more and more data
        g = float(ebgm(10 * k, 1.0 * k, near_one))
        assert g == pytest.approx(reference(10 * k, 1.0 * k), rel=1e-9)
        assert 1.0 < g < 10.0
    big = float(ebgm(10000, 1000.0, near_one))
    assert big == pytest.approx(10.0, rel=0.01)
    gaps = [10 - float(ebgm(10 * k, 1.0 * k, near_one)) for k in (1, 10, 100, 1000)]
    assert gaps == sorted(gaps, reverse=True)


def test_monotone_in_count_and_in_expected():
    n = np.arange(0, 200)
    g = ebgm(n, np.full(n.shape, 3.0), PRIOR)
    assert np.all(np.diff(g) > 0)
    E = np.linspace(0.05, 50, 200)
    assert np.all(np.diff(ebgm(np.full(E.shape, 5), E, PRIOR)) < 0)
    assert np.all(np.diff(eb_quantile(n, np.full(n.shape, 3.0), PRIOR, 0.05)) > 0)


def test_truncated_likelihood_is_normalised():
    """Σ_{n ≥ N*} f(n)/(1 − Σ_{k<N*} f(k)) = 1 for the mixture, N* = 1 and 3."""
    E = 1.7
    n = np.arange(0, 3000, dtype=float)

    def pmf(nn):
        return (PRIOR.P * np.exp(_log_nb(nn, PRIOR.alpha1, PRIOR.beta1, np.full(nn.shape, E)))
                + (1 - PRIOR.P) * np.exp(_log_nb(nn, PRIOR.alpha2, PRIOR.beta2,
                                                 np.full(nn.shape, E))))

    f = pmf(n)
    assert f.sum() == pytest.approx(1.0, abs=1e-6)
    for N_star in (1, 3):
        tail = f[N_star:].sum() / (1 - f[:N_star].sum())
        assert tail == pytest.approx(1.0, abs=1e-6)


def _simulate(prior: GPSPrior, n_pairs: int, seed: int):
    rng = np.random.default_rng(seed)
    E = rng.lognormal(-0.5, 1.2, n_pairs)
    first = rng.random(n_pairs) < prior.P
    lam = np.where(first, rng.gamma(prior.alpha1, 1 / prior.beta1, n_pairs),
                   rng.gamma(prior.alpha2, 1 / prior.beta2, n_pairs))
    N = rng.poisson(lam * E)
    keep = N >= 1
    return N[keep], E[keep]


def test_maximum_likelihood_recovers_a_known_prior():
    """Counts simulated from a known mixture: the fit (truncated at N* = 1, squashed) finds
    the generating component means and weight, and a likelihood at least as high as the truth's."""
    truth = GPSPrior(alpha1=2.0, beta1=0.5, alpha2=20.0, beta2=20.0, P=0.1)
    N, E = _simulate(truth, 60000, seed=11)
    fit = fit_gps_prior(N, E, N_star=1)
    assert fit.converged and not fit.at_bound
    comps = sorted([(fit.alpha1 / fit.beta1, fit.P), (fit.alpha2 / fit.beta2, 1 - fit.P)])
    (m_low, w_low), (m_high, w_high) = comps
    assert m_low == pytest.approx(1.0, rel=0.1)
    assert m_high == pytest.approx(4.0, rel=0.25)
    assert w_high == pytest.approx(0.1, abs=0.04)
    n, e, w = squash(N, E)
    theta = np.log([truth.alpha1, truth.beta1, truth.alpha2, truth.beta2] + [truth.P / 0.9])
    assert fit.loglik >= -_neg_loglik(theta, n, e, w, 1) - 1e-6


def test_squashing_changes_the_fit_little():
    truth = GPSPrior(alpha1=0.5, beta1=0.2, alpha2=5.0, beta2=5.0, P=0.2)
    N, E = _simulate(truth, 4000, seed=5)
    a = fit_gps_prior(N, E, squashed=True)
    b = fit_gps_prior(N, E, squashed=False)
    n = np.array([1, 3, 10])
    e = np.array([0.5, 1.0, 2.0])
    assert np.allclose(ebgm(n, e, a), ebgm(n, e, b), rtol=0.05)
    nn, ee, ww = squash(N, E)
    assert ww.sum() == N.size and nn.size < N.size


def test_bad_inputs():
    with pytest.raises(DesignError, match="whole numbers"):
        ebgm(1.5, 1.0, PRIOR)
    with pytest.raises(DesignError, match="> 0"):
        ebgm(1, 0.0, PRIOR)
    with pytest.raises(DesignError, match="at least 5"):
        fit_gps_prior([1, 2], [1.0, 1.0])
    with pytest.raises(DesignError, match="prior.P"):
        GPSPrior(1, 1, 1, 1, 1.5)
