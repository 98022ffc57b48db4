"""Tests of platforms, products and the `nanotwin catalog` CLI."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from nanotwin.catalog import get_platform, get_product, platforms, products
from nanotwin.cli import app
from nanotwin.errors import DesignError

runner = CliRunner()

DESIGN_PLATFORMS = {
    "liposome", "polymeric", "micelle", "dendrimer", "gold", "iron_oxide", "silica",
    "mesoporous_silica", "quantum_dot", "upconversion", "carbon_nanotube", "graphene",
    "graphene_oxide", "carbon_dot", "melanin", "ferritin", "protein_cage", "albumin",
    "lipid_nanoparticle", "exosome", "hybrid", "copper_sulfide", "hdl", "polymer_drug_conjugate",
}


def test_platforms_cover_design_enum_and_have_sources() -> None:
    names = {p.name for p in platforms()}
    assert DESIGN_PLATFORMS <= names
    for p in platforms():
        assert p.source.strip()
        assert 0 < p.size_nm[0] < p.size_nm[1]
        assert p.density_g_cm3 is None or 0.9 < p.density_g_cm3 < 25


def test_products_have_sources_and_plausible_trial_ids() -> None:
    import re

    names = {p.name for p in products()}
    required = {"Doxil", "Abraxane", "Onivyde", "Vyxeos", "Marqibo", "Genexol-PM", "NBTXR3",
                "NanoTherm", "AuroLase", "ThermoDox", "CRLX101", "BIND-014", "CALAA-01",
                "AZD2811", "mRNA-4157", "exoSTING", "Cornell dots", "CPC634"}
    assert required <= names
    for p in products():
        assert p.source.strip() and p.status.strip()
        for tid in p.trial_ids:
            assert re.fullmatch(r"NCT\d{8}", tid), (p.name, tid)
        assert p.platform in DESIGN_PLATFORMS | {"other"}


def test_lookups_and_errors() -> None:
    assert get_product("Caelyx").name == "Doxil"
    assert get_platform("iron-oxide").name == "iron_oxide"
    with pytest.raises(DesignError) as exc:
        get_product("Doxill")
    assert "did you mean Doxil" in str(exc.value)


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (["catalog", "nuclide", "177Lu"], "6.647 d"),
        (["catalog", "nuclide", "F-18"], "keV/decay"),
        (["catalog", "nuclides"], "Tc-99m"),
        (["catalog", "pairs"], "Lu-177"),
        (["catalog", "chelators", "--metal", "Zr"], "DFO*"),
        (["catalog", "chelator", "CHXA-DTPA"], "CHX-A''-DTPA"),
        (["catalog", "platforms"], "g/cm³"),
        (["catalog", "products"], "NCT01696084"),
    ],
)
def test_cli_commands(args: list[str], expect: str) -> None:
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert expect in res.output


@pytest.mark.parametrize("cmd", ["nuclides", "nuclide", "pairs", "chelators", "chelator",
                                 "platforms", "products"])
def test_cli_help(cmd: str) -> None:
    res = runner.invoke(app, ["catalog", cmd, "--help"])
    assert res.exit_code == 0
    assert "Usage" in res.output


@pytest.mark.parametrize("args", [["catalog", "chelator", "DOTAA"],
                                  ["catalog", "nuclide", "Xx-999"],
                                  ["catalog", "chelators", "--metal", "Xx"]])
def test_cli_unknown_names_exit_2_one_line(args: list[str]) -> None:
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    err = res.stderr if hasattr(res, "stderr") else res.output
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("nanotwin: error:")
