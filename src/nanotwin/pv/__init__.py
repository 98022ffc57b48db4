"""Pharmacovigilance: FAERS reports, nanomedicine names and disproportionality signals.

Read a FAERS quarterly ASCII extract (deduplicated by case and version), map nanomedicine
spellings to catalog products, count drug-event pairs and score them by ROR, PRR (+ chi-square),
the BCPNN information component and the multi-item gamma-Poisson shrinker (EBGM, EB05/EB95).
See docs/pharmacovigilance.md.

Examples
--------
>>> from nanotwin.pv import normalise_drug_name, ror
>>> normalise_drug_name("CAELYX")
'Doxil'
>>> round(float(ror(20, 80, 100, 9800)["ror"]), 1)
24.5
"""

from __future__ import annotations

from nanotwin._lazy import lazy_exports

_LAZY: dict[str, str] = {
    "read_faers": "nanotwin.pv.faers",
    "FaersData": "nanotwin.pv.faers",
    "find_tables": "nanotwin.pv.faers",
    "normalise_drug_name": "nanotwin.pv.names",
    "normalise_drug_names": "nanotwin.pv.names",
    "is_nanomedicine": "nanotwin.pv.names",
    "table_2x2": "nanotwin.pv.disproportionality",
    "ror": "nanotwin.pv.disproportionality",
    "prr": "nanotwin.pv.disproportionality",
    "chi_square": "nanotwin.pv.disproportionality",
    "information_component": "nanotwin.pv.disproportionality",
    "GPSPrior": "nanotwin.pv.mgps",
    "fit_gps_prior": "nanotwin.pv.mgps",
    "ebgm": "nanotwin.pv.mgps",
    "eb_quantile": "nanotwin.pv.mgps",
    "Thresholds": "nanotwin.pv.signals",
    "load_thresholds": "nanotwin.pv.signals",
    "drug_event_counts": "nanotwin.pv.signals",
    "signal_table": "nanotwin.pv.signals",
    "plot_signals": "nanotwin.pv.signals",
    "write_quarter": "nanotwin.pv.synthetic",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_exports("nanotwin.pv", _LAZY, __all__)
