"""Design -> PBPK parameters, each from physics or literature (source next to each rule).

Every parameter is a named float (or an array of shape ``(n,)`` for a batch) with a paper-style
name: ``Q_liver`` (mL/h), ``V_b_liver`` (mL), ``PS_tumor`` (mL/h), ``K_max_liver`` (1/h),
``K_release_liver`` (1/h), ``N_cap_liver`` (particles) ... :func:`parameter_names` lists them.

Mechanisms and their sources
----------------------------
*Transcapillary exchange (pore theory).* ``PS = (A_p/dx) * D(d) * H(lambda)``, with the
Stokes-Einstein diffusivity ``D = kT / (3 pi eta d)`` (eta = 0.69 mPa s, water at 37 C, CRC
Handbook) and Renkin's hindrance ``H = (1-l)^2 (1 - 2.104 l + 2.09 l^3 - 0.95 l^5)`` for
``l = r_particle / r_pore < 1`` (Renkin, J Gen Physiol 1954;38:225). Organ pore systems:

- continuous capillaries (heart, lung, muscle, skin, adipose, bone, rest): two-pore theory,
  small pores r = 4.5 nm and large pores r = 25 nm, one large pore per 1e4 small pores (Rippe &
  Haraldsson, Physiol Rev 1994;74:163); small-pore area/length set by a capillary sucrose
  permeability of 3e-6 cm/s (r = 0.46 nm) and 70 cm^2 capillary surface per g (skeletal muscle;
  Crone & Levitt, Handbook of Physiology, Microcirculation 1984, ch. 10);
- fenestrated capillaries (kidney, gut): the same pores at 10x the area (Levick & Smaje,
  Microvasc Res 1987;33:233: fenestrated beds have 10-100x the permeability);
- liver sinusoids: fenestrae r = 70 nm (mouse fenestra diameter ~140 nm; Wisse et al.,
  Hepatology 1985;5:683), porosity 6 %, endothelium 0.2 um thick, 300 cm^2 sinusoid surface per g;
- red marrow sinusoids: r = 40 nm, porosity 1 % (discontinuous sinusoids with transient pores;
  Sarin, J Angiogenes Res 2010;2:14), other numbers as liver;
- brain: blood-brain barrier, pore r = 0.7 nm (tight junctions; Sarin 2010);
- tumour: r = 250 nm (pore cut-off 380-780 nm diameter; Hobbs et al., PNAS 1998;95:4607),
  area/length set by the permeability of 90 nm liposomes, 3.4e-8 cm/s (Yuan et al., Cancer Res
  1995;55:3752), with 200 cm^2 vessel surface per cm^3 (Baxter & Jain, Microvasc Res 1989;37:77).
  Both numbers describe *perfused, viable* tumour tissue: Yuan measured extravasating vessels of
  the well-perfused periphery of thin window-chamber tumours, and Baxter & Jain's surface density
  is that of vascularised tissue. A whole s.c. tumour is heterogeneous: a perfused periphery, a
  semi-necrotic/poorly perfused and a necrotic core (Jain, Cancer Res 1988;48:2641; Vaupel,
  Kallinowski & Okunieff, Cancer Res 1989;49:6449), and a large share of its vessels carry no
  flow at a given time (compressed or collapsed; Padera et al., Nature 2004;427:695; lectin-
  perfused / CD31+ vessel fractions of about 0.3-0.7 in mouse tumours, e.g. Chauhan et al., Nat
  Commun 2013;4:2516; transient closure of ~9 % of vessels, Trotter et al., Int J Radiat Oncol
  Biol Phys 1989;16:931). The whole-tumour exchange is therefore ``PS = f_perf * P(d) * S/V * V``
  with ``f_perf = 0.5``, the central value of that 0.3-0.7 range (approximate: it varies with
  tumour model and size). Size dependence of P: up to 97 % of nanoparticles enter tumours by
  active transcytosis through endothelial cells, not through inter-endothelial gaps (Sindhwani
  et al., Nat Mater 2020;19:566), so ``P(d) = P_90 * (0.97 + 0.03 * DH(d) / DH(90 nm))`` with
  ``DH = D * H(r/250 nm)`` for the gap (pore) share -- the measured 90 nm value, weakly size
  dependent, instead of the ~5x rise from 90 to 30 nm that pure pore diffusion would give.
  Tumour interstitial fluid pressure is close to microvascular pressure except at the rim
  (Boucher & Jain, Cancer Res 1992;52:5110), so transvascular convection is neglected.
  *Perivascular layer.* Extravasated particles stay close to the vessels they left: 2 MDa
  dextran (d ~ 54 nm) within ~5 um of the vessel wall, small dextrans further (Dreher et al.,
  J Natl Cancer Inst 2006;98:335); Stealth liposomes stay perivascular (Yuan et al., Cancer Res
  1994;54:3352). With the diffusive scaling ``L(d) = 5 um * sqrt(54 nm / d)`` the reachable
  tissue is ``phi = f_perf * S/V * L(d)`` of the tumour (at most ``f_perf``;
  :func:`perivascular_fraction`): 3.7 % for 100 nm, 6.7 % for 30 nm. The particle-accessible
  interstitial volume (``f_is_tumor = 0.40 * phi``), the receptor pool (``N_bind_cap``) and
  the tumour-associated macrophages (``N_cap_tumor``) are those of this layer. The layer
  thickness is a 30-min measurement; over days particles may spread further (approximate).

*Lymph.* Interstitium -> venous blood at 0.2 % of the organ's plasma flow (Shah & Betts,
J Pharmacokinet Pharmacodyn 2012;39:67); none from tumour (non-functional intratumoural
lymphatics; Padera et al., Science 2002;296:1883) or brain.

*Spleen.* A fraction ``f_open`` of splenic blood runs through the open circulation of the
red-pulp cords: in rats 72-93 % of splenic flow (Ruppert, Hutten & Vaupel, Pflugers Arch 1981,
doi:10.1007/BF00582184, 85Kr clearance before and after blocking the open circulation with rigid
spherocytes); we take the centre, 0.82, for mouse and rat (the mouse value is assumed equal to the
rat's; the rabbit spleen is ~90 % open, Chen, Science 1978;201:157). Human: 0.1 (Groom, Schmidt &
MacDonald, Scanning Microsc 1991;5:159; washout kinetics give 0.1 of the inflow to the red pulp
in the cat spleen, Song & Groom; no human measurement used here). Particles return to the
venous sinuses through interendothelial slits (r ~ 250 nm; Mebius & Kraal, Nat Rev Immunol
2005;5:606: slits 0.2-0.5 um), hindered by Renkin's H -- large particles are filtered.

*Mononuclear phagocyte system (MPS).* Per-pass extraction ``E = 1 - exp(-E0_o * R)`` by Kupffer
cells (liver sinusoids), marrow sinusoidal macrophages, red-pulp macrophages (spleen cords), lung
intravascular cells, kidney tissue (mesangium, resident macrophages) and tumour-associated
macrophages (from the interstitium); ``K_max = Q/V_b * E/(1-E)``. The per-organ ``E0_o`` and the
terms of the recognition factor ``R = R_coat * R_charge * R_size * R_shape * R_class`` (see
:func:`recognition_factor`) are *global mechanism constants* (:mod:`nanotwin.pbpk.mechanisms`:
literature priors with their sources, calibrated on multi-organ data; the posterior median is
used by default). Uptake is capacity-limited in particle NUMBER: the rate falls as
``1 - N_pc / N_cap`` with ``N_cap = n_macrophages * A_mem / (pi d^2)`` -- a macrophage can
internalise particles whose total surface is about its own membrane area, A_mem ~ 1000 um^2
(Cannon & Swanson, J Cell Sci 1992;101:907). Macrophage densities: Kupffer cells 2e7 per g liver
(Bouwens et al., Hepatology 1986;6:718), red-pulp macrophages 5e7 per g spleen, marrow 1e7 per g,
lung (intravascular) 7e6 per g, kidney 1e7 per g, tumour-associated macrophages 2e7 per g
(approximations: 5-20 % of ~1e8-4e8 cells per g). With these, the liver saturates at ~1e12
particles of 50-100 nm per mouse, the threshold reported by Ouyang et al. (Nat Mater
2020;19:1362) -- the threshold is a consequence, not an input. Release from phagocytes: 0.0015/h
liver, 0.001/h spleen and marrow, 0.003/h lung (the defaults of Chou et al., J Control Release
2023;361:53); kidney and tumour release are mechanism constants. Soft carriers (lipid, polymer,
protein classes) are degraded inside phagocytes at ``k_deg_soft`` (a mechanism constant): the
particle joins the ``degraded`` sink and its label the organ's free-label pool.

*Renal clearance.* ``CL_urine = GFR * theta(d)`` with a glomerular sieving coefficient
``theta = 1 / (1 + exp((d - 5.5 nm) / 0.6 nm))``: complete filtration below ~4 nm, none above
~8 nm (Choi et al., Nat Biotechnol 2007;25:1165: renal threshold 5.5 nm), times the filterable
(protein-free) share of the particle: 1 with a protein-resistant coating (zwitterionic, PEG or
membrane cloak), else the mechanism constant ``f_unbound`` (charged ultrasmall particles adsorb
serum proteins and grow beyond the cut-off; Choi et al. 2007).

*Biliary excretion.* From the hepatocyte/Disse space: ``CL_bile = 3e-5 L/h/kg^0.75 * BW^0.75``
(Chou et al. 2023 default, gold nanoparticles in mice).

*Active targeting.* Receptor binding in the tumour interstitium: ``k_on`` 1e5 /M/s per ligand
(antibody/peptide range 1e5-1e6; Thurber, Schmidt & Wittrup, Trends Pharmacol Sci 2008;29:57) at
the receptor concentration of 1e5 receptors per cell and 2e8 cells per mL; multivalent avidity
``k_off_eff = k_off * (Kd / (Kd + C_eff))^(n_b - 1)`` with ``n_b = min(copies, 3)`` bonds and
effective local receptor concentration C_eff = 100 uM (Mammen, Choi & Whitesides, Angew Chem
Int Ed 1998;37:2754); internalisation 0.2/h (Thurber et al. 2008: 1e-5-1e-4 /s). Binding
capacity in particles: receptors of the perivascular layer / n_b. Blocking (excess free ligand,
10 uM) leaves a free receptor fraction ``f_free = Kd / (Kd + 10 uM)``: it scales the binding rate,
the binding capacity (occupied receptors cannot take a particle) and the neighbour concentration
of the avidity term (``C_eff * f_free``: further bonds need free neighbours).

*Dose.* ``N_dose`` = ``administration.particle_number`` or ``dose_mg_per_kg * BW / m_p`` with
``m_p = rho * pi d^3 / 6`` (rho: design density, else the catalog platform core density, else
1.05 g/cm^3 for soft hydrated carriers -- lipid bilayers and hydrated polymers ~1.0-1.1 g/cm^3);
default dose 6 mg/kg (median dose of the Nano-Tumor database, Chou et al. 2023). Using the
hydrodynamic diameter with the core density over-estimates the particle mass of coated particles
(so under-estimates the number): approximate.

*Radiolabel.* Label loss ``k_det = ln 2 / t_detach`` (design value, else the chelator catalog's
``detachment_half_life_h`` for the metal; if neither exists no loss is modelled and the result
says so); radiochemical purity ``f_rcp`` (the rest is injected as free ion); free-ion kinetics
from :mod:`nanotwin.pbpk.radiometal`.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any

import numpy as np

from nanotwin.errors import DesignError
from nanotwin.pbpk.mechanisms import (
    MATERIAL_CLASSES,
    SOFT_CLASSES,
    material_class,
    resolve_mechanisms,
)
from nanotwin.pbpk.physiology import TISSUES, physiology, tumor_mass_g
from nanotwin.pbpk.radiometal import FREE_ORGANS, FREE_POOLS, free_ion_model

__all__ = ["PBPKParameters", "build_parameters", "parameter_names", "stack_parameters",
           "recognition_factor", "perivascular_fraction", "renkin_hindrance",
           "stokes_einstein_cm2_s", "sieving", "design_features", "derive_parameters",
           "build_parameter_batch", "stack_features", "PC_ORGANS"]

# --- physical constants and literature values (sources in the module docstring) -------------
K_B = 1.380649e-23  # J/K
T_BODY = 310.15  # K
ETA = 0.69e-3  # Pa s, water at 37 C
AVOGADRO = 6.02214076e23

R_SMALL, R_LARGE = 4.5, 25.0  # nm, Rippe & Haraldsson 1994
LARGE_PER_SMALL = 1e-4  # pore number ratio
P_SUCROSE, R_SUCROSE = 3e-6, 0.46  # cm/s, nm (Crone & Levitt 1984)
S_CONT = 70.0  # cm^2/g, muscle capillary surface
FENESTRATED_FACTOR = 10.0
R_LIVER, EPS_LIVER, DX_SINUSOID, S_SINUSOID = 70.0, 0.06, 0.2e-4, 300.0  # nm, -, cm, cm^2/g
R_MARROW, EPS_MARROW = 40.0, 0.01
R_BBB = 0.7
R_TUMOR, P_LIPO90, S_TUMOR = 250.0, 3.4e-8, 200.0  # nm, cm/s, cm^2/cm^3
F_PERF_TUMOR = 0.5  # perfused fraction of an s.c. tumour, centre of 0.3-0.7 (module docstring)
F_ACTIVE_TUMOR = 0.97  # share of tumour entry by active transcytosis (Sindhwani et al. 2020)
# perivascular penetration of extravasated particles (Dreher et al., J Natl Cancer Inst
# 2006;98:335): ~5 um from the vessel wall for 2 MDa dextran (hydrodynamic diameter ~54 nm,
# Armstrong et al., Biophys J 2004;87:4259: R_h 27 nm); diffusive scaling L ~ D^0.5 ~ d^-0.5
L_PEN_REF_CM, D_PEN_REF_NM = 5.0e-4, 54.0
F_OPEN_SPLEEN_HUMAN = 0.1  # open share of human splenic flow (Groom et al. 1991)
LYMPH_FRACTION = 0.002
A_MEM_NM2 = 1000.0e6  # 1000 um^2 in nm^2
MACROPHAGES_PER_G = {"liver": 2e7, "spleen": 5e7, "marrow": 1e7, "lung": 7e6, "kidney": 1e7,
                     "tumor": 2e7}
#: Release from phagocytes (1/h), Chou et al. 2023 defaults; kidney and tumour: mechanisms.
K_RELEASE = {"liver": 0.0015, "spleen": 0.001, "marrow": 0.001, "lung": 0.003}
D50_RENAL, W_RENAL = 5.5, 0.6  # nm
KBILE_C = 3e-5 * 1000.0  # mL/h/kg^0.75
K_ON = 1e5  # 1/M/s
RECEPTORS_PER_CELL, CELLS_PER_ML = 1e5, 2e8
C_EFF_NM = 1e5  # 100 uM
K_INT = 0.2  # 1/h
C_BLOCK_NM = 1e4  # 10 uM
RHO_SOFT = 1.05  # g/cm^3
DEFAULT_DOSE_MG_PER_KG = 6.0
E_MAX = 0.999  # largest per-pass extraction (keeps K_max finite)

CONTINUOUS = ("lung", "heart", "muscle", "skin", "adipose", "bone", "rest")
FENESTRATED = ("kidney", "gut")
#: Organs with a phagocytic (particle-retaining) compartment.
PC_ORGANS = ("lung", "liver", "spleen", "marrow", "kidney", "tumor")


def stokes_einstein_cm2_s(d_nm: Any) -> Any:
    """Diffusion coefficient (cm^2/s) of a sphere of diameter ``d_nm`` in water at 37 C.

    Examples
    --------
    >>> f"{stokes_einstein_cm2_s(100.0):.2e}"
    '6.58e-08'
    """
    d_m = np.asarray(d_nm, dtype=float) * 1e-9
    return K_B * T_BODY / (3.0 * math.pi * ETA * d_m) * 1e4


def renkin_hindrance(r_particle_nm: Any, r_pore_nm: float) -> Any:
    """Renkin (1954) diffusive hindrance (incl. steric partition) of a sphere in a pore.

    Examples
    --------
    >>> round(float(renkin_hindrance(1.0, 10.0)), 4)
    0.6413
    >>> float(renkin_hindrance(12.0, 10.0))
    0.0
    """
    lam = np.clip(np.asarray(r_particle_nm, dtype=float) / r_pore_nm, 0.0, 1.0)
    H = (1 - lam) ** 2 * (1 - 2.104 * lam + 2.09 * lam**3 - 0.95 * lam**5)
    return np.clip(H, 0.0, None)


def sieving(d_nm: Any) -> Any:
    """Glomerular sieving coefficient of a particle of hydrodynamic diameter ``d_nm``.

    Examples
    --------
    >>> round(float(sieving(5.5)), 2), float(sieving(20.0)) < 1e-9
    (0.5, True)
    """
    x = (np.asarray(d_nm, dtype=float) - D50_RENAL) / W_RENAL
    return 0.5 * (1.0 - np.tanh(0.5 * x))  # = 1 / (1 + exp(x)), overflow-free


def perivascular_fraction(d_nm: Any, L_pen_scale: Any = 1.0, q_pen: Any = 0.5) -> Any:
    """Fraction of a tumour's volume that extravasated particles of diameter ``d_nm`` reach.

    Particles leave perfused vessels and stay in a perivascular layer of thickness
    ``L(d) = 5 um * (54 nm / d)^q_pen`` (Dreher et al., J Natl Cancer Inst 2006;98:335: 2 MDa
    dextran, d ~ 54 nm, stayed within ~5 um of the vessel wall, small dextrans went further;
    liposomes stay perivascular, Yuan et al., Cancer Res 1994;54:3352; q_pen = 0.5 is diffusive
    scaling), times the mechanism constant ``L_pen_scale``; the layer volume is
    ``f_perf * S/V * L`` of the tumour (perfused vessel surface times thickness), at most the
    perfused share ``f_perf``.

    Examples
    --------
    >>> round(float(perivascular_fraction(100.0)), 4)
    0.0367
    >>> float(perivascular_fraction(0.5))
    0.5
    """
    d = np.maximum(np.asarray(d_nm, dtype=float), 1e-3)
    L_cm = L_PEN_REF_CM * (D_PEN_REF_NM / d) ** np.asarray(q_pen, dtype=float) * \
        np.asarray(L_pen_scale, dtype=float)
    out = np.minimum(F_PERF_TUMOR * S_TUMOR * L_cm, F_PERF_TUMOR)
    return float(out) if out.ndim == 0 else out


def _getter(obj: Any):  # noqa: ANN202
    if isinstance(obj, Mapping):
        return lambda k, d=None: obj.get(k, d)
    return lambda k, d=None: getattr(obj, k, d)


def _coating(nanoparticle: Any) -> dict[str, float]:
    """Coating descriptors: PEG coverage ``c`` (NaN: no PEG), the zwitterionic/cloak factor and
    whether the surface resists protein adsorption."""
    get = _getter(nanoparticle)
    coating = get("coating")
    cg = _getter(coating) if coating is not None else (lambda k, dflt=None: dflt)
    peg = cg("peg")
    c = math.nan
    if peg is not None:
        pg = _getter(peg)
        mw, sigma = float(pg("molecular_weight")), pg("surface_density")
        if sigma is None:
            c = 1.0  # unknown density: brush onset
        else:
            R_F = 0.35 * (mw / 44.0) ** 0.6  # Flory radius, nm (de Gennes 1980)
            D = 2.0 / math.sqrt(math.pi * float(sigma))  # graft spacing, nm
            c = min(R_F / D, 2.0)
    other = 1.0
    if cg("zwitterionic", False):
        other = min(other, 1.0 / 50.0)
    cloak = cg("membrane_cloak")
    if cloak:
        other = min(other, 1.0 / 50.0 if cloak == "rbc" else 1.0 / 30.0)
    resistant = 1.0 if (peg is not None or other < 1.0) else 0.0
    return {"peg_c": c, "coat_other": other, "protein_resistant": resistant}


def _class_weights(platform: str) -> dict[str, float]:
    cls = material_class(platform)
    return {f"cls_{c}": 1.0 if c == cls else 0.0 for c in MATERIAL_CLASSES}


def _recognition(F: Mapping[str, Any], M: Mapping[str, Any]) -> Any:
    """R = R_coat * R_charge * R_size * R_shape * R_class on feature arrays (vectorised)."""
    c = np.asarray(F["peg_c"], dtype=float)
    R_peg = np.where(np.isnan(c), 1.0, 1.0 / (1.0 + np.asarray(M["a_peg"]) * np.nan_to_num(c) ** 2))
    R_coat = np.minimum(R_peg, np.asarray(F["coat_other"], dtype=float))
    zeta = np.asarray(F["zeta"], dtype=float)
    R_charge = np.where(zeta > 0, np.exp(np.maximum(zeta, 0.0) / M["z_cation"]),
                        np.exp(-np.minimum(zeta, 0.0) / M["z_anion"]))
    d = np.clip(np.asarray(F["d_nm"], dtype=float), 10.0, 2000.0)
    R_size = (d / 100.0) ** np.asarray(M["s_size"], dtype=float)
    R_shape = np.asarray(F["aspect_ratio"], dtype=float) ** -np.asarray(M["s_shape"], dtype=float)
    ln_cls = 0.0
    for cl in MATERIAL_CLASSES:
        if cl != "polymer":
            ln_cls = ln_cls + np.asarray(F[f"cls_{cl}"], dtype=float) * np.log(M[f"R_class_{cl}"])
    return R_coat * R_charge * R_size * R_shape * np.exp(ln_cls)


def recognition_factor(nanoparticle: Any, mechanisms: Any = "prior") -> float:
    """MPS recognition (opsonisation) factor R of a particle; 1 = uncoated neutral 100 nm polymer
    sphere.

    ``R = R_coat * R_charge * R_size * R_shape * R_class`` with the mechanism constants of
    :mod:`nanotwin.pbpk.mechanisms` (``"prior"``: the literature values; ``None``: the calibrated
    default; or a mapping):

    - PEG: ``1 / (1 + a_peg c^2)`` with ``c = min(R_F / D, 2)``, the Flory radius ``R_F = 0.35 nm *
      (MW/44)^0.6`` over the graft spacing ``D = 2 / sqrt(pi sigma)`` (de Gennes, Macromolecules
      1980;13:1069); unknown density -> c = 1 (brush onset);
    - zwitterionic coating: 1/50 (no serum protein adsorption; Choi et al., Nat Biotechnol
      2007;25:1165); cell-membrane cloak: RBC 1/50 (Hu et al., PNAS 2011;108:10980: 2.5x longer
      circulation than PEG), other membranes 1/30; the smallest of the coating factors applies;
    - charge: ``exp(zeta/z_cation)`` for cationic, ``exp(|zeta|/z_anion)`` for anionic particles;
    - size: ``(d / 100 nm)^s_size`` within 10-2000 nm; shape: ``aspect_ratio^-s_shape``;
    - material class: ``R_class`` of the platform's class (:data:`MATERIAL_CLASSES`).

    Examples
    --------
    >>> recognition_factor({"hydrodynamic_diameter": 100.0, "zeta_potential": 0.0})
    1.0
    >>> round(recognition_factor({"hydrodynamic_diameter": 100.0, "zeta_potential": 0.0,
    ...                           "coating": {"peg": {"molecular_weight": 2000.0}}}), 3)
    0.05
    """
    get = _getter(nanoparticle)
    F = {"d_nm": float(get("hydrodynamic_diameter")),
         "zeta": float(get("zeta_potential", 0.0) or 0.0),
         "aspect_ratio": float(get("aspect_ratio", 1.0) or 1.0),
         **_coating(nanoparticle), **_class_weights(get("platform", "polymeric") or "polymeric")}
    return float(_recognition(F, resolve_mechanisms(mechanisms)))


@dataclass(frozen=True)
class PBPKParameters:
    """Named PBPK parameters (floats, or arrays of shape ``(n,)`` for a batch of subjects).

    Access a parameter as an attribute (``p.Q_liver``) or by name (``p["Q_liver"]``).

    Attributes
    ----------
    values
        ``name -> value`` in the units of :func:`parameter_units`.
    meta
        Non-numeric facts: species, nuclide, element, route, notes.
    """

    values: Mapping[str, Any]
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        vals = self.__dict__.get("values")
        if vals is not None and name in vals:
            return vals[name]
        raise AttributeError(name)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    @property
    def names(self) -> tuple[str, ...]:
        """Parameter names in the canonical order."""
        return tuple(self.values)

    @property
    def batch_size(self) -> int | None:
        """``None`` for one subject, else the length of the parameter arrays."""
        sizes = {np.shape(v)[0] for v in self.values.values() if np.ndim(v) == 1}
        return sizes.pop() if sizes else None

    def as_vector(self) -> np.ndarray:
        """All parameters as one flat vector (or a (n_params, n) matrix for a batch).

        Examples
        --------
        >>> p = build_parameters({"name": "x", "nanoparticle": {"platform": "gold",
        ...     "hydrodynamic_diameter": 20.0}}, canonical_numbers=True)
        >>> p.as_vector().shape == (len(parameter_names()),)
        True
        """
        n = self.batch_size
        if n is None:
            return np.array([float(v) for v in self.values.values()])
        return np.stack([np.broadcast_to(np.asarray(v, float), (n,)) for v in
                         self.values.values()])

    def from_vector(self, vector: Any) -> PBPKParameters:
        """New parameters with the values of ``vector`` (same order as :attr:`names`)."""
        vec = np.asarray(vector, dtype=float)
        if vec.shape[0] != len(self.values):
            raise DesignError(
                f"parameter vector: has {vec.shape[0]} entries, expected {len(self.values)}; "
                "build it with as_vector()", "parameters")
        vals = {k: (float(vec[i]) if vec.ndim == 1 else vec[i]) for i, k in
                enumerate(self.values)}
        return PBPKParameters(MappingProxyType(vals), self.meta)

    def replace(self, **updates: Any) -> PBPKParameters:
        """Copy with some named parameters replaced (unknown names raise DesignError)."""
        return _apply_overrides(self, updates)

    @cached_property
    def _model_cache(self) -> dict:
        return {}


def _apply_overrides(p: PBPKParameters, overrides: Mapping[str, Any] | None) -> PBPKParameters:
    if not overrides:
        return p
    vals = dict(p.values)
    for k, v in overrides.items():
        if k not in vals:
            near = difflib.get_close_matches(k, list(vals), n=4, cutoff=0.5)
            hint = f"did you mean {', '.join(near)}?" if near else \
                "see nanotwin.pbpk.parameter_names()"
            raise DesignError(f"overrides: unknown parameter {k!r}; {hint}", "overrides")
        arr = np.asarray(v, dtype=float)
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise DesignError(f"overrides.{k}: {v!r} must be finite and >= 0; give a valid "
                              "value", f"overrides.{k}")
        vals[k] = float(arr) if arr.ndim == 0 else arr
    return PBPKParameters(MappingProxyType(vals), p.meta)


def stack_parameters(params: Sequence[PBPKParameters]) -> PBPKParameters:
    """Stack single-subject parameters into one batch (arrays of shape ``(n,)``).

    The structural facts (``meta``) of the first entry are kept; they must agree in the species
    and the presence of a tumour/label for the batch to be meaningful.
    """
    if not params:
        raise DesignError("parameters: the batch is empty; give at least one", "parameters")
    names = params[0].names
    vals = {k: np.concatenate([np.atleast_1d(np.asarray(pp.values[k], dtype=float))
                               for pp in params]) for k in names}
    return PBPKParameters(MappingProxyType(vals), params[0].meta)


def parameter_names() -> tuple[str, ...]:
    """Names of all PBPK parameters, in the order of :meth:`PBPKParameters.as_vector`.

    Examples
    --------
    >>> names = parameter_names()
    >>> "Q_liver" in names and "K_max_liver" in names and "PS_tumor" in names
    True
    """
    return _NAMES


def _names() -> tuple[str, ...]:
    n = ["BW", "Hct", "CO", "V_art", "V_ven", "Q_hepatic_artery"]
    for o in TISSUES:
        n += [f"V_{o}", f"V_b_{o}", f"V_t_{o}", f"f_is_{o}"]
    for o in TISSUES:
        if o != "lung":
            n.append(f"Q_{o}")
    n += [f"PS_{o}" for o in TISSUES]
    n += [f"L_{o}" for o in TISSUES]
    n += ["f_open_spleen", "H_slit_spleen"]
    for o in PC_ORGANS:
        n += [f"K_max_{o}", f"K_release_{o}", f"N_cap_{o}", f"k_deg_{o}"]
    n += ["CL_urine", "CL_bile", "k_on_tumor", "k_off_tumor", "k_int_tumor", "N_bind_cap",
          "phi_tumor", "N_dose", "R_mps", "d_nm", "k_det", "f_rcp", "lambda_phys", "k_fm_out",
          "k_fm_bile"]
    n += [f"f_fm_{o}" for o in FREE_POOLS if o != "blood"]
    n += [f"k_fm_back_{o}" for o in FREE_ORGANS if o != "blood"]
    return tuple(n)


_NAMES = _names()


def parameter_units() -> dict[str, str]:
    """Unit of every parameter (``""`` for dimensionless).

    Examples
    --------
    >>> parameter_units()["Q_liver"], parameter_units()["K_max_liver"]
    ('mL/h', '1/h')
    """
    out = {}
    for n in _NAMES:
        if n.startswith(("V_", "V_b_", "V_t_")):
            u = "mL"
        elif n.startswith(("Q_", "PS_", "L_", "CL_")) or n == "CO":
            u = "mL/h"
        elif n.startswith(("K_", "k_")) or n == "lambda_phys":
            u = "1/h"
        elif n.startswith("N_"):
            u = "particles"
        elif n == "BW":
            u = "kg"
        elif n == "d_nm":
            u = "nm"
        else:
            u = ""
        out[n] = u
    return out


def _particle_mass_g(np_: Any, d_nm: float) -> tuple[float, str]:
    rho = getattr(np_, "density", None)
    src = "design density"
    if rho is None:
        try:
            from nanotwin.catalog import get_platform

            rho = get_platform(np_.platform).density_g_cm3
            src = "catalog platform density"
        except (ImportError, DesignError):  # pragma: no cover - catalog always present
            rho = None
    if rho is None:
        rho, src = RHO_SOFT, "soft-carrier density 1.05 g/cm3"
    d_cm = d_nm * 1e-7
    return float(rho) * math.pi / 6.0 * d_cm**3, src


def _label(design: Any) -> dict[str, Any]:
    lab = design.radiolabel
    if lab is None:
        return {"k_det": 0.0, "f_rcp": 1.0, "lambda_phys": 0.0, "element": None,
                "nuclide": None, "detach_note": "no radiolabel"}
    from nanotwin.physics import element, half_life

    el = element(lab.nuclide)
    t_det, note = lab.detachment_half_life, "design detachment_half_life"
    if t_det is None and lab.chelator:
        from nanotwin.catalog import get_chelator

        t_det = get_chelator(lab.chelator).detachment_half_life(el)
        note = f"catalog {lab.chelator}-{el} detachment half-life"
    if t_det is None:
        note = ("no label detachment modelled: no published rate for this label; give "
                "radiolabels[0].detachment_half_life to model it")
    return {"k_det": 0.0 if t_det is None else math.log(2.0) / float(t_det),
            "f_rcp": float(lab.radiochemical_purity),
            "lambda_phys": math.log(2.0) / half_life(lab.nuclide),
            "element": el, "nuclide": lab.nuclide, "detach_note": note}


def _load_design(design: Any, canonical_numbers: bool) -> Any:
    from nanotwin.design import Design, load_design

    if isinstance(design, Design):
        return design
    if isinstance(design, Mapping):
        return load_design(design, canonical_numbers=canonical_numbers)
    return load_design(design)


def design_features(design: Any, species: str | None = None, *,
                    canonical_numbers: bool = False) -> tuple[dict[str, float], dict[str, Any]]:
    """Everything of a design the PBPK parameters need that does not depend on the mechanism
    constants: physiology, size, charge, coating, material class, targeting, dose and label.

    Parameters
    ----------
    design
        A :class:`~nanotwin.design.Design`, a mapping or a path to a design file.
    species
        ``"mouse"``, ``"rat"`` or ``"human"``; ``None`` uses ``design.subject.species`` (another
        species uses its default body weight).
    canonical_numbers
        For mappings: bare numbers are in canonical units (as in ``load_design``).

    Returns
    -------
    (features, meta)
        Named floats (see :func:`derive_parameters`) and the non-numeric facts.

    Examples
    --------
    >>> F, meta = design_features({"name": "x", "nanoparticle": {"platform": "gold",
    ...     "hydrodynamic_diameter": 20.0}}, canonical_numbers=True)
    >>> F["d_nm"], F["cls_metal"], meta["species"]
    (20.0, 1.0, 'mouse')
    """
    design = _load_design(design, canonical_numbers)
    sub = design.subject
    sp = species or sub.species
    if sp not in ("mouse", "rat", "human"):
        raise DesignError(f"species: {sp!r} is not modelled; use mouse, rat or human",
                          "species")
    if sp == sub.species:
        bw = sub.body_weight
    else:
        from nanotwin.design.models import DEFAULT_BODY_WEIGHT_KG

        bw = DEFAULT_BODY_WEIGHT_KG[sp]
    route = design.administration.route
    if route not in ("iv", "intratumoral"):
        raise DesignError(
            f"administration.route: {route!r} is not modelled by the PBPK (absorption "
            "kinetics unknown); use 'iv' or 'intratumoral'", "administration.route")
    if route == "intratumoral" and sub.tumor is None:
        raise DesignError("administration.route: intratumoral needs subject.tumor; add the "
                          "tumour or use route 'iv'", "administration.route")
    ph = physiology(sp, bw, tumor_mass_g(sub.tumor, sp))
    np_ = design.nanoparticle
    d = float(np_.hydrodynamic_diameter)
    r = d / 2.0
    Hct = ph.hematocrit
    F: dict[str, float] = {"BW": bw, "Hct": Hct, "rodent": 0.0 if sp == "human" else 1.0}
    # --- volumes
    Vb_sum = 0.0
    for o in TISSUES:
        V = ph.V[o]
        Vb = V * ph.blood_fraction[o]
        F[f"V_{o}"], F[f"V_b_{o}"], F[f"V_t_{o}"] = V, Vb, V - Vb
        F[f"f_is_{o}"] = ph.interstitial_fraction[o]
        Vb_sum += Vb
    V_large = ph.blood_volume - Vb_sum  # blood in the large vessels and heart chambers
    if V_large <= 0:  # pragma: no cover - tables give ~40 % of blood in large vessels
        raise DesignError("subject: organ blood exceeds total blood volume", "subject")
    F["V_art"], F["V_ven"] = V_large / 3.0, 2.0 * V_large / 3.0  # arterial:venous 1:2
    # --- flows
    F["CO"] = ph.cardiac_output
    F["Q_hepatic_artery"] = ph.Q["hepatic_artery"]
    for o in TISSUES:
        if o != "lung":
            F[f"Q_{o}"] = ph.Q[o]
    # --- transcapillary exchange (pore theory); PS in mL/h
    D = float(stokes_einstein_cm2_s(d))
    apl_small = P_SUCROSE / (float(stokes_einstein_cm2_s(2 * R_SUCROSE)) *
                             float(renkin_hindrance(R_SUCROSE, R_SMALL))) * S_CONT  # cm/g
    apl_large = apl_small * LARGE_PER_SMALL * (R_LARGE / R_SMALL) ** 2

    def two_pore(scale: float) -> float:
        return scale * D * (apl_small * float(renkin_hindrance(r, R_SMALL)) +
                            apl_large * float(renkin_hindrance(r, R_LARGE)))

    apl_liver = S_SINUSOID * EPS_LIVER / DX_SINUSOID
    apl_marrow = S_SINUSOID * EPS_MARROW / DX_SINUSOID
    eps_dx_tumor = P_LIPO90 / (float(stokes_einstein_cm2_s(90.0)) *
                               float(renkin_hindrance(45.0, R_TUMOR)))
    for o in TISSUES:
        mass = F[f"V_t_{o}"]
        if o in CONTINUOUS:
            ps = two_pore(1.0)
        elif o in FENESTRATED:
            ps = two_pore(FENESTRATED_FACTOR)
        elif o == "liver":
            ps = D * apl_liver * float(renkin_hindrance(r, R_LIVER))
        elif o == "marrow":
            ps = D * apl_marrow * float(renkin_hindrance(r, R_MARROW))
        elif o == "brain":
            ps = D * apl_small * float(renkin_hindrance(r, R_BBB))
        elif o == "tumor":
            # measured 90 nm permeability split into active transcytosis (size-independent
            # here) and diffusion through inter-endothelial gaps (pore theory, D(d) H(d))
            p_gap = D * eps_dx_tumor * float(renkin_hindrance(r, R_TUMOR))
            ps = F_PERF_TUMOR * S_TUMOR * (F_ACTIVE_TUMOR * P_LIPO90 +
                                           (1.0 - F_ACTIVE_TUMOR) * p_gap)
        else:  # spleen: handled by the open circulation
            ps = 0.0
        F[f"PS0_{o}"] = ps * mass * 3600.0  # cm^3/s/g * g -> mL/h
    for o in TISSUES:
        plasma_flow = (F["CO"] if o == "lung" else F[f"Q_{o}"]) * (1.0 - Hct)
        F[f"L_{o}"] = 0.0 if o in ("tumor", "brain", "spleen") else LYMPH_FRACTION * plasma_flow
    # micro-particles > ~4 um lodge in lung capillaries (capillary diameter ~5 um; the basis of
    # 99mTc-MAA lung perfusion imaging)
    F["trap_lung"] = 0.5 * (1.0 + math.tanh((d - 4000.0) / 250.0))
    # --- surface and material
    F["d_nm"] = d
    F["zeta"] = float(np_.zeta_potential)
    F["aspect_ratio"] = float(np_.aspect_ratio)
    F.update(_coating(np_))
    F.update(_class_weights(np_.platform))
    F["soft"] = 1.0 if material_class(np_.platform) in SOFT_CLASSES else 0.0
    F["per_cell"] = A_MEM_NM2 / (math.pi * d * d)
    # --- excretion
    F["gfr_theta"] = ph.gfr * float(sieving(d))
    F["CL_bile"] = KBILE_C * bw**0.75
    # --- targeting (the perivascular share phi multiplies the capacity in derive_parameters)
    tumor = sub.tumor is not None and F["V_tumor"] > 0
    ligs = np_.ligands if tumor else ()
    if ligs:
        lig = min(ligs, key=lambda lg: lg.kd)
        n_b = min(lig.copies_per_particle, 3.0)
        # receptor concentration in the interstitial fluid next to the cells (local: the
        # tissue's whole interstitial fraction, not the particle-accessible share)
        receptors_M = RECEPTORS_PER_CELL * CELLS_PER_ML / AVOGADRO * 1000.0 / \
            ph.interstitial_fraction["tumor"]
        # free receptor fraction: co-injected excess free ligand occupies Kd/(Kd + C) of them
        f_free = lig.kd / (lig.kd + C_BLOCK_NM) if design.administration.blocking else 1.0
        k_on = K_ON * receptors_M * f_free * 3600.0
        # avidity: further bonds form with the FREE neighbouring receptors only
        c_eff = C_EFF_NM * f_free
        k_off = lig.kd * 1e-9 * K_ON * 3600.0 * (lig.kd / (lig.kd + c_eff)) ** (n_b - 1)
        F["k_on_tumor"], F["k_off_tumor"], F["k_int_tumor"] = k_on, k_off, K_INT
        # capacity per unit of reachable tumour: free receptors on the cells of the layer
        F["bind_cap0"] = f_free * RECEPTORS_PER_CELL * CELLS_PER_ML * F["V_tumor"] / n_b
    else:
        F["k_on_tumor"] = F["k_off_tumor"] = F["k_int_tumor"] = 0.0
        F["bind_cap0"] = 0.0
    # --- dose in particles
    adm = design.administration
    m_p, rho_src = _particle_mass_g(np_, d)
    if adm.particle_number is not None:
        N, dose_src = adm.particle_number, "administration.particle_number"
    else:
        dose = adm.dose_mg_per_kg if adm.dose_mg_per_kg is not None else DEFAULT_DOSE_MG_PER_KG
        dose_src = ("administration.dose_mg_per_kg" if adm.dose_mg_per_kg is not None else
                    f"default {DEFAULT_DOSE_MG_PER_KG} mg/kg (Nano-Tumor database median)")
        N = dose * bw * 1e-3 / m_p
    F["N_dose"] = max(float(N), 1.0)
    # --- radiolabel
    lab = _label(design)
    F["k_det"], F["f_rcp"], F["lambda_phys"] = lab["k_det"], lab["f_rcp"], lab["lambda_phys"]
    fm = free_ion_model(lab["element"])
    F["k_fm_out"], F["k_fm_bile"] = fm["k_out"], fm["k_bile"]
    for o in FREE_POOLS:
        if o != "blood":
            F[f"f_fm_{o}"] = float(fm["f"].get(o, 0.0))
    for o in FREE_ORGANS:
        if o != "blood":
            F[f"k_fm_back_{o}"] = fm["k_back"][o]
    meta = {
        "species": sp, "route": route, "has_tumor": bool(tumor),
        "nuclide": lab["nuclide"], "element": lab["element"],
        "label_detachment": lab["detach_note"], "dose_source": dose_src,
        "particle_mass_source": rho_src, "particle_mass_g": m_p,
        "free_label_model": "generic" if fm["generic"] else (lab["element"] or "none"),
        "design_name": design.name, "material_class": material_class(np_.platform),
    }
    return F, meta


def stack_features(features: Sequence[Mapping[str, float]]) -> dict[str, np.ndarray]:
    """Stack per-design feature dicts (:func:`design_features`) into arrays of shape ``(n,)``."""
    if not features:
        raise DesignError("features: the batch is empty; give at least one design", "features")
    keys = features[0].keys()
    return {k: np.array([float(f[k]) for f in features]) for k in keys}


def _k_from_E(E: Any, flow: Any, volume: Any) -> Any:
    """First-order uptake rate (1/h) from a per-pass extraction ``E`` of ``flow`` through
    ``volume``: ``Q/V * E/(1-E)``."""
    E = np.minimum(E, E_MAX)
    return np.asarray(flow) / np.asarray(volume) * E / (1.0 - E)


def derive_parameters(F: Mapping[str, Any], mechanisms: Any = None) -> dict[str, Any]:
    """PBPK parameter values from design features and mechanism constants (vectorised).

    Every entry of ``F`` and ``mechanisms`` may be a float or an array of shape ``(n,)``; the
    result broadcasts them (one design x many mechanism draws, or many designs).

    Parameters
    ----------
    F
        Features of :func:`design_features` (or :func:`stack_features`).
    mechanisms
        ``None`` (the calibrated default), ``"prior"`` or a mapping of mechanism constants.

    Returns
    -------
    dict
        ``name -> value`` for every name of :func:`parameter_names`.

    Examples
    --------
    >>> F, _ = design_features({"name": "x", "nanoparticle": {"platform": "gold",
    ...     "hydrodynamic_diameter": 20.0}}, canonical_numbers=True)
    >>> v = derive_parameters(F, {"E0_liver": np.array([0.01, 0.02])})
    >>> v["K_max_liver"].shape, bool(v["K_max_liver"][1] > v["K_max_liver"][0])
    ((2,), True)
    """
    M = resolve_mechanisms(mechanisms)
    v: dict[str, Any] = {}
    for k in ("BW", "Hct", "CO", "V_art", "V_ven", "Q_hepatic_artery", "CL_bile", "k_on_tumor",
              "k_off_tumor", "k_int_tumor", "N_dose", "d_nm", "k_det",
              "f_rcp", "lambda_phys", "k_fm_out", "k_fm_bile"):
        v[k] = F[k]
    for o in TISSUES:
        v[f"V_{o}"], v[f"V_b_{o}"], v[f"V_t_{o}"] = F[f"V_{o}"], F[f"V_b_{o}"], F[f"V_t_{o}"]
        v[f"f_is_{o}"] = F[f"f_is_{o}"]
        v[f"PS_{o}"] = F[f"PS0_{o}"]
        v[f"L_{o}"] = F[f"L_{o}"]
        if o != "lung":
            v[f"Q_{o}"] = F[f"Q_{o}"]
    for o in FREE_POOLS:
        if o != "blood":
            v[f"f_fm_{o}"] = F[f"f_fm_{o}"]
    for o in FREE_ORGANS:
        if o != "blood":
            v[f"k_fm_back_{o}"] = F[f"k_fm_back_{o}"]
    # --- recognition and MPS extraction (mechanism constants)
    R = _recognition(F, M)
    v["R_mps"] = R
    zeta = np.asarray(F["zeta"], dtype=float)
    R_cat = np.where(zeta > 0, np.exp(np.maximum(zeta, 0.0) / M["z_cation"]), 1.0)

    def E(name: str, extra: Any = 1.0) -> Any:
        return -np.expm1(-np.asarray(M[name]) * R * extra)

    E_lung = 1.0 - (1.0 - E("E0_lung", R_cat)) * (1.0 - np.asarray(F["trap_lung"]))
    v["K_max_liver"] = _k_from_E(E("E0_liver"), F["Q_liver"], F["V_b_liver"])
    # marrow macrophages scale with the liver's extraction (E0_marrow = r_marrow E0_liver)
    v["K_max_marrow"] = _k_from_E(E("E0_liver", M["r_marrow"]), F["Q_marrow"],
                                  F["V_b_marrow"])
    v["K_max_lung"] = _k_from_E(E_lung, F["CO"], F["V_b_lung"])
    v["K_max_kidney"] = _k_from_E(E("E0_kidney"), F["Q_kidney"], F["V_b_kidney"])
    rodent = np.asarray(F["rodent"], dtype=float)
    v["f_open_spleen"] = rodent * M["f_open_spleen"] + (1.0 - rodent) * F_OPEN_SPLEEN_HUMAN
    cord_flow = v["f_open_spleen"] * np.asarray(F["Q_spleen"])
    v["K_max_spleen"] = _k_from_E(E("E0_spleen"), cord_flow,
                                  np.asarray(F["V_t_spleen"]) * np.asarray(F["f_is_spleen"]))
    # particles return from the cords through the slits (Renkin hindrance at radius R_slit)
    v["H_slit_spleen"] = renkin_hindrance(np.asarray(F["d_nm"], dtype=float) / 2.0,
                                          np.asarray(M["R_slit_spleen"], dtype=float))
    K_TAM0 = np.asarray(M["K_TAM0"], dtype=float)
    v["K_max_tumor"] = np.minimum(K_TAM0 * R ** np.asarray(M["s_TAM"], dtype=float),
                                  10.0 * K_TAM0)
    # --- tumour: exchange, the perivascular layer particles reach, its capacities
    v["PS_tumor"] = np.asarray(F["PS0_tumor"]) * M["PS_tumor_scale"]
    phi = perivascular_fraction(F["d_nm"], M["L_pen_scale"], M["q_pen"])
    v["phi_tumor"] = phi  # share of the tumour that extravasated particles reach
    # particle-accessible interstitial fluid of the tumour (the tumour_t compartment)
    v["f_is_tumor"] = np.asarray(F["f_is_tumor"]) * phi
    # capacity: free receptors on the cells of the reachable layer (>= 1 particle)
    v["N_bind_cap"] = np.maximum(phi * np.asarray(F["bind_cap0"]), 1.0)
    for o in PC_ORGANS:
        f_reach = phi if o == "tumor" else 1.0  # reachable TAMs: perivascular layer
        v[f"N_cap_{o}"] = np.maximum(f_reach * MACROPHAGES_PER_G[o] * np.asarray(F[f"V_{o}"]) *
                                     np.asarray(F["per_cell"]) * M["N_cap_scale"], 1.0)
        if o in K_RELEASE:
            v[f"K_release_{o}"] = K_RELEASE[o]
        v[f"k_deg_{o}"] = np.asarray(F["soft"]) * M["k_deg_soft"]
    v["K_release_kidney"] = M["K_release_kidney"]
    v["K_release_tumor"] = M["K_release_tumor"]
    # --- renal filtration of the protein-free share
    res = np.asarray(F["protein_resistant"], dtype=float)
    v["CL_urine"] = np.asarray(F["gfr_theta"]) * (res + (1.0 - res) * M["f_unbound"])
    return v


def _finish(v: Mapping[str, Any], meta: Mapping[str, Any], batch: bool) -> PBPKParameters:
    missing = set(_NAMES) ^ set(v)
    if missing:  # pragma: no cover - guards the name list against drift
        raise RuntimeError(f"parameter list out of sync: {sorted(missing)}")
    if batch:
        n = max(np.size(v[k]) for k in _NAMES)
        vals = {k: np.broadcast_to(np.asarray(v[k], dtype=float), (n,)).copy() for k in _NAMES}
    else:
        vals = {k: float(v[k]) for k in _NAMES}
    return PBPKParameters(MappingProxyType(vals), MappingProxyType(dict(meta)))


def build_parameters(design: Any, species: str | None = None,
                     overrides: Mapping[str, Any] | None = None, *,
                     canonical_numbers: bool = False, mechanisms: Any = None) -> PBPKParameters:
    """Derive all PBPK parameters of a design (sources in the module docstring).

    Parameters
    ----------
    design
        A :class:`~nanotwin.design.Design`, a mapping or a path to a design file.
    species
        ``"mouse"``, ``"rat"`` or ``"human"``; ``None`` uses ``design.subject.species``. A
        species other than the design's uses that species' default body weight.
    overrides
        ``name -> value`` replacing derived parameters (see :func:`parameter_names`).
    canonical_numbers
        For mappings: bare numbers are in canonical units (as in ``load_design``).
    mechanisms
        Mechanism constants: ``None`` = the calibrated default (posterior median), ``"prior"``
        = the uncalibrated literature values, or a mapping of some constants
        (:mod:`nanotwin.pbpk.mechanisms`).

    Returns
    -------
    PBPKParameters

    Examples
    --------
    >>> p = build_parameters({"name": "PEG gold", "nanoparticle": {"platform": "gold",
    ...     "hydrodynamic_diameter": 30.0, "coating": {"peg": {"molecular_weight": 5000}}}},
    ...     canonical_numbers=True)
    >>> round(p.Q_liver / p.CO, 2), p.meta["species"]
    (0.23, 'mouse')
    """
    F, meta = design_features(design, species, canonical_numbers=canonical_numbers)
    v = derive_parameters(F, mechanisms)
    meta["mechanisms"] = _mechanism_note(mechanisms)
    return _apply_overrides(_finish(v, meta, batch=False), overrides)


def _mechanism_note(mechanisms: Any) -> str:
    if isinstance(mechanisms, str):
        return mechanisms
    if mechanisms is None:
        from nanotwin.pbpk.mechanisms import posterior

        return "posterior median" if posterior() is not None else "prior (no posterior shipped)"
    return "user mapping over the default"


def build_parameter_batch(features: Mapping[str, Any] | Sequence[Mapping[str, float]],
                          mechanisms: Any = None, meta: Mapping[str, Any] | None = None
                          ) -> PBPKParameters:
    """A batch of parameter sets from stacked features and (arrays of) mechanism constants.

    Parameters
    ----------
    features
        Feature dicts of :func:`design_features`, or their :func:`stack_features`.
    mechanisms
        As in :func:`build_parameters`; entries may be arrays of the batch length (e.g. one
        posterior draw per subject).
    meta
        Structural facts of the batch (default: those of a mouse without label).

    Examples
    --------
    >>> F, meta = design_features({"name": "x", "nanoparticle": {"platform": "gold",
    ...     "hydrodynamic_diameter": 20.0}}, canonical_numbers=True)
    >>> p = build_parameter_batch([F, F], {"E0_liver": np.array([0.01, 0.02])}, meta)
    >>> p.batch_size
    2
    """
    Fs = stack_features(features) if not isinstance(features, Mapping) else features
    v = derive_parameters(Fs, mechanisms)
    meta = dict(meta or {"species": "mouse", "route": "iv", "has_tumor": True})
    meta["mechanisms"] = _mechanism_note(mechanisms)
    return _finish(v, meta, batch=True)
