"""The analyses behind the report and the web app, on nanotwin's public APIs.

Each function runs what the matching command runs, so the app, the report and the CLI agree:

* :func:`biodistribution` - ``nanotwin simulate`` (:func:`nanotwin.simulate`, the summary of
  :mod:`nanotwin.pbpk.summary`);
* :func:`doses` - ``nanotwin dose DESIGN`` (the design branch of
  :func:`nanotwin.dosimetry.cli.dose`: nuclide, phantom, tumour mass and activity chosen the same
  way, then :func:`nanotwin.dosimetry.dose_from_result`), plus the maximum tolerated activity and
  therapeutic indices of :mod:`nanotwin.dosimetry`;
* :func:`images` - ``nanotwin image`` (:func:`nanotwin.imaging.prepare`, ``make_phantom``,
  :func:`nanotwin.imaging.simulate` per modality and time, :func:`nanotwin.imaging.quantify`);
* :func:`sweep` - ``nanotwin optimize`` (:func:`nanotwin.population.run_sweep` or
  :func:`~nanotwin.population.optimize` on a study whose design is this one);
* :func:`assumptions`, :func:`provenance`, :func:`validation_status` - what the report states
  about defaults, versions and the validation of each model used.
"""

from __future__ import annotations

import platform
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["biodistribution", "doses", "images", "sweep", "assumptions", "provenance",
           "validation_status", "ImageSet", "TABLE_TIMES", "SWEEP_VARIABLES", "quiet_design"]

#: Times (h) of the %ID and %ID/g tables (those of ``nanotwin simulate``).
TABLE_TIMES = (1.0, 4.0, 24.0, 72.0, 168.0)

#: Sweep variables and their units (see :mod:`nanotwin.population.sweep`).
SWEEP_VARIABLES = {"size": "nm", "zeta": "mV", "peg_density": "chains/nm²",
                   "ligand_density": "copies/particle"}

Progress = Callable[[float, str], None]


def _noop(_f: float, _m: str) -> None:
    return None


def quiet_design(source: Any) -> tuple[Any, list[str]]:
    """Load a design, collecting its :class:`~nanotwin.errors.DesignWarning` texts."""
    import warnings

    from nanotwin import DesignWarning, load_design

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DesignWarning)
        design = load_design(source)
    return design, [str(w.message) for w in caught if issubclass(w.category, DesignWarning)]


def biodistribution(design: Any, *, species: str | None = None) -> dict[str, Any]:
    """Simulate a design (PBPK) and tabulate it as ``nanotwin simulate`` does.

    Returns
    -------
    dict
        ``result`` (the xarray Dataset), ``summary`` (blood half-lives, AUC, DE24/DE168/DEmax,
        tumour-to-organ ratios, best contrast time; :func:`nanotwin.pbpk.summary.summary`),
        ``summary_units``, ``table`` (rows organ, %ID and %ID/g at :data:`TABLE_TIMES`).
    """
    import nanotwin
    from nanotwin.pbpk.summary import SUMMARY_UNITS, summary

    ds = nanotwin.simulate(design, species=species)
    t_max = float(ds["time"].values[-1])
    times = [t for t in TABLE_TIMES if t <= t_max]
    rows = []
    for o in ds["organ"].values:
        pid = ds["pct_id"].sel(organ=o).interp(time=times).values
        pig = ds["pct_id_per_g"].sel(organ=o).interp(time=times).values
        rows.append({"organ": str(o), "pct_id": [float(v) for v in pid],
                     "pct_id_per_g": [float(v) if np.isfinite(v) else None for v in pig]})
    s = {k: float(v) for k, v in summary(ds).items()}
    return {"result": ds, "summary": s, "summary_units": dict(SUMMARY_UNITS),
            "table": {"times_h": times, "rows": rows}}


