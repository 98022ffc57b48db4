"""``nanotwin.simulate``: the PBPK biodistribution of a design, with the learned delivery beside it.

This layer sits above both models: it runs the mechanistic PBPK simulation
(:func:`nanotwin.pbpk.simulate`) and, when asked, adds the data-learned tumour delivery
(:func:`nanotwin.learn.predictor.add_learned_delivery`). ``pbpk`` never imports ``learn`` (which
itself runs the PBPK and the batched population solver), so data flow one way:
design -> pbpk -> learn -> this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["simulate"]


def simulate(design: Any, species: str | None = None, times: Any = None, *,
             overrides: Mapping[str, Any] | None = None, rtol: float = 1e-8,
             atol: float = 1e-12, learned: bool = False, mechanisms: Any = None,
             bands: bool | int = False) -> Any:
    """Simulate the biodistribution of a design (see :func:`nanotwin.pbpk.simulate`).

    Parameters
    ----------
    design, species, times, overrides, rtol, atol, mechanisms
        As for :func:`nanotwin.pbpk.simulate` (``mechanisms``: ``None`` = the calibrated
        posterior median, ``"prior"`` = the uncalibrated literature values).
    bands
        Also add posterior predictive bands (``True``: 200 posterior draws, or the number of
        draws): ``pct_id_band`` and ``pct_id_predictive_band`` over ``quantile`` (0.05, 0.5,
        0.95) x ``organ`` x ``time`` (see :func:`nanotwin.population.uncertainty.posterior_bands`).
    learned
        Also add the data-driven tumour delivery of :func:`nanotwin.learn.predict_tumor_delivery`
        (mouse with a tumour only; ``DesignError`` otherwise, before anything is computed):
        variable ``learned_delivery`` (%ID) over ``endpoint`` (DE24, DE168, DEmax) x
        ``statistic`` (median, lower_5, upper_95: the 90 % interval), and attrs
        ``learned_learner_<endpoint>``.

    Returns
    -------
    xarray.Dataset

    Examples
    --------
    >>> import nanotwin
    >>> from nanotwin.pbpk import demo_design
    >>> ds = nanotwin.simulate(demo_design(), times=[0.0, 24.0])
    >>> ds["pct_id"].dims
    ('organ', 'time')
    """
    from nanotwin.design import Design, load_design
    from nanotwin.pbpk import simulate as simulate_pbpk

    if not learned and not bands:
        return simulate_pbpk(design, species, times, overrides=overrides, rtol=rtol, atol=atol,
                             mechanisms=mechanisms)
    design = design if isinstance(design, Design) else load_design(design)
    if learned:
        from nanotwin.learn.predictor import check_learned_domain

        check_learned_domain(design, species)
    ds = simulate_pbpk(design, species, times, overrides=overrides, rtol=rtol, atol=atol,
                       mechanisms=mechanisms)
    if learned:
        from nanotwin.learn.predictor import add_learned_delivery

        ds = add_learned_delivery(ds, design, species)
    if bands:
        import numpy as np

        from nanotwin.population.uncertainty import posterior_bands

        t = np.asarray(ds["time"].values, dtype=float)
        n = 200 if bands is True else int(bands)
        b = posterior_bands(design, t[t > 0], n_draws=n, species=species)
        ds = ds.merge(b[["pct_id_band", "pct_id_predictive_band"]].reindex(time=t),
                      combine_attrs="override")
        ds.attrs["bands_n_draws"] = b.attrs["n_draws"]
    return ds
