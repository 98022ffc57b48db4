"""One call from a design to tumour maps, penetration, micro-dose, TCP and growth curves.

:func:`analyze_tumor` runs the PBPK (plasma input), the spatial transport
(:mod:`nanotwin.tumor.transport`), the micro-dosimetry of the radiolabel
(:mod:`nanotwin.tumor.microdose`) and the response of every viable cell of the section to all
treatments the design and the options carry -- radionuclide (LQ with protraction, alpha RBE),
payload (Emax on free intracellular drug), photothermal heating (:mod:`nanotwin.tumor.thermal`)
and an external beam enhanced by the particle's high-Z element
(:mod:`nanotwin.tumor.radiosensitization`) -- combined by independent action (survivals
multiply). The section stands for the tumour: whole-tumour TCP counts
``clonogens_per_cm3 x V_tumour x viable share`` clonogens with the section's mean survival.

Time course of the radionuclide kill: every cell receives its dose with the time course of the
tumour-average activity (cumulative fraction ``F(t)`` of the time-integrated activity; an
approximation -- perivascular cells receive theirs a little earlier), so
``-ln S_k(t) = alpha D_k F + beta G (D_k F)^2 + RBE alpha D_alpha,k F``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["TumorAnalysis", "analyze_tumor", "ExternalBeam", "ENDPOINT_UNITS"]

#: Units of the endpoints of :func:`analyze_tumor`.
ENDPOINT_UNITS = {
    "tumor_pct_id_per_g_24h": "%ID/g", "pbpk_tumor_pct_id_per_g_24h": "%ID/g",
    "penetration_d90_um_1h": "um", "penetration_d90_um_24h": "um",
    "penetration_d90_um_end": "um", "necrotic_fraction": "1", "ifp_max_mmHg": "mmHg",
    "mean_dose_Gy": "Gy", "D90_Gy": "Gy", "D10_Gy": "Gy", "dose_cv": "1",
    "fraction_below_half_mean": "1", "fraction_below_threshold": "1", "G_protraction": "1",
    "mean_BED_Gy": "Gy", "drug_cell_free_auc_uM_h": "uM h", "chemo_surviving_fraction": "1",
    "ptt_delta_T_max_K": "K", "ptt_cem43_median_min": "min", "ptt_surviving_fraction": "1",
    "beam_DEF_mean": "1", "beam_surviving_fraction": "1", "surviving_fraction": "1",
    "log10_cell_kill": "1", "TCP": "1", "time_to_regrowth_h": "h", "growth_delay_h": "h",
}


@dataclass(frozen=True)
class ExternalBeam:
    """An external photon beam: dose (Gy, to tissue without particles), beam (keV number,
    nuclide or ``"250kVp"``; :func:`nanotwin.tumor.radiosensitization.beam_spectrum`), the
    time after injection (h) and the number of equal acute fractions."""

    dose_Gy: float
    beam: Any = "250kVp"
    time_h: float = 24.0
    fractions: int = 1


@dataclass
class TumorAnalysis:
    """Result of :func:`analyze_tumor` (``endpoints`` with :data:`ENDPOINT_UNITS`)."""

    design: Any
    solution: Any
    micro: Any
    endpoints: dict
    grid_weights: np.ndarray
    survival_map: np.ndarray
    growth: dict
    thermal: Any = None
    nuclide_comparison: dict | None = None
    extras: dict = field(default_factory=dict)


def _tumor_clonogens(tp: Any, rb: Any, viable_share: float) -> float:
    return rb.clonogens_per_cm3 * tp.tumor_mass_g * (1.0 - tp.v_blood) * viable_share


def _activity_curve(sol: Any) -> tuple[np.ndarray, np.ndarray, float]:
    tp = sol.params
    a = sol.activity()
    mean = (a * sol.tissue.volume).sum(axis=1) / sol.tissue.volume.sum()
    return sol.t, mean, tp.lambda_phys + tp.k_det


def _cumulative_fraction(t: np.ndarray, a: np.ndarray, lam: float, t_eval: np.ndarray
                         ) -> np.ndarray:
    from scipy.integrate import cumulative_trapezoid

    cum = cumulative_trapezoid(a, t, initial=0.0)
    tail = a[-1] / lam if lam > 0 else 0.0
    total = cum[-1] + tail
    if total <= 0:
        return np.zeros_like(t_eval)
    inside = np.interp(t_eval, t, cum)
    after = cum[-1] + tail * (1.0 - np.exp(-lam * np.clip(t_eval - t[-1], 0.0, None)))
    return np.where(t_eval <= t[-1], inside, after) / total


def analyze_tumor(design: Any, *, mode: str = "krogh", shape: tuple[int, ...] = (100, 50),
                  spacing_um: float = 10.0, seed: int = 0, t_end_h: float = 168.0,
                  species: str | None = None, laser: Any = None,
                  sigma_abs_cm2: float | None = None, beam: ExternalBeam | None = None,
                  radiobiology: Any = None, growth: Any = None,
                  dose_threshold_Gy: float | None = None, compare: tuple[str, ...] = (),
                  growth_days: float = 60.0, progress: Any = None) -> TumorAnalysis:
    """Analyse a design's tumour (module docstring).

    Parameters
    ----------
    design
        A design with ``subject.tumor``.
    mode
        ``"krogh"`` or ``"network"`` (2-D with ``len(shape) == 2``, 3-D with 3).
    shape, spacing_um, seed
        Network grid, cell size and random seed.
    t_end_h
        Last transport time (h); activity after it decays physically.
    laser, sigma_abs_cm2
        A :class:`~nanotwin.tumor.thermal.Laser` and the particle's absorption cross-section at
        its wavelength (cm^2; required with a laser).
    beam
        An :class:`ExternalBeam` (dose enhanced by the design's high-Z contrast element).
    radiobiology, growth
        :class:`~nanotwin.tumor.response.Radiobiology` and
        :class:`~nanotwin.tumor.response.GrowthModel` (defaults with sources there).
    dose_threshold_Gy
        Report the share of viable cells below this radionuclide dose.
    compare
        Nuclides to compare on the same particle distribution (e.g. Lu-177, Ac-225).
    growth_days
        Length of the growth curves.
    progress
        Optional ``progress(fraction)`` callback of the transport integration.

    Examples
    --------
    >>> from nanotwin.pbpk import demo_design
    >>> r = analyze_tumor(demo_design(), t_end_h=48.0)
    >>> 0.0 <= r.endpoints["TCP"] <= 1.0, r.endpoints["penetration_d90_um_24h"] > 0
    (True, True)
    """
    from nanotwin.design import Design, load_design
    from nanotwin.tumor import microdose as mdm
    from nanotwin.tumor import response as rs
    from nanotwin.tumor.plasma import plasma_input
    from nanotwin.tumor.properties import transport_parameters
    from nanotwin.tumor.tissue import krogh_cylinder, vessel_network
    from nanotwin.tumor.transport import penetration_distance, simulate_tumor

    if not isinstance(design, Design):
        design = load_design(design)
    rb = radiobiology or rs.Radiobiology()
    gm = growth or rs.GrowthModel()
    tp = transport_parameters(design, species)
    if mode == "krogh":
        tissue = krogh_cylinder()
    elif mode == "network":
        tissue = vessel_network(tuple(shape), spacing_um, seed=seed)
    else:
        raise DesignError(f"mode: {mode!r} is not known; use 'krogh' or 'network'", "mode")
    t_last = float(t_end_h)
    if laser is not None:
        t_last = max(t_last, float(laser.start_h))
    if beam is not None:
        t_last = max(t_last, float(beam.time_h))
    pin = plasma_input(design, species=species, t_end_h=t_last)
    times = np.unique(np.concatenate([[0.0, 1.0, 24.0], np.geomspace(0.05, t_last, 30)]))
    times = times[times <= t_last]
    sol = simulate_tumor(design, tissue, params=tp, plasma=pin, times=times,
                         progress=progress)
    ep: dict[str, float] = {}
    avg = sol.tumor_average()
    ep["tumor_pct_id_per_g_24h"] = float(np.interp(24.0, sol.t, avg))
    if pin.pbpk_tumor_pct_id_per_g is not None:
        ep["pbpk_tumor_pct_id_per_g_24h"] = float(np.interp(24.0, pin.t_h,
                                                            pin.pbpk_tumor_pct_id_per_g))
    for key, tt in (("1h", 1.0), ("24h", 24.0), ("end", t_last)):
        ep[f"penetration_d90_um_{key}"] = penetration_distance(sol, min(tt, t_last))
    viable = ~np.asarray(tissue.necrotic, dtype=bool)
    ep["necrotic_fraction"] = float(1.0 - np.sum(tissue.volume * viable) / tissue.volume.sum())
    ep["ifp_max_mmHg"] = float(np.max(sol.pressure))
    # --- dosimetry grid and the radionuclide
    micro = None
    nuc = tp.nuclide
    has_activity = nuc is not None and (design.administration.injected_activity is not None)
    if has_activity:
        micro = mdm.micro_dose(sol, design)
        w = micro.weights
    else:
        w = mdm._grid_of(sol, np.zeros(tissue.n_cells), 0.0, None, add_blood=False)[1]
    wn = w / w.sum()
    t_g = np.linspace(0.0, growth_days * 24.0, int(growth_days * 24) + 1)
    nodes = [(max(rb.alpha + rb.sigma_alpha * x, 0.0), wt)
             for x, wt in zip(rs._GH_X, rs._GH_W, strict=True)] if rb.sigma_alpha > 0 else [
        (rb.alpha, 1.0)]
    # log-kill contributions per cell (non-radiation: independent of alpha)
    L_other_end = np.zeros_like(w)
    L_other_t: list[tuple[np.ndarray, np.ndarray]] = []  # (time profile 0..1, per-cell)
    if micro is not None:
        Dl = micro.maps["electron"] + micro.maps["photon"]
        Da = micro.maps["alpha"] + micro.maps["recoil"]
        tA, aA, lamA = _activity_curve(sol)
        _, G = rs.protraction_factor(tA, aA, rb.T_rep_h, lamA)
        F = _cumulative_fraction(tA, aA, lamA, t_g)
        h = mdm.heterogeneity(micro)
        ep.update({"mean_dose_Gy": micro.mean(), "D90_Gy": h["D90_Gy"], "D10_Gy": h["D10_Gy"],
                   "dose_cv": h["cv"], "fraction_below_half_mean":
                   h["fraction_below_50pct_mean"], "G_protraction": G})
        if dose_threshold_Gy is not None:
            ep["fraction_below_threshold"] = mdm.fraction_below(micro.total, w,
                                                                dose_threshold_Gy)
        bed_cells = Dl * (1.0 + G * Dl / rb.alpha_beta) + rb.RBE_alpha * Da
        ep["mean_BED_Gy"] = float(np.sum(bed_cells * wn))
    else:
        Dl = Da = np.zeros_like(w)
        F = np.zeros_like(t_g)
        G = 1.0
    # payload
    if tp.drug is not None:
        C = sol.drug_uM("drug_cell_free")
        auc = np.trapezoid(C, sol.t, axis=0)
        dp = tp.drug
        rate = dp.Emax_per_h * C**dp.hill / (dp.EC50_uM**dp.hill + C**dp.hill)
        from scipy.integrate import cumulative_trapezoid

        Lc = cumulative_trapezoid(rate, sol.t, axis=0, initial=0.0)  # (n_t, n_cells)
        Lc_grid = np.stack([mdm.cells_to_grid(sol, Lc[k]) for k in range(sol.t.size)])
        L_other_end = L_other_end + Lc_grid[-1]
        L_other_t.append(("chemo", sol.t, Lc_grid))
        ep["drug_cell_free_auc_uM_h"] = float(np.sum(mdm.cells_to_grid(sol, auc) * wn))
        ep["chemo_surviving_fraction"] = float(np.sum(np.exp(-Lc_grid[-1]) * wn))
    thermal = None
    if laser is not None:
        if sigma_abs_cm2 is None:
            raise DesignError("sigma_abs_cm2: a laser needs the particle's absorption "
                              "cross-section at its wavelength (cm^2); give --absorber-cm2",
                              "sigma_abs_cm2")
        from nanotwin.pbpk import build_parameters
        from nanotwin.tumor.thermal import photothermal

        p = build_parameters(design, species)
        i = int(np.argmin(np.abs(sol.t - laser.start_h)))
        pct_per_mL = float(np.sum(sol.particles[i] * tissue.volume) / tissue.volume.sum())
        n_per_cm3 = pct_per_mL / 100.0 * float(p.N_dose)
        R = (3.0 * tp.tumor_mass_g / (4.0 * math.pi)) ** (1.0 / 3.0)
        thermal = photothermal(laser, n_per_cm3, R, sigma_abs_cm2=float(sigma_abs_cm2),
                               perfusion_tumor_per_s=tp.tumor_flow_ml_h / tp.tumor_mass_g
                               / 3600.0,
                               perfusion_normal_per_s=float(p.Q_muscle) / float(p.V_muscle)
                               / 3600.0)
        S_heat = thermal.tumor_survival
        ep["ptt_delta_T_max_K"] = thermal.delta_T_max
        ep["ptt_cem43_median_min"] = float(np.median(thermal.cem43_map[thermal.tumor_mask]))
        ep["ptt_surviving_fraction"] = S_heat
        Lh = -math.log(max(S_heat, 1e-300))
        L_other_end = L_other_end + Lh
        L_other_t.append(("heat", np.array([laser.start_h]), Lh))
    D_beam = np.zeros_like(w)
    n_frac = 1
    if beam is not None:
        from nanotwin.pbpk import build_parameters
        from nanotwin.tumor.radiosensitization import dose_enhancement_factor

        el, frac = _high_z(design)
        p = build_parameters(design, species)
        i = int(np.argmin(np.abs(sol.t - beam.time_h)))
        # element mass fraction of tissue: particles %ID/mL x N_dose x m_particle x w_element
        mass_g_per_mL = sol.particles[i] / 100.0 * float(p.N_dose) * float(
            p.meta["particle_mass_g"]) * frac
        wmap = mdm.cells_to_grid(sol, mass_g_per_mL)
        DEF = dose_enhancement_factor(el, np.clip(wmap, 0.0, 1.0), beam.beam) if el else \
            np.ones_like(wmap)
        D_beam = beam.dose_Gy * DEF
        n_frac = max(int(beam.fractions), 1)
        ep["beam_DEF_mean"] = float(np.sum(DEF * wn))
    # --- survival per cell and over time (radiation + beam depend on alpha)

    def log_other(tt: float) -> np.ndarray:
        out = np.zeros_like(w)
        for kind, tk, L in L_other_t:
            if kind == "heat":
                out = out + (L if tt >= tk[0] else 0.0)
            else:
                k = int(np.searchsorted(tk, tt, side="right")) - 1
                out = out + (L[min(max(k, 0), len(tk) - 1)] if tt >= tk[0] else 0.0)
        return out

    def surv(Fk: float, beam_on: bool, Lo: np.ndarray) -> np.ndarray:
        S = np.zeros_like(w)
        for a, wt in nodes:
            b = a / rb.alpha_beta
            L = a * Dl * Fk + b * G * (Dl * Fk) ** 2 + rb.RBE_alpha * a * Da * Fk
            if beam_on:
                L = L + a * D_beam + b * D_beam**2 / n_frac
            S = S + wt * np.exp(-L - Lo)
        return S

    S_end = surv(1.0, beam is not None, L_other_end)
    if beam is not None:
        S_beam = surv(0.0, True, np.zeros_like(w))
        ep["beam_surviving_fraction"] = float(np.sum(S_beam * wn))
    SF = float(np.sum(S_end * wn))
    ep["surviving_fraction"] = SF
    ep["log10_cell_kill"] = float(-math.log10(max(SF, 1e-300)))
    viable_share = 1.0 - ep["necrotic_fraction"]  # the Krogh lumen is the blood share
    N_clon = _tumor_clonogens(tp, rb, viable_share)
    ep["TCP"] = float(math.exp(-N_clon * SF))
    # growth curves
    S_t = np.array([float(np.sum(surv(float(F[k]), beam is not None and t_g[k] >= beam.time_h,
                                      log_other(float(t_g[k]))) * wn))
                    for k in range(t_g.size)])
    L_t = -np.log(np.clip(S_t, 1e-300, None))
    V_ctrl = rs.growth_curve(t_g, np.zeros_like(t_g), gm=gm)
    V_trt = rs.growth_curve(t_g, L_t, gm=gm)
    t_c = rs.time_to_regrowth(t_g, V_ctrl, 2.0)
    t_r = rs.time_to_regrowth(t_g, V_trt, 2.0)
    ep["time_to_regrowth_h"] = t_r
    ep["growth_delay_h"] = t_r - t_c if np.isfinite(t_r) else float("nan")
    comp = None
    if compare and nuc is not None:
        comp = mdm.compare_nuclides(sol, design, tuple(compare))
    return TumorAnalysis(design, sol, micro, ep, w, S_end,
                         {"t_h": t_g, "V_control": V_ctrl, "V_treated": V_trt,
                          "surviving_fraction": S_t}, thermal, comp)


def _high_z(design: Any) -> tuple[str | None, float]:
    """The particle's highest-Z contrast element and its mass fraction (or the core metal)."""
    z = {"Au": 79, "Bi": 83, "Hf": 72, "Gd": 64, "I": 53, "Yb": 70}
    best: tuple[str | None, float] = (None, 0.0)
    for c in design.contrast:
        if c.agent in z and (best[0] is None or z[c.agent] > z[best[0]]):
            best = (c.agent, float(c.mass_fraction))
    if best[0] is None:
        core = design.nanoparticle.core_material
        if core in z:
            best = (core, 1.0)
    return best
