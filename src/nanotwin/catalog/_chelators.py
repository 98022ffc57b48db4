"""Bifunctional chelators: which radiometals each holds, labelling conditions, in-vivo stability.

Data: ``nanotwin/data/catalog/chelators.yaml``; every entry carries its source (mainly Price &
Orvig, Chem Soc Rev 2014;43:260, doi:10.1039/C3CS60304K, and the primary papers named there).
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, ConfigDict

from nanotwin.catalog._load import closest, load_yaml, norm_key
from nanotwin.errors import DesignError

__all__ = ["Chelator", "get_chelator", "chelators", "chelators_for"]


def _element(symbol: str) -> str:
    s = str(symbol).strip()
    return s[:1].upper() + s[1:].lower()


class Chelator(BaseModel):
    """A bifunctional chelator from the reference catalog (immutable).

    Attributes
    ----------
    name
        Canonical name (e.g. ``"DOTA"``, ``"CHX-A''-DTPA"``, ``"DFO*"``).
    aliases
        Other spellings and common bifunctional derivatives.
    metals
        Element symbols the chelator is used to hold in vivo.
    weak_metals
        Subset of ``metals`` with documented in-vivo loss or a better alternative.
    labelling_conditions, stability
        Free text from the sources.
    detachment_half_life_h
        In-vivo label-loss half-life per metal in hours where a published number supports one,
        ``None`` where unknown (see ``detachment_basis``).
    source
        Citation(s) with DOI.

    Examples
    --------
    >>> dfo = get_chelator("deferoxamine")
    >>> dfo.name, dfo.holds("Zr"), dfo.holds("Lu")
    ('DFO', True, False)
    """

    model_config = ConfigDict(frozen=True)

    name: str
    full_name: str
    aliases: tuple[str, ...]
    denticity: int
    kind: str
    metals: tuple[str, ...]
    weak_metals: tuple[str, ...]
    labelling_conditions: str
    stability: str
    detachment_half_life_h: dict[str, float | None]
    detachment_basis: str
    source: str

    def holds(self, element: str) -> bool:
        """Whether the chelator holds ``element`` (symbol, any case) in vivo.

        Examples
        --------
        >>> get_chelator("DOTA").holds("lu")
        True
        """
        return _element(element) in self.metals

    def detachment_half_life(self, element: str) -> float | None:
        """Published label-loss half-life [h] for ``element``, or ``None`` when unknown.

        Examples
        --------
        >>> get_chelator("NOTA").detachment_half_life("Cu")
        1568.0
        >>> get_chelator("DFO").detachment_half_life("Zr") is None
        True
        """
        return self.detachment_half_life_h.get(_element(element))


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, Chelator], dict[str, str]]:
    raw = load_yaml("chelators.yaml")["chelators"]
    by_name: dict[str, Chelator] = {}
    keys: dict[str, str] = {}
    for entry in raw:
        metals = tuple(_element(m) for m in entry["metals"])
        half = {_element(m): (None if v is None else float(v))
                for m, v in (entry.get("detachment_half_life_h") or {}).items()}
        for m in metals:
            half.setdefault(m, None)
        ch = Chelator(
            name=entry["name"],
            full_name=str(entry["full_name"]),
            aliases=tuple(str(a) for a in entry.get("aliases", [])),
            denticity=int(entry["denticity"]),
            kind=str(entry["kind"]),
            metals=metals,
            weak_metals=tuple(_element(m) for m in entry.get("weak_metals", [])),
            labelling_conditions=str(entry["labelling_conditions"]),
            stability=str(entry["stability"]),
            detachment_half_life_h=half,
            detachment_basis=str(entry["detachment_basis"]),
            source=str(entry["source"]),
        )
        by_name[ch.name] = ch
        for alias in (ch.name, *ch.aliases):
            keys.setdefault(norm_key(alias), ch.name)
    return by_name, keys


def chelators() -> list[Chelator]:
    """All chelators of the catalog, in catalog order.

    Examples
    --------
    >>> "DOTA" in [c.name for c in chelators()]
    True
    """
    return list(_table()[0].values())


def get_chelator(name: str) -> Chelator:
    """Look up a chelator by name or alias (case and punctuation insensitive).

    Parameters
    ----------
    name
        E.g. ``"DOTA"``, ``"CHX-A''-DTPA"``, ``"chxa-dtpa"``, ``"desferrioxamine"``, ``"DFO*"``,
        ``"SarAr"``, ``"macropa"``.

    Raises
    ------
    DesignError
        One line naming the closest catalog names when ``name`` is unknown.

    Examples
    --------
    >>> get_chelator("CHXA-DTPA").name
    "CHX-A''-DTPA"
    >>> get_chelator("DFO*").name
    'DFO*'
    """
    by_name, keys = _table()
    key = norm_key(name)
    if key in keys:
        return by_name[keys[key]]
    near = closest(name, keys)
    hint = (f"did you mean {', '.join(near)}? (see `nanotwin catalog chelators`)" if near
            else "see `nanotwin catalog chelators` for the known names")
    raise DesignError(f"chelator {name!r}: unknown chelator; {hint}", field="chelator")


def chelators_for(element: str) -> list[str]:
    """Canonical names of the chelators that hold ``element`` (symbol, any case).

    Examples
    --------
    >>> {"DFO", "DFO*"} <= set(chelators_for("Zr"))
    True
    """
    el = _element(element)
    return [c.name for c in chelators() if el in c.metals]
