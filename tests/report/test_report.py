"""``nanotwin report``: one self-contained HTML file, and the analyses it shares with the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nanotwin
from nanotwin.cli import app
from nanotwin.design.forms import dump_design_text
from nanotwin.pbpk import demo_design_mapping


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("rep") / "demo.yaml"
    p.write_text(dump_design_text(demo_design_mapping()))
    return p


def test_doses_are_those_of_nanotwin_dose(demo_file: Path, tmp_path: Path) -> None:
    """The report/web dose table is the table ``nanotwin dose DESIGN`` writes."""
    import pandas as pd

    from nanotwin.report import analysis

    out = tmp_path / "doses.csv"
    res = CliRunner().invoke(app, ["dose", str(demo_file), "--out", str(out)])
    assert res.exit_code == 0, res.output
    cli = pd.read_csv(out)
    design = nanotwin.load_design(demo_file)
    bd = analysis.biodistribution(design)
    d = analysis.doses(design, bd["result"])
    ours = {r["organ"]: r["Gy_per_GBq"] for r in d["rows"]}
    col = next(c for c in cli.columns if c.startswith("dose_Gy_per_GBq"))
    theirs = dict(zip(cli["organ"], cli[col], strict=True))
    assert set(ours) == set(theirs)
    np.testing.assert_allclose([ours[o] for o in theirs], list(theirs.values()), rtol=1e-12)
    # the MTA is the activity at which the limiting organ reaches its limit
    mta = d["mta"]
    per = {r["organ"]: r["Gy_RBE_per_GBq"] for r in d["rows"]}
    from nanotwin.dosimetry.doses import _limits

    limit = dict(_limits())[mta["limiting_organ"]]
    assert mta["activity_GBq"] * per[mta["limiting_organ"]] == pytest.approx(limit)
    assert all(mta["activity_GBq"] * per[o] <= lim * (1 + 1e-12)
               for o, lim in _limits() if o in per)


def test_report_is_one_self_contained_file(demo_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "r" / "report.html"
    res = CliRunner().invoke(app, ["report", str(demo_file), "--out", str(out), "--times",
                                   "24", "--voxel", "1.0", "--no-checks"])
    assert res.exit_code == 0, res.output
    html = out.read_text()
    for section in ("Design", "Assumptions and defaults used", "Biodistribution",
                    "Absorbed doses", "Images", "Validation status", "Provenance"):
        assert f">{section}" in html, section
    # nothing is fetched: no external scripts, styles, images or frames (plotly.js itself is
    # inlined; the URLs inside its code are for features the report does not use)
    markup = re.sub(r"<script>.*?</script>", "<script></script>", html, flags=re.S)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", markup)
    assert "<script src" not in markup and "<link rel=\"stylesheet\"" not in markup
    assert "Plotly.newPlot" in html and len(html) > 3_000_000  # plotly.js inlined
    assert html.count("data:image/png;base64,") >= 2  # CT and fused PET/CT at 24 h
    assert "PET / CT fused" in html
    # provenance and assumptions
    for key in ("nanotwin version", "design hash", "biodistribution parameter hash",
                "design source sha256", "data: physiology"):
        assert key in html, key
    assert "nanoparticle.shape" in html and "sphere" in html  # a default used
    assert "dose source" in html  # the PBPK model's recorded choice
    assert "live checks skipped (--no-checks)" in html
    # refuses to overwrite without --overwrite; one line, exit 2
    res = CliRunner().invoke(app, ["report", str(demo_file), "--out", str(out)])
    assert res.exit_code == 2 and "exists; give a new file name or add --overwrite" in res.output
    res = CliRunner().invoke(app, ["report", str(demo_file), "--out", str(tmp_path / "r.pdf")])
    assert res.exit_code == 2 and "should end in .html" in res.output


def test_a_section_that_cannot_be_computed_says_why(tmp_path: Path) -> None:
    from nanotwin.report import report_context

    m = demo_design_mapping()
    del m["radiolabels"]
    ctx = report_context(m, times_h=(24.0,), voxel_mm=1.0, checks=False)
    assert ctx["bd"] is not None
    assert ctx["dose_error"].startswith("radiolabels: the design has no radiolabel")
    assert ctx["images"] is not None  # CT only (no label)
    assert [r["modality"] for r in ctx["images"]] == ["CT"]


def test_validation_status_lists_each_model_with_live_checks() -> None:
    from nanotwin.report.analysis import validation_status

    rows = validation_status(["pbpk", "imaging"], live=True)
    assert [r["key"] for r in rows] == ["pbpk", "imaging"]
    assert rows[0]["checks"] and all(isinstance(c["passed"], bool) for c in rows[0]["checks"])
    ct = {c["check"].split(" vs ")[0]: c for c in rows[1]["checks"]}
    assert set(ct) == {"CT slope Au 140 kVp", "CT slope Au 80 kVp", "CT slope I 120 kVp"}
    assert all(r["command"] and r["doc"].startswith("docs/") for r in rows)


@pytest.mark.slow
def test_report_pdf_with_debian_chromium(demo_file: Path, tmp_path: Path) -> None:
    import os
    import shutil

    if not (os.environ.get("NANOTWIN_CHROMIUM") or shutil.which("chromium")):
        if os.environ.get("CI"):
            pytest.fail("chromium missing; .ci/run installs it")
        pytest.skip("Debian's chromium is not installed")
    out = tmp_path / "report.html"
    res = CliRunner().invoke(app, ["report", str(demo_file), "--out", str(out), "--times",
                                   "24", "--voxel", "1.0", "--no-checks", "--pdf"])
    assert res.exit_code == 0, res.output
    pdf = out.with_suffix(".pdf").read_bytes()
    assert pdf[:5] == b"%PDF-" and len(pdf) > 50_000
