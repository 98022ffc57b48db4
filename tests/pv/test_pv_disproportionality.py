"""ROR, PRR, chi-square and IC: worked examples, an independent implementation, invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanotwin.errors import DesignError
from nanotwin.pv import disproportionality as dp

cell = st.integers(min_value=1, max_value=5000)
big = st.integers(min_value=2, max_value=5000)


def test_worked_table_by_hand():
    """a=20, b=80, c=100, d=9800, every number from the papers' formulas by hand.

    ROR = ad/bc (van Puijenbroek 2002; Rothman 2004); PRR = (a/(a+b))/(c/(c+d)) and the
    Yates chi-square of Evans, Waller & Davis 2001; IC = log2((a+½)/(E+½)) (Norén 2013).
    """
    a, b, c, d = 20, 80, 100, 9800
    r = dp.ror(a, b, c, d)
    assert float(r["ror"]) == pytest.approx(20 * 9800 / (80 * 100))  # 24.5
    se = math.sqrt(1 / 20 + 1 / 80 + 1 / 100 + 1 / 9800)
    assert float(r["ror_lower"]) == pytest.approx(24.5 * math.exp(-1.959964 * se), rel=1e-6)
    p = dp.prr(a, b, c, d)
    assert float(p["prr"]) == pytest.approx((20 / 100) / (100 / 9900))  # 19.8
    se = math.sqrt(1 / 20 - 1 / 100 + 1 / 100 - 1 / 9900)
    assert float(p["prr_upper"]) == pytest.approx(19.8 * math.exp(1.959964 * se), rel=1e-6)
    n = 10000
    chi = n * (abs(a * d - b * c) - n / 2) ** 2 / (100 * 9900 * 120 * 9880)
    assert float(dp.chi_square(a, b, c, d)) == pytest.approx(chi)
    E = 100 * 120 / n  # 1.2
    assert float(dp.expected(a, b, c, d)) == pytest.approx(1.2)
    assert float(dp.information_component(a, b, c, d)["ic"]) == pytest.approx(
        math.log2(20.5 / 1.7))
    assert E == 1.2


def test_evans_signal_rule_boundary():
    """Evans 2001: PRR >= 2, chi2 >= 4 with a >= 3 — a 3-report pair in a big table passes."""
    a, b, c, d = 3, 97, 100, 99800
    assert float(dp.prr(a, b, c, d)["prr"]) >= 2
    assert float(dp.chi_square(a, b, c, d)) >= 4


@settings(max_examples=60, deadline=None)
@given(cell, cell, cell, cell)
def test_chi_square_matches_scipy(a, b, c, d):
    from scipy.stats import chi2_contingency

    for yates in (True, False):
        ref = chi2_contingency([[a, b], [c, d]], correction=yates)[0]
        assert float(dp.chi_square(a, b, c, d, yates=yates)) == pytest.approx(ref, rel=1e-9,
                                                                               abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(cell, cell, cell, cell)
def test_symmetry_drug_and_event_roles(a, b, c, d):
    """Swapping the roles of drug and event (b <-> c) leaves ROR, chi2 and IC unchanged."""
    for f, key in ((dp.ror, "ror"), (dp.information_component, "ic")):
        assert float(f(a, b, c, d)[key]) == pytest.approx(float(f(a, c, b, d)[key]), rel=1e-12)
    assert float(dp.chi_square(a, b, c, d)) == pytest.approx(float(dp.chi_square(a, c, b, d)))
    # ln ROR is antisymmetric when the event is complemented (a<->b, c<->d)
    assert math.log(float(dp.ror(a, b, c, d)["ror"])) == pytest.approx(
        -math.log(float(dp.ror(b, a, d, c)["ror"])), abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(cell, big, big, cell)
def test_monotone_in_the_pair_count(a, b, c, d):
    """More reports of the pair: ROR and PRR grow with the other cells fixed; every measure
    (IC too, whose E is then fixed) grows at fixed margins (one report moves from b and c into
    a and d)."""
    for f, key in ((dp.ror, "ror"), (dp.prr, "prr")):
        assert float(f(a + 1, b, c, d)[key]) > float(f(a, b, c, d)[key])
    for f, key in ((dp.ror, "ror"), (dp.prr, "prr"), (dp.information_component, "ic")):
        assert float(f(a + 1, b - 1, c - 1, d + 1)[key]) > float(f(a, b, c, d)[key])


@settings(max_examples=40, deadline=None)
@given(cell, cell, cell, cell)
def test_intervals_contain_estimate_and_narrow_with_more_data(a, b, c, d):
    for f, key in ((dp.ror, "ror"), (dp.prr, "prr"), (dp.information_component, "ic")):
        r, r10 = f(a, b, c, d), f(10 * a, 10 * b, 10 * c, 10 * d)
        assert float(r[key + "_lower"]) <= float(r[key]) <= float(r[key + "_upper"])
        w = float(r[key + "_upper"]) - float(r[key + "_lower"])
        w10 = float(r10[key + "_upper"]) - float(r10[key + "_lower"])
        if key != "ic":  # ROR/PRR point estimates do not change when scaling all cells
            w, w10 = (math.log(float(r[key + "_upper"]) / float(r[key + "_lower"])),
                      math.log(float(r10[key + "_upper"]) / float(r10[key + "_lower"])))
        assert w10 < w


def test_ic_shrinks_small_counts_towards_zero():
    """For few reports the IC sits between 0 and log2(O/E) (Norén 2013 shrinkage)."""
    for a in (1, 2, 3):
        b, c, d = 10, 50, 100000
        raw = math.log2(a / float(dp.expected(a, b, c, d)))
        ic = float(dp.information_component(a, b, c, d)["ic"])
        assert 0.0 < ic < raw
    r = dp.information_component(0, 10, 10, 100000)
    assert abs(float(r["ic"])) < 0.05 and float(r["ic_lower"]) < 0 < float(r["ic_upper"])


def test_bate_and_noren_agree_for_large_counts():
    a, b, c, d = 4000, 6000, 6000, 990000
    n = dp.information_component(a, b, c, d)
    bt = dp.information_component(a, b, c, d, method="bate1998")
    assert float(bt["ic"]) == pytest.approx(float(n["ic"]), abs=0.01)
    # Bate's variance also carries the uncertainty of the margins: a little wider
    assert float(n["ic_lower"]) - 0.05 < float(bt["ic_lower"]) < float(n["ic_lower"])


def test_zero_cells():
    r = dp.ror(5, 0, 10, 1000)
    assert np.isfinite(r["ror"])  # Haldane-Anscombe +0.5
    assert float(r["ror"]) == pytest.approx(5.5 * 1000.5 / (0.5 * 10.5))
    assert np.isnan(dp.ror(5, 0, 10, 1000, haldane=False)["ror"])


def test_bad_tables_are_one_line_errors():
    with pytest.raises(DesignError, match="cell a"):
        dp.ror(-1, 2, 3, 4)
    with pytest.raises(DesignError, match="negative"):
        dp.table_2x2(10, 5, 20, 100)
    with pytest.raises(DesignError, match="unknown IC method"):
        dp.information_component(1, 2, 3, 4, method="x")
