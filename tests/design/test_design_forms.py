"""The design form generated from the design schema."""

from __future__ import annotations

from pathlib import Path

import pytest

import nanotwin
from nanotwin.design import forms

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))


def _schema_leaves() -> list[str]:
    """Every leaf property of the design schema as ``Model.field``."""
    schema = nanotwin.design_schema()
    out = []
    for model, node in [("Design", schema), *schema["$defs"].items()]:
        for name, prop in node["properties"].items():
            opts = prop.get("anyOf", [prop])
            is_obj = any("$ref" in o for o in opts)
            is_obj_list = prop.get("type") == "array" and "$ref" in prop.get("items", {})
            if not (is_obj or is_obj_list):
                out.append(f"{model}.{name}")
    return out


def test_every_schema_field_has_an_input_with_help() -> None:
    fields = forms.iter_fields(forms.form_spec())
    assert len(fields) == len(_schema_leaves())
    for f in fields:
        assert f.help.strip(), f"{f.path} has no help"
        assert "\n" not in f.help
        assert f.label


def test_every_number_field_shows_its_unit() -> None:
    for f in forms.iter_fields(forms.form_spec()):
        if f.kind in ("quantity", "number"):
            assert f.unit, f"{f.path} has no unit"
        if f.kind == "quantity":
            assert f.append_unit, f.path


def test_field_help_table_names_only_real_fields() -> None:
    leaves = set(_schema_leaves())
    assert set(forms.FIELD_HELP) <= leaves, set(forms.FIELD_HELP) - leaves


def test_quantity_units_are_what_the_design_stores() -> None:
    # a bare number typed in an input means the unit shown: it must load to the same value
    from nanotwin.units import to_canonical

    for f in forms.iter_fields(forms.form_spec()):
        if f.kind == "quantity":
            assert to_canonical(f"7 {f.append_unit}", f.append_unit, f.path) == pytest.approx(7)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_designs_round_trip_through_the_form(path: Path) -> None:
    """values_for_form -> (the browser posts them) -> form_to_mapping gives the same design."""
    import warnings

    from nanotwin.design import read_design_file

    mapping = read_design_file(path)
    values = forms.values_for_form(mapping)
    back = forms.form_to_mapping(values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nanotwin.DesignWarning)
        a = nanotwin.load_design(mapping)
        b = nanotwin.load_design(back)
    assert a == b


def test_empty_inputs_and_switched_off_groups_are_left_out() -> None:
    m = forms.form_to_mapping({
        "name": "x", "description": "", "nanoparticle.platform": "gold",
        "nanoparticle.hydrodynamic_diameter": "30", "nanoparticle.pdi": "",
        "subject.tumor.model": "4T1",  # tumour group not switched on
        "nanoparticle.coating.peg.__on": "on", "nanoparticle.coating.peg.molecular_weight": "5000",
    })
    assert m == {"name": "x", "nanoparticle": {"platform": "gold",
                                                "hydrodynamic_diameter": "30 nm",
                                                "coating": {"peg": {"molecular_weight":
                                                                    "5000 Da"}}}}


def test_removed_list_items_are_renumbered() -> None:
    m = forms.form_to_mapping({"radiolabels.2.nuclide": "Lu-177", "radiolabels.5.nuclide":
                               "Cu-64", "radiolabels.5.chelator": "NOTA"})
    assert m["radiolabels"] == [{"nuclide": "Lu-177"}, {"nuclide": "Cu-64", "chelator": "NOTA"}]


def test_nested_lists_in_lists() -> None:
    key = "payloads.0.release.gate.triggers.1.kind"
    m = forms.form_to_mapping({"payloads.0.drug": "dox", "payloads.0.drug_loading": "10",
                               "payloads.0.release.gate.__on": "on", key: "ph",
                               "payloads.0.release.gate.triggers.1.threshold": "6.5"})
    assert m["payloads"][0]["release"]["gate"]["triggers"] == [{"kind": "ph",
                                                                "threshold": 6.5}]
    assert forms.find_field(forms.form_spec(), key).options[0] == "ph"


def test_text_with_its_own_unit_is_kept() -> None:
    m = forms.form_to_mapping({"nanoparticle.hydrodynamic_diameter": "0.1 um",
                               "subject.body_weight": "20 g"})
    d = m["nanoparticle"]["hydrodynamic_diameter"], m["subject"]["body_weight"]
    assert d == ("0.1 um", "20 g")
