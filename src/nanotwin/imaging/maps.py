"""Organ concentrations over time -> voxel maps of particle, activity, contrast element and dye.

Input is either a nanotwin biodistribution result (xarray Dataset, organ x time, with
``pct_id_per_g`` in %ID/g) or a user table (CSV with columns ``organ,time_h,value[,unit]``, unit
%ID/g). Values between time points are interpolated linearly; the particle %ID/g is the amount of
particle (not decay corrected); activity is particle %ID/g x injected activity x physical decay
(label detachment is not modelled here: the PBPK result carries it when it models it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nanotwin.errors import DataError, DesignError
from nanotwin.imaging.phantom import Phantom
from nanotwin.imaging.tissue import tissue_of

__all__ = ["Agent", "Contrast", "agent_from_design", "OrganTable", "organ_table",
           "read_user_table", "MOLAR_MASS"]

#: Molar masses (g/mol) of the contrast elements (IUPAC 2021 standard atomic weights);
#: iron_oxide is counted as Fe (relaxivities are quoted per mM Fe).
MOLAR_MASS = {"Gd": 157.25, "Mn": 54.938, "iron_oxide": 55.845, "Au": 196.97, "Bi": 208.98,
              "Hf": 178.49, "I": 126.90, "Yb": 173.05}
#: element symbol used for X-ray attenuation
XRAY_ELEMENT = {"Gd": "Gd", "Mn": "Mn", "iron_oxide": "Fe", "Au": "Au", "Bi": "Bi", "Hf": "Hf",
                "I": "I", "Yb": "Yb"}
# Fe mass fraction of magnetite Fe3O4 (3 x 55.845 / 231.53)
_FE_IN_FE3O4 = 0.7236


@dataclass(frozen=True)
class Contrast:
    """One contrast component of the particle (see nanotwin.design.ContrastComponent)."""

    agent: str
    mass_fraction: float
    r1: float | None = None
    r2: float | None = None
    name: str | None = None
    excitation_nm: float | None = None
    emission_nm: float | None = None

    @property
    def element_fraction(self) -> float:
        """Mass fraction of the element itself (iron oxide counted as Fe)."""
        return self.mass_fraction * (_FE_IN_FE3O4 if self.agent == "iron_oxide" else 1.0)


@dataclass(frozen=True)
class Agent:
    """What was injected, as imaging needs it."""

    nuclide: str | None = None
    injected_MBq: float | None = None
    particle_mass_mg: float | None = None
    contrast: tuple[Contrast, ...] = ()
    species: str = "mouse"
    body_weight_g: float = 25.0
    tumor_volume_mm3: float | None = None
    name: str = "nanoparticle"

    def contrast_of(self, agents: tuple[str, ...]) -> Contrast | None:
        for c in self.contrast:
            if c.agent in agents:
                return c
        return None


def agent_from_design(design: Any) -> Agent:
    """The :class:`Agent` of a nanotwin design.

    Examples
    --------
    >>> import nanotwin
    >>> d = nanotwin.load_design({"name": "x", "nanoparticle": {"platform": "gold",
    ...     "hydrodynamic_diameter": "30 nm", "zeta_potential": "-5 mV"},
    ...     "administration": {"dose_mg_per_kg": "10 mg/kg"}, "subject": {"species": "mouse",
    ...     "body_weight": "25 g"}})
    >>> agent_from_design(d).particle_mass_mg
    0.25
    """
    adm = design.administration
    subj = design.subject
    bw_g = float(subj.body_weight) * 1e3
    nuclide = design.radiolabels[0].nuclide if design.radiolabels else None
    mass = adm.dose_mg_per_kg * subj.body_weight if adm.dose_mg_per_kg else None
    tv = None
    if subj.tumor is not None:
        if subj.tumor.volume:
            tv = float(subj.tumor.volume)
        elif subj.tumor.mass:
            tv = float(subj.tumor.mass) / 1.04 * 1e3  # tumour density 1.04 g/mL (ICRU 44)
    cons = tuple(Contrast(c.agent, float(c.mass_fraction), c.r1, c.r2, c.name,
                          c.excitation_wavelength, c.emission_wavelength)
                 for c in design.contrast)
    return Agent(nuclide, adm.injected_activity, float(mass) if mass else None, cons,
                 subj.species, bw_g, tv, design.name)


@dataclass(frozen=True)
class OrganTable:
    """%ID/g per organ over time."""

    organs: tuple[str, ...]
    times_h: np.ndarray
    pct_id_per_g: np.ndarray  # organ x time
    source: str = "result"
    notes: tuple[str, ...] = field(default_factory=tuple)

    def at(self, time_h: float) -> dict[str, float]:
        """%ID/g of each organ at ``time_h`` (linear interpolation)."""
        t = self.times_h
        if not t.min() - 1e-9 <= time_h <= t.max() + 1e-9:
            raise DesignError(f"time_h: {time_h:g} h is outside the data ({t.min():g}-"
                              f"{t.max():g} h); choose a time inside or simulate longer")
        return {o: float(np.interp(time_h, t, self.pct_id_per_g[i]))
                for i, o in enumerate(self.organs)}


def read_user_table(path: str | Path) -> OrganTable:
    """Read a CSV table ``organ,time_h,value[,unit]`` (unit %ID/g) into an :class:`OrganTable`."""
    from nanotwin.inputs import read_table

    path = Path(path)
    # size, UTF-8, CSV structure, finite times (0-1e5 h) and %ID/g values (0-1e6)
    df = read_table(path, what="organ,time_h,value CSV table",
                    required=("organ", "time_h", "value"),
                    numeric={"time_h": (0.0, 1e5, "h"), "value": (0.0, 1e6, "%ID/g")})
    if "unit" in df.columns:
        bad = set(df["unit"].astype(str).str.replace(" ", "").str.lower()) - {"%id/g", "pctid/g"}
        if bad:
            raise DataError(f"{path.name}: unit {sorted(bad)[0]!r} not supported; give values "
                            f"in %ID/g")
    df["organ"] = df["organ"].astype(str).str.strip().str.lower()
    wide = df.pivot_table(index="organ", columns="time_h", values="value", aggfunc="mean")
    if wide.isna().any().any():
        raise DataError(f"{path.name}: every organ needs a value at every time; fill the gaps")
    if (wide.to_numpy() < 0).any():
        raise DataError(f"{path.name}: negative %ID/g values; check the table")
    return OrganTable(tuple(wide.index), np.asarray(wide.columns, dtype=float),
                      wide.to_numpy(dtype=float), f"table {path.name}")


def organ_table(source: Any) -> OrganTable:
    """An :class:`OrganTable` from a result Dataset, a CSV path or an OrganTable."""
    if isinstance(source, OrganTable):
        return source
    if isinstance(source, str | Path):
        return read_user_table(source)
    if hasattr(source, "data_vars"):
        ds = source
        if "pct_id_per_g" in ds:
            v = ds["pct_id_per_g"]
        elif "pct_id" in ds and "organ_mass_g" in ds:
            v = ds["pct_id"] / ds["organ_mass_g"]
        else:
            raise DataError("result: needs 'pct_id_per_g' (or 'pct_id' and 'organ_mass_g') with "
                            "dims organ x time")
        v = v.transpose("organ", "time")
        return OrganTable(tuple(str(o) for o in ds["organ"].values),
                          np.asarray(ds["time"].values, dtype=float),
                          np.asarray(v.values, dtype=float), "nanotwin result")
    raise DesignError(f"source: cannot read {type(source).__name__}; give a nanotwin result, a "
                      f"design or a CSV table")


def organ_values(phantom: Phantom, values: dict[str, float]) -> tuple[dict[str, float],
                                                                       list[str]]:
    """Values for each phantom organ; organs absent from the data take 'rest' (or 0).

    Returns the mapping and a list of notes naming every organ filled that way.
    """
    out, notes = {}, []
    values = {k: v for k, v in values.items() if np.isfinite(v)}  # e.g. urine/feces: no mass
    for o in phantom.organs:
        if o in values:
            out[o] = values[o]
        elif o == "marrow" and "bone" in values:
            out[o] = values["bone"]
            notes.append("marrow: no data, used bone")
        elif "rest" in values:
            out[o] = values["rest"]
            notes.append(f"{o}: no data, used rest")
        else:
            out[o] = 0.0
            notes.append(f"{o}: no data, set to 0")
    return out, notes


def pct_id_per_mL_map(phantom: Phantom, values: dict[str, float]) -> tuple[np.ndarray,
                                                                            list[str]]:
    """%ID per mL in each voxel (%ID/g x tissue density)."""
    vals, notes = organ_values(phantom, values)
    per_mL = {o: v * tissue_of(o).density for o, v in vals.items()}
    return phantom.lookup(per_mL), notes
