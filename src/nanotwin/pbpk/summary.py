"""Key numbers of a biodistribution result: blood half-lives, AUC, tumour delivery, contrast.

Used by ``nanotwin simulate``, the web app and the HTML report.
"""

from __future__ import annotations

__all__ = ["summary", "SUMMARY_UNITS"]

#: Units of the :func:`summary` entries, as shown to the user.
SUMMARY_UNITS = {
    "t_half_alpha_h": "h", "t_half_beta_h": "h", "blood_AUC_pctID_h": "%ID·h",
    "DE24": "%ID", "DE168": "%ID", "DEmax": "%ID",
    "tumor_to_muscle_24h": "ratio of %ID/g", "tumor_to_liver_24h": "ratio of %ID/g",
    "tumor_to_blood_24h": "ratio of %ID/g", "best_contrast_time_h": "h",
}


def summary(ds) -> dict:  # noqa: ANN001 - an xarray Dataset
    """Key numbers of a biodistribution: blood half-lives, AUC, tumour delivery and contrast."""
    import numpy as np

    t = ds["time"].values
    blood = ds["pct_id"].sel(organ="blood").values
    out: dict = {}
    pos = blood > 1e-9
    early = pos & (t > 0) & (t <= 4.0)
    late = pos & (t >= 24.0)
    for name, m in (("t_half_alpha_h", early), ("t_half_beta_h", late)):
        if m.sum() >= 2:
            slope = np.polyfit(t[m], np.log(blood[m]), 1)[0]
            out[name] = float(np.log(2) / -slope) if slope < 0 else float("inf")
    out["blood_AUC_pctID_h"] = float(np.trapezoid(blood, t))
    tum = ds["pct_id"].sel(organ="tumor").values
    if np.nanmax(tum) > 0:
        out["DE24"] = float(np.interp(24.0, t, tum))
        out["DE168"] = float(np.interp(168.0, t, tum)) if t[-1] >= 168 else float("nan")
        out["DEmax"] = float(tum.max())
        g = ds["pct_id_per_g"]
        tg = g.sel(organ="tumor").values
        with np.errstate(divide="ignore", invalid="ignore"):
            for ref in ("muscle", "liver", "blood"):
                out[f"tumor_to_{ref}_24h"] = float(np.interp(24.0, t, tg / g.sel(
                    organ=ref).values))
            ratio = tg / g.sel(organ="muscle").values
        ratio = np.where(np.isfinite(ratio) & (t > 0), ratio, -np.inf)
        out["best_contrast_time_h"] = float(t[int(np.argmax(ratio))])
    return out
