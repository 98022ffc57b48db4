"""Virtual trials: organ and tumour doses of a radiolabelled nanoparticle in a virtual population,
and how well a PET surrogate of the same particle predicts each patient's therapy dose.

Doses follow the MIRD schema (Bolch et al., J Nucl Med 2009;50:477): ``D_T = A0 sum_S TIA_S
S(T<-S)``, with the time-integrated activity of every PBPK organ from the batched solver (physical
decay and label detachment included, tail by physical decay), the S-matrix of the reference
phantom from :func:`nanotwin.dosimetry.s_matrix` (adult_male for humans, mouse_25g for mice) and
the tumour self-dose from :func:`nanotwin.dosimetry.sphere_s_value` at each subject's tumour mass.
Self-dose S-values of liver, spleen, kidneys, lungs, heart, brain and red marrow are scaled by
reference mass / subject mass (the non-penetrating approximation, MIRD Pamphlet 11).

PET prediction (single-scan, reference-kinetics method): the tumour activity (decay-corrected
%IA) of each patient's PET scan at ``scan_time`` times the ratio therapy-TIA / PET-uptake of the
*reference* subject (all factors 1) gives the predicted therapy TIA; with the patient's tumour mass
this gives the predicted dose. Compared with the true dose: Pearson and Spearman correlation and
the fraction within +-20 %.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["run_trial", "simulate_subjects", "DOSE_ORGANS"]

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


def _design_variant(design: Any, nuclide: str | None, chelator: str | None) -> Any:
    if nuclide is None:
        return design
    data = design.model_dump(mode="json")
    if not data.get("radiolabels"):
        raise DesignError("design.radiolabels: the trial needs a radiolabelled design; add a "
                          "radiolabel")
    lab = dict(data["radiolabels"][0])
    lab["nuclide"] = nuclide
    if chelator is not None:
        lab["chelator"] = chelator
    data["radiolabels"] = [lab]
    return _load_quiet(data)


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


def _ones(factors: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: (np.ones(np.shape(v)[:-1] + (1,)) if k != "organ_volume_organs" else v)
            for k, v in factors.items()}


def _corr(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    from scipy.stats import pearsonr, spearmanr

    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3 or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
        return float("nan"), float("nan")
    return float(pearsonr(x[ok], y[ok])[0]), float(spearmanr(x[ok], y[ok])[0])


def run_trial(study: Any, *, out_dir: str | None = None, scheduler: str | None = None,
              progress: bool = False) -> Any:
    """Run a virtual trial described by a study (path, mapping or :class:`Study`).

    Returns
    -------
    xarray.Dataset
        Per subject: ``dose_Gy`` (subject x dose_organ), ``tumor_pct_id`` (subject x time),
        ``body_weight_kg``; per imaging nuclide ``pet_tumor_pct`` and ``predicted_tumor_dose_Gy``;
        attrs with the summary (fractions, correlations), also in ``ds.attrs["summary"]``.

    Examples
    --------
    >>> import json
    >>> from nanotwin.pbpk import demo_design_mapping
    >>> from nanotwin.population.study import load_study
    >>> st = load_study({"name": "demo", "design": "-", "n_subjects": 4, "times": [1, 24]})
    >>> ds = run_trial(st.model_copy(update={"design": demo_design_mapping()}))
    >>> ds.sizes["subject"], "dose_Gy" in ds
    (4, True)
    """
    from nanotwin.design import load_design
    from nanotwin.population.distributed import run_chunks
    from nanotwin.population.population import sample_factors
    from nanotwin.population.study import Study, load_study

    st = study if isinstance(study, Study) else load_study(study)
    design = load_design(st.design if isinstance(st.design, Mapping) else st.design_path())
    species = st.species or design.subject.species
    lab = design.radiolabels[0] if design.radiolabels else None
    A0 = st.therapy_activity or design.administration.injected_activity
    if lab is None or A0 is None:
        raise DesignError("study: a trial needs a radiolabelled design and an activity; set "
                          "therapy_activity (e.g. '7.4 GBq') or administration.injected_activity")
    times = np.array(sorted(set(st.times) | {im.scan_time for im in st.imaging}), dtype=float)
    fac = sample_factors(st.n_subjects, species, st.seed, st.variability)
    variants: list[tuple[str, Any]] = [("therapy", design)]
    for im in st.imaging:
        variants.append((im.nuclide, _design_variant(design, im.nuclide, im.chelator)))
    results = {}
    for label, des in variants:
        results[label] = run_chunks(des, species, fac, times, float(A0), st, scheduler=scheduler,
                                    out_dir=out_dir, tag=label, progress=progress)
    thr = results["therapy"]
    import xarray as xr

    ti = list(thr["organ"].values).index("tumor")
    data = {
        "dose_Gy": thr["dose_Gy"],
        "tumor_pct_id": thr["pct_id"].isel(organ=ti, drop=True),
        "body_weight_kg": thr["body_weight_kg"],
        "tumor_mass_g": thr["organ_mass_g"].isel(organ=ti, drop=True),
    }
    summary: dict[str, Any] = {"n_subjects": st.n_subjects, "seed": st.seed,
                               "therapy_nuclide": lab.nuclide, "activity_MBq": float(A0)}
    dose = thr["dose_Gy"]
    for o in DOSE_ORGANS:
        v = dose.sel(dose_organ=o).values
        if np.all(np.isnan(v)):
            continue
        summary[f"{o}_dose_Gy_median"] = float(np.nanmedian(v))
        summary[f"{o}_dose_Gy_p5"] = float(np.nanpercentile(v, 5))
        summary[f"{o}_dose_Gy_p95"] = float(np.nanpercentile(v, 95))
    ok = np.ones(st.n_subjects, dtype=bool)
    for o, lim in st.organ_dose_limits.items():
        if o not in DOSE_ORGANS or o == "tumor":
            raise DesignError(f"organ_dose_limits.{o}: not a reported organ; use one of "
                              f"{', '.join(DOSE_ORGANS[1:])}")
        within = dose.sel(dose_organ=o).values <= lim
        summary[f"fraction_{o}_within_{lim:g}Gy"] = float(within.mean())
        ok &= within
    if st.tumor_dose_threshold is not None:
        reach = dose.sel(dose_organ="tumor").values >= st.tumor_dose_threshold
        summary["fraction_tumor_reaching_threshold"] = float(reach.mean())
        summary["fraction_success"] = float((reach & ok).mean())
    true_t = dose.sel(dose_organ="tumor").values
    ref_fac = _ones(fac)
    ref = simulate_subjects(design, species, ref_fac, times, float(A0), np.array([0]),
                            st.run.rtol)
    for im, (label, des) in zip(st.imaging, variants[1:], strict=True):
        pet = results[label]["activity_pct"].isel(organ=ti).sel(time=im.scan_time).values
        ref_pet = simulate_subjects(des, species, ref_fac, times, float(A0), np.array([0]),
                                    st.run.rtol, with_doses=False)
        u_ref = float(ref_pet["activity_pct"].isel(subject=0, organ=ti).sel(
            time=im.scan_time))
        tia_ref = float(ref["tia_pct_h"].isel(subject=0, organ=ti))
        m_t = thr["organ_mass_g"].isel(organ=ti).values
        pred = pet * (tia_ref / u_ref) / 100.0 * 3600.0 * tumor_s_value(
            lab.nuclide, m_t) * float(A0) * 1e6
        key = f"{label}_{im.scan_time:g}h"
        data[f"pet_tumor_pct_{key}"] = xr.DataArray(pet, dims=("subject",),
                                                    attrs={"units": "%IA"})
        data[f"predicted_tumor_dose_Gy_{key}"] = xr.DataArray(pred, dims=("subject",),
                                                              attrs={"units": "Gy"})
        r_p, r_s = _corr(pred, true_t)
        summary[f"pet_{key}_pearson_r"] = r_p
        summary[f"pet_{key}_spearman_r"] = r_s
        with np.errstate(invalid="ignore", divide="ignore"):
            summary[f"pet_{key}_fraction_within_20pct"] = float(np.mean(
                np.abs(pred / true_t - 1.0) <= 0.2))
    out = xr.Dataset(data)
    out.attrs.update({k: (v if isinstance(v, str | int | float) else str(v))
                      for k, v in summary.items()})
    out.attrs["nanotwin_kind"] = "virtual_trial"
    out.attrs["summary"] = str(summary)
    if st.tumor_response:  # hook: tumour-response endpoints of nanotwin.tumor
        from nanotwin.tumor.endpoints import add_trial_endpoints

        out = add_trial_endpoints(out, design, species)
    return out
