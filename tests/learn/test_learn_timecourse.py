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
