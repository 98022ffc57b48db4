"""FAERS ASCII reader: layout, deduplication by case and version, DELETE files, names."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nanotwin.errors import DataError
from nanotwin.pv.faers import read_faers
from nanotwin.pv.names import is_nanomedicine, normalise_drug_name
from nanotwin.pv.signals import drug_event_counts

MINI = Path(__file__).parent / "data" / "faers_mini"


def test_mini_quarter_keeps_latest_version_and_drops_deleted_cases():
    q = read_faers(MINI)
    assert q.summary == {"demo_rows": 11, "older_versions_dropped": 3,
                         "deleted_cases_dropped": 1, "reports": 7,
                         "drug_rows": q.drug.height, "reaction_rows": q.reac.height}
    kept = dict(zip(q.demo["caseid"].to_list(), q.demo["primaryid"].to_list(), strict=True))
    # version 10 beats version 2 numerically (a text sort would keep version 2)
    assert kept == {"1001": 10012, "1002": 10021, "1003": 10033, "1005": 10051,
                    "1006": 100610, "1007": 10071, "1008": 10081}
    assert "1004" not in kept
    # only the kept versions' drug and reaction rows remain; duplicated PT rows count once
    assert set(q.drug["primaryid"].to_list()) <= set(kept.values())
    assert q.reac.filter(q.reac["primaryid"] == 10081).height == 1


def test_mini_quarter_counts_by_hand():
    counts = drug_event_counts(read_faers(MINI)).to_pandas().set_index(["drug", "pt"])
    assert set(counts["N"]) == {7}
    ppe = counts.loc[("Doxil", "Palmar-plantar erythrodysaesthesia syndrome")]
    assert (ppe.n11, ppe.n_drug, ppe.n_event) == (2, 2, 2)
    psn = counts.loc[("Abraxane", "Peripheral sensory neuropathy")]
    assert (psn.n11, psn.n_drug, psn.n_event) == (2, 2, 2)
    # conventional doxorubicin is not pooled with Doxil; concomitant Abraxane is not counted
    assert ("DOXORUBICIN HYDROCHLORIDE", "Cardiac failure") in counts.index
    assert ("Abraxane", "Thrombocytopenia") not in counts.index
    assert counts.loc[("Vyxeos", "Febrile neutropenia")].n11 == 1


def test_quoted_text_is_plain_text():
    q = read_faers(MINI)
    names = q.drug["drugname"].to_list()
    assert 'DOXORUBICIN HCL LIPOSOME "SUN"' in names


def test_two_quarters_pool_before_deduplication(tmp_path):
    q1 = tmp_path / "25Q1"
    q2 = tmp_path / "25Q2" / "ascii"
    shutil.copytree(MINI, q1)
    q2.mkdir(parents=True)
    # case 1002 comes back in Q2 as version 2 with another reaction
    (q2 / "DEMO25Q2.txt").write_text(
        (MINI / "DEMO25Q1.txt").read_text().splitlines()[0] + "\n"
        "10022$1002$2$F$$$20250111$20250501$EXP$$$$$55$YR$$M$N$$$$$CN$GB$GB\n")
    (q2 / "DRUG25Q2.txt").write_text(
        (MINI / "DRUG25Q1.txt").read_text().splitlines()[0] + "\n"
        "10022$1002$1$PS$DOXORUBICIN$DOXORUBICIN HYDROCHLORIDE$1$$$$$$$$$$$$$\n")
    (q2 / "REAC25Q2.txt").write_text("primaryid$caseid$pt$drug_rec_act\n"
                                     "10022$1002$Cardiomyopathy$\n")
    q = read_faers([q1, tmp_path / "25Q2"])
    assert q.summary["reports"] == 7
    assert 10022 in q.demo["primaryid"].to_list()
    assert q.reac.filter(q.reac["primaryid"] == 10022)["pt"].to_list() == ["Cardiomyopathy"]


def test_missing_folder_and_columns_give_one_line(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_faers(tmp_path / "nope")
    with pytest.raises(DataError, match="no DEMO, DRUG, REAC file"):
        read_faers(tmp_path)
    bad = tmp_path / "bad"
    shutil.copytree(MINI, bad)
    (bad / "DEMO25Q1.txt").write_text("primaryid,caseid,caseversion\n1,1,1\n")
    with pytest.raises(DataError, match="lacks column") as err:
        read_faers(bad)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("name,product", [
    ("DOXIL", "Doxil"), ("Caelyx", "Doxil"), ("LIPODOX", "Doxil"),
    ("DOXORUBICIN HCL LIPOSOME INJECTION", "Doxil"),
    ("DOXIL (DOXORUBICIN HYDROCHLORIDE) LIPOSOME", "Doxil"),
    ("non-pegylated liposomal doxorubicin", "Myocet"), ("MYOCET", "Myocet"),
    ("ABRAXANE", "Abraxane"), ("NAB-PACLITAXEL", "Abraxane"), ("nab paclitaxel", "Abraxane"),
    ("PACLITAXEL PROTEIN-BOUND PARTICLES (ALBUMIN-BOUND)", "Abraxane"),
    ("ONIVYDE", "Onivyde"), ("IRINOTECAN LIPOSOME INJECTION", "Onivyde"), ("MM-398", "Onivyde"),
    ("VYXEOS", "Vyxeos"), ("CPX-351", "Vyxeos"), ("DAUNORUBICIN AND CYTARABINE LIPOSOME", "Vyxeos"),
    ("MARQIBO", "Marqibo"), ("VINCRISTINE SULFATE LIPOSOME INJECTION", "Marqibo"),
    ("FERAHEME", "Feraheme"), ("ferumoxytol", "Feraheme"),
])
def test_nanomedicine_spellings_map_to_catalog_products(name, product):
    from nanotwin.catalog import get_product

    assert normalise_drug_name(name) == product
    assert get_product(product).name == product  # a real catalog entry


@pytest.mark.parametrize("name,ai,expected", [
    ("DOXORUBICIN", "DOXORUBICIN HYDROCHLORIDE", "DOXORUBICIN HYDROCHLORIDE"),
    ("PACLITAXEL", "PACLITAXEL", "PACLITAXEL"), ("TAXOL", "PACLITAXEL", "PACLITAXEL"),
    ("IRINOTECAN", "", "IRINOTECAN"), ("  vincristine   sulfate ", None, "VINCRISTINE SULFATE"),
])
def test_conventional_parent_drugs_are_not_nanomedicines(name, ai, expected):
    assert normalise_drug_name(name, ai) == expected
    assert not is_nanomedicine(name)
