"""The example designs in examples/ validate and the reported-uptake table refers to them."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FILES = sorted(EXAMPLES.glob("*.yaml"))


def test_there_are_examples() -> None:
    assert len(FILES) >= 7


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_example_validates_and_cites(path: Path) -> None:
    from nanotwin import load_design
    from nanotwin.catalog import get_chelator, nuclide_info

    d = load_design(path)
    assert d.references, path.name
    for label in d.radiolabels:
        info = nuclide_info(label.nuclide)
        assert info.medical
        if label.strategy == "chelator":
            assert get_chelator(label.chelator).holds(info.element), path.name


def test_reported_uptake_table() -> None:
    with (EXAMPLES / "reported_uptake.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    stems = {p.stem for p in FILES}
    for r in rows:
        assert r["example"] in stems
        assert float(r["time_h"]) > 0 and float(r["value"]) > 0
        assert r["unit"] == "%ID/g"
        assert r["citation"].strip()
