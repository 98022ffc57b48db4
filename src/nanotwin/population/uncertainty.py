"""Posterior predictive bands of a design's biodistribution from the calibrated mechanisms.

Two bands, both from the posterior shipped with the package
(:func:`nanotwin.pbpk.mechanisms.posterior`):

* ``pct_id_band`` -- the 5/50/95 % quantiles of the particle %ID over posterior draws of the
  global mechanism constants (what the data leave uncertain about the model itself), simulated in
  one batched call;
* ``pct_id_predictive_band`` -- the same draws times the scatter of a *new study* for the six
  calibrated organs (tumour, liver, spleen, lung, kidney, heart): a log-normal study, organ and
  nanoform effect plus noise with the posterior SDs and the mean recovery of published values
  (the calibration's measurement model), a measured %ID capped at 100. It says where a
  published measurement of another lab would likely fall.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["posterior_bands", "QUANTILES"]

QUANTILES = (0.05, 0.5, 0.95)
_CALIBRATED_ORGANS = ("tumor", "liver", "spleen", "lung", "kidney", "heart")


def posterior_bands(design: Any, times: Any, *, n_draws: int = 200, seed: int = 0,
                    species: str | None = None) -> Any:
    """5/50/95 % bands of a design's organ %ID over posterior draws of the mechanism constants.

    Parameters
    ----------
    design
        Design, mapping or file.
    times
        Output times (h, increasing, > 0 at the end).
    n_draws
        Posterior draws to simulate (at most those shipped).
    seed
        Seed of the new-study scatter of the predictive band.
    species
        As in :func:`nanotwin.simulate`.

    Returns
    -------
    xarray.Dataset
        ``pct_id_band`` and ``pct_id_predictive_band`` over ``quantile`` x ``organ`` x ``time``
        (%ID), attrs with the number of draws and the posterior's provenance.

    Examples
    --------
    >>> from nanotwin.pbpk import demo_design
    >>> from nanotwin.pbpk.mechanisms import posterior
    >>> if posterior() is not None:
    ...     b = posterior_bands(demo_design(), [1.0, 24.0], n_draws=20)
    ...     lo, mid, hi = b["pct_id_band"].sel(organ="liver", time=24.0).values
    ...     assert lo <= mid <= hi
    """
    from nanotwin.design import Design, load_design
    from nanotwin.pbpk.mechanisms import (
        is_inorganic,
        new_study_sd,
        posterior,
        published_offset,
    )
    from nanotwin.pbpk.parameters import build_parameter_batch, design_features
    from nanotwin.population.batch import OUTPUT_ORGANS, batch_simulate
    from nanotwin.results import make_result

    post = posterior()
    if post is None:
        raise DesignError("bands: this installation ships no calibrated posterior; run the "
                          "calibration (python -m nanotwin.learn.organs) or drop the bands",
                          "bands")
    design = design if isinstance(design, Design) else load_design(design)
    t = np.asarray(times, dtype=float)
    n = int(min(max(n_draws, 2), post.draws.shape[0]))
    F, meta = design_features(design, species)
    M = post.draw_mechanisms(n)
    Fs = {k: np.full(n, v) for k, v in F.items()}
    p = build_parameter_batch(Fs, M, meta)
    ds = batch_simulate(p, t, outputs=("pct_id",))
    P = np.asarray(ds["pct_id"].values)  # (n, organ, time)
    band = np.quantile(P, QUANTILES, axis=0)
    hv = dict(post.hyper)
    inorganic = is_inorganic(design.nanoparticle.platform)
    rng = np.random.default_rng(seed)
    pred = np.full_like(band, np.nan)
    for o in _CALIBRATED_ORGANS:
        j = OUTPUT_ORGANS.index(o)
        scatter = 10.0 ** (published_offset(hv, o, inorganic) +
                           new_study_sd(hv, o) * rng.standard_normal((n, 1)))
        # a log-normal scatter is unbounded; a measured organ cannot hold more than the dose
        pred[:, j] = np.quantile(np.minimum(P[:, j] * scatter, 100.0), QUANTILES, axis=0)
    dims = ("quantile", "organ", "time")
    return make_result(
        {"pct_id_band": (dims, band, "%ID", "particles, quantiles over posterior draws of the "
                         "mechanism constants"),
         "pct_id_predictive_band": (dims, pred, "%ID", "where a published measurement of a "
                                    "new study would fall (calibrated organs only; mean "
                                    "recovery included, capped at 100 %ID)")},
        coords={"quantile": list(QUANTILES), "organ": list(OUTPUT_ORGANS),
                "time": ("time", t, "h")},
        kind="posterior_bands", design=design,
        attrs={"n_draws": n, "posterior_method": str(post.provenance.get("method", "")),
               "posterior_created": str(post.provenance.get("created", ""))})
