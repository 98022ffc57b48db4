"""Radiopharmacy: activity at any time, the volume to draw, shelf life; time-zone-aware times.

Every decay uses the ICRP-107 half-life of :mod:`nanotwin.physics` (radioactivedecay); nothing is
typed in here. Times are timezone-aware :class:`datetime.datetime` objects; a text time must carry
its UTC offset (``2025-03-04T12:00+01:00``) or be read with an explicit zone
(``tz="Europe/Berlin"``, IANA names through :mod:`zoneinfo`), so a calibration written in
Amsterdam and an injection in New York subtract correctly, across daylight-saving changes too.

Shelf life (:func:`shelf_life`) is the earliest of

* the time the radiochemical purity reaches its lower limit, from stability data by the ICH Q1E
  method (Evaluation of Stability Data, 2003, §2.4: the time where the one-sided 95 % confidence
  bound of the mean regression line meets the acceptance criterion), and
* the time the activity concentration has decayed so far that one patient dose needs more than
  the largest volume that may be drawn (or below a minimum concentration).

Examples
--------
>>> from datetime import datetime
>>> t_cal = parse_time("2025-03-04T12:00+01:00")
>>> a = activity_at("Lu-177", 7400.0, t_cal, parse_time("2025-03-11T06:00-05:00"))
>>> round(a, 1)   # 7 days (168 h) later, written in New York: 7400 · 2^(-168 h / 159.5 h)
3566.3
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["parse_time", "hours_between", "activity_at", "concentration_at", "activity_chain_at",
           "DrawPlan", "volume_to_draw", "ShelfLife", "rcp_bound_crossing", "shelf_life"]


def parse_time(value: Any, tz: str | None = None, field: str = "time") -> datetime:
    """A timezone-aware datetime from text (ISO 8601) or a datetime.

    Parameters
    ----------
    value
        ``"2025-03-04T12:00+01:00"``, ``"2025-03-04 12:00 Europe/Berlin"``, a ``datetime``.
    tz
        IANA zone for a time given without offset (e.g. ``"Europe/Berlin"``); without it such a
        time is an error (a radiopharmacy never guesses the zone).

    Raises
    ------
    DesignError
        No offset and no zone, an unknown zone, or unreadable text.

    Examples
    --------
    >>> parse_time("2025-03-30 03:30", tz="Europe/Berlin").isoformat()
    '2025-03-30T03:30:00+02:00'
    >>> parse_time("2025-01-10 08:00 America/New_York").utcoffset().total_seconds() / 3600
    -5.0
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    def zone(name: str) -> Any:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise DesignError(f"{field}: unknown time zone {name!r}; use an IANA name such as "
                              "'Europe/Berlin' or an offset like +01:00", field) from None

    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        text = value.strip()
        parts = text.rsplit(" ", 1)
        if len(parts) == 2 and "/" in parts[1] or text.endswith(" UTC"):
            text, name = parts
            tz = "UTC" if name == "UTC" else name
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            raise DesignError(f"{field}: cannot read {value!r} as a date and time; write ISO "
                              "8601 with an offset, e.g. 2025-03-04T12:00+01:00", field) from None
    else:
        raise DesignError(f"{field}: expected a date and time, got {type(value).__name__}",
                          field)
    if dt.tzinfo is None or dt.utcoffset() is None:
        if tz is None:
            raise DesignError(f"{field}: {value!s} has no time zone; add the UTC offset (e.g. "
                              "2025-03-04T12:00+01:00) or give the zone (e.g. Europe/Berlin)",
                              field)
        dt = dt.replace(tzinfo=zone(tz))
    elif tz is not None and isinstance(value, str) and "/" in str(tz):
        pass  # an explicit offset wins over a default zone
    return dt


