"""Drug release kinetics of nanoparticle payloads: burst + first-order or Weibull release.

The fraction of the loaded drug released from a particle by time ``t`` (h) after injection is

.. math::

    F(t) = f_b + (1 - f_b)\\,G(t), \\qquad
    G(t) = \\begin{cases} 1 - e^{-k t} & \\text{first order} \\\\
                          1 - e^{-(t/\\tau)^b} & \\text{Weibull} \\\\
                          0 & \\text{none (only the burst)} \\end{cases}

with burst fraction :math:`f_b` released at t = 0. First-order release is the classical model of
drug release from matrices (Costa & Sousa Lobo, Eur J Pharm Sci 2001;13:123, eq. "first order");
the Weibull function is the empirical release model of Langenbucher (J Pharm Pharmacol
1972;24:979) reviewed by Papadopoulou et al. (Int J Pharm 2006;309:44), where b < 1 indicates
Fickian diffusion in fractal/disordered matrices and b > 1 a complex (sigmoidal) mechanism.

For ODE models the instantaneous release rate constant (hazard) of the still-encapsulated drug is
``h(t) = G'(t) / (1 - G(t))``: ``k`` for first order and ``(b/τ)(t/τ)^(b-1)`` for Weibull, so that
``dA_enc/dt = -h(t) A_enc`` reproduces ``F(t)`` exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["RELEASE_MODELS", "released_fraction", "release_hazard", "release_parameters"]

#: Release models understood by :func:`released_fraction` (names of ``Release.model``).
RELEASE_MODELS = ("first_order", "weibull", "none")


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def release_parameters(
    burst_fraction: Any,
    model: str | None = None,
    k_release: float | None = None,
    weibull_scale: float | None = None,
    weibull_shape: float | None = None,
) -> tuple[float, str, float | None, float | None, float | None]:
    """Validate release parameters, given as plain values or as a ``Release`` object/mapping.

    Parameters
    ----------
    burst_fraction
        Fraction (0..1) released at t = 0, or a design ``Release`` object (or mapping) with the
        fields ``burst_fraction, model, k_release, weibull_scale, weibull_shape``; then the other
        arguments must be left out.
    model
        ``"first_order"``, ``"weibull"`` or ``"none"``.
    k_release
        First-order rate constant, 1/h (``model="first_order"``).
    weibull_scale, weibull_shape
        Weibull time scale τ (h) and shape b (``model="weibull"``).

    Returns
    -------
    tuple
        ``(burst_fraction, model, k_release, weibull_scale, weibull_shape)`` checked.

    Raises
    ------
    DesignError
        For a missing or out-of-range parameter (one line: field, problem, fix).

    Examples
    --------
    >>> release_parameters(0.1, "first_order", k_release=0.05)
    (0.1, 'first_order', 0.05, None, None)
    >>> release_parameters({"burst_fraction": 0.0, "model": "weibull", "weibull_scale": 10,
    ...                     "weibull_shape": 0.5})
    (0.0, 'weibull', None, 10.0, 0.5)
    """
    if not isinstance(burst_fraction, int | float | np.floating | np.integer):
        rel = burst_fraction
        burst_fraction = _get(rel, "burst_fraction", 0.0)
        model = _get(rel, "model", None)
        k_release = _get(rel, "k_release", None)
        weibull_scale = _get(rel, "weibull_scale", None)
        weibull_shape = _get(rel, "weibull_shape", None)
    f_b = float(burst_fraction)
    if not np.isfinite(f_b) or not 0.0 <= f_b <= 1.0:
        raise DesignError(
            f"payloads.release.burst_fraction: {f_b!r} is outside 0..1; give the fraction of the "
            "drug released at injection, e.g. 0.1", "payloads.release.burst_fraction")
    if model is None:
        model = "first_order" if k_release is not None else (
            "weibull" if weibull_scale is not None else "none")
    if model not in RELEASE_MODELS:
        raise DesignError(
            f"payloads.release.model: unknown model {model!r}; use one of "
            f"{', '.join(RELEASE_MODELS)}", "payloads.release.model")
    k = tau = b = None
    if model == "first_order":
        if k_release is None or not np.isfinite(float(k_release)) or float(k_release) < 0:
            raise DesignError(
                f"payloads.release.k_release: {k_release!r} must be a rate >= 0 per hour for "
                "first-order release; give e.g. '0.05 1/h'", "payloads.release.k_release")
        k = float(k_release)
    elif model == "weibull":
        if weibull_scale is None or not float(weibull_scale) > 0 or not np.isfinite(
                float(weibull_scale)):
            raise DesignError(
                f"payloads.release.weibull_scale: {weibull_scale!r} must be a time > 0 h for "
                "Weibull release; give e.g. '12 h'", "payloads.release.weibull_scale")
        if weibull_shape is None or not float(weibull_shape) > 0 or not np.isfinite(
                float(weibull_shape)):
            raise DesignError(
                f"payloads.release.weibull_shape: {weibull_shape!r} must be > 0 for Weibull "
                "release; give e.g. 0.7 (b < 1 diffusion-like, b > 1 sigmoidal)",
                "payloads.release.weibull_shape")
        tau, b = float(weibull_scale), float(weibull_shape)
    return f_b, model, k, tau, b


def _as_time(t_h: Any) -> np.ndarray:
    t = np.asarray(t_h, dtype=float)
    if np.any(~np.isfinite(t)) or np.any(t < 0):
        raise DesignError("t_h: times must be finite and >= 0 h; give hours since injection",
                          "t_h")
    return t


def released_fraction(
    t_h: Any,
    burst_fraction: Any,
    model: str | None = None,
    k_release: float | None = None,
    weibull_scale: float | None = None,
    weibull_shape: float | None = None,
) -> np.ndarray | float:
    """Cumulative fraction of the payload released by time ``t_h`` (h).

    ``F(t) = f_b + (1 - f_b) G(t)`` with ``G = 1 - exp(-k t)`` (first order), ``1 - exp(-(t/τ)^b)``
    (Weibull) or 0 (``"none"``); sources in the module docstring.

    Parameters
    ----------
    t_h
        Time(s) after injection in hours (scalar or array, >= 0).
    burst_fraction, model, k_release, weibull_scale, weibull_shape
        As in :func:`release_parameters` (plain values or one ``Release`` object).

    Returns
    -------
    float or numpy.ndarray
        Fraction released, in 0..1, same shape as ``t_h``.

    Examples
    --------
    >>> round(float(released_fraction(10.0, 0.2, "first_order", k_release=0.1)), 4)
    0.7057
    >>> float(released_fraction(5.0, 0.0, "weibull", weibull_scale=5.0, weibull_shape=2.0))
    0.6321205588285577
    >>> float(released_fraction(100.0, 0.3, "none"))
    0.3
    """
    f_b, model, k, tau, b = release_parameters(
        burst_fraction, model, k_release, weibull_scale, weibull_shape)
    t = _as_time(t_h)
    if model == "first_order":
        G = -np.expm1(-k * t)
    elif model == "weibull":
        G = -np.expm1(-np.power(t / tau, b))
    else:
        G = np.zeros_like(t)
    F = np.clip(f_b + (1.0 - f_b) * G, 0.0, 1.0)
    return float(F) if F.ndim == 0 else F


def release_hazard(
    t_h: Any,
    burst_fraction: Any = 0.0,
    model: str | None = None,
    k_release: float | None = None,
    weibull_scale: float | None = None,
    weibull_shape: float | None = None,
) -> np.ndarray | float:
    """Instantaneous release rate constant (1/h) of the drug still inside the particle.

    ``h(t) = k`` (first order), ``(b/τ)(t/τ)^(b-1)`` (Weibull), 0 (none). For Weibull with b < 1
    the hazard diverges at t = 0; there the value at ``t = 1e-6 h`` is returned (finite, no
    warning), which integrates to a negligible released fraction ``(1e-6/τ)^b``.

    Parameters
    ----------
    t_h
        Time(s) after injection in hours (>= 0).
    burst_fraction, model, k_release, weibull_scale, weibull_shape
        As in :func:`release_parameters`; the burst does not enter the hazard.

    Returns
    -------
    float or numpy.ndarray
        Rate constant in 1/h, same shape as ``t_h``.

    Examples
    --------
    >>> float(release_hazard(3.0, 0.1, "first_order", k_release=0.2))
    0.2
    >>> float(release_hazard(0.0, 0.0, "weibull", weibull_scale=10.0, weibull_shape=0.5)) > 0
    True
    >>> float(release_hazard(10.0, 0.0, "weibull", weibull_scale=10.0, weibull_shape=2.0))
    0.2
    """
    _f_b, model, k, tau, b = release_parameters(
        burst_fraction, model, k_release, weibull_scale, weibull_shape)
    t = _as_time(t_h)
    if model == "first_order":
        h = np.full_like(t, k)
    elif model == "weibull":
        t_eff = np.maximum(t, 1e-6) if b < 1.0 else t
        h = (b / tau) * np.power(t_eff / tau, b - 1.0)
    else:
        h = np.zeros_like(t)
    return float(h) if h.ndim == 0 else h
