"""Drug-name normalisation for nanomedicines in spontaneous reports.

Reporters write the same product many ways (``DOXIL``, ``CAELYX``, ``DOXORUBICIN HCL LIPOSOME
INJECTION``, ``DOXIL (DOXORUBICIN HYDROCHLORIDE) LIPOSOME``). A nanomedicine must not be pooled
with its conventional parent drug (liposomal doxorubicin has a different safety profile from
doxorubicin: hand-foot syndrome instead of cardiotoxicity; Gabizon & Barenholz reviews), so
names are mapped to the catalog product (:func:`nanotwin.catalog.products`) by, in order:

1. a product name, catalog alias or listed spelling (``nanotwin/data/pv/nanomedicine_names.yaml``)
   occurring as a whole run of words in the name;
2. a liposome word (``liposome``, ``liposomal``) together with an active ingredient that has one
   liposomal product (doxorubicin -> Doxil, irinotecan -> Onivyde, ...);
3. a protein-bound word (``protein-bound``, ``albumin``, ``nab``) with paclitaxel -> Abraxane.

Everything else is a conventional drug, named by its active ingredient (``prod_ai``) when given,
else by the drug name, upper case with single spaces.

Examples
--------
>>> normalise_drug_name("DOXIL (DOXORUBICIN HYDROCHLORIDE) LIPOSOME INJECTION")
'Doxil'
>>> normalise_drug_name("doxorubicin hcl liposome"), normalise_drug_name("Caelyx")
('Doxil', 'Doxil')
>>> normalise_drug_name("DOXORUBICIN", "DOXORUBICIN HYDROCHLORIDE")
'DOXORUBICIN HYDROCHLORIDE'
>>> normalise_drug_name("nab-paclitaxel"), normalise_drug_name("CPX-351")
('Abraxane', 'Vyxeos')
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from nanotwin._paths import package_data
from nanotwin.errors import DataError

__all__ = ["normalise_drug_name", "normalise_drug_names", "nanomedicine_products",
           "is_nanomedicine"]

_LIPO_WORDS = {"liposome", "liposomal", "liposomes", "liposomale", "liposomial"}
_PB_WORDS = {"protein", "albumin", "nab"}


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(t for t in re.split(r"[^0-9a-z]+", str(text).lower()) if t)


@lru_cache(maxsize=1)
def _tables() -> tuple[tuple[tuple[tuple[str, ...], str], ...], dict[str, str], dict[str, str]]:
    import yaml

    from nanotwin.catalog import products

    path = package_data("pv", "nanomedicine_names.yaml")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        raise DataError("pv: package data nanomedicine_names.yaml is missing or not YAML; "
                        "reinstall nanotwin") from None
    known = {p.name for p in products()}
    spellings: list[tuple[tuple[str, ...], str]] = []
    for p in products():
        for alias in (p.name, *p.aliases):
            spellings.append((_tokens(alias), p.name))
    for prod, items in (data.get("spellings") or {}).items():
        if prod not in known:
            raise DataError(f"pv: nanomedicine_names.yaml names {prod!r}, which is not a "
                            "catalog product; fix the package data")
        for item in items:
            spellings.append((_tokens(item["name"]), prod))
    # longest spellings first, so "non pegylated liposomal doxorubicin" beats "liposomal ..."
    spellings = [s for s in spellings if s[0]]
    spellings.sort(key=lambda s: -len(s[0]))
    return tuple(spellings), dict(data.get("liposomal") or {}), dict(data.get("protein_bound")
                                                                      or {})


def _contains(tokens: tuple[str, ...], run: tuple[str, ...]) -> bool:
    k = len(run)
    return any(tokens[i:i + k] == run for i in range(len(tokens) - k + 1))


@lru_cache(maxsize=65536)
def _nano_product(name: str) -> str | None:
    toks = _tokens(name)
    if not toks:
        return None
    spellings, lipo, pb = _tables()
    # joined form too, so "nab-paclitaxel" == "nabpaclitaxel" and "CPX-351" == "cpx351"
    joined = "".join(toks)
    for run, prod in spellings:
        if _contains(toks, run) or (len(run) > 1 and "".join(run) == joined):
            return prod
    words = set(toks)
    if words & _LIPO_WORDS:
        for ai, prod in lipo.items():
            if ai in words:
                return prod
    if words & _PB_WORDS or "nabpaclitaxel" in words:
        for ai, prod in pb.items():
            if ai in words or "nab" + ai in words:
                return prod
    return None


def _clean(text: str | None) -> str:
    return " ".join(str(text or "").upper().split())


def normalise_drug_name(drugname: str | None, prod_ai: str | None = None) -> str:
    """The catalog product of a nanomedicine, else the active ingredient (or name) upper case.

    Parameters
    ----------
    drugname
        The verbatim drug name (FAERS ``drugname``).
    prod_ai
        The product's active ingredient (FAERS ``prod_ai``), used for conventional drugs.

    Examples
    --------
    >>> normalise_drug_name("Onivyde"), normalise_drug_name("irinotecan", "IRINOTECAN HCL")
    ('Onivyde', 'IRINOTECAN HCL')
    """
    prod = _nano_product(str(drugname or ""))
    if prod is not None:
        return prod
    ai = _clean(prod_ai)
    return ai if ai else _clean(drugname)


def normalise_drug_names(drugnames: Iterable[str | None],
                         prod_ais: Iterable[str | None] | None = None) -> list[str]:
    """:func:`normalise_drug_name` over two parallel sequences.

    Examples
    --------
    >>> normalise_drug_names(["ABRAXANE", "PACLITAXEL"], ["PACLITAXEL", "PACLITAXEL"])
    ['Abraxane', 'PACLITAXEL']
    """
    names = list(drugnames)
    ais = [None] * len(names) if prod_ais is None else list(prod_ais)
    if len(ais) != len(names):
        raise DataError(f"drug names: {len(names)} names but {len(ais)} active ingredients; "
                        "give one per name")
    return [normalise_drug_name(n, a) for n, a in zip(names, ais, strict=True)]


def nanomedicine_products() -> list[str]:
    """Catalog product names that normalisation can return.

    Examples
    --------
    >>> "Doxil" in nanomedicine_products()
    True
    """
    from nanotwin.catalog import products

    return [p.name for p in products()]


def is_nanomedicine(name: str) -> bool:
    """Whether a (normalised or verbatim) drug name is a catalog nanomedicine.

    Examples
    --------
    >>> is_nanomedicine("Lipodox"), is_nanomedicine("DOXORUBICIN")
    (True, False)
    """
    return _nano_product(str(name)) is not None
