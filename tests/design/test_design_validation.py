"""Design language: parsing with units, one-line errors for bad input, warnings, files, schema."""

from __future__ import annotations

import copy
import json
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nanotwin
from nanotwin import DesignError, DesignWarning, load_design

BASE = {
    "name": "test particle",
    "nanoparticle": {
        "platform": "gold",
        "hydrodynamic_diameter": "30 nm",
        "zeta_potential": "-10 mV",
        "coating": {"peg": {"molecular_weight": "5 kDa", "surface_density": "0.5 /nm^2"}},
        "ligands": [{"name": "cRGD", "kind": "peptide", "target": "integrin avb3",
                     "copies_per_particle": 50, "kd": "10 nM"}],
    },
    "radiolabels": [{"nuclide": "64Cu", "chelator": "NOTA"}],
    "payloads": [{"drug": "doxorubicin", "drug_loading": "10 %",
                  "release": {"burst_fraction": "5 %", "model": "first_order",
                              "k_release": "0.02 1/h"}}],
    "administration": {"route": "iv", "dose_mg_per_kg": "2 mg/kg",
                       "injected_activity": "7.4 MBq"},
    "subject": {"species": "mouse", "body_weight": "25 g",
                "tumor": {"model": "U87MG", "site": "subcutaneous", "volume": "100 mm^3"}},
}


def with_change(path: str, value: object) -> dict:
    """BASE with one field (dotted path; integers index lists) replaced or (value None) removed."""
    data = copy.deepcopy(BASE)
    parts = path.split(".")
    node: object = data
    for p in parts[:-1]:
        node = node[int(p)] if p.isdigit() else node[p]  # type: ignore[index]
    last = parts[-1]
    if value is _DELETE:
        del node[last]  # type: ignore[union-attr]
    elif last.isdigit():
        node[int(last)] = value  # type: ignore[index]
    else:
        node[last] = value  # type: ignore[index]
    return data


_DELETE = object()


def test_base_design_parses_with_canonical_units() -> None:
    d = load_design(BASE)
    assert d.nanoparticle.hydrodynamic_diameter == 30.0
    assert d.nanoparticle.coating.peg.molecular_weight == 5000.0
    assert d.nanoparticle.ligands[0].kd == 10.0
    assert d.radiolabels[0].nuclide == "Cu-64"
    assert d.radiolabels[0].chelator == "NOTA"
    assert d.payloads[0].drug_loading == 10.0
    assert d.payloads[0].release.burst_fraction == pytest.approx(0.05)
    assert d.administration.injected_activity == pytest.approx(7.4)
    assert d.subject.body_weight == pytest.approx(0.025)
    assert d.subject.tumor.volume == pytest.approx(100.0)


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("0.1 um", "hydrodynamic_diameter", 100.0),
        ("1000 angstrom", "hydrodynamic_diameter", 100.0),
        ("-0.02 V", "zeta_potential", -20.0),
        ("1 mCi", "injected_activity", 37.0),
        ("2 d", "weibull_scale", 48.0),
    ],
)
def test_units_are_converted(text: str, field: str, expected: float) -> None:
    if field in ("hydrodynamic_diameter", "zeta_potential"):
        d = load_design(with_change(f"nanoparticle.{field}", text))
        assert getattr(d.nanoparticle, field) == pytest.approx(expected)
    elif field == "injected_activity":
        d = load_design(with_change("administration.injected_activity", text))
        assert d.administration.injected_activity == pytest.approx(expected)
    else:
        rel = {"model": "weibull", "weibull_scale": text, "weibull_shape": 0.8}
        d = load_design(with_change("payloads.0.release", rel))
        assert d.payloads[0].release.weibull_scale == pytest.approx(expected)


