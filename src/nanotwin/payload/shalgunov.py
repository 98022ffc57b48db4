"""Validation of the release kinetics on PLA-PEG-vincristine nanoparticles in mice.

Model and data: Shalgunov V, Zaytseva-Zotova D, Zintchenko A, et al. Comprehensive study of the
drug delivery properties of poly(L-lactide)-poly(ethylene glycol) nanoparticles in rats and
tumor-bearing mice. J Control Release 2017;261:31-42; the model as re-implemented in Heta by
InSysBio (github.com/insysbio/drug-loaded-nanoparticles, ``src/model.heta``, MIT licence), whose
data, scenarios and fitted parameters are in the shared validation data (``payload_release/``).

Structure (all from ``model.heta``): nanoparticles (NP) distribute from blood into liver, spleen,
tumour, kidneys, lungs and rest of body by permeability-surface products ``PS_X`` (mL/h; liver,
kidney and rest reduced by ``exp(-koef_resp_X * response)``, an indirect response driven by free
plasma drug); free vincristine (D) follows a flow-limited PBPK (flows ``Q_X``, partition
coefficients ``Kp_X_D``, blood/plasma ratio from haematocrit and ``Kp_BC_D``) with hepatic
elimination ``kel_L_D``. Drug leaves particles wherever they are at the rate dF/dt of the
released fraction F(t). The published release is ``F = δ + (1-δ)(1 - exp(-k_diff t^(1-γ)/(1-γ)))``
— a burst plus a Weibull function — so here it is computed by
:func:`nanotwin.payload.released_fraction` with burst_fraction = δ, weibull_shape b = 1-γ and
weibull_scale τ = (b/k_diff)^(1/b). Observables are total (encapsulated + free) drug, µg/mL,
averaged over tissue with its blood content (``D_X_aver``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nanotwin.payload.kinetics import release_hazard, released_fraction

__all__ = ["FORMULATIONS", "published_release", "simulate_scenario", "validate_payload"]

FORMULATIONS = ("U16c", "U16p", "T")
_ORGANS = ("L", "S", "T", "K", "U", "R")
_OBS = ("L", "S", "T", "K", "U", "P")

# Constants of model.heta that are not in fitted_parameters.csv (InSysBio, MIT licence):
# blood flows of a ~20 g mouse (mL/h), haematocrit, blood-cell partition of vincristine,
# nanoparticle tissue partition (fixed 1e3) and reference animal (group "061").
_CONST = {
    "Q_L": 181.92, "Q_S": 14.88, "Q_K": 124.6, "Q_U": 678.0, "Q_R": 371.48,
    "hemato": 0.45, "Kp_BC_D": 3.9, "Kp_NP": 1e3, "b_PS": 1.0, "syn_resp": 1.0,
    "W_animal_061": 20.8, "W_T_061": 0.366, "w_L_061": 0.0538, "w_S_061": 0.00601,
    "w_K_061": 0.0142, "w_U_061": 0.00679,
}


def _data_dir(path: Any = None) -> Path:
    from nanotwin._paths import shared_data_dir

    return Path(path) if path else shared_data_dir() / "payload_release"


def _fitted(path: Any = None) -> dict[str, float]:
    import pandas as pd

    df = pd.read_csv(_data_dir(path) / "fitted_parameters.csv").dropna()
    return {r.parameter: float(r.nominal) for r in df.itertuples()}


def _scenarios(path: Any = None) -> Any:
    import pandas as pd

    df = pd.read_csv(_data_dir(path) / "scenarios.csv")
    df.columns = [c.replace("parameters.", "") for c in df.columns]
    return df.set_index("id")


def published_release(delta: float, kdiff: float, gamma: float) -> dict[str, Any]:
    """Convert the published (δ, k_diff, γ) release law to nanotwin's burst + Weibull fields.

    Examples
    --------
    >>> r = published_release(0.0075, 0.00549, 0.57)
    >>> round(r["weibull_shape"], 2), round(r["weibull_scale"])
    (0.43, 25375)
    """
    if kdiff <= 0:
        return {"burst_fraction": float(delta), "model": "none"}
    b = 1.0 - gamma
    return {"burst_fraction": float(delta), "model": "weibull", "weibull_shape": b,
            "weibull_scale": float((b / kdiff) ** (1.0 / b))}


def simulate_scenario(scn: Any, release: dict[str, Any], fitted: dict[str, float],
                      t_eval: np.ndarray) -> dict[str, np.ndarray]:
    """Total drug (µg/mL) per observable organ at ``t_eval`` (h) for one scenario row."""
    from scipy.integrate import solve_ivp

    p = {**_CONST, **fitted}
    W, W_T = float(scn["W_animal"]), float(scn["W_T"])
    w = {"L": scn["w_L"], "S": scn["w_S"], "K": scn["w_K"], "U": scn["w_U"]}
    bto = {k: p[f"bto_{k}"] for k in ("L", "S", "K", "U", "T")}
    w_B = p["w_B"]
    V_B = W * (w_B + sum(w[k] * bto[k] for k in w)) + W_T * bto["T"]
    V = {k: W * w[k] * (1 - bto[k]) for k in w}
    V["T"] = W_T * (1 - bto["T"])
    w_R = 1 - sum(w.values()) - w_B - W_T / W
    V["R"] = W * w_R
    w_R_061 = (1 - p["w_L_061"] - p["w_S_061"] - p["w_K_061"] - p["w_U_061"] - p["w_B"]
               - p["W_T_061"] / p["W_animal_061"])
    ref = {k: p[f"w_{k}_061"] * p["W_animal_061"] for k in ("L", "S", "K", "U")}
    ref["R"] = w_R_061 * p["W_animal_061"]
    PS0 = {k: p[f"PS_{k}_061"] * (w[k] * W / ref[k]) ** p["b_PS"] for k in ("L", "S", "K", "U")}
    PS0["R"] = p["PS_R_061"] * (w_R * W / ref["R"]) ** p["b_PS"]
    PS0["T"] = p["PS_T_061"] * (W_T / p["W_T_061"]) ** p["b_PS"]
    koef = {"L": p["koef_resp_L"], "K": p["koef_resp_K"], "R": p["koef_resp_R"]}
    Kp = {k: p[f"Kp_{k}_D"] for k in _ORGANS}
    Q = {"L": p["Q_L"], "S": p["Q_S"], "K": p["Q_K"], "U": p["Q_U"], "R": p["Q_R"],
         "T": p["Q_T_g"] * W_T}
    Rbp = p["hemato"] * p["Kp_BC_D"] + 1 - p["hemato"]  # blood:plasma ratio of free drug
    np_plasma = 1 - p["hemato"]  # Kp_BC_NP = 0: particles stay in plasma
    dose_NP, dose_D = float(scn["dose_NP_ug_g"]), float(scn["dose_D_ug_g"])
    ratio = dose_D / dose_NP
    f_b = release["burst_fraction"]
    t0 = 1e-9

    def rhs(t: float, y: np.ndarray) -> np.ndarray:
        NP_B, D_B, resp = y[0], y[1], y[2]
        NPa, Da = y[3:9], y[9:15]
        cNP_B, cD_B = NP_B / V_B, D_B / V_B
        NP_P, D_P = cNP_B / np_plasma, cD_B / Rbp
        dF = float(release_hazard(t, **release)) * (1 - float(released_fraction(t, **release)))
        dy = np.zeros_like(y)
        dy[2] = p["syn_resp"] * D_P - p["deg_resp"] * resp
        for i, k in enumerate(_ORGANS):
            PS = PS0[k] * (np.exp(-koef[k] * resp) if k in koef else 1.0)
            v_np = PS * (NP_P - NPa[i] / V[k] / p["Kp_NP"])
            dy[3 + i] = v_np
            dy[0] -= v_np
            cD = Da[i] / V[k]
            if k == "L":
                v_in = (Q["L"] - Q["S"]) * cD_B + Q["S"] * (Da[1] / V["S"]) / Kp["S"] * Rbp
                v_out = Q["L"] * cD / Kp["L"] * Rbp
                dy[9 + i] += v_in - v_out - V["L"] * p["kel_L_D"] * cD
                dy[1] += -(Q["L"] - Q["S"]) * cD_B + v_out
            elif k == "S":
                dy[9 + i] += Q["S"] * cD_B - Q["S"] * cD / Kp["S"] * Rbp
                dy[1] -= Q["S"] * cD_B
            else:
                v = Q[k] * (cD_B - cD / Kp[k] * Rbp)
                dy[9 + i] += v
                dy[1] -= v
            dy[9 + i] += NPa[i] * dF * ratio
        dy[1] += NP_B * dF * ratio
        return dy

    y0 = np.zeros(15)
    y0[0] = dose_NP * W
    y0[1] = f_b * dose_D * W
    sol = solve_ivp(rhs, (t0, float(np.max(t_eval))), y0, t_eval=np.maximum(t_eval, t0),
                    method="LSODA", rtol=1e-6, atol=1e-10)
    if not sol.success:  # pragma: no cover - the published parameters integrate fine
        raise RuntimeError(sol.message)
    NP_B, D_B = sol.y[0], sol.y[1]
    enc = 1 - np.asarray(released_fraction(sol.t, **release))
    out: dict[str, np.ndarray] = {}
    for i, k in enumerate(_ORGANS):
        if k == "R":
            continue
        NPa, Da = sol.y[3 + i], sol.y[9 + i]
        W_X = W_T if k == "T" else W * w[k]
        blood = W_X * bto[k]
        NP_aver = (NPa + NP_B / V_B * blood) / W_X
        D_free = (Da + D_B / V_B * blood) / (V[k] + blood)
        out[k] = NP_aver * enc * ratio + D_free
    out["P"] = NP_B / V_B / np_plasma * enc * ratio + D_B / V_B / Rbp
    return out


def _load_data(path: Any = None) -> Any:
    import pandas as pd

    frames = []
    for f in ("U16c_61.csv", "U16p_61.csv", "T_67.csv", "NoNP_67.csv"):
        df = pd.read_csv(_data_dir(path) / f)
        frames.append(df[df["measurement"].notna() & (df["measurement"] > 0)])
    df = pd.concat(frames, ignore_index=True)
    df["organ"] = df["prob.mean"].str.extract(r"D_(\w)_aver")[0]
    df["formulation"] = df["scenario"].str.rsplit("_", n=2).str[0]
    df["dose"] = df["scenario"].str.rsplit("_", n=1).str[1]
    return df


def _predict(df: Any, scen: Any, fitted: dict[str, float],
             release_of: dict[str, dict[str, Any]]) -> np.ndarray:
    pred = np.full(len(df), np.nan)
    for sid, sub in df.groupby("scenario"):
        form = sid.rsplit("_", 2)[0]
        times = np.unique(sub["t"].to_numpy(float))
        sim = simulate_scenario(scen.loc[sid], release_of[form], fitted, times)
        for organ, rows in sub.groupby("organ"):
            pred[rows.index] = np.interp(rows["t"].to_numpy(float), times, sim[organ])
    return pred


@dataclass
class PayloadValidation:
    """Per formulation: published vs fitted release and within-2-fold fractions per dose."""

    table: Any  # pandas DataFrame: formulation, dose, n, within2_published, within2_fitted
    parameters: Any  # pandas DataFrame: formulation, parameter, published, fitted


def validate_payload(path: Any = None, fit: bool = True) -> PayloadValidation:
    """Fit the release (burst, Weibull τ and b) per formulation to the in-vivo data.

    All non-release parameters are the published fit (``fitted_parameters.csv``). The fit
    minimises the squared log residuals over all organs and the three doses of a formulation
    (lognormal error, as in the published fit), from the published release as the start.

    Returns
    -------
    PayloadValidation
        Fractions of measurements within 2-fold of the model, per formulation and dose, with
        the published (in-vitro) release and with the fitted release; and both parameter sets.
    """
    import pandas as pd
    from scipy.optimize import least_squares

    fitted = _fitted(path)
    scen = _scenarios(path)
    df = _load_data(path)
    release_pub = {}
    for sid in scen.index:
        form = sid.rsplit("_", 2)[0]
        r = scen.loc[sid]
        release_pub[form] = published_release(float(r["delta"]), float(r["kdiff"]),
                                              float(r["gamma"]))
    release_fit = dict(release_pub)
    logobs = np.log(df["measurement"].to_numpy(float))
    if fit:
        for form in FORMULATIONS:
            sub = df[df["formulation"] == form].reset_index(drop=True)
            pub = release_pub[form]

            def unpack(x: np.ndarray) -> dict[str, Any]:
                return {"burst_fraction": float(1 / (1 + np.exp(-x[0]))), "model": "weibull",
                        "weibull_scale": float(np.exp(x[1])), "weibull_shape": float(np.exp(x[2]))}

            def resid(x: np.ndarray, sub: Any = sub, form: str = form) -> np.ndarray:
                pr = _predict(sub, scen, fitted, {form: unpack(x)})
                return np.log(np.maximum(pr, 1e-12)) - np.log(sub["measurement"].to_numpy(float))

            fb = min(max(pub["burst_fraction"], 1e-4), 1 - 1e-4)
            x0 = np.array([np.log(fb / (1 - fb)), np.log(pub["weibull_scale"]),
                           np.log(pub["weibull_shape"])])
            res = least_squares(resid, x0, bounds=([-10, np.log(0.1), np.log(0.1)],
                                                   [5, np.log(1e7), np.log(5.0)]),
                                x_scale=1.0, max_nfev=60)
            release_fit[form] = unpack(res.x)
    rows = []
    for label, rel in (("published", release_pub), ("fitted", release_fit)):
        pred = _predict(df, scen, fitted, rel)
        df[f"within2_{label}"] = np.abs(np.log(pred) - logobs) <= np.log(2.0)
    for (form, dose), sub in df.groupby(["formulation", "dose"], sort=False):
        rows.append({"formulation": form, "dose": dose, "n": len(sub),
                     "within2_published": float(sub["within2_published"].mean()),
                     "within2_fitted": float(sub["within2_fitted"].mean())})
    prows = []
    for form in FORMULATIONS:
        for k in ("burst_fraction", "weibull_scale", "weibull_shape"):
            prows.append({"formulation": form, "parameter": k,
                          "published": release_pub[form].get(k, np.nan),
                          "fitted": release_fit[form].get(k, np.nan)})
    return PayloadValidation(pd.DataFrame(rows), pd.DataFrame(prows))
