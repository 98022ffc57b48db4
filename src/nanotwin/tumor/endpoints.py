"""Tumour-response endpoints (TCP, time to regrowth, growth delay) for virtual trials and sweeps.

A separate hook for :mod:`nanotwin.population`: the micro-dose *distribution* of a design
(relative to its mean, from one Krogh-cylinder run of :func:`nanotwin.tumor.analysis.analyze_tumor`
machinery) is computed once per design; every subject (or design point) then scales it with its
own whole-tumour absorbed dose from the population's MIRD dosimetry, and the LQ / TCP / regrowth
model of :mod:`nanotwin.tumor.response` gives its endpoints. Radionuclide therapy only (no
payload, heat or external beam here); exponential regrowth (the batch form of
:func:`nanotwin.tumor.response.growth_curve`: ``N_v = exp(lambda t - L(t))`` exactly).
The cells of the dose map are grouped into 48 dose quantiles and the inter-cell radiosensitivity
into 8 Gauss-Hermite nodes to keep a trial of thousands of subjects fast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["ReferenceResponse", "reference_response", "endpoints_for_doses",
           "add_trial_endpoints", "add_sweep_endpoints"]

_N_GROUPS = 48
_GH = np.polynomial.hermite_e.hermegauss(8)


@dataclass(frozen=True)
class ReferenceResponse:
    """The dose distribution and response constants of one design."""

    rel_low: np.ndarray  # low-LET dose of each dose group / mean total dose
    rel_alpha: np.ndarray  # alpha dose of each group / mean total dose
    weight: np.ndarray  # share of viable cells in each group
    G: float
    t_h: np.ndarray
    F: np.ndarray  # cumulative share of the dose delivered by t
    viable_share: float
    v_blood: float
    radiobiology: Any
    growth: Any


def reference_response(design: Any, species: str | None = None, *, radiobiology: Any = None,
                       growth: Any = None, t_end_h: float = 168.0, growth_days: float = 60.0
                       ) -> ReferenceResponse:
    """Relative micro-dose distribution and dose-delivery time course of a design.

    Examples
    --------
    >>> from nanotwin.pbpk import demo_design
    >>> ref = reference_response(demo_design(), t_end_h=48.0)
    >>> round(float(np.sum(ref.weight * (ref.rel_low + ref.rel_alpha))), 6)
    1.0
    """
    from nanotwin.design import Design, load_design
    from nanotwin.errors import DesignError
    from nanotwin.tumor import response as rs
    from nanotwin.tumor.analysis import _activity_curve, _cumulative_fraction
    from nanotwin.tumor.microdose import micro_dose
    from nanotwin.tumor.properties import transport_parameters
    from nanotwin.tumor.tissue import krogh_cylinder
    from nanotwin.tumor.transport import simulate_tumor

    if not isinstance(design, Design):
        design = load_design(design)
    rb = radiobiology or rs.Radiobiology()
    gm = growth or rs.GrowthModel()
    tp = transport_parameters(design, species)
    if tp.nuclide is None:
        raise DesignError("radiolabels: tumour-response endpoints need a radiolabelled design",
                          "radiolabels")
    import dataclasses

    tp = dataclasses.replace(tp, drug=None)
    sol = simulate_tumor(design, krogh_cylinder(), params=tp, t_end_h=t_end_h,
                         species=species)
    md = micro_dose(sol, design, injected_MBq=1.0)
    w = np.ravel(md.weights)
    low = np.ravel(md.maps["electron"] + md.maps["photon"])
    al = np.ravel(md.maps["alpha"] + md.maps["recoil"])
    ok = w > 0
    w, low, al = w[ok], low[ok], al[ok]
    mean = float(np.sum(w * (low + al)) / w.sum())
    order = np.argsort(low + al)
    groups = np.array_split(order, min(_N_GROUPS, order.size))
    wg = np.array([w[g].sum() for g in groups])
    rl = np.array([np.sum(w[g] * low[g]) / w[g].sum() for g in groups]) / mean
    ra = np.array([np.sum(w[g] * al[g]) / w[g].sum() for g in groups]) / mean
    tA, aA, lam = _activity_curve(sol)
    _, G = rs.protraction_factor(tA, aA, rb.T_rep_h, lam)
    t_g = np.arange(0.0, growth_days * 24.0 + 1e-9, 6.0)
    F = _cumulative_fraction(tA, aA, lam, t_g)
    return ReferenceResponse(rl, ra, wg / wg.sum(), G, t_g, F, 1.0, tp.v_blood, rb, gm)


def _log_surviving(ref: ReferenceResponse, D: np.ndarray, Fk: np.ndarray) -> np.ndarray:
    """-ln of the tumour's surviving fraction, shape (n_subjects, n_times)."""
    rb = ref.radiobiology
    x, wx = _GH
    nodes = [(max(rb.alpha + rb.sigma_alpha * xi, 0.0), wi / wx.sum())
             for xi, wi in zip(x, wx, strict=True)] if rb.sigma_alpha > 0 else [(rb.alpha, 1.0)]
    Dl = D[:, None, None] * Fk[None, :, None] * ref.rel_low[None, None, :]
    Da = D[:, None, None] * Fk[None, :, None] * ref.rel_alpha[None, None, :]
    S = np.zeros(Dl.shape[:2])
    for a, wi in nodes:
        L = a * Dl + a / rb.alpha_beta * ref.G * Dl**2 + rb.RBE_alpha * a * Da
        S += wi * np.exp(-L) @ ref.weight
    return -np.log(np.clip(S, 1e-300, None))