# (change path, new value, the field the message must name, a fragment it must contain)
BAD = [
    ("nanoparticle.hydrodynamic_diameter", "-5 nm", "nanoparticle.hydrodynamic_diameter", "> 0"),
    ("nanoparticle.hydrodynamic_diameter", "0 nm", "nanoparticle.hydrodynamic_diameter", "> 0"),
    ("nanoparticle.hydrodynamic_diameter", "30 mV", "nanoparticle.hydrodynamic_diameter",
     "cannot be converted"),
    ("nanoparticle.hydrodynamic_diameter", 30, "nanoparticle.hydrodynamic_diameter", "no unit"),
    ("nanoparticle.hydrodynamic_diameter", "30", "nanoparticle.hydrodynamic_diameter",
     "no unit"),
    ("nanoparticle.hydrodynamic_diameter", "thirty nm", "nanoparticle.hydrodynamic_diameter",
     "cannot read"),
    ("nanoparticle.hydrodynamic_diameter", "30 m", "nanoparticle.hydrodynamic_diameter",
     "outside"),
    ("nanoparticle.hydrodynamic_diameter", _DELETE, "nanoparticle.hydrodynamic_diameter",
     "required"),
    ("nanoparticle.pdi", 1.4, "nanoparticle.pdi", "outside 0–1"),
    ("nanoparticle.pdi", -0.1, "nanoparticle.pdi", "outside 0–1"),
    ("nanoparticle.zeta_potential", "200 mV", "nanoparticle.zeta_potential", "150 mV"),
    ("nanoparticle.zeta_potential", "-0.3 V", "nanoparticle.zeta_potential", "150 mV"),
    ("nanoparticle.zeta_potential", "-10 nm", "nanoparticle.zeta_potential",
     "cannot be converted"),
    ("nanoparticle.platform", "gld", "nanoparticle.platform", "did you mean gold"),
    ("nanoparticle.platform", "lipsome", "nanoparticle.platform", "did you mean liposome"),
    ("nanoparticle.shape", "pyramid", "nanoparticle.shape", "not allowed"),
    ("nanoparticle.aspect_ratio", 0.5, "nanoparticle.aspect_ratio", "outside 1–1000"),
    ("nanoparticle.zeta", "3 mV", "nanoparticle.zeta", "did you mean zeta_potential"),
    ("nanoparticle.coating.peg.molecular_weight", "-2 kDa",
     "nanoparticle.coating.peg.molecular_weight", "must be > 0 and ≤ 100000 Da"),
    ("nanoparticle.coating.membrane_cloak", "banana", "nanoparticle.coating.membrane_cloak",
     "not allowed"),
    ("nanoparticle.ligands.0.kd", "10 mg", "nanoparticle.ligands.0.kd", "cannot be converted"),
    ("nanoparticle.ligands.0.kind", "antibdy", "nanoparticle.ligands.0.kind",
     "did you mean antibody"),
    ("nanoparticle.ligands.0.copies_per_particle", 0, "nanoparticle.ligands.0.copies_per_particle",
     "must be > 0 and ≤ 1e+07"),
    ("radiolabels.0.nuclide", "Lu-178m2", "radiolabels.0.nuclide", "did you mean"),
    ("radiolabels.0.nuclide", "Unobtainium-1", "radiolabels.0.nuclide", "unknown nuclide"),
    ("radiolabels.0.chelator", "DOTAA", "radiolabels.0.chelator", "did you mean"),
    ("radiolabels.0", {"nuclide": "Lu-177", "chelator": "DFO"}, "radiolabels.0.chelator",
     "does not hold Lu"),
    ("radiolabels.0", {"nuclide": "Cu-64", "chelator": "DFO"}, "radiolabels.0.chelator",
     "does not hold Cu"),
    ("radiolabels.0", {"nuclide": "Cu-64"}, "radiolabels.0.chelator", "needs a chelator"),
    ("radiolabels.0", {"nuclide": "Cu-64", "strategy": "chelator_free", "chelator": "NOTA"},
     "radiolabels.0.chelator", "chelator_free"),
    ("radiolabels.0.radiochemical_purity", "120 %", "radiolabels.0.radiochemical_purity",
     "outside 0–1"),
    ("radiolabels.0.strategy", "glue", "radiolabels.0.strategy", "not allowed"),
    ("payloads.0.drug_loading", "150 %", "payloads.0.drug_loading", "outside 0–100 %"),
    ("payloads.0.release", {"model": "weibull"}, "payloads.0.release", "weibull_scale"),
    ("payloads.0.release", {"model": "first_order"}, "payloads.0.release.k_release",
     "needs k_release"),
    ("payloads.0.release.burst_fraction", 1.5, "payloads.0.release.burst_fraction",
     "outside 0–1"),
    ("payloads.0.release.gate", {"combine": "xor", "triggers": [{"kind": "ph",
                                                                  "threshold": 6.5}]},
     "payloads.0.release.gate.combine", "not allowed"),
    ("payloads.0.release.gate", {"combine": "and", "triggers": []},
     "payloads.0.release.gate.triggers", "empty"),
    ("payloads.0.release.gate", {"triggers": [{"kind": "ph", "threshold": 16}]},
     "payloads.0.release.gate.triggers.0.threshold", "between 0 and 14"),
    ("payloads.0.release.gate", {"triggers": [{"kind": "enzyme", "threshold": 1}]},
     "payloads.0.release.gate.triggers.0.enzyme", "enzyme's name"),
    ("administration.dose_mg_per_kg", "-2 mg/kg", "administration.dose_mg_per_kg",
     "outside 0–10000 mg/kg"),
    ("administration.dose_mg_per_kg", "2 mg", "administration.dose_mg_per_kg",
     "cannot be converted"),
    ("administration.injected_activity", "-5 MBq", "administration.injected_activity",
     "outside 0–1e+06 MBq"),
    ("administration.injected_activity", "5 Gy", "administration.injected_activity",
     "cannot be converted"),
    ("administration.particle_number", -1e12, "administration.particle_number", "> 0"),
    ("administration.route", "intranasal", "administration.route", "not allowed"),
    ("subject.species", "dog", "subject.species", "not allowed"),
    ("subject.body_weight", "25 kg", "subject.body_weight", "implausible for a mouse"),
    ("subject.tumor.volume", "-100 mm^3", "subject.tumor.volume", "must be > 0 and ≤ 1e+07"),
    ("subject.tumor.volume", "100 mg", "subject.tumor.volume", "cannot be converted"),
    ("subject.tumor.site", "brain", "subject.tumor.site", "not allowed"),
    ("name", "", "name", "at least 1"),
    ("contrast", [{"agent": "Gd", "mass_fraction": 2.0}], "contrast.0.mass_fraction",
     "outside 0–1"),
    ("contrast", [{"agent": "Plutonium", "mass_fraction": 0.1}], "contrast.0.agent",
     "not allowed"),
]


