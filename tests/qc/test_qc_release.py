"""Specifications, batch records and release decisions."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from nanotwin.errors import DesignError
from nanotwin.qc import decide, default_spec, endotoxin_limit, load_batch, load_spec
from nanotwin.qc.spec import half_life_window, parse_value, product_classes

EX = Path(__file__).resolve().parents[2] / "examples" / "qc"
AT = datetime(2025, 3, 4, 13, 0, tzinfo=UTC)


def _batch(**measurements):
    return load_batch({"batch_id": "T1", "platform": "liposome",
                       "manufactured": "2025-03-04T07:30+01:00", "measurements": measurements})


def test_every_default_limit_has_a_source_and_numbers_only_where_a_source_gives_them():
    for cls in product_classes():
        if cls == "radiolabelled":
            continue
        for radio in (False, True):
            spec = default_spec(cls, radiolabelled=radio)
            for lim in spec.limits:
                assert lim.source.strip(), lim
                if lim.user_set:
                    assert lim.low is None and lim.high is None, lim
                elif lim.kind in ("min", "max", "range"):
                    assert lim.is_set, lim
            # every short source key used is cited in full
            for key in spec.sources:
                assert len(spec.sources[key]) > 20


def test_numbers_that_the_sources_give():
    s = default_spec("liposome")
    assert (s.limit("particulate_10um").high, s.limit("particulate_25um").high) == (6000, 600)
    assert s.limit("residual_ethanol").high == 5000
    assert default_spec("polymeric").limit("residual_dichloromethane").high == 600
    assert endotoxin_limit(max_dose_volume_mL=10.0, radiopharmaceutical=True) == 17.5
    assert endotoxin_limit(max_dose_mL_per_kg_h=1.0) == 5.0
    lo, hi = half_life_window("F-18", 0.046)  # Ph. Eur. 1325: 105-115 min
    assert round(lo * 60) == 105 and round(hi * 60) == 115


def test_platforms_map_to_classes():
    assert default_spec("gold").product_class == "inorganic"
    assert default_spec("micelle").product_class == "polymeric"
    assert default_spec("lipid_nanoparticle").product_class == "lipid_nanoparticle"
    assert "rcp" in default_spec("liposome", radiolabelled=True).attributes
    assert "rcp" not in default_spec("liposome").attributes
    with pytest.raises(DesignError, match="no default specification"):
        default_spec("cheese")


def test_default_spec_alone_never_releases():
    """Guidance leaves size, PDI, ... to the applicant: a batch cannot pass on defaults."""
    d = decide(_batch(z_average="100 nm", pdi=0.1), default_spec("liposome"), at=AT)
    assert d.status == "incomplete"
    assert d.result("z_average").outcome == "limit not set"
    assert d.result("sterility").outcome == "missing"


def test_user_spec_merges_and_checks():
    spec = load_spec({"platform": "liposome",
                      "limits": {"z_average": {"low": "80 nm", "high": "0.12 um"},
                                 "pdi": {"high": 0.2}, "in_vitro_release": {"high": "10 %"}},
                      "drop": [{"attribute": "residual_ethanol", "reason": "no ethanol"}]})
    assert spec.limit("z_average").text() == "80–120 nm"
    assert spec.limit("in_vitro_release").kind == "max"
    assert "residual_ethanol" not in spec.attributes
    assert "FDA-LIPO-2018" in spec.limit("pdi").source  # the test's own source is kept
    for bad, msg in [({"platform": "liposome", "limits": {"pdi": {"low": 0.3, "high": 0.2}}},
                      "above high"),
                     ({"platform": "liposome", "limits": {"pdi": {"max": 0.2}}}, "unknown key"),
                     ({"platform": "liposome", "limits": {"z_averag": {"high": 1}}},
                      "did you mean"),
                     ({"platform": "liposome", "limits": {"z_average": {"high": "5 mV"}}},
                      "cannot be converted"),
                     ({"platform": "liposome", "drop": ["ph"]}, "needs a reason"),
                     ({"limits": {}}, "platform")]:
        with pytest.raises(DesignError, match=msg):
            load_spec(bad)


@pytest.mark.parametrize("value,outcome", [
    ("119 nm", "pass"), ("121 nm", "fail"), ("79.9 nm", "fail"), ("0.1 um", "pass")])
def test_range_limits(value, outcome):
    spec = load_spec({"platform": "liposome", "limits": {"z_average": {"low": "80 nm",
                                                                       "high": "120 nm"}}})
    assert decide(_batch(z_average=value), spec, at=AT).result("z_average").outcome == outcome


def test_qualified_results():
    spec = load_spec({"platform": "liposome", "limits": {"endotoxin": {"high": "17.5 EU/mL"},
                                                         "encapsulation_efficiency":
                                                             {"low": "90 %"}}})
    r = decide(_batch(endotoxin="< 0.5 EU/mL", encapsulation_efficiency="> 95 %"), spec, at=AT)
    assert r.result("endotoxin").outcome == "pass"
    assert r.result("encapsulation_efficiency").outcome == "pass"
    r = decide(_batch(endotoxin="> 20 EU/mL", encapsulation_efficiency="< 99 %"), spec, at=AT)
    assert r.result("endotoxin").outcome == "fail"
    assert r.result("encapsulation_efficiency").outcome == "fail"


def test_example_batch_decision_and_its_reasons():
    """The example batch: every test passes but sterility is pending -> conditional (USP
    <823>); after the ICH Q1E shelf life it is rejected; a failed PDI rejects it."""
    spec = load_spec(EX / "lu177_liposome_spec.yaml")
    batch = load_batch(EX / "lu177_liposome_batch.yaml")
    d = decide(batch, spec, at=AT)
    assert d.status == "conditional", d.reasons
    assert [r.attribute for r in d.results if r.outcome == "pending"] == ["sterility"]
    assert all(r.outcome in ("pass", "pending", "report") for r in d.results)
    assert d.expiry is not None and d.expiry > AT
    late = decide(batch, spec, at=d.expiry.replace(year=2026))
    assert late.status == "rejected" and "shelf life" in late.reasons[-1]
    sterile = batch.model_copy(update={"measurements": tuple(
        m.model_copy(update={"value": "pass"}) if m.attribute == "sterility" else m
        for m in batch.measurements)})
    assert decide(sterile, spec, at=AT).status == "released"
    bad = batch.model_copy(update={"measurements": tuple(
        m.model_copy(update={"value": 0.31}) if m.attribute == "pdi" else m
        for m in batch.measurements)})
    rej = decide(bad, spec, at=AT)
    assert rej.status == "rejected"
    assert rej.reasons == ("polydispersity index (DLS): 0.31 is above the limit ≤ 0.2",)


def test_sterility_pending_without_permission_blocks_release():
    spec = load_spec({"platform": "liposome", "limits": {}})  # not radiolabelled
    d = decide(_batch(sterility="pending"), spec, at=AT)
    assert d.result("sterility").outcome == "pending" and d.status == "incomplete"


def test_batch_record_errors_are_one_line(tmp_path):
    base = {"batch_id": "B", "platform": "liposome", "manufactured": "2025-03-04T07:30+01:00",
            "measurements": {"pdi": 0.1}}
    cases = [({**base, "manufactured": "2025-03-04T07:30"}, "no time zone"),
             ({**base, "measurements": {"pdi": "abc"}}, "cannot read"),
             ({**base, "measurements": {"sterility": "maybe"}}, "pass/fail"),
             ({**base, "colour": "red"}, "unknown key"),
             ({**base, "radioactivity": {"nuclide": "Lu-177", "activity": "1 GBq"}},
              "missing calibration_time"),
             ({**base, "radioactivity": {"nuclide": "Lu-999", "activity": "1 GBq", "volume":
                                         "1 mL", "calibration_time": "2025-03-04T12:00Z"}},
              "unknown nuclide")]
    for data, msg in cases:
        with pytest.raises(DesignError, match=msg) as err:
            load_batch(data)
        assert "\n" not in str(err.value)
    assert load_batch({**base, "manufactured": "2025-03-04T07:30"},
                      tz="Europe/Berlin").manufactured.utcoffset().total_seconds() == 3600
    with pytest.raises(DesignError, match="not found"):
        load_batch(tmp_path / "missing.yaml")


def test_parse_value_units():
    assert parse_value("96.5 %", "rcp") == (96.5, "")
    assert parse_value(0.965, "pdi") == (0.965, "")
    assert parse_value("1 mV", "zeta_potential") == (1.0, "")
    assert parse_value("≤ 10 ppm", "residual_ethanol") == (10.0, "<=")
    with pytest.raises(DesignError, match="give it in EU/mL"):
        parse_value("3 mg", "endotoxin")
