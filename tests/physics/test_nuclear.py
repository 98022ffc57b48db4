"""Tests of nanotwin.physics.nuclear against radioactivedecay and published ICRP-107 values."""

from __future__ import annotations

import math

import numpy as np
import pytest
import radioactivedecay as rd

from nanotwin.errors import DesignError
from nanotwin.physics import (
    activities,
    beta_spectrum,
    canonical_nuclide,
    chain_branching,
    cumulated_decays,
    data_release,
    decay_correct,
    decay_factor,
    decay_modes,
    element,
    emissions,
    half_life,
    mean_energy_per_decay,
    mean_positron_energy,
    photon_lines,
    positron_fraction,
    progeny,
)

CHAINS = ["Lu-177", "Ac-225", "Pb-212", "Mo-99", "Zr-89"]
TIMES_H = [0.0, 0.5, 3.0, 24.0, 100.0, 1000.0]


@pytest.mark.parametrize(
    ("text", "canon"),
    [("Lu-177", "Lu-177"), ("177Lu", "Lu-177"), ("lu177", "Lu-177"), ("LU-177", "Lu-177"),
     ("Tc-99m", "Tc-99m"), ("99mTc", "Tc-99m"), ("tc99m", "Tc-99m"), (" Ac-225 ", "Ac-225")],
)
def test_name_variants(text: str, canon: str) -> None:
    assert canonical_nuclide(text) == canon


def test_unknown_nuclide_one_line_with_suggestions() -> None:
    with pytest.raises(DesignError) as exc:
        canonical_nuclide("Lu-178m2")
    msg = str(exc.value)
    assert "\n" not in msg
    assert "Lu-178m" in msg and "did you mean" in msg and "177Lu" in msg


def test_element_and_half_life() -> None:
    assert element("99mTc") == "Tc"
    # ICRP-107: Lu-177 6.647 d, F-18 109.77 min
    assert half_life("Lu-177", "d") == pytest.approx(6.647, rel=1e-9)
    assert half_life("F-18", "min") == pytest.approx(109.77, rel=1e-9)
    with pytest.raises(DesignError):
        half_life("Lu-177", "fortnight")


@pytest.mark.parametrize("nuclide", CHAINS)
def test_activities_equal_radioactivedecay(nuclide: str) -> None:
    A0 = 3.7
    got = activities(nuclide, TIMES_H, A0=A0)
    inv = rd.Inventory({nuclide: A0}, "Bq")
    for i, t in enumerate(TIMES_H):
        ref = inv.decay(t, "h").activities("Bq")
        for m, a in got.items():
            expect = float(ref.get(m, 0.0))
            assert a[i] == pytest.approx(expect, rel=1e-9, abs=1e-300)
        # every radioactive member radioactivedecay reports is present
        for m, a in ref.items():
            if a > 0 and not math.isinf(rd.Nuclide(str(m)).half_life()):
                assert str(m) in got


def test_progeny_chains() -> None:
    assert progeny("Lu-177") == []
    assert set(progeny("Ac-225")) >= {"Fr-221", "At-217", "Bi-213", "Po-213", "Tl-209", "Pb-209"}
    assert set(progeny("Pb-212")) == {"Bi-212", "Po-212", "Tl-208"}
    assert "Tc-99m" in progeny("Mo-99")
    assert "Pb-208" not in progeny("Pb-212")


@pytest.mark.parametrize("nuclide", CHAINS)
def test_cumulated_decays_finite_equal_radioactivedecay(nuclide: str) -> None:
    got = cumulated_decays(nuclide, 48.0, A0_Bq=2.0)
    ref = rd.Inventory({nuclide: 2.0}, "Bq").cumulative_decays(48.0, "h")
    for m, n in got.items():
        assert n == pytest.approx(float(ref.get(m, 0.0)), rel=1e-9, abs=1e-300)


