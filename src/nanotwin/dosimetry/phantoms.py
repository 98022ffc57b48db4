"""Reference phantoms (organ masses) and organ S-values.

Phantoms: ``adult_male`` and ``adult_female`` (ICRP Publication 89 reference organ masses) and
``mouse_25g``, ``mouse_30g``, ``mouse_35g`` (RADAR mouse phantoms, Keenan et al., J Nucl Med
2010;51:471). Organ geometry is NOT modelled: each organ is a sphere of its mass.

* Self-dose S(S←S): sphere S-value of the organ's mass and composition
  (:func:`nanotwin.dosimetry.sphere_s_value` physics, electrons with energy-dependent escape).
* Cross-dose S(T←S), T ≠ S (approximate): the energy that leaves the source organ and is still
  absorbed in the body (body-sized sphere minus organ self-absorption) is spread uniformly over
  the rest of the body: ``S(T←S) = Σ_i E_i·max(φ_i,body − φ_i,S, 0)/(M − m_S)`` — the uniform
  "remainder" approximation (cf. MIRD Pamphlet 11 / Cristy & Eckerman remainder-of-body
  treatment). It ignores organ separation, so it under-estimates photon cross-dose between
  neighbouring organs and over-estimates it between distant ones.
* ``remainder`` source (activity in tissues without their own compartment): energy absorbed in
  the body-sized sphere spread uniformly over the whole body (total-body approximation).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from nanotwin.dosimetry.masses import PHANTOMS, _check_phantom, phantom_masses
from nanotwin.dosimetry.svalues import MEV_TO_J, absorbed_energy_per_decay, bone_mass_fraction
from nanotwin.errors import DesignError
from nanotwin.physics import nuclear

__all__ = [
    "CONTENTS_MASSES",
    "PHANTOMS",
    "extra_sources",
    "phantom_masses",
    "organ_material",
    "s_value",
    "s_matrix",
    "scale_s_value",
]

# Densities and bone content per organ (ICRU Report 44 (1989): soft tissue 1.03, inflated lung
# 0.26, cortical bone 1.92 g/cm3; skeleton taken as a 50/50 volume mixture of cortical bone and
# marrow/soft tissue, density 1.475 g/cm3 — close to the ICRP 110 whole-skeleton 1.4-1.5).
_ORGAN_MATERIAL = {
    "lungs": (0.26, 0.0),
    "skeleton": (0.5 * 1.92 + 0.5 * 1.03, bone_mass_fraction(0.5)),
}


def organ_material(organ: str) -> tuple[float, float]:
    """Density (g/cm³) and cortical-bone mass fraction used for an organ.

    Examples
    --------
    >>> organ_material("liver")
    (1.03, 0.0)
    """
    return _ORGAN_MATERIAL.get(organ, (1.03, 0.0))


def _masses(phantom: str, organ_masses: Mapping[str, float] | None) -> dict[str, float]:
    masses = phantom_masses(phantom)
    for organ, m in (organ_masses or {}).items():
        try:
            mv = float(m)
        except (TypeError, ValueError):
            mv = float("nan")
        if not math.isfinite(mv) or mv <= 0:
            raise DesignError(f"organ_masses.{organ}: {m!r} must be a positive mass in g; "
                              "give e.g. 1.2", f"organ_masses.{organ}")
        masses[organ] = mv
    return masses


def _energy(nuclide: str, mass: float, organ: str) -> dict[str, float]:
    rho, bf = organ_material(organ)
    return dict(absorbed_energy_per_decay(nuclide, float(f"{mass:.6g}"), rho, round(bf, 6)))


def _split(parts: Mapping[str, float]) -> tuple[float, float]:
    """(alpha incl. recoil, everything else) energy, MeV."""
    a = parts["alpha"] + parts["alpha_recoil"]
    return a, sum(v for k, v in parts.items() if k not in ("alpha", "alpha_recoil"))


#: Source-only regions of the stylised adult (contents of hollow organs; masses of the
#: Cristy–Eckerman adult, ORNL/TM-8381) and the ICRP-30 skeletal sources.
CONTENTS_MASSES = {"stomach_contents": 260.0, "heart_contents": 454.0,
                   "urinary_bladder_contents": 211.0}


def extra_sources(phantom: str) -> list[str]:
    """Source regions a phantom offers beyond its organs (contents, bone surfaces/volumes).

    Examples
    --------
    >>> extra_sources("adult_male")[:2]
    ['stomach_contents', 'heart_contents']
    >>> extra_sources("mouse_25g")
    []
    """
    from nanotwin.dosimetry.organ_s import BONE_SOURCES

    if not phantom.startswith("adult"):
        return []
    return [*CONTENTS_MASSES, *BONE_SOURCES]


@lru_cache(maxsize=4096)
def _s_pair(nuclide: str, source: str, target: str, masses_key: tuple[tuple[str, float], ...],
            phantom: str = "") -> tuple[float, float]:
    """(S_alpha, S_other) in Gy/(Bq·s) for one parent nuclide (no progeny).

    With a ``phantom`` that has stylised geometry, photon cross- and self-dose come from its
    Monte Carlo SAFs, walls from contents and red marrow from :mod:`nanotwin.dosimetry.organ_s`;
    pairs outside the geometry (tumour, ...) use the sphere / remainder model below.
    """
    masses = dict(masses_key)
    if phantom:
        from nanotwin.dosimetry.organ_s import geometric_s_pair

        full = {**masses, **(CONTENTS_MASSES if phantom.startswith("adult") else {})}
        own = (0.0, 0.0)
        if source == target and source in masses:
            a, o = _split(_energy(nuclide, masses[source], source))
            own = (a, o - _energy(nuclide, masses[source], source)["photon"])
        geo = geometric_s_pair(nuclide, source, target, phantom, full, own)
        if geo is not None:
            return geo
        if source not in masses:  # contents / bone sources outside the geometry's answer
            masses[source] = CONTENTS_MASSES.get(source, masses.get("skeleton", 1.0))
    M = masses["total_body"]
    body = _energy(nuclide, M, "total_body")
    if source == "remainder":
        a, o = _split(body)
        return a * MEV_TO_J / (M * 1e-3), o * MEV_TO_J / (M * 1e-3)
    m_S = masses[source]
    own = _energy(nuclide, m_S, source)
    if target == source:
        a, o = _split(own)
        return a * MEV_TO_J / (m_S * 1e-3), o * MEV_TO_J / (m_S * 1e-3)
    esc = {k: max(body[k] - own[k], 0.0) for k in own}
    a, o = _split(esc)
    rest = max(M - m_S, 1e-9)
    return a * MEV_TO_J / (rest * 1e-3), o * MEV_TO_J / (rest * 1e-3)


def _organ_names(masses: Mapping[str, float]) -> list[str]:
    return [o for o in masses if o != "total_body"]


def s_value(nuclide: str, source: str, target: str, phantom: str = "adult_male", *,
            organ_masses: Mapping[str, float] | None = None, alpha_weight: float = 1.0,
            progeny: bool = False) -> float:
    """Organ S-value S(target ← source), Gy/(Bq·s).

    Parameters
    ----------
    nuclide
        Parent nuclide.
    source, target
        Phantom organ names (:func:`phantom_masses`), ``"remainder"`` as a source, or any name
        given in ``organ_masses`` (e.g. ``"tumor"``).
    phantom
        ``adult_male``, ``adult_female``, ``mouse_25g``, ``mouse_30g`` or ``mouse_35g``.
    organ_masses
        Subject organ masses (g) replacing or adding to the phantom's; S-values are recomputed at
        these masses (not scaled).
    alpha_weight
        Weight on alpha energy (RBE; 1 for Gy).
    progeny
        Include progeny decaying where the parent decays (in-situ, chain branching weights).

    Examples
    --------
    >>> s = s_value("Lu-177", "liver", "liver", "mouse_25g")
    >>> 1e-11 < s < 2e-11
    True
    """
    masses = _masses(_check_phantom(phantom), organ_masses)
    known = _organ_names(masses)
    if source not in known and source != "remainder" and source not in extra_sources(phantom):
        raise DesignError(f"source: unknown organ {source!r} in {phantom}; use one of "
                          f"{', '.join([*known, 'remainder', *extra_sources(phantom)])}",
                          "source")
    if target not in known:
        raise DesignError(f"target: unknown organ {target!r} in {phantom}; use one of "
                          f"{', '.join(known)}", "target")
    nuc = nuclear.canonical_nuclide(nuclide)
    members = nuclear.chain_branching(nuc) if progeny else {nuc: 1.0}
    key = tuple(sorted(masses.items()))
    tot = 0.0
    for m, frac in members.items():
        if frac > 0:
            a, o = _s_pair(m, source, target, key, phantom)
            tot += frac * (float(alpha_weight) * a + o)
    return tot


def s_matrix(nuclide: str, phantom: str = "adult_male", *,
             organ_masses: Mapping[str, float] | None = None) -> Any:
    """All organ S-values of one nuclide (parent only) as an xarray Dataset.

    Variables ``S`` (Gy/(Bq·s), all radiations, alpha weight 1) and ``S_alpha`` (the alpha +
    recoil part, so that an RBE-weighted S is ``S + (RBE − 1)·S_alpha``), dims target × source;
    sources include ``remainder``.

    Examples
    --------
    >>> ds = s_matrix("Lu-177", "mouse_30g")
    >>> float(ds.S.sel(target="liver", source="liver")) > float(ds.S.sel(target="liver",
    ...                                                                   source="spleen"))
    True
    """
    import numpy as np

    from nanotwin.results import make_result

    masses = _masses(_check_phantom(phantom), organ_masses)
    nuc = nuclear.canonical_nuclide(nuclide)
    targets = _organ_names(masses)
    sources = [*targets, "remainder", *extra_sources(phantom)]
    key = tuple(sorted(masses.items()))
    S = np.zeros((len(targets), len(sources)))
    Sa = np.zeros_like(S)
    for j, s in enumerate(sources):
        for i, t in enumerate(targets):
            a, o = _s_pair(nuc, s, t, key, phantom)
            S[i, j] = a + o
            Sa[i, j] = a
    return make_result(
        {"S": (("target", "source"), S, "Gy/(Bq*s)"),
         "S_alpha": (("target", "source"), Sa, "Gy/(Bq*s)")},
        coords={"target": targets, "source": sources,
                "mass_g": ("target", [masses[t] for t in targets], "g")},
        kind="s_values",
        attrs={"nuclide": nuc, "phantom": phantom, "nuclear_data": nuclear.data_release()})


def scale_s_value(S_ref: float, m_ref_g: float, m_new_g: float, kind: str = "electron") -> float:
    """Scale a self-dose S-value to another organ mass (MIRD rule of thumb).

    Electrons/alphas (absorbed locally): S ∝ 1/m; photons: S ∝ m^(-2/3)
    (Snyder et al., MIRD Pamphlet 11, 1975; Stabin, Fundamentals of Nuclear Medicine Dosimetry
    2008, §6.2). nanotwin's own S-values are recomputed at the subject's masses instead; this is
    for scaling values taken from other tables.

    Examples
    --------
    >>> scale_s_value(1.0, 2.0, 4.0), round(scale_s_value(1.0, 1.0, 8.0, "photon"), 3)
    (0.5, 0.25)
    """
    if kind not in ("electron", "alpha", "photon"):
        raise DesignError(f"kind: {kind!r} unknown; use 'electron', 'alpha' or 'photon'", "kind")
    ratio = float(m_ref_g) / float(m_new_g)
    return float(S_ref) * (ratio if kind != "photon" else ratio ** (2 / 3))
