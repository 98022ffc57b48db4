"""Closed-form solutions that check the tumour transport model (all derived for its variables).

Notation: interstitial concentration ``C`` (per mL of accessible fluid), accessible fraction
``epsilon``, ECM diffusivity ``D``, vessel radius ``r_v``, Krogh radius ``R``, vascular
permeability ``P``, plasma concentration ``C_p``.

* :func:`krogh_steady_state` -- a non-binding solute with first-order loss ``k`` in a Krogh
  cylinder (Krogh, J Physiol 1919;52:409): ``C = a I_0(r/L) + b K_0(r/L)``, ``L = sqrt(D/k)``,
  with the wall condition ``-epsilon D C'(r_v) = P (C_p - C(r_v))`` and no flux at ``R``.
* Binding-site barrier (Fujimori et al., J Nucl Med 1990;31:1191; Juweid et al., Cancer Res
  1992;52:5144). With high affinity, bound antigen is saturated (``b_max``) up to a front
  ``r_p`` and empty beyond. (a) With internalisation ``k_int`` and constant antigen expression
  the saturated shell consumes ``q = k_int b_max`` per tissue volume; the steady free
  concentration is ``epsilon D C(r) = q/4 [r^2 - r_p^2 - 2 r_p^2 ln(r/r_p)]``, so the
  surface concentration ``C_s`` sustains a penetration radius ``r_p`` with
  ``4 epsilon D C_s = q g(r_p)``, ``g(r) = r_v^2 - r^2 + 2 r^2 ln(r/r_v)``
  (:func:`steady_penetration_radius`). The cylinder is saturated when the Thiele modulus
  ``phi^2 = q g(R) / (4 epsilon D C_s) = k_int b_max R^2 [2 ln(R/r_v) - 1 + r_v^2/R^2] /
  (4 epsilon D C_s)`` is below 1 -- the Krogh-cylinder Thiele modulus in the form of Thurber,
  Zajic & Wittrup (J Nucl Med 2007;48:995) (:func:`thiele_modulus`). (b) Without
  internalisation the front moves (shrinking core, quasi-steady; Graff & Wittrup, Cancer Res
  2003;63:1288): ``b_max g(r_f) = 4 epsilon D int C_s dt`` -- its velocity follows the
  time integral of the surface concentration (:func:`front_radius`); in a slab
  ``x_f = sqrt(2 epsilon D int C_s dt / b_max)``.
* :func:`sphere_pressure` -- the interstitial fluid pressure of a uniformly perfused spherical
  tumour without lymphatics (Baxter & Jain, Microvasc Res 1989;37:77):
  ``p = p_e [1 - sinh(alpha r/R) / ((r/R) sinh alpha)]``, ``alpha = R sqrt(L_p S/V / K)``.
* :func:`slab_pressure` -- interstitial fluid pressure of a uniformly vascularised slab
  (rim at 0 mmHg, symmetry at depth ``L``): ``p = p_e [1 - cosh(alpha (1 - x/L)) /
  cosh(alpha)]``, ``alpha^2 = L_p (S/V) L^2 / K`` (the slab form of Baxter & Jain, Microvasc
  Res 1989;37:77, whose sphere solution has the same ``alpha``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["krogh_steady_state", "krogh_g", "steady_penetration_radius", "thiele_modulus",
           "front_radius", "slab_pressure", "sphere_pressure"]


def krogh_steady_state(r_cm: Any, r_v: float, R: float, D: float, epsilon: float, P: float,
                       k: float, C_p: float) -> np.ndarray:
    """Steady interstitial concentration in a Krogh cylinder (module docstring).

    Parameters
    ----------
    r_cm
        Radii (cm), ``r_v <= r <= R``.
    r_v, R
        Vessel and Krogh radii (cm).
    D, epsilon, P, k, C_p
        Diffusivity (cm^2/h), accessible fraction, permeability (cm/h), first-order loss of
        free solute (1/h), plasma concentration.

    Examples
    --------
    >>> C = krogh_steady_state([10e-4, 50e-4], 10e-4, 50e-4, 1e-4, 0.4, 0.05, 1.0, 1.0)
    >>> bool(1.0 > C[0] > C[1] > 0)
    True
    """
    from scipy.special import i0e, i1e, k0e, k1e

    r = np.asarray(r_cm, dtype=float)
    if k <= 0:
        return np.full(r.shape, float(C_p))
    L = math.sqrt(D / k)
    xv, xR = r_v / L, R / L
    # scaled Bessel functions: I(x) = i0e(x) e^x, K(x) = k0e(x) e^-x; write
    # C = a' i0e-form e^{(x - xR)} + b' k0e-form e^{-(x - xv)} to stay finite
    # no flux at R: a I1(xR) = b K1(xR)
    # wall: -eps D C'(r_v) = P (C_p - C(r_v)), C' = (a I1(x) - b K1(x)) / L
    I0v, I1v = i0e(xv) * math.exp(xv - xR), i1e(xv) * math.exp(xv - xR)
    K0v, K1v = k0e(xv), k1e(xv)
    I1R = i1e(xR)
    K1R = k1e(xR) * math.exp(-(xR - xv))
    # unknowns a, b (scaled): a I1R = b K1R ; -eps D (a I1v - b K1v)/L + P (a I0v + b K0v) = P C_p
    M = np.array([[I1R, -K1R],
                  [-epsilon * D / L * I1v + P * I0v, epsilon * D / L * K1v + P * K0v]])
    a, b = np.linalg.solve(M, np.array([0.0, P * C_p]))
    x = r / L
    return a * i0e(x) * np.exp(x - xR) + b * k0e(x) * np.exp(-(x - xv))


def krogh_g(r: Any, r_v: float) -> np.ndarray:
    """``g(r) = r_v^2 - r^2 + 2 r^2 ln(r / r_v)`` (cm^2), the Krogh geometry factor of the
    binding front (module docstring); ``g -> 2 (r - r_v)^2`` for a thin shell (the slab).

    Examples
    --------
    >>> float(krogh_g(1.0, 1.0))
    0.0
    >>> round(float(krogh_g(1.001, 1.0) / (2 * 0.001**2)), 3)
    1.0
    """
    r = np.asarray(r, dtype=float)
    return r_v**2 - r**2 + 2.0 * r**2 * np.log(r / r_v)


def _invert_g(target: float, r_v: float) -> float:
    from scipy.optimize import brentq

    if target <= 0:
        return r_v
    hi = r_v * 2.0
    while float(krogh_g(hi, r_v)) < target:
        hi *= 2.0
    return float(brentq(lambda x: float(krogh_g(x, r_v)) - target, r_v, hi, xtol=1e-14))


def steady_penetration_radius(C_p: float, r_v: float, R: float, D: float, epsilon: float,
                              P: float, k_int: float, b_max: float) -> float:
    """Steady binding-front radius (cm) with internalisation, for plasma concentration
    ``C_p`` and wall permeability ``P`` (``R`` if the cylinder saturates).

    Solves ``C_s = C_p - q (r_p^2 - r_v^2) / (2 r_v P)`` (wall flux = consumption) with
    ``4 epsilon D C_s = q g(r_p)``, ``q = k_int b_max``.

    Examples
    --------
    >>> r = steady_penetration_radius(0.1, 10e-4, 100e-4, 2e-4, 0.4, 1.0, 0.2, 10.0)
    >>> 10e-4 < r < 100e-4
    True
    """
    from scipy.optimize import brentq

    q = float(k_int) * float(b_max)
    if q <= 0:
        return float(R)

    def f(rp: float) -> float:
        Cs = C_p - q * (rp**2 - r_v**2) / (2.0 * r_v * P)
        return 4.0 * epsilon * D * Cs - q * float(krogh_g(rp, r_v))

    if f(R) >= 0:
        return float(R)
    return float(brentq(f, r_v, R, xtol=1e-14))


def thiele_modulus(C_s: float, r_v: float, R: float, D: float, epsilon: float, k_int: float,
                   b_max: float) -> float:
    """Krogh-cylinder Thiele modulus ``phi^2`` (module docstring): < 1 means the whole
    cylinder saturates at surface concentration ``C_s``.

    Examples
    --------
    >>> round(thiele_modulus(1.0, 1e-3, 1e-2, 1e-4, 0.5, 0.0, 1.0), 3)
    0.0
    """
    if C_s <= 0:
        raise DesignError("C_s: the surface concentration must be > 0", "C_s")
    return float(k_int) * float(b_max) * float(krogh_g(R, r_v)) / (4.0 * epsilon * D * C_s)


def front_radius(auc_s: Any, r_v: float, D: float, epsilon: float, b_max: float) -> np.ndarray:
    """Binding-front radius (cm) without internalisation after a surface-concentration time
    integral ``auc_s`` (concentration x h): ``b_max g(r_f) = 4 epsilon D auc_s``.

    Examples
    --------
    >>> r = front_radius([0.0, 1.0], 1e-3, 1e-4, 0.5, 100.0)
    >>> float(r[0]), bool(r[1] > 1e-3)
    (0.001, True)
    """
    a = np.atleast_1d(np.asarray(auc_s, dtype=float))
    return np.array([_invert_g(4.0 * epsilon * D * x / b_max, r_v) for x in a])


def slab_pressure(x_cm: Any, L: float, L_p: float, S_V: float, K: float, p_e: float
                  ) -> np.ndarray:
    """Interstitial fluid pressure (mmHg) in a uniformly vascularised slab (module docstring).

    Examples
    --------
    >>> p = slab_pressure([0.0, 0.1], 0.1, 1e-3, 100.0, 1e-3, 11.5)
    >>> float(p[0]), bool(0 < p[1] < 11.5)
    (0.0, True)
    """
    x = np.asarray(x_cm, dtype=float)
    alpha = L * math.sqrt(L_p * S_V / K)
    return p_e * (1.0 - np.cosh(alpha * (1.0 - x / L)) / math.cosh(alpha))


def sphere_pressure(r_cm: Any, R: float, L_p: float, S_V: float, K: float, p_e: float
                    ) -> np.ndarray:
    """Interstitial fluid pressure (mmHg) at radius ``r_cm`` of a uniformly perfused sphere
    of radius ``R`` (Baxter & Jain 1989; module docstring).

    Examples
    --------
    >>> p = sphere_pressure([0.0, 0.3, 0.36], 0.36, 1e-3, 100.0, 1e-3, 11.5)
    >>> bool(p[0] > p[1] > p[2]), round(float(p[2]), 9)
    (True, 0.0)
    """
    r = np.asarray(r_cm, dtype=float)
    alpha = R * math.sqrt(L_p * S_V / K)
    x = np.maximum(r / R, 1e-12)
    # sinh(alpha x) / (x sinh alpha), written with exponentials to stay finite for large alpha
    ratio = np.exp(alpha * (x - 1.0)) * (1.0 - np.exp(-2.0 * alpha * x)) / (
        x * (1.0 - math.exp(-2.0 * alpha)))
    ratio = np.where(r / R < 1e-9, alpha * math.exp(-alpha) * 2.0 / (1.0 - math.exp(
        -2.0 * alpha)), ratio)
    return p_e * (1.0 - ratio)
