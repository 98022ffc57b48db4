"""Absorbed doses, effective dose, BED/EQD2, tolerated activity and therapeutic indices.

MIRD schema (Bolch et al., J Nucl Med 2009;50:477): D(T)/A0 = Σ_S ã(S) · S(T←S), with ã the TIA
per administered activity (s) and S from :mod:`nanotwin.dosimetry.phantoms`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import numpy as np

from nanotwin._paths import package_data
from nanotwin.dosimetry.phantoms import _check_phantom, _masses, _organ_names, _s_pair
from nanotwin.errors import DesignError
from nanotwin.physics import nuclear

__all__ = [
    "PBPK_TO_PHANTOM",
    "dose_from_tia",
    "dose_from_result",
    "effective_dose",
    "bed",
    "eqd2",
    "max_tolerated_activity",
    "therapeutic_indices",
    "mouse_to_human",
]

#: PBPK compartment -> phantom source organ (mouse phantoms have no marrow or muscle/skin/fat
#: compartments: marrow and bone -> skeleton, soft tissues -> remainder). ``None``: excreted
#: activity (urine, feces collected outside the body), no dose.
PBPK_TO_PHANTOM = {
    "mouse": {"blood": "remainder", "heart": "heart", "lung": "lungs", "liver": "liver",
              "spleen": "spleen", "kidney": "kidneys", "gut": "small_intestine",
              "brain": "brain", "muscle": "remainder", "skin": "remainder",
              "adipose": "remainder", "bone": "skeleton", "marrow": "skeleton",
              "rest": "remainder", "tumor": "tumor", "urine": None, "feces": None,
              "degraded": None},
    "human": {"blood": "remainder", "heart": "heart", "lung": "lungs", "liver": "liver",
              "spleen": "spleen", "kidney": "kidneys", "gut": "small_intestine",
              "brain": "brain", "muscle": "muscle", "skin": "skin", "adipose": "adipose",
              "bone": "skeleton", "marrow": "red_marrow", "rest": "remainder",
              "tumor": "tumor", "urine": None, "feces": None, "degraded": None},
}


def _s_total(nuclide: str, source: str, target: str, key: tuple, progeny: Any,
             rbe: float) -> tuple[float, float]:
    """(S in Gy/(Bq s), RBE-weighted S) including progeny per ``progeny`` mode."""
    nuc = nuclear.canonical_nuclide(nuclide)
    members = nuclear.chain_branching(nuc)
    s_gy = s_rbe = 0.0
    for m, frac in members.items():
        if frac <= 0 or (m != nuc and progeny is False):
            continue
        moves = (progeny or {}).get(m, {}) if isinstance(progeny, Mapping) else {}
        f_esc = float(moves.get("escape_fraction", 0.0)) if m != nuc else 0.0
        dest = moves.get("to", "kidneys")
        pairs = [(source, 1.0 - f_esc)]
        if f_esc > 0:
            pairs.append((dest, f_esc))
        for src, w in pairs:
            if w <= 0:
                continue
            a, o = _s_pair(m, src, target, key)
            s_gy += frac * w * (a + o)
            s_rbe += frac * w * (rbe * a + o)
    return s_gy, s_rbe


def dose_from_tia(nuclide: str, tia_s: Mapping[str, float], phantom: str = "adult_male", *,
                  organ_masses: Mapping[str, float] | None = None,
                  tumor_mass_g: float | None = None, progeny: Any = True,
                  alpha_rbe: float = 5.0, activity_MBq: float | None = None,
                  targets: list[str] | None = None) -> Any:
    """Absorbed dose per organ (and tumour) from TIAs per administered activity.

    Parameters
    ----------
    nuclide
        Administered (parent) nuclide.
    tia_s
        ``source organ -> ã`` (Bq·s per Bq administered, i.e. s; a %ID·h TIA is ã = value/100 ·
        3600). Sources: phantom organs, ``remainder``, ``tumor``.
    phantom
        Reference phantom.
    organ_masses, tumor_mass_g
        Subject organ masses (g); a tumour needs its mass.
    progeny
        ``True``: progeny decay in situ; ``False``: parent only; or a mapping
        ``{member: {"escape_fraction": f, "to": organ}}`` — a fraction f of that member's decays
        happens in organ ``to`` instead (e.g. 212Bi released from a 212Pb carrier goes to the
        kidneys), the rest in situ.
    alpha_rbe
        RBE for alphas in the RBE-weighted dose (5 for deterministic effects, MIRD Pamphlet 22).
    activity_MBq
        Administered activity; adds ``dose_Gy`` and ``dose_rbe_Gy``.

    Returns
    -------
    xarray.Dataset
        ``dose_Gy_per_GBq``, ``dose_rbe_Gy_per_GBq`` (dims organ) [+ ``dose_Gy``].

    Examples
    --------
    >>> ds = dose_from_tia("Lu-177", {"liver": 3600.0 * 10}, "mouse_25g")
    >>> bool(ds.dose_Gy_per_GBq.sel(organ="liver") > 400)
    True
    """
    from nanotwin.results import make_result

    masses = _masses(_check_phantom(phantom), organ_masses)
    if "tumor" in tia_s or tumor_mass_g is not None:
        if tumor_mass_g is None or not float(tumor_mass_g) > 0:
            raise DesignError("tumor_mass_g: a tumour source needs its mass in g; give e.g. "
                              "tumor_mass_g=0.2", "tumor_mass_g")
        masses["tumor"] = float(tumor_mass_g)
    known = [*_organ_names(masses), "remainder"]
    for src, val in tia_s.items():
        if src not in known:
            raise DesignError(f"tia.{src}: not an organ of {phantom}; use one of "
                              f"{', '.join(known)}", f"tia.{src}")
        if not (math.isfinite(float(val)) and float(val) >= 0):
            raise DesignError(f"tia.{src}: {val!r} must be a TIA >= 0 s", f"tia.{src}")
    key = tuple(sorted(masses.items()))
    tg = targets or _organ_names(masses)
    D = np.zeros(len(tg))
    Dr = np.zeros(len(tg))
    for i, t in enumerate(tg):
        for src, val in tia_s.items():
            if float(val) == 0:
                continue
            s, sr = _s_total(nuclide, src, t, key, progeny, float(alpha_rbe))
            D[i] += float(val) * s
            Dr[i] += float(val) * sr
    dv = {"dose_Gy_per_GBq": (("organ",), D * 1e9, "Gy/GBq"),
          "dose_rbe_Gy_per_GBq": (("organ",), Dr * 1e9, "Gy(RBE)/GBq")}
    if activity_MBq is not None:
        dv["dose_Gy"] = (("organ",), D * 1e6 * float(activity_MBq), "Gy")
        dv["dose_rbe_Gy"] = (("organ",), Dr * 1e6 * float(activity_MBq), "Gy(RBE)")
    return make_result(dv, coords={"organ": tg, "mass_g": ("organ", [masses[t] for t in tg],
                                                             "g")},
                       kind="dosimetry",
                       attrs={"nuclide": nuclear.canonical_nuclide(nuclide), "phantom": phantom,
                              "alpha_rbe": float(alpha_rbe),
                              "progeny": str(progeny), "nuclear_data": nuclear.data_release(),
                              "cross_dose": "uniform remainder approximation (approximate)"})


def dose_from_result(ds: Any, nuclide: str | None = None, phantom: str | None = None, *,
                     tumor_mass_g: float | None = None, model: str = "trapezoid",
                     progeny: Any = True, alpha_rbe: float = 5.0,
                     activity_MBq: float | None = None) -> Any:
    """Doses from a nanotwin simulation result (organ × time %ID).

    Uses ``activity_pct_id`` (%ID of activity, not decay-corrected) when present, else ``pct_id``
    taken as decay-corrected and multiplied by the physical decay factor. Each organ's curve is
    time-integrated with :func:`nanotwin.dosimetry.tia` (``model``; trapezoid + physical tail by
    default) and mapped to phantom organs by :data:`PBPK_TO_PHANTOM`.

    Examples
    --------
    >>> import numpy as np
    >>> from nanotwin.results import make_result
    >>> t = np.array([1.0, 24.0, 72.0])
    >>> ds = make_result({"pct_id": (("organ", "time"), [[20.0, 15.0, 10.0]], "%ID")},
    ...                  coords={"organ": ["liver"], "time": ("time", t, "h")}, kind="bd")
    >>> out = dose_from_result(ds, "Lu-177", "mouse_25g")
    >>> bool(out.dose_Gy_per_GBq.sel(organ="liver") > 0)
    True
    """
    from nanotwin.dosimetry.tia import tia

    nuclide = nuclide or ds.attrs.get("nuclide")
    if not nuclide:
        raise DesignError("nuclide: the result names no nuclide; pass nuclide='Lu-177' (e.g.)",
                          "nuclide")
    nuc = nuclear.canonical_nuclide(nuclide)
    species = ds.attrs.get("species", "mouse")
    phantom = phantom or ("mouse_25g" if species == "mouse" else "adult_male")
    mapping = PBPK_TO_PHANTOM["mouse" if phantom.startswith("mouse") else "human"]
    var = "activity_pct_id" if "activity_pct_id" in ds else "pct_id"
    if var not in ds:
        raise DesignError("result: has neither 'activity_pct_id' nor 'pct_id'; pass a nanotwin "
                          "biodistribution result", "result")
    t = np.asarray(ds["time"].values, dtype=float)
    tia_s: dict[str, float] = {}
    for organ in [str(o) for o in ds["organ"].values]:
        if organ not in mapping:
            raise DesignError(f"result.organ: unknown PBPK organ {organ!r}; expected "
                              f"{', '.join(mapping)}", "result.organ")
        target = mapping[organ]
        if target is None:
            continue
        y = np.asarray(ds[var].sel(organ=organ).values, dtype=float)
        r = tia(t, y, model, nuclide=nuc, decay_corrected=(var == "pct_id"))
        tia_s[target] = tia_s.get(target, 0.0) + r.value / 100.0 * 3600.0
    if "tumor" in tia_s and tumor_mass_g is None:
        tumor_mass_g = ds.attrs.get("tumor_mass_g")
        if tumor_mass_g is None:
            tia_s.pop("tumor")
    return dose_from_tia(nuc, tia_s, phantom, tumor_mass_g=tumor_mass_g, progeny=progeny,
                         alpha_rbe=alpha_rbe, activity_MBq=activity_MBq)


@lru_cache(maxsize=1)
def _tissue_weights() -> tuple[tuple[str, float, tuple[str, ...]], ...]:
    import pandas as pd

    df = pd.read_csv(package_data("dosimetry", "icrp103_tissue_weights.csv"))
    out = []
    for _, r in df.iterrows():
        organs = tuple(str(r["phantom_organs"]).split(";")) if isinstance(
            r["phantom_organs"], str) else ()
        out.append((str(r["tissue"]), float(r["w_T"]), organs))
    return tuple(out)


def effective_dose(doses: Any, alpha_fraction: Any = None) -> float:
    """ICRP-103 effective dose (Sv per unit of the input, e.g. Sv/GBq) from organ doses.

    ``doses``: a dosimetry Dataset (``dose_Gy_per_GBq``) or ``organ -> Gy``. Radiation weights
    w_R: 1 for photons and electrons, 20 for alphas (ICRP-103) — give the alpha part of each dose
    as ``alpha_fraction`` (organ -> fraction, default 0). Tissues the phantom lacks (oesophagus,
    salivary glands) take the mean dose of the others; a tissue with several organs takes their
    mean (gonads: mean of testes/ovaries present). Reference persons only (adult phantoms).

    Examples
    --------
    >>> round(effective_dose({o: 1.0 for o in ["red_marrow", "lungs", "liver"]}), 6)
    1.0
    """
    if hasattr(doses, "data_vars"):
        d = {str(o): float(v) for o, v in zip(doses.organ.values,
                                              doses.dose_Gy_per_GBq.values, strict=True)}
    else:
        d = {str(k): float(v) for k, v in doses.items()}
    af = dict(alpha_fraction or {})
    h = {o: v * (1 + 19 * float(af.get(o, 0.0))) for o, v in d.items()}
    mean_all = float(np.mean(list(h.values()))) if h else 0.0
    E = 0.0
    for _, w, organs in _tissue_weights():
        vals = [h[o] for o in organs if o in h]
        E += w * (float(np.mean(vals)) if vals else mean_all)
    return E


def bed(D_Gy: Any, alpha_beta_Gy: float, T_eff_h: float, T_rep_h: float = 1.5) -> Any:
    """Biologically effective dose of an exponentially decaying dose rate (Dale 1985).

    BED = D·[1 + D·λ/((μ + λ)·α/β)], λ = ln2/T_eff (effective half-life of the dose rate),
    μ = ln2/T_rep (sublethal-damage repair; 1.5 h typical of normal tissue, Dale, Br J Radiol
    1985;58:515; kidney α/β 2.6 Gy, T_rep 2.8 h in Barone et al., J Nucl Med 2005;46:99S).

    Examples
    --------
    >>> round(bed(20.0, 2.6, 60.0, 2.8), 2)
    26.86
    """
    D = np.asarray(D_Gy, dtype=float)
    for name, v in (("alpha_beta_Gy", alpha_beta_Gy), ("T_eff_h", T_eff_h),
                    ("T_rep_h", T_rep_h)):
        if not float(v) > 0:
            raise DesignError(f"{name}: {v!r} must be > 0", name)
    lam = math.log(2) / T_eff_h
    mu = math.log(2) / T_rep_h
    out = D * (1 + D * lam / ((mu + lam) * alpha_beta_Gy))
    return float(out) if out.ndim == 0 else out


def eqd2(D_Gy: Any, alpha_beta_Gy: float, T_eff_h: float, T_rep_h: float = 1.5) -> Any:
    """Equieffective dose in 2 Gy fractions: EQD2 = BED / (1 + 2/(α/β)).

    Examples
    --------
    >>> round(eqd2(20.0, 2.6, 60.0, 2.8), 2)
    15.18
    """
    return bed(D_Gy, alpha_beta_Gy, T_eff_h, T_rep_h) / (1 + 2 / alpha_beta_Gy)


_LIMIT_NAMES = {"Bone Marrow": "red_marrow", "Red Marrow": "red_marrow", "Liver": "liver",
                "Kidney": "kidneys", "Kidneys": "kidneys", "Lung": "lungs", "Lungs": "lungs",
                "Heart": "heart", "Heart Wall": "heart", "Brain": "brain",
                "Stomach": "stomach", "Stomach Wall": "stomach",
                "Small Intestine": "small_intestine", "Intestine": "small_intestine",
                "Urinary Bladder Wall": "urinary_bladder", "Bladder": "urinary_bladder",
                "Testes": "testes", "Skin": "skin", "Muscle": "muscle"}


@lru_cache(maxsize=1)
def _limits() -> tuple[tuple[str, float], ...]:
    import pandas as pd

    df = pd.read_csv(package_data("dosimetry", "organ_dose_limits.csv"), encoding="utf-8-sig")
    out: dict[str, float] = {}
    for name, lim in zip(df.iloc[:, 0], df.iloc[:, 1], strict=True):
        organ = _LIMIT_NAMES.get(str(name).strip())
        if organ and isinstance(lim, int | float) and math.isfinite(lim):
            out.setdefault(organ, float(lim))
    return tuple(out.items())


def max_tolerated_activity(doses: Any, limits: Mapping[str, float] | None = None,
                           rbe: bool = True) -> dict[str, Any]:
    """Maximum administered activity (GBq) keeping every organ under its dose limit.

    Limits default to ``organ_dose_limits.csv`` (Hall & Giaccia, Radiobiology for the
    Radiologist, 8th ed.: red marrow 2.5 Gy, kidneys 23 Gy, liver 30 Gy, lungs 17.5 Gy …).
    ``doses``: dosimetry Dataset (uses the RBE-weighted dose if ``rbe``) or organ -> Gy/GBq.

    Examples
    --------
    >>> mta = max_tolerated_activity({"kidneys": 0.5, "red_marrow": 0.02})
    >>> mta["limiting_organ"], round(mta["activity_GBq"], 1)
    ('kidneys', 46.0)
    """
    if hasattr(doses, "data_vars"):
        var = "dose_rbe_Gy_per_GBq" if rbe else "dose_Gy_per_GBq"
        d = {str(o): float(v) for o, v in zip(doses.organ.values, doses[var].values,
                                              strict=True)}
    else:
        d = {str(k): float(v) for k, v in doses.items()}
    lim = dict(limits) if limits is not None else dict(_limits())
    per = {o: lim[o] / d[o] for o in lim if o in d and d[o] > 0}
    if not per:
        raise DesignError("doses: no organ with a dose limit has a dose; include kidneys, "
                          "red_marrow, liver …", "doses")
    organ = min(per, key=lambda o: per[o])
    return {"activity_GBq": per[organ], "limiting_organ": organ, "per_organ_GBq": per}


def therapeutic_indices(doses: Any) -> dict[str, float]:
    """Tumour-to-organ dose ratios (tumour/kidneys, tumour/red marrow or skeleton, tumour/liver).

    Examples
    --------
    >>> therapeutic_indices({"tumor": 10.0, "kidneys": 2.0, "liver": 5.0, "red_marrow": 1.0})
    {'tumor_to_kidneys': 5.0, 'tumor_to_marrow': 10.0, 'tumor_to_liver': 2.0}
    """
    if hasattr(doses, "data_vars"):
        d = {str(o): float(v) for o, v in zip(doses.organ.values,
                                              doses.dose_Gy_per_GBq.values, strict=True)}
    else:
        d = {str(k): float(v) for k, v in doses.items()}
    if "tumor" not in d:
        raise DesignError("doses: no 'tumor' dose; give the tumour TIA and mass", "doses")
    marrow = d.get("red_marrow", d.get("skeleton"))
    out = {}
    for name, ref in (("kidneys", d.get("kidneys")), ("marrow", marrow),
                      ("liver", d.get("liver"))):
        if ref:
            out[f"tumor_to_{name}"] = d["tumor"] / ref
    return out


def mouse_to_human(times_h: Any, pct_id_per_g: Any, organ: str, *, mouse_body_g: float = 25.0,
                   human_phantom: str = "adult_male", time_scaling: bool = True
                   ) -> dict[str, Any]:
    """Extrapolate a mouse organ curve (%ID/g, decay-corrected) to the reference human.

    Relative mass scaling (Kirschner et al., J Nucl Med 1975;16:248):
    (%ID/organ)_human = (%ID/g)_mouse · m_body,mouse/m_body,human · m_organ,human.
    Allometric time scaling (optional): t_human = t_mouse · (m_body,human/m_body,mouse)^0.25
    (Sparks & Aydogan 1999). EXTRAPOLATION — labelled as such; uncertain by a factor ~2.

    Examples
    --------
    >>> out = mouse_to_human([1, 24], [10.0, 5.0], "liver")
    >>> out["label"], round(float(out["pct_id"][0]), 2)
    ('extrapolated from mouse (relative mass + allometric time scaling)', 6.16)
    """
    masses = _masses(_check_phantom(human_phantom), None)
    if organ not in masses:
        raise DesignError(f"organ: {organ!r} not in {human_phantom}", "organ")
    M_h = masses["total_body"]
    f = np.asarray(pct_id_per_g, dtype=float) * mouse_body_g / M_h * masses[organ]
    t = np.asarray(times_h, dtype=float)
    if time_scaling:
        t = t * (M_h / mouse_body_g) ** 0.25
    label = "extrapolated from mouse (relative mass" + (
        " + allometric time scaling)" if time_scaling else " scaling)")
    return {"times_h": t, "pct_id": f, "organ": organ, "label": label}
