"""Loading and name matching for the YAML files of the reference catalog.

The files live in ``nanotwin/data/catalog`` (see its ``SOURCES.md``). The modules that use them
cache only the immutable objects built from them (tuples and frozen models).
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from nanotwin._paths import package_data
from nanotwin.errors import DataError

__all__ = ["load_yaml", "norm_key", "closest"]


def load_yaml(name: str) -> Any:
    """Parsed content of ``nanotwin/data/catalog/<name>``.

    Examples
    --------
    >>> "chelators" in load_yaml("chelators.yaml")
    True
    """
    import yaml

    path = package_data("catalog", name)
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError:
        raise DataError(
            f"catalog: package data file {name} is missing; reinstall nanotwin") from None
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise DataError(
            f"catalog: {name} is not valid YAML (line {line}); fix the package data") from None


_PRIMES = str.maketrans({"″": "", "′": "", "’": "", "'": "", '"': ""})


def norm_key(name: str) -> str:
    """Case- and punctuation-insensitive key of a catalog name.

    ``*`` is kept (as ``star``) because DFO and DFO* are different chelators.

    Examples
    --------
    >>> norm_key("CHX-A''-DTPA") == norm_key("chxa dtpa")
    True
    >>> norm_key("DFO*") == norm_key("DFO")
    False
    """
    text = str(name).translate(_PRIMES).replace("*", "star").replace("®", "").lower()
    return re.sub(r"[^0-9a-z]+", "", text)


def closest(name: str, candidates: dict[str, str], n: int = 3) -> list[str]:
    """Canonical names whose keys are closest to ``name`` (best first, no duplicates).

    ``candidates`` maps normalised keys to canonical names.
    """
    keys = difflib.get_close_matches(norm_key(name), list(candidates), n=8, cutoff=0.6)
    out: list[str] = []
    for k in keys:
        canon = candidates[k]
        if canon not in out:
            out.append(canon)
    return out[:n]