def hours_between(t0: datetime, t1: datetime) -> float:
    """``t1 − t0`` in hours (both timezone-aware).

    Examples
    --------
    >>> hours_between(parse_time("2025-03-30T01:00+01:00"), parse_time("2025-03-30T04:00+02:00"))
    2.0
    """
    for t in (t0, t1):
        if not isinstance(t, datetime) or t.tzinfo is None or t.utcoffset() is None:
            raise DesignError("time: give timezone-aware times (see nanotwin.qc.parse_time)",
                              "time")
    return (t1.astimezone(UTC) - t0.astimezone(UTC)).total_seconds() / 3600.0


def _positive(x: float, field: str, unit: str) -> float:
    x = float(x)
    if not (math.isfinite(x) and x > 0):
        raise DesignError(f"{field}: must be > 0 {unit}, got {x!r}", field)
    return x


def activity_at(nuclide: str, A_cal: float, t_cal: datetime, t: datetime) -> float:
    """Activity of the parent at ``t`` from ``A_cal`` at ``t_cal`` (either direction in time).

    ``A(t) = A_cal · exp(−ln 2 · (t − t_cal) / T½)`` with T½ from ICRP-107.

    Examples
    --------
    >>> from nanotwin.physics import half_life
    >>> t0 = parse_time("2025-01-01T00:00Z")
    >>> from datetime import timedelta
    >>> round(activity_at("F-18", 1000.0, t0, t0 + timedelta(hours=half_life("F-18"))), 6)
    500.0
    """
    from nanotwin.physics import decay_factor

    A_cal = _positive(A_cal, "activity", "MBq")
    return A_cal * float(decay_factor(nuclide, hours_between(t_cal, t)))


def concentration_at(nuclide: str, A_cal: float, volume_mL: float, t_cal: datetime,
                     t: datetime) -> float:
    """Activity concentration (MBq/mL) at ``t`` of ``A_cal`` MBq in ``volume_mL`` at ``t_cal``.

    Examples
    --------
    >>> t0 = parse_time("2025-01-01T00:00Z")
    >>> concentration_at("Lu-177", 7400.0, 10.0, t0, t0)
    740.0
    """
    return activity_at(nuclide, A_cal, t_cal, t) / _positive(volume_mL, "volume", "mL")


def activity_chain_at(nuclide: str, A_cal: float, t_cal: datetime, t: datetime
                      ) -> dict[str, float]:
    """Activities of the parent and every radioactive descendant at ``t`` >= ``t_cal``, for a
    pure parent at calibration (Bateman solution of radioactivedecay).

    Examples
    --------
    >>> t0 = parse_time("2025-01-01T00:00Z")
    >>> from datetime import timedelta
    >>> a = activity_chain_at("Pb-212", 100.0, t0, t0 + timedelta(hours=48))
    >>> sorted(a)
    ['Bi-212', 'Pb-212', 'Po-212', 'Tl-208']
    """
    from nanotwin.physics import activities

    dt = hours_between(t_cal, t)
    if dt < 0:
        raise DesignError("time: the chain is decayed forwards only; give a time at or after "
                          "the calibration", "time")
    acts = activities(nuclide, [dt], A0=_positive(A_cal, "activity", "MBq"))
    return {k: float(v[0]) for k, v in acts.items()}


@dataclass(frozen=True)
class DrawPlan:
    """What to draw for one patient.

    Attributes
    ----------
    volume_mL
        Volume to draw at ``draw_time``.
    activity_at_draw_MBq
        Activity in the syringe when drawn (more than the patient activity if injected later).
    activity_at_injection_MBq
        The prescribed patient activity at ``injection_time``.
    concentration_at_draw_MBq_per_mL
        Vial concentration at the draw time.
    draw_time, injection_time
        Timezone-aware times.
    """

    volume_mL: float
    activity_at_draw_MBq: float
    activity_at_injection_MBq: float
    concentration_at_draw_MBq_per_mL: float
    draw_time: datetime
    injection_time: datetime


