"""Posterior predictive bands of a design from the shipped mechanism posterior."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="module")
def post():
    from nanotwin.pbpk.mechanisms import posterior

    p = posterior()
    if p is None:
        pytest.skip("no posterior shipped in this checkout")
    return p


def test_bands_bracket_the_median(post):
    from nanotwin.pbpk import demo_design
    from nanotwin.population.uncertainty import posterior_bands

    b = posterior_bands(demo_design(), [1.0, 24.0, 72.0], n_draws=40)
    q = b["pct_id_band"].values  # quantile, organ, time
    assert np.all(q[0] <= q[1] + 1e-12) and np.all(q[1] <= q[2] + 1e-12)
    pr = b["pct_id_predictive_band"].sel(organ="liver").values
    par = b["pct_id_band"].sel(organ="liver").values
    # a new study scatters more than the model's own uncertainty
    assert np.all(pr[2] - pr[0] >= par[2] - par[0])
    assert np.all(np.isnan(b["pct_id_predictive_band"].sel(organ="muscle").values))
    assert np.nanmax(b["pct_id_predictive_band"].values) <= 100.0  # no organ above the dose


def test_simulate_with_bands_returns_them_beside_the_result(post):
    import nanotwin
    from nanotwin.pbpk import demo_design

    ds = nanotwin.simulate(demo_design(), times=[0.0, 4.0, 24.0], bands=20)
    assert ds.attrs["bands_n_draws"] == 20
    assert ds["pct_id_band"].dims == ("quantile", "organ", "time")
    assert np.all(np.isnan(ds["pct_id_band"].sel(time=0.0)))
    assert ds["pct_id_band"].attrs["units"] == "%ID"


def test_draws_reproduce_the_posterior_median(post):
    from nanotwin.pbpk.mechanisms import from_unconstrained

    d = post.draw_mechanisms()
    # the stored median is the median of the stored draws (taken on the unconstrained scale)
    med = from_unconstrained(np.median(post.draws, axis=0), post.names)
    for k in post.names:
        assert float(med[k]) == pytest.approx(post.median[k], rel=1e-12)
        assert np.min(d[k]) <= post.median[k] <= np.max(d[k])
