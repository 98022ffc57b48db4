"""Tests of nanotwin.physics.dose_point_kernel: energy conservation, scaling, shapes, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nanotwin.errors import DesignError
from nanotwin.physics import mean_energy_per_decay
from nanotwin.physics.dose_point_kernel import (
    ELECTRON_DETOUR,
    alpha_stopping_power,
    csda_range_water,
    dose_point_kernel,
    electron_stopping_power,
    emitted_energy,
    energy_within,
    line_energy_within,
    shell_dose,
)

GY_PER_MEV_G = 1.602176634e-10
# from 1 pm to 100 m: every electron/alpha line of ICRP-107 starts and ends inside this grid
R_FINE = np.geomspace(1e-10, 1e4, 40000)

CASES = [("Lu-177", "electron"), ("Lu-177", "photon"), ("Y-90", "electron"),
         ("I-131", "electron"), ("I-131", "photon"), ("F-18", "electron"),
         ("F-18", "photon"), ("Tc-99m", "electron"), ("Tc-99m", "photon"),
         ("In-111", "electron"), ("In-111", "photon"), ("I-125", "electron"),
         ("Ac-225", "alpha"), ("At-211", "alpha"), ("Cu-64", "electron")]


def _integral(nuclide: str, comp: str, rho: float = 1.0) -> float:
    """∫ 4π r² ρ D(r) dr over all space, in MeV per decay."""
    D = dose_point_kernel(nuclide, R_FINE, density_g_cm3=rho, components=(comp,))
    return float(np.trapezoid(D / GY_PER_MEV_G * 4 * math.pi * R_FINE**2 * rho, R_FINE))


@pytest.mark.parametrize(("nuclide", "comp"), CASES)
def test_kernel_integrated_over_space_returns_the_emitted_energy(nuclide, comp):
    # Tolerance 1 %: the numerical quadrature of a kernel with a step at each line's range and
    # (photons) Monte Carlo noise of the scattered part.
    emitted = emitted_energy(nuclide, (comp,))
    assert emitted > 0
    assert _integral(nuclide, comp) == pytest.approx(emitted, rel=0.01)


@pytest.mark.parametrize(("nuclide", "comp"), CASES)
def test_energy_within_a_large_sphere_is_the_emitted_energy(nuclide, comp):
    # exact for charged particles (beta spectra are normalised to the .RAD mean energy); the
    # photon Monte Carlo's scattered energy is normalised to what the first collision leaves
    e = energy_within(nuclide, [1e5], components=(comp,))[0]
    assert e == pytest.approx(emitted_energy(nuclide, (comp,)), rel=1e-6)


def test_emitted_energy_matches_icrp107_means():
    m = mean_energy_per_decay("Cu-64")
    assert emitted_energy("Cu-64") == pytest.approx(m["electrons_total"] + m["photons_total"])
    recoil = mean_energy_per_decay("Ac-225")["alpha_recoil"]
    assert recoil > 0 and emitted_energy("Ac-225", ("recoil",)) == pytest.approx(recoil)
    assert energy_within("Ac-225", [1e-7], components=("recoil",))[0] == pytest.approx(recoil)


def test_kernel_is_derivative_of_energy_within():
    r = np.geomspace(1e-4, 0.3, 400)
    for nuc, comp in (("Lu-177", "electron"), ("I-131", "photon"), ("At-211", "alpha")):
        e = energy_within(nuc, r, components=(comp,))
        rm = np.sqrt(r[1:] * r[:-1])
        D = dose_point_kernel(nuc, rm, components=(comp,)) / GY_PER_MEV_G
        dE = np.diff(e)
        pred = D * 4 * math.pi * rm**2 * np.diff(r)
        ok = dE > 1e-3 * dE.max()
        assert np.median(np.abs(pred[ok] / dE[ok] - 1)) < 0.02


@pytest.mark.parametrize("rho", [0.26, 1.92])
def test_density_scaling(rho):
    # O'Connor: D_rho(r) = rho^2 D_1(rho r); energy within r at rho = energy within rho r at 1
    r = np.array([1e-4, 1e-2, 0.1, 1.0, 10.0])
    for comp in ("electron", "photon"):
        d_rho = dose_point_kernel("I-131", r, density_g_cm3=rho, components=(comp,))
        d_1 = dose_point_kernel("I-131", rho * r, components=(comp,))
        np.testing.assert_allclose(d_rho, rho**2 * d_1, rtol=1e-12)
        np.testing.assert_allclose(energy_within("I-131", r, density_g_cm3=rho,
                                                 components=(comp,)),
                                   energy_within("I-131", rho * r, components=(comp,)),
                                   rtol=1e-12)
    assert _integral("Y-90", "electron", rho) == pytest.approx(
        emitted_energy("Y-90", ("electron",)), rel=0.01)


def test_shell_dose_is_the_shell_average_of_the_kernel():
    edges = np.array([0.0, 0.005, 0.01, 0.02, 0.05])
    d = shell_dose("Lu-177", edges, components=("electron",))
    for i in range(1, edges.size - 1):
        r = np.linspace(edges[i], edges[i + 1], 2001)
        k = dose_point_kernel("Lu-177", r, components=("electron",))
        mean = np.trapezoid(k * r**2, r) / np.trapezoid(r**2, r)
        assert d[i] == pytest.approx(mean, rel=0.005)
    # innermost shell: all energy deposited within 50 µm over its mass
    e = energy_within("Lu-177", [edges[1]], components=("electron",))[0]
    assert d[0] == pytest.approx(e * GY_PER_MEV_G / (4 / 3 * math.pi * edges[1] ** 3))


def test_electron_line_stops_at_detour_times_csda_range():
    E = 0.5
    R = float(csda_range_water(E))
    e = line_energy_within("electron", [E], [0.99 * ELECTRON_DETOUR * R,
                                            1.01 * ELECTRON_DETOUR * R])[:, 0]
    assert e[0] < E and e[1] == pytest.approx(E)
    straight = line_energy_within("electron", [E], [0.99 * R, 1.01 * R],
                                  electron_detour=1.0)[:, 0]
    assert straight[0] < E and straight[1] == pytest.approx(E)


def test_alpha_kernel_has_a_bragg_peak_and_ends_at_the_csda_range():
    E = 5.0
    R = float(csda_range_water(E, "alpha"))
    r = np.linspace(0.02, 0.999, 200) * R
    D = dose_point_kernel("Am-241", r, components=("alpha",))
    # r² D = S(E(r)) / 4π: rises along the track to the Bragg maximum near the end
    s = D * r**2
    i = int(np.argmax(s))
    assert r[i] > 0.8 * R and s[i] > 2 * s[0]
    assert dose_point_kernel("Am-241", [1.2 * csda_range_water(5.6, "alpha")],
                             components=("alpha",))[0] == 0.0


def test_stopping_power_tables():
    # ICRU 49 (ASTAR) liquid-water Bragg peak 2262 MeV cm²/g at 0.7-0.75 MeV
    E = np.geomspace(0.01, 8, 500)
    S = alpha_stopping_power(E)
    assert 0.6 < E[np.argmax(S)] < 0.85 and S.max() == pytest.approx(2262, rel=0.002)
    # ESTAR water at 1 MeV: collision stopping 1.849 MeV cm²/g, CSDA range 0.4367 g/cm²
    # (Bethe without density effect: +1.3 %)
    assert float(electron_stopping_power(1.0)) == pytest.approx(1.849, rel=0.02)
    assert float(csda_range_water(1.0)) == pytest.approx(0.4367, rel=0.01)


def test_photon_kernel_near_the_source_is_the_primary_kernel():
    # within a small fraction of a mean free path, dose = E μ_tr / (4π r²) + a small buildup
    r = np.array([1e-3, 1e-2])
    d = dose_point_kernel("F-18", r, components=("photon",)) / GY_PER_MEV_G
    from nanotwin.physics.dose_point_kernel import _kn_transfer_fraction, _mu_parts

    E = np.array([0.511])
    mu_pe, mu_inc, mu_coh = _mu_parts(E)
    mu_tr = float(mu_pe[0] + mu_inc[0] * _kn_transfer_fraction(E)[0])
    Y = emitted_energy("F-18", ("photon",)) / 0.511
    primary = Y * 0.511 * mu_tr / (4 * math.pi * r**2)
    ratio = d / primary
    assert np.all(ratio >= 0.99) and np.all(ratio < 1.05)
    # beyond several mean free paths the scattered photons (buildup) dominate
    far = dose_point_kernel("F-18", [60.0], components=("photon",))[0] / GY_PER_MEV_G
    mu_t = float(mu_pe[0] + mu_inc[0] + mu_coh[0])
    assert far > 2 * Y * 0.511 * mu_tr * math.exp(-mu_t * 60) / (4 * math.pi * 3600)


def test_beta_kernel_decreases_and_vanishes_beyond_the_maximum_range():
    r = np.geomspace(1e-5, 0.5, 60)
    d = dose_point_kernel("Lu-177", r, components=("electron",))
    assert np.all(d[:-1] >= d[1:])
    # Lu-177 beta endpoint 0.498 MeV; the longest IC line is ~0.21 MeV
    rmax = ELECTRON_DETOUR * float(csda_range_water(0.5))
    assert dose_point_kernel("Lu-177", [1.05 * rmax], components=("electron",))[0] == 0.0


def test_micrometre_scale_auger_kernel():
    # I-125 deposits most of its electron energy within a few µm (Auger / IC electrons)
    e = energy_within("I-125", [1e-5, 1e-4, 1e-3, 3e-3], components=("electron",))
    tot = emitted_energy("I-125", ("electron",))
    assert np.all(np.diff(e) > 0) and 0.1 < e[0] / tot < e[2] / tot < 1.0
    assert np.all(dose_point_kernel("I-125", [1e-5, 1e-4], components=("electron",)) > 0)


def test_progeny_adds_chain_members():
    r = np.array([10e-4, 50e-4])
    parent = dose_point_kernel("Ac-225", r, components=("alpha",))
    chain = dose_point_kernel("Ac-225", r, components=("alpha",), progeny=True)
    assert np.all(chain > 2 * parent)
    assert emitted_energy("Ac-225", ("alpha",), progeny=True) == pytest.approx(
        energy_within("Ac-225", [1.0], components=("alpha",), progeny=True)[0])


@pytest.mark.parametrize("kw", [{"r_cm": [0.0]}, {"r_cm": [-1.0]}, {"r_cm": "x"},
                                {"density_g_cm3": 0}, {"components": ("neutron",)},
                                {"electron_detour": 1.5}])
def test_bad_input_is_one_clear_error(kw):
    args = {"r_cm": [0.1], **kw}
    with pytest.raises(DesignError):
        dose_point_kernel("Lu-177", **args)
    with pytest.raises(DesignError):
        shell_dose("Lu-177", [0.2, 0.1])
