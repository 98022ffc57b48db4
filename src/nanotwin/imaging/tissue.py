"""Tissue properties per organ: density, elemental composition, MR relaxation, NIR optics.

Sources (each value below carries its own note):

* Elemental composition (mass fractions) and densities: ICRU Report 44 (1989), *Tissue
  Substitutes in Radiation Dosimetry and Measurement*, Table 4.1 (Woodard & White 1986 data); the
  inflated-lung density 0.26 g/cm^3 is ICRU Report 46 (1992). Densities agree with ICRP
  Publication 89 (2002), Table 2.6.
* Photon attenuation: elemental cross-sections of Elam, Ravel & Sieber (2002) through the
  ``xraydb`` package, mixed by mass fraction (Bragg additivity).
* T1/T2 at 1.5 T and 3 T: Stanisz et al., Magn Reson Med 2005;54:507 (liver, skeletal muscle,
  heart, blood, grey matter) and de Bazelaire et al., Radiology 2004;230:652 (kidney cortex,
  spleen, pancreas, subcutaneous fat, vertebral marrow).
* NIR optics: Jacques, Phys Med Biol 2013;58:R37: mu_s' = a (lambda/500 nm)^-b (Eq. 1; Table 2
  tissue-type averages); mu_a = B*(S*mu_a,HbO2 + (1-S)*mu_a,Hb) + W*mu_a,water (Eq. 12, fat and
  melanin terms neglected). Blood volume fractions B: residual blood per tissue of Brown et al.,
  Toxicol Ind Health 1997;13:407, Table 30 (rat).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from nanotwin.errors import DesignError

__all__ = [
    "Tissue",
    "TISSUES",
    "ORGAN_TISSUE",
    "tissue_of",
    "mass_attenuation",
    "linear_attenuation",
    "relaxation_times",
    "optical_properties",
    "NIR_WAVELENGTHS_NM",
]


@dataclass(frozen=True)
class Tissue:
    """Physical properties of one tissue type (see module docstring for the sources)."""

    name: str
    density: float  # g/cm^3
    composition: tuple[tuple[str, float], ...]  # element, mass fraction (ICRU 44)
    T1_ms: tuple[float, float]  # at 1.5 T, 3 T
    T2_ms: tuple[float, float]  # at 1.5 T, 3 T
    proton_density: float  # relative to water
    mr_source: str
    scatter: tuple[float, float]  # Jacques 2013 Table 2: a' [1/cm] at 500 nm, b
    blood_fraction: float  # B, Brown 1997 Table 30 (volume fraction)
    water_fraction: float  # W


# ICRU 44 compositions (mass fractions, %).
_SOFT = (("H", 10.2), ("C", 14.3), ("N", 3.4), ("O", 71.0), ("Na", 0.1), ("P", 0.2), ("S", 0.3),
         ("Cl", 0.1), ("K", 0.4))  # skeletal muscle
_BLOOD = (("H", 10.2), ("C", 11.0), ("N", 3.3), ("O", 74.5), ("Na", 0.1), ("P", 0.1),
          ("S", 0.2), ("Cl", 0.3), ("K", 0.2), ("Fe", 0.1))
_LUNG = (("H", 10.3), ("C", 10.5), ("N", 3.1), ("O", 74.9), ("Na", 0.2), ("P", 0.2), ("S", 0.3),
         ("Cl", 0.3), ("K", 0.2))
_LIVER = (("H", 10.2), ("C", 13.9), ("N", 3.0), ("O", 71.6), ("Na", 0.2), ("P", 0.3),
          ("S", 0.3), ("Cl", 0.2), ("K", 0.3))
_BRAIN = (("H", 10.7), ("C", 14.5), ("N", 2.2), ("O", 71.2), ("Na", 0.2), ("P", 0.4),
          ("S", 0.2), ("Cl", 0.3), ("K", 0.3))
_ADIPOSE = (("H", 11.4), ("C", 59.8), ("N", 0.7), ("O", 27.8), ("Na", 0.1), ("S", 0.1),
            ("Cl", 0.1))
_SKIN = (("H", 10.0), ("C", 20.4), ("N", 4.2), ("O", 64.5), ("Na", 0.2), ("P", 0.1), ("S", 0.2),
         ("Cl", 0.3), ("K", 0.1))
_BONE = (("H", 3.4), ("C", 15.5), ("N", 4.2), ("O", 43.5), ("Na", 0.1), ("Mg", 0.2),
         ("P", 10.3), ("S", 0.3), ("Ca", 22.5))  # cortical bone
_MARROW = (("H", 10.5), ("C", 41.4), ("N", 3.4), ("O", 43.9), ("P", 0.1), ("S", 0.2),
           ("Cl", 0.2), ("K", 0.2), ("Fe", 0.1))  # red marrow
_WATER = (("H", 11.19), ("O", 88.81))
_AIR = (("C", 0.01), ("N", 75.53), ("O", 23.18), ("Ar", 1.28))


def _c(comp: tuple[tuple[str, float], ...]) -> tuple[tuple[str, float], ...]:
    total = sum(w for _, w in comp)
    return tuple((el, w / total) for el, w in comp)


_ST = "Stanisz 2005"
_DB = "de Bazelaire 2004"
# Jacques 2013 Table 2 averages (a' in 1/cm, b): skin 46.0/1.421, brain 24.2/1.611,
# bone 22.9/0.716, soft tissue 18.9/1.286, fatty tissue 18.4/0.672 (transcribed; see SOURCES.md).
_SC_SOFT, _SC_SKIN, _SC_BRAIN, _SC_BONE, _SC_FAT = ((18.9, 1.286), (46.0, 1.421), (24.2, 1.611),
                                                    (22.9, 0.716), (18.4, 0.672))

#: Tissue types. MR values (T1, T2 in ms at 1.5 T and 3 T) from the sources in ``mr_source``;
#: "assumed" marks tissues without a measured pair in those papers (muscle-like values used).
TISSUES: dict[str, Tissue] = {
    "air": Tissue("air", 0.0012, _c(_AIR), (1.0, 1.0), (1.0, 1.0), 0.0, "no signal",
                  (0.0, 0.0), 0.0, 0.0),
    "water": Tissue("water", 1.0, _c(_WATER), (3000.0, 3000.0), (1000.0, 1000.0), 1.0,
                    "assumed (free water at 37 C)", (0.0, 0.0), 0.0, 1.0),
    "muscle": Tissue("muscle", 1.05, _c(_SOFT), (1008.0, 1412.0), (44.0, 50.0), 0.8, _ST,
                     _SC_SOFT, 0.04, 0.75),
    "blood": Tissue("blood", 1.06, _c(_BLOOD), (1441.0, 1932.0), (290.0, 275.0), 0.85, _ST,
                    _SC_SOFT, 1.0, 0.80),
    "heart": Tissue("heart", 1.05, _c(_SOFT), (1030.0, 1471.0), (40.0, 47.0), 0.8, _ST,
                    _SC_SOFT, 0.26, 0.75),
    "liver": Tissue("liver", 1.06, _c(_LIVER), (576.0, 812.0), (46.0, 42.0), 0.75, _ST,
                    _SC_SOFT, 0.21, 0.72),
    "brain": Tissue("brain", 1.04, _c(_BRAIN), (1124.0, 1820.0), (95.0, 99.0), 0.85, _ST,
                    _SC_BRAIN, 0.03, 0.78),
    "kidney": Tissue("kidney", 1.05, _c(_SOFT), (966.0, 1142.0), (87.0, 76.0), 0.85, _DB,
                     _SC_SOFT, 0.16, 0.78),
    "spleen": Tissue("spleen", 1.06, _c(_SOFT), (1057.0, 1328.0), (79.0, 61.0), 0.85, _DB,
                     _SC_SOFT, 0.22, 0.78),
    "pancreas": Tissue("pancreas", 1.04, _c(_SOFT), (584.0, 725.0), (46.0, 43.0), 0.8, _DB,
                       _SC_SOFT, 0.05, 0.75),
    "adipose": Tissue("adipose", 0.95, _c(_ADIPOSE), (343.0, 382.0), (58.0, 68.0), 0.9, _DB,
                      _SC_FAT, 0.02, 0.15),
    "marrow": Tissue("marrow", 1.03, _c(_MARROW), (549.0, 586.0), (49.0, 49.0), 0.8, _DB,
                     _SC_BONE, 0.05, 0.40),
    "lung": Tissue("lung", 0.26, _c(_LUNG), (1281.0, 1199.0), (40.0, 40.0), 0.2,
                   "assumed (low proton density, short T2*)", _SC_SOFT, 0.36, 0.20),
    "bone": Tissue("bone", 1.92, _c(_BONE), (1000.0, 1000.0), (1.0, 1.0), 0.05,
                   "assumed (cortical bone: no spin-echo signal)", _SC_BONE, 0.04, 0.15),
    "skin": Tissue("skin", 1.09, _c(_SKIN), (1008.0, 1412.0), (44.0, 50.0), 0.7,
                   "assumed (muscle-like)", _SC_SKIN, 0.02, 0.65),
    "gut": Tissue("gut", 1.04, _c(_SOFT), (1008.0, 1412.0), (44.0, 50.0), 0.8,
                  "assumed (muscle-like)", _SC_SOFT, 0.05, 0.75),
    "tumor": Tissue("tumor", 1.04, _c(_SOFT), (1008.0, 1412.0), (60.0, 60.0), 0.85,
                    "assumed (muscle-like T1, longer T2)", _SC_SOFT, 0.05, 0.80),
    "urine": Tissue("urine", 1.02, _c(_WATER), (3000.0, 3000.0), (1000.0, 1000.0), 1.0,
                    "assumed (free water at 37 C)", (0.0, 0.0), 0.0, 1.0),
}

#: PBPK organ name -> tissue type.
ORGAN_TISSUE: dict[str, str] = {
    "blood": "blood", "heart": "heart", "lung": "lung", "liver": "liver", "spleen": "spleen",
    "kidney": "kidney", "gut": "gut", "brain": "brain", "muscle": "muscle", "skin": "skin",
    "adipose": "adipose", "bone": "bone", "marrow": "marrow", "rest": "pancreas",
    "tumor": "tumor", "urine": "urine", "air": "air",
}


def tissue_of(organ: str) -> Tissue:
    """The :class:`Tissue` of a PBPK organ.

    Examples
    --------
    >>> tissue_of("liver").density
    1.06
    """
    try:
        return TISSUES[ORGAN_TISSUE[organ]]
    except KeyError:
        raise DesignError(f"organ {organ!r}: no tissue properties; use one of "
                          f"{', '.join(ORGAN_TISSUE)}") from None


@lru_cache(maxsize=512)
def _element_mu(element: str, energies_keV: tuple[float, ...]) -> np.ndarray:
    import xraydb

    return np.asarray(xraydb.mu_elam(element, np.asarray(energies_keV) * 1e3), dtype=float)


def mass_attenuation(composition: tuple[tuple[str, float], ...] | str,
                     energies_keV: np.ndarray | float) -> np.ndarray:
    """Mass attenuation coefficient mu/rho [cm^2/g] of a mixture (Bragg additivity, Elam data).

    Parameters
    ----------
    composition
        ``((element, mass_fraction), ...)`` or a single element symbol.
    energies_keV
        Photon energies in keV.

    Examples
    --------
    >>> round(float(mass_attenuation(TISSUES["water"].composition, 511.0)), 4)
    0.096
    """
    E = tuple(np.atleast_1d(np.asarray(energies_keV, dtype=float)).tolist())
    if isinstance(composition, str):
        composition = ((composition, 1.0),)
    mu = np.zeros(len(E))
    for el, w in composition:
        mu += w * _element_mu(el, E)
    return mu if np.ndim(energies_keV) else mu[0]


def linear_attenuation(tissue: str, energies_keV: np.ndarray | float) -> np.ndarray:
    """Linear attenuation coefficient mu [1/cm] of a tissue type at the given energies.

    Examples
    --------
    >>> round(float(linear_attenuation("muscle", 140.0)), 3)
    0.16
    """
    t = TISSUES[tissue]
    return mass_attenuation(t.composition, energies_keV) * t.density


def relaxation_times(tissue: str, field_T: float) -> tuple[float, float]:
    """T1 and T2 [ms] of a tissue at ``field_T`` tesla.

    Between and below 1.5/3 T, T1 is interpolated log-log between the two measured values; above
    3 T it is extrapolated as T1 ~ B^(1/3), the field dependence Rooney et al. (Magn Reson Med
    2007;57:308) measured for brain tissue and blood from 0.2 to 7 T. T2 is taken from the nearest
    measured field (T2 changes little with field below 3 T; at 7-9.4 T real T2 is shorter, so
    T2-weighted contrast is approximate there).

    Examples
    --------
    >>> relaxation_times("liver", 3.0)
    (812.0, 42.0)
    >>> round(relaxation_times("blood", 7.0)[0])
    2563
    """
    if not field_T > 0:
        raise DesignError(f"field_T: {field_T!r} must be > 0 tesla; give e.g. 3 or 9.4")
    t = TISSUES[tissue]
    T1a, T1b = t.T1_ms
    if field_T <= 3.0:
        slope = np.log(T1b / T1a) / np.log(2.0)
        T1 = T1a * (field_T / 1.5) ** slope
        T2 = t.T2_ms[0] if field_T < 2.25 else t.T2_ms[1]
    else:
        T1 = T1b * (field_T / 3.0) ** (1.0 / 3.0)
        T2 = t.T2_ms[1]
    return float(T1), float(T2)


#: Wavelengths [nm] of the absorption table below (450-600 nm added for CRET absorption bands;
#: linear interpolation between 50 nm nodes smooths the haemoglobin Q bands, approximate).
NIR_WAVELENGTHS_NM = (450.0, 500.0, 550.0, 600.0, 650.0, 700.0, 750.0, 800.0, 850.0, 900.0)
# Molar extinction (cm^-1/M) of HbO2 and Hb: S. Prahl, "Optical absorption of hemoglobin",
# omlc.org (1999), compiled from Gratzer and Kollias.
_EPS_HBO2 = (62816.0, 20932.8, 43016.0, 3200.0, 368.0, 290.0, 518.0, 816.0, 1058.0, 1198.0)
_EPS_HB = (103292.0, 20035.2, 53412.0, 14677.2, 3750.12, 1794.28, 1405.24, 761.72, 691.32,
           761.84)
# Water mu_a [1/cm]: 650-900 nm Hale & Querry, Appl Opt 1973;12:555; 450-600 nm Pope & Fry,
# Appl Opt 1997;36:8710 (rounded; < 0.003 1/cm, negligible next to blood there).
_MUA_WATER = (0.0001, 0.0002, 0.0006, 0.0022, 0.0034, 0.0060, 0.026, 0.020, 0.043, 0.068)
_HB_MOLAR = 150.0 / 64500.0  # whole blood: 150 g/L haemoglobin, 64,500 g/mol (Prahl)
_SO2 = 0.75  # mixed arterio-venous saturation used by Jacques 2013 for generic tissue


def optical_properties(tissue: str, wavelength_nm: float) -> tuple[float, float]:
    """Absorption and reduced scattering (mu_a, mu_s') [1/cm] of a tissue, 450-900 nm
    (Jacques 2013: blood + water absorption, power-law scattering).

    Examples
    --------
    >>> mua, musp = optical_properties("muscle", 800.0)
    >>> round(mua, 3), round(musp, 1)
    (0.187, 10.3)
    """
    lo, hi = NIR_WAVELENGTHS_NM[0], NIR_WAVELENGTHS_NM[-1]
    if not lo <= wavelength_nm <= hi:
        raise DesignError(f"wavelength: {wavelength_nm:g} nm is outside the optical table "
                          f"({lo:g}-{hi:g} nm); give an excitation/emission wavelength in range")
    t = TISSUES[tissue]
    eps_o = np.interp(wavelength_nm, NIR_WAVELENGTHS_NM, _EPS_HBO2)
    eps_d = np.interp(wavelength_nm, NIR_WAVELENGTHS_NM, _EPS_HB)
    mua_blood = 2.303 * _HB_MOLAR * (_SO2 * eps_o + (1 - _SO2) * eps_d)
    mua = t.blood_fraction * mua_blood + t.water_fraction * np.interp(
        wavelength_nm, NIR_WAVELENGTHS_NM, _MUA_WATER)
    a, b = t.scatter
    musp = a * (wavelength_nm / 500.0) ** (-b)
    return float(mua), float(musp)
