"""`nanotwin validate` and `nanotwin schema` as a user runs them."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from nanotwin.cli import app

runner = CliRunner()

GOOD = """name: PEG gold
nanoparticle:
  platform: gold
  hydrodynamic_diameter: 30 nm
  zeta_potential: -8 mV
radiolabels:
  - nuclide: 64Cu
    chelator: NOTA
"""


def test_validate_good_file_exits_zero(tmp_path) -> None:
    p = tmp_path / "good.yaml"
    p.write_text(GOOD)
    result = runner.invoke(app, ["validate", str(p)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_validate_bad_file_exits_two_with_one_line(tmp_path) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text(GOOD.replace("NOTA", "DFO"))
    result = runner.invoke(app, ["validate", str(p)])
    assert result.exit_code == 2
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("nanotwin: error: bad.yaml: radiolabels.0.chelator:")
    assert "does not hold Cu" in lines[0]


def test_validate_several_files_reports_each_error(tmp_path) -> None:
    good, bad = tmp_path / "a.yaml", tmp_path / "b.yaml"
    good.write_text(GOOD)
    bad.write_text(GOOD.replace("30 nm", "-30 nm"))
    result = runner.invoke(app, ["validate", str(good), str(bad)])
    assert result.exit_code == 2
    assert "b.yaml: nanoparticle.hydrodynamic_diameter" in result.stderr


def test_schema_is_json(tmp_path) -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "Design"
    out = tmp_path / "design.schema.json"
    assert runner.invoke(app, ["schema", "--out", str(out)]).exit_code == 0
    assert json.loads(out.read_text())["title"] == "Design"


def test_version_and_help() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and "nanotwin" in result.output
    for cmd in (["--help"], ["validate", "--help"], ["schema", "--help"]):
        assert runner.invoke(app, cmd).exit_code == 0
