"""S-values (Gy per Bq·s) of spheres and reference-phantom organs, computed from ICRP-107 emissions.

MIRD schema (Bolch et al., J Nucl Med 2009;50:477, MIRD Pamphlet 21):
``S(T←S) = Σ_i E_i Y_i φ_i(T←S) / m_T``, with E_i Y_i the energy emitted per decay by radiation i
(ICRP-107) and φ_i the absorbed fraction from :mod:`nanotwin.dosimetry.absorbed_fractions`.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np

from nanotwin.dosimetry.absorbed_fractions import (
    beta_af_sphere,
    charged_af_sphere,
    photon_af_sphere,
    sphere_radius_cm,
)
from nanotwin.errors import DesignError
from nanotwin.physics import nuclear

__all__ = [
    "MEV_TO_J",
    "absorbed_energy_per_decay",
    "sphere_s_value",
    "bone_mass_fraction",
]

#: 1 MeV in joules (CODATA 2018, exact).
MEV_TO_J = 1.602176634e-13


def bone_mass_fraction(bone_volume_fraction: float) -> float:
    """Mass fraction of cortical bone in a soft-tissue/bone mixture given by volume fraction.

    Densities: soft tissue 1.03, cortical bone 1.92 g/cm³ (ICRU 44).

    Examples
    --------
    >>> round(bone_mass_fraction(0.5), 4)
    0.6508
    """
    v = float(bone_volume_fraction)
    return v * 1.92 / (v * 1.92 + (1 - v) * 1.03)


def _check_positive(value: Any, field: str, unit: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise DesignError(f"{field}: {value!r} is not a number; give a positive value in {unit}",
                          field) from None
    if not math.isfinite(x) or x <= 0:
        raise DesignError(f"{field}: {value!r} must be > 0 {unit}; give a positive value", field)
    return x


@lru_cache(maxsize=4096)
def absorbed_energy_per_decay(nuclide: str, mass_g: float, density_g_cm3: float = 1.03,
                              bone_fraction: float = 0.0) -> tuple[tuple[str, float], ...]:
    """Energy (MeV) absorbed in a sphere per decay of ``nuclide`` (parent only), by radiation.

    Returns ``((radiation, MeV), ...)`` for alpha, alpha_recoil, beta-, beta+, electron, photon.
    Alpha-recoil nuclei (≈0.1 MeV, range < 0.1 µm) are absorbed locally.

    Examples
    --------
    >>> d = dict(absorbed_energy_per_decay("Lu-177", 1000.0))
    >>> round(d["beta-"] / 0.1333, 2)
    1.0
    """
    nuc = nuclear.canonical_nuclide(nuclide)
    a = sphere_radius_cm(mass_g, density_g_cm3)
    rows = nuclear._emission_rows(nuc)
    out: dict[str, float] = {}
    # alphas: discrete lines, straight tracks
    al = [(e, y) for r, e, y in rows if r == "alpha"]
    if al:
        E = np.array([e for e, _ in al])
        Y = np.array([y for _, y in al])
        out["alpha"] = float(np.sum(E * Y * charged_af_sphere(E, a, density_g_cm3, "alpha",
                                                                bone_fraction)))
    else:
        out["alpha"] = 0.0
    out["alpha_recoil"] = nuclear.mean_energy_per_decay(nuc)["alpha_recoil"]
    for kind in ("beta-", "beta+"):
        emitted = nuclear.mean_energy_per_decay(nuc)[kind]
        if emitted <= 0:
            out[kind] = 0.0
            continue
        E, dN = nuclear._beta_spectrum(nuc, kind)
        if E.size:
            out[kind] = emitted * beta_af_sphere(E, dN, a, density_g_cm3, bone_fraction)
        else:  # no tabulated spectrum: mean energy as a line (approximation)
            out[kind] = emitted * float(charged_af_sphere(np.array([emitted]), a,
                                                          density_g_cm3, "electron",
                                                          bone_fraction)[0])
    el = [(e, y) for r, e, y in rows if r == "electron"]
    if el:
        E = np.array([e for e, _ in el])
        Y = np.array([y for _, y in el])
        out["electron"] = float(np.sum(E * Y * charged_af_sphere(E, a, density_g_cm3,
                                                                   "electron", bone_fraction)))
    else:
        out["electron"] = 0.0
    ph = [(e, y) for r, e, y in rows if r in ("X", "gamma", "annihilation")]
    if ph:
        E = np.array([e for e, _ in ph])
        Y = np.array([y for _, y in ph])
        out["photon"] = float(np.sum(E * Y * photon_af_sphere(E, a, density_g_cm3,
                                                                bone_fraction)))
    else:
        out["photon"] = 0.0
    return tuple(out.items())


def sphere_s_value(nuclide: str, mass_g: float, density_g_cm3: float = 1.03,
                   alpha_weight: float = 1.0, *, bone_fraction: float = 0.0,
                   progeny: bool = False, include_recoil: bool = True,
                   by_radiation: bool = False) -> Any:
    """Self-dose S-value of a uniform sphere (tumour), Gy/(Bq·s).

    Parameters
    ----------
    nuclide
        Nuclide (any spelling :func:`nanotwin.physics.canonical_nuclide` accepts).
    mass_g
        Sphere mass in grams.
    density_g_cm3
        Density (soft tissue 1.03 g/cm³, ICRU 44).
    alpha_weight
        Weight on alpha energy (1 → absorbed dose; 5 → RBE-weighted, MIRD Pamphlet 22).
    bone_fraction
        Mass fraction of cortical bone in the sphere (composition for stopping and photon
        attenuation).
    progeny
        Add the progeny decaying in the sphere (in-situ decay, secular chain: each member weighted
        by the fraction of parent atoms passing through it).
    include_recoil
        Count the alpha-recoil nucleus energy (absorbed locally) with the alphas, as MIRD/RADAR
        decay data and OLINDA do (default).
    by_radiation
        Return a dict of contributions by radiation instead of the total.

    Examples
    --------
    >>> s = sphere_s_value("Lu-177", 4.31)
    >>> 4e-12 < s < 7e-12
    True
    """
    mass = _check_positive(mass_g, "mass_g", "g")
    rho = _check_positive(density_g_cm3, "density_g_cm3", "g/cm3")
    w_alpha = float(alpha_weight)
    if not math.isfinite(w_alpha) or w_alpha < 0:
        raise DesignError(f"alpha_weight: {alpha_weight!r} must be >= 0; use 1 (Gy) or an RBE "
                          "such as 5", "alpha_weight")
    nuc = nuclear.canonical_nuclide(nuclide)
    members = {nuc: 1.0}
    if progeny:
        members = nuclear.chain_branching(nuc)
    tot: dict[str, float] = {}
    for m, frac in members.items():
        if frac <= 0:
            continue
        parts = dict(absorbed_energy_per_decay(m, float(f"{mass:.6g}"), float(f"{rho:.6g}"),
                                               round(float(bone_fraction), 6)))
        parts["alpha"] *= w_alpha
        parts["alpha_recoil"] = parts["alpha_recoil"] * w_alpha if include_recoil else 0.0
        for k, v in parts.items():
            tot[k] = tot.get(k, 0.0) + frac * v
    factor = MEV_TO_J / (mass * 1e-3)
    s = {k: v * factor for k, v in tot.items()}
    if by_radiation:
        return s
    return float(sum(s.values()))
