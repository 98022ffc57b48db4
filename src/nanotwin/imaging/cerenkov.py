"""Cerenkov photon yield per decay from the ICRP-107 beta spectrum (Frank-Tamm).

An electron (or positron) of kinetic energy E slowing down in a medium of refractive index n
emits dN/dx = 2 pi alpha (1/lambda1 - 1/lambda2) (1 - 1/(beta^2 n^2)) photons per unit path in
[lambda1, lambda2] (Frank & Tamm 1937; Jackson, Classical Electrodynamics, 3rd ed., Eq. 13.48).
The number emitted until it falls below threshold is N(E0) = int dN/dx / S(E) dE with S the
collision stopping power of water from the Bethe formula for electrons (ICRU Report 37, 1984,
Eq. 2.2; I = 75 eV, Z/A = 0.5551, density effect neglected below a few MeV). The yield per decay
integrates N over the beta-/beta+ spectra and the ICRP-107 discrete (conversion/Auger)
electrons. Gamma-induced Compton electrons are not included (Beattie et al., PLoS ONE
2012;7:e31402 found them minor for the usual nuclides).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["cerenkov_yield", "threshold_MeV", "photons_per_electron", "Fluorophore",
           "FLUOROPHORES", "get_fluorophore"]

_ALPHA = 1.0 / 137.035999
_ME = 0.51099895  # MeV


def threshold_MeV(n: float = 1.33) -> float:
    """Kinetic-energy threshold for Cerenkov emission, beta > 1/n.

    Examples
    --------
    >>> round(float(threshold_MeV(1.33)), 3)
    0.264
    """
    return _ME * (1.0 / np.sqrt(1.0 - 1.0 / n**2) - 1.0)


def _stopping_power_water(E: np.ndarray) -> np.ndarray:
    """Electron collision stopping power of water [MeV/cm] (Bethe, ICRU 37 Eq. 2.2)."""
    tau = E / _ME
    beta2 = 1.0 - 1.0 / (tau + 1.0) ** 2
    I_ = 75e-6 / _ME
    F = 1.0 - beta2 + (tau**2 / 8.0 - (2 * tau + 1) * np.log(2.0)) / (tau + 1.0) ** 2
    return 0.153536 * 0.5551 / beta2 * (np.log(tau**2 * (tau + 2.0) / (2.0 * I_**2)) + F)


@lru_cache(maxsize=16)
def _n_table(n: float, lam1_nm: float, lam2_nm: float) -> tuple[np.ndarray, np.ndarray]:
    E_th = threshold_MeV(n)
    E = np.linspace(E_th, 10.0, 4000)
    beta2 = 1.0 - 1.0 / (E / _ME + 1.0) ** 2
    dNdx = 2 * np.pi * _ALPHA * (1e7 / lam1_nm - 1e7 / lam2_nm) * np.clip(
        1.0 - 1.0 / (beta2 * n**2), 0.0, None)  # photons/cm
    integrand = dNdx / _stopping_power_water(E)
    N = np.concatenate([[0.0], np.cumsum(0.5 * (integrand[1:] + integrand[:-1]) * np.diff(E))])
    return E, N


def photons_per_electron(E_MeV: np.ndarray | float, n: float = 1.33, lam1_nm: float = 400.0,
                         lam2_nm: float = 800.0) -> np.ndarray:
    """Cerenkov photons emitted by one electron of initial kinetic energy E until it stops.

    Examples
    --------
    >>> float(photons_per_electron(0.2))
    0.0
    """
    E, N = _n_table(float(n), float(lam1_nm), float(lam2_nm))
    return np.interp(np.asarray(E_MeV, dtype=float), E, N, left=0.0)


@lru_cache(maxsize=64)
def cerenkov_yield(nuclide: str, n: float = 1.33, lam1_nm: float = 400.0,
                   lam2_nm: float = 800.0) -> float:
    """Cerenkov photons per decay in [lam1, lam2] nm in a medium of index n (water: 1.33).

    Examples
    --------
    >>> cerenkov_yield("In-111")
    0.0
    >>> cerenkov_yield("Tc-99m") < 1e-5  # only its 0.0037 % beta- branch
    True
    """
    from nanotwin.physics import beta_spectrum, emissions

    total = 0.0
    em = emissions(nuclide)
    kinds = set(em["radiation"])
    for kind in ("beta-", "beta+"):
        if kind not in kinds:
            continue
        E, dNdE = beta_spectrum(nuclide, kind)
        E = np.asarray(E, dtype=float)
        f = np.asarray(dNdE, dtype=float) * photons_per_electron(E, n, lam1_nm, lam2_nm)
        total += float(np.sum(0.5 * (f[1:] + f[:-1]) * np.diff(E)))
    el = em[em["radiation"] == "electron"]
    if len(el):
        total += float(np.sum(el["yield_per_decay"].to_numpy() * photons_per_electron(
            el["energy_MeV"].to_numpy(), n, lam1_nm, lam2_nm)))
    return total


# --- Cerenkov resonance energy transfer (CRET) -------------------------------------------------
# A fluorophore next to a beta emitter absorbs Cerenkov photons in its absorption band and
# re-emits them at its own (red/NIR) emission wavelength, which escapes tissue better (Dothager et
# al., PLoS ONE 2010;5:e13300; review: Ciarrocchi & Belcari,
# EJNMMI Phys 2017;4:14). Model (per voxel, dye and emitter co-located):
#   photons absorbed by the dye = Y_band x mu_a,dye / (mu_a,dye + mu_a,tissue)
# i.e. the dye and the tissue compete for the band's photons, which are all absorbed within a few
# 1/mu_eff (diffusion regime; mu_a add linearly, Jacques 2013 Eq. 12); mu_a,dye = ln(10) eps c.
# Emitted CRET photons = absorbed x quantum yield, at the emission wavelength.


@dataclass(frozen=True)
class Fluorophore:
    """Optical constants of a CRET acceptor (dye or quantum dot).

    ``absorption_nm`` is a rectangular band standing in for the absorption spectrum, with
    ``epsilon_per_M_cm`` its mean molar decadic extinction coefficient (M^-1 cm^-1).
    """

    name: str
    absorption_nm: tuple[float, float]
    epsilon_per_M_cm: float
    quantum_yield: float
    emission_nm: float
    molar_mass_g_per_mol: float
    source: str

    def __post_init__(self) -> None:
        lo, hi = self.absorption_nm
        if not 450.0 <= lo < hi <= 900.0:
            raise DesignError(f"fluorophore.absorption_nm: {self.absorption_nm}; give a band "
                              f"(lo, hi) inside 450-900 nm, lo < hi")
        if not (self.epsilon_per_M_cm > 0 and 0 < self.quantum_yield <= 1
                and self.molar_mass_g_per_mol > 0):
            raise DesignError("fluorophore: epsilon_per_M_cm and molar_mass_g_per_mol must be "
                              "> 0 and quantum_yield in (0, 1]; give the dye's measured values")
        if not 650.0 <= self.emission_nm <= 900.0:
            raise DesignError(f"fluorophore.emission_nm: {self.emission_nm:g}; CRET images are "
                              f"modelled for 650-900 nm emission (tissue optics table)")

    def mu_a_per_mg_mL(self) -> float:
        """Dye absorption coefficient in the band per mg/mL of dye [1/mm]: ln(10) eps c."""
        c_M = 1.0 / self.molar_mass_g_per_mol  # 1 mg/mL = 1 g/L -> mol/L
        return float(np.log(10.0) * self.epsilon_per_M_cm * c_M / 10.0)


#: Built-in CRET acceptors. Cy5.5: absorption maximum 675 nm, emission 694 nm, peak extinction
#: 250,000 M^-1 cm^-1 (Mujumdar et al., Bioconjug Chem 1996;7:356); quantum yield 0.23 (GE
#: Healthcare/Amersham CyDye data); molar mass 1114.4 g/mol (sulfo-Cy5.5 NHS ester, K+ salt,
#: C44H42K3N3O16S4). The band 650-700 nm carries the peak extinction: this overestimates the
#: band mean (the absorption FWHM is ~50 nm), an approximation stated in docs/imaging.md.
FLUOROPHORES = {
    "Cy5.5": Fluorophore("Cy5.5", (650.0, 700.0), 250_000.0, 0.23, 694.0, 1114.4,
                         "Mujumdar et al., Bioconjug Chem 1996;7:356; GE CyDye data"),
}


def get_fluorophore(name: str | Fluorophore) -> Fluorophore:
    """A built-in fluorophore by name (case-insensitive), or the one given.

    Examples
    --------
    >>> get_fluorophore("cy5.5").emission_nm
    694.0
    """
    if isinstance(name, Fluorophore):
        return name
    for k, v in FLUOROPHORES.items():
        if k.lower() == str(name).strip().lower():
            return v
    raise DesignError(f"contrast.name: no CRET data for dye {name!r}; use one of "
                      f"{', '.join(FLUOROPHORES)} or pass fluorophore=Fluorophore(...) with its "
                      f"absorption band, extinction, quantum yield and emission wavelength")
