"""Release specifications: default tests per product class (each with its source) and user YAML.

The defaults live in ``nanotwin/data/qc/specifications.yaml``. A product class (liposome, lipid
nanoparticle, polymeric, inorganic, plus the radiolabelled add-on) lists the tests a guidance or
pharmacopoeia asks for. Where the source gives a number (USP <788> particulate matter, ICH Q3C
residual solvents) the limit is filled in; where it asks for the test but leaves the acceptance
criterion to the applicant (size, PDI, zeta potential, encapsulation, RCP of a radiolabelled
nanoparticle, ...), the limit is ``user_set`` and empty, and a batch cannot be released until the
user's specification gives it.

User specification (YAML)::

    name: 177Lu-DOTA liposome, 100 nm
    platform: liposome
    radiolabelled: true
    limits:
      z_average: {low: 80 nm, high: 120 nm, source: "development batches, 3 sigma"}
      pdi: {high: 0.2}
      rcp: {low: 95 %}
      endotoxin: {high: 17.5 EU/mL}          # 175 EU / 10 mL (USP <85>)

Examples
--------
>>> spec = default_spec("liposome")
>>> spec.product_class, spec.limit("particulate_10um").high
('liposome', 6000.0)
>>> spec.limit("z_average").user_set, spec.limit("z_average").high is None
(True, True)
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from nanotwin._paths import package_data
from nanotwin.errors import DataError, DesignError

__all__ = ["Limit", "Specification", "default_spec", "load_spec", "attribute_info",
           "parse_value", "product_classes", "endotoxin_limit", "half_life_window"]

Kind = Literal["range", "min", "max", "pass", "report"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Limit(_Frozen):
    """One test of a specification.

    Attributes
    ----------
    attribute
        Measured attribute key (``z_average``, ``pdi``, ``rcp``, ...).
    kind
        ``range`` (low and high), ``min``, ``max``, ``pass`` (pass/fail test) or ``report``
        (recorded, no limit).
    low, high
        Limits in the attribute's canonical unit (``None`` where not set).
    user_set
        The source asks for the test but gives no number: the user must set it.
    release_before_result
        A result may still be pending at release (the release is then conditional).
    source, note
        Where the test (and its number, if any) comes from.
    """

    attribute: str
    label: str
    unit: str
    kind: Kind
    low: float | None = None
    high: float | None = None
    user_set: bool = False
    release_before_result: bool = False
    source: str
    note: str = ""

    @property
    def is_set(self) -> bool:
        """Whether the limit has the numbers its kind needs."""
        if self.kind in ("pass", "report"):
            return True
        if self.kind == "range":
            return self.low is not None and self.high is not None
        return (self.low if self.kind == "min" else self.high) is not None

    def text(self) -> str:
        """The limit as a short text (``80–120 nm``, ``≥ 95 %``, ``pass``, ``not set``)."""
        u = "" if self.unit in ("", "text", "passfail", "count") else f" {self.unit}"
        if self.kind == "pass":
            return "pass"
        if self.kind == "report":
            return "report"
        if not self.is_set:
            return "not set (user)"
        if self.kind == "range":
            return f"{self.low:g}–{self.high:g}{u}"
        if self.kind == "min":
            return f"≥ {self.low:g}{u}"
        return f"≤ {self.high:g}{u}"


class Specification(_Frozen):
    """A release specification: the tests a batch must pass.

    Examples
    --------
    >>> s = default_spec("gold", radiolabelled=True)
    >>> s.product_class, "rcp" in s.attributes
    ('inorganic', True)
    """

    name: str
    product_class: str
    platform: str | None = None
    radiolabelled: bool = False
    limits: tuple[Limit, ...]
    sources: dict[str, str] = {}

    @property
    def attributes(self) -> list[str]:
        """Attribute keys, in order."""
        return [lim.attribute for lim in self.limits]

    def limit(self, attribute: str) -> Limit:
        """The test of one attribute.

        Raises
        ------
        DesignError
            If the specification has no such test.
        """
        for lim in self.limits:
            if lim.attribute == attribute:
                return lim
        raise DesignError(f"specification {self.name!r}: no test for {attribute!r}; tests: "
                          f"{', '.join(self.attributes)}", attribute)


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    import yaml

    path = package_data("qc", "specifications.yaml")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        raise DataError("qc: package data specifications.yaml is missing or invalid; "
                        "reinstall nanotwin") from None


@lru_cache(maxsize=1)
def _source_texts() -> dict[str, str]:
    """Source keys -> full citation, read from the comment block of specifications.yaml."""
    text = package_data("qc", "specifications.yaml").read_text(encoding="utf-8")
    out: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        m = re.match(r"^#\s{3}([A-Z][A-Z0-9-]+)\s{2,}(.*)$", line)
        if m:
            key = m.group(1)
            out[key] = m.group(2).strip()
        elif key and re.match(r"^#\s{10,}\S", line):
            out[key] += " " + line.lstrip("#").strip()
        elif not line.startswith("#"):
            key = None
    return out


def product_classes() -> list[str]:
    """Product classes with default specifications.

    Examples
    --------
    >>> product_classes()[:3]
    ['parenteral', 'liposome', 'lipid_nanoparticle']
    """
    return list(_data()["classes"])


def attribute_info(attribute: str) -> dict[str, str]:
    """Label and canonical unit of a quality attribute.

    Examples
    --------
    >>> attribute_info("z_average")["unit"]
    'nm'
    """
    attrs = _data()["attributes"]
    if attribute not in attrs:
        import difflib

        near = difflib.get_close_matches(attribute, list(attrs), n=3)
        hint = f"did you mean {', '.join(near)}? " if near else ""
        raise DesignError(f"attribute {attribute!r}: unknown quality attribute; {hint}(known: "
                          f"{', '.join(attrs)})", attribute)
    return dict(attrs[attribute])


_PASS = {"pass", "passed", "complies", "conforms", "no growth", "sterile", "yes", "true", "ok"}
_FAIL = {"fail", "failed", "does not comply", "growth", "not sterile", "no", "false"}
_PENDING = {"pending", "in progress", "not yet available", "started"}
_NUM = re.compile(r"^\s*([<>]=?|≤|≥)?\s*([-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)\s*(.*?)\s*$")


def parse_value(value: Any, attribute: str, field: str | None = None) -> tuple[Any, str]:
    """A measured value or a limit in the attribute's canonical unit, and its qualifier.

    Numbers with units are converted (``"0.1 um"`` -> 100 nm); ``"< 0.5 EU/mL"`` gives
    ``(0.5, "<")`` (a result below the quantitation limit); pass/fail tests give ``"pass"``,
    ``"fail"`` or ``"pending"``.

    Raises
    ------
    DesignError
        One line naming the field, what is wrong and the unit expected.

    Examples
    --------
    >>> parse_value("0.1 um", "z_average"), parse_value("96.5 %", "rcp")
    ((100.0, ''), (96.5, ''))
    >>> parse_value("< 0.5 EU/mL", "endotoxin"), parse_value("complies", "sterility")
    ((0.5, '<'), ('pass', ''))
    """
    from nanotwin.units import to_canonical

    info = attribute_info(attribute)
    unit = info["unit"]
    field = field or attribute
    if unit == "text":
        return str(value), ""
    if unit == "passfail":
        t = str(value).strip().lower()
        for word, out in ((_PASS, "pass"), (_FAIL, "fail"), (_PENDING, "pending")):
            if t in word:
                return out, ""
        raise DesignError(f"{field}: {value!r} is not a pass/fail result; write pass, fail or "
                          "pending", field)
    if isinstance(value, bool) or value is None:
        raise DesignError(f"{field}: give a number{' with unit ' + unit if unit else ''}",
                          field)
    qual = ""
    if isinstance(value, str):
        m = _NUM.match(value.replace("µ", "u"))
        if not m:
            raise DesignError(f"{field}: cannot read {value!r}; give a number"
                              f"{' in ' + unit if unit else ''}, e.g. '1 {unit}'".rstrip(),
                              field)
        qual = {"≤": "<=", "≥": ">="}.get(m.group(1) or "", m.group(1) or "")
        number, text_unit = m.group(2), m.group(6)
        if unit in ("EU/mL", "count", "") :
            want = {"EU/mL": {"", "eu/ml", "eu per ml", "iu/ml"}, "count": {"", "particles",
                    "per container", "particles/container"}, "": {""}}[unit]
            if text_unit.lower() not in want:
                raise DesignError(f"{field}: {value!r} has unit {text_unit!r}; give it in "
                                  f"{unit or 'no unit'}", field)
            v = float(number)
        else:
            v = to_canonical(f"{number} {text_unit}".strip() if text_unit else float(number),
                             "percent" if unit == "%" else unit, field)
    else:
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise DesignError(f"{field}: {value!r} is not a number", field) from None
    import math

    if not math.isfinite(v):
        raise DesignError(f"{field}: {value!r} is not a finite number", field)
    return v, qual


def _class_tests(name: str, seen: set[str] | None = None) -> list[dict[str, Any]]:
    classes = _data()["classes"]
    seen = seen or set()
    if name in seen:
        raise DataError(f"qc: specifications.yaml class {name!r} includes itself")
    seen.add(name)
    c = classes[name]
    tests: list[dict[str, Any]] = []
    for inc in c.get("includes", []):
        tests += _class_tests(inc, seen)
    for t in c["tests"]:
        tests = [x for x in tests if x["attribute"] != t["attribute"]] + [t]
    return tests


def _limit(t: dict[str, Any]) -> Limit:
    info = attribute_info(t["attribute"])
    return Limit(attribute=t["attribute"], label=info["label"], unit=info["unit"],
                 kind=t["kind"], low=t.get("low"), high=t.get("high"),
                 user_set=bool(t.get("user_set", False)),
                 release_before_result=bool(t.get("release_before_result", False)),
                 source=t["source"], note=t.get("note", ""))


def default_spec(platform_or_class: str, *, radiolabelled: bool = False) -> Specification:
    """Default specification of a design platform (``"liposome"``, ``"gold"``) or a class.

    Parameters
    ----------
    platform_or_class
        A ``nanotwin.design`` platform or a product class (:func:`product_classes`).
    radiolabelled
        Add the radiolabelled tests (RCP, radionuclidic identity and purity, ...).

    Examples
    --------
    >>> default_spec("micelle").product_class
    'polymeric'
    """
    data = _data()
    key = str(platform_or_class).strip().lower()
    platform = key if key in data["platform_class"] else None
    cls = data["platform_class"].get(key, key)
    if cls not in data["classes"] or cls == "radiolabelled":
        raise DesignError(f"platform {platform_or_class!r}: no default specification; use a "
                          f"design platform or one of {', '.join(product_classes())}",
                          "platform")
    tests = _class_tests(cls)
    if radiolabelled:
        for t in data["classes"]["radiolabelled"]["tests"]:
            tests = [x for x in tests if x["attribute"] != t["attribute"]] + [t]
    used = {k for t in tests for k in _source_texts() if k in t["source"]}
    return Specification(
        name=f"default {cls}{' (radiolabelled)' if radiolabelled else ''}",
        product_class=cls, platform=platform, radiolabelled=radiolabelled,
        limits=tuple(_limit(t) for t in tests),
        sources={k: v for k, v in _source_texts().items() if k in used})


_LIMIT_KEYS = {"low", "high", "kind", "source", "note", "release_before_result"}


def load_spec(spec: str | os.PathLike[str] | dict[str, Any]) -> Specification:
    """A user specification (YAML file or mapping) on top of its class defaults.

    Keys: ``name``, ``platform`` (or ``class``), ``radiolabelled``, ``limits``
    (attribute -> ``{low, high, kind, source, note, release_before_result}``),
    ``drop`` (attributes to remove, with a ``reason``).

    Raises
    ------
    DesignError
        Unknown keys or attributes, unreadable numbers, low > high — one line each.

    Examples
    --------
    >>> s = load_spec({"platform": "liposome", "limits": {"pdi": {"high": 0.2},
    ...                "z_average": {"low": "80 nm", "high": "120 nm"}}})
    >>> s.limit("pdi").text(), s.limit("z_average").text(), s.limit("pdi").user_set
    ('≤ 0.2', '80–120 nm', False)
    """
    import yaml

    if isinstance(spec, dict):
        data = dict(spec)
        origin = "specification"
    else:
        path = Path(spec)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            raise DesignError(f"specification: {path} not found; check the path",
                              "specification") from None
        except yaml.YAMLError:
            raise DesignError(f"specification: {path} is not valid YAML; fix the file",
                              "specification") from None
        origin = path.name
        if not isinstance(data, dict):
            raise DesignError(f"specification: {path} must hold a mapping (name, platform, "
                              "limits)", "specification")
    allowed = {"name", "platform", "class", "radiolabelled", "limits", "drop", "description"}
    extra = sorted(set(data) - allowed)
    if extra:
        raise DesignError(f"specification: unknown key(s) {', '.join(extra)}; allowed: "
                          f"{', '.join(sorted(allowed))}", "specification")
    base_key = data.get("platform") or data.get("class")
    if not base_key:
        raise DesignError("specification.platform: give the platform (e.g. liposome) or class",
                          "specification.platform")
    base = default_spec(base_key, radiolabelled=bool(data.get("radiolabelled", False)))
    limits = {lim.attribute: lim for lim in base.limits}
    drop = data.get("drop") or []
    for item in drop:
        attr = item.get("attribute") if isinstance(item, dict) else item
        if not isinstance(item, dict) or not item.get("reason"):
            raise DesignError(f"specification.drop: {attr!r} needs a reason, e.g. "
                              "{attribute: ph, reason: 'lyophilisate, tested after "
                              "reconstitution'}", "specification.drop")
        limits.pop(attr, None)
    for attr, raw in (data.get("limits") or {}).items():
        field = f"specification.limits.{attr}"
        if not isinstance(raw, dict):
            raise DesignError(f"{field}: give a mapping such as {{low: 80 nm, high: 120 nm}}",
                              field)
        bad = sorted(set(raw) - _LIMIT_KEYS)
        if bad:
            raise DesignError(f"{field}: unknown key(s) {', '.join(bad)}; allowed: "
                              f"{', '.join(sorted(_LIMIT_KEYS))}", field)
        info = attribute_info(attr)
        old = limits.get(attr)
        kind = raw.get("kind")
        if kind is None and ("low" in raw or "high" in raw):
            kind = ("range" if "low" in raw and "high" in raw else
                    "min" if "low" in raw else "max")
        if kind is None:
            kind = old.kind if old else "report"
        low = parse_value(raw["low"], attr, f"{field}.low")[0] if raw.get("low") is not None \
            else (old.low if old else None)
        high = parse_value(raw["high"], attr, f"{field}.high")[0] \
            if raw.get("high") is not None else (old.high if old else None)
        if kind == "min":
            high = None
        if kind == "max":
            low = None
        if low is not None and high is not None and low > high:
            raise DesignError(f"{field}: low {low:g} is above high {high:g}", field)
        src = raw.get("source") or (f"user specification ({origin})" if old is None or
                                    old.user_set or "low" in raw or "high" in raw
                                    else old.source)
        if old is not None and old.source not in src:
            src = f"{src}; test required by {old.source}"
        try:
            limits[attr] = Limit(
                attribute=attr, label=info["label"], unit=info["unit"], kind=kind, low=low,
                high=high, user_set=False,
                release_before_result=bool(raw.get("release_before_result",
                                                   old.release_before_result if old else False)),
                source=src, note=raw.get("note", old.note if old else ""))
        except Exception as exc:  # pydantic: e.g. a bad kind
            raise DesignError(f"{field}: {str(exc).splitlines()[-1].strip()}", field) from None
    return Specification(name=str(data.get("name") or f"{base.name} + {origin}"),
                         product_class=base.product_class, platform=base.platform,
                         radiolabelled=base.radiolabelled, limits=tuple(limits.values()),
                         sources=base.sources)


def endotoxin_limit(*, max_dose_mL_per_kg_h: float | None = None,
                    max_dose_volume_mL: float | None = None,
                    radiopharmaceutical: bool = False) -> float:
    """Endotoxin limit in EU/mL from USP <85>: K/M.

    Parenteral (not intrathecal): K = 5.0 EU/kg and M the maximum dose in mL/kg given in one
    hour. Radiopharmaceuticals: K = 175 EU and M = V, the maximum recommended dose in mL.

    Examples
    --------
    >>> endotoxin_limit(max_dose_volume_mL=10.0, radiopharmaceutical=True)
    17.5
    >>> endotoxin_limit(max_dose_mL_per_kg_h=0.5)
    10.0
    """
    if radiopharmaceutical:
        if not max_dose_volume_mL or max_dose_volume_mL <= 0:
            raise DesignError("max_dose_volume_mL: give the maximum dose volume in mL (> 0)",
                              "max_dose_volume_mL")
        return 175.0 / float(max_dose_volume_mL)
    if not max_dose_mL_per_kg_h or max_dose_mL_per_kg_h <= 0:
        raise DesignError("max_dose_mL_per_kg_h: give the maximum dose in mL/kg per hour (> 0)",
                          "max_dose_mL_per_kg_h")
    return 5.0 / float(max_dose_mL_per_kg_h)


def half_life_window(nuclide: str, tolerance: float) -> tuple[float, float]:
    """(low, high) half-life in h for radionuclidic identity: ICRP-107 value × (1 ∓ tolerance).

    The tolerance is the user's (pharmacopoeial windows are nuclide-specific: Ph. Eur. 1325
    accepts 105–115 min for 18F, i.e. about ±4.6 % of 109.77 min).

    Examples
    --------
    >>> lo, hi = half_life_window("F-18", 0.046)
    >>> round(lo * 60), round(hi * 60)
    (105, 115)
    """
    from nanotwin.physics import half_life

    if not 0 < tolerance < 1:
        raise DesignError("tolerance: give a fraction between 0 and 1 (e.g. 0.05)", "tolerance")
    t = half_life(nuclide, "h")
    return t * (1 - tolerance), t * (1 + tolerance)
