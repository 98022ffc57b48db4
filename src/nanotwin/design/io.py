"""Reading design files (YAML, JSON, TOML), turning validation errors into one-line messages,
design warnings, and the JSON Schema for editors."""

from __future__ import annotations

import difflib
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nanotwin.design.models import Design
from nanotwin.errors import DesignError, DesignWarning

__all__ = ["load_design", "read_design_file", "design_schema", "design_warnings"]


def read_design_file(path: str | Path) -> dict[str, Any]:
    """Parse a YAML, JSON or TOML design file into a mapping.

    The file is read within the limits of :mod:`nanotwin.inputs` (size, UTF-8, nesting, YAML
    aliases, string length) before it is parsed.

    Raises
    ------
    DesignError
        If the file is missing, too large, not UTF-8, has an unknown suffix or is malformed
        (with line and column).
    """
    from nanotwin.inputs import load_mapping_file

    return load_mapping_file(path, what="design file")


def _model_at(loc: tuple[Any, ...]) -> Any:
    """The pydantic model class that owns the field at ``loc`` (for suggestions)."""
    import typing

    model: Any = Design
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return None
        ann = field.annotation
        found = None
        stack = [ann]
        while stack:
            t = stack.pop()
            if isinstance(t, type) and hasattr(t, "model_fields"):
                found = t
                break
            stack.extend(typing.get_args(t))
        if found is None:
            return None
        model = found
    return model


def _format_error(err: Mapping[str, Any]) -> str:
    from nanotwin.inputs import cut, short

    loc = tuple(err.get("loc", ()))
    field = ".".join(str(p) for p in loc) or "design"
    etype = err.get("type", "")
    msg = str(err.get("msg", ""))
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if etype == "missing":
        return f"{field}: is required but missing; add it to the design"
    if etype == "extra_forbidden":
        model = _model_at(loc)
        names = list(getattr(model, "model_fields", {}) or [])
        key = str(loc[-1]).lower()[:200]
        close = [n for n in names if n.startswith(key) or key in n][:3]
        close = close or difflib.get_close_matches(key, names, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}?" if close else f"allowed: {', '.join(names)}"
        return f"{cut(field, 120)}: unknown field; {hint}"
    if etype in ("literal_error", "enum"):
        expected = re.findall(r"'([^']+)'", str(ctx.get("expected", "")))
        close = difflib.get_close_matches(str(value)[:200], expected, n=3, cutoff=0.4) \
            if isinstance(value, str) else []
        hint = f"did you mean {', '.join(close)}?" if close else f"use one of {', '.join(expected)}"
        return f"{field}: {short(value)} is not allowed; {hint}"
    if etype == "string_too_long":
        n = len(value) if isinstance(value, str) else "too many"
        return (f"{field}: is {n} characters long; at most {ctx.get('max_length')} are allowed "
                "— shorten it")
    if etype == "too_long":
        n = len(value) if hasattr(value, "__len__") else "too many"
        return (f"{field}: has {n} entries; at most {ctx.get('max_length')} are allowed — "
                "remove some")
    if etype == "finite_number":
        return f"{field}: {short(value)} is not a finite number; give a finite value"
    if etype in ("string_type", "float_type", "int_type", "bool_type", "list_type",
                 "tuple_type") and not isinstance(value, str | int | float):
        what = {"string_type": "a text", "float_type": "a number", "int_type": "a whole number",
                "bool_type": "true or false", "list_type": "a list",
                "tuple_type": "a list"}[etype]
        return f"{field}: must be {what}, got {short(value)}"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    # a DesignError raised inside a validator already names its (leaf) field: drop that prefix
    leaf = str(loc[-1]) if loc else ""
    if leaf and msg.startswith(f"{leaf}: "):
        msg = msg[len(leaf) + 2:]
    # a model-level check names the sub-field it is about ("chelator: ...")
    m = re.match(r"^([a-z_0-9]+): (.*)$", msg)
    if m and m.group(1) in (getattr(_model_at((*loc, "_")), "model_fields", {}) or {}):
        return f"{field}.{m.group(1)}: {m.group(2)}"
    if etype in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return f"{field}: {msg.lower()}, got {short(value)}; correct the value"
    if etype in ("float_parsing", "float_type", "int_parsing", "int_from_float"):
        return f"{field}: {short(value)} is not a number; give a number with its unit"
    if etype in ("model_type", "model_attributes_type", "dict_type"):
        return f"{field}: must be a mapping of fields, got {type(value).__name__}"
    if etype == "too_short":
        return f"{field}: must not be empty; {msg.lower()}"
    return f"{field}: {cut(msg, 300)}"


