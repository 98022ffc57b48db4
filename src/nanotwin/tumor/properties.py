"""Transport, binding and drug parameters of a design in tumour tissue, each with its source.

Units: length cm, time h, amounts %ID (particles) or % of the administered drug, per mL of
extravascular tissue. :func:`transport_parameters` returns a frozen
:class:`TransportParameters` whose ``sources`` say where every number comes from; change any
field with ``dataclasses.replace``.

From the whole-body PBPK (public :func:`nanotwin.pbpk.build_parameters`, so the spatial and the
compartmental tumour share their inputs):

* vascular permeability ``P(d) = PS_tumor / (f_perf S/V V_t)`` -- the PBPK's pore-theory plus
  transcytosis permeability of the particle (Yuan et al. 1995; Sindhwani et al. 2020; see
  :mod:`nanotwin.pbpk.parameters`) spread over the perfused wall;
* receptor binding ``k_on``, ``k_off`` (avidity) and internalisation ``k_int``; the binding
  capacity per mL of viable tissue, ``N_bind_cap / (phi V)`` (the PBPK counts the receptors of
  its perivascular layer ``phi`` = PBPK ``phi_tumor``; here every viable cell has them);
* tumour-associated macrophage uptake ``K_max_tumor`` with capacity ``N_cap_tumor / (phi V)``
  per mL, release ``K_release_tumor`` (Chou et al. 2023 defaults) and degradation
  ``k_deg_tumor`` of soft carriers (the degraded particle and its label leave the model);
* the interstitial fraction of the extravascular tissue (0.40) and the blood fraction (0.05),
  haematocrit, label detachment and physical decay.

Interstitial transport (this module):

* *Hindered diffusion in the ECM.* ``D = D_0(d) exp(-sqrt(phi_f) (1 + r_s / r_f))``, the
  fibre-matrix form of Ogston, Preston & Wells (Proc R Soc Lond A 1973;333:297) with the
  Stokes-Einstein ``D_0`` of :func:`nanotwin.pbpk.parameters.stokes_einstein_cm2_s`. Two
  anchors fix its two constants: small solutes (``r_s -> 0``) diffuse with the tortuosity of
  the extracellular space, ``D/D_0 = 1/lambda^2`` with ``lambda = 1.6`` (Nicholson & Sykova,
  Trends Neurosci 1998;21:207), so ``sqrt(phi_f) = 2 ln 1.6``; and 2 MDa dextran (d = 54 nm)
  stays within ~5 um of the vessel wall 30 min after injection (Dreher et al., J Natl Cancer Inst
  2006;98:335 -- the same measurement that sets the PBPK's perivascular layer), read as
  ``sqrt(2 D t) = 5 um`` at t = 0.5 h, which gives ``r_f = 3.9 nm``. Predictions:
  IgG (d 11 nm) 6.2e-8 cm^2/s, 20 nm particles 1.1e-8, 100 nm 1.4e-13 (practically immobile).
  Approximate: one effective fibre population for a heterogeneous collagen/GAG matrix; the
  5- to 10-fold site dependence of Pluen et al. (PNAS 2001;98:4628) is not modelled.
* *Convection.* Interstitial fluid pressure from Darcy flow ``u = -K grad p`` with the Starling
  filtration ``J_v = L_p S (p_v - p - sigma_T (pi_v - pi_i))`` from perfused vessels (Baxter &
  Jain, Microvasc Res 1989;37:77: ``L_p`` 2.8e-7 cm/(mmHg s), ``K`` 3.1e-7 cm^2/(mmHg s),
  ``p_v`` 15.6 mmHg, ``pi_v`` 20, ``pi_i`` 15 mmHg, ``sigma_T`` 0.82); particles move with the
  interstitial fluid at its velocity times their diffusive hindrance ``D/D_0`` (a particle the
  matrix holds back in diffusion is held back in flow too; approximate: lag coefficients are not
  modelled). Transvascular solvent drag is off by default, as in the PBPK (IFP is close to the
  microvascular pressure except at the rim, Boucher & Jain, Cancer Res 1992;52:5110, and the
  measured permeability of Yuan et al. 1995 is an effective one that already holds whatever
  convection there was); ``transvascular_convection=True`` adds ``J_v (1 - sigma) C`` with a
  reflection coefficient no smaller than that of plasma proteins,
  ``sigma = 1 - (1 - sigma_T)(1 - sigma_pore)``, ``sigma_pore = 1 - (1-l)^2 (2-(1-l)^2)(1-l/3)``
  (Anderson & Quinn, Biophys J 1974;14:130; ``l = r_s / 250 nm``, the tumour pores).

Payload (with a ``payloads`` entry): release hazard and stimulus gates of
:mod:`nanotwin.payload` (extracellular tumour environment for free and bound particles,
intracellular for internalised and phagocytosed ones), free-drug diffusion ``D_0(2 r_drug)
/ lambda^2`` with the Stokes radius from the molecular weight, ``r = 0.0515 MW^0.392`` nm
(Venturoli & Rippe, Am J Physiol Renal Physiol 2005;288:F605), vascular permeability through
the same tumour pores (:func:`nanotwin.pbpk.parameters.renkin_hindrance`), and a linear
uptake into cells with intracellular binding (``k_cell``, ``K_bind``: assumptions, see
:data:`DRUGS`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from nanotwin.errors import DesignError

__all__ = ["TransportParameters", "DrugParameters", "transport_parameters", "ecm_diffusivity",
           "reflection_coefficient", "drug_parameters", "DRUGS", "HINDRANCE_FIBRE",
           "FLUID"]

# --- ECM hindrance anchors (module docstring) --------------------------------------------------
TORTUOSITY = 1.6  # Nicholson & Sykova 1998
SQRT_PHI_F = 2.0 * math.log(TORTUOSITY)
T_DREHER_H = 0.5  # 30 min (Dreher et al. 2006)


def _fibre_radius_nm() -> float:
    from nanotwin.pbpk.parameters import D_PEN_REF_NM, L_PEN_REF_CM, stokes_einstein_cm2_s

    D = L_PEN_REF_CM**2 / (2.0 * T_DREHER_H * 3600.0)  # cm^2/s
    ratio = D / float(stokes_einstein_cm2_s(D_PEN_REF_NM))
    return 0.5 * D_PEN_REF_NM / (-math.log(ratio) / SQRT_PHI_F - 1.0)


#: ``(sqrt(phi_f), r_f in nm)`` of the ECM fibre-matrix hindrance (module docstring).
HINDRANCE_FIBRE = (SQRT_PHI_F, _fibre_radius_nm())

#: Interstitial fluid constants (Baxter & Jain 1989), converted to cm, h, mmHg.
FLUID = {"L_p": 2.8e-7 * 3600.0, "K": 3.1e-7 * 3600.0, "p_v": 15.6, "pi_v": 20.0,
         "pi_i": 15.0, "sigma_T": 0.82}


def ecm_diffusivity(d_nm: float) -> float:
    """Diffusion coefficient (cm^2/s) of a sphere of diameter ``d_nm`` in tumour ECM.

    Examples
    --------
    >>> f"{ecm_diffusivity(54.0):.2e}"      # the Dreher anchor: sqrt(2 D 30 min) = 5 um
    '6.94e-11'
    >>> ecm_diffusivity(11.0) > 1e-8 > ecm_diffusivity(100.0)
    True
    """
    from nanotwin.pbpk.parameters import stokes_einstein_cm2_s

    d = float(d_nm)
    if not math.isfinite(d) or d <= 0:
        raise DesignError(f"d_nm: {d_nm!r} must be a diameter > 0 nm", "d_nm")
    s, r_f = HINDRANCE_FIBRE
    return float(stokes_einstein_cm2_s(d)) * math.exp(-s * (1.0 + 0.5 * d / r_f))


def reflection_coefficient(r_nm: float, r_pore_nm: float) -> float:
    """Solvent-drag reflection coefficient of a sphere in a cylindrical pore (Anderson & Quinn
    1974): ``1 - (1-l)^2 (2 - (1-l)^2)(1 - l/3)``, 1 for ``l >= 1``.

    Examples
    --------
    >>> reflection_coefficient(0.0, 10.0), reflection_coefficient(20.0, 10.0)
    (0.0, 1.0)
    """
    lam = min(max(float(r_nm) / float(r_pore_nm), 0.0), 1.0)
    return 1.0 - (1 - lam) ** 2 * (2 - (1 - lam) ** 2) * (1 - lam / 3.0)


@dataclass(frozen=True)
class DrugParameters:
    """Free-drug transport and pharmacodynamics in tumour tissue (units cm, h, uM)."""

    name: str
    MW: float  # g/mol
    D: float  # cm^2/h in the ECM
    P: float  # cm/h vascular permeability
    k_cell: float  # 1/h, uptake rate constant of cells (per interstitial concentration)
    K_bind: float  # bound:free ratio inside cells
    f_cell: float  # cell volume fraction of viable tissue
    EC50_uM: float  # intracellular free concentration for half-maximal kill rate
    Emax_per_h: float  # maximal kill rate (1/h)
    hill: float
    dose_umol: float  # administered drug, umol (to convert % of dose to uM)
    release: tuple  # (burst, model, k, tau, b) of nanotwin.payload.release_parameters
    gate: Any  # design release gate (or None)
    sources: dict = field(default_factory=dict)


#: Drug pharmacodynamic defaults: MW (g/mol; PubChem), EC50 (uM, intracellular free) and Emax
#: (1/h). The EC50/Emax values are order-of-magnitude assumptions for a sensitive cell line, not
#: fitted to any data: give your own with ``dataclasses.replace`` for real use. ``k_cell`` = 10/h
#: and ``K_bind`` = 10 are assumptions (fast membrane passage, DNA/tubulin binding) for every
#: drug.
DRUGS = {
    "doxorubicin": {"MW": 543.5, "EC50_uM": 0.5, "Emax_per_h": 0.05},
    "paclitaxel": {"MW": 853.9, "EC50_uM": 0.05, "Emax_per_h": 0.05},
    "docetaxel": {"MW": 807.9, "EC50_uM": 0.05, "Emax_per_h": 0.05},
    "cisplatin": {"MW": 300.1, "EC50_uM": 5.0, "Emax_per_h": 0.05},
    "vincristine": {"MW": 824.9, "EC50_uM": 0.01, "Emax_per_h": 0.05},
    "irinotecan": {"MW": 586.7, "EC50_uM": 5.0, "Emax_per_h": 0.05},
    "sn-38": {"MW": 392.4, "EC50_uM": 0.05, "Emax_per_h": 0.05},
    "gemcitabine": {"MW": 263.2, "EC50_uM": 0.05, "Emax_per_h": 0.05},
}
_GENERIC_DRUG = {"MW": 500.0, "EC50_uM": 1.0, "Emax_per_h": 0.05}


@dataclass(frozen=True)
class TransportParameters:
    """Everything the tumour transport model needs (units: cm, h, %ID per mL; mmHg)."""

    d_nm: float
    D: float  # cm^2/h, particle diffusivity in the ECM
    epsilon: float  # interstitial (accessible) fraction of extravascular tissue
    P: float  # cm/h, vascular permeability of the particle
    sigma: float  # reflection coefficient of the particle at the vessel wall
    W: float  # convective hindrance in the ECM (fluid velocity multiplier)
    k_on: float  # 1/h
    k_off: float  # 1/h
    k_int: float  # 1/h
    b_max: float  # %ID/mL, binding capacity of viable tissue
    k_mac: float  # 1/h, macrophage uptake
    k_mac_release: float  # 1/h
    k_mac_deg: float  # 1/h, degradation inside macrophages (soft carriers)
    m_max: float  # %ID/mL, macrophage capacity
    v_blood: float  # blood volume fraction of the tumour
    hematocrit: float
    L_p: float = FLUID["L_p"]  # cm/(mmHg h)
    K_hyd: float = FLUID["K"]  # cm^2/(mmHg h)
    p_v: float = FLUID["p_v"]
    pi_v: float = FLUID["pi_v"]
    pi_i: float = FLUID["pi_i"]
    sigma_T: float = FLUID["sigma_T"]
    convection: bool = True  # interstitial convection (Darcy flow from the IFP field)
    transvascular_convection: bool = False  # solvent drag across the vessel wall
    lambda_phys: float = 0.0  # 1/h
    k_det: float = 0.0  # 1/h
    f_rcp: float = 1.0
    nuclide: str | None = None
    drug: DrugParameters | None = None
    tumor_mass_g: float = 0.0
    tumor_flow_ml_h: float = 0.0
    injected_MBq: float | None = None
    sources: dict = field(default_factory=dict)


def _radius_from_mw_nm(mw: float) -> float:
    return 0.0515 * float(mw) ** 0.392  # Venturoli & Rippe 2005


def drug_parameters(design: Any, pbpk: Any) -> DrugParameters | None:
    """Free-drug parameters of the design's first payload (``None`` without one)."""
    from nanotwin.payload import release_parameters
    from nanotwin.pbpk.parameters import R_TUMOR, renkin_hindrance, stokes_einstein_cm2_s
    from nanotwin.pbpk.payload import _gate_mapping

    if not design.payloads:
        return None
    pay = design.payloads[0]
    key = str(pay.drug).strip().lower()
    tab = DRUGS.get(key, _GENERIC_DRUG)
    mw = tab["MW"]
    r = _radius_from_mw_nm(mw)
    D0 = float(stokes_einstein_cm2_s(2.0 * r))
    D = D0 / TORTUOSITY**2 * 3600.0
    # the tumour pores of the PBPK, opened for a small solute: P = D0 (eps/dx) H(r / R_pore)
    eps_dx = pbpk_eps_dx()
    P = D0 * eps_dx * float(renkin_hindrance(r, R_TUMOR)) * 3600.0
    adm = design.administration
    dose_mg_kg = adm.dose_mg_per_kg if adm.dose_mg_per_kg is not None else 6.0
    loading = float(pay.drug_loading) / 100.0  # canonical unit: % w/w
    ee = 1.0 if pay.encapsulation_efficiency is None else float(
        pay.encapsulation_efficiency) / 100.0
    drug_mg = dose_mg_kg * float(pbpk.BW) * loading * ee
    dose_umol = drug_mg / mw * 1000.0
    src = {
        "MW": "PubChem" if key in DRUGS else "generic small molecule (500 g/mol; assumption)",
        "D": "Stokes-Einstein of r = 0.0515 MW^0.392 nm (Venturoli & Rippe 2005) / 1.6^2 "
             "(Nicholson & Sykova 1998)",
        "P": "tumour pores of the PBPK (r 250 nm, Hobbs et al. 1998) with Renkin hindrance",
        "k_cell": "assumption: 10/h (fast passive membrane passage)",
        "K_bind": "assumption: 10 (intracellular binding)",
        "f_cell": "1 - interstitial fraction (0.40) of the PBPK tumour",
        "EC50_uM": "order-of-magnitude assumption (not fitted); give your own",
        "Emax_per_h": "order-of-magnitude assumption (not fitted); give your own",
        "dose": "administration.dose_mg_per_kg x BW x drug_loading x encapsulation",
    }
    return DrugParameters(key, mw, D, P, 10.0, 10.0, 0.6, tab["EC50_uM"], tab["Emax_per_h"],
                          1.0, dose_umol, release_parameters(pay.release),
                          _gate_mapping(pay.release.gate), src)


