"""Validation of the organ predictions on data never used for fitting: rat and human.

The tables in ``nanotwin/data/organs`` (sources and every caveat in its ``SOURCES.md``) are read
here and compared with :func:`nanotwin.simulate` of a design built from what each paper reports.
Nothing in this module fits anything: the model runs with its shipped mechanism constants (or
the prior ones, for the comparison), and the numbers are reported as they come.

Stated defaults for what the papers do not give (the same for every particle of a series):

* Kreyling-group 198Au series in rats (Chou et al. 2022; Hirn et al. 2011): hydrodynamic
  diameter = core diameter + 2 nm (a ~1 nm TPPMS or citrate ligand shell), zeta -30 mV for the
  negatively charged TPPMS/citrate particles and -30 / +30 mV for the 2.8 nm carboxyl / amino
  particles (Hirn 2011 calls them negatively / positively charged; no value was readable), no
  PEG, dose 0.05 mg/kg (3-33 ug per ~0.25 kg rat); ``remaining_tissues`` = heart, brain, muscle,
  skin, adipose, bone, marrow and rest; ``gi_tract`` = gut; ``blood`` = the particles in the whole
  blood volume (``blood_pct_id_total``).
* Human PEG liposomes (Harrington et al. 2001, 111In; Lee et al. 2017, 64Cu-MM-302): 100 nm,
  -5 mV, PEG 2 kDa (Stealth liposomes), 70 kg adult with a 10 g tumour (the human default); the
  tumour %ID/kg is %ID/g x 1000. MM-302 carries an anti-HER2 antibody fragment (Kd 10 nM, 30
  copies); the 24-48 h window is compared at 36 h.

TiO2 (Shinohara 2013) is not compared: its hydrodynamic size in the injected suspension is not in
the abstract and nanotwin's platforms have no class for titanium dioxide.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

__all__ = ["external_validation", "EXTERNAL_FILES"]

EXTERNAL_FILES = ("rat_au_iv_kreyling_chou2022.csv", "rat_au_iv_hirn2011_table2.csv",
                  "human_liposome_111in_harrington2001.csv",
                  "human_liposome_64cu_mm302_lee2017.csv")
_REMAINING = ("heart", "brain", "muscle", "skin", "adipose", "bone", "marrow", "rest")
_ORGAN_MAP = {"lung": ("lung",), "liver": ("liver",), "kidney": ("kidney",),
              "spleen": ("spleen",), "heart": ("heart",), "brain": ("brain",),
              "gi_tract": ("gut",), "remaining_tissues": _REMAINING, "urine": ("urine",),
              "tumour": ("tumor",)}


def _gold_design(core_nm: float, zeta: float) -> dict[str, Any]:
    return {"name": f"198Au {core_nm:g} nm (Kreyling series)",
            "nanoparticle": {"platform": "gold", "core_material": "Au",
                             "hydrodynamic_diameter": float(core_nm) + 2.0,
                             "zeta_potential": zeta},
            "administration": {"route": "iv", "dose_mg_per_kg": 0.05},
            "subject": {"species": "rat"}}


def _liposome_design(targeted: bool) -> dict[str, Any]:
    lig = [{"name": "anti-HER2 scFv", "kind": "antibody_fragment", "target": "HER2",
            "copies_per_particle": 30.0, "kd": 10.0}] if targeted else []
    return {"name": "PEG liposome", "nanoparticle": {
        "platform": "liposome", "hydrodynamic_diameter": 100.0, "zeta_potential": -5.0,
        "coating": {"peg": {"molecular_weight": 2000.0}}, "ligands": lig},
        "administration": {"route": "iv", "dose_mg_per_kg": 1.0},
        "subject": {"species": "human", "tumor": {"model": "patient", "graft": "patient",
                                                   "site": "metastatic", "mass": 10.0}}}


def _zeta_of(particle: str) -> float:
    if "NH3" in particle:
        return 30.0
    return -30.0


def _core_of(row: Any) -> float:
    v = row["core_diameter_nm"]
    if isinstance(v, float) and math.isfinite(v):
        return float(v)
    import re

    m = re.search(r"([\d.]+)\s*nm", str(row["particle"]))
    return float(m.group(1))


def _scores(lr: np.ndarray) -> dict[str, float]:
    lr = lr[np.isfinite(lr)]
    if lr.size == 0:
        return {"n": 0}
    return {"n": int(lr.size), "median_abs_log10": float(np.median(np.abs(lr))),
            "within_2fold": float(np.mean(np.abs(lr) <= math.log10(2.0))),
            "within_3fold": float(np.mean(np.abs(lr) <= math.log10(3.0))),
            "bias_log10": float(np.median(lr))}


def external_validation(mechanisms: Any = None) -> dict[str, Any]:
    """Rat and human organ data (``nanotwin/data/organs``) against the model.

    Parameters
    ----------
    mechanisms
        ``None`` (shipped posterior median) or ``"prior"`` (uncalibrated).

    Returns
    -------
    dict
        ``rows`` (every compared value: study, particle, time, organ, unit, observed,
        predicted, log10 ratio) and ``summary`` per study and organ.
    """
    import pandas as pd

    from nanotwin._paths import package_data
    from nanotwin.design import load_design
    from nanotwin.errors import DesignWarning
    from nanotwin.pbpk import simulate

    frames = [pd.read_csv(package_data("organs", f)) for f in EXTERNAL_FILES]
    df = pd.concat(frames, ignore_index=True)
    rows = []
    cache: dict[tuple, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DesignWarning)
        for r in df.to_dict("records"):
            organ = r["organ"]
            if organ not in _ORGAN_MAP and organ != "blood":
                continue  # uterus: not a model organ
            t = float(r["time_h"])
            if isinstance(r.get("time_h_max"), float) and math.isfinite(r["time_h_max"]):
                t = 0.5 * (t + float(r["time_h_max"]))
            if r["species"] == "rat":
                key = ("rat", _core_of(r), _zeta_of(str(r["particle"])))
                design = _gold_design(key[1], key[2])
            else:
                targeted = "MM-302" in str(r["particle"])
                key = ("human", targeted)
                design = _liposome_design(targeted)
            if key not in cache:
                times = np.array([0.0, 1.0, 6.0, 24.0, 36.0, 48.0, 72.0])
                cache[key] = simulate(load_design(design, canonical_numbers=True), times=times,
                                      mechanisms=mechanisms)
            ds = cache[key]
            if organ == "blood":
                pred = float(ds["blood_pct_id_total"].interp(time=t))
            else:
                organs = list(_ORGAN_MAP[organ])
                unit = r["unit"]
                if unit == "%ID":
                    pred = float(ds["pct_id"].sel(organ=organs).sum("organ").interp(time=t))
                else:
                    amount = float(ds["pct_id"].sel(organ=organs).sum("organ").interp(time=t))
                    mass = float(ds["organ_mass_g"].sel(organ=organs).sum())
                    pred = amount / mass * (1000.0 if unit == "%ID/kg" else 1.0)
            obs = float(r["value"])
            lr = math.log10(pred / obs) if pred > 0 and obs > 0 else float("nan")
            rows.append({"study": r["study_id"], "particle": r["particle"], "time_h": t,
                         "organ": organ, "unit": r["unit"], "statistic": r["statistic"],
                         "observed": obs, "predicted": pred, "log10_ratio": lr})
    out = pd.DataFrame(rows)
    summary: dict[str, Any] = {}
    for study, g in out.groupby("study"):
        means = g[g["statistic"].isin(["mean", "individual"])]
        summary[str(study)] = {"all": _scores(means["log10_ratio"].to_numpy(float)),
                               **{str(o): _scores(gg["log10_ratio"].to_numpy(float))
                                  for o, gg in means.groupby("organ")}}
        rng = g[g["statistic"].isin(["min", "max"])]
        if len(rng):
            lo = rng[rng["statistic"] == "min"]["observed"].min()
            hi = rng[rng["statistic"] == "max"]["observed"].max()
            summary[str(study)]["range"] = {
                "observed_min": float(lo), "observed_max": float(hi),
                "predicted": float(rng["predicted"].iloc[0]),
                "unit": str(rng["unit"].iloc[0]),
                "inside": bool(lo <= rng["predicted"].iloc[0] <= hi)}
    return {"rows": out.to_dict("records"), "summary": summary}
