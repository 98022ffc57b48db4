"""The link back to the twin: what a batch's measured size, PDI and RCP predict, versus target.

The batch's measured hydrodynamic diameter (DLS z-average), PDI, zeta potential and radiochemical
purity replace the target design's values (``design.model_copy(update=...)``), and both are
simulated with the public PBPK API (:func:`nanotwin.simulate`) and dosed with
:func:`nanotwin.dosimetry.dose_from_result`.

Polydispersity: the PBPK model takes one diameter, so a batch of PDI > 0 is represented as a
log-normal size distribution whose log-variance follows from the PDI, σ_ln² = ln(1 + PDI) (for a
log-normal, PDI = (σ/mean)², the ISO 22412 definition of the polydispersity index from the
second cumulant), with median at the z-average. The distribution is integrated with
``n_nodes`` Gauss-Hermite points; each size fraction is simulated at the full dose and the
fractions are averaged with the quadrature weights. This is an approximation: DLS sizes are
intensity-weighted, and saturable uptake sees the whole dose, not each fraction.

Particle-bound activity is ``RCP · exp(−k_det t) · %ID(t)`` of the particles in the body (the rest
of the injected activity is free label, simulated by the PBPK model's free-radiometal
kinetics), the quantity a lower RCP lowers in proportion.

The drug payload's release kinetics are not re-simulated by default (``include_payload=False``):
the batch link concerns carrier and label.

Examples
--------
>>> d, w = size_distribution(100.0, 0.1, n_nodes=3)
>>> round(float(w.sum()), 12), round(float(np.exp((w * np.log(d)).sum())), 9)
(1.0, 100.0)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["batch_design", "size_distribution", "twin_compare", "summary_table", "dose_table"]

_DEFAULT_TIMES = (0.0, 0.5, 1.0, 4.0, 24.0, 48.0, 96.0, 168.0)


def size_distribution(z_average: float, pdi: float | None, n_nodes: int = 3
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Hermite diameters and weights of a log-normal size distribution.

    Returns ``([z_average], [1.0])`` for PDI 0 or ``None``.

    Examples
    --------
    >>> size_distribution(80.0, 0.0)
    (array([80.]), array([1.]))
    """
    if not (math.isfinite(z_average) and z_average > 0):
        raise DesignError("z_average: must be > 0 nm", "z_average")
    if pdi is None or pdi == 0:
        return np.array([float(z_average)]), np.array([1.0])
    if not 0 < pdi <= 1:
        raise DesignError(f"pdi: {pdi!r} must lie in [0, 1]", "pdi")
    if n_nodes < 1:
        raise DesignError("n_nodes: must be >= 1", "n_nodes")
    x, w = np.polynomial.hermite_e.hermegauss(int(n_nodes))
    w = w / w.sum()
    s = math.sqrt(math.log1p(float(pdi)))
    return float(z_average) * np.exp(s * x), w


def _measured(batch: Any, attr: str) -> float | None:
    m = batch.measurement(attr)
    if m is None or not isinstance(m.value, float):
        return None
    return float(m.value)


def batch_design(design: Any, batch: Any) -> Any:
    """The target design with the batch's measured size, PDI, zeta potential and RCP.

    Examples
    --------
    >>> from nanotwin.pbpk import demo_design
    >>> from nanotwin.qc.batch import load_batch
    >>> b = load_batch({"batch_id": "B", "platform": "liposome", "manufactured":
    ...                 "2025-01-01T00:00Z", "measurements": {"z_average": "112 nm", "rcp": 91}})
    >>> d = batch_design(demo_design(), b)
    >>> d.nanoparticle.hydrodynamic_diameter, d.radiolabels[0].radiochemical_purity
    (112.0, 0.91)
    """
    np_update: dict[str, Any] = {}
    z = _measured(batch, "z_average")
    if z is not None:
        if not 0.5 <= z <= 10000:
            raise DesignError(f"batch z_average {z:g} nm is outside 0.5 nm – 10 µm", "z_average")
        np_update["hydrodynamic_diameter"] = z
    p = _measured(batch, "pdi")
    if p is not None:
        if not 0 <= p <= 1:
            raise DesignError(f"batch pdi {p:g} must lie in [0, 1]", "pdi")
        np_update["pdi"] = p
    zeta = _measured(batch, "zeta_potential")
    if zeta is not None:
        if abs(zeta) > 150:
            raise DesignError(f"batch zeta potential {zeta:g} mV: |zeta| must be <= 150",
                              "zeta_potential")
        np_update["zeta_potential"] = zeta
    update: dict[str, Any] = {"name": f"{design.name} [batch {batch.batch_id}]"}
    if np_update:
        update["nanoparticle"] = design.nanoparticle.model_copy(update=np_update)
    rcp = _measured(batch, "rcp")
    if rcp is not None:
        if not design.radiolabels:
            raise DesignError("batch rcp: the target design has no radiolabel; remove rcp or add "
                              "a radiolabel to the design", "rcp")
        if not 0 <= rcp <= 100:
            raise DesignError(f"batch rcp {rcp:g} % must lie in 0-100 %", "rcp")
        first = design.radiolabels[0].model_copy(update={"radiochemical_purity": rcp / 100.0})
        update["radiolabels"] = (first, *design.radiolabels[1:])
    return design.model_copy(update=update)


