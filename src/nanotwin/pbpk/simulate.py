"""``simulate(design)``: the whole-body time course of a design as a labelled xarray Dataset."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from nanotwin.errors import DesignError
from nanotwin.pbpk.model import LABEL_STATES, PARTICLE_STATES, organ_of_state, solve
from nanotwin.pbpk.parameters import build_parameters
from nanotwin.pbpk.physiology import ORGANS, TISSUES

__all__ = ["simulate", "mass_balance", "demo_design", "default_times", "STANDARD_TIMES",
           "organ_masses_g", "RHO_BLOOD"]

#: Standard sampling times (h) of biodistribution studies.
STANDARD_TIMES = (0.0, 0.083, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 12.0, 24.0, 48.0, 72.0, 96.0,
                  120.0, 144.0, 168.0)


def default_times(t_end: float = 168.0) -> np.ndarray:
    """Standard times plus dense points for plots, 0..``t_end`` h.

    Examples
    --------
    >>> t = default_times()
    >>> float(t[0]), float(t[-1]), 24.0 in t
    (0.0, 168.0, True)
    """
    dense = np.concatenate([np.linspace(0.0, 4.0, 17), np.linspace(4.0, t_end, 45)])
    t = np.union1d(np.array(STANDARD_TIMES), dense)
    return t[t <= t_end]


def _load(design: Any) -> Any:
    from nanotwin.design import Design, load_design

    if isinstance(design, Design):
        return design
    return load_design(design)


def _aggregate(Y: np.ndarray, states: tuple[str, ...], offset: int = 0) -> np.ndarray:
    out = np.zeros((len(ORGANS), Y.shape[1]))
    idx = {o: i for i, o in enumerate(ORGANS)}
    for j, s in enumerate(states):
        out[idx[organ_of_state(s)]] += Y[offset + j]
    return out


#: Whole-blood density, g/mL (ICRP Publication 89, 2002: 1.06).
RHO_BLOOD = 1.06


def simulate(design: Any, species: str | None = None, times: Any = None, *,
             overrides: Mapping[str, Any] | None = None, rtol: float = 1e-8,
             atol: float = 1e-12, mechanisms: Any = None) -> Any:
    """Simulate the biodistribution of a design.

    Parameters
    ----------
    design
        A :class:`~nanotwin.design.Design`, a mapping (quantities with units) or a file path.
    species
        ``"mouse"``, ``"rat"``, ``"human"``; ``None`` = ``design.subject.species``.
    times
        Output times in h (increasing, >= 0); default :func:`default_times`.
    overrides
        Replace named parameters (see :func:`nanotwin.pbpk.parameter_names`).
    mechanisms
        Global mechanism constants: ``None`` (calibrated posterior median), ``"prior"`` (the
        uncalibrated literature values) or a mapping (:mod:`nanotwin.pbpk.mechanisms`).
    rtol, atol
        Solver tolerances.

    Returns
    -------
    xarray.Dataset
        ``pct_id`` and ``pct_id_per_g`` of the particle over ``organ`` x ``time``,
        ``organ_mass_g``. Organ values include the organ's residual blood (unperfused
        dissection); organ ``blood`` is the circulating pool of the large vessels (arterial +
        venous), and its ``pct_id_per_g`` is the whole-blood concentration (%ID per g of
        blood); ``blood_pct_id_per_mL_plasma`` is the plasma concentration (particles stay in
        plasma) and ``blood_pct_id_total`` the particles in the whole blood volume (large vessels
        and every organ's vascular blood; what papers report as "%ID in blood"). With a
        radiolabel also ``activity_pct_id`` (not decay-corrected),
        ``activity_pct_id_decay_corrected``, ``activity_pct_id_per_g``, ``activity_decayed_pct``,
        ``progeny_activity_pct_id`` and ``activity_MBq`` (if an injected activity is given);
        with a payload ``drug_encapsulated_pct`` and ``drug_free_pct``.

    Examples
    --------
    >>> ds = simulate(demo_design(), times=[0.0, 1.0, 24.0])
    >>> ds["pct_id"].dims, ds["time"].attrs["units"]
    (('organ', 'time'), 'h')
    >>> bool(abs(float(ds["pct_id"].sum("organ")[-1]) - 100.0) < 1e-6)
    True
    """
    from nanotwin.results import make_result

    design = _load(design)
    p = build_parameters(design, species, overrides, mechanisms=mechanisms)
    t = default_times() if times is None else np.asarray(times, dtype=float)
    if t.ndim != 1 or t.size == 0:
        raise DesignError("times: give a 1-D list of hours, e.g. [0, 1, 24]", "times")
    # the compiled Rosenbrock kernel (nanotwin.solver); agrees with Radau, see docs/performance.md
    Y = solve(p, t, rtol=rtol, atol=atol, method="rodas5p")
    nP = len(PARTICLE_STATES)
    pct = _aggregate(Y[:nP], PARTICLE_STATES)
    mass = organ_masses_g(p)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_g = pct / mass[:, None]
    dims = ("organ", "time")
    c_blood = per_g[ORGANS.index("blood")] * RHO_BLOOD  # %ID per mL of whole blood
    vascular = [j for j, s in enumerate(PARTICLE_STATES) if s in ("art", "ven") or s.endswith(
        "_b")]
    in_blood = Y[vascular].sum(axis=0)  # large vessels + every organ's vascular blood
    data: dict[str, tuple] = {
        "pct_id": (dims, pct, "%ID", "particles, % of injected dose (organs with their residual "
                   "blood; blood = the large-vessel pool)"),
        "pct_id_per_g": (dims, per_g, "%ID/g", "particles per gram of organ (blood: whole-blood "
                         "concentration of the circulating pool)"),
        "organ_mass_g": (("organ",), mass, "g", "organ mass (blood: large-vessel blood, "
                         f"{RHO_BLOOD} g/mL)"),
        "blood_pct_id_per_mL_plasma": (("time",), c_blood / (1.0 - p.Hct), "%ID/mL",
                                       "plasma concentration of particles"),
        "blood_pct_id_total": (("time",), in_blood, "%ID", "particles in the whole blood volume "
                               "(large vessels + the vascular blood of every organ)"),
    }
    coords: dict[str, Any] = {"organ": list(ORGANS), "time": ("time", t, "h")}
    attrs = {f"meta_{k}": (str(v) if isinstance(v, bool) else v) for k, v in p.meta.items()
             if v is not None}
    attrs["species"] = p.meta["species"]
    lab = design.radiolabel
    if lab is not None:
        from nanotwin.physics import activities, progeny

        intact = np.exp(-p.k_det * t)
        body = pct.copy()
        body[[ORGANS.index(o) for o in ("urine", "feces", "degraded")]] = 0.0
        act_dc = p.f_rcp * intact * body + _aggregate(Y[nP:], LABEL_STATES, 0)
        decay = np.exp(-p.lambda_phys * t)
        act = act_dc * decay
        with np.errstate(invalid="ignore", divide="ignore"):
            act_g = act / mass[:, None]
        data["activity_pct_id_decay_corrected"] = (dims, act_dc, "%IA",
                                                   "activity, % of injected, decay-corrected")
        data["activity_pct_id"] = (dims, act, "%IA", "activity, % of injected (not corrected)")
        data["activity_pct_id_per_g"] = (dims, act_g, "%IA/g", "activity per gram (not corr.)")
        data["activity_decayed_pct"] = (("time",), 100.0 * (1.0 - decay), "%IA",
                                        "injected activity decayed by time t")
        members = list(progeny(lab.nuclide))
        if members:
            chain = activities(lab.nuclide, t)
            members = [m for m in members if m in chain]
            prog = np.stack([act_dc * chain[m][None, :] for m in members])
            coords["progeny"] = members
            data["progeny_activity_pct_id"] = (
                ("progeny", "organ", "time"), prog, "%IA",
                "progeny activity (in situ with the parent), % of injected parent activity")
        A_inj = design.administration.injected_activity
        if A_inj is not None:
            A0 = A_inj * math.exp(p.lambda_phys * design.administration.calibration_time)
            data["activity_MBq"] = (dims, act / 100.0 * A0, "MBq", "activity in MBq")
        attrs["nuclide"] = lab.nuclide
    if design.payloads:
        from nanotwin.pbpk.payload import drug_time_course

        enc, free = drug_time_course(design, p, t, Y[:nP], rtol=rtol, atol=atol)
        data["drug_encapsulated_pct"] = (dims, enc, "%", "encapsulated drug, % of administered")
        data["drug_free_pct"] = (dims, free, "%", "released (free) drug, % of administered")
        attrs["drug"] = design.payloads[0].drug
    return make_result(data, coords=coords, kind="biodistribution", design=design,
                       parameters=dict(p.values), attrs=attrs)


def organ_masses_g(p: Any) -> np.ndarray:
    """Mass (g) of every organ of ``ORGANS`` for one parameter set; NaN for the sinks.

    Tissues at density 1 g/mL (mL ~ g); blood is the large-vessel pool (arterial + venous) at
    the whole-blood density :data:`RHO_BLOOD`, so that its %ID/g is the circulating
    concentration.

    Examples
    --------
    >>> from nanotwin.pbpk import build_parameters
    >>> p = build_parameters(demo_design())
    >>> m = organ_masses_g(p)
    >>> bool(abs(m[ORGANS.index("blood")] - RHO_BLOOD * (p.V_art + p.V_ven)) < 1e-12)
    True
    """
    mass = np.full(len(ORGANS), np.nan)
    for i, o in enumerate(ORGANS):
        if o == "blood":
            mass[i] = RHO_BLOOD * (p.V_art + p.V_ven)
        elif o in TISSUES and p.values[f"V_{o}"] > 0:
            mass[i] = p.values[f"V_{o}"]  # mL ~ g (density 1)
    return mass


def mass_balance(ds: Any) -> dict[str, float]:
    """Largest deviation (in %) of the dose balance over time.

    Particles: ``sum over organs (incl. urine, faeces) of pct_id = 100``. Activity (when present):
    ``body + excreted (not decay-corrected) + decayed = 100``.

    Examples
    --------
    >>> ds = simulate(demo_design(), times=[0.0, 24.0, 168.0])
    >>> all(v < 1e-6 for v in mass_balance(ds).values())
    True
    """
    out = {"particle": float(np.max(np.abs(ds["pct_id"].sum("organ").values - 100.0)))}
    if "activity_pct_id" in ds:
        tot = ds["activity_pct_id"].sum("organ").values + ds["activity_decayed_pct"].values
        out["activity"] = float(np.max(np.abs(tot - 100.0)))
    if "drug_encapsulated_pct" in ds:
        tot = ds["drug_encapsulated_pct"].sum("organ") + ds["drug_free_pct"].sum("organ")
        out["drug"] = float(np.max(np.abs(tot.values - 100.0)))
    return out


def demo_design_mapping() -> dict[str, Any]:
    """The built-in example design as a mapping with units (what a design file would hold).

    A 100 nm PEGylated, 64Cu-NOTA-labelled liposome in a mouse with a s.c. xenograft. Values after
    the 64Cu-liposomes of Petersen et al., Biomaterials 2011;32:2334 (about 100 nm, 2 kDa PEG,
    near-neutral zeta potential) at a typical PET dose (10 MBq) and lipid dose (~10 mg/kg) in a
    20 g mouse with a 0.2 g subcutaneous tumour.

    Examples
    --------
    >>> demo_design_mapping()["nanoparticle"]["hydrodynamic_diameter"]
    '100 nm'
    """
    return {
        "name": "demo: 64Cu PEG-liposome, 100 nm",
        "references": ["Petersen AL et al. Biomaterials 2011;32:2334"],
        "nanoparticle": {"platform": "liposome", "hydrodynamic_diameter": "100 nm",
                         "zeta_potential": "-5 mV",
                         "coating": {"peg": {"molecular_weight": "2 kDa"}}},
        "radiolabels": [{"nuclide": "Cu-64", "strategy": "chelator", "chelator": "NOTA"}],
        "administration": {"route": "iv", "dose_mg_per_kg": "10 mg/kg",
                           "injected_activity": "10 MBq"},
        "subject": {"species": "mouse", "body_weight": "20 g",
                    "tumor": {"model": "U87MG", "site": "subcutaneous", "mass": "0.2 g"}},
    }


def demo_design() -> Any:
    """The built-in example design (see :func:`demo_design_mapping`), validated.

    Examples
    --------
    >>> demo_design().nanoparticle.hydrodynamic_diameter
    100.0
    """
    from nanotwin.design import load_design

    return load_design(demo_design_mapping())
