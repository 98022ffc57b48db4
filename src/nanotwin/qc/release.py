"""Release decision: every test of the specification against the batch record, with reasons.

Outcome of each test: ``pass``, ``fail``, ``missing`` (not measured), ``limit not set`` (the
guidance asks for the test, the user has not set the number), ``pending`` (a result allowed to
follow release, e.g. sterility of a short-lived radiopharmaceutical, USP <823>), ``report``.

Decision: **rejected** if any test fails (or the batch is past its shelf life); else
**incomplete** (cannot be released) if any test is missing, has no limit or is pending without
permission; else **conditional** if a permitted result is pending; else **released**.

Examples
--------
>>> from nanotwin.qc.batch import load_batch
>>> from nanotwin.qc.spec import load_spec
>>> spec = load_spec({"platform": "liposome", "limits": {"pdi": {"high": 0.2}}})
>>> b = load_batch({"batch_id": "B1", "platform": "liposome",
...                 "manufactured": "2025-03-04T07:30+01:00", "measurements": {"pdi": 0.31}})
>>> d = decide(b, spec)
>>> d.status, d.result("pdi").outcome
('rejected', 'fail')
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from nanotwin.qc.batch import BatchRecord
from nanotwin.qc.spec import Limit, Specification

__all__ = ["TestResult", "ReleaseDecision", "decide"]

Outcome = Literal["pass", "fail", "missing", "limit not set", "pending", "report"]
Status = Literal["released", "conditional", "incomplete", "rejected"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TestResult(_Frozen):
    """The outcome of one test."""

    __test__ = False  # not a pytest class

    attribute: str
    label: str
    value: float | str | None
    qualifier: str = ""
    unit: str
    limit: str
    outcome: Outcome
    reason: str
    source: str


class ReleaseDecision(_Frozen):
    """A batch's release decision with every reason."""

    batch_id: str
    specification: str
    status: Status
    decided_at: datetime
    results: tuple[TestResult, ...]
    reasons: tuple[str, ...]
    expiry: datetime | None = None

    def result(self, attribute: str) -> TestResult:
        """The result of one test."""
        for r in self.results:
            if r.attribute == attribute:
                return r
        raise KeyError(attribute)


def _fmt(v: Any, unit: str) -> str:
    if isinstance(v, float):
        u = "" if unit in ("", "count") else f" {unit}"
        return f"{v:g}{u}"
    return str(v)


def _check(lim: Limit, batch: BatchRecord) -> TestResult:
    m = batch.measurement(lim.attribute)
    common = {"attribute": lim.attribute, "label": lim.label, "unit": lim.unit,
              "limit": lim.text(), "source": lim.source}
    if m is None:
        if lim.kind == "report":
            return TestResult(value=None, outcome="missing",
                              reason=f"{lim.label}: not recorded", **common)
        return TestResult(value=None, outcome="missing",
                          reason=f"{lim.label}: not measured; the specification requires it "
                                 f"({lim.source})", **common)
    v, q = m.value, m.qualifier
    shown = f"{q} {_fmt(v, lim.unit)}".strip()
    common["qualifier"] = q
    if lim.kind == "report":
        return TestResult(value=v, outcome="report", reason=f"{lim.label}: {shown} (recorded)",
                          **common)
    if lim.kind == "pass":
        if v == "pass":
            return TestResult(value=v, outcome="pass", reason=f"{lim.label}: pass", **common)
        if v == "pending":
            why = ("result may follow release" if lim.release_before_result
                   else "result required before release")
            return TestResult(value=v, outcome="pending",
                              reason=f"{lim.label}: pending; {why} ({lim.source})", **common)
        return TestResult(value=v, outcome="fail", reason=f"{lim.label}: {v}", **common)
    if not lim.is_set:
        return TestResult(value=v, outcome="limit not set",
                          reason=f"{lim.label}: measured {shown}, but no acceptance limit is set "
                                 f"({lim.source} gives none); set it in the specification",
                          **common)
    if not isinstance(v, float):
        return TestResult(value=v, outcome="fail", reason=f"{lim.label}: {v!r} is not a number",
                          **common)
    lo, hi = lim.low, lim.high
    # a qualified result (< x) passes a max limit only if x <= high; fails a min limit unless
    # ... it is "> x" with x >= low
    if lim.kind in ("max", "range") and hi is not None:
        if (q in ("", "<=", "<") and v > hi) or (q in (">", ">=") and v >= hi):
            return TestResult(value=v, outcome="fail",
                              reason=f"{lim.label}: {shown} is above the limit {lim.text()}",
                              **common)
    if lim.kind in ("min", "range") and lo is not None:
        if q in ("<", "<="):
            return TestResult(value=v, outcome="fail",
                              reason=f"{lim.label}: {shown} cannot show the minimum "
                                     f"{lim.text()}", **common)
        if v < lo:
            return TestResult(value=v, outcome="fail",
                              reason=f"{lim.label}: {shown} is below the limit {lim.text()}",
                              **common)
    if lim.kind in ("max", "range") and hi is not None and q in (">", ">="):
        return TestResult(value=v, outcome="fail",
                          reason=f"{lim.label}: {shown} cannot show the maximum {lim.text()}",
                          **common)
    return TestResult(value=v, outcome="pass",
                      reason=f"{lim.label}: {shown} within {lim.text()}", **common)