def volume_to_draw(nuclide: str, A_cal: float, volume_mL: float, t_cal: datetime,
                   injection_time: datetime, patient_activity: float, *,
                   draw_time: datetime | None = None,
                   available_mL: float | None = None) -> DrawPlan:
    """Volume to draw from a vial so the patient receives ``patient_activity`` at injection.

    ``V = A_patient · exp(λ (t_inj − t_draw)) / C(t_draw)``.

    Raises
    ------
    DesignError
        If the vial (or ``available_mL``) does not hold enough activity at the draw time.

    Examples
    --------
    >>> t0 = parse_time("2025-03-04T08:00+01:00")
    >>> plan = volume_to_draw("Lu-177", 7400.0, 10.0, t0, t0, 7400.0 / 2)
    >>> plan.volume_mL
    5.0
    """
    from nanotwin.physics import decay_factor

    draw_time = injection_time if draw_time is None else draw_time
    A_pat = _positive(patient_activity, "patient activity", "MBq")
    dt = hours_between(draw_time, injection_time)
    if dt < 0:
        raise DesignError("draw time: is after the injection time; draw before injecting",
                          "draw_time")
    C = concentration_at(nuclide, A_cal, volume_mL, t_cal, draw_time)
    A_draw = A_pat / float(decay_factor(nuclide, dt))
    V = A_draw / C
    avail = float(volume_mL if available_mL is None else available_mL)
    if V > avail * (1 + 1e-12):
        raise DesignError(f"activity: {A_pat:.4g} MBq at {injection_time.isoformat()} needs "
                          f"{V:.3g} mL but only {avail:.3g} mL are available (vial holds "
                          f"{C * avail:.4g} MBq at the draw time); order more activity or "
                          "inject earlier", "activity")
    return DrawPlan(volume_mL=V, activity_at_draw_MBq=A_draw, activity_at_injection_MBq=A_pat,
                    concentration_at_draw_MBq_per_mL=C, draw_time=draw_time,
                    injection_time=injection_time)


def rcp_bound_crossing(times_h: Any, rcp: Any, limit: float, *, confidence: float = 0.95
                       ) -> float:
    """Time (h after the first point's origin) at which the one-sided lower confidence bound of
    the linear regression of RCP on time meets ``limit`` (ICH Q1E §2.4, decreasing attribute).

    Returns ``inf`` if the bound never falls to the limit (flat or rising RCP) and 0 if it is
    below the limit already at time 0.

    Examples
    --------
    >>> round(rcp_bound_crossing([0, 24, 48], [99.0, 98.0, 97.0], 95.0), 6)  # 99 − t/24
    96.0
    """
    from scipy.stats import t as student

    x = np.asarray(times_h, dtype=float)
    y = np.asarray(rcp, dtype=float)
    if x.shape != y.shape or x.size < 2:
        raise DesignError("stability: give at least two (time, RCP) points", "stability")
    if np.ptp(x) == 0:
        raise DesignError("stability: the points need at least two different times",
                          "stability")
    n = x.size
    X = np.column_stack([np.ones(n), x])
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    dof = n - 2
    s2 = float(resid @ resid / dof) if dof > 0 else 0.0
    XtX_inv = np.linalg.inv(X.T @ X)
    tq = float(student.ppf(confidence, dof)) if dof > 0 else 0.0

    def bound(t: float) -> float:
        v = np.array([1.0, t])
        return float(v @ beta - tq * math.sqrt(max(s2 * float(v @ XtX_inv @ v), 0.0)))

    if bound(0.0) <= limit:
        return 0.0
    hi = max(float(x.max()), 1.0)
    for _ in range(200):  # expand until the bound is below the limit (or give up: inf)
        if bound(hi) <= limit:
            break
        hi *= 2.0
        if hi > 1e7:
            return math.inf
    lo = 0.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if bound(mid) > limit:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@dataclass(frozen=True)