def _simulate_mixture(design: Any, species: str | None, times: np.ndarray, n_nodes: int,
                      cache: dict[str, Any]) -> dict[str, np.ndarray]:
    import nanotwin
    from nanotwin.pbpk import build_parameters
    from nanotwin.results import stable_hash

    d_np = design.nanoparticle
    diam, w = size_distribution(d_np.hydrodynamic_diameter, d_np.pdi, n_nodes)
    acc: dict[str, np.ndarray] = {}
    template = None
    for di, wi in zip(diam, w, strict=True):
        node = design.model_copy(update={"nanoparticle": d_np.model_copy(
            update={"hydrodynamic_diameter": float(di)})})
        key = stable_hash({"d": node.model_dump(mode="json"), "s": species,
                           "t": times.tolist()})
        if key not in cache:
            ds = nanotwin.simulate(node, species=species, times=times)
            out = {"pct_id": ds["pct_id"].values, "pct_id_per_g": ds["pct_id_per_g"].values}
            if node.radiolabel is not None:
                p = build_parameters(node, species)
                body = ds["pct_id"].values.copy()
                organs = [str(o) for o in ds["organ"].values]
                for ex in ("urine", "feces"):
                    if ex in organs:
                        body[organs.index(ex)] = 0.0
                out["particle_bound_activity_pct"] = (
                    float(p.values["f_rcp"]) * np.exp(-float(p.values["k_det"]) * times)[None, :]
                    * body)
                out["activity_pct_id"] = ds["activity_pct_id"].values
            cache[key] = (out, ds)
        out, ds = cache[key]
        template = ds
        for k, v in out.items():
            acc[k] = acc.get(k, 0.0) + wi * v
    acc["_template"] = template  # type: ignore[assignment]
    return acc


