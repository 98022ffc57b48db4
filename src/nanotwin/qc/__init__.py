"""Batch release quality control, radiopharmacy and the audit trail.

* :mod:`~nanotwin.qc.spec` — release specifications per product class, each test with its
  source (FDA liposome guidance 2018, USP, Ph. Eur., ICH, EMA reflection papers); user YAML.
* :mod:`~nanotwin.qc.batch` — batch records (measured CQAs with units, methods and times).
* :mod:`~nanotwin.qc.release` — the release decision with every reason.
* :mod:`~nanotwin.qc.spc` — Shewhart individuals chart, CUSUM and capability across batches.
* :mod:`~nanotwin.qc.radiopharmacy` — decay-corrected activity, volume to draw, shelf life,
  time zones (all decay through :mod:`nanotwin.physics`).
* :mod:`~nanotwin.qc.twin` — what a batch's size, PDI and RCP predict vs the target design.
* :mod:`~nanotwin.qc.audit` — hash-chained audit trail with electronic signatures (SQLite or
  PostgreSQL).

See docs/qc.md.

Examples
--------
>>> from nanotwin.qc import default_spec
>>> default_spec("liposome").limit("particulate_25um").text()
'≤ 600'
"""

from __future__ import annotations

from nanotwin._lazy import lazy_exports

_LAZY: dict[str, str] = {
    "Limit": "nanotwin.qc.spec",
    "Specification": "nanotwin.qc.spec",
    "default_spec": "nanotwin.qc.spec",
    "load_spec": "nanotwin.qc.spec",
    "product_classes": "nanotwin.qc.spec",
    "endotoxin_limit": "nanotwin.qc.spec",
    "half_life_window": "nanotwin.qc.spec",
    "BatchRecord": "nanotwin.qc.batch",
    "load_batch": "nanotwin.qc.batch",
    "ReleaseDecision": "nanotwin.qc.release",
    "decide": "nanotwin.qc.release",
    "individuals_chart": "nanotwin.qc.spc",
    "cusum": "nanotwin.qc.spc",
    "capability": "nanotwin.qc.spc",
    "run_rules": "nanotwin.qc.spc",
    "parse_time": "nanotwin.qc.radiopharmacy",
    "activity_at": "nanotwin.qc.radiopharmacy",
    "concentration_at": "nanotwin.qc.radiopharmacy",
    "activity_chain_at": "nanotwin.qc.radiopharmacy",
    "volume_to_draw": "nanotwin.qc.radiopharmacy",
    "shelf_life": "nanotwin.qc.radiopharmacy",
    "batch_design": "nanotwin.qc.twin",
    "twin_compare": "nanotwin.qc.twin",
    "AuditTrail": "nanotwin.qc.audit",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_exports("nanotwin.qc", _LAZY, __all__)