@pytest.mark.parametrize(("path", "value", "field", "fragment"), BAD,
                         ids=[f"{b[0]}={b[1]!r}"[:60] for b in BAD])
def test_bad_input_gives_one_line_error(path: str, value: object, field: str,
                                        fragment: str) -> None:
    with pytest.raises(DesignError) as info:
        load_design(with_change(path, value))
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{field}:"), message
    assert fragment.lower() in message.lower(), message
    assert isinstance(info.value, ValueError)


def test_at_least_thirty_distinct_bad_inputs() -> None:
    assert len({(b[0], repr(b[1])) for b in BAD}) >= 30


def test_error_names_chelators_that_hold_the_metal() -> None:
    with pytest.raises(DesignError, match="DOTA"):
        load_design(with_change("radiolabels.0", {"nuclide": "Lu-177", "chelator": "DFO"}))


@pytest.mark.parametrize("name", ["Lu-177", "177Lu", "lu177", "LU-177"])
def test_nuclide_spellings(name: str) -> None:
    d = load_design(with_change("radiolabels.0", {"nuclide": name, "chelator": "DOTA"}))
    assert d.radiolabels[0].nuclide == "Lu-177"


def test_short_label_on_long_circulating_particle_warns() -> None:
    data = with_change("radiolabels.0", {"nuclide": "Ga-68", "chelator": "NOTA"})
    with pytest.warns(DesignWarning, match="half-life"):
        load_design(data)


def test_usual_design_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_design(BASE)


