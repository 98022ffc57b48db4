"""Shareable reports: ``nanotwin report DESIGN --out report.html`` (one self-contained HTML file
with the design, assumptions, biodistribution, doses, images, validation status and provenance).

The analyses behind it (:mod:`nanotwin.report.analysis`) are the same the web app runs, on
nanotwin's public APIs.

Examples
--------
>>> from nanotwin.report import default_modalities
>>> from nanotwin.pbpk import demo_design
>>> default_modalities(demo_design())
['PET', 'CT']
"""

from __future__ import annotations

from nanotwin.report.html import build_report, default_modalities, report_context, write_report

__all__ = ["build_report", "write_report", "report_context", "default_modalities"]