class ShelfLife:
    """Expiry of a radiolabelled batch and what limits it.

    Attributes
    ----------
    expiry
        Timezone-aware expiry time (``None``: no limit applies).
    limited_by
        ``"rcp"``, ``"activity"`` or ``"none"``.
    rcp_expiry, activity_expiry
        The two candidate times (``None`` when not applicable).
    hours_after_calibration
        ``expiry − t_cal`` in h.
    """

    expiry: datetime | None
    limited_by: str
    rcp_expiry: datetime | None
    activity_expiry: datetime | None
    hours_after_calibration: float


def shelf_life(nuclide: str, A_cal: float, volume_mL: float, t_cal: datetime, *,
               stability: Any = None, rcp_min: float | None = None,
               patient_activity: float | None = None, max_draw_mL: float | None = None,
               min_concentration: float | None = None, confidence: float = 0.95) -> ShelfLife:
    """Shelf life from the RCP limit (stability data, ICH Q1E) and the activity limits.

    Parameters
    ----------
    nuclide, A_cal, volume_mL, t_cal
        The batch at calibration (MBq, mL, timezone-aware time).
    stability
        ``[(hours after t_cal, RCP %), ...]`` from the stability study.
    rcp_min
        Lower RCP limit in % (the specification's).
    patient_activity, max_draw_mL
        One patient dose (MBq at injection) and the largest volume that may be injected: the
        batch expires when that volume no longer holds the dose.
    min_concentration
        Or a minimum activity concentration in MBq/mL.

    Examples
    --------
    >>> from nanotwin.physics import half_life
    >>> t0 = parse_time("2025-03-04T08:00+01:00")
    >>> s = shelf_life("Lu-177", 7400.0, 10.0, t0, patient_activity=740.0, max_draw_mL=2.0)
    >>> s.limited_by, round(s.hours_after_calibration / half_life("Lu-177"), 6)  # 2 mL hold 740
    ('activity', 1.0)
    """
    from datetime import timedelta

    from nanotwin.physics import half_life

    A_cal = _positive(A_cal, "activity", "MBq")
    V = _positive(volume_mL, "volume", "mL")
    C0 = A_cal / V
    cands: dict[str, float] = {}
    if stability is not None or rcp_min is not None:
        if stability is None or rcp_min is None:
            raise DesignError("stability: an RCP shelf life needs both stability points and "
                              "rcp_min", "stability")
        pts = np.asarray(stability, dtype=float)
        if pts.ndim != 2 or pts.shape[1] != 2:
            raise DesignError("stability: give (hours, RCP %) pairs", "stability")
        cands["rcp"] = rcp_bound_crossing(pts[:, 0], pts[:, 1], float(rcp_min),
                                          confidence=confidence)
    c_min = None
    if patient_activity is not None or max_draw_mL is not None:
        if patient_activity is None or max_draw_mL is None:
            raise DesignError("activity: give both patient_activity and max_draw_mL",
                              "activity")
        c_min = _positive(patient_activity, "patient activity", "MBq") / _positive(
            max_draw_mL, "max_draw_mL", "mL")
    if min_concentration is not None:
        cm = _positive(min_concentration, "min_concentration", "MBq/mL")
        c_min = cm if c_min is None else max(c_min, cm)
    if c_min is not None:
        T = half_life(nuclide, "h")
        cands["activity"] = max(T / math.log(2) * math.log(C0 / c_min), 0.0)
    if not cands:
        return ShelfLife(None, "none", None, None, math.inf)
    by = min(cands, key=lambda k: cands[k])
    h = cands[by]

    def at(hours: float | None) -> datetime | None:
        if hours is None or not math.isfinite(hours):
            return None
        return t_cal + timedelta(hours=hours)

    return ShelfLife(expiry=at(h), limited_by=by if math.isfinite(h) else "none",
                     rcp_expiry=at(cands.get("rcp")), activity_expiry=at(cands.get("activity")),
                     hours_after_calibration=h)