def test_cumulated_decays_infinite_is_analytic() -> None:
    # Physical decay only: TIA = A0 T½ / ln 2
    n = cumulated_decays("Lu-177", math.inf, A0_Bq=5.0)
    assert n["Lu-177"] == 5.0 * half_life("Lu-177", "s") / math.log(2)
    n = cumulated_decays("Pb-212", math.inf)
    b = chain_branching("Pb-212")
    assert b["Bi-212"] == pytest.approx(1.0)
    assert b["Po-212"] + b["Tl-208"] == pytest.approx(1.0)
    assert n["Po-212"] == pytest.approx(n["Pb-212"] * b["Po-212"])
    # long finite horizon approaches the infinite total
    long = cumulated_decays("Pb-212", 2000.0)
    for m in n:
        assert long[m] == pytest.approx(n[m], rel=1e-6)


def test_decay_factor_and_correction() -> None:
    T = half_life("Tc-99m")
    assert decay_factor("Tc-99m", T) == pytest.approx(0.5, rel=1e-12)
    v = decay_correct([0.25, 1.0], [2 * T, 0.0], "Tc-99m")
    np.testing.assert_allclose(v, [1.0, 1.0], rtol=1e-12)
    with pytest.raises(DesignError):
        decay_correct([1.0, 2.0], [1.0], "Tc-99m")
    with pytest.raises(DesignError):
        activities("Lu-177", [-1.0])


def test_lu177_total_electron_energy() -> None:
    # ICRP-107 / MIRD: Lu-177 electrons (beta + IC + Auger) 147.9 keV per decay
    e = mean_energy_per_decay("Lu-177")
    assert e["electrons_total"] * 1000 == pytest.approx(147.9, rel=0.01)
    assert e["alpha"] == 0.0


def test_tc99m_140_kev_line() -> None:
    lines = photon_lines("Tc-99m")
    top = lines.iloc[0]
    assert top["energy_MeV"] * 1000 == pytest.approx(140.5, abs=0.1)
    assert top["yield"] == pytest.approx(0.89, abs=0.01)


def test_y90_beta_mean_energy_and_spectrum() -> None:
    # ICRP-107: Y-90 mean beta energy 933 keV per decay
    e = mean_energy_per_decay("Y-90")["beta-"]
    assert e * 1000 == pytest.approx(933.0, rel=0.01)
    E, dN = beta_spectrum("Y-90")
    assert float(np.trapezoid(dN, E)) == pytest.approx(1.0, rel=0.01)
    assert float(np.trapezoid(dN * E, E)) == pytest.approx(e, rel=0.01)
    E2, _ = beta_spectrum("Tc-99m", "beta+")
    assert E2.size == 0
    with pytest.raises(DesignError):
        beta_spectrum("Y-90", "gamma")


def test_emissions_table_and_positrons() -> None:
    df = emissions("Cu-64")
    assert set(df.radiation) <= {"alpha", "beta-", "beta+", "electron", "X", "gamma",
                                 "annihilation"}
    assert list(df.columns) == ["radiation", "energy_MeV", "yield_per_decay"]
    # ICRP-107: F-18 96.73 % beta+, mean positron energy 249.8 keV
    assert positron_fraction("F-18") == pytest.approx(0.9673, abs=2e-4)
    assert mean_positron_energy("F-18") * 1000 == pytest.approx(249.8, rel=0.005)
    # split Cu-64 beta spectrum integrates to the yields of each kind
    for kind in ("beta-", "beta+"):
        E, dN = beta_spectrum("Cu-64", kind)
        yld = df[df.radiation == kind].yield_per_decay.sum()
        assert float(np.trapezoid(dN, E)) == pytest.approx(yld, rel=0.02)


def test_decay_modes_and_release() -> None:
    assert decay_modes("Cu-64") == pytest.approx({"EC/beta+": 0.61, "beta-": 0.39})
    assert decay_modes("Ac-225") == {"alpha": 1.0}
    assert "ICRP-107" in data_release()