def endpoints_for_doses(ref: ReferenceResponse, tumor_dose_Gy: Any, tumor_mass_g: Any
                        ) -> dict[str, np.ndarray]:
    """TCP, time to regrowth to 2x and growth delay (h) for whole-tumour mean doses
    (``nan`` where the tumour does not regrow within the growth curve, e.g. when cured).

    Examples
    --------
    >>> from nanotwin.pbpk import demo_design
    >>> ref = reference_response(demo_design(), t_end_h=48.0)
    >>> e = endpoints_for_doses(ref, [0.0, 10.0, 400.0], [0.2, 0.2, 0.2])
    >>> bool(e["TCP"][2] > e["TCP"][0]), bool(e["growth_delay_h"][1] > 0)
    (True, True)
    """
    D = np.nan_to_num(np.atleast_1d(np.asarray(tumor_dose_Gy, dtype=float)), nan=0.0)
    m = np.broadcast_to(np.asarray(tumor_mass_g, dtype=float), D.shape)
    L = _log_surviving(ref, D, ref.F)
    rb, gm = ref.radiobiology, ref.growth
    N = rb.clonogens_per_cm3 * np.nan_to_num(m, nan=0.0) * (1 - ref.v_blood) * ref.viable_share
    tcp = np.exp(-N * np.exp(-L[:, -1]))
    t = ref.t_h
    lam = math.log(2.0) / gm.T_d_h
    kc = math.log(2.0) / gm.T_clear_h
    Nv = np.exp(lam * t[None, :] - L)
    dL = np.gradient(L, t, axis=1)
    Nd = np.zeros_like(Nv)
    for k in range(1, t.size):
        dt = t[k] - t[k - 1]
        e = math.exp(-kc * dt)
        src = 0.5 * (dL[:, k] * Nv[:, k] + dL[:, k - 1] * Nv[:, k - 1])
        Nd[:, k] = Nd[:, k - 1] * e + src * (1 - e) / kc
    V = Nv + Nd
    t_reg = np.full(D.size, np.nan)
    for i in range(D.size):
        v = V[i]
        j0 = int(np.argmin(v))
        hit = np.flatnonzero((v[j0:-1] < 2.0) & (v[j0 + 1:] >= 2.0))
        if hit.size:
            k = j0 + int(hit[0])
            t_reg[i] = t[k] + (2.0 - v[k]) / (v[k + 1] - v[k]) * (t[k + 1] - t[k])
    return {"TCP": tcp, "time_to_regrowth_h": t_reg, "growth_delay_h": t_reg - gm.T_d_h}


def add_trial_endpoints(ds: Any, design: Any, species: str | None = None) -> Any:
    """Add ``TCP``, ``time_to_regrowth_h`` and ``growth_delay_h`` per subject to a trial."""
    import xarray as xr

    ref = reference_response(design, species)
    D = ds["dose_Gy"].sel(dose_organ="tumor").values
    e = endpoints_for_doses(ref, D, ds["tumor_mass_g"].values)
    for k, v in e.items():
        ds[k] = xr.DataArray(v, dims=("subject",), attrs={"units": "1" if k == "TCP" else "h"})
    ds.attrs["TCP_mean"] = float(np.mean(e["TCP"]))
    ds.attrs["time_to_regrowth_h_median"] = float(np.nanmedian(e["time_to_regrowth_h"])) if \
        np.isfinite(e["time_to_regrowth_h"]).any() else float("nan")
    ds.attrs["tumor_response_model"] = "nanotwin.tumor.endpoints (Krogh micro-dose, LQ, TCP)"
    return ds


def add_sweep_endpoints(ds: Any, designs: list, species: str | None = None) -> Any:
    """Add ``TCP`` and ``time_to_regrowth_h`` per design point (needs ``tumor_dose``)."""
    if "tumor_dose" not in ds:
        from nanotwin.errors import DesignError

        raise DesignError("sweep: tumour-response endpoints need absorbed doses; give an "
                          "activity (therapy_activity) and a radiolabel", "tumor_response")
    tcp = np.full(len(designs), np.nan)
    t_reg = np.full(len(designs), np.nan)
    D = ds["tumor_dose"].values
    from nanotwin.pbpk import build_parameters

    for i, des in enumerate(designs):
        ref = reference_response(des, species)
        m = float(build_parameters(des, species).V_tumor)
        e = endpoints_for_doses(ref, [D[i]], [m])
        tcp[i], t_reg[i] = e["TCP"][0], e["time_to_regrowth_h"][0]
    ds["TCP"] = ("point", tcp)
    ds["TCP"].attrs["units"] = "1"
    ds["time_to_regrowth_h"] = ("point", t_reg)
    ds["time_to_regrowth_h"].attrs["units"] = "h"
    return ds