def doses(design: Any, result: Any, *, phantom: str | None = None,
          activity_MBq: float | None = None, alpha_rbe: float = 5.0) -> dict[str, Any]:
    """Organ and tumour doses of a simulated design (the ``nanotwin dose DESIGN`` path).

    Returns
    -------
    dict
        ``result`` (dosimetry Dataset), ``rows`` (organ, Gy/GBq, Gy(RBE)/GBq, Gy, Gy(RBE)),
        ``nuclide``, ``phantom``, ``activity_MBq``, ``tumor_mass_g``, ``mta`` (maximum
        tolerated activity: GBq, limiting organ) and ``indices`` (tumour-to-organ ratios).

    Raises
    ------
    DesignError
        If the design has no radiolabel.
    """
    from nanotwin.dosimetry import dose_from_result, max_tolerated_activity, therapeutic_indices
    from nanotwin.physics import canonical_nuclide

    if not design.radiolabels:
        raise DesignError("radiolabels: the design has no radiolabel; add one (e.g. Lu-177 with "
                          "DOTA) to compute doses")
    nuc = canonical_nuclide(design.radiolabels[0].nuclide)
    ph = phantom or ("mouse_25g" if design.subject.species == "mouse" else "adult_male")
    tm = None
    if design.subject.tumor is not None:
        tm = design.subject.tumor.mass or (design.subject.tumor.volume / 1000.0 * 1.03
                                           if design.subject.tumor.volume else None)
    act = activity_MBq or design.administration.injected_activity
    ds = dose_from_result(result, nuc, ph, tumor_mass_g=tm, alpha_rbe=alpha_rbe,
                          activity_MBq=act)
    rows = []
    for i, organ in enumerate(ds.organ.values):
        row = {"organ": str(organ), "Gy_per_GBq": float(ds.dose_Gy_per_GBq[i]),
               "Gy_RBE_per_GBq": float(ds.dose_rbe_Gy_per_GBq[i])}
        if "dose_Gy" in ds:
            row["Gy"] = float(ds.dose_Gy[i])
            row["Gy_RBE"] = float(ds.dose_rbe_Gy[i])
        rows.append(row)
    try:
        mta = max_tolerated_activity(ds)
        mta = {"activity_GBq": float(mta["activity_GBq"]),
               "limiting_organ": mta["limiting_organ"]}
    except DesignError as exc:
        mta = {"note": str(exc)}
    try:
        idx = {k: float(v) for k, v in therapeutic_indices(ds).items()}
    except DesignError as exc:
        idx = {"note": str(exc)}
    return {"result": ds, "rows": rows, "nuclide": nuc, "phantom": ph, "activity_MBq": act,
            "tumor_mass_g": tm, "mta": mta, "indices": idx, "alpha_rbe": alpha_rbe}


@dataclass
class ImageSet:
    """Simulated images of one design: ``images[(modality, time_h)]``, the phantom and the ROI
    quantification rows (as ``nanotwin image`` writes them to quantification.csv)."""

    images: dict[tuple[str, float], Any]
    phantom: Any
    agent: Any
    quantification: list[dict[str, Any]] = field(default_factory=list)

    @property
    def modalities(self) -> list[str]:
        return sorted({m for m, _ in self.images})

    @property
    def times(self) -> list[float]:
        return sorted({t for _, t in self.images})


def images(design: Any, modalities: Sequence[str] = ("PET", "CT"),
           times_h: Sequence[float] = (1.0, 24.0, 48.0), *, voxel_mm: float | None = None,
           noise: bool = True, seed: int = 0, progress: Progress = _noop) -> ImageSet:
    """Images of a design for each modality and time (the ``nanotwin image`` path)."""
    from nanotwin.imaging import make_phantom, prepare, quantify
    from nanotwin.imaging import simulate as img_simulate
    from nanotwin.imaging.api import _norm_modality

    mods = [_norm_modality(m) for m in modalities]
    ts = [float(t) for t in times_h]
    if not mods or not ts:
        raise DesignError("images: choose at least one modality and one time")
    table, agent = prepare(design, None, ts)
    ph = make_phantom(agent.species, voxel_mm, agent.body_weight_g, agent.tumor_volume_mm3)
    out: dict[tuple[str, float], Any] = {}
    rows: list[dict[str, Any]] = []
    n = len(mods) * len(ts)
    for m in mods:
        for t in ts:
            progress(len(out) / n, f"{m} at {t:g} h")
            im = img_simulate(table, m, t, agent=agent, phantom=ph, noise=noise, seed=seed)
            out[(m, t)] = im
            if im.array.ndim == 3:
                rows.extend({"modality": m, "time_h": t, **r}
                            for r in quantify(im, ph, agent=agent))
    return ImageSet(out, ph, agent, rows)


