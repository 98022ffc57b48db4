"""Radionuclide lookup: modalities and uses (catalog) plus nuclear data computed from ICRP-107.

Nothing nuclear is stored in the catalog. :func:`nuclide_info` asks :mod:`nanotwin.physics`
(radioactivedecay and icrp107-database, both ICRP Publication 107) for half-life, decay modes,
progeny, mean energies per decay, photon lines and positron data, and adds the modalities and uses
from ``nuclides_medical.yaml`` for medical nuclides. For other nuclides the modalities are derived
from the decay data with the rules of :func:`derived_modalities`.

Cerenkov threshold in water: an electron or positron emits Cerenkov light when its speed exceeds
c/n, i.e. kinetic energy T > m_e c^2 (1/sqrt(1 - 1/n^2) - 1) = 0.264 MeV for n = 1.33
(Ciarrocchi E, Belcari N. EJNMMI Phys 2017;4:14, doi:10.1186/s40658-017-0181-8).
"""

from __future__ import annotations

import math
from functools import lru_cache

from pydantic import BaseModel, ConfigDict

from nanotwin.catalog._load import load_yaml
from nanotwin.errors import DesignError

__all__ = [
    "NuclideInfo",
    "TheranosticPair",
    "nuclide_info",
    "medical_nuclides",
    "theranostic_pairs",
    "derived_modalities",
    "cerenkov_threshold_MeV",
    "format_half_life",
]

#: Refractive index of water used for the Cerenkov threshold (visible light, ~20 °C).
N_WATER = 1.33
#: Electron rest energy m_e c^2 [MeV] (CODATA 2018).
M_E_C2_MEV = 0.51099895


def cerenkov_threshold_MeV(n: float = N_WATER) -> float:
    """Kinetic-energy threshold [MeV] for Cerenkov emission by electrons in a medium of index n.

    T_th = m_e c^2 (1 / sqrt(1 - 1/n^2) - 1) (Ciarrocchi & Belcari, EJNMMI Phys 2017;4:14).

    Examples
    --------
    >>> round(cerenkov_threshold_MeV(), 3)
    0.264
    """
    if n <= 1.0:
        raise DesignError(f"n: refractive index {n} must be > 1; water is 1.33", "n")
    return M_E_C2_MEV * (1.0 / math.sqrt(1.0 - 1.0 / n**2) - 1.0)


def format_half_life(hours: float) -> str:
    """Half-life with a readable unit (s, min, h, d or y).

    Examples
    --------
    >>> format_half_life(159.528), format_half_life(0.3398), format_half_life(0.0001)
    ('6.647 d', '20.39 min', '0.36 s')
    """
    if math.isinf(hours):
        return "stable"
    if hours >= 2 * 8766.0:
        return f"{hours / 8766.0:.4g} y"
    if hours >= 48.0:
        return f"{hours / 24.0:.4g} d"
    if hours >= 1.0:
        return f"{hours:.4g} h"
    if hours * 60.0 >= 1.0:
        return f"{hours * 60.0:.4g} min"
    return f"{hours * 3600.0:.4g} s"


class NuclideInfo(BaseModel):
    """Everything the catalog knows about one radionuclide (immutable).

    Energies are mean energies emitted per decay of this nuclide (not its progeny), in MeV, from
    ICRP-107. ``photon_lines`` are (energy [keV], yield per decay) pairs of the principal X, gamma
    and annihilation lines (yield >= 1 %, energy >= 10 keV), sorted by yield.

    Examples
    --------
    >>> info = nuclide_info("lu177")
    >>> info.name, info.half_life_text, info.modalities
    ('Lu-177', '6.647 d', ('therapy', 'SPECT', 'Cerenkov'))
    """

    model_config = ConfigDict(frozen=True)

    name: str
    element: str
    half_life_h: float
    half_life_text: str
    decay_modes: dict[str, float]
    progeny: tuple[str, ...]
    mean_energy_MeV: dict[str, float]
    photon_lines: tuple[tuple[float, float], ...]
    positron_fraction: float
    mean_positron_energy_MeV: float
    cerenkov_betas_per_decay: float
    modalities: tuple[str, ...]
    derived_modalities: tuple[str, ...]
    medical: bool
    uses: str
    source: str
    data_source: str


