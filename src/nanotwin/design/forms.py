"""The design form, generated from the design's JSON Schema (:func:`nanotwin.design_schema`).

:func:`form_spec` walks the schema into a tree of :class:`Field` and :class:`Group` entries (one
input per leaf, a fieldset per sub-object, repeatable fieldsets for lists such as ligands and
radiolabels, an "include" switch for optional sub-objects such as the PEG corona or the tumour).
Each leaf carries its unit and a one-line help: the schema's own description where it has one,
else the text in :data:`FIELD_HELP`. Input names are the dotted paths of the design
(``nanoparticle.hydrodynamic_diameter``, ``radiolabels.0.nuclide``), which are also the field
names that :class:`~nanotwin.errors.DesignError` reports, so an error is shown next to its input.

:func:`form_to_mapping` turns posted form fields back into a design mapping: empty inputs are
left out (the design's default applies), a bare number in a quantity input gets the input's unit
(``100`` in the diameter input is ``"100 nm"``), text with a unit is kept as typed.

Examples
--------
>>> spec = form_spec()
>>> f = find_field(spec, "nanoparticle.hydrodynamic_diameter")
>>> f.unit, f.required
('nm', True)
>>> form_to_mapping({"name": "x", "nanoparticle.platform": "gold",
...                  "nanoparticle.hydrodynamic_diameter": "30"})["nanoparticle"]
{'platform': 'gold', 'hydrodynamic_diameter': '30 nm'}
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

__all__ = ["dump_design_text", "Field", "Group", "form_spec", "find_field", "iter_fields",
           "form_to_mapping", "FIELD_HELP", "values_for_form"]

# Schema path "Model.field" -> (pint unit appended to a bare number or None, unit shown, help).
# Help texts are one line; where the schema has a description, the schema's text is shown and the
# entry here only supplies the unit.
FIELD_HELP: dict[str, tuple[str | None, str, str]] = {
    "Design.name": (None, "", "a short name for this design, shown in lists and reports"),
    "Design.description": (None, "", "free text: what the particle is and why"),
    "Design.references": (None, "", "publications the values come from, one per line"),
    "Administration.route": (None, "", "how the particle is given (iv = intravenous)"),
    "Administration.dose_mg_per_kg": ("mg/kg", "mg/kg", ""),
    "Administration.particle_number": (None, "particles", ""),
    "Administration.injected_activity": ("MBq", "MBq", ""),
    "Administration.calibration_time": ("h", "h", ""),
    "Administration.blocking": (None, "", ""),
    "Coating.zwitterionic": (None, "", "zwitterionic surface ligands (anti-fouling, like PEG)"),
    "Coating.membrane_cloak": (None, "", ""),
    "ContrastComponent.agent": (None, "", "the contrast element or kind: Gd/Mn/iron oxide (MRI),"
                                " Au/Bi/Hf/I/Yb (CT), dye (optical), PA absorber"),
    "ContrastComponent.name": (None, "", ""),
    "ContrastComponent.mass_fraction": (None, "0–1 or %", ""),
    "ContrastComponent.r1": ("1/mM/s", "1/(mM·s)", ""),
    "ContrastComponent.r2": ("1/mM/s", "1/(mM·s)", ""),
    "ContrastComponent.excitation_wavelength": ("nm", "nm", "excitation (absorption) "
                                                "wavelength of the dye or absorber"),
    "ContrastComponent.emission_wavelength": ("nm", "nm", "emission wavelength of the dye"),
    "Ligand.name": (None, "", "the ligand's name, e.g. cRGD, trastuzumab"),
    "Ligand.kind": (None, "", "the ligand's molecular class"),
    "Ligand.target": (None, "", ""),
    "Ligand.copies_per_particle": (None, "per particle", ""),
    "Ligand.kd": ("nM", "nM", ""),
    "Nanoparticle.platform": (None, "", "the particle family (sets density and MPS defaults)"),
    "Nanoparticle.core_material": (None, "", "core material, e.g. Au, Fe3O4, SiO2 (optional)"),
    "Nanoparticle.hydrodynamic_diameter": ("nm", "nm", ""),
    "Nanoparticle.pdi": (None, "0–1", ""),
    "Nanoparticle.shape": (None, "", "particle shape (non-spheres: give the aspect ratio)"),
    "Nanoparticle.aspect_ratio": (None, "ratio", ""),
    "Nanoparticle.zeta_potential": ("mV", "mV", ""),
    "Nanoparticle.density": ("g/cm**3", "g/cm³", ""),
    "Payload.drug": (None, "", "the drug's name, e.g. doxorubicin"),
    "Payload.drug_loading": (None, "% w/w", ""),
    "Payload.encapsulation_efficiency": (None, "%", "encapsulation efficiency EE"),
    "Peg.molecular_weight": ("Da", "Da", ""),
    "Peg.surface_density": ("1/nm**2", "chains/nm²", ""),
    "Radiolabel.nuclide": (None, "", ""),
    "Radiolabel.strategy": (None, "", "chelator-bound or chelator-free (intrinsic) label"),
    "Radiolabel.chelator": (None, "", ""),
    "Radiolabel.radiochemical_purity": (None, "0–1 or %", "fraction of the activity bound "
                                        "to particles at injection"),
    "Radiolabel.specific_activity": ("MBq/mg", "MBq/mg", "activity per mg of particle"),
    "Radiolabel.detachment_half_life": ("h", "h", ""),
    "Release.burst_fraction": (None, "0–1 or %", "fraction of the drug released at once "
                               "on injection"),
    "Release.model": (None, "", "release kinetics after the burst"),
    "Release.k_release": ("1/h", "1/h", ""),
    "Release.weibull_scale": ("h", "h", ""),
    "Release.weibull_shape": (None, "1", ""),
    "ReleaseGate.combine": (None, "", "all triggers must hold (and) or any of them (or)"),
    "Subject.species": (None, "", "the subject simulated"),
    "Subject.body_weight": ("kg", "kg (or '20 g')", ""),
    "Trigger.kind": (None, "", "what triggers faster release"),
    "Trigger.threshold": (None, "pH, mM, °C, rel. or W/cm²", "the level at which the "
                          "trigger holds (pH below it; GSH, temperature, enzyme, light above)"),
    "Trigger.enzyme": (None, "", ""),
    "Trigger.rate_multiplier": (None, "×", ""),
    "Tumor.model": (None, "", ""),
    "Tumor.cancer_type": (None, "", "cancer type, e.g. brain, breast"),
    "Tumor.graft": (None, "", "how the tumour was established"),
    "Tumor.site": (None, "", "where the tumour grows"),
    "Tumor.volume": ("mm**3", "mm³", ""),
    "Tumor.mass": ("g", "g", ""),
}

# One-line help for groups (sub-objects and lists).
GROUP_HELP: dict[str, str] = {
    "Design.nanoparticle": "the particle: platform, size, shape, charge, coating, ligands",
    "Nanoparticle.coating": "surface coating: PEG corona, zwitterions, membrane cloak",
    "Coating.peg": "poly(ethylene glycol) corona",
    "Nanoparticle.ligands": "targeting ligands on the surface",
    "Design.radiolabels": "radionuclides carried by the particle (PET, SPECT, therapy)",
    "Design.contrast": "imaging contrast components (MRI, CT, optical, photoacoustic)",
    "Design.payloads": "drugs carried by the particle",
    "Payload.release": "how the drug is released",
    "Release.gate": "stimuli (pH, glutathione, enzyme, heat, light) that speed release",
    "ReleaseGate.triggers": "the stimuli of the gate",
    "Design.administration": "how much is given, how, and with what activity",
    "Design.subject": "the animal or patient",
    "Subject.tumor": "the tumour model (leave out for a tumour-free subject)",
}


@dataclass
class Field:
    """One input of the form."""

    path: str  # dotted design path; "__i__" stands for a list index in templates
    label: str
    kind: str  # text | quantity | number | select | checkbox | lines
    unit: str = ""
    append_unit: str | None = None
    help: str = ""
    required: bool = False
    options: tuple[str, ...] = ()
    default: Any = None
    nullable: bool = False


@dataclass
class Group:
    """A fieldset: a sub-object (optional when ``optional``) or a list of sub-objects."""

    path: str
    label: str
    help: str = ""
    children: list[Field | Group] = field(default_factory=list)
    optional: bool = False  # an "include" switch (sub-object that may be absent)
    repeated: bool = False  # a list of items; ``children`` describe one item at "__i__"


def _label(name: str) -> str:
    text = name.replace("_", " ")
    text = {"pdi": "PDI", "kd": "Kd", "r1": "r1", "r2": "r2"}.get(text, text)
    return text[:1].upper() + text[1:]


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Resolve ``$ref`` and an ``anyOf`` with null; returns (node, nullable)."""
    nullable = False
    if "anyOf" in node:
        opts = [o for o in node["anyOf"] if o.get("type") != "null"]
        nullable = len(opts) < len(node["anyOf"])
        if len(opts) == 1:
            merged = {k: v for k, v in node.items() if k != "anyOf"}
            merged.update(opts[0])
            node = merged
        else:
            node = {**{k: v for k, v in node.items() if k != "anyOf"}, "anyOf": opts}
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        target = dict(schema["$defs"][name])
        target["_model"] = name
        for k in ("default", "description"):
            if k in node:
                target.setdefault(k, node[k])
        node = target
    return node, nullable


