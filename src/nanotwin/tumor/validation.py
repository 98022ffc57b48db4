"""``nanotwin validation tumor``: analytic checks and comparisons with published numbers.

Every row is computed when called (nothing here is a stored answer); docs/tumor.md lists the
sources and what each comparison can and cannot show.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

__all__ = ["analytic_checks", "pbpk_consistency", "penetration_checks", "nuclide_contrast",
           "ptt_hirsch", "radiosensitization_bassiri", "growth_delay_check", "run_all"]

UM = 1e-4


def _const_plasma(C: float, t_end: float) -> Any:
    from nanotwin.tumor.plasma import PlasmaInput

    t = np.array([0.0, t_end])
    c = np.array([C, C])
    return PlasmaInput(t, c, c * 0.55, None, None, None, 0.45, "constant")


def _bare(**kw: Any) -> Any:
    from nanotwin.tumor.properties import TransportParameters

    base = dict(d_nm=11.0, D=2e-4, epsilon=0.4, P=1.0, sigma=1.0, W=0.0, k_on=0.0, k_off=0.0,
                k_int=0.0, b_max=0.0, k_mac=0.0, k_mac_release=0.0, k_mac_deg=0.0, m_max=1.0,
                v_blood=0.05, hematocrit=0.45, convection=False)
    base.update(kw)
    return TransportParameters(**base)


def analytic_checks() -> list[dict[str, Any]]:
    """Krogh steady state, binding-site-barrier radius, moving front, slab IFP: relative errors."""
    from nanotwin.tumor import analytic
    from nanotwin.tumor.tissue import krogh_cylinder, vessel_network
    from nanotwin.tumor.transport import pressure_field, simulate_tumor, steady_state

    rows = []
    t = krogh_cylinder(10.0, 80.0, n_cells=300)
    C = steady_state(t, 3e-4, 0.4, 0.05, 1.0, k_loss=30.0)
    ex = analytic.krogh_steady_state(t.coords[:, 0], 10 * UM, 80 * UM, 3e-4, 0.4, 0.05, 30.0,
                                     1.0)
    rows.append({"check": "Krogh steady state (Bessel I0/K0), max |error| / max",
                 "value": float(np.max(np.abs(C - ex)) / ex.max())})
    r_v, R = 10 * UM, 120 * UM
    t = krogh_cylinder(10.0, 120.0, n_cells=220)
    D, eps, P, k_int, b_max, Cp = 1.5e-4, 0.4, 5.0, 0.5, 20.0, 0.2
    sol = simulate_tumor(tissue=t, params=_bare(D=D, epsilon=eps, P=P, k_on=2e4, k_off=1e-3,
                                                k_int=k_int, b_max=b_max),
                         plasma=_const_plasma(Cp, 300.0), times=[0.0, 300.0])
    b = sol.fields["bound"][-1]
    r = t.coords[:, 0]
    r_half = float(np.interp(0.5, (b / b_max)[::-1], r[::-1]))
    rp = analytic.steady_penetration_radius(Cp, r_v, R, D, eps, P, k_int, b_max)
    rows.append({"check": "binding-site barrier: steady penetration (um), model vs analytic",
                 "value": f"{(r_half - r_v) / UM:.2f} vs {(rp - r_v) / UM:.2f}"})
    Cs = float(sol.fields["free"][-1][0] / eps)
    rows.append({"check": "Thiele modulus phi^2 of that cylinder (> 1: not saturated)",
                 "value": analytic.thiele_modulus(Cs, r_v, R, D, eps, k_int, b_max)})
    t = krogh_cylinder(10.0, 200.0, n_cells=250)
    sol = simulate_tumor(tissue=t, params=_bare(D=1e-4, epsilon=0.4, P=1e3, k_on=2000.0,
                                                b_max=50.0),
                         plasma=_const_plasma(0.5, 120.0), times=[0.0, 120.0])
    b = sol.fields["bound"][-1]
    r = t.coords[:, 0]
    r_half = float(np.interp(0.5, (b / 50.0)[::-1], r[::-1]))
    rf = float(analytic.front_radius(sol.fields["free"][-1][0] / 0.4 * 120.0, r_v, 1e-4, 0.4,
                                     50.0)[0])
    rows.append({"check": "moving binding front at 120 h (um), model vs shrinking core",
                 "value": f"{(r_half - r_v) / UM:.1f} vs {(rf - r_v) / UM:.1f}"})
    t = vessel_network((200, 1), 10.0, core_fraction=0.0)
    t = dataclasses.replace(t, vessel_area=np.full(t.n_cells, 100.0 * t.volume[0]))
    tp = _bare()
    p = pressure_field(t, tp)[0]
    pe = tp.p_v - tp.sigma_T * (tp.pi_v - tp.pi_i)
    ex = analytic.slab_pressure(t.coords[:, 0], 0.2, tp.L_p, 100.0, tp.K_hyd, pe)
    rows.append({"check": "slab IFP (Baxter-Jain form), max |error| (mmHg)",
                 "value": float(np.max(np.abs(p - ex)))})
    return rows


def _example(name: str) -> Any:
    from pathlib import Path

    import nanotwin

    here = Path(__file__).resolve()
    for parent in here.parents:
        f = parent / "examples" / name
        if f.is_file():
            return nanotwin.load_design(f)
    raise FileNotFoundError(name)


def pbpk_consistency(examples: tuple[str, ...] = ("au_tripod_64cu_rgd.yaml", "hdl_89zr.yaml",
                                                  "liposome_177lu_dox_gated.yaml")
                     ) -> list[dict[str, Any]]:
    """Whole-tumour %ID/g: well-mixed limit and default Krogh / network versus the PBPK."""
    import nanotwin
    from nanotwin.pbpk import build_parameters
    from nanotwin.tumor.plasma import plasma_input
    from nanotwin.tumor.properties import transport_parameters
    from nanotwin.tumor.tissue import krogh_cylinder
    from nanotwin.tumor.transport import simulate_tumor

    rows = []
    times = [0.0, 1.0, 4.0, 24.0, 72.0]
    for ex in examples:
        d = _example(ex)
        tp = dataclasses.replace(transport_parameters(d), drug=None)
        p = build_parameters(d)
        phi = float(p.phi_tumor)  # the PBPK's (calibrated) perivascular share
        tp1 = dataclasses.replace(tp, epsilon=float(p.f_is_tumor), b_max=tp.b_max * phi,
                                  m_max=tp.m_max * phi, convection=False)
        ds = nanotwin.simulate(d, times=times)
        pin = plasma_input(d, t_end_h=72.0)
        pb = ds["pct_id_per_g"].sel(organ="tumor").values
        s1 = simulate_tumor(tissue=krogh_cylinder(n_cells=1), params=tp1, plasma=pin,
                            times=times).tumor_average()
        sk = simulate_tumor(tissue=krogh_cylinder(), params=tp, plasma=pin,
                            times=times).tumor_average()
        rows.append({"design": ex, "d_nm": tp.d_nm,
                     "well_mixed_max_rel_diff": float(np.max(np.abs(s1[1:] / pb[1:] - 1))),
                     "krogh_over_pbpk_24h": float(sk[3] / pb[3]),
                     "krogh_over_pbpk_72h": float(sk[4] / pb[4])})
    return rows


def _antibody_design(dose_mg: float) -> Any:
    from nanotwin.design import load_design

    return load_design({
        "name": f"IgG-like targeted particle, {dose_mg:g} mg",
        "nanoparticle": {"platform": "protein_cage", "hydrodynamic_diameter": "11 nm",
                         "zeta_potential": "-5 mV",
                         "ligands": [{"name": "mAb", "kind": "antibody", "target": "EGFR",
                                      "copies_per_particle": 2, "kd": "1 nM"}]},
        "administration": {"route": "iv", "dose_mg_per_kg": f"{dose_mg / 0.02:g} mg/kg"},
        "subject": {"species": "mouse", "body_weight": "20 g",
                    "tumor": {"model": "A431", "site": "subcutaneous", "volume": "200 mm^3"}},
    })


def penetration_checks() -> list[dict[str, Any]]:
    """Penetration: the Dreher calibration anchor, size dependence, an IgG-sized binder."""
    from nanotwin.design import load_design
    from nanotwin.tumor.tissue import krogh_cylinder
    from nanotwin.tumor.transport import penetration_distance, simulate_tumor

    rows = []
    for d_nm in (20.0, 54.0, 100.0):
        des = load_design({"name": f"PEG particle {d_nm:g} nm",
                           "nanoparticle": {"platform": "polymeric",
                                            "hydrodynamic_diameter": f"{d_nm:g} nm",
                                            "coating": {"peg": {"molecular_weight": "5 kDa"}}},
                           "subject": {"species": "mouse",
                                       "tumor": {"model": "generic", "volume": "200 mm^3"}}})
        sol = simulate_tumor(des, krogh_cylinder(n_cells=120), times=[0.0, 0.5, 24.0],
                             t_end_h=24.0)
        rows.append({"case": f"{d_nm:g} nm untargeted, d90 from vessel wall (um)",
                     "0.5 h": penetration_distance(sol, 0.5),
                     "24 h": penetration_distance(sol, 24.0)})
    for mg in (1.0, 0.1):
        des = _antibody_design(mg)
        sol = simulate_tumor(des, krogh_cylinder(10.0, 75.0, n_cells=80),
                             times=[0.0, 1.0, 24.0], t_end_h=24.0)
        b = sol.fields["bound"] + sol.fields["internalized"]
        rows.append({"case": f"IgG-sized binder {mg:g} mg: bound at R_K / at wall",
                     "1 h": float(b[1, -1] / max(b[1, 0], 1e-300)),
                     "24 h": float(b[2, -1] / max(b[2, 0], 1e-300))})
    return rows


def nuclide_contrast(mode: str = "network") -> dict[str, dict[str, float]]:
    """Lu-177, Y-90, Tb-161 and Ac-225 on the same particle distribution (Lu-177 liposome)."""
    from nanotwin.tumor.microdose import compare_nuclides
    from nanotwin.tumor.properties import transport_parameters
    from nanotwin.tumor.tissue import krogh_cylinder, vessel_network
    from nanotwin.tumor.transport import simulate_tumor

    d = _example("liposome_177lu_dox_gated.yaml")
    tp = dataclasses.replace(transport_parameters(d), drug=None)
    ts = vessel_network((80, 40), seed=0) if mode == "network" else krogh_cylinder()
    sol = simulate_tumor(d, ts, params=tp, t_end_h=168.0)
    return compare_nuclides(sol, d)


def ptt_hirsch() -> list[dict[str, Any]]:
    """Hirsch et al. (PNAS 2003;100:13549): 820 nm, 4 W/cm^2, 4-6 min: with nanoshells
    dT = 37.4 +- 6.6 K; without dT < 10 K. Here: the tissue-only rise, and the nanoshell
    absorption coefficient that gives 37.4 K in the model (the injected dose was not used)."""
    from scipy.optimize import brentq

    from nanotwin.tumor.thermal import Laser, photothermal

    kw = dict(perfusion_tumor_per_s=0.2 / 60.0, perfusion_normal_per_s=0.03 / 60.0,
              spacing_cm=0.05, size_cm=(1.2, 2.0), dt_s=5.0)
    laser = Laser(4.0, 300.0, beam_radius_cm=0.25, wavelength_nm=820.0)
    R = (3 * 0.2 / (4 * math.pi)) ** (1 / 3)
    none = photothermal(laser, 0.0, R, sigma_abs_cm2=0.0, **kw)

    def rise(mu: float) -> float:
        return photothermal(laser, mu, R, sigma_abs_cm2=1.0, **kw).delta_T_max - 37.4

    mu = brentq(rise, 0.01, 50.0, xtol=1e-3)
    return [{"case": "no particles, dT max (K) [measured < 10]", "value": none.delta_T_max},
            {"case": "particle mu_a giving dT = 37.4 K (1/cm)", "value": mu}]


def radiosensitization_bassiri() -> list[dict[str, Any]]:
    """Bassiri et al. (Med Phys 2020;47:260): Ir-192, 0.28/0.56/0.77 % Au: calculated DEF 1.013,
    1.027, 1.037 (their mass-energy-absorption calculation); uncorrected film 1.013, 1.024,
    1.032."""
    from nanotwin.tumor.radiosensitization import dose_enhancement_factor

    pub = {0.0028: 1.013, 0.0056: 1.027, 0.0077: 1.037}
    return [{"gold_mass_fraction": w, "model_DEF": float(dose_enhancement_factor("Au", w,
                                                                                 "Ir-192")),
             "published_calculated_DEF": v} for w, v in pub.items()]


def growth_delay_check() -> dict[str, float]:
    """Exponential regrowth after an instant 2-log kill: model delay vs ``T_d log2(1/S)``."""
    from nanotwin.tumor import response as rs

    gm = rs.GrowthModel(T_d_h=96.0, T_clear_h=1e-3)
    t = np.linspace(0.0, 2000.0, 20001)
    V = rs.growth_curve(t, np.where(t >= 1.0, math.log(100.0), 0.0), gm=gm)
    V0 = rs.growth_curve(t, np.zeros_like(t), gm=gm)
    return {"model_delay_h": rs.time_to_regrowth(t, V, 2.0) - rs.time_to_regrowth(t, V0, 2.0),
            "analytic_delay_h": 96.0 * math.log2(100.0)}


def run_all() -> dict[str, Any]:
    """All validation studies."""
    return {"analytic": analytic_checks(), "pbpk": pbpk_consistency(),
            "penetration": penetration_checks(), "nuclides": nuclide_contrast(),
            "ptt": ptt_hirsch(), "radiosensitization": radiosensitization_bassiri(),
            "growth": growth_delay_check()}