def test_large_positive_particle_warns() -> None:
    data = with_change("nanoparticle.zeta_potential", "+45 mV")
    with pytest.warns(DesignWarning, match="MPS"):
        load_design(data)


def test_design_is_frozen_and_copyable() -> None:
    d = load_design(BASE)
    with pytest.raises(Exception, match="frozen"):
        d.name = "other"  # type: ignore[misc]
    d2 = d.model_copy(update={"name": "other"})
    assert d2.name == "other" and d.name == "test particle"


def test_dump_round_trip_with_canonical_numbers() -> None:
    d = load_design(BASE)
    again = load_design(d.model_dump(), canonical_numbers=True)
    assert again == d


@pytest.mark.parametrize("suffix", [".yaml", ".json", ".toml"])
def test_files_in_three_formats(tmp_path, suffix: str) -> None:
    import yaml

    path = tmp_path / f"design{suffix}"
    if suffix == ".yaml":
        path.write_text(yaml.safe_dump(BASE))
    elif suffix == ".json":
        path.write_text(json.dumps(BASE))
    else:
        path.write_text(
            'name = "toml particle"\n[nanoparticle]\nplatform = "liposome"\n'
            'hydrodynamic_diameter = "100 nm"\n[subject]\nspecies = "rat"\n')
    d = load_design(path)
    assert d.nanoparticle.hydrodynamic_diameter in (30.0, 100.0)


@pytest.mark.parametrize(
    ("suffix", "text", "where"),
    [
        (".yaml", "name: x\nnanoparticle:\n  platform: gold\n  size: [30\n", "line 5"),
        (".yaml", "name: x\n  nanoparticle: : :\n", "line 2"),
        (".json", '{"name": "x",\n "nanoparticle": {"platform": "gold",}\n}', "line 2"),
        (".toml", 'name = "x"\n[nanoparticle\nplatform = "gold"\n', "line 2"),
    ],
)
def test_malformed_files_give_line_and_column(tmp_path, suffix: str, text: str,
                                              where: str) -> None:
    path = tmp_path / f"bad{suffix}"
    path.write_text(text)
    with pytest.raises(DesignError) as info:
        load_design(path)
    msg = str(info.value)
    assert "malformed" in msg and where in msg and "column" in msg, msg
    assert "\n" not in msg


def test_unknown_suffix_and_missing_file(tmp_path) -> None:
    p = tmp_path / "design.txt"
    p.write_text("name: x")
    with pytest.raises(DesignError, match="unknown design file type"):
        load_design(p)
    with pytest.raises(DesignError, match="no such file"):
        load_design(tmp_path / "missing.yaml")


def test_file_that_is_not_a_mapping(tmp_path) -> None:
    p = tmp_path / "list.yaml"
    p.write_text("- a\n- b\n")
    with pytest.raises(DesignError, match="mapping"):
        load_design(p)


def test_schema_lists_every_section() -> None:
    schema = nanotwin.design_schema()
    for key in ("nanoparticle", "radiolabels", "contrast", "payloads", "administration",
                "subject"):
        assert key in schema["properties"]
    # text with units is allowed where a quantity is expected
    hd = schema["$defs"]["Nanoparticle"]["properties"]["hydrodynamic_diameter"]
    assert {"type": "string"} in hd.get("anyOf", []), hd


@settings(max_examples=40, deadline=None)
@given(
    d=st.floats(min_value=0.5, max_value=10_000, allow_nan=False),
    z=st.floats(min_value=-150, max_value=150, allow_nan=False),
)
def test_any_legal_size_and_charge_parse_exactly(d: float, z: float) -> None:
    data = with_change("nanoparticle.hydrodynamic_diameter", f"{d!r} nm")
    data["nanoparticle"]["zeta_potential"] = f"{z!r} mV"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DesignWarning)
        design = load_design(data)
    assert design.nanoparticle.hydrodynamic_diameter == pytest.approx(d, rel=1e-12)
    assert design.nanoparticle.zeta_potential == pytest.approx(z, rel=1e-12, abs=1e-12)
