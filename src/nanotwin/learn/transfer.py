"""Pilot-data transfer: one measured nanoparticle of a series informs the predictions of its
siblings (same lab, assay, animal model), through the study random effects of the global
calibration (:mod:`nanotwin.learn.organs`).

The calibrated measurement model says that a study's measured values deviate from the PBPK model
(through the calibration's linear model discrepancy of each organ) by a study effect shared by all
its nanoparticles (``a_s``, every organ; ``b_{s,o}``, organ ``o``), by the nanoparticle's own
effect ``w_u`` and by noise. Given the pilot's residuals
``r_i = log10(measured_i / predicted_i)``, the study effects are normal with mean
``mu_r + c_o^T S^-1 (r - mu_r)`` (``S``: the pilot residuals' covariance, ``c_o``: their
covariance with ``a_s + b_{s,o}``); each sibling is predicted as the model times ``10^`` that
effect, with a band from the conditional variance plus the sibling's own effect and noise.
The SDs are the posterior values shipped with the mechanism constants (``hyper`` of
``mechanism_posterior.json``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nanotwin.errors import DataError, DesignError
from nanotwin.learn.organ_data import OBS_ORGANS

__all__ = ["transfer_to_siblings", "TransferResult"]

_Z90 = 1.6448536269514722  # two-sided 90 % band


class TransferResult:
    """Sibling predictions of :func:`transfer_to_siblings`.

    Attributes
    ----------
    table
        pandas DataFrame: sibling, organ, time_h, unit, model (calibrated PBPK), transferred
        (model x study effect), lower_5, upper_95.
    effects
        log10 study effect per organ (``a_s + b_{s,o}``, conditional mean) and its SD.
    pilot
        The pilot residuals used (organ, time, measured, predicted, log10 ratio).
    """

    def __init__(self, table: Any, effects: dict[str, dict[str, float]], pilot: Any) -> None:
        self.table = table
        self.effects = effects
        self.pilot = pilot


def _hyper() -> dict[str, float]:
    from nanotwin.learn.organs import HYPER, HYPER_PRIORS
    from nanotwin.pbpk.mechanisms import posterior

    post = posterior()
    if post is not None and post.hyper:
        return {k: float(v) for k, v in post.hyper.items()}
    # no calibration shipped: the priors' centres
    from nanotwin.learn.organs import FIXED_HYPER, LINEAR_HYPER

    out = dict(FIXED_HYPER)

    for k in HYPER:
        c = HYPER_PRIORS[k][0]
        out[k] = c if k in LINEAR_HYPER else 1.0 / (1.0 + math.exp(-c)) if k.startswith(
            "pi_") else math.exp(c)
    return out


def _value(ds: Any, organ: str, time_h: float, quantity: str) -> float:
    var = "pct_id_per_g" if quantity == "pct_id_per_g" else "pct_id"
    return float(ds[var].sel(organ=organ).interp(time=time_h))


def transfer_to_siblings(pilot_design: Any, measured: Any, siblings: list[Any],
                         times: Any = None) -> TransferResult:
    """Predict the siblings of a measured pilot nanoparticle (see the module docstring).

    Parameters
    ----------
    pilot_design
        The measured design (file, mapping or Design).
    measured
        Its measured biodistribution (CSV path, DataFrame or records: organ, time, value, unit
        %ID or %ID/g), as for ``nanotwin fit``.
    siblings
        Designs of the same series to predict.
    times
        Output times (h); default: the measured times.

    Returns
    -------
    TransferResult

    Examples
    --------
    >>> from nanotwin.pbpk import demo_design
    >>> d = demo_design()
    >>> sib = d.model_copy(update={"name": "sibling"})
    >>> data = [{"organ": "liver", "time": 24.0, "value": 20.0, "unit": "%ID/g"}]
    >>> res = transfer_to_siblings(d, data, [sib])
    >>> sorted(res.table.columns)[:3]
    ['lower_5', 'model', 'organ']
    """
    import pandas as pd
    from scipy.linalg import cho_factor, cho_solve

    from nanotwin.design import Design, load_design
    from nanotwin.learn.calibration import read_measured
    from nanotwin.pbpk import simulate

    def _d(x: Any) -> Any:
        return x if isinstance(x, Design) else load_design(x)

    pilot = _d(pilot_design)
    sibs = [_d(s) for s in siblings]
    if not sibs:
        raise DesignError("siblings: give at least one sibling design", "siblings")
    data = read_measured(measured)
    t_meas = np.unique(np.asarray(data.time_h, dtype=float))
    t_out = t_meas if times is None else np.asarray(times, dtype=float)
    grid = np.unique(np.concatenate([[0.0], t_meas, t_out]))
    ds_p = simulate(pilot, times=grid)
    hv = _hyper()

    def disc_factor(o: str, pct_id: float) -> float:
        """10^(discrepancy(log10 %ID) - log10 %ID): the calibration's linear model discrepancy
        of organ ``o`` (beta_o around the centre c_o, on log10 %ID), 1 for other organs."""
        if f"beta_{o}" not in hv or not pct_id > 0:
            return 1.0
        lg = math.log10(pct_id)
        c = hv.get(f"centre_{o}", lg)
        return 10.0 ** ((c + hv[f"beta_{o}"] * (lg - c)) - lg)

    org, res, rows = [], [], []
    for i in range(data.size):
        o, t, q = data.organ[i], float(data.time_h[i]), data.quantity[i]
        pred = _value(ds_p, o, t, q)
        if not (pred > 0):
            raise DataError(f"measured row {data.row[i]}: the model predicts no {o} uptake at "
                            f"{t:g} h, so this value cannot inform the siblings; drop the row",
                            "measured")
        pred_id = _value(ds_p, o, t, "pct_id")
        r = math.log10(float(data.value[i]) / (pred * disc_factor(o, pred_id)))
        org.append(o)
        res.append(r)
        rows.append({"organ": o, "time_h": t, "unit": "%ID/g" if q == "pct_id_per_g" else "%ID",
                     "measured": float(data.value[i]), "predicted": pred, "log10_ratio": r})
    r = np.asarray(res)

    def tau(o: str) -> float:
        return hv.get(f"tau_{o}", math.sqrt(np.mean([hv[f"tau_{x}"] ** 2 for x in OBS_ORGANS])))

    def sigma(o: str) -> float:
        return hv.get(f"sigma_{o}", math.sqrt(np.mean([hv[f"sigma_{x}"] ** 2
                                                       for x in OBS_ORGANS])))

    n = r.size
    same = np.array([[a == b for b in org] for a in org], dtype=float)
    S = (hv["tau_r"] ** 2 + hv["tau_w"] ** 2) * np.ones((n, n)) + \
        same * np.array([tau(o) ** 2 for o in org])[:, None]
    S[np.diag_indices(n)] += np.array([sigma(o) ** 2 for o in org])
    cf = cho_factor(S, lower=True)
    from nanotwin.pbpk.mechanisms import is_inorganic, published_offset

    inorg = is_inorganic(pilot.nanoparticle.platform)

    def prior_mean(o: str) -> float:
        # the calibration's mean recovery of a study's measured values (log10)
        return published_offset(hv, o, inorg)

    dev = r - np.array([prior_mean(o) for o in org])
    effects: dict[str, dict[str, float]] = {}
    all_organs = sorted({*OBS_ORGANS, *org})
    for o in all_organs:
        c = hv["tau_r"] ** 2 + np.array([tau(o) ** 2 if x == o else 0.0 for x in org])
        Sc = cho_solve(cf, c)
        mean = prior_mean(o) + float(Sc @ dev)
        prior_var = hv["tau_r"] ** 2 + tau(o) ** 2
        var = max(prior_var - float(c @ Sc), 0.0)
        effects[o] = {"log10_effect": mean, "sd": math.sqrt(var)}
    out = []
    for s in sibs:
        ds = simulate(s, times=np.unique(np.concatenate([[0.0], t_out])))
        for o in ds["organ"].values:
            o = str(o)
            if o in ("urine", "feces", "degraded"):
                continue
            e = effects.get(o, {"log10_effect": prior_mean(o) - hv["mu_r"] + effects_shared(
                effects, hv, cf, dev, org), "sd": hv["tau_r"]})
            band = math.sqrt(e["sd"] ** 2 + hv["tau_w"] ** 2 + sigma(o) ** 2)
            for t in t_out:
                f_disc = disc_factor(o, float(ds["pct_id"].sel(organ=o).interp(time=float(t))))
                for unit, var in (("%ID", "pct_id"), ("%ID/g", "pct_id_per_g")):
                    m = float(ds[var].sel(organ=o).interp(time=float(t)))
                    if not np.isfinite(m):
                        continue
                    tr = m * f_disc * 10.0 ** e["log10_effect"]
                    out.append({"sibling": s.name, "organ": o, "time_h": float(t),
                                "unit": unit, "model": m, "transferred": tr,
                                "lower_5": tr * 10.0 ** (-_Z90 * band),
                                "upper_95": tr * 10.0 ** (_Z90 * band)})
    return TransferResult(pd.DataFrame(out), effects, pd.DataFrame(rows))


def effects_shared(effects: dict[str, dict[str, float]], hv: dict[str, float], cf: Any,
                   dev: np.ndarray, org: list[str]) -> float:
    """Conditional mean of the all-organ study effect ``a_s`` alone (for organs that the
    calibration does not model separately)."""
    from scipy.linalg import cho_solve

    c = np.full(len(org), hv["tau_r"] ** 2)
    return hv["mu_r"] + float(cho_solve(cf, c) @ dev)