class TheranosticPair(BaseModel):
    """An imaging/therapy nuclide pair (immutable).

    Examples
    --------
    >>> p = theranostic_pairs()[0]
    >>> p.imaging, p.therapy
    ('Ga-68', 'Lu-177')
    """

    model_config = ConfigDict(frozen=True)

    imaging: str
    therapy: str
    kind: str
    chelator: str | None
    example: str
    source: str


@lru_cache(maxsize=1)
def _medical() -> dict[str, tuple[tuple[str, ...], str, str]]:
    from nanotwin.physics import canonical_nuclide

    out: dict[str, tuple[tuple[str, ...], str, str]] = {}
    for e in load_yaml("nuclides_medical.yaml")["nuclides"]:
        out[canonical_nuclide(e["name"])] = (tuple(e["modalities"]), str(e["uses"]),
                                             str(e["source"]))
    return out


def medical_nuclides() -> list[str]:
    """Canonical names of the nuclides the catalog lists as used in nuclear medicine.

    Examples
    --------
    >>> "Tc-99m" in medical_nuclides() and len(medical_nuclides()) >= 34
    True
    """
    return list(_medical())


def _cerenkov_betas(nuclide: str) -> float:
    """Betas (beta- plus beta+) per decay with kinetic energy above the water threshold."""
    import numpy as np

    from nanotwin.physics import beta_spectrum, mean_energy_per_decay

    e = mean_energy_per_decay(nuclide)
    T_th = cerenkov_threshold_MeV()
    total = 0.0
    for kind in ("beta-", "beta+"):
        if e[kind] <= 0:
            continue
        E, dN = beta_spectrum(nuclide, kind)
        if E.size < 2:
            continue
        mask = E >= T_th
        if mask.sum() >= 2:
            total += float(np.trapezoid(dN[mask], E[mask]))
    return total


def derived_modalities(nuclide: str) -> tuple[str, ...]:
    """Modalities a nuclide could serve judged from its ICRP-107 decay data alone.

    Rules (approximate, for nuclides without a catalog entry):

    * PET: positrons per decay >= 0.05;
    * SPECT: a gamma or X line of 70-400 keV with yield >= 0.05 per decay (the range collimated
      gamma cameras handle, Cherry, Sorenson & Phelps, Physics in Nuclear Medicine, 4th ed.);
    * therapy: alpha emission, or beta- in >= 50 % of decays, or >= 10 keV per decay in
      conversion and Auger electrons;
    * Cerenkov: >= 0.01 beta particles per decay above the threshold in water (0.264 MeV).

    Examples
    --------
    >>> derived_modalities("F-18")
    ('PET', 'Cerenkov')
    >>> derived_modalities("Tc-99m")
    ('SPECT', 'therapy')
    """
    from nanotwin.physics import canonical_nuclide, emissions, mean_energy_per_decay
    from nanotwin.physics import positron_fraction as _pf

    name = canonical_nuclide(nuclide)
    e = mean_energy_per_decay(name)
    df = emissions(name)
    out: list[str] = []
    if _pf(name) >= 0.05:
        out.append("PET")
    ph = df[df.radiation.isin(["gamma", "X"]) & (df.energy_MeV >= 0.070)
            & (df.energy_MeV <= 0.400) & (df.yield_per_decay >= 0.05)]
    if len(ph):
        out.append("SPECT")
    n_beta_minus = float(df[df.radiation == "beta-"].yield_per_decay.sum())
    if e["alpha"] > 0 or n_beta_minus >= 0.5 or e["electron"] >= 0.010:
        out.append("therapy")
    if _cerenkov_betas(name) >= 0.01:
        out.append("Cerenkov")
    return tuple(out)


