"""Radiopharmacy: decay through nanotwin.physics, time zones and DST, draw volumes, shelf life."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest

from nanotwin.errors import DesignError
from nanotwin.physics import activities, half_life
from nanotwin.qc.radiopharmacy import (
    activity_at,
    activity_chain_at,
    concentration_at,
    hours_between,
    parse_time,
    rcp_bound_crossing,
    shelf_life,
    volume_to_draw,
)

T0 = parse_time("2025-03-04T12:00+01:00")


@pytest.mark.parametrize("nuclide", ["Lu-177", "F-18", "Ga-68", "Tc-99m", "Zr-89", "Cu-64"])
def test_half_life_comes_from_icrp107(nuclide):
    T = half_life(nuclide, "h")
    assert activity_at(nuclide, 100.0, T0, T0 + timedelta(hours=T)) == pytest.approx(50.0)
    assert activity_at(nuclide, 100.0, T0, T0 - timedelta(hours=T)) == pytest.approx(200.0)


def test_same_instant_in_any_zone_gives_the_same_activity():
    a = activity_at("Lu-177", 7400.0, T0, parse_time("2025-03-06T06:00-05:00"))
    b = activity_at("Lu-177", 7400.0, T0, parse_time("2025-03-06T11:00Z"))
    c = activity_at("Lu-177", 7400.0, T0, parse_time("2025-03-06 20:00 Asia/Tokyo"))
    assert a == b == c
    assert hours_between(T0, parse_time("2025-03-06T11:00Z")) == 48.0


def test_daylight_saving_change_is_counted_in_real_hours():
    """Europe/Berlin springs forward on 2025-03-30 at 02:00: 00:00 -> 06:00 local is 5 h."""
    t1 = parse_time("2025-03-30 00:00", tz="Europe/Berlin")
    t2 = parse_time("2025-03-30 06:00", tz="Europe/Berlin")
    assert hours_between(t1, t2) == 5.0
    f18 = half_life("F-18", "h")
    assert activity_at("F-18", 1000.0, t1, t2) == pytest.approx(1000.0 * 2 ** (-5.0 / f18))


def test_times_without_zone_are_refused():
    with pytest.raises(DesignError, match="no time zone"):
        parse_time("2025-03-04 12:00")
    with pytest.raises(DesignError, match="unknown time zone"):
        parse_time("2025-03-04 12:00", tz="Mars/Olympus")
    with pytest.raises(DesignError, match="cannot read"):
        parse_time("next tuesday")


def test_chain_activities_are_radioactivedecay_bateman():
    a = activity_chain_at("Pb-212", 100.0, T0, T0 + timedelta(hours=24))
    ref = activities("Pb-212", [24.0], A0=100.0)
    for k, v in ref.items():
        assert a[k] == pytest.approx(float(v[0]))
    with pytest.raises(DesignError, match="forwards only"):
        activity_chain_at("Pb-212", 100.0, T0, T0 - timedelta(hours=1))


def test_volume_to_draw_round_trip():
    inj = parse_time("2025-03-06T10:00 America/New_York")
    draw = inj - timedelta(minutes=30)
    plan = volume_to_draw("Lu-177", 7400.0, 10.0, T0, inj, 3700.0, draw_time=draw)
    # what is drawn decays to the prescribed activity at injection
    drawn = plan.volume_mL * concentration_at("Lu-177", 7400.0, 10.0, T0, draw)
    assert drawn == pytest.approx(plan.activity_at_draw_MBq)
    assert activity_at("Lu-177", drawn, draw, inj) == pytest.approx(3700.0)
    assert plan.activity_at_draw_MBq > 3700.0
    with pytest.raises(DesignError, match="only 10 mL"):
        volume_to_draw("Lu-177", 7400.0, 10.0, T0, inj, 7400.0)
    with pytest.raises(DesignError, match="after the injection"):
        volume_to_draw("Lu-177", 7400.0, 10.0, T0, inj, 100.0, draw_time=inj + timedelta(1))


def test_ich_q1e_bound_crossing():
    # exact line: the bound equals the line; crossing analytic
    assert rcp_bound_crossing([0, 24, 48], [99.0, 98.0, 97.0], 95.0) == pytest.approx(96.0)
    # noise widens the band: the bound reaches the limit before the mean line does
    t = np.array([0, 12, 24, 36, 48, 72.0])
    y = 99.0 - t / 24 + np.array([0.2, -0.3, 0.1, 0.25, -0.2, 0.05])
    slope, icept = np.polyfit(t, y, 1)
    mean_cross = (95.0 - icept) / slope
    assert 0 < rcp_bound_crossing(t, y, 95.0) < mean_cross
    assert rcp_bound_crossing([0, 24], [98.0, 98.5], 95.0) == math.inf
    assert rcp_bound_crossing([0, 24], [94.0, 93.0], 95.0) == 0.0


def test_shelf_life_takes_the_earlier_limit():
    T = half_life("Lu-177", "h")
    stab = [(0, 99.0), (24, 98.0), (48, 97.0)]  # RCP hits 95 % at 96 h
    # 740 MBq in at most 1.25 mL: the vial (740 MBq/mL) lasts log2(1.25) half-lives (51 h)
    s = shelf_life("Lu-177", 7400.0, 10.0, T0, stability=stab, rcp_min=95.0,
                   patient_activity=740.0, max_draw_mL=1.25)
    assert s.limited_by == "activity"
    assert s.hours_after_calibration == pytest.approx(T * math.log2(1.25))
    assert s.rcp_expiry == T0 + timedelta(hours=96.0)
    s = shelf_life("Lu-177", 7400.0, 10.0, T0, stability=stab, rcp_min=95.0,
                   patient_activity=740.0, max_draw_mL=40.0)
    assert s.limited_by == "rcp" and s.hours_after_calibration == pytest.approx(96.0)
    assert s.expiry == T0 + timedelta(hours=s.hours_after_calibration)
    with pytest.raises(DesignError, match="both"):
        shelf_life("Lu-177", 1.0, 1.0, T0, rcp_min=95.0)
