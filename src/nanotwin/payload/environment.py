"""Organ microenvironments and stimulus-gated release.

:func:`microenvironment` gives typical values of the stimuli that responsive nanocarriers use
(pH, glutathione, enzymes, temperature, light) for each organ of the PBPK model, with sources.
:func:`gate_multiplier` evaluates a design's ``ReleaseGate`` in such an environment and returns
the factor by which the baseline release rate is multiplied there.

Trigger semantics (threshold units in brackets):

==============  ==================================================  =========================
kind            active when                                         environment key
==============  ==================================================  =========================
``pH``          pH <= threshold (acid-triggered release)            ``pH``
``glutathione`` [GSH] >= threshold [µM] (disulphide reduction)      ``glutathione_uM``
``enzyme``      relative activity of ``enzyme`` >= threshold        ``enzymes[enzyme]``
``temperature`` T >= threshold [°C] (thermosensitive carriers)      ``temperature_C``
``light``       irradiance >= threshold [W/cm²]                     ``light_W_cm2``
==============  ==================================================  =========================

A gate combines its triggers with ``"and"`` (all active) or ``"or"`` (any active). An inactive
gate leaves the baseline rate (multiplier 1); an active gate multiplies the rate by the largest
``rate_multiplier`` among its active triggers.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from nanotwin.errors import DesignError
from nanotwin.organs import canonical_organ

__all__ = ["TRIGGER_KINDS", "ORGANS", "microenvironment", "trigger_active", "gate_multiplier"]

TRIGGER_KINDS = ("pH", "glutathione", "enzyme", "temperature", "light")

# --- Typical values, with sources -------------------------------------------------------------
# pH: arterial/venous plasma 7.35-7.45 (Guyton & Hall, Textbook of Medical Physiology, 13th ed.,
#   ch. 31); interstitial fluid of normal tissue ~7.3-7.4 and of tumours ~6.5-7.0, median about
#   6.8-7.0 (Gerweck & Seetharaman, Cancer Res 1996;56:1194; Vaupel et al., Cancer Res
#   1989;49:6449). Endosomes 5.5-6.5 and lysosomes 4.5-5.0 (Mellman et al., Annu Rev Biochem
#   1986;55:663).
# Glutathione: plasma 2-20 µM; intracellular 0.5-10 mM, hepatocytes 5-10 mM (Wu et al., J Nutr
#   2004;134:489). Tumour cells often carry higher GSH than the normal tissue of origin (Gamcsik
#   et al., Biomarkers 2012;17:671); we use 10 mM, the top of Wu's range.
# Enzymes: relative activity on a 0..1 scale (1 = over-expressed as in tumours). MMP-2 and MMP-9
#   are over-expressed in the stroma of most solid tumours (Egeblad & Werb, Nat Rev Cancer
#   2002;2:161) and low in healthy adult tissue at rest; cathepsin B is lysosomal in all cells and
#   secreted/up-regulated in tumours (Mohamed & Sloane, Nat Rev Cancer 2006;6:764). The 0..1 scale
#   is qualitative (approximate): 0.1 basal, 1.0 over-expressed.
# Temperature: core 37 °C; mouse core 36.5-38 °C (Gordon, Temperature Regulation in Laboratory
#   Rodents, 1993); skin ~33 °C in humans at rest (Guyton & Hall ch. 74).
# Light: no irradiation unless the user supplies it (0 W/cm²).
_EXTRACELLULAR_NORMAL = {"pH": 7.4, "glutathione_uM": 10.0, "temperature_C": 37.0,
                         "light_W_cm2": 0.0,
                         "enzymes": {"MMP-2": 0.1, "MMP-9": 0.1, "cathepsin B": 0.1}}

_ORGAN_OVERRIDES: dict[str, dict[str, Any]] = {
    "blood": {}, "plasma": {},
    "liver": {}, "spleen": {}, "kidney": {}, "lung": {}, "heart": {}, "brain": {},
    "muscle": {}, "gut": {}, "bone": {}, "marrow": {}, "adipose": {}, "rest": {},
    "carcass": {}, "lymph_node": {},
    "skin": {"temperature_C": 33.0},
    "tumor": {"pH": 6.8, "enzymes": {"MMP-2": 1.0, "MMP-9": 1.0, "cathepsin B": 1.0}},
}

# Intracellular compartments (after uptake): cytosolic GSH and endolysosomal pH.
_INTRACELLULAR = {"glutathione_uM": 5000.0, "pH": 5.0}  # Wu 2004 (2-10 mM); Mellman 1986
_INTRACELLULAR_OVERRIDES = {"liver": {"glutathione_uM": 7000.0},  # hepatocytes 5-10 mM (Wu 2004)
                            "tumor": {"glutathione_uM": 10000.0}}  # Gamcsik 2012 (elevated)

#: Organ names with tabulated microenvironments.
ORGANS = tuple(_ORGAN_OVERRIDES)

_COMPARTMENTS = ("extracellular", "intracellular")


def microenvironment(organ: str, compartment: str = "extracellular") -> dict[str, Any]:
    """Typical stimulus levels in an organ (sources in the module source comments).

    Parameters
    ----------
    organ
        A PBPK organ name (``blood``, ``plasma``, ``liver``, ``spleen``, ``kidney``, ``lung``,
        ``heart``, ``brain``, ``muscle``, ``skin``, ``gut``, ``bone``, ``marrow``, ``adipose``,
        ``rest``, ``carcass``, ``lymph_node``, ``tumor``), case-insensitive.
    compartment
        ``"extracellular"`` (interstitium/plasma; default) or ``"intracellular"`` (endolysosome pH,
        cytosolic glutathione).

    Returns
    -------
    dict
        ``pH``, ``glutathione_uM``, ``temperature_C``, ``light_W_cm2`` and ``enzymes`` (relative
        activity 0..1 by enzyme name). A fresh copy each call.

    Examples
    --------
    >>> microenvironment("tumor")["pH"]
    6.8
    >>> microenvironment("plasma")["glutathione_uM"]
    10.0
    >>> microenvironment("liver", "intracellular")["glutathione_uM"]
    7000.0
    """
    key = canonical_organ(organ)
    if key not in _ORGAN_OVERRIDES:
        raise DesignError(
            f"organ: unknown organ {organ!r}; use one of {', '.join(ORGANS)}", "organ")
    if compartment not in _COMPARTMENTS:
        raise DesignError(
            f"compartment: {compartment!r} is not known; use 'extracellular' or 'intracellular'",
            "compartment")
    env = copy.deepcopy(_EXTRACELLULAR_NORMAL)
    for k, v in _ORGAN_OVERRIDES[key].items():
        env[k] = copy.deepcopy(v)
    if compartment == "intracellular":
        env.update(_INTRACELLULAR)
        env.update(_INTRACELLULAR_OVERRIDES.get(key, {}))
    return env


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _env_value(environment: Mapping[str, Any], key: str, field: str) -> float:
    if key not in environment:
        raise DesignError(
            f"environment: has no {key!r} needed by a {field} trigger; add it or use "
            "microenvironment(organ)", "environment")
    return float(environment[key])


def trigger_active(trigger: Any, environment: Mapping[str, Any]) -> bool:
    """Whether one trigger fires in ``environment`` (semantics in the module docstring).

    Parameters
    ----------
    trigger
        A ``Trigger`` object or mapping with ``kind``, ``threshold``, ``enzyme`` (for
        ``kind="enzyme"``) and ``rate_multiplier``.
    environment
        Stimulus levels as returned by :func:`microenvironment`.

    Examples
    --------
    >>> trigger_active({"kind": "pH", "threshold": 6.9}, microenvironment("tumor"))
    True
    >>> trigger_active({"kind": "pH", "threshold": 6.9}, microenvironment("blood"))
    False
    """
    kind = _get(trigger, "kind")
    threshold = _get(trigger, "threshold")
    if kind not in TRIGGER_KINDS:
        raise DesignError(
            f"payloads.release.gate.triggers.kind: unknown trigger {kind!r}; use one of "
            f"{', '.join(TRIGGER_KINDS)}", "payloads.release.gate.triggers.kind")
    if threshold is None:
        raise DesignError(
            f"payloads.release.gate.triggers.threshold: missing for the {kind} trigger; give the "
            "stimulus level at which release speeds up", "payloads.release.gate.triggers.threshold")
    threshold = float(threshold)
    if kind == "pH":
        return _env_value(environment, "pH", kind) <= threshold
    if kind == "glutathione":
        return _env_value(environment, "glutathione_uM", kind) >= threshold
    if kind == "temperature":
        return _env_value(environment, "temperature_C", kind) >= threshold
    if kind == "light":
        return _env_value(environment, "light_W_cm2", kind) >= threshold
    enzyme = _get(trigger, "enzyme")
    if not enzyme:
        raise DesignError(
            "payloads.release.gate.triggers.enzyme: an enzyme trigger needs the enzyme name; "
            "give e.g. 'MMP-2'", "payloads.release.gate.triggers.enzyme")
    levels = environment.get("enzymes", {}) or {}
    lookup = {str(k).lower(): float(v) for k, v in levels.items()}
    return lookup.get(str(enzyme).lower(), 0.0) >= threshold


def gate_multiplier(gate: Any, environment: Mapping[str, Any] | str) -> float:
    """Factor on the baseline release rate given by a stimulus gate in an environment.

    Parameters
    ----------
    gate
        A ``ReleaseGate`` (or mapping) with ``combine`` (``"and"``/``"or"``) and ``triggers``;
        ``None`` means no gate (factor 1).
    environment
        Stimulus levels (see :func:`microenvironment`) or an organ name.

    Returns
    -------
    float
        1.0 if the gate is inactive; otherwise the largest ``rate_multiplier`` among the active
        triggers (for ``"and"``: all triggers are active).

    Examples
    --------
    >>> gate = {"combine": "and", "triggers": [
    ...     {"kind": "pH", "threshold": 6.9, "rate_multiplier": 5.0},
    ...     {"kind": "enzyme", "enzyme": "MMP-9", "threshold": 0.5, "rate_multiplier": 10.0}]}
    >>> gate_multiplier(gate, "tumor"), gate_multiplier(gate, "blood")
    (10.0, 1.0)
    """
    if gate is None:
        return 1.0
    env = microenvironment(environment) if isinstance(environment, str) else environment
    combine = str(_get(gate, "combine", "or")).lower()
    if combine not in ("and", "or"):
        raise DesignError(
            f"payloads.release.gate.combine: {combine!r} is not known; use 'and' or 'or'",
            "payloads.release.gate.combine")
    triggers = list(_get(gate, "triggers", []) or [])
    if not triggers:
        return 1.0
    active = [t for t in triggers if trigger_active(t, env)]
    fires = len(active) == len(triggers) if combine == "and" else bool(active)
    if not fires:
        return 1.0
    mults = []
    for t in active:
        m = _get(t, "rate_multiplier", None)
        if m is None or not float(m) > 0:
            raise DesignError(
                f"payloads.release.gate.triggers.rate_multiplier: {m!r} must be > 0; give the "
                "factor by which the release rate rises when the trigger fires, e.g. 10",
                "payloads.release.gate.triggers.rate_multiplier")
        mults.append(float(m))
    return max(mults)
