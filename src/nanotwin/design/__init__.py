"""The nanotwin design language: how a scientist describes a nanomedicine.

Frozen pydantic v2 models (:class:`Design` and its parts), file loading with one-line errors
(:func:`load_design`), design warnings and the JSON Schema for editors (:func:`design_schema`).

Examples
--------
>>> from nanotwin.design import load_design
>>> d = load_design({"name": "liposome", "nanoparticle": {"platform": "liposome",
...                  "hydrodynamic_diameter": "100 nm"}})
>>> d.nanoparticle.platform
'liposome'
"""

from nanotwin.design.io import design_schema, design_warnings, load_design, read_design_file
from nanotwin.design.models import (
    PLATFORMS,
    SHAPES,
    Administration,
    Coating,
    ContrastComponent,
    Design,
    Ligand,
    Nanoparticle,
    Payload,
    Peg,
    Radiolabel,
    Release,
    ReleaseGate,
    Subject,
    Trigger,
    Tumor,
)

__all__ = [
    "PLATFORMS",
    "SHAPES",
    "Administration",
    "Coating",
    "ContrastComponent",
    "Design",
    "Ligand",
    "Nanoparticle",
    "Payload",
    "Peg",
    "Radiolabel",
    "Release",
    "ReleaseGate",
    "Subject",
    "Trigger",
    "Tumor",
    "design_schema",
    "design_warnings",
    "load_design",
    "read_design_file",
]