def sweep(design_mapping: Mapping[str, Any], spec: Mapping[str, Any]) -> Any:
    """A design sweep (and NSGA-II refinement when ``spec["generations"] > 0``) around a design.

    ``spec`` holds the ``sweep`` section of a study file (variables, n, method, nuclides,
    objectives, constraints, generations, population) and optionally ``therapy_activity``,
    ``seed`` and ``times``. The design is written to a temporary folder as the study's design
    file, and :func:`nanotwin.population.run_sweep` / :func:`~nanotwin.population.optimize` run
    on that study, as ``nanotwin optimize`` would.
    """
    import tempfile
    from pathlib import Path

    import yaml

    from nanotwin.population import load_study, optimize, run_sweep

    spec = dict(spec)
    study: dict[str, Any] = {"name": "web sweep", "design": "design.yaml",
                             "n_subjects": 1, "seed": int(spec.pop("seed", 0))}
    for key in ("therapy_activity", "times", "species"):
        if key in spec:
            study[key] = spec.pop(key)
    study["sweep"] = spec
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "design.yaml").write_text(yaml.safe_dump(dict(design_mapping),
                                                            sort_keys=False))
        study["base_dir"] = d
        st = load_study(study)
        if st.sweep is not None and st.sweep.generations > 0:
            return optimize(st)
        return run_sweep(st)


