"""Units for nanotwin: one pint registry, text parsing and canonical units.

Every quantity a user gives may be a number in the field's canonical unit or a text such as
``"30 nm"``, ``"5 MBq"``, ``"2 mg/kg"`` or ``"12.7 h"``. :func:`to_canonical` turns it into a float
in the canonical unit of that field or raises :class:`~nanotwin.errors.DesignError` with a one-line
message.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from nanotwin.errors import DesignError

__all__ = ["ureg", "to_canonical", "CANONICAL_UNITS", "format_quantity"]

#: Canonical units used to store quantities (pint spellings).
CANONICAL_UNITS: dict[str, str] = {
    "length_nm": "nm",
    "potential": "mV",
    "time": "h",
    "activity": "MBq",
    "mass_g": "g",
    "mass_mg": "mg",
    "dose_mg_per_kg": "mg/kg",
    "molar": "nM",
    "volume": "mL",
    "temperature": "degC",
    "specific_activity": "MBq/mg",
    "molar_mass": "g/mol",
    "areal_density": "1/nm**2",
    "concentration_mg_per_mL": "mg/mL",
    "irradiance": "W/cm**2",
}


def _import_pint() -> Any:
    """``import pint`` without dask: pint imports ``dask.base`` whenever dask is installed (for
    dask-array quantities, which nanotwin does not use), about 0.1-0.2 s of every start. While
    pint loads, ``sys.modules["dask"] = None`` makes its ``find_spec("dask")`` say "absent";
    the entry is removed again right after. If dask is already loaded, pint sees it as usual."""
    import sys

    if "pint" in sys.modules or "dask" in sys.modules:
        import pint

        return pint
    sys.modules["dask"] = None  # type: ignore[assignment]
    try:
        import pint
    finally:
        if sys.modules.get("dask", 0) is None:
            del sys.modules["dask"]
    return pint


@lru_cache(maxsize=1)
def _registry() -> Any:
    pint = _import_pint()

    reg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    # Field vocabulary that pint does not know out of the box.
    reg.define("becquerel = 1 / second = Bq")
    reg.define("curie = 3.7e10 * becquerel = Ci")
    reg.define("dalton_mw = gram / mole = Da")  # molecular weight "5 kDa" as g/mol
    reg.define("percent_unit = 0.01 = pct")
    return reg


class _LazyRegistry:
    """Attribute access to the shared pint registry, created on first use."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_registry(), name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _registry()(*args, **kwargs)


#: The single pint registry of nanotwin (created lazily on first use).
ureg = _LazyRegistry()


def _clean(text: str) -> str:
    t = text.strip().replace("µ", "u").replace("μ", "u").replace("×", "*")
    t = t.replace("%ID", "percent")
    return t


def to_canonical(value: Any, unit: str, field: str, *, allow_plain: bool = True) -> float:
    """Convert ``value`` (number, text with unit, or pint quantity) to a float in ``unit``.

    Parameters
    ----------
    value
        A number (taken to be in ``unit`` when ``allow_plain``), a text like ``"30 nm"`` or a pint
        quantity.
    unit
        The canonical unit, in pint spelling (``"nm"``, ``"MBq"``, ``"mg/kg"``, ``"h"`` …).
    field
        Dotted name of the field, used in the error message.
    allow_plain
        Whether a bare number is accepted as already being in ``unit``.

    Returns
    -------
    float
        The magnitude in ``unit``.

    Raises
    ------
    DesignError
        If the text cannot be parsed, has no unit where one is needed, or has a unit of the wrong
        dimension.

    Examples
    --------
    >>> to_canonical("0.1 um", "nm", "nanoparticle.diameter")
    100.0
    >>> round(to_canonical("1 mCi", "MBq", "administration.activity"), 3)
    37.0
    """
    reg = _registry()
    if isinstance(value, bool):
        raise DesignError(f"{field}: got a boolean {value!r}; give a quantity such as '1 {unit}'",
                          field)
    if isinstance(value, int | float):
        if allow_plain:
            return float(value)
        raise DesignError(
            f"{field}: the number {value!r} has no unit; write it with its unit, e.g. "
            f"'{value} {unit}'", field)
    if isinstance(value, str):
        text = _clean(value)
        if not text:
            raise DesignError(f"{field}: is empty; give a quantity such as '1 {unit}'", field)
        try:
            q = reg.Quantity(text)
        except Exception:
            raise DesignError(
                f"{field}: cannot read {value!r} as a quantity; write a number and a unit, e.g. "
                f"'1 {unit}'", field) from None
    elif hasattr(value, "to") and hasattr(value, "magnitude"):
        q = reg.Quantity(value.magnitude, str(value.units))
    else:
        raise DesignError(
            f"{field}: expected a quantity such as '1 {unit}', got {type(value).__name__}", field)
    if not hasattr(q, "units") or q.dimensionless and not reg.Quantity(1, unit).dimensionless:
        mag = q.magnitude if hasattr(q, "magnitude") else q
        if allow_plain:
            return float(mag)
        raise DesignError(
            f"{field}: {value!r} has no unit; write it with its unit, e.g. '{mag} {unit}'", field)
    try:
        return float(q.to(unit).magnitude)
    except Exception:
        raise DesignError(
            f"{field}: {value!r} is in '{q.units:~}', which cannot be converted to '{unit}'; give "
            f"a quantity in {unit} or a compatible unit", field) from None


def format_quantity(value: float, unit: str, digits: int = 4) -> str:
    """Format a number with its unit for display.

    Examples
    --------
    >>> format_quantity(12.7012, "h")
    '12.7 h'
    """
    return f"{value:.{digits}g} {unit}"
