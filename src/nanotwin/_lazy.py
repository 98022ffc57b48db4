"""Lazy public names of a package (PEP 562): importing the package stays light, and the module
that defines a name is imported when the name is first used."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(package: str, table: Mapping[str, str], public: Iterable[str]
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Module-level ``__getattr__`` and ``__dir__`` for ``package``.

    Parameters
    ----------
    package
        The package's name, for the error message.
    table
        Public name -> module that defines it.
    public
        The package's ``__all__``.

    Examples
    --------
    >>> getattr_, dir_ = lazy_exports("pkg", {"sqrt": "math"}, ["sqrt"])
    >>> getattr_("sqrt")(4.0), dir_()
    (2.0, ['sqrt'])
    """
    names = sorted(public)

    def module_getattr(name: str) -> Any:
        if name in table:
            return getattr(import_module(table[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def module_dir() -> list[str]:
        return list(names)

    return module_getattr, module_dir
