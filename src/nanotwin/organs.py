"""Organ spellings: one table for every reader of organ names given by a user.

Measured-data files, payload microenvironments and tables name organs in many ways ("tumour",
"kidneys", "bone marrow"); :func:`canonical_organ` maps them onto nanotwin's lower-case organ
names (those of the PBPK result). Whether the organ is known is for the caller to decide.

Examples
--------
>>> canonical_organ("Tumour")
'tumor'
>>> canonical_organ("bone marrow")
'marrow'
>>> canonical_organ("Lymph node")
'lymph_node'
"""

from __future__ import annotations

__all__ = ["ORGAN_ALIASES", "canonical_organ"]

#: Organ spellings (lower case) -> nanotwin organ name.
ORGAN_ALIASES = {
    "tumour": "tumor", "tumors": "tumor", "tumours": "tumor", "kidneys": "kidney",
    "lungs": "lung", "intestine": "gut", "intestines": "gut", "gi": "gut", "gi tract": "gut",
    "bone marrow": "marrow", "bone_marrow": "marrow", "fat": "adipose", "whole blood": "blood",
    "carcass": "rest", "remainder": "rest", "faeces": "feces", "stool": "feces",
    "bladder+urine": "urine", "myocardium": "heart", "skeletal muscle": "muscle",
    "lymph": "lymph_node",
}


def canonical_organ(name: str) -> str:
    """Lower-case, alias-resolved organ name; spaces become underscores if no alias matches.

    Examples
    --------
    >>> canonical_organ(" Kidneys ")
    'kidney'
    """
    key = str(name).strip().lower()
    if key in ORGAN_ALIASES:
        return ORGAN_ALIASES[key]
    key = key.replace(" ", "_")
    return ORGAN_ALIASES.get(key, key)
