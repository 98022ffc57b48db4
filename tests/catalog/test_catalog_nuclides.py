"""Tests of nuclide lookup (nuclear data from ICRP-107 via nanotwin.physics) and pairs."""

from __future__ import annotations

import pytest

from nanotwin.catalog import medical_nuclides, nuclide_info, theranostic_pairs
from nanotwin.errors import DesignError

LISTED = ["18F", "11C", "64Cu", "67Cu", "68Ga", "67Ga", "89Zr", "86Y", "90Y", "99mTc", "111In",
          "123I", "124I", "125I", "131I", "177Lu", "161Tb", "149Tb", "152Tb", "44Sc", "47Sc",
          "186Re", "188Re", "153Sm", "166Ho", "32P", "203Pb", "212Pb", "212Bi", "213Bi", "211At",
          "223Ra", "225Ac", "227Th"]


def test_all_listed_nuclides_are_medical_and_complete() -> None:
    assert len(LISTED) == 34
    medical = set(medical_nuclides())
    for name in LISTED:
        info = nuclide_info(name)
        assert info.name in medical, name
        assert info.medical
        assert info.half_life_h > 0
        assert info.modalities, name
        assert info.source.strip(), name
        assert abs(sum(info.decay_modes.values()) - 1.0) < 1e-3, name
        assert set(info.modalities) <= {"PET", "SPECT", "therapy", "Cerenkov"}


@pytest.mark.parametrize("spelling", ["Lu-177", "177Lu", "lu177", "LU-177"])
def test_spellings(spelling: str) -> None:
    assert nuclide_info(spelling).name == "Lu-177"


def test_lu177_against_published_values() -> None:
    # ICRP-107 / NNDC: T1/2 = 6.647 d; mean beta- energy 133.6 keV; gammas 208.4 keV (10.4 %)
    # and 112.9 keV (6.2 %). Tolerances cover rounding between evaluations.
    i = nuclide_info("Lu-177")
    assert i.half_life_h / 24 == pytest.approx(6.647, abs=0.002)
    assert i.mean_energy_MeV["beta-"] * 1000 == pytest.approx(133.6, rel=0.01)
    energies = [e for e, _ in i.photon_lines[:2]]
    assert energies[0] == pytest.approx(208.4, abs=0.1)
    assert energies[1] == pytest.approx(112.9, abs=0.2)
    assert i.positron_fraction == 0.0
    assert "therapy" in i.modalities and "SPECT" in i.modalities


def test_positron_emitters() -> None:
    # NNDC: F-18 beta+ 96.73 %, mean 249.8 keV; Ga-68 beta+ 88.9 %, mean 836 keV;
    # Cu-64 beta+ 17.5 %, mean 278 keV.
    f18, ga68, cu64 = nuclide_info("F-18"), nuclide_info("Ga-68"), nuclide_info("Cu-64")
    assert f18.positron_fraction == pytest.approx(0.9673, abs=0.002)
    assert f18.mean_positron_energy_MeV == pytest.approx(0.2498, abs=0.002)
    assert ga68.positron_fraction == pytest.approx(0.889, abs=0.005)
    assert ga68.mean_positron_energy_MeV == pytest.approx(0.836, rel=0.01)
    assert cu64.positron_fraction == pytest.approx(0.175, abs=0.005)
    assert cu64.mean_positron_energy_MeV == pytest.approx(0.278, rel=0.02)
    for i in (f18, ga68, cu64):
        assert "PET" in i.modalities and "PET" in i.derived_modalities


def test_alpha_chain_progeny() -> None:
    ac = nuclide_info("Ac-225")
    assert {"Fr-221", "At-217", "Bi-213"} <= set(ac.progeny)
    assert ac.mean_energy_MeV["alpha"] > 5.0  # 225Ac alphas are 5.6-5.8 MeV


def test_derived_modalities_for_non_medical_nuclides() -> None:
    cs = nuclide_info("Cs-137")
    assert not cs.medical
    assert cs.modalities == cs.derived_modalities
    assert "therapy" in cs.modalities  # beta- in every decay
    tc = nuclide_info("Tc-99m")
    assert "SPECT" in tc.derived_modalities and "PET" not in tc.derived_modalities
    # Cerenkov needs betas above 0.264 MeV: Y-90 (Emax 2.28 MeV) yes, Tc-99m no
    assert nuclide_info("Y-90").cerenkov_betas_per_decay > 0.5
    assert tc.cerenkov_betas_per_decay < 1e-4  # only the 0.0037 % beta- branch


def test_unknown_and_stable_nuclides() -> None:
    with pytest.raises(DesignError) as exc:
        nuclide_info("Lu-1777")
    assert "\n" not in str(exc.value)
    with pytest.raises(DesignError, match="stable"):
        nuclide_info("Hf-177")


def test_pairs_have_sources_and_resolve() -> None:
    pairs = theranostic_pairs()
    assert len(pairs) >= 11
    needed = {("Ga-68", "Lu-177"), ("Cu-64", "Cu-67"), ("I-124", "I-131"), ("I-123", "I-131"),
              ("Y-86", "Y-90"), ("Sc-44", "Sc-47"), ("Tb-152", "Tb-161"), ("Pb-203", "Pb-212"),
              ("Ga-68", "Ac-225"), ("Tc-99m", "Re-188"), ("Zr-89", "Lu-177")}
    assert needed <= {(p.imaging, p.therapy) for p in pairs}
    for p in pairs:
        assert p.source.strip()
        assert nuclide_info(p.imaging).medical and nuclide_info(p.therapy).medical
        if p.kind == "matched":
            assert p.imaging.split("-")[0] == p.therapy.split("-")[0]