def twin_compare(design: Any, batch: Any, *, species: str | None = None, times: Any = None,
                 n_nodes: int = 3, include_payload: bool = False, dose: bool = True) -> Any:
    """Predicted biodistribution (and dose) of the batch next to the target design.

    Parameters
    ----------
    design
        The target design (:class:`nanotwin.Design`, mapping or path).
    batch
        A :class:`nanotwin.qc.BatchRecord`.
    species, times
        Passed to :func:`nanotwin.simulate` (default times 0–168 h).
    n_nodes
        Gauss-Hermite points for a polydisperse (PDI > 0) batch.
    include_payload
        Keep the payload (slower; release kinetics re-simulated).
    dose
        Add absorbed doses per organ (needs a radiolabel).

    Returns
    -------
    xarray.Dataset
        Over ``variant`` (target, batch) × ``organ`` × ``time``: ``pct_id``, ``pct_id_per_g``
        and with a radiolabel ``activity_pct_id`` and ``particle_bound_activity_pct``; with
        ``dose`` ``dose_Gy_per_GBq`` over ``variant`` × ``dose_organ``. Attributes record the
        measured values used.
    """
    from nanotwin.design import Design, load_design
    from nanotwin.results import make_result

    target = design if isinstance(design, Design) else load_design(design)
    if not include_payload and target.payloads:
        target = target.model_copy(update={"payloads": ()})
    bd = batch_design(target, batch)
    t = np.asarray(_DEFAULT_TIMES if times is None else times, dtype=float)
    if t.ndim != 1 or t.size < 2 or np.any(np.diff(t) <= 0) or t[0] < 0:
        raise DesignError("times: give increasing times >= 0 h (at least two)", "times")
    cache: dict[str, Any] = {}
    res = {"target": _simulate_mixture(target, species, t, n_nodes, cache),
           "batch": _simulate_mixture(bd, species, t, n_nodes, cache)}
    tmpl = res["target"]["_template"]
    organs = [str(o) for o in tmpl["organ"].values]
    variants = ["target", "batch"]
    dims = ("variant", "organ", "time")
    units = {"pct_id": "%ID", "pct_id_per_g": "%ID/g", "activity_pct_id": "%IA",
             "particle_bound_activity_pct": "%IA"}
    data: dict[str, tuple] = {}
    for k, unit in units.items():
        if k in res["target"]:
            data[k] = (dims, np.stack([res[v][k] for v in variants]), unit)
    coords: dict[str, Any] = {"variant": variants, "organ": organs, "time": ("time", t, "h")}
    if dose and target.radiolabel is not None:
        from nanotwin.dosimetry import dose_from_result

        doses = []
        d_organs = None
        for v in variants:
            ds = make_result({"activity_pct_id": (("organ", "time"), res[v]["activity_pct_id"],
                                                  "%IA")},
                             coords={"organ": organs, "time": ("time", t, "h")},
                             kind="biodistribution",
                             attrs={"nuclide": target.radiolabel.nuclide,
                                    "species": tmpl.attrs.get("species", "mouse"),
                                    **({"tumor_mass_g": tmpl.attrs["tumor_mass_g"]}
                                       if "tumor_mass_g" in tmpl.attrs else {})})
            r = dose_from_result(ds)
            d_organs = [str(o) for o in r["organ"].values]
            doses.append(r["dose_Gy_per_GBq"].values)
        coords["dose_organ"] = d_organs
        data["dose_Gy_per_GBq"] = (("variant", "dose_organ"), np.stack(doses), "Gy/GBq")
    attrs = {"batch_id": batch.batch_id, "target_design": target.name,
             "z_average_nm": bd.nanoparticle.hydrodynamic_diameter,
             "target_diameter_nm": target.nanoparticle.hydrodynamic_diameter,
             "pdi": -1.0 if bd.nanoparticle.pdi is None else bd.nanoparticle.pdi,
             "n_nodes": int(n_nodes), "payload_simulated": str(bool(include_payload)),
             "size_model": "log-normal, ln-variance ln(1+PDI), Gauss-Hermite"}
    if bd.radiolabel is not None:
        attrs["rcp_batch"] = bd.radiolabel.radiochemical_purity
        attrs["rcp_target"] = target.radiolabel.radiochemical_purity
    return make_result(data, coords=coords, kind="qc_twin", design=target, attrs=attrs)


def summary_table(ds: Any) -> Any:
    """Per-organ AUC (trapezoid, %·h) of batch vs target, with ratios (pandas).

    Columns ``organ``, ``pct_id_auc_target``, ``pct_id_auc_batch``, ``pct_id_auc_ratio`` and the
    same for ``particle_bound_activity_pct`` when the design is radiolabelled.
    """
    import pandas as pd

    t = ds["time"].values
    rows = []
    for o in [str(x) for x in ds["organ"].values]:
        row: dict[str, Any] = {"organ": o}
        for var in ("pct_id", "particle_bound_activity_pct"):
            if var not in ds:
                continue
            a = [float(np.trapezoid(ds[var].sel(variant=v, organ=o).values, t))
                 for v in ("target", "batch")]
            row[f"{var}_auc_target"], row[f"{var}_auc_batch"] = a
            row[f"{var}_auc_ratio"] = a[1] / a[0] if a[0] > 0 else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)


def dose_table(ds: Any) -> Any:
    """Absorbed dose per phantom organ (Gy/GBq) of batch vs target and their ratio (pandas)."""
    import pandas as pd

    if "dose_Gy_per_GBq" not in ds:
        raise DesignError("dose: the comparison has no doses (no radiolabel, or dose=False)",
                          "dose")
    out = pd.DataFrame({"organ": [str(x) for x in ds["dose_organ"].values],
                        "dose_target_Gy_per_GBq": ds["dose_Gy_per_GBq"].sel(
                            variant="target").values,
                        "dose_batch_Gy_per_GBq": ds["dose_Gy_per_GBq"].sel(
                            variant="batch").values})
    out["dose_ratio"] = out["dose_batch_Gy_per_GBq"] / out["dose_target_Gy_per_GBq"]
    return out
