"""The shipped organ biodistribution tables (``nanotwin/data/organs``) are well-formed.

These checks read the CSV files with the standard library only, so they hold whatever loader the
package grows later: every file parses, has the agreed columns, finite non-negative numbers, units
and vocabularies from fixed lists, and every study is documented in ``SOURCES.md``.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict

import pytest

from nanotwin._paths import package_data

ORGANS_DIR = package_data("organs")
CSV_FILES = sorted(ORGANS_DIR.glob("*.csv"))

COLUMNS = [
    "study_id", "source", "species", "strain", "sex", "body_weight_g", "particle", "core",
    "hydrodynamic_diameter_nm", "core_diameter_nm", "zeta_mV", "coating", "ligand", "label",
    "route", "dose", "time_h", "time_h_max", "organ", "value", "unit", "sd", "n", "statistic",
    "where", "notes",
]
REQUIRED = ["study_id", "source", "species", "particle", "route", "time_h", "organ", "value",
            "unit", "statistic", "where"]
UNITS = {"%ID", "%ID/g", "%ID/organ", "%ID/kg", "SUV"}
SPECIES = {"mouse", "rat", "human"}
ROUTES = {"iv"}
STATISTICS = {"mean", "median", "min", "max", "individual"}
ORGANS = {
    "blood", "plasma", "liver", "spleen", "lung", "kidney", "heart", "brain", "tumour", "bone",
    "marrow", "skin", "muscle", "uterus", "gi_tract", "remaining_tissues", "carcass", "urine",
    "feces",
}
NON_NEGATIVE = ["body_weight_g", "hydrodynamic_diameter_nm", "core_diameter_nm", "time_h",
                "time_h_max", "value", "sd", "n"]


def _rows(path):
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


def test_there_are_tables_and_a_sources_file():
    assert CSV_FILES, f"no CSV files in {ORGANS_DIR}"
    assert (ORGANS_DIR / "SOURCES.md").is_file()


@pytest.mark.parametrize("path", CSV_FILES, ids=lambda p: p.name)
def test_columns_vocabularies_and_numbers(path):
    header, rows = _rows(path)
    assert header == COLUMNS, f"{path.name}: columns differ from the agreed layout"
    assert rows, f"{path.name} has no rows"
    for i, row in enumerate(rows, start=2):
        where = f"{path.name} line {i}"
        for col in REQUIRED:
            assert row[col].strip(), f"{where}: {col} is empty"
        assert row["unit"] in UNITS, f"{where}: unit {row['unit']!r}"
        assert row["species"] in SPECIES, f"{where}: species {row['species']!r}"
        assert row["route"] in ROUTES, f"{where}: route {row['route']!r}"
        assert row["statistic"] in STATISTICS, f"{where}: statistic {row['statistic']!r}"
        assert row["organ"] in ORGANS, f"{where}: organ {row['organ']!r}"
        for col in NON_NEGATIVE + ["zeta_mV"]:
            if row[col] == "":
                continue
            x = float(row[col])
            assert math.isfinite(x), f"{where}: {col} is not finite"
            if col in NON_NEGATIVE:
                assert x >= 0, f"{where}: {col} is negative"
        if row["n"]:
            assert float(row["n"]).is_integer() and float(row["n"]) >= 1, f"{where}: n"
        if row["time_h_max"]:
            assert float(row["time_h_max"]) > float(row["time_h"]), f"{where}: time window"


def test_every_study_and_file_is_documented():
    sources = (ORGANS_DIR / "SOURCES.md").read_text(encoding="utf-8")
    for path in CSV_FILES:
        assert f"`{path.name}`" in sources, f"{path.name} is not described in SOURCES.md"
        for study in {r["study_id"] for r in _rows(path)[1]}:
            assert f"`{study}`" in sources, f"study {study} is not described in SOURCES.md"


def test_kreyling_series_compartments_add_up_to_the_dose():
    """The unit of the Nano-iPBPK table is inferred from its rows summing to ~100 %.

    If a value were mistyped or the unit misread, a group would fall outside 95-105 %.
    """
    _, rows = _rows(ORGANS_DIR / "rat_au_iv_kreyling_chou2022.csv")
    total = defaultdict(float)
    for r in rows:
        total[(r["particle"], r["time_h"])] += float(r["value"])
    assert len(total) == 10  # five sizes x (1 h, 24 h)
    for key, s in total.items():
        assert 95.0 <= s <= 105.0, f"{key}: compartments sum to {s:.1f} %ID"