def decide(batch: BatchRecord, spec: Specification, *, at: datetime | None = None
           ) -> ReleaseDecision:
    """Check every test of ``spec`` on ``batch`` and decide.

    Parameters
    ----------
    batch, spec
        The batch record and its specification.
    at
        Decision time (timezone-aware; default now). For a radiolabelled batch with stability
        data and an RCP limit, a decision after the shelf life (:func:`nanotwin.qc.shelf_life`)
        rejects the batch.

    Returns
    -------
    ReleaseDecision
    """
    from nanotwin.qc.radiopharmacy import hours_between, shelf_life

    at = at or datetime.now(UTC)
    results = [_check(lim, batch) for lim in spec.limits]
    reasons: list[str] = []
    fails = [r for r in results if r.outcome == "fail"]
    open_ = [r for r in results if r.outcome in ("missing", "limit not set")
             or (r.outcome == "pending" and not spec.limit(r.attribute).release_before_result)]
    pending = [r for r in results if r.outcome == "pending"
               and spec.limit(r.attribute).release_before_result]
    expiry = None
    if batch.radioactivity is not None and batch.stability and "rcp" in spec.attributes \
            and spec.limit("rcp").low is not None:
        r = batch.radioactivity
        s = shelf_life(r.nuclide, r.activity_MBq, r.volume_mL, r.calibration_time,
                       stability=batch.stability, rcp_min=spec.limit("rcp").low)
        expiry = s.expiry
        if expiry is not None and hours_between(expiry, at) > 0:
            reasons.append(f"shelf life: expired at {expiry.isoformat()} (RCP lower 95 % bound "
                           f"reaches {spec.limit('rcp').low:g} %, ICH Q1E)")
    if fails or reasons:
        status: Status = "rejected"
        reasons = [r.reason for r in fails] + reasons
    elif open_:
        status = "incomplete"
        reasons = [r.reason for r in open_]
    elif pending:
        status = "conditional"
        reasons = [r.reason for r in pending]
    else:
        status = "released"
        reasons = ["every test passed"]
    if batch.platform and spec.platform and batch.platform != spec.platform:
        from nanotwin.qc.spec import default_spec

        if default_spec(batch.platform).product_class != spec.product_class:
            reasons.append(f"note: batch platform {batch.platform!r} differs from the "
                           f"specification's {spec.platform!r}")
    return ReleaseDecision(batch_id=batch.batch_id, specification=spec.name, status=status,
                           decided_at=at, results=tuple(results), reasons=tuple(reasons),
                           expiry=expiry)
