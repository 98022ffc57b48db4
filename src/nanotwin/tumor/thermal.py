"""Photothermal therapy: NIR light in tissue, Pennes bioheat with the absorber's concentration map,
and thermal damage.

Geometry: a 2-D section (depth ``z`` from the skin x lateral ``x``) with a circular tumour of
the design's mass just under the skin, irradiated from the surface by a top-hat beam of
irradiance ``E_0`` (W/cm^2) and radius ``w``.

* Light (diffusion approximation, one ray per column): fluence rate
  ``phi(x, z) = E_0 exp(-int_0^z mu_eff dz')`` with ``mu_eff = sqrt(3 mu_a (mu_a + mu_s'))``
  (Jacques, Phys Med Biol 2013;58:R37; the sub-surface fluence build-up by back-scatter is not
  modelled: approximate). Tissue at 800 nm: ``mu_a`` 0.1 /cm and ``mu_s'`` 10 /cm, typical of
  soft tissue in the NIR window (Jacques 2013). Particles add ``mu_a = n sigma_abs`` (number
  density x absorption cross-section, the user's particle property: no default).
* Heat (Pennes, J Appl Physiol 1948;1:93): ``rho c dT/dt = div(k grad T) + w_b rho_b c_b (T_a -
  T) + mu_a phi`` with soft tissue ``k`` 0.5 W/(m K) and ``rho c`` 3.6e6 J/(m^3 K) (Duck,
  Physical Properties of Tissue, 1990), blood ``rho_b c_b`` 1060 kg/m^3 x 3617 J/(kg K) (Duck
  1990) and the perfusion ``w_b`` of the PBPK (tumour: 0.2 mL/g/min, Vaupel et al. 1989;
  surrounding tissue: the PBPK muscle flow). Skin surface: convection to air, 10 W/(m^2 K);
  deep and lateral boundaries at 37 C. Backward-Euler finite volumes (scipy sparse LU, one
  factorisation).
* Damage: cumulative equivalent minutes at 43 C, ``CEM43 = sum R^(43 - T) dt`` with ``R`` 0.5
  above and 0.25 below 43 C (Sapareto & Dewey, Int J Radiat Oncol Biol Phys 1984;10:787), and
  the Arrhenius damage integral ``Omega = int A e^{-E_a/(R T)} dt`` with ``A = 3.1e98 /s``,
  ``E_a = 6.28e5 J/mol`` (Henriques & Moritz, Am J Pathol 1947;23:531), cell survival
  ``e^{-Omega}``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["Laser", "ThermalResult", "photothermal", "cem43", "arrhenius_survival",
           "TISSUE_THERMAL"]

#: Soft tissue and blood (Duck 1990), SI units.
TISSUE_THERMAL = {"k": 0.5, "rho_c": 3.6e6, "rho_c_blood": 1060.0 * 3617.0, "h_air": 10.0,
                  "T_body": 37.0, "T_air": 25.0, "mu_a": 0.1, "mu_s_prime": 10.0}
_A_ARR, _EA_ARR, _R_GAS = 3.1e98, 6.28e5, 8.314462618


@dataclass(frozen=True)
class Laser:
    """A NIR laser exposure: irradiance (W/cm^2), beam radius (cm), duration (s),
    wavelength (nm, informative) and the time after injection it starts (h)."""

    irradiance_W_cm2: float
    duration_s: float
    beam_radius_cm: float = 0.5
    wavelength_nm: float = 808.0
    start_h: float = 24.0


@dataclass(frozen=True)
class ThermalResult:
    """Temperature history and damage of a photothermal exposure."""

    t_s: np.ndarray
    T_tumor_max: np.ndarray
    T_tumor_mean: np.ndarray
    T_final: np.ndarray  # map (nz, nx), C
    cem43_map: np.ndarray
    survival_map: np.ndarray
    tumor_mask: np.ndarray
    spacing_cm: float

    @property
    def delta_T_max(self) -> float:
        """Largest temperature rise in the tumour (K)."""
        return float(self.T_tumor_max.max() - TISSUE_THERMAL["T_body"])

    @property
    def tumor_survival(self) -> float:
        """Mean Arrhenius survival of tumour cells."""
        return float(self.survival_map[self.tumor_mask].mean())


def cem43(T_C: Any, dt_s: Any) -> np.ndarray:
    """Cumulative equivalent minutes at 43 C of a temperature history (axis 0 = time).

    Examples
    --------
    >>> float(cem43(np.array([43.0, 43.0]), 60.0))
    2.0
    >>> float(cem43(np.array([44.0]), 60.0))
    2.0
    """
    T = np.asarray(T_C, dtype=float)
    R = np.where(T >= 43.0, 0.5, 0.25)
    return np.sum(R ** (43.0 - T) * np.asarray(dt_s) / 60.0, axis=0)


def arrhenius_survival(T_C: Any, dt_s: Any) -> np.ndarray:
    """Cell survival ``exp(-Omega)`` of the Henriques-Moritz damage integral.

    Examples
    --------
    >>> float(arrhenius_survival(np.array([37.0]), 600.0)) > 0.99
    True
    """
    T = np.asarray(T_C, dtype=float) + 273.15
    omega = np.sum(_A_ARR * np.exp(-_EA_ARR / (_R_GAS * T)) * np.asarray(dt_s), axis=0)
    return np.exp(-omega)


def photothermal(laser: Laser, absorber_per_cm3: Any, tumor_radius_cm: float, *,
                 sigma_abs_cm2: float, perfusion_tumor_per_s: float,
                 perfusion_normal_per_s: float, spacing_cm: float = 0.025,
                 size_cm: tuple[float, float] = (1.5, 2.0), dt_s: float = 2.0,
                 radial_profile: Any = None) -> ThermalResult:
    """Simulate a photothermal exposure (module docstring).

    Parameters
    ----------
    laser
        The exposure.
    absorber_per_cm3
        Mean number of absorbing particles per cm^3 of tumour at the exposure time.
    tumor_radius_cm
        Tumour radius (its centre lies one radius under the skin).
    sigma_abs_cm2
        Absorption cross-section of one particle at the laser wavelength (cm^2).
    perfusion_tumor_per_s, perfusion_normal_per_s
        Blood perfusion (mL blood per mL tissue per s).
    spacing_cm, size_cm, dt_s
        Grid spacing, domain (depth, width) and time step.
    radial_profile
        Optional ``(depth_from_rim_cm, relative_concentration)`` of the particles inside the
        tumour (e.g. from a network section); default uniform.

    Examples
    --------
    >>> r = photothermal(Laser(1.0, 60.0), 1e10, 0.3, sigma_abs_cm2=1e-10,
    ...                  perfusion_tumor_per_s=0.2 / 60, perfusion_normal_per_s=0.03 / 60,
    ...                  spacing_cm=0.05)
    >>> r.delta_T_max > 0
    True
    """
    import scipy.sparse as sp
    from scipy.sparse.linalg import splu

    p = TISSUE_THERMAL
    if laser.irradiance_W_cm2 < 0 or laser.duration_s <= 0:
        raise DesignError("laser: give an irradiance >= 0 W/cm^2 and a duration > 0 s",
                          "laser")
    if sigma_abs_cm2 < 0:
        raise DesignError("sigma_abs_cm2: must be >= 0", "sigma_abs_cm2")
    h = float(spacing_cm)
    nz, nx = int(round(size_cm[0] / h)), int(round(size_cm[1] / h))
    z = (np.arange(nz) + 0.5) * h
    x = (np.arange(nx) + 0.5) * h - 0.5 * nx * h
    Z, X = np.meshgrid(z, x, indexing="ij")
    R = float(tumor_radius_cm)
    rr = np.sqrt((Z - R) ** 2 + X**2)
    tumor = rr <= R
    conc = np.zeros_like(Z)
    if radial_profile is None:
        conc[tumor] = float(absorber_per_cm3)
    else:
        d, rel = (np.asarray(v, dtype=float) for v in radial_profile)
        prof = np.interp(R - rr[tumor], d, rel)
        mean = float(prof.mean()) if prof.mean() > 0 else 1.0
        conc[tumor] = float(absorber_per_cm3) * prof / mean
    mu_np = conc * float(sigma_abs_cm2)
    mu_a = p["mu_a"] + mu_np
    mu_eff = np.sqrt(3.0 * mu_a * (mu_a + p["mu_s_prime"]))
    att = np.exp(-np.cumsum(mu_eff * h, axis=0) + 0.5 * mu_eff * h)
    beam = (np.abs(x) <= laser.beam_radius_cm).astype(float)
    phi = laser.irradiance_W_cm2 * att * beam[None, :]  # W/cm^2
    Q = (mu_a * phi) * 1e6  # W/cm^3 -> W/m^3
    # --- Pennes, finite volumes in SI units
    hm = h * 1e-2
    w = np.where(tumor, perfusion_tumor_per_s, perfusion_normal_per_s) * p["rho_c_blood"]
    n = nz * nx
    idx = np.arange(n).reshape(nz, nx)
    cond = p["k"] / hm**2
    rows, cols, vals = [], [], []
    diag = w.ravel().copy()
    for a, b in ((idx[:-1, :], idx[1:, :]), (idx[:, :-1], idx[:, 1:])):
        a, b = a.ravel(), b.ravel()
        rows += [a, b]
        cols += [b, a]
        vals += [np.full(a.size, -cond)] * 2
        np.add.at(diag, a, cond)
        np.add.at(diag, b, cond)
    src = w.ravel() * p["T_body"] + Q.ravel()
    # Dirichlet 37 C half a cell outside the deep and lateral faces; air convection on top
    g = 2.0 * cond
    for cells in (idx[-1, :], idx[:, 0], idx[:, -1]):
        np.add.at(diag, cells, g)
        np.add.at(src, cells, g * p["T_body"])
    top = idx[0, :]
    h_eff = 1.0 / (1.0 / p["h_air"] + hm / (2 * p["k"])) / hm
    diag[top] += h_eff
    src[top] += h_eff * p["T_air"]
    K = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(n, n)).tocsr() + sp.diags(diag)
    # initial state: steady temperature without the laser (skin cooler than the core)
    src0 = src - Q.ravel()
    T = splu(K.tocsc()).solve(src0)
    M = (sp.identity(n) * (p["rho_c"] / dt_s) + K).tocsc()
    lu = splu(M)
    steps = max(1, int(math.ceil(laser.duration_s / dt_s)))
    t = np.arange(1, steps + 1) * dt_s
    Tmax, Tmean = np.zeros(steps), np.zeros(steps)
    cem = np.zeros(n)
    omega = np.zeros(n)
    tm = tumor.ravel()
    for k in range(steps):
        T = lu.solve(p["rho_c"] / dt_s * T + src)
        cem += np.where(T >= 43.0, 0.5, 0.25) ** (43.0 - T) * dt_s / 60.0
        omega += _A_ARR * np.exp(-_EA_ARR / (_R_GAS * (T + 273.15))) * dt_s
        Tmax[k], Tmean[k] = T[tm].max(), T[tm].mean()
    return ThermalResult(t, Tmax, Tmean, T.reshape(nz, nx), cem.reshape(nz, nx),
                         np.exp(-omega).reshape(nz, nx), tumor, h)
