"""Sphere and organ S-values: OLINDA validation (shared/data) and physics checks."""

from __future__ import annotations

import numpy as np
import pytest

from nanotwin.dosimetry import phantom_masses, s_matrix, s_value, scale_s_value, sphere_s_value
from nanotwin.dosimetry.absorbed_fractions import charged_af_sphere, csda_range
from nanotwin.dosimetry.validation import validate_spheres
from nanotwin.errors import DesignError
from nanotwin.physics import mean_energy_per_decay


def test_lu177_spheres_within_3_percent(shared_data) -> None:
    df = validate_spheres(shared_data, table_310g=False)
    assert len(df) == 75  # 15 masses x 5 compositions
    worst = df.loc[df.rel_error.abs().idxmax()]
    assert df.passed.all(), f"worst {worst.composition} {worst.mass_g} g: {worst.rel_error:.3%}"


def test_310g_spheres_17_nuclides(shared_data) -> None:
    df = validate_spheres(shared_data, lu177=False)
    assert len(df) == 17
    alphas = df[df.tolerance == 0.01]
    assert set(alphas.nuclide) >= {"Ac-225", "Ra-223", "At-211"}
    bad = df[~df.passed]
    assert bad.empty, bad[["nuclide", "rel_error"]].to_string()


def test_csda_ranges_match_estar() -> None:
    # ESTAR (NIST) CSDA ranges in water, g/cm2: 0.01 MeV 2.515e-4, 0.1 MeV 1.431e-2, 1 MeV 0.4367
    np.testing.assert_allclose(csda_range([0.01, 0.1, 1.0], "electron", 0.0),
                               [2.515e-4, 1.431e-2, 0.4367], rtol=0.05)


def test_absorbed_fraction_limits() -> None:
    # huge sphere absorbs everything; tiny sphere lets energetic electrons escape
    assert charged_af_sphere(np.array([2.0]), 100.0, 1.0)[0] > 0.99
    assert charged_af_sphere(np.array([2.0]), 0.01, 1.0)[0] < 0.05
    # large sphere: S ~ all non-penetrating energy / m
    e = mean_energy_per_decay("Y-90")["electrons_total"]
    s = sphere_s_value("Y-90", 1e5, 1.0)
    assert s == pytest.approx(e * 1.602176634e-13 / 100.0, rel=0.02)


def test_alpha_weight_and_progeny() -> None:
    s1 = sphere_s_value("Ac-225", 1.0, alpha_weight=1.0)
    s5 = sphere_s_value("Ac-225", 1.0, alpha_weight=5.0)
    assert 4.5 < s5 / s1 < 5.0
    chain = sphere_s_value("Ac-225", 1.0, progeny=True)
    # four alphas per chain (5.8 + 6.3 + 7.1 + 8.4 MeV) plus betas: about 4.8x the parent
    assert 4.3 < chain / s1 < 5.2
    from nanotwin.physics import chain_branching

    members = sum(f * sphere_s_value(m, 1.0) for m, f in chain_branching("Ac-225").items())
    assert chain == pytest.approx(members, rel=1e-12)
    with pytest.raises(DesignError):
        sphere_s_value("Lu-177", -1.0)


def test_organ_s_values_mouse_and_human() -> None:
    m = phantom_masses("mouse_25g")
    assert m["liver"] == 1.74
    self_liver = s_value("Lu-177", "liver", "liver", "mouse_25g")
    e = mean_energy_per_decay("Lu-177")["electrons_total"] * 1.602176634e-13 / 1.74e-3
    assert 0.9 * e < self_liver < 1.1 * e
    cross = s_value("Lu-177", "liver", "spleen", "mouse_25g")
    assert cross < 0.01 * self_liver
    ds = s_matrix("Lu-177", "adult_female")
    assert ds.S.attrs["units"] == "Gy/(Bq*s)"
    assert float(ds.S_alpha.sum()) == 0.0
    with pytest.raises(DesignError, match="phantom"):
        s_value("Lu-177", "liver", "liver", "rat")
    with pytest.raises(DesignError, match="source"):
        s_value("Lu-177", "livr", "liver", "adult_male")
    # subject masses: bigger liver, lower self S (electrons ~ 1/m)
    s2 = s_value("Lu-177", "liver", "liver", "mouse_25g", organ_masses={"liver": 3.48})
    assert s2 == pytest.approx(self_liver / 2, rel=0.05)
    assert scale_s_value(1.0, 1.0, 8.0, "photon") == pytest.approx(0.25)
