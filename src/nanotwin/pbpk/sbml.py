"""Export the PBPK model of a design as SBML Level 3 Version 2 (libSBML).

Every state becomes a species (amount in %ID, ``hasOnlySubstanceUnits``) in one unit compartment;
every edge of :mod:`nanotwin.pbpk.model` a reaction ``src -> dst`` with the mass-action law
``k * src`` (times ``(1 - sat * scale)`` for capacity-limited edges); label detachment and the
label on excreted particles are product-only reactions with ``exp(-k_det * time)`` in the rate.
The payload (drug) extension is not exported.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nanotwin.errors import DesignError
from nanotwin.pbpk.model import STATE_NAMES, compiled, initial_state
from nanotwin.pbpk.parameters import build_parameters

__all__ = ["export_sbml"]


def _check(code: int, what: str) -> None:
    import libsbml

    if code != libsbml.LIBSBML_OPERATION_SUCCESS:  # pragma: no cover - programming error
        msg = libsbml.OperationReturnValue_toString(code)
        raise RuntimeError(f"libSBML failed to {what}: {msg}")


def _reaction(m: Any, rid: str, reactant: str | None, product: str,
              modifiers: tuple[str, ...], formula: str) -> None:
    """Add an irreversible reaction ``reactant -> product`` with the given rate law."""
    import libsbml

    r = m.createReaction()
    r.setId(rid)
    r.setReversible(False)
    for species, make in ((reactant, r.createReactant), (product, r.createProduct)):
        if species is not None:
            ref = make()
            ref.setSpecies(species)
            ref.setStoichiometry(1.0)
            ref.setConstant(True)
    for species in modifiers:
        r.createModifier().setSpecies(species)
    _check(r.createKineticLaw().setMath(libsbml.parseL3Formula(formula)), f"parse {formula}")


def export_sbml(design: Any, species: str | None = None, *,
                overrides: dict[str, Any] | None = None) -> str:
    """SBML text of the design's PBPK model (particles and radiolabel; not the payload).

    Parameters
    ----------
    design
        Design, mapping or path.
    species
        ``"mouse"``, ``"rat"``, ``"human"`` or ``None`` (the design's).
    overrides
        Named parameter overrides, as in :func:`nanotwin.pbpk.build_parameters`.

    Returns
    -------
    str
        The SBML document.

    Examples
    --------
    >>> from nanotwin.pbpk import demo_design
    >>> text = export_sbml(demo_design())
    >>> text.startswith("<?xml") and "liver_pc" in text
    True
    """
    import libsbml

    from nanotwin.design import Design, load_design

    if not isinstance(design, Design):
        design = load_design(design)
    p = build_parameters(design, species, overrides)
    c = compiled(p)
    y0 = initial_state(p)
    doc = libsbml.SBMLDocument(3, 2)
    m = doc.createModel()
    m.setId("nanotwin_pbpk")
    m.setName(f"nanotwin PBPK: {design.name} ({p.meta['species']})")
    m.setTimeUnits("dimensionless")
    comp = m.createCompartment()
    _check(comp.setId("body"), "set compartment")
    comp.setConstant(True)
    comp.setSize(1.0)
    comp.setSpatialDimensions(3)
    for i, s in enumerate(STATE_NAMES):
        sp = m.createSpecies()
        sp.setId(s)
        sp.setCompartment("body")
        sp.setInitialAmount(float(y0[i]))
        sp.setHasOnlySubstanceUnits(True)
        sp.setBoundaryCondition(False)
        sp.setConstant(False)

    def param(pid: str, value: float) -> None:
        par = m.createParameter()
        par.setId(pid)
        par.setValue(float(value))
        par.setConstant(True)

    param("k_det", float(c.k_det))
    sat_of = {int(e): j for j, e in enumerate(c.sat_edge)}
    for e in range(c.src.size):
        src, dst = STATE_NAMES[c.src[e]], STATE_NAMES[c.dst[e]]
        kid = f"k_{e}"
        param(kid, float(c.k[e]))
        formula = f"{kid} * {src}"
        if e in sat_of:
            j = sat_of[e]
            param(f"scale_{e}", float(c.sat_scale[j]))
            formula += f" * (1 - {STATE_NAMES[c.sat_state[j]]} * scale_{e})"
        modifiers = (STATE_NAMES[c.sat_state[sat_of[e]]],) if e in sat_of else ()
        _reaction(m, f"r_{e}_{src}_to_{dst}", src, dst, modifiers, formula)
    for g in range(c.g_rows.size):
        src, dst = STATE_NAMES[c.g_cols[g]], STATE_NAMES[c.g_rows[g]]
        coef = float(np.asarray(c.g_coef)[g])
        if coef == 0.0:
            continue
        param(f"g_{g}", coef)
        # the detached label appears in dst without consuming the particle state src
        _reaction(m, f"label_{g}_{src}_to_{dst}", None, dst, (src,),
                  f"g_{g} * exp(-k_det * time) * {src}")
    if doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR):
        raise DesignError(f"export_sbml: libSBML reports {doc.getError(0).getMessage()}",
                          "export_sbml")  # pragma: no cover
    return libsbml.writeSBMLToString(doc)
