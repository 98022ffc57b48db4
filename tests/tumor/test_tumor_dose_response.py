"""Micro-dosimetry, response, photothermal heating and radiosensitisation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nanotwin.physics.dose_point_kernel import emitted_energy
from nanotwin.tumor import microdose as mdm
from nanotwin.tumor import response as rs
from nanotwin.tumor.radiosensitization import (
    WATER,
    dose_enhancement_factor,
    mass_energy_absorption,
)
from nanotwin.tumor.thermal import Laser, arrhenius_survival, cem43, photothermal


@pytest.mark.parametrize("nuc,comp,h", [("Ac-225", "alpha", 2e-4), ("Lu-177", "electron", 5e-4)])
def test_line_kernel_conserves_emitted_energy(nuc, comp, h):
    W = mdm.line_kernel(nuc, comp, h, (40, 40), 0.3)
    E = emitted_energy(nuc, (comp,), progeny=True) * mdm.MEV_CM3_TO_GY
    assert W.sum() == pytest.approx(E, rel=0.02)


def test_dose_map_uniform_activity_gives_mird_sphere_dose():
    from nanotwin.dosimetry.svalues import absorbed_energy_per_decay

    a = np.full((24, 24), 3e8)  # decays per cm^3
    d = mdm.dose_map(a, "Lu-177", 5e-4, 1.0, progeny=False)
    e = dict(absorbed_energy_per_decay("Lu-177", 1.0, density_g_cm3=1.0))
    E_abs = sum(e.values())
    assert d["total"].mean() == pytest.approx(3e8 * E_abs * mdm.MEV_CM3_TO_GY, rel=1e-6)
    assert np.ptp(d["total"]) < 1e-6 * d["total"].mean()


def test_alpha_dose_is_local_and_beta_spreads():
    a = np.zeros((60, 60))
    a[30, 30] = 1e12
    h = 5e-4
    al = mdm.dose_map(a, "Ac-225", h, 0.2)["alpha"]
    lu = mdm.dose_map(a, "Lu-177", h, 0.2)["electron"]
    r = np.hypot(*np.meshgrid(np.arange(60) - 30, np.arange(60) - 30, indexing="ij")) * h
    far = r > 0.012  # beyond 120 um: no Ac-225 alpha reaches (max range ~85 um)
    assert al[far].max() < 1e-6 * al.max()
    assert lu[far].max() > 1e-3 * lu.max()


def test_dvh_and_fraction_below():
    d = np.array([0.5, 1.0, 2.0, 4.0])
    w = np.array([1.0, 1.0, 1.0, 1.0])
    levels, v = mdm.dvh(d, w, bins=5)
    assert v[0] == 1.0 and np.all(np.diff(v) <= 0)
    assert mdm.fraction_below(d, w, 1.5) == 0.5


def test_protracted_bed_equals_dosimetry_bed_for_exponential_dose_rate():
    from nanotwin.dosimetry import bed

    lam = math.log(2) / 40.0
    t = np.linspace(0.0, 60.0, 3001)
    R = 0.5 * np.exp(-lam * t)
    D, B = rs.protracted_bed(t, R, 10.0, 1.5, tail_lambda_h=lam)
    assert D == pytest.approx(0.5 / lam, rel=1e-6)
    assert B == pytest.approx(bed(D, 10.0, 40.0, 1.5), rel=1e-5)


def test_lq_survival_alpha_rbe_and_heterogeneity():
    rb = rs.Radiobiology(sigma_alpha=0.0)
    assert rs.survival(0.0, 1.0, rb=rb) == pytest.approx(math.exp(-5 * 0.35))
    # inter-cell heterogeneity raises the mean survival (Jensen: exp is convex)
    het = rs.survival(6.0, rb=rs.Radiobiology())
    hom = rs.survival(6.0, rb=rb)
    assert het > hom
    assert rs.tcp([1e-7], [1e7]) == pytest.approx(math.exp(-1.0))


def test_growth_delay_of_instant_kill_is_doubling_time_log2_of_survival():
    gm = rs.GrowthModel(T_d_h=96.0, T_clear_h=1e-3)
    t = np.linspace(0.0, 2000.0, 20001)
    S = 0.01
    L = np.where(t >= 1.0, -math.log(S), 0.0)  # kill at 1 h
    V = rs.growth_curve(t, L, gm=gm)
    t_r = rs.time_to_regrowth(t, V, 2.0)
    V0 = rs.growth_curve(t, np.zeros_like(t), gm=gm)
    t_c = rs.time_to_regrowth(t, V0, 2.0)
    assert t_c == pytest.approx(96.0, rel=1e-3)
    assert t_r - t_c == pytest.approx(96.0 * math.log2(1 / S), rel=0.01)


def test_gompertz_saturates():
    gm = rs.GrowthModel(model="gompertz", T_d_h=96.0, K_over_V0=10.0)
    t = np.linspace(0.0, 5000.0, 501)
    V = rs.growth_curve(t, np.zeros_like(t), gm=gm)
    assert V[-1] == pytest.approx(10.0, rel=0.02)
    assert np.all(np.diff(V) >= -1e-9)


def test_emax_survival():
    t = np.array([0.0, 5.0, 10.0])
    C = np.full((3, 2), [0.0, 1e6])
    S = rs.emax_survival(t, C, 1.0, 0.1)
    assert S[0] == 1.0 and S[1] == pytest.approx(math.exp(-1.0), rel=1e-5)


def test_mass_energy_absorption_against_nist():
    # NIST SRD 126 (Hubbell & Seltzer 1995): water 100 keV / 1 MeV; gold 30 keV ... 1 MeV
    assert mass_energy_absorption(WATER, [100.0, 1000.0]) == pytest.approx(
        [0.02546, 0.03103], rel=0.02)
    E = [30.0, 50.0, 100.0, 200.0, 500.0, 1000.0]
    nist = [23.49, 6.124, 2.074, 0.5563, 0.08523, 0.03525]
    assert mass_energy_absorption("Au", E) == pytest.approx(nist, rel=0.06)


def test_dose_enhancement_is_linear_in_mass_fraction_and_low_at_mv():
    d1 = float(dose_enhancement_factor("Au", 0.005, 100.0))
    d2 = float(dose_enhancement_factor("Au", 0.010, 100.0))
    assert d2 - 1 == pytest.approx(2 * (d1 - 1), rel=1e-9)
    assert float(dose_enhancement_factor("Au", 0.01, 6000.0)) < 1.02
    assert float(dose_enhancement_factor("Gd", 0.01, 60.0)) > 1.5


def test_cem43_and_arrhenius():
    assert float(cem43(np.array([45.0]), 60.0)) == pytest.approx(4.0)
    assert float(cem43(np.array([41.0]), 60.0)) == pytest.approx(0.0625)
    s_hot = float(arrhenius_survival(np.array([60.0]), 60.0))
    s_warm = float(arrhenius_survival(np.array([42.0]), 60.0))
    assert s_hot < 1e-3 < 0.99 < s_warm


def test_photothermal_heats_with_absorber_and_scales():
    kw = dict(perfusion_tumor_per_s=0.2 / 60, perfusion_normal_per_s=0.03 / 60,
              spacing_cm=0.05, size_cm=(1.0, 1.5), dt_s=5.0)
    none = photothermal(Laser(2.0, 120.0), 0.0, 0.3, sigma_abs_cm2=1e-10, **kw)
    some = photothermal(Laser(2.0, 120.0), 1e10, 0.3, sigma_abs_cm2=1e-10, **kw)
    dark = photothermal(Laser(0.0, 120.0), 1e10, 0.3, sigma_abs_cm2=1e-10, **kw)
    assert abs(dark.delta_T_max) < 0.5  # no laser: only the resting temperature field
    assert some.delta_T_max > none.delta_T_max > 0
    assert np.all(np.diff(some.T_tumor_max) >= -1e-9)