def _walk(schema: dict[str, Any], model: str, node: dict[str, Any], prefix: str,
          ) -> list[Field | Group]:
    out: list[Field | Group] = []
    required = set(node.get("required", ()))
    for name, raw in node.get("properties", {}).items():
        key = f"{model}.{name}"
        path = f"{prefix}{name}"
        sub, nullable = _resolve(schema, raw)
        desc = (raw.get("description") or sub.get("description") or "").strip()
        if "_model" in sub:  # a sub-object
            g = Group(path, _label(name), GROUP_HELP.get(key, desc), optional=nullable)
            g.children = _walk(schema, sub["_model"], sub, path + ".")
            out.append(g)
            continue
        if sub.get("type") == "array":
            item, _ = _resolve(schema, sub.get("items", {}))
            if "_model" in item:
                g = Group(path, _label(name), GROUP_HELP.get(key, desc), repeated=True)
                g.children = _walk(schema, item["_model"], item, path + ".__i__.")
                out.append(g)
                continue
            unit_append, unit, extra = FIELD_HELP.get(key, (None, "", ""))
            out.append(Field(path, _label(name), "lines", unit, None, desc or extra,
                             name in required, default=sub.get("default")))
            continue
        unit_append, unit, extra = FIELD_HELP.get(key, (None, "", ""))
        m = re.search(r"\[([^\]]+)\]", desc)
        if not unit and m:
            unit = m.group(1)
        help_text = extra or desc
        if "enum" in sub:
            kind = "select"
            options = tuple(sub["enum"])
        elif sub.get("type") == "boolean":
            kind, options = "checkbox", ()
        elif unit_append:
            kind, options = "quantity", ()
        elif sub.get("type") in ("number", "integer") or "anyOf" in sub:
            kind, options = "number", ()
        else:
            kind, options = "text", ()
        out.append(Field(path, _label(name), kind, unit, unit_append, help_text,
                         name in required, options, raw.get("default", sub.get("default")),
                         nullable))
    return out


