"""Units for nanotwin: one pint registry, text parsing and canonical units.

Every quantity a user gives may be a number in the field's canonical unit or a text such as
``"30 nm"``, ``"5 MBq"``, ``"2 mg/kg"`` or ``"12.7 h"``. :func:`to_canonical` turns it into a float
in the canonical unit of that field or raises :class:`~nanotwin.errors.DesignError` with a one-line
message.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

from nanotwin.errors import DesignError

__all__ = ["ureg", "to_canonical", "check_range", "CANONICAL_UNITS", "format_quantity",
           "MAX_QUANTITY_CHARS"]

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


#: Longest quantity text accepted ("1.25e-3 MBq/mg" is 14 characters).
MAX_QUANTITY_CHARS = 100
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
#: An exponent after ** or ^: a small number (nm**2, 1/nm^2, s**-1, m**0.5), not another power.
_EXPONENT = re.compile(r"\s*[-+]?\s*\d{1,2}(\.\d{1,3})?(?![\d.])(?!\s*(\*\*|\^))")


def _check_quantity_text(text: str, value: Any, unit: str, field: str) -> None:
    """Refuse quantity texts that would make the unit parser work for a long time: overlong
    texts and chained or huge powers (``10**10**10`` is a number with 10^10 digits)."""
    if len(text) > MAX_QUANTITY_CHARS:
        raise DesignError(
            f"{field}: a quantity of {len(text)} characters; write a number and a unit (at most "
            f"{MAX_QUANTITY_CHARS} characters), e.g. '1 {unit}'", field)
    # pint reads a bare "nm" as 1 nm; "inf nm" is a number (refused as not finite, later)
    if not re.match(r"[-+]?\s*(\d|\.\d|(inf(inity)?|nan)\b)", text, re.IGNORECASE):
        raise DesignError(
            f"{field}: cannot read {_short(value)} as a quantity: it has no number; write a "
            f"number and a unit, e.g. '1 {unit}'", field)
    bad = next((c for c in text if not (c.isalnum() or c.isspace() or c in ".+-*/^()%°_·")),
               None)
    if bad is not None:  # the unit parser skips such characters silently ("2;h" -> 2 h)
        raise DesignError(
            f"{field}: cannot read {_short(value)} as a quantity: {bad!r} has no place in a "
            f"quantity; write a number and a unit, e.g. '1 {unit}'", field)
    for m in re.finditer(r"\*\*|\^", text):
        if not _EXPONENT.match(text, m.end()):
            raise DesignError(
                f"{field}: cannot read {_short(value)} as a quantity: a power must be a small "
                f"number (as in nm**2 or 1/nm^2); write e.g. '1 {unit}'", field)


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value[:4 * limit] if isinstance(value, str) else value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _finite(x: Any, value: Any, unit: str, field: str) -> float:
    try:
        f = float(x)
    except OverflowError:
        raise DesignError(f"{field}: {_short(value)} is too large; give a finite value in "
                          f"{unit}", field) from None
    except (TypeError, ValueError):
        raise DesignError(f"{field}: cannot read {_short(value)} as a number; write a number and "
                          f"a unit, e.g. '1 {unit}'", field) from None
    if not math.isfinite(f):
        raise DesignError(f"{field}: {_short(value)} is not a finite number; give a finite "
                          f"value, e.g. '1 {unit}'", field)
    return f


def check_range(value: float, field: str, unit: str = "", *, low: float | None = None,
                high: float | None = None, low_open: bool = False,
                high_open: bool = False, why: str = "") -> float:
    """Check that a finite ``value`` lies in a range; the error states the range.

    Parameters
    ----------
    value
        The number (in ``unit``).
    field
        Dotted field name for the message.
    unit
        Unit shown in the message.
    low, high
        Bounds (``None``: unbounded on that side).
    low_open, high_open
        Exclude the bound itself.
    why
        Where the range comes from, shown in the message (e.g. "the densest element, osmium,
        is 22.6 g/cm^3").

    Examples
    --------
    >>> check_range(5.0, "kd", "nM", low=1e-6, high=1e7)
    5.0
    >>> check_range(float("inf"), "kd", "nM", low=1e-6, high=1e7)
    Traceback (most recent call last):
    ...
    nanotwin.errors.DesignError: kd: inf nM is not a finite number; give a value in 1e-06–1e+07 nM
    """
    u = f" {unit}" if unit else ""
    closed = not (low_open or high_open) and low is not None and high is not None
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '≥'} {low:g}")
    if high is not None:
        parts.append(f"{'<' if high_open else '≤'} {high:g}")
    desc = f"{low:g}–{high:g}{u}" if closed else (" and ".join(parts) + u if parts else "")
    if not math.isfinite(value):
        give = f"; give a value {'in ' if closed else ''}{desc}" if desc else ""
        raise DesignError(f"{field}: {value:g}{u} is not a finite number{give}", field)
    bad = (low is not None and (value <= low if low_open else value < low)) or (
        high is not None and (value >= high if high_open else value > high))
    if bad:
        reason = f" ({why})" if why else ""
        problem = f"is outside {desc}" if closed else f"must be {desc}"
        raise DesignError(f"{field}: {value:g}{u} {problem}{reason}; check the value and its "
                          "unit", field)
    return value


def to_canonical(value: Any, unit: str, field: str, *, allow_plain: bool = True,
                 low: float | None = None, high: float | None = None, low_open: bool = False,
                 high_open: bool = False, why: str = "") -> float:
    """Convert ``value`` (number, text with unit, or pint quantity) to a float in ``unit``.

    The result is always finite; with ``low`` / ``high`` it is also checked against a range
    (see :func:`check_range`), so the message states the range in the canonical unit.

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
    low, high, low_open, high_open, why
        Optional range of the result (see :func:`check_range`).

    Returns
    -------
    float
        The magnitude in ``unit``.

    Raises
    ------
    DesignError
        If the text cannot be parsed, has no unit where one is needed, has a unit of the wrong
        dimension, is not finite or lies outside the range.

    Examples
    --------
    >>> to_canonical("0.1 um", "nm", "nanoparticle.diameter")
    100.0
    >>> round(to_canonical("1 mCi", "MBq", "administration.activity"), 3)
    37.0
    >>> to_canonical("inf nM", "nM", "kd")
    Traceback (most recent call last):
    ...
    nanotwin.errors.DesignError: kd: 'inf nM' is not a finite number; give a finite value, ...
    """
    out = _to_canonical(value, unit, field, allow_plain=allow_plain)
    if low is not None or high is not None:
        check_range(out, field, unit, low=low, high=high, low_open=low_open,
                    high_open=high_open, why=why)
    return out


def _ratio_mismatch(reg: Any, q: Any, unit: str) -> bool:
    """True when ``unit`` is a ratio of like quantities (mg/kg: dimensionless) and ``q``'s unit
    is not the same kind of ratio — pint would convert '5 %' or '3 mg/kg mg/kg' to mg/kg."""
    target = reg.Quantity(1, unit)
    if not target.dimensionless or not target.unit_items():
        return False

    def split(items: Any) -> tuple[dict[str, float], dict[str, float]]:
        num: dict[str, float] = {}
        den: dict[str, float] = {}
        for name, exp in items:
            side = num if exp > 0 else den
            for dim, k in reg.get_dimensionality(name).items():
                side[dim] = side.get(dim, 0.0) + k * abs(exp)
        return num, den

    return split(q.unit_items()) != split(target.unit_items())


def _to_canonical(value: Any, unit: str, field: str, *, allow_plain: bool) -> float:
    reg = _registry()
    if isinstance(value, bool):
        raise DesignError(f"{field}: got a boolean {value!r}; give a quantity such as '1 {unit}'",
                          field)
    if isinstance(value, int | float):
        if allow_plain:
            return _finite(value, value, unit, field)
        shown = _short(value, 30)
        raise DesignError(
            f"{field}: the number {shown} has no unit; write it with its unit, e.g. "
            f"'{shown} {unit}'", field)
    if isinstance(value, str):
        text = _clean(value)
        if not text:
            raise DesignError(f"{field}: is empty; give a quantity such as '1 {unit}'", field)
        _check_quantity_text(text, value, unit, field)
        try:
            q = reg.Quantity(text)
        except Exception:
            raise DesignError(
                f"{field}: cannot read {_short(value)} as a quantity; write a number and a unit, "
                f"e.g. '1 {unit}'", field) from None
    elif hasattr(value, "to") and hasattr(value, "magnitude"):
        try:
            q = reg.Quantity(value.magnitude, str(value.units))
        except Exception:
            raise DesignError(f"{field}: cannot use the quantity {_short(value)}; give e.g. "
                              f"'1 {unit}'", field) from None
    else:
        raise DesignError(
            f"{field}: expected a quantity such as '1 {unit}', got {type(value).__name__}", field)
    if not hasattr(q, "units") or q.dimensionless and not reg.Quantity(1, unit).dimensionless:
        mag = q.magnitude if hasattr(q, "magnitude") else q
        if allow_plain:
            return _finite(mag, value, unit, field)
        raise DesignError(
            f"{field}: {_short(value)} has no unit; write it with its unit, e.g. "
            f"'{_short(mag, 30)} {unit}'", field)
    _finite(q.magnitude, value, unit, field)
    if _ratio_mismatch(reg, q, unit):
        raise DesignError(
            f"{field}: {_short(value)} is in '{q.units:~}', which cannot be converted to "
            f"'{unit}' (not the same kind of ratio); give a quantity in {unit}", field)
    try:
        converted = q.to(unit).magnitude
    except Exception:
        raise DesignError(
            f"{field}: {_short(value)} is in '{q.units:~}', which cannot be converted to '{unit}'; "
            f"give a quantity in {unit} or a compatible unit", field) from None
    return _finite(converted, value, unit, field)


def format_quantity(value: float, unit: str, digits: int = 4) -> str:
    """Format a number with its unit for display.

    Examples
    --------
    >>> format_quantity(12.7012, "h")
    '12.7 h'
    """
    return f"{value:.{digits}g} {unit}"
