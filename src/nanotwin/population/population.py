"""Virtual populations: inter-individual variability applied to PBPK parameters.

Each subject gets multiplicative factors (median 1) drawn from log-normal distributions with the
coefficients of variation below (or user-given ones), reproducible with a seed:

* body weight ``BW`` (all volumes scale with BW, flows, lymph and clearances with BW^0.75,
  capillary PS with organ mass, first-order MPS extraction rates k = Q E / V with BW^-0.25;
  the same allometry as :mod:`nanotwin.pbpk.physiology`, Brown et al. 1997). Default CV: human
  0.20 (NHANES 2015-2018 adult weight SD ~22 kg around ~83 kg; Fryar et al., Vital Health Stat
  3(46), 2021), mouse/rat 0.08 (within-strain body weight at a given age, Jackson Laboratory
  body weight charts; an approximation).
* organ volumes of liver, spleen, kidney, lung, heart, brain and marrow at a given BW: CV 0.15
  (residual organ-weight variability after body-size scaling, Price et al., Crit Rev Toxicol
  2003;33:469, typically 10-25 %); PS, MPS capacity and vascular volume follow the organ.
* MPS capacity (one factor per subject on all ``K_max_*`` and ``N_cap_*``): CV 0.5 (clearance of
  PEGylated liposomal doxorubicin varies about 2-3 fold between patients, tracking monocyte
  counts; La-Beck et al., Cancer Chemother Pharmacol 2012;69:43).
* tumour volume: CV 0.8 (an assumption for a trial population; override per study).
* tumour vascular permeability (EPR; multiplies ``PS_tumor``, pore size and vessel density
  together): CV 1.0 (permeability of human tumour xenografts spans about an order of magnitude;
  Yuan et al., Cancer Res 1995;55:3752; Hobbs et al., PNAS 1998;95:4607).
* tumour perfusion (``Q_tumor``): CV 0.5 (tumour blood flow varies several fold between and
  within tumours; Vaupel et al., Cancer Res 1989;49:6449).

Cardiac output is kept equal to the sum of its branches when the tumour flow changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["DEFAULT_CV", "sample_factors", "apply_factors", "sample_population", "FACTORS"]

#: Names of the variability factors.
FACTORS = ("body_weight", "organ_volume", "mps_capacity", "tumor_volume", "tumor_permeability",
           "tumor_perfusion")

#: Default coefficients of variation (log-normal, median 1); sources in the module docstring.
DEFAULT_CV: dict[str, dict[str, float]] = {
    "human": {"body_weight": 0.20, "organ_volume": 0.15, "mps_capacity": 0.5,
              "tumor_volume": 0.8, "tumor_permeability": 1.0, "tumor_perfusion": 0.5},
    "mouse": {"body_weight": 0.08, "organ_volume": 0.15, "mps_capacity": 0.5,
              "tumor_volume": 0.8, "tumor_permeability": 1.0, "tumor_perfusion": 0.5},
    "rat": {"body_weight": 0.08, "organ_volume": 0.15, "mps_capacity": 0.5,
            "tumor_volume": 0.8, "tumor_permeability": 1.0, "tumor_perfusion": 0.5},
}
_ORGANS_VAR = ("liver", "spleen", "kidney", "lung", "heart", "brain", "marrow")


def _lognormal(rng: np.random.Generator, cv: float, size: Any) -> np.ndarray:
    """Log-normal factors with median 1 and coefficient of variation ``cv``."""
    if cv == 0:
        return np.ones(size)
    sigma = np.sqrt(np.log1p(cv * cv))
    return rng.lognormal(0.0, sigma, size=size)


def sample_factors(n: int, species: str = "human", seed: int | None = 0,
                   cv: Mapping[str, float] | None = None) -> dict[str, np.ndarray]:
    """Draw the variability factors of ``n`` subjects.

    Parameters
    ----------
    n
        Number of subjects.
    species
        ``"human"``, ``"mouse"`` or ``"rat"`` (selects the default CVs).
    seed
        Seed of :func:`numpy.random.default_rng` (same seed -> same population).
    cv
        Coefficients of variation overriding :data:`DEFAULT_CV` (0 switches a factor off).

    Returns
    -------
    dict
        ``factor -> (n,)`` array; ``organ_volume`` is ``(n_organs, n)`` with its organ order in
        ``"organ_volume_organs"``.

    Examples
    --------
    >>> f = sample_factors(1000, "human", seed=1)
    >>> round(float(np.median(f["body_weight"])), 1), f["organ_volume"].shape
    (1.0, (7, 1000))
    """
    if n < 1:
        raise DesignError(f"n_subjects: {n} must be >= 1; give e.g. 1000")
    if species not in DEFAULT_CV:
        raise DesignError(f"species: {species!r} unknown; use human, mouse or rat")
    c = dict(DEFAULT_CV[species])
    for k, v in (cv or {}).items():
        if k not in c:
            raise DesignError(f"variability.{k}: unknown factor; use one of {', '.join(c)}")
        if not (isinstance(v, int | float) and 0 <= v <= 5):
            raise DesignError(f"variability.{k}: CV {v!r} must be a number in [0, 5]")
        c[k] = float(v)
    rng = np.random.default_rng(seed)
    out = {k: _lognormal(rng, c[k], n) for k in FACTORS if k != "organ_volume"}
    out["organ_volume"] = _lognormal(rng, c["organ_volume"], (len(_ORGANS_VAR), n))
    out["organ_volume_organs"] = np.array(_ORGANS_VAR)
    return out


def chunk_factors(factors: Mapping[str, np.ndarray], lo: int, hi: int) -> dict[str, np.ndarray]:
    """The factors of subjects ``lo:hi`` (the subject axis is the last one).

    Examples
    --------
    >>> chunk_factors(sample_factors(5, "mouse", seed=0), 1, 3)["body_weight"].shape
    (2,)
    """
    return {k: (v if k == "organ_volume_organs" else np.asarray(v)[..., lo:hi])
            for k, v in factors.items()}


def apply_factors(p: Any, factors: Mapping[str, np.ndarray], *,
                  dose_per_kg: bool = False) -> Any:
    """Batch of PBPK parameters: the single-subject ``p`` scaled by per-subject ``factors``.

    Parameters
    ----------
    p
        :class:`nanotwin.pbpk.PBPKParameters` of one (reference) subject.
    factors
        Output of :func:`sample_factors`.
    dose_per_kg
        Whether the particle dose scales with body weight (mg/kg dosing) rather than being a
        fixed amount (fixed activity).

    Returns
    -------
    PBPKParameters
        Arrays of shape ``(n,)``.

    Examples
    --------
    >>> from nanotwin.pbpk import build_parameters, demo_design
    >>> p = build_parameters(demo_design())
    >>> pb = apply_factors(p, sample_factors(4, "mouse", seed=0))
    >>> pb.batch_size
    4
    """
    from types import MappingProxyType

    from nanotwin.pbpk import PBPKParameters
    from nanotwin.pbpk.physiology import TISSUES

    v = {k: np.asarray(val, dtype=float) for k, val in p.values.items()}
    f_bw = np.asarray(factors["body_weight"], dtype=float)
    n = f_bw.size
    out: dict[str, np.ndarray] = {k: np.broadcast_to(val, (n,)).copy() for k, val in v.items()}
    organ_f = {o: np.ones(n) for o in TISSUES}
    for o, fo in zip(factors["organ_volume_organs"], factors["organ_volume"], strict=True):
        organ_f[str(o)] = fo
    organ_f["tumor"] = np.asarray(factors["tumor_volume"], dtype=float)
    q075 = f_bw ** 0.75
    out["BW"] = out["BW"] * f_bw
    for k in ("V_art", "V_ven"):
        out[k] = out[k] * f_bw
    Q_tumor_old = out.get("Q_tumor", np.zeros(n)).copy()
    for o in TISSUES:
        vol = organ_f[o] if o == "tumor" else f_bw * organ_f[o]
        for pre in ("V_", "V_b_", "V_t_"):
            out[f"{pre}{o}"] = out[f"{pre}{o}"] * vol
        out[f"PS_{o}"] = out[f"PS_{o}"] * vol
        out[f"L_{o}"] = out[f"L_{o}"] * (organ_f[o] if o == "tumor" else q075)
        if o != "lung":
            if o == "tumor":
                out["Q_tumor"] = (out["Q_tumor"] * organ_f["tumor"] *
                                  np.asarray(factors["tumor_perfusion"], dtype=float))
            else:
                out[f"Q_{o}"] = out[f"Q_{o}"] * q075
    out["PS_tumor"] = out["PS_tumor"] * np.asarray(factors["tumor_permeability"], dtype=float)
    out["Q_hepatic_artery"] = out["Q_hepatic_artery"] * q075
    out["CO"] = out["CO"] * q075 + (out["Q_tumor"] - Q_tumor_old * q075)
    for k in ("CL_urine", "CL_bile"):
        out[k] = out[k] * q075
    mps = np.asarray(factors["mps_capacity"], dtype=float)
    for k in [x for x in out if x.startswith("K_max_")]:
        o = k[len("K_max_"):]
        # k = Q E / V_b: flow/volume ~ BW^-0.25 (tumour: perfusion/volume)
        scale = (np.asarray(factors["tumor_perfusion"], dtype=float) if o == "tumor"
                 else f_bw ** -0.25)
        out[k] = out[k] * mps * scale
    for k in [x for x in out if x.startswith("N_cap_")]:
        o = k[len("N_cap_"):]
        vol = organ_f[o] if o == "tumor" else f_bw * organ_f.get(o, np.ones(n))
        out[k] = out[k] * mps * vol
    out["N_bind_cap"] = out["N_bind_cap"] * organ_f["tumor"]
    if dose_per_kg:
        out["N_dose"] = out["N_dose"] * f_bw
    for k, val in out.items():
        if not np.all(np.isfinite(val)) or np.any(val < 0):
            raise DesignError(f"population: parameter {k} became invalid after scaling; check "
                              "the variability settings")
    return PBPKParameters(MappingProxyType(out), p.meta)


def sample_population(design: Any, n: int, *, species: str | None = None, seed: int | None = 0,
                      cv: Mapping[str, float] | None = None) -> tuple[Any, dict[str, Any]]:
    """Parameters of a virtual population for one design.

    Returns the batch :class:`~nanotwin.pbpk.PBPKParameters` and the factors (so that the same
    subjects can be re-simulated with another radiolabel).

    Examples
    --------
    >>> from nanotwin.pbpk import demo_design
    >>> pb, fac = sample_population(demo_design(), 8, seed=3)
    >>> pb.batch_size, sorted(fac)[:2]
    (8, ['body_weight', 'mps_capacity'])
    """
    from nanotwin.design import Design, load_design
    from nanotwin.pbpk import build_parameters

    if not isinstance(design, Design):
        design = load_design(design)
    p = build_parameters(design, species)
    fac = sample_factors(n, p.meta["species"], seed, cv)
    per_kg = (design.administration.dose_mg_per_kg is not None)
    return apply_factors(p, fac, dose_per_kg=per_kg), fac
