"""Scanner-class parameters with their sources.

PET
    * ``inveon``: Siemens Inveon preclinical PET, Bao et al., J Nucl Med 2009;50:401: transaxial
      resolution 1.46 mm FWHM (FBP, F-18 point source near the centre) and peak absolute
      sensitivity 9.3 % (350-625 keV window); axial FOV 127 mm.
    * ``vision``: Siemens Biograph Vision 600 clinical PET/CT, van Sluis et al., J Nucl Med
      2019;60:1031 (NEMA NU 2-2018): 3.6 mm FWHM transaxial at 1 cm, sensitivity 16.4 cps/kBq
      (1.64 %) at the centre; axial FOV 263 mm.
SPECT (parallel-hole, Anger formulas: Cherry, Sorenson & Phelps, Physics in Nuclear Medicine,
4th ed., 2012, Eqs. 14-6 and 14-7)
    * ``lehr``: GE Discovery NM/CT 670 LEHR collimator, hexagonal holes 1.5 mm, septa 0.2 mm,
      length 35 mm (geometry as modelled in OpenGATE's GE NM670 head); intrinsic resolution
      3.9 mm FWHM (GE NM670 data sheet, NaI 3/8").
    * ``megp``: the same camera's MEGP collimator: holes 3 mm, septa 1.05 mm, length 58 mm.
CT
    * ``microct``: preclinical micro-CT class (80 kVp, 0.1 mm resolution, noise 20 HU).
    * ``clinical_ct``: 120 kVp, 0.6 mm resolution, noise 10 HU (typical abdominal protocol).
    X-ray tube spectra are SpekPy's tungsten-anode model (Poludniowski et al., Med Phys
    2021;48:3630) with the stated total filtration (see :func:`modalities.ct_spectrum`). The
    filtration values are scanner-class values, not one scanner's measurement: check the HVL
    that SpekPy gives for them (docs/imaging.md) against your scanner's measured HVL.
Positron range
    Mean range in water approximated by the continuous-slowing-down range of a positron at the
    nuclide's mean positron energy (Katz & Penfold, Rev Mod Phys 1952;24:28 range-energy relation,
    R = 0.412 E^(1.265 - 0.0954 ln E) g/cm^2). Checked against the mean ranges in water
    tabulated in J Nucl Med 2022;63:649, Table 3 (F-18 0.6, Cu-64 0.7, Zr-89 1.3, Ga-68 3.5 mm)
    in tests/imaging and docs/imaging.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["PETScanner", "SPECTCollimator", "CTScanner", "PET_SCANNERS", "SPECT_COLLIMATORS",
           "CT_SCANNERS", "positron_mean_range_mm", "collimator_resolution_mm",
           "collimator_sensitivity", "get_pet", "get_spect", "get_ct"]


@dataclass(frozen=True)
class PETScanner:
    name: str
    fwhm_mm: float
    peak_sensitivity: float  # counts per positron at the centre of the FOV
    axial_fov_mm: float
    source: str


@dataclass(frozen=True)
class SPECTCollimator:
    name: str
    hole_mm: float
    septa_mm: float
    length_mm: float
    intrinsic_fwhm_mm: float
    source: str
    K: float = 0.26  # hexagonal holes (Cherry et al. 2012, Table 14-1)


@dataclass(frozen=True)
class CTScanner:
    name: str
    kVp: float
    filtration_mm_Al: float
    fwhm_mm: float
    noise_HU: float
    source: str
    filtration_mm_Cu: float = 0.0
    anode_angle_deg: float = 12.0  # SpekPy default; CT tubes 7-12 deg (< 2 % effect on slopes)


PET_SCANNERS = {
    "inveon": PETScanner("inveon", 1.46, 0.093, 127.0, "Bao et al., J Nucl Med 2009;50:401"),
    "vision": PETScanner("vision", 3.6, 0.0164, 263.0, "van Sluis et al., J Nucl Med "
                         "2019;60:1031"),
}
SPECT_COLLIMATORS = {
    "lehr": SPECTCollimator("lehr", 1.5, 0.2, 35.0, 3.9, "GE NM670 LEHR geometry (OpenGATE)"),
    "megp": SPECTCollimator("megp", 3.0, 1.05, 58.0, 3.9, "GE NM670 MEGP geometry (OpenGATE)"),
}
CT_SCANNERS = {
    # filtration: 0.5 mm Al is typical of micro-CT tubes (e.g. Quantum GX); clinical CT total
    # filtration at the central ray ~6 mm Al equivalent (tube 2.5-3 mm Al + flat filter +
    # bow-tie centre; AAPM Report 96, 2008). With SpekPy this gives HVL 4.4 / 6.4 / 7.2 mm Al at
    # 80 / 120 / 140 kVp (computed by spekpy.Spek.get_hvl1, see docs/imaging.md).
    "microct": CTScanner("microct", 80.0, 0.5, 0.1, 20.0, "preclinical micro-CT class"),
    "clinical_ct": CTScanner("clinical_ct", 120.0, 6.0, 0.6, 10.0, "clinical CT class"),
}


def _lookup(table: dict[str, Any], name: str, field: str, kind: str) -> Any:
    try:
        return table[name]
    except KeyError:
        raise DesignError(f"{field}: unknown {kind}{name!r}; use one of "
                          f"{', '.join(table)}") from None


def get_pet(name: str) -> PETScanner:
    return _lookup(PET_SCANNERS, name, "scanner", "PET scanner ")


def get_spect(name: str) -> SPECTCollimator:
    return _lookup(SPECT_COLLIMATORS, name, "collimator", "")


def get_ct(name: str | CTScanner) -> CTScanner:
    """A CT scanner class by name, or the given :class:`CTScanner` itself (e.g. one with the
    filtration that reproduces your scanner's measured HVL)."""
    if isinstance(name, CTScanner):
        return name
    return _lookup(CT_SCANNERS, name, "scanner", "CT ")


def positron_mean_range_mm(nuclide: str) -> float:
    """Mean positron range in water (mm), Katz-Penfold CSDA range at the mean energy.

    Examples
    --------
    >>> round(positron_mean_range_mm("F-18"), 2)
    0.59
    """
    from nanotwin.physics import mean_positron_energy, positron_fraction

    if positron_fraction(nuclide) <= 0:
        raise DesignError(f"radiolabels[0].nuclide: {nuclide} emits no positrons; image it "
                          f"with SPECT or choose a positron emitter for PET")
    E = float(mean_positron_energy(nuclide))
    R_gcm2 = 0.412 * E ** (1.265 - 0.0954 * np.log(E))
    return float(R_gcm2 * 10.0)  # water, 1 g/cm^3 -> mm


def _mu_pb(E_keV: float) -> float:
    from nanotwin.imaging.tissue import mass_attenuation

    return float(mass_attenuation("Pb", E_keV)) * 11.35 / 10.0  # 1/mm


def collimator_resolution_mm(col: SPECTCollimator, distance_mm: float, E_keV: float) -> float:
    """System FWHM (mm) at a distance from the collimator face: sqrt(R_coll^2 + R_int^2),
    R_coll = d (L_eff + b)/L_eff with L_eff = L - 2/mu_Pb (Cherry et al. 2012, Eq. 14-6).

    Examples
    --------
    >>> round(collimator_resolution_mm(SPECT_COLLIMATORS["lehr"], 100.0, 140.5), 1)
    7.1
    """
    L_eff = col.length_mm - 2.0 / _mu_pb(E_keV)
    R_coll = col.hole_mm * (L_eff + distance_mm) / L_eff
    return float(np.hypot(R_coll, col.intrinsic_fwhm_mm))


def collimator_sensitivity(col: SPECTCollimator, E_keV: float) -> float:
    """Geometric efficiency g = (K d^2 / (L_eff (d + t)))^2 (Cherry et al. 2012, Eq. 14-7).

    Examples
    --------
    >>> f"{collimator_sensitivity(SPECT_COLLIMATORS['lehr'], 140.5):.2e}"
    '1.01e-04'
    """
    L_eff = col.length_mm - 2.0 / _mu_pb(E_keV)
    return float((col.K * col.hole_mm**2 / (L_eff * (col.hole_mm + col.septa_mm))) ** 2)