@lru_cache(maxsize=512)
def _info(name: str) -> NuclideInfo:
    from nanotwin import physics

    hl_h = physics.half_life(name, "h")
    stable = math.isinf(hl_h)
    if stable:
        raise DesignError(
            f"nuclide {name!r}: is stable; give a radionuclide such as 'Lu-177' "
            "(see `nanotwin catalog nuclides`)", "nuclide")
    e = physics.mean_energy_per_decay(name)
    keys = ("alpha", "beta-", "beta+", "electron", "X", "gamma", "annihilation", "alpha_recoil")
    mean_e = {k: float(e.get(k, 0.0)) for k in keys}
    lines = physics.photon_lines(name, min_yield=0.01, min_energy_MeV=0.010)
    photon = tuple((round(float(r.energy_MeV) * 1000.0, 3), round(float(r["yield"]), 5))
                   for _, r in lines.head(8).iterrows())
    derived = derived_modalities(name)
    med = _medical().get(name)
    if med is not None:
        mods = list(med[0])
        if "Cerenkov" in derived and "Cerenkov" not in mods:
            mods.append("Cerenkov")
        modalities, uses, source = tuple(mods), med[1], med[2]
    else:
        modalities = derived
        uses = ""
        source = "modalities derived from ICRP-107 decay data (see derived_modalities)"
    return NuclideInfo(
        name=name,
        element=physics.element(name),
        half_life_h=hl_h,
        half_life_text=format_half_life(hl_h),
        decay_modes=physics.decay_modes(name),
        progeny=tuple(physics.progeny(name)),
        mean_energy_MeV=mean_e,
        photon_lines=photon,
        positron_fraction=physics.positron_fraction(name),
        mean_positron_energy_MeV=physics.mean_positron_energy(name),
        cerenkov_betas_per_decay=_cerenkov_betas(name),
        modalities=modalities,
        derived_modalities=derived,
        medical=med is not None,
        uses=uses,
        source=source,
        data_source=physics.data_release(),
    )


def nuclide_info(name: str) -> NuclideInfo:
    """Catalog entry of any radionuclide known to radioactivedecay (ICRP-107).

    Parameters
    ----------
    name
        Any common spelling: ``"Lu-177"``, ``"177Lu"``, ``"lu177"``, ``"99mTc"``.

    Returns
    -------
    NuclideInfo
        Half-life, decay modes, progeny, mean energy per decay by radiation type, principal photon
        lines, positron yield and mean energy (all computed from ICRP-107 by
        :mod:`nanotwin.physics`), modalities and uses.

    Raises
    ------
    DesignError
        Unknown or stable nuclide (one line with the closest names).

    Examples
    --------
    >>> info = nuclide_info("F-18")
    >>> round(info.positron_fraction, 3), round(info.mean_positron_energy_MeV * 1000, 1)
    (0.967, 249.8)
    >>> nuclide_info("Cs-137").medical
    False
    """
    from nanotwin.physics import canonical_nuclide

    return _info(canonical_nuclide(name))


@lru_cache(maxsize=1)
def _pairs() -> tuple[TheranosticPair, ...]:
    from nanotwin.physics import canonical_nuclide

    out = []
    for p in load_yaml("pairs.yaml")["pairs"]:
        out.append(TheranosticPair(
            imaging=canonical_nuclide(p["imaging"]), therapy=canonical_nuclide(p["therapy"]),
            kind=str(p["kind"]), chelator=p.get("chelator"), example=str(p["example"]),
            source=str(p["source"])))
    return tuple(out)


def theranostic_pairs(nuclide: str | None = None) -> list[TheranosticPair]:
    """Theranostic pairs, optionally only those containing ``nuclide``.

    Examples
    --------
    >>> [p.imaging for p in theranostic_pairs("Lu-177")]
    ['Ga-68', 'Zr-89']
    """
    pairs = list(_pairs())
    if nuclide is None:
        return pairs
    from nanotwin.physics import canonical_nuclide

    n = canonical_nuclide(nuclide)
    return [p for p in pairs if n in (p.imaging, p.therapy)]
