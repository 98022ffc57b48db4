"""Nuclear decay data for nanotwin: names, half-lives, decay chains and ICRP-107 emissions.

Sources
-------
* Half-lives, decay modes, branching fractions and chain solutions: ICRP Publication 107
  (Eckerman & Endo 2008, Ann ICRP 38(3)) as packaged by ``radioactivedecay`` (Malins & Lemoine,
  J Open Source Softw 2022;7:3318), data set ``icrp107_ame2020_nubase2020``.
* Emission energies, yields and beta spectra: ICRP Publication 107 (``.RAD`` and ``.BET`` files)
  as packaged by ``icrp107-database`` (OpenGATE collaboration, LGPL-3).

All energies are in MeV, times in hours unless a ``unit`` argument says otherwise.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = [
    "canonical_nuclide",
    "element",
    "half_life",
    "progeny",
    "activities",
    "cumulated_decays",
    "decay_factor",
    "decay_correct",
    "emissions",
    "beta_spectrum",
    "mean_energy_per_decay",
    "photon_lines",
    "positron_fraction",
    "mean_positron_energy",
    "decay_modes",
    "chain_branching",
    "data_release",
    "RADIATION_TYPES",
]

#: Radiation types reported by :func:`emissions` (ICRP-107 ``auger`` and ``IE`` (internal
#: conversion) electrons are merged into ``electron``).
RADIATION_TYPES = ("alpha", "beta-", "beta+", "electron", "X", "gamma", "annihilation")

# ICRP-107 record names (icrp107-database keys) -> nanotwin radiation type
_ICRP_TO_TYPE = {
    "alpha": "alpha",
    "beta-": "beta-",
    "beta+": "beta+",
    "auger": "electron",
    "IE": "electron",
    "X": "X",
    "gamma": "gamma",
    "annihilation": "annihilation",
}

_FORMS = "names as in 'Lu-177' or '177Lu'"


# --------------------------------------------------------------------------------------- names
#: radioactivedecay's default data set (``rd.DEFAULTDATA.dataset_name``; a test checks it).
_RD_DATASET = "icrp107_ame2020_nubase2020"
_METASTABLE = "mnpqrx"  # NUBASE2020 isomer letters, first to sixth (as radioactivedecay)


class _DecayTable:
    """radioactivedecay's ICRP-107 decay table, read from the package's own data file.

    The file ``<radioactivedecay>/icrp107_ame2020_nubase2020/decay_data.npz`` holds every
    nuclide's half-life, progeny, branching fractions and decay modes (ICRP-107). Reading it
    directly takes milliseconds; ``import radioactivedecay`` also loads matplotlib, sympy, pandas
    and networkx (about 1 s), so names, half-lives and chains are looked up here and
    radioactivedecay itself is imported only to solve decay chains (:func:`activities`,
    :func:`cumulated_decays`).
    """

    def __init__(self) -> None:
        from importlib.util import find_spec
        from pathlib import Path

        from nanotwin.errors import DataError

        spec = find_spec("radioactivedecay")  # locates the package without importing it
        if spec is None or not spec.submodule_search_locations:  # pragma: no cover
            raise DataError("radioactivedecay is not installed; pip install radioactivedecay")
        path = Path(list(spec.submodule_search_locations)[0]) / _RD_DATASET / "decay_data.npz"
        # object arrays (lists of progeny per nuclide) need pickle: the file is the installed
        # package's own data, as radioactivedecay loads it
        with np.load(path, allow_pickle=True) as d:
            names = [str(n) for n in d["nuclides"]]
            hl = d["hldata"]
            self.year_days = float(d["year_conv"])
            self.progeny = [tuple(str(x) for x in row) for row in d["progeny"]]
            self.bfs = [tuple(float(x) for x in row) for row in d["bfs"]]
            self.modes = [tuple(str(x) for x in row) for row in d["modes"]]
        unit_s = {"ps": 1e-12, "ns": 1e-9, "μs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0,
                  "m": 60.0, "h": 3600.0, "d": 86400.0, "y": 86400.0 * self.year_days}
        self.names = tuple(names)
        self.index = {n: i for i, n in enumerate(names)}
        self.half_life_s = tuple(float(v) * unit_s[str(u)] for v, u, _ in hl)
        self.elements = frozenset(n.split("-")[0] for n in names)


@lru_cache(maxsize=1)
def _table() -> _DecayTable:
    return _DecayTable()


def _parse_name(text: str) -> str | None:
    """``"177Lu"``, ``"Lu177"``, ``"lu-177"``, ``"99mTc"`` -> ``"Lu-177"`` / ``"Tc-99m"``, or None.

    The spellings radioactivedecay accepts: an element symbol and a mass number in either order,
    at most one hyphen, an optional isomer letter (m, n, p, q, r, x) after the mass number or
    before the symbol; the symbol is capitalised, the isomer letter lower-cased.
    """
    s = "".join(text.split()).replace("-", "", 1)
    if not s.isalnum() or not s.isascii():
        return None
    mass = "".join(ch for ch in s if ch.isdigit())
    if not mass or int(mass) > 300:
        return None
    parts = s.split(mass)
    if len(parts) != 2:
        return None
    head, tail = parts
    if head:  # symbol first: "Lu177", "Tc99m"
        symbol, iso = head, tail
    elif len(tail) > 2 or (len(tail) == 2 and tail[0] in _METASTABLE and
                           tail[1:] in _table().elements):  # "99mTc", "113mIn"
        iso, symbol = tail[0], tail[1:]
    else:  # "177Lu", "131I"
        iso, symbol = "", tail
    iso = iso.lower()
    if len(iso) > 1 or (iso and iso not in _METASTABLE):
        return None
    name = f"{symbol.capitalize()}-{mass}{iso}"
    return name if name in _table().index else None


def _known_names() -> tuple[str, ...]:
    return _table().names


@lru_cache(maxsize=4096)
def canonical_nuclide(name: str) -> str:
    """Canonical radioactivedecay name of a nuclide ("177Lu", "lu177", "LU-177" -> "Lu-177").

    Parameters
    ----------
    name
        A nuclide name in any common spelling: ``"Lu-177"``, ``"177Lu"``, ``"lu177"``,
        ``"Tc-99m"``, ``"99mTc"``, ``"tc99m"``.

    Returns
    -------
    str
        The name as radioactivedecay (ICRP-107) writes it.

    Raises
    ------
    DesignError
        If the nuclide is not in ICRP-107; the message names the closest known names.

    Examples
    --------
    >>> canonical_nuclide("177Lu"), canonical_nuclide("tc99m"), canonical_nuclide("LU-177")
    ('Lu-177', 'Tc-99m', 'Lu-177')
    """
    if not isinstance(name, str) or not name.strip():
        raise DesignError(f"nuclide {name!r}: not a nuclide name; give e.g. 'Lu-177' or '177Lu'",
                          "nuclide")
    text = name.strip().replace(" ", "")
    low = text.lower()
    for cand in (text, low.capitalize(), low):
        out = _parse_name(cand)
        if out is not None:
            return out
    import difflib

    names = _known_names()
    lower = {n.lower(): n for n in names}
    guesses = difflib.get_close_matches(low, list(lower), n=3, cutoff=0.6)
    hint = ", ".join(lower[g] for g in guesses)
    did = f"did you mean {hint}? " if hint else ""
    raise DesignError(f"nuclide {name!r}: unknown nuclide; {did}({_FORMS})", "nuclide")


def element(nuclide: str) -> str:
    """Element symbol of a nuclide.

    Examples
    --------
    >>> element("177Lu"), element("Tc-99m")
    ('Lu', 'Tc')
    """
    return canonical_nuclide(nuclide).split("-")[0]


@lru_cache(maxsize=2048)
def _half_life_s(nuclide: str) -> float:
    tab = _table()
    return tab.half_life_s[tab.index[canonical_nuclide(nuclide)]]


def half_life(nuclide: str, unit: str = "h") -> float:
    """Physical half-life (ICRP-107) in ``unit`` (``"s"``, ``"min"``, ``"h"``, ``"d"``, ``"y"``).

    Examples
    --------
    >>> round(half_life("Lu-177", "d"), 3)
    6.647
    >>> round(half_life("F-18", "min"), 2)
    109.77
    """
    factors = {"s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0,
               "y": 365.2422 * 86400.0}
    if unit not in factors:
        raise DesignError(f"unit: unknown time unit {unit!r}; use one of {', '.join(factors)}",
                          "unit")
    if unit == "y":  # radioactivedecay's own year convention (days per year of the data set)
        return _half_life_s(nuclide) / (86400.0 * _table().year_days)
    return _half_life_s(nuclide) / factors[unit]


def _is_stable(nuclide: str) -> bool:
    return math.isinf(_half_life_s(nuclide))


@lru_cache(maxsize=1024)
def _chain_edges(nuclide: str) -> tuple[tuple[str, str, float], ...]:
    """All (parent, daughter, branching fraction) edges of the chain below ``nuclide``."""
    tab = _table()
    edges: list[tuple[str, str, float]] = []
    seen: set[str] = set()
    stack = [canonical_nuclide(nuclide)]
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        if _is_stable(n):
            continue
        i = tab.index[n]
        for d, bf in zip(tab.progeny[i], tab.bfs[i], strict=True):
            edges.append((n, d, bf))
            stack.append(d)
    return tuple(edges)


@lru_cache(maxsize=1024)
def _progeny(nuclide: str) -> tuple[str, ...]:
    parent = canonical_nuclide(nuclide)
    order: list[str] = []
    for _, d, bf in _chain_edges(parent):
        if bf > 0 and not _is_stable(d) and d not in order and d != parent:
            order.append(d)
    return tuple(order)


def progeny(nuclide: str) -> list[str]:
    """All radioactive descendants of ``nuclide`` (whole chain, stable nuclides excluded).

    Examples
    --------
    >>> sorted(progeny("Pb-212"))
    ['Bi-212', 'Po-212', 'Tl-208']
    >>> progeny("Lu-177")
    []
    """
    return list(_progeny(nuclide))


@lru_cache(maxsize=1024)
def chain_branching(nuclide: str) -> dict[str, float]:
    """Fraction of parent atoms that decay through each chain member (parent = 1).

    The sum over all decay paths of the products of branching fractions (ICRP-107 via
    radioactivedecay). Equals the ratio of each member's total number of decays to the parent's
    for a pure parent at t = 0 integrated to infinity.

    Examples
    --------
    >>> b = chain_branching("Pb-212")
    >>> round(b["Bi-212"], 6), round(b["Po-212"] + b["Tl-208"], 6)
    (1.0, 1.0)
    """
    parent = canonical_nuclide(nuclide)
    members = [parent, *_progeny(parent)]
    frac = {m: 0.0 for m in members}
    frac[parent] = 1.0
    edges = _chain_edges(parent)
    # Members in topological order (decay chains are acyclic); repeat relaxation N times.
    incoming: dict[str, list[tuple[str, float]]] = {m: [] for m in members}
    for p, d, bf in edges:
        if d in incoming:
            incoming[d].append((p, bf))
    done = {parent}
    order = [parent]
    while len(order) < len(members):
        progressed = False
        for m in members:
            if m not in done and all(p in done for p, _ in incoming[m]):
                frac[m] = sum(frac[p] * bf for p, bf in incoming[m])
                done.add(m)
                order.append(m)
                progressed = True
        if not progressed:  # pragma: no cover - ICRP-107 chains are acyclic
            raise RuntimeError(f"cyclic decay chain below {parent}")
    return frac


def _check_times(times_h: Any, field: str = "times_h") -> np.ndarray:
    t = np.atleast_1d(np.asarray(times_h, dtype=float))
    if t.ndim != 1:
        raise DesignError(f"{field}: must be a 1-D list of times in h; got shape {t.shape}", field)
    if np.any(~np.isfinite(t)) or np.any(t < 0):
        raise DesignError(f"{field}: times must be finite and >= 0 h; remove negative or NaN "
                          "times", field)
    return t


def activities(nuclide: str, times_h: Any, A0: float = 1.0) -> dict[str, np.ndarray]:
    """Activity of the parent and every radioactive descendant at ``times_h``.

    A pure parent of activity ``A0`` at t = 0 is decayed with radioactivedecay's exact Bateman
    solution (ICRP-107 data). Activities are in the unit of ``A0``.

    Parameters
    ----------
    nuclide
        Parent nuclide.
    times_h
        Times after t = 0 in hours (>= 0).
    A0
        Parent activity at t = 0 (any unit; the results have the same unit).

    Returns
    -------
    dict
        ``member -> activity array`` (parent first).

    Examples
    --------
    >>> a = activities("Lu-177", [0.0, 159.528])
    >>> [round(float(x), 6) for x in a["Lu-177"]]
    [1.0, 0.5]
    """
    import radioactivedecay as rd

    parent = canonical_nuclide(nuclide)
    t = _check_times(times_h)
    members = [parent, *_progeny(parent)]
    out = {m: np.zeros(t.size) for m in members}
    inv = rd.Inventory({parent: 1.0}, "Bq")
    for i, ti in enumerate(t):
        act = inv.decay(float(ti), "h").activities("Bq") if ti > 0 else {parent: 1.0}
        for m in members:
            out[m][i] = float(act.get(m, 0.0)) * float(A0)
    return out


def cumulated_decays(nuclide: str, t_h: float, A0_Bq: float = 1.0) -> dict[str, float]:
    """Number of decays of each chain member from 0 to ``t_h`` for a pure parent of ``A0_Bq``.

    For ``t_h = inf`` the parent's total is the analytic ``A0 T½ / ln 2`` (T½ in s) and each
    descendant's total is that times its :func:`chain_branching` fraction (every atom eventually
    decays). For finite times radioactivedecay's ``cumulative_decays`` is used.

    Examples
    --------
    >>> n = cumulated_decays("F-18", float("inf"))
    >>> round(n["F-18"], 1) == round(half_life("F-18", "s") / __import__("math").log(2), 1)
    True
    """
    import radioactivedecay as rd

    parent = canonical_nuclide(nuclide)
    t = float(t_h)
    if math.isnan(t) or t < 0:
        raise DesignError(f"t_h: {t_h!r} must be >= 0 h (or inf); give a non-negative time",
                          "t_h")
    members = [parent, *_progeny(parent)]
    if math.isinf(t):
        N0 = A0_Bq * _half_life_s(parent) / math.log(2)
        frac = chain_branching(parent)
        return {m: N0 * frac[m] for m in members}
    if t == 0:
        return {m: 0.0 for m in members}
    inv = rd.Inventory({parent: float(A0_Bq)}, "Bq")
    cd = inv.cumulative_decays(t, "h")
    return {m: float(cd.get(m, 0.0)) for m in members}


def decay_factor(nuclide: str, dt_h: Any) -> Any:
    """Physical decay factor exp(-ln 2 · dt / T½) of the parent (``dt_h`` may be an array).

    Examples
    --------
    >>> round(decay_factor("Lu-177", 6.647 * 24), 6)
    0.5
    """
    lam = math.log(2) / half_life(nuclide, "h")
    out = np.exp(-lam * np.asarray(dt_h, dtype=float))
    return float(out) if out.ndim == 0 else out


def decay_correct(values: Any, times_h: Any, nuclide: str,
                  reference_time_h: float = 0.0) -> np.ndarray:
    """Decay-correct measured activities to ``reference_time_h``.

    ``values[i]`` measured at ``times_h[i]`` becomes ``values[i] · exp(λ (t_i − t_ref))``: the
    activity that would have been measured without physical decay since the reference time.

    Examples
    --------
    >>> decay_correct([0.5], [6.647 * 24], "Lu-177").round(6).tolist()
    [1.0]
    """
    v = np.asarray(values, dtype=float)
    t = np.asarray(times_h, dtype=float)
    if v.shape != t.shape:
        raise DesignError(f"values: {v.shape[0] if v.ndim else 1} values but "
                          f"{t.shape[0] if t.ndim else 1} times; give one time per value", "values")
    lam = math.log(2) / half_life(nuclide, "h")
    return v * np.exp(lam * (t - float(reference_time_h)))


# ----------------------------------------------------------------------------------- emissions
def _icrp107_file(nuclide: str) -> Any:
    from icrp107_database.utility import icrp107_source_path

    return icrp107_source_path / "icrp107" / f"{canonical_nuclide(nuclide)}.json"


@lru_cache(maxsize=512)
def _icrp107_record(nuclide: str) -> dict[str, Any]:
    path = _icrp107_file(nuclide)
    if not path.is_file():
        raise DesignError(f"nuclide {nuclide!r}: no ICRP-107 emission data in icrp107-database; "
                          "choose another nuclide", "nuclide")
    with open(path, "rb") as f:
        data = json.load(f)
    if isinstance(data, str):  # the package stores JSON text inside a JSON string
        data = json.loads(data)
    return data


@lru_cache(maxsize=512)
def _emission_rows(nuclide: str) -> tuple[tuple[str, float, float], ...]:
    rec = _icrp107_record(canonical_nuclide(nuclide))
    rows: list[tuple[str, float, float]] = []
    for key, rtype in _ICRP_TO_TYPE.items():
        for energy, yld in rec["emissions"].get(key, []):
            rows.append((rtype, float(energy), float(yld)))
    return tuple(rows)


def emissions(nuclide: str) -> Any:
    """ICRP-107 emissions of one nuclide (its own decays, not its progeny's).

    Returns
    -------
    pandas.DataFrame
        Columns ``radiation`` (one of :data:`RADIATION_TYPES`), ``energy_MeV`` (mean energy for
        beta- and beta+ branches) and ``yield_per_decay``.

    Examples
    --------
    >>> df = emissions("Tc-99m")
    >>> g = df[df.radiation == "gamma"].sort_values("yield_per_decay").iloc[-1]
    >>> round(float(g.energy_MeV), 4), round(float(g.yield_per_decay), 2)
    (0.1405, 0.89)
    """
    import pandas as pd

    rows = _emission_rows(canonical_nuclide(nuclide))
    return pd.DataFrame(rows, columns=["radiation", "energy_MeV", "yield_per_decay"])


@lru_cache(maxsize=512)
def _alpha_recoil_energy(nuclide: str) -> float:
    rec = _icrp107_record(canonical_nuclide(nuclide))
    return float(sum(e * y for e, y in rec["emissions"].get("alpha recoil", [])))


@lru_cache(maxsize=512)
def _mean_energy(nuclide: str) -> tuple[tuple[str, float], ...]:
    out = {r: 0.0 for r in RADIATION_TYPES}
    for rtype, e, y in _emission_rows(canonical_nuclide(nuclide)):
        out[rtype] += e * y
    out["electrons_total"] = out["beta-"] + out["beta+"] + out["electron"]
    out["photons_total"] = out["X"] + out["gamma"] + out["annihilation"]
    out["alpha_recoil"] = _alpha_recoil_energy(nuclide)
    return tuple(out.items())


def mean_energy_per_decay(nuclide: str) -> dict[str, float]:
    """Mean energy emitted per decay (MeV) by radiation type (ICRP-107).

    Keys: the :data:`RADIATION_TYPES`, ``electrons_total`` (beta± + IC/Auger electrons),
    ``photons_total`` (X + gamma + annihilation) and ``alpha_recoil`` (recoiling daughter nuclei
    after alpha decay, not part of ``alpha``).

    Examples
    --------
    >>> round(mean_energy_per_decay("Lu-177")["electrons_total"] * 1000, 1)
    147.9
    """
    return dict(_mean_energy(nuclide))


@lru_cache(maxsize=512)
def _beta_spectrum(nuclide: str, kind: str) -> tuple[np.ndarray, np.ndarray]:
    rec = _icrp107_record(nuclide)
    spec = np.asarray(rec["emissions"].get("b-spectra", []), dtype=float)
    e = mean_energy_per_decay(nuclide)
    if spec.size == 0 or e[kind] <= 0:
        return np.zeros(0), np.zeros(0)
    E, dN = spec[:, 0].copy(), spec[:, 1].copy()
    other = "beta+" if kind == "beta-" else "beta-"
    if e[other] > 0:
        # ICRP-107 .BET gives one spectrum summed over beta- and beta+ branches; split it in the
        # ratio of the branches' yields (approximation: both assumed to share the summed shape).
        y = {k: sum(yy for r, _, yy in _emission_rows(nuclide) if r == k) for k in ("beta-",
                                                                                       "beta+")}
        dN *= y[kind] / (y["beta-"] + y["beta+"])
    E.setflags(write=False)
    dN.setflags(write=False)
    return E, dN


def beta_spectrum(nuclide: str, kind: str = "beta-") -> tuple[np.ndarray, np.ndarray]:
    """ICRP-107 beta spectrum: energies (MeV) and dN/dE (per decay per MeV).

    For nuclides with both beta- and beta+ branches (e.g. Cu-64) ICRP-107 tabulates one summed
    spectrum; it is split between the two kinds in proportion to their yields (approximate).
    Empty arrays when the nuclide has no beta of that kind.

    Examples
    --------
    >>> import numpy as np
    >>> E, dN = beta_spectrum("Y-90")
    >>> round(float(np.trapezoid(dN * E, E)), 2)
    0.93
    """
    if kind not in ("beta-", "beta+"):
        raise DesignError(f"kind: {kind!r} is not a beta kind; use 'beta-' or 'beta+'", "kind")
    E, dN = _beta_spectrum(canonical_nuclide(nuclide), kind)
    return E.copy(), dN.copy()


def photon_lines(nuclide: str, min_yield: float = 0.01, min_energy_MeV: float = 0.001) -> Any:
    """Photon lines (X, gamma, annihilation) with yield >= ``min_yield``, sorted by yield.

    Lines below ``min_energy_MeV`` (default 1 keV: ICRP-107's sub-keV M/N-shell X-rays, absorbed
    within micrometres and invisible to any detector) are left out.

    Examples
    --------
    >>> photon_lines("F-18").round(3).values.tolist()
    [[0.511, 1.935]]
    """
    df = emissions(nuclide)
    ph = df[df.radiation.isin(["X", "gamma", "annihilation"])]
    ph = ph[(ph.yield_per_decay >= min_yield) & (ph.energy_MeV >= min_energy_MeV)]
    ph = ph.groupby("energy_MeV", as_index=False)["yield_per_decay"].sum()
    ph = ph.rename(columns={"yield_per_decay": "yield"})
    return ph.sort_values("yield", ascending=False).reset_index(drop=True)


def positron_fraction(nuclide: str) -> float:
    """Positrons per decay (ICRP-107 beta+ yield).

    Examples
    --------
    >>> round(positron_fraction("F-18"), 4)
    0.9673
    """
    return float(sum(y for r, _, y in _emission_rows(canonical_nuclide(nuclide)) if r == "beta+"))


def mean_positron_energy(nuclide: str) -> float:
    """Mean kinetic energy of the emitted positrons (MeV); 0 if the nuclide emits none.

    Examples
    --------
    >>> round(mean_positron_energy("F-18"), 4)
    0.2498
    """
    n = positron_fraction(nuclide)
    return mean_energy_per_decay(nuclide)["beta+"] / n if n > 0 else 0.0


_MODE_NAMES = {"α": "alpha", "β-": "beta-", "β+ & EC": "EC/beta+", "β+": "beta+", "EC": "EC",
               "IT": "IT", "SF": "SF", "2β-": "2beta-", "β-n": "beta-n", "β+p": "beta+p"}


def decay_modes(nuclide: str) -> dict[str, float]:
    """Decay modes and branching fractions (ICRP-107 via radioactivedecay).

    Mode names: ``alpha``, ``beta-``, ``EC/beta+``, ``IT``, ``SF`` … (others as in
    radioactivedecay).

    Examples
    --------
    >>> decay_modes("Cu-64")
    {'EC/beta+': 0.61, 'beta-': 0.39}
    """
    tab = _table()
    i = tab.index[canonical_nuclide(nuclide)]
    out: dict[str, float] = {}
    for mode, bf in zip(tab.modes[i], tab.bfs[i], strict=True):
        key = _MODE_NAMES.get(str(mode), str(mode))
        out[key] = out.get(key, 0.0) + float(bf)
    return out


def data_release() -> str:
    """Provenance string of the nuclear data nanotwin uses.

    Examples
    --------
    >>> "ICRP-107" in data_release()
    True
    """
    from importlib.metadata import version

    return (f"ICRP-107 (ICRP Publication 107, Eckerman & Endo 2008): decay data via "
            f"radioactivedecay {version('radioactivedecay')} ({_RD_DATASET}); "
            f"emissions and beta spectra via icrp107-database {version('icrp107-database')}")
