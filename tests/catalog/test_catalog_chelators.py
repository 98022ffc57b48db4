"""Tests of the chelator catalog (nanotwin.catalog.get_chelator and friends)."""

from __future__ import annotations

import pytest

from nanotwin.catalog import chelators, chelators_for, get_chelator
from nanotwin.errors import DesignError


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("CHX-A''-DTPA", "CHX-A''-DTPA"),
        ("CHXA-DTPA", "CHX-A''-DTPA"),
        ("chx-a″-dtpa", "CHX-A''-DTPA"),
        ("DFO", "DFO"),
        ("desferrioxamine", "DFO"),
        ("Deferoxamine", "DFO"),
        ("DFO*", "DFO*"),
        ("dfo-star", "DFO*"),
        ("sar", "sarcophagine"),
        ("SarAr", "sarcophagine"),
        ("DiAmSar", "sarcophagine"),
        ("macropa", "macropa"),
        ("p-SCN-Bn-NOTA", "NOTA"),
        ("nodaga", "NODAGA"),
        ("tcmc", "TCMC"),
        ("HBED-CC", "HBED-CC"),
    ],
)
def test_aliases_resolve(alias: str, canonical: str) -> None:
    assert get_chelator(alias).name == canonical


def test_dfo_holds_zr_not_lu_or_cu() -> None:
    dfo = get_chelator("DFO")
    assert dfo.holds("Zr")
    assert not dfo.holds("Lu")
    assert not dfo.holds("Cu")


def test_chelators_for_zr_and_lu() -> None:
    assert {"DFO", "DFO*"} <= set(chelators_for("Zr"))
    assert "DFO" not in chelators_for("Lu")
    assert "DOTA" in chelators_for("lu")
    assert "macropa" in chelators_for("Ac")
    assert "TCMC" in chelators_for("Pb")
    assert chelators_for("Xx") == []


def test_unknown_chelator_one_line_with_suggestions() -> None:
    with pytest.raises(DesignError) as exc:
        get_chelator("DOTAA")
    msg = str(exc.value)
    assert "\n" not in msg
    assert msg.startswith("chelator 'DOTAA': unknown chelator; did you mean")
    assert "DOTA" in msg and "DOTAGA" in msg


def test_every_chelator_has_source_and_consistent_fields() -> None:
    table = chelators()
    assert len(table) >= 14
    names = [c.name for c in table]
    assert len(names) == len(set(names))
    for c in table:
        assert c.source.strip(), c.name
        assert c.metals, c.name
        assert set(c.weak_metals) <= set(c.metals), c.name
        assert set(c.detachment_half_life_h) >= set(c.metals), c.name
        for metal, t_half in c.detachment_half_life_h.items():
            assert t_half is None or t_half > 0, (c.name, metal)


def test_detachment_half_life_matches_its_stated_derivation() -> None:
    # DOTA/NOTA Cu values are first-order fits to one serum time point (PMC3470735):
    # t1/2 = 48 h ln2 / -ln(f_intact) with f = 0.939 (DOTA) and 0.979 (NOTA).
    import math

    for name, f_intact in (("DOTA", 0.939), ("NOTA", 0.979)):
        expected = 48.0 * math.log(2) / -math.log(f_intact)
        assert get_chelator(name).detachment_half_life("Cu") == pytest.approx(expected, rel=2e-3)


def test_chelator_is_frozen() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        get_chelator("DOTA").name = "X"  # type: ignore[misc]
