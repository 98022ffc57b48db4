"""The tumour's input: plasma (and drug) concentrations and the PBPK tumour curve of a design.

The spatial tumour model is driven by nanotwin's own whole-body PBPK: :func:`plasma_input` runs
:func:`nanotwin.simulate` (public API only) and returns the particle concentration in plasma,
``C_p(t)`` in %ID per mL of plasma, with the PBPK tumour %ID/g that the spatial model is checked
against (:mod:`nanotwin.tumor.transport`).

Blood variable. The PBPK reports ``blood_pct_id_per_mL_plasma`` (particles stay in plasma;
PBPK of nanotwin >= the recalibration of #13): it is used directly. Results without it (older
PBPK) carry ``pct_id`` of organ ``"blood"`` = the large-vessel pool (arterial + venous): then
``C_blood = pct_id_blood / (V_art + V_ven)`` (volumes of :func:`nanotwin.pbpk.build_parameters`)
and ``C_p = C_blood / (1 - Hct)``. (The older ``pct_id_per_g`` of blood divided that pool by all
blood, vascular blood of the organs included, and under-estimated the concentration 2-fold.)

Payload: ``drug_encapsulated_pct`` of blood (drug inside circulating particles; in plasma) and
``drug_free_pct`` of blood (released drug, mixed in the whole blood volume with a blood:plasma
ratio of 1 in :mod:`nanotwin.pbpk.payload`) give the encapsulated and free drug concentrations in
plasma (% of the administered drug per mL).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["PlasmaInput", "plasma_input", "input_times"]


def input_times(t_end_h: float = 168.0) -> np.ndarray:
    """Sampling times (h) of the input curves: dense early (the distribution phase), then
    geometric to ``t_end_h``.

    Examples
    --------
    >>> t = input_times(48.0)
    >>> float(t[0]), float(t[-1]), bool(np.all(np.diff(t) > 0))
    (0.0, 48.0, True)
    """
    t_end = float(t_end_h)
    if not np.isfinite(t_end) or t_end <= 0:
        raise DesignError(f"t_end: {t_end_h!r} must be a time > 0 h, e.g. 168", "t_end")
    # 1.25-min steps in the first hour and 80 geometric steps after: with 5-min / 40 steps the
    # log-linear interpolation of a fast two-phase plasma curve put a well-mixed tumour 5 %
    # above the PBPK's own at 1 h (10 nm HDL); now within 1.6 % (nanotwin.tumor.validation)
    early = np.linspace(0.0, min(1.0, t_end), 49)
    late = np.geomspace(min(1.0, t_end), t_end, 80) if t_end > 1.0 else np.array([t_end])
    return np.union1d(early, late)


@dataclass(frozen=True)
class PlasmaInput:
    """Input curves of the tumour model (times in h, concentrations per mL).

    Attributes
    ----------
    t_h
        Times (h).
    C_p
        Particles in plasma, %ID per mL.
    C_blood
        Particles in whole blood, %ID per mL (for the blood inside tumour vessels).
    C_p_enc, C_p_free
        Encapsulated and free drug in plasma, % of the administered drug per mL (``None`` without
        a payload).
    pbpk_tumor_pct_id_per_g
        The PBPK tumour compartment, %ID/g (``None`` without a tumour).
    hematocrit
        Haematocrit used for the plasma concentration.
    source
        Which variable the plasma curve came from.
    """

    t_h: np.ndarray
    C_p: np.ndarray
    C_blood: np.ndarray
    C_p_enc: np.ndarray | None
    C_p_free: np.ndarray | None
    pbpk_tumor_pct_id_per_g: np.ndarray | None
    hematocrit: float
    source: str

    def at(self, t: float, which: str = "C_p") -> float:
        """A curve at time ``t`` (h): linear in log concentration between samples (the
        exponential segments of a PK curve), linear where a sample is zero.

        Examples
        --------
        >>> p = PlasmaInput(np.array([0.0, 1.0]), np.array([4.0, 1.0]), np.array([2.0, .5]),
        ...                 None, None, None, 0.5, "test")
        >>> round(p.at(0.5), 6)
        2.0
        """
        y = getattr(self, which)
        if y is None:
            return 0.0
        return float(_interp(np.asarray([t], dtype=float), self.t_h, y)[0])

    def curve(self, t: Any, which: str = "C_p") -> np.ndarray:
        """A curve at many times (h), interpolated as in :meth:`at`."""
        y = getattr(self, which)
        tt = np.asarray(t, dtype=float)
        if y is None:
            return np.zeros_like(tt)
        return _interp(tt, self.t_h, y)


def _interp(t: np.ndarray, tp: np.ndarray, yp: np.ndarray) -> np.ndarray:
    yp = np.asarray(yp, dtype=float)
    lin = np.interp(t, tp, yp)
    pos = yp > 0
    if not np.all(pos):
        return lin
    return np.exp(np.interp(t, tp, np.log(yp)))


def plasma_input(design: Any, *, species: str | None = None, t_end_h: float = 168.0,
                 times: Any = None, dataset: Any = None) -> PlasmaInput:
    """Plasma, blood and drug input curves of a design from the PBPK model.

    Parameters
    ----------
    design
        A :class:`~nanotwin.design.Design`, mapping or path.
    species
        ``None`` uses the design's species.
    t_end_h
        Last time (h); ignored when ``times`` is given.
    times
        Sampling times (h, increasing, starting at 0).
    dataset
        An already simulated :func:`nanotwin.simulate` result to use instead of simulating.

    Returns
    -------
    PlasmaInput

    Examples
    --------
    >>> from nanotwin.pbpk import demo_design
    >>> p = plasma_input(demo_design(), t_end_h=24.0)
    >>> bool(p.C_p[0] > p.C_p[-1] > 0), p.source
    (True, 'blood_pct_id_per_mL_plasma')
    """
    import nanotwin
    from nanotwin.pbpk import build_parameters

    if dataset is None:
        t = input_times(t_end_h) if times is None else np.asarray(times, dtype=float)
        if t.ndim != 1 or t.size < 2 or t[0] != 0.0 or np.any(np.diff(t) <= 0):
            raise DesignError("times: give increasing hours starting at 0, e.g. [0, 1, 24]",
                              "times")
        ds = nanotwin.simulate(design, species=species, times=t)
    else:
        ds = dataset
        t = np.asarray(ds["time"].values, dtype=float)
    p = build_parameters(design, species)
    hct = float(p.Hct)
    organs = [str(o) for o in ds["organ"].values]
    if "blood_pct_id_per_mL_plasma" in ds:
        C_p = np.asarray(ds["blood_pct_id_per_mL_plasma"].values, dtype=float)
        source = "blood_pct_id_per_mL_plasma"
    else:  # older PBPK results: the large-vessel pool over its own volume
        C_p = np.asarray(ds["pct_id"].sel(organ="blood").values, dtype=float) / (
            float(p.V_art) + float(p.V_ven)) / (1.0 - hct)
        source = "pct_id of blood / (V_art + V_ven) / (1 - Hct)"
    C_blood = C_p * (1.0 - hct)
    V_large = float(p.V_art) + float(p.V_ven)  # the drug of organ "blood": large vessels
    enc = free = None
    if "drug_encapsulated_pct" in ds:
        enc = np.asarray(ds["drug_encapsulated_pct"].sel(organ="blood").values) / V_large / (
            1.0 - hct)
        # free drug of the PBPK mixes in the whole blood volume (nanotwin.pbpk.payload)
        V_all = V_large + sum(float(v) for k, v in p.values.items() if k.startswith("V_b_"))
        free = np.asarray(ds["drug_free_pct"].sel(organ="blood").values) / V_all
    tum = None
    if "tumor" in organs and np.isfinite(float(ds["organ_mass_g"].sel(organ="tumor"))):
        tum = np.asarray(ds["pct_id_per_g"].sel(organ="tumor").values, dtype=float)
    return PlasmaInput(t, np.maximum(C_p, 0.0), np.maximum(C_blood, 0.0),
                       None if enc is None else np.maximum(enc, 0.0),
                       None if free is None else np.maximum(free, 0.0), tum, hct, source)
