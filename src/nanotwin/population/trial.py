"""Virtual trials: organ and tumour doses of a radiolabelled nanoparticle in a virtual population,
and how well a PET surrogate of the same particle predicts each patient's therapy dose.

Organ and tumour doses per subject (MIRD schema) come from
:mod:`nanotwin.population.endpoints`; the subjects run in chunks through
:func:`nanotwin.population.distributed.run_chunks`.

PET prediction (single-scan, reference-kinetics method): the tumour activity (decay-corrected
%IA) of each patient's PET scan at ``scan_time`` times the ratio therapy-TIA / PET-uptake of the
*reference* subject (all factors 1) gives the predicted therapy TIA; with the patient's tumour mass
this gives the predicted dose. Compared with the true dose: Pearson and Spearman correlation and
the fraction within +-20 %.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from nanotwin.errors import DesignError
from nanotwin.population.endpoints import (
    DOSE_ORGANS,
    _load_quiet,
    simulate_subjects,
    tumor_s_value,
)

__all__ = ["run_trial", "simulate_subjects", "DOSE_ORGANS"]


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
