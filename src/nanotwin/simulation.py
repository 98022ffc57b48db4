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
             atol: float = 1e-12, learned: bool = False) -> Any:
    """Simulate the biodistribution of a design (see :func:`nanotwin.pbpk.simulate`).

    Parameters
    ----------
    design, species, times, overrides, rtol, atol
        As for :func:`nanotwin.pbpk.simulate`.
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
    from nanotwin.pbpk import simulate as simulate_pbpk

    if not learned:
        return simulate_pbpk(design, species, times, overrides=overrides, rtol=rtol, atol=atol)
    from nanotwin.design import Design, load_design
    from nanotwin.learn.predictor import add_learned_delivery, check_learned_domain

    design = design if isinstance(design, Design) else load_design(design)
    check_learned_domain(design, species)
    ds = simulate_pbpk(design, species, times, overrides=overrides, rtol=rtol, atol=atol)
    return add_learned_delivery(ds, design, species)
