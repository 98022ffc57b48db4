"""Radiosensitisation by high-Z nanoparticles: the physical dose enhancement of an external beam.

The macroscopic dose enhancement factor of tissue holding a mass fraction ``w`` of element Z is
the ratio of mass energy-absorption coefficients of the mixture and the tissue, averaged over the
beam's energy fluence ``Psi(E)`` (charged-particle equilibrium; Bragg additivity):

.. math::

    DEF = \\frac{\\int \\Psi(E) [(1-w) (\\mu_{en}/\\rho)_t + w (\\mu_{en}/\\rho)_Z] dE}
               {\\int \\Psi(E) (\\mu_{en}/\\rho)_t dE}

Mass energy-absorption coefficients from xraydb (Elam, Ravel & Sieber, Radiat Phys Chem
2002;63:121) cross sections (below 0.8 MeV; Klein-Nishina above): photoelectric absorption minus
the energy that K- and L-shell fluorescence carries away (shell share ``(J - 1)/J`` of the
photoabsorption from the edge jump ratio ``J``, fluorescence yield and mean line energy, all
from xraydb; Hubbell, Int J Appl Radiat Isot 1982;33:1269), plus incoherent scattering times the
Klein-Nishina mean energy transfer fraction (:mod:`nanotwin.physics.dose_point_kernel`).
Radiative losses of the secondary electrons (``g``, a few % for gold at MeV energies) and pair
production (> 1.02 MeV) are neglected (approximate above ~1 MeV; there the DEF is ~1 anyway).
Beams: a monoenergetic energy, a nuclide's photon lines (:func:`nanotwin.physics.photon_lines`),
or a tungsten-anode tube spectrum from SpekPy (:mod:`nanotwin.imaging.modalities`, the one tube
model in nanotwin).

This is the physical (macroscopic) enhancement; the nanoscale enhancement near the particle
surface and biological sensitisation (e.g. oxidative stress) are not modelled.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["mass_energy_absorption", "dose_enhancement_factor", "beam_spectrum",
           "SOFT_TISSUE", "WATER"]

WATER = (("H", 0.111894), ("O", 0.888106))
#: ICRU four-component soft tissue (ICRU Report 44, 1989), mass fractions.
SOFT_TISSUE = (("H", 0.101), ("C", 0.111), ("N", 0.026), ("O", 0.762))
_SHELLS = ("K", "L1", "L2", "L3")


@lru_cache(maxsize=64)
def _element_muen(element: str, energies_keV: tuple[float, ...]) -> np.ndarray:
    import xraydb

    from nanotwin.physics.dose_point_kernel import _kn_sigma, _kn_transfer_fraction

    E = np.asarray(energies_keV, dtype=float)
    eV = E * 1e3
    # Elam tables below 800 keV; above: Klein-Nishina per electron (exact there) and the
    # photoelectric cross section extrapolated as E^-3 from 800 keV (as nanotwin's DPK does)
    low = np.minimum(eV, 8e5)
    mu_pe = np.asarray(xraydb.mu_elam(element, low, kind="photo"), dtype=float)
    mu_pe = mu_pe * np.where(eV > 8e5, (eV / 8e5) ** -3.0, 1.0)
    mu_inc = np.asarray(xraydb.mu_elam(element, low, kind="incoh"), dtype=float)
    ZA = xraydb.atomic_number(element) / xraydb.atomic_mass(element)
    mu_inc = np.where(eV > 8e5, _kn_sigma(E / 1e3) * ZA * 6.02214076e23, mu_inc)
    # energy escaping as fluorescence, shell by shell (vacancy cascade within L neglected)
    escape = np.zeros_like(E)
    remaining = np.ones_like(E)
    for shell in _SHELLS:
        try:
            edge = xraydb.xray_edge(element, shell)
        except (ValueError, KeyError):  # pragma: no cover - light elements lack L1..L3
            continue
        if edge is None or edge.energy <= 0:
            continue
        lines = xraydb.xray_lines(element, shell)
        if not lines:
            continue
        inten = np.array([ln.intensity for ln in lines.values()])
        En = np.array([ln.energy for ln in lines.values()])
        E_line = float((inten * En).sum() / inten.sum()) if inten.sum() > 0 else 0.0
        above = eV >= edge.energy
        J = max(float(edge.jump_ratio), 1.0)
        share = np.where(above, remaining * (J - 1.0) / J, 0.0)
        escape += share * float(edge.fyield) * E_line / eV
        remaining = np.where(above, remaining / J, remaining)
    f_kn = _kn_transfer_fraction(E / 1e3)
    return mu_pe * (1.0 - np.clip(escape, 0.0, 1.0)) + mu_inc * f_kn


def mass_energy_absorption(composition: Any, energies_keV: Any) -> np.ndarray:
    """Mass energy-absorption coefficient (cm^2/g) of an element or mixture.

    Examples
    --------
    >>> v = mass_energy_absorption(WATER, [100.0, 1000.0])   # NIST: 0.02546, 0.03103
    >>> [round(float(x), 4) for x in v]
    [0.0252, 0.0311]
    """
    E = tuple(np.atleast_1d(np.asarray(energies_keV, dtype=float)).tolist())
    if any(e <= 1.0 for e in E):
        raise DesignError("energies_keV: give photon energies > 1 keV", "energies_keV")
    comp = ((composition, 1.0),) if isinstance(composition, str) else tuple(composition)
    out = np.zeros(len(E))
    for el, w in comp:
        out += float(w) * _element_muen(str(el), E)
    return out


def beam_spectrum(beam: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(energies keV, energy-fluence weights)`` of a beam: a number (keV, monoenergetic),
    ``"Ir-192"`` (any nuclide: its photon lines), ``"250kVp"`` (tungsten tube, 2 mm Al + 0.5 mm
    Cu filtration) or a pair ``(energies_keV, fluence)``.

    Examples
    --------
    >>> E, w = beam_spectrum(100.0)
    >>> E.tolist(), w.tolist()
    ([100.0], [1.0])
    """
    if isinstance(beam, int | float):
        return np.array([float(beam)]), np.array([1.0])
    if isinstance(beam, str):
        b = beam.strip()
        if b.lower().endswith("kvp"):
            from nanotwin.imaging.modalities import _tube_spectrum

            kvp = float(b[:-3])
            E, phi = _tube_spectrum(kvp, 2.0, 0.5, 12.0)
            return E, E * phi
        from nanotwin.physics import photon_lines

        lines = photon_lines(b, min_yield=1e-3, min_energy_MeV=0.005)
        E = np.asarray(lines["energy_MeV"], dtype=float) * 1e3
        Y = np.asarray(lines["yield"], dtype=float)
        return E, E * Y
    E, phi = (np.asarray(v, dtype=float) for v in beam)
    return E, E * phi


def dose_enhancement_factor(element: str, mass_fraction: Any, beam: Any,
                            medium: Any = WATER) -> np.ndarray:
    """Macroscopic dose enhancement factor of ``mass_fraction`` of ``element`` (module
    docstring); ``mass_fraction`` may be a map.

    Examples
    --------
    >>> float(dose_enhancement_factor("Au", 0.0, 100.0))
    1.0
    >>> 1.5 < float(dose_enhancement_factor("Au", 0.007, 100.0)) < 3.5
    True
    >>> float(dose_enhancement_factor("Au", 0.007, 6000.0)) < 1.02
    True
    """
    w = np.asarray(mass_fraction, dtype=float)
    if np.any(w < 0) or np.any(w > 1):
        raise DesignError("mass_fraction: must be within 0..1", "mass_fraction")
    E, psi = beam_spectrum(beam)
    mt = mass_energy_absorption(medium, E)
    mz = mass_energy_absorption(element, E)
    a = float(np.sum(psi * mt))
    b = float(np.sum(psi * mz))
    return 1.0 + w * (b / a - 1.0)