@lru_cache(maxsize=1)
def _spec_cached() -> tuple[Field | Group, ...]:
    from nanotwin.design import design_schema

    schema = design_schema()
    return tuple(_walk(schema, "Design", schema, ""))


def form_spec() -> list[Field | Group]:
    """The form's tree of fields and groups, from the design schema."""
    return list(_spec_cached())


def iter_fields(spec: list[Field | Group]) -> list[Field]:
    """All leaf fields of ``spec`` (depth first)."""
    out: list[Field] = []
    for node in spec:
        if isinstance(node, Group):
            out.extend(iter_fields(node.children))
        else:
            out.append(node)
    return out


def find_field(spec: list[Field | Group], path: str) -> Field | None:
    """The leaf field at ``path`` (list indices may be given as numbers)."""
    key = re.sub(r"\.\d+\.", ".__i__.", path)
    key = re.sub(r"\.\d+\.", ".__i__.", key)
    return next((f for f in iter_fields(spec) if f.path == key), None)


_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _set(root: dict[str, Any], parts: list[str], value: Any) -> None:
    node: Any = root
    for i, p in enumerate(parts[:-1]):
        nxt: Any = {} if not parts[i + 1].isdigit() else {}
        node = node.setdefault(p, nxt)
    node[parts[-1]] = value


def _listify(node: Any) -> Any:
    """Turn dicts keyed by list indices into lists (in index order, gaps removed)."""
    if isinstance(node, dict):
        node = {k: _listify(v) for k, v in node.items()}
        if node and all(k.isdigit() for k in node):
            return [node[k] for k in sorted(node, key=int) if node[k] not in ({}, None)]
    return node