def _leaves(obj: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            out.update(_leaves(v, f"{prefix}{k}."))
    elif isinstance(obj, list | tuple) and obj and all(isinstance(x, Mapping) for x in obj):
        for i, v in enumerate(obj):
            out.update(_leaves(v, f"{prefix}{i}."))
    else:
        out[prefix.rstrip(".")] = obj
    return out


def assumptions(design_mapping: Mapping[str, Any], design: Any,
                result: Any = None) -> list[dict[str, str]]:
    """Defaults used (fields the design did not give, with the value nanotwin used) and the
    model's own choices recorded in the result (``meta_*`` attributes, e.g. the dose source).

    Examples
    --------
    >>> from nanotwin.pbpk import demo_design_mapping
    >>> m = demo_design_mapping()
    >>> d, _ = quiet_design(m)
    >>> rows = assumptions(m, d)
    >>> any(r["what"] == "nanoparticle.shape" and r["value"] == "sphere" for r in rows)
    True
    """
    from nanotwin.design.forms import find_field, form_spec

    spec = form_spec()
    given = _leaves(design_mapping)
    used = _leaves(design.model_dump(mode="json"))
    rows = []
    for path, value in used.items():
        if path in given or value is None or value == [] or value == ():
            continue
        # a sub-object the user left out entirely (e.g. no tumour) is not a default value
        f = find_field(spec, path)
        if f is None:
            continue
        unit = ""
        text = f"{value:g}" if isinstance(value, float) else str(value)
        if f.kind == "quantity" and f.append_unit:
            unit = f.append_unit.replace("**3", "³").replace("**2", "²").replace("1/mM/s",
                                                                               "1/(mM·s)")
        rows.append({"what": path, "value": f"{text} {unit}".strip(),
                     "source": "nanotwin default (not given in the design)"})
    if result is not None:
        for k, v in result.attrs.items():
            if k.startswith("meta_") and k not in ("meta_design_name",):
                rows.append({"what": k[5:].replace("_", " "), "value": str(v),
                             "source": "PBPK model (nanotwin.pbpk.build_parameters)"})
    return rows


def provenance(design: Any, *results: Any) -> dict[str, str]:
    """Version, hashes and data versions: the result attributes plus the software stack."""
    from importlib.metadata import PackageNotFoundError, version

    import nanotwin
    from nanotwin.results import data_versions, stable_hash

    out: dict[str, str] = {"nanotwin version": nanotwin.__version__,
                           "design hash": stable_hash(design),
                           "python": platform.python_version(),
                           "platform": platform.platform(terse=True)}
    for ds in results:
        if ds is None:
            continue
        kind = ds.attrs.get("nanotwin_kind", "result")
        for k, v in ds.attrs.items():
            if k in ("parameter_hash", "design_hash"):
                out[f"{kind} {k.replace('_', ' ')}"] = str(v)
            elif k.startswith("data_version") or k in ("nuclear_data", "cross_dose"):
                out[k.replace("data_version: ", "data: ")] = str(v)
    for k, v in data_versions().items():
        out.setdefault(f"data: {k}", str(v))
    for pkg in ("numpy", "scipy", "xarray", "pint", "pydantic", "radioactivedecay",
                "icrp107-database", "pydicom", "nibabel", "spekpy", "xraydb", "numba"):
        try:
            out[f"package {pkg}"] = version(pkg)
        except PackageNotFoundError:
            continue
    return out


def _live(check: Callable[[], list[dict[str, Any]]]) -> tuple[list[dict[str, Any]], str]:
    try:
        return check(), ""
    except DesignError as exc:
        return [], f"not run here: {exc}"


def _pbpk_checks() -> list[dict[str, Any]]:
    from nanotwin.pbpk.validation import physics_checks

    return [{"check": r["check"], "value": r["value"], "passed": bool(r["passed"])}
            for r in physics_checks()]


def _dosimetry_checks() -> list[dict[str, Any]]:
    from nanotwin.dosimetry.validation import validate_spheres

    df = validate_spheres()
    rows = []
    for (dset, nuc), g in df.groupby(["dataset", "nuclide"], sort=False):
        e = g["rel_error"].abs()
        rows.append({"check": f"sphere S-values vs OLINDA: {nuc} ({dset}, n = {len(g)})",
                     "value": f"max |error| {100 * e.max():.2f} %, tolerance "
                              f"{100 * g['tolerance'].max():.0f} %",
                     "passed": bool(g["passed"].all())})
    return rows


def _imaging_checks() -> list[dict[str, Any]]:
    from nanotwin.imaging.modalities import hu_per_mg_per_mL, water_equivalent_diameter_mm
    from nanotwin.imaging.phantom import make_phantom

    ph = make_phantom("human")
    z = int(np.argmax(ph.mask("liver").sum(axis=(0, 1))))
    L = float(water_equivalent_diameter_mm(ph, "clinical_ct")[z])
    rows = []
    # published CT slopes (HU per mg/mL), as in tests/imaging and docs/imaging.md
    for el, kvp, ref, src in (("Au", 140.0, 27.0, "Boote et al., Acad Radiol 2010;17:410"),
                              ("Au", 80.0, 22.0, "Boote et al., Acad Radiol 2010;17:410"),
                              ("I", 120.0, 25.0, "Bae, Radiology 2010;256:32")):
        s = float(hu_per_mg_per_mL(el, kvp, 6.0, L))
        rows.append({"check": f"CT slope {el} {kvp:g} kVp vs {ref:g} HU per mg/mL ({src})",
                     "value": f"{s:.1f} HU per mg/mL ({100 * (s / ref - 1):+.0f} %; tolerance "
                              "10 %)", "passed": abs(s / ref - 1) <= 0.10})
    return rows


#: Models the report can use: what each is validated against, its command and documentation.
MODELS: dict[str, dict[str, Any]] = {
    "pbpk": {
        "model": "whole-body nanoparticle PBPK (nanotwin.pbpk)",
        "validated against": "Lin-structure regression on published tumour delivery "
                             "(Chou et al. 2023 data), published example probes, physics checks",
        "command": "nanotwin validation pbpk", "doc": "docs/pbpk.md",
        "status": "validated with known gaps (see the doc): predictions of single designs can "
                  "be several-fold off",
        "live": _pbpk_checks},
    "dosimetry": {
        "model": "MIRD dosimetry, S-values from ICRP-107 emissions (nanotwin.dosimetry)",
        "validated against": "OLINDA sphere S-value tables (shared/data/dosimetry)",
        "command": "nanotwin validation dosimetry", "doc": "docs/dosimetry.md",
        "status": "sphere self-doses validated; organ cross-dose is approximate",
        "live": _dosimetry_checks},
    "imaging": {
        "model": "image-space PET/SPECT/CT/MRI/optical models (nanotwin.imaging)",
        "validated against": "analytic phantoms (tests/imaging), published CT contrast slopes",
        "command": "pytest tests/imaging", "doc": "docs/imaging.md",
        "status": "quantitative in ROIs; simplified noise and no scatter (see the doc)",
        "live": _imaging_checks},
    "population": {
        "model": "batched PBPK solver, sweeps and NSGA-II optimisation (nanotwin.population)",
        "validated against": "libRoadRunner and LSODA on the same model",
        "command": "python benchmarks/population_bench.py", "doc": "docs/population.md",
        "status": "solver agrees with libRoadRunner; inherits the PBPK model's validation",
        "live": None},
}


def validation_status(models: Sequence[str], *, live: bool = True) -> list[dict[str, Any]]:
    """For each model used: what it is validated against, its status, the command that
    reproduces the numbers, and (when ``live``) quick checks run now, with pass/fail."""
    out = []
    for key in models:
        info = dict(MODELS[key])
        check = info.pop("live")
        rows, note = ([], "") if not (live and check) else _live(check)
        if check is None:
            note = "no quick check; run the command"
        elif not live:
            note = "live checks skipped (--no-checks)"
        info["checks"] = rows
        info["checks_note"] = note
        info["key"] = key
        out.append(info)
    return out