def pbpk_eps_dx() -> float:
    """Pore area per path length of the tumour endothelium (1/cm), the PBPK's calibration on
    the 90 nm liposome permeability (Yuan et al. 1995)."""
    from nanotwin.pbpk.parameters import (
        P_LIPO90,
        R_TUMOR,
        renkin_hindrance,
        stokes_einstein_cm2_s,
    )

    return P_LIPO90 / (float(stokes_einstein_cm2_s(90.0)) * float(renkin_hindrance(45.0,
                                                                                    R_TUMOR)))


def transport_parameters(design: Any, species: str | None = None, *,
                         overrides: dict | None = None) -> TransportParameters:
    """Transport parameters of a design in its tumour (module docstring for every source).

    Parameters
    ----------
    design
        A :class:`~nanotwin.design.Design`, mapping or path (must have ``subject.tumor``).
    species
        ``None``: the design's species.
    overrides
        PBPK parameter overrides passed to :func:`nanotwin.pbpk.build_parameters`.

    Examples
    --------
    >>> from nanotwin.pbpk import demo_design
    >>> tp = transport_parameters(demo_design())
    >>> round(tp.epsilon, 2), tp.k_on, tp.nuclide
    (0.4, 0.0, 'Cu-64')
    """
    from nanotwin.design import Design, load_design
    from nanotwin.pbpk import build_parameters
    from nanotwin.pbpk.parameters import R_TUMOR, stokes_einstein_cm2_s

    if not isinstance(design, Design):
        design = load_design(design)
    if design.subject.tumor is None:
        raise DesignError("subject.tumor: the design has no tumour; add subject.tumor "
                          "(e.g. {model: U87MG, volume: 150 mm^3})", "subject.tumor")
    p = build_parameters(design, species, overrides)
    g = p.values
    d = float(g["d_nm"])
    from nanotwin.tumor.tissue import reference_surface_density

    sv, fp = reference_surface_density()
    V, Vt = float(g["V_tumor"]), float(g["V_t_tumor"])
    P = float(g["PS_tumor"]) / (fp * sv * Vt)  # mL/h / (cm^2) = cm/h
    phi = float(g["phi_tumor"])  # the PBPK's (calibrated) perivascular share
    per_pct = 100.0 / float(g["N_dose"])  # %ID per particle
    f_is = float(g["f_is_tumor"]) / phi
    b_max = float(g["N_bind_cap"]) / (phi * Vt) * per_pct if g["k_on_tumor"] > 0 else 0.0
    m_max = float(g["N_cap_tumor"]) / (phi * Vt) * per_pct
    A0 = design.administration.injected_activity
    src = {
        "D": f"ECM fibre-matrix hindrance (Ogston 1973; anchors Nicholson & Sykova 1998, "
             f"Dreher et al. 2006): {ecm_diffusivity(d):.3g} cm^2/s",
        "epsilon": "PBPK tumour interstitial fraction 0.40 of extravascular tissue",
        "P": "PBPK PS_tumor / (f_perf S/V V_t): pore theory + transcytosis (Yuan 1995; "
             "Sindhwani 2020)",
        "sigma": "1 - (1 - sigma_T)(1 - sigma_pore): Baxter & Jain 1989 sigma_T; Anderson & "
                 "Quinn 1974 in the 250 nm tumour pores (Hobbs et al. 1998)",
        "W": "convective hindrance = D/D_0 (approximate)",
        "k_on/k_off/k_int/b_max": "PBPK receptor model (Thurber et al. 2008; Mammen et al. "
                                  "1998), capacity per mL of viable tissue",
        "k_mac/m_max/k_mac_release/k_mac_deg": "PBPK tumour-associated macrophages (Chou et "
                                               "al. 2023; Cannon & Swanson 1992; degradation "
                                               "of soft carriers: nanotwin.pbpk.mechanisms)",
        "fluid": "Baxter & Jain 1989",
        "v_blood": "PBPK tumour blood fraction 0.05",
    }
    return TransportParameters(
        d_nm=d, D=ecm_diffusivity(d) * 3600.0, epsilon=f_is, P=P,
        sigma=1.0 - (1.0 - FLUID["sigma_T"]) * (1.0 - reflection_coefficient(0.5 * d, R_TUMOR)),
        W=ecm_diffusivity(d) / float(stokes_einstein_cm2_s(d)), k_on=float(g["k_on_tumor"]),
        k_off=float(g["k_off_tumor"]), k_int=float(g["k_int_tumor"]), b_max=b_max,
        k_mac=float(g["K_max_tumor"]), k_mac_release=float(g["K_release_tumor"]),
        k_mac_deg=float(g.get("k_deg_tumor", 0.0)), m_max=m_max,
        v_blood=float(g["V_b_tumor"]) / V, hematocrit=float(g["Hct"]),
        lambda_phys=float(g["lambda_phys"]), k_det=float(g["k_det"]), f_rcp=float(g["f_rcp"]),
        nuclide=p.meta.get("nuclide"), drug=drug_parameters(design, p), tumor_mass_g=V,
        tumor_flow_ml_h=float(g["Q_tumor"]), injected_MBq=A0, sources=src)
