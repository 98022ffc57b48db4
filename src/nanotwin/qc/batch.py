"""Batch records: measured critical quality attributes with units, methods and times.

A batch record is a YAML (or JSON) file or a mapping::

    batch_id: LIPO-177LU-2025-014
    product: 177Lu-DOTA PEG-liposome
    platform: liposome
    manufactured: 2025-03-04T07:30+01:00
    design: target_design.yaml          # optional: the target design (path relative to here)
    measurements:
      z_average: {value: 104 nm, method: "DLS, Zetasizer Nano ZS, n = 3", sd: 2 nm}
      pdi: {value: 0.11, method: DLS}
      rcp: {value: 97.2 %, method: radio-iTLC}
      sterility: pending
    radioactivity:
      nuclide: Lu-177
      activity: 7.4 GBq
      calibration_time: 2025-03-04T12:00+01:00
      volume: 10 mL
    stability:                          # (hours after calibration, RCP %)
      - [0, 98.9]
      - [24, 98.1]

Examples
--------
>>> b = load_batch({"batch_id": "B1", "platform": "liposome",
...                 "manufactured": "2025-03-04T07:30+01:00",
...                 "measurements": {"z_average": "104 nm", "pdi": 0.11}})
>>> b.value("z_average"), b.value("pdi")
(104.0, 0.11)
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from nanotwin.errors import DesignError

__all__ = ["Measurement", "Radioactivity", "BatchRecord", "load_batch"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class Measurement(_Frozen):
    """One measured attribute (value in the attribute's canonical unit).

    Attributes
    ----------
    value
        Number (canonical unit, see :func:`nanotwin.qc.spec.attribute_info`) or a result word
        (``pass``/``fail``/``pending``) or text.
    qualifier
        ``"<"``/``"<="``/``">"``/``">="`` for results reported as below/above a limit.
    method, sd, n, measured_at, analyst
        How, how precisely, when and by whom it was measured.
    """

    attribute: str
    value: float | str
    qualifier: str = ""
    unit: str
    method: str = ""
    sd: float | None = None
    n: int | None = None
    measured_at: datetime | None = None
    analyst: str = ""


class Radioactivity(_Frozen):
    """Activity of the batch at its calibration time."""

    nuclide: str
    activity_MBq: float
    calibration_time: datetime
    volume_mL: float


class BatchRecord(_Frozen):
    """A manufactured batch and its measured quality attributes (immutable)."""

    batch_id: str
    product: str = ""
    platform: str
    manufactured: datetime
    measurements: tuple[Measurement, ...]
    radioactivity: Radioactivity | None = None
    stability: tuple[tuple[float, float], ...] = ()
    design: str | None = None
    notes: str = ""

    def measurement(self, attribute: str) -> Measurement | None:
        """The measurement of ``attribute`` (``None`` if not measured)."""
        for m in self.measurements:
            if m.attribute == attribute:
                return m
        return None

    def value(self, attribute: str) -> Any:
        """The measured value of ``attribute`` (``None`` if not measured)."""
        m = self.measurement(attribute)
        return None if m is None else m.value


_KEYS = {"batch_id", "product", "platform", "manufactured", "measurements", "radioactivity",
         "stability", "design", "notes"}
_MEAS_KEYS = {"value", "method", "sd", "n", "measured_at", "analyst"}


def load_batch(batch: str | os.PathLike[str] | dict[str, Any], *,
               tz: str | None = None) -> BatchRecord:
    """Read and check a batch record (YAML/JSON file or mapping).

    Parameters
    ----------
    batch
        The record.
    tz
        IANA zone for times written without an offset (else such times are an error).

    Raises
    ------
    DesignError
        One line naming the field, what is wrong and how to fix it.
    """
    import yaml

    from nanotwin.qc.radiopharmacy import parse_time
    from nanotwin.qc.spec import attribute_info, parse_value
    from nanotwin.units import to_canonical

    base: Path | None = None
    if isinstance(batch, dict):
        data = dict(batch)
    else:
        path = Path(batch)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DesignError(f"batch: {path} not found; check the path", "batch") from None
        except yaml.YAMLError:
            raise DesignError(f"batch: {path} is not valid YAML; fix the file", "batch") from None
        if not isinstance(data, dict):
            raise DesignError(f"batch: {path} must hold a mapping (batch_id, measurements, ...)",
                              "batch")
        base = path.parent
    extra = sorted(set(data) - _KEYS)
    if extra:
        raise DesignError(f"batch: unknown key(s) {', '.join(extra)}; allowed: "
                          f"{', '.join(sorted(_KEYS))}", "batch")
    for key in ("batch_id", "platform", "manufactured", "measurements"):
        if data.get(key) in (None, "", {}):
            raise DesignError(f"batch.{key}: missing; every batch record needs batch_id, "
                              "platform, manufactured and measurements", f"batch.{key}")
    meas: list[Measurement] = []
    raw_meas = data["measurements"]
    if not isinstance(raw_meas, dict):
        raise DesignError("batch.measurements: give a mapping attribute -> value (or {value, "
                          "method, ...})", "batch.measurements")
    for attr, raw in raw_meas.items():
        field = f"batch.measurements.{attr}"
        info = attribute_info(attr)
        entry = raw if isinstance(raw, dict) else {"value": raw}
        bad = sorted(set(entry) - _MEAS_KEYS)
        if bad:
            raise DesignError(f"{field}: unknown key(s) {', '.join(bad)}; allowed: "
                              f"{', '.join(sorted(_MEAS_KEYS))}", field)
        if "value" not in entry:
            raise DesignError(f"{field}: no value", field)
        value, qual = parse_value(entry["value"], attr, field)
        sd = None
        if entry.get("sd") is not None:
            sd = parse_value(entry["sd"], attr, f"{field}.sd")[0]
        meas.append(Measurement(
            attribute=attr, value=value, qualifier=qual, unit=info["unit"],
            method=str(entry.get("method", "")), sd=sd,
            n=None if entry.get("n") is None else int(entry["n"]),
            measured_at=None if entry.get("measured_at") is None else parse_time(
                str(entry["measured_at"]), tz, f"{field}.measured_at"),
            analyst=str(entry.get("analyst", ""))))
    radio = None
    if data.get("radioactivity") is not None:
        r = data["radioactivity"]
        f = "batch.radioactivity"
        if not isinstance(r, dict):
            raise DesignError(f"{f}: give nuclide, activity, calibration_time and volume", f)
        missing = [k for k in ("nuclide", "activity", "calibration_time", "volume") if k not in r]
        if missing:
            raise DesignError(f"{f}: missing {', '.join(missing)}", f)
        from nanotwin.physics import canonical_nuclide

        radio = Radioactivity(
            nuclide=canonical_nuclide(str(r["nuclide"])),
            activity_MBq=to_canonical(r["activity"], "MBq", f"{f}.activity", allow_plain=False),
            calibration_time=parse_time(str(r["calibration_time"]), tz,
                                        f"{f}.calibration_time"),
            volume_mL=to_canonical(r["volume"], "mL", f"{f}.volume", allow_plain=False))
        if radio.activity_MBq <= 0 or radio.volume_mL <= 0:
            raise DesignError(f"{f}: activity and volume must be > 0", f)
    stab: list[tuple[float, float]] = []
    for i, pt in enumerate(data.get("stability") or []):
        if not isinstance(pt, (list, tuple)) or len(pt) != 2:
            raise DesignError(f"batch.stability.{i}: give [hours after calibration, RCP %]",
                              f"batch.stability.{i}")
        t = to_canonical(pt[0], "h", f"batch.stability.{i}")
        stab.append((t, parse_value(pt[1], "rcp", f"batch.stability.{i}")[0]))
    design = data.get("design")
    if design is not None and base is not None and not Path(design).is_absolute():
        design = str(base / design)
    return BatchRecord(batch_id=str(data["batch_id"]), product=str(data.get("product", "")),
                       platform=str(data["platform"]).strip().lower(),
                       manufactured=parse_time(str(data["manufactured"]), tz,
                                               "batch.manufactured"),
                       measurements=tuple(meas), radioactivity=radio, stability=tuple(stab),
                       design=None if design is None else str(design),
                       notes=str(data.get("notes", "")))
