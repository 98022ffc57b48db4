"""Per-subject endpoints of one chunk of a population: time courses, AUC, TIA and MIRD doses.

:func:`simulate_subjects` is the work of one chunk (in this process or on a Dask worker, see
:func:`nanotwin.population.distributed.run_chunks`): the batched PBPK solution of the chunk's
subjects and their organ and tumour doses. Doses follow the MIRD schema (Bolch et al., J Nucl
Med 2009;50:477): ``D_T = A0 sum_S TIA_S S(T<-S)``, with the time-integrated activity of every
PBPK organ from the batched solver (physical decay and label detachment included, tail by
physical decay), the S-matrix of the reference phantom from :func:`nanotwin.dosimetry.s_matrix`
(adult_male for humans, mouse_25g for mice) and the tumour self-dose from
:func:`nanotwin.dosimetry.sphere_s_value` at each subject's tumour mass. Self-dose S-values of
liver, spleen, kidneys, lungs, heart, brain and red marrow are scaled by reference mass / subject
mass (the non-penetrating approximation, MIRD Pamphlet 11).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import numpy as np

__all__ = ["simulate_subjects", "organ_doses", "tumor_s_value", "DOSE_ORGANS"]

#: Organs whose absorbed dose a trial reports.
DOSE_ORGANS = ("tumor", "kidney", "liver", "spleen", "marrow", "lung")
_PHANTOM_OF = {"kidney": "kidneys", "lung": "lungs", "liver": "liver", "spleen": "spleen",
               "heart": "heart", "brain": "brain"}


@lru_cache(maxsize=16)
def _s_matrix(nuclide: str, phantom: str) -> tuple[tuple[str, ...], tuple[str, ...], np.ndarray,
                                                    dict[str, float]]:
    from nanotwin.dosimetry import s_matrix
    from nanotwin.dosimetry.phantoms import phantom_masses

    ds = s_matrix(nuclide, phantom)
    tg = tuple(str(x) for x in ds["target"].values)
    sr = tuple(str(x) for x in ds["source"].values)
    return tg, sr, np.asarray(ds["S"].transpose("target", "source").values), phantom_masses(
        phantom)


@lru_cache(maxsize=16)
def _tumor_s_grid(nuclide: str) -> tuple[np.ndarray, np.ndarray]:
    from nanotwin.dosimetry import sphere_s_value

    m = np.logspace(-3, 4, 15)
    return m, np.array([float(sphere_s_value(nuclide, float(x))) for x in m])


def tumor_s_value(nuclide: str, mass_g: np.ndarray) -> np.ndarray:
    """Tumour self-dose S (Gy/(Bq s)) by log-log interpolation of sphere S-values."""
    m, s = _tumor_s_grid(nuclide)
    mass = np.clip(np.asarray(mass_g, dtype=float), m[0], m[-1])
    return np.exp(np.interp(np.log(mass), np.log(m), np.log(s)))


def organ_doses(ds: Any, nuclide: str, species: str, activity_MBq: np.ndarray | float) -> Any:
    """Absorbed doses (Gy) of :data:`DOSE_ORGANS` for every subject of a batch result."""
    from nanotwin.dosimetry.doses import PBPK_TO_PHANTOM

    phantom = "adult_male" if species == "human" else "mouse_25g"
    mapping = PBPK_TO_PHANTOM["human" if species == "human" else "mouse"]
    tg, sr, S, ref_mass = _s_matrix(nuclide, phantom)
    organs = [str(o) for o in ds["organ"].values]
    tia_s = ds["tia_pct_h"].values / 100.0 * 3600.0  # s per Bq injected
    B = tia_s.shape[0]
    src = np.zeros((B, len(sr)))
    for j, o in enumerate(organs):
        target = mapping.get(o)
        if target is None or target == "tumor" or target not in sr:
            continue
        src[:, sr.index(target)] += tia_s[:, j]
    A0 = np.broadcast_to(np.asarray(activity_MBq, dtype=float) * 1e6, (B,))
    D = (src @ S.T) * A0[:, None]  # (B, targets)
    mass = ds["organ_mass_g"].values
    out = np.zeros((B, len(DOSE_ORGANS)))
    for i, o in enumerate(DOSE_ORGANS):
        if o == "tumor":
            j = organs.index("tumor")
            m_t = mass[:, j]
            with np.errstate(invalid="ignore"):
                out[:, i] = np.where(np.isfinite(m_t), tia_s[:, j] * tumor_s_value(
                    nuclide, np.nan_to_num(m_t, nan=1.0)) * A0, np.nan)
            continue
        t = mapping.get(o)
        if o == "marrow" and species != "human":
            t = "skeleton"
        if t is None or t not in tg:
            out[:, i] = np.nan
            continue
        ti = tg.index(t)
        d = D[:, ti]
        if t in sr and t in ref_mass and o in organs and (o in _PHANTOM_OF or o == "marrow"):
            # self-dose S ~ 1/mass: correct the reference phantom's self term to this subject
            si = sr.index(t)
            m_sub = mass[:, organs.index(o)]
            ratio = np.where(np.isfinite(m_sub) & (m_sub > 0), ref_mass[t] / np.where(
                m_sub > 0, m_sub, 1.0), 1.0) if species == "human" else 1.0
            d = d + S[ti, si] * src[:, si] * A0 * (ratio - 1.0)
        out[:, i] = d
    return out


def _load_quiet(data: Any) -> Any:
    """Load a design variant; its DesignWarnings (e.g. a short-lived PET label, which the study
    asked for on purpose) are not repeated for every chunk."""
    import warnings

    from nanotwin.design import load_design
    from nanotwin.errors import DesignWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DesignWarning)
        return load_design(data, canonical_numbers=True)


def simulate_subjects(design: Any, species: str | None, factors: Mapping[str, np.ndarray],
                      times: np.ndarray, activity_MBq: float | None, subject_ids: np.ndarray,
                      rtol: float = 1e-6, with_doses: bool = True) -> Any:
    """Simulate a chunk of subjects of one design; returns the per-subject endpoints Dataset."""
    from nanotwin.pbpk import build_parameters
    from nanotwin.population.batch import OUTPUT_ORGANS, batch_simulate
    from nanotwin.population.population import apply_factors
    from nanotwin.results import make_result

    p = build_parameters(design, species)
    sp = p.meta["species"]
    pb = apply_factors(p, factors, dose_per_kg=design.administration.dose_mg_per_kg is not None)
    ds = batch_simulate(pb, times, outputs=("pct_id", "activity_pct"), rtol=rtol)
    dv: dict[str, tuple] = {
        "pct_id": (("subject", "organ", "time"), ds["pct_id"].values, "%ID"),
        "activity_pct": (("subject", "organ", "time"), ds["activity_pct"].values, "%IA"),
        "tia_pct_h": (("subject", "organ"), ds["tia_pct_h"].values, "%IA h"),
        "auc_pct_id": (("subject", "organ"), ds["auc_pct_id"].values, "%ID h"),
        "organ_mass_g": (("subject", "organ"), ds["organ_mass_g"].values, "g"),
        "body_weight_kg": (("subject",), np.asarray(pb.values["BW"], float), "kg"),
    }
    nuclide = p.meta.get("nuclide")
    if with_doses and nuclide and activity_MBq:
        dose = organ_doses(ds, nuclide, sp, activity_MBq)
        dv["dose_Gy"] = (("subject", "dose_organ"), dose, "Gy")
    return make_result(dv, coords={"subject": np.asarray(subject_ids), "organ": list(
        OUTPUT_ORGANS), "time": ("time", np.asarray(times, float), "h"),
        "dose_organ": list(DOSE_ORGANS)}, kind="population_chunk",
        attrs={"nuclide": nuclide or "", "species": sp})