def form_to_mapping(form: dict[str, Any]) -> dict[str, Any]:
    """A design mapping from posted form fields (see the module docstring).

    Optional groups are included only when their ``<path>.__on`` switch is on; list items are
    renumbered in order.

    Examples
    --------
    >>> m = form_to_mapping({"name": "p", "nanoparticle.platform": "liposome",
    ...     "nanoparticle.hydrodynamic_diameter": "0.1 um",
    ...     "nanoparticle.coating.peg.molecular_weight": "2000",
    ...     "radiolabels.3.nuclide": "Cu-64", "radiolabels.3.chelator": "NOTA"})
    >>> m["nanoparticle"]["hydrodynamic_diameter"], m["nanoparticle"].get("coating")
    ('0.1 um', None)
    >>> m["radiolabels"]
    [{'nuclide': 'Cu-64', 'chelator': 'NOTA'}]
    """
    spec = form_spec()
    switches = {k[: -len(".__on")] for k, v in form.items() if k.endswith(".__on") and v}
    optional = [g.path for g in _groups(spec) if g.optional]
    root: dict[str, Any] = {}
    for key, raw in form.items():
        if key.endswith(".__on") or "__i__" in key:
            continue
        f = find_field(spec, key)
        if f is None:
            continue
        # inside an optional group that is switched off?
        generic = re.sub(r"\.\d+\.", ".__i__.", key)
        if any(generic.startswith(g + ".") and not _switched(key, g, switches)
               for g in optional):
            continue
        value = _convert(f, raw)
        if value is None:
            continue
        _set(root, key.split("."), value)
    out = _listify(root)
    return out if isinstance(out, dict) else {}


def _switched(key: str, generic_group: str, switches: set[str]) -> bool:
    """Is the concrete instance of ``generic_group`` that holds ``key`` switched on?"""
    parts, gparts = key.split("."), generic_group.split(".")
    concrete = ".".join(p if g == "__i__" else g for p, g in zip(parts, gparts, strict=False))
    return concrete in switches


def _groups(spec: list[Field | Group]) -> list[Group]:
    out: list[Group] = []
    for node in spec:
        if isinstance(node, Group):
            out.append(node)
            out.extend(_groups(node.children))
    return out


def _convert(f: Field, raw: Any) -> Any:
    text = " ".join(str(raw).split()) if f.kind != "lines" else str(raw)
    if f.kind == "checkbox":
        on = text.lower() in ("on", "true", "1", "yes")
        return True if on else (False if f.default is True else None)
    if f.kind == "lines":
        items = [ln.strip() for ln in text.splitlines() if ln.strip()]
        return items or None
    if text == "":
        return None
    if f.kind == "quantity" and _NUMBER.match(text):
        return f"{text} {f.append_unit}"
    if f.kind == "number" and _NUMBER.match(text):
        return float(text)
    return text


def values_for_form(mapping: dict[str, Any]) -> dict[str, str]:
    """Flat ``{input name: text}`` of a design mapping, to fill the form.

    A quantity given in the input's own unit is shown as the bare number (``"100 nm"`` ->
    ``"100"`` in the diameter input); others are shown as written. Optional groups that are
    present get their ``.__on`` switch.

    Examples
    --------
    >>> v = values_for_form({"name": "x", "nanoparticle": {"hydrodynamic_diameter": "100 nm",
    ...                      "coating": {"peg": {"molecular_weight": "2 kDa"}}}})
    >>> v["nanoparticle.hydrodynamic_diameter"], v["nanoparticle.coating.peg.__on"]
    ('100', 'on')
    >>> v["nanoparticle.coating.peg.molecular_weight"]
    '2 kDa'
    """
    spec = form_spec()
    optional = {g.path for g in _groups(spec) if g.optional}
    out: dict[str, str] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            generic = re.sub(r"\.\d+(?=\.|$)", ".__i__", prefix.rstrip("."))
            if prefix and generic in optional:
                out[prefix.rstrip(".") + ".__on"] = "on"
            for k, v in node.items():
                walk(v, f"{prefix}{k}.")
            return
        path = prefix.rstrip(".")
        f = find_field(spec, path)
        if isinstance(node, list | tuple):
            if f is not None and f.kind == "lines":
                out[path] = "\n".join(str(x) for x in node)
            else:
                for i, item in enumerate(node):
                    walk(item, f"{prefix}{i}.")
            return
        if node is None or f is None:
            return
        if isinstance(node, bool):
            out[path] = "on" if node else ""
            return
        text = f"{node:g}" if isinstance(node, float) else str(node)
        if f.kind == "quantity" and f.append_unit and text.endswith(" " + f.append_unit):
            head = text[: -len(f.append_unit) - 1].strip()
            if _NUMBER.match(head):
                text = head
        out[path] = text

    walk(mapping, "")
    return out


def dump_design_text(mapping: dict[str, Any], fmt: str = "yaml") -> str:
    """The design mapping as YAML or JSON text (what a user downloads).

    Examples
    --------
    >>> print(dump_design_text({"name": "x", "nanoparticle": {"platform": "gold"}}), end="")
    name: x
    nanoparticle:
      platform: gold
    """
    if fmt == "json":
        return json.dumps(mapping, indent=2, ensure_ascii=False) + "\n"
    import yaml

    return yaml.safe_dump(mapping, sort_keys=False, allow_unicode=True)
