"""Nanocarrier platforms and approved or pipeline nanomedicines.

Data: ``nanotwin/data/catalog/platforms.yaml`` and ``products.yaml``; each entry carries its
source (paper with DOI, regulatory label or ClinicalTrials.gov ID).
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, ConfigDict

from nanotwin.catalog._load import closest, load_yaml, norm_key
from nanotwin.errors import DesignError

__all__ = ["Platform", "Product", "platforms", "get_platform", "products", "get_product"]


class Platform(BaseModel):
    """A nanocarrier platform (immutable).

    Attributes
    ----------
    name
        Platform key as used by ``nanotwin.design`` (``"liposome"``, ``"gold"`` …).
    size_nm
        Typical hydrodynamic size range (min, max) in nm.
    density_g_cm3
        Bulk density of the core material in g/cm^3, ``None`` for soft hydrated carriers.

    Examples
    --------
    >>> get_platform("gold").density_g_cm3
    19.3
    """

    model_config = ConfigDict(frozen=True)

    name: str
    label: str
    size_nm: tuple[float, float]
    density_g_cm3: float | None
    loading: str
    targeting: str
    clinical_examples: tuple[str, ...]
    source: str


class Product(BaseModel):
    """An approved or clinical-stage nanomedicine (immutable).

    Examples
    --------
    >>> get_product("nab-paclitaxel").name
    'Abraxane'
    """

    model_config = ConfigDict(frozen=True)

    name: str
    aliases: tuple[str, ...]
    platform: str
    payload: str
    size_nm: float | None
    indication: str
    status: str
    trial_ids: tuple[str, ...]
    source: str


@lru_cache(maxsize=1)
def _platforms() -> tuple[dict[str, Platform], dict[str, str]]:
    by_name: dict[str, Platform] = {}
    keys: dict[str, str] = {}
    for e in load_yaml("platforms.yaml")["platforms"]:
        lo, hi = e["size_nm"]
        p = Platform(
            name=e["name"], label=e["label"], size_nm=(float(lo), float(hi)),
            density_g_cm3=None if e.get("density_g_cm3") is None else float(e["density_g_cm3"]),
            loading=e["loading"], targeting=e["targeting"],
            clinical_examples=tuple(e.get("clinical_examples") or ()), source=e["source"])
        by_name[p.name] = p
        keys[norm_key(p.name)] = p.name
    return by_name, keys


@lru_cache(maxsize=1)
def _products() -> tuple[dict[str, Product], dict[str, str]]:
    by_name: dict[str, Product] = {}
    keys: dict[str, str] = {}
    for e in load_yaml("products.yaml")["products"]:
        p = Product(
            name=e["name"], aliases=tuple(e.get("aliases") or ()), platform=e["platform"],
            payload=str(e["payload"]),
            size_nm=None if e.get("size_nm") is None else float(e["size_nm"]),
            indication=e["indication"], status=e["status"],
            trial_ids=tuple(e.get("trial_ids") or ()), source=e["source"])
        by_name[p.name] = p
        for alias in (p.name, *p.aliases):
            keys.setdefault(norm_key(alias), p.name)
    return by_name, keys


def platforms() -> list[Platform]:
    """All nanocarrier platforms of the catalog.

    Examples
    --------
    >>> "liposome" in [p.name for p in platforms()]
    True
    """
    return list(_platforms()[0].values())


def get_platform(name: str) -> Platform:
    """Look up a platform by its design key (case and punctuation insensitive).

    Raises
    ------
    DesignError
        One line with the closest platform names when ``name`` is unknown.

    Examples
    --------
    >>> get_platform("Iron oxide").size_nm
    (5.0, 200.0)
    """
    by_name, keys = _platforms()
    key = norm_key(name)
    if key in keys:
        return by_name[keys[key]]
    near = closest(name, keys)
    hint = f"did you mean {', '.join(near)}? " if near else ""
    raise DesignError(f"platform {name!r}: unknown platform; {hint}(see `nanotwin catalog "
                      "platforms`)", field="nanoparticle.platform")


def products() -> list[Product]:
    """All approved and pipeline nanomedicines of the catalog.

    Examples
    --------
    >>> "Doxil" in [p.name for p in products()]
    True
    """
    return list(_products()[0].values())


def get_product(name: str) -> Product:
    """Look up a nanomedicine by name or alias (``"Caelyx"`` -> Doxil, ``"CPX-351"`` -> Vyxeos).

    Raises
    ------
    DesignError
        One line with the closest product names when ``name`` is unknown.

    Examples
    --------
    >>> get_product("CPX-351").trial_ids
    ('NCT01696084',)
    """
    by_name, keys = _products()
    key = norm_key(name)
    if key in keys:
        return by_name[keys[key]]
    near = closest(name, keys)
    hint = f"did you mean {', '.join(near)}? " if near else ""
    raise DesignError(f"product {name!r}: unknown nanomedicine; {hint}(see `nanotwin catalog "
                      "products`)", field="product")
