"""Tests of the per-dataset tumour time-course fits."""

from __future__ import annotations

import numpy as np

from nanotwin.learn.timecourse import bateman, fit_dataset, load_timecourse


def test_bateman_recovers_synthetic_curve():
    t = np.array([1.0, 4.0, 8.0, 24.0, 48.0, 96.0])
    x_true = np.array([np.log(5.0), np.log(0.02), np.log(0.3)])
    y = bateman(t, *x_true)
    x, r2 = fit_dataset(t, y)
    assert r2 > 0.999
    np.testing.assert_allclose(bateman(t, *x), y, rtol=1e-3)


def test_timecourse_table_shape():
    tc = load_timecourse()
    assert tc["ID"].nunique() == 378
    assert len(tc) >= 1700


def test_pbpk_tumour_curves_match_delivery():
    """The PBPK tumour curve used as a time-course shape: positive, DE24 identical to the
    pbpk_delivery covariate, NaN for a row without a size."""
    import pandas as pd

    from nanotwin.learn.tumor_delivery import pbpk_delivery, pbpk_tumour_curves

    row = {"type": "organic", "targeting": "passive", "cancer_type": "breast",
           "graft": "allograft", "site": "heterotopic", "shape": "sphere", "log10_hd": 2.0,
           "zeta": -5.0, "log10_dose": 1.0, "log10_tw": np.log10(0.2)}
    X = pd.DataFrame([row, {**row, "log10_hd": np.nan}])
    t = np.array([0.05, 1.0, 6.0, 24.0, 72.0, 168.0])
    c = pbpk_tumour_curves(X, t)
    assert np.isnan(c[1]).all()
    assert (c[0] > 0).all()
    de = pbpk_delivery(X)
    np.testing.assert_allclose(np.log10(c[0, 3]), de["DE24"][0], atol=0.01)
    assert np.isnan(de["DE24"][1])