def design_warnings(design: Design) -> list[str]:
    """Warnings for unusual but legal designs (also emitted by :func:`load_design`).

    Rules and their sources:

    - a long-circulating particle (PEGylated or zwitterionic, 10–200 nm; blood half-lives of
      ~5–20 h in mice, e.g. PEG liposomes: Allen & Cullis, Adv Drug Deliv Rev 2013;65:36)
      labelled with a nuclide of half-life < 2 h (F-18, Ga-68, C-11 …) cannot be imaged at the
      times when such particles reach tumours (24–48 h);
    - hydrodynamic diameter > 200 nm given intravenously: fast MPS and lung capture
      (Blanco et al., Nat Biotechnol 2015;33:941);
    - zeta potential > +30 mV given intravenously: fast opsonisation, MPS uptake and toxicity
      (Fröhlich, Int J Nanomedicine 2012;7:5577);
    - dose given both as mg/kg and as particle number (mg/kg is used).
    """
    out = []
    npart = design.nanoparticle
    long_circ = (npart.coating.peg is not None or npart.coating.zwitterionic) and (
        10.0 <= npart.hydrodynamic_diameter <= 200.0)
    for i, lab in enumerate(design.radiolabels):
        from nanotwin.physics import half_life

        t_half = half_life(lab.nuclide, "h")
        if long_circ and t_half < 2.0:
            out.append(
                f"radiolabels.{i}.nuclide: {lab.nuclide} (half-life {t_half:.3g} h) is far "
                "shorter than the blood circulation of a long-circulating particle (~5–20 h); "
                "tumour uptake at 24–48 h will not be visible — consider Cu-64 or Zr-89")
    iv = design.administration.route == "iv"
    if iv and npart.hydrodynamic_diameter > 200.0:
        out.append(
            f"nanoparticle.hydrodynamic_diameter: {npart.hydrodynamic_diameter:g} nm given "
            "intravenously will be captured fast by liver, spleen and lung")
    if iv and npart.zeta_potential > 30.0:
        out.append(
            f"nanoparticle.zeta_potential: +{npart.zeta_potential:g} mV given intravenously is "
            "cleared fast by the MPS and may be toxic")
    adm = design.administration
    if adm.dose_mg_per_kg is not None and adm.particle_number is not None:
        out.append("administration: both dose_mg_per_kg and particle_number given; nanotwin "
                   "uses dose_mg_per_kg and derives the particle number from it")
    return out


def load_design(
    source: str | Path | Mapping[str, Any] | Design,
    *,
    warn: bool = True,
    canonical_numbers: bool = False,
) -> Design:
    """Load and validate a design from a file (YAML/JSON/TOML) or a mapping.

    Parameters
    ----------
    source
        A path to a ``.yaml``/``.yml``/``.json``/``.toml`` file, a mapping, or a Design.
    warn
        Emit :class:`~nanotwin.errors.DesignWarning` for unusual but legal designs.
    canonical_numbers
        Accept bare numbers for quantities, taken to be in the canonical unit (nm, mV, h, MBq,
        kg, …). Off by default: in a design file every quantity must carry its unit. Use it to
        reload ``design.model_dump()``.

    Returns
    -------
    Design
        The validated, frozen design with all quantities in canonical units.

    Raises
    ------
    DesignError
        With a one-line message naming the field, what is wrong and how to fix it.

    Examples
    --------
    >>> d = load_design({"name": "AuNP", "nanoparticle": {"platform": "gold",
    ...                  "hydrodynamic_diameter": "15 nm", "zeta_potential": "-20 mV"}})
    >>> d.nanoparticle.zeta_potential
    -20.0
    >>> try:
    ...     load_design({"name": "x", "nanoparticle": {"platform": "gold",
    ...                  "hydrodynamic_diameter": "-5 nm"}})
    ... except DesignError as err:
    ...     print(err)
    nanoparticle.hydrodynamic_diameter: must be > 0 nm, got -5 nm; give the DLS diameter, e.g. 30 nm
    """
    from pydantic import ValidationError

    if isinstance(source, Design):
        design = source
    else:
        if isinstance(source, str | Path):
            data: Any = read_design_file(source)
            where = f"{Path(source).name}: "
        elif isinstance(source, Mapping):
            from nanotwin.inputs import check_tree

            check_tree(source, "design")
            data = dict(source)
            where = ""
        else:
            raise DesignError(
                f"load_design: expected a file path or a mapping, got {type(source).__name__}")
        try:
            design = Design.model_validate(
                data, context={"canonical_numbers": canonical_numbers})
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            raise DesignError(where + _format_error(first), field=".".join(
                str(p) for p in first.get("loc", ()))) from None
    if warn:
        for text in design_warnings(design):
            warnings.warn(text, DesignWarning, stacklevel=2)
    return design


def design_schema() -> dict[str, Any]:
    """The JSON Schema of a design file (for editors such as VS Code's YAML extension).

    Examples
    --------
    >>> schema = design_schema()
    >>> schema["title"], "nanoparticle" in schema["properties"]
    ('Design', True)
    """
    schema = Design.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["description"] = (
        "A nanotwin nanomedicine design. Quantities accept a number in the canonical unit given "
        "in each field's description, or text with a unit such as '30 nm' or '5 MBq'.")
    return schema
