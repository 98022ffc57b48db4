"""Reading design text sent to the web app (uploads, pasted YAML/JSON/TOML), safely, in memory.

* the size is capped (:data:`MAX_DESIGN_BYTES`);
* YAML is read with PyYAML's ``SafeLoader`` (no tags that build Python objects) and anchors and
  aliases are refused, so a small file cannot expand into a huge document ("billion laughs");
* JSON and TOML use the standard library parsers; nesting deeper than a design needs is refused;
* nothing touches the file system: the uploaded file's name only chooses the parser.

Errors are :class:`~nanotwin.errors.DesignError` lines in the CLI's wording
(``design.yaml: malformed YAML at line 3, column 5: ...; fix the syntax there``).

Examples
--------
>>> parse_design_text("name: x\\nnanoparticle: {platform: gold}\\n", "d.yaml")["name"]
'x'
>>> try:
...     parse_design_text("name: !!python/object/apply:os.system ['ls']", "d.yaml")
... except DesignError as err:
...     print(str(err)[:40])
d.yaml: malformed YAML at line 1, column
"""

from __future__ import annotations

import json
import re
from typing import Any

from nanotwin.errors import DesignError

__all__ = ["parse_design_text", "dump_design_text", "MAX_DESIGN_BYTES", "safe_filename"]

#: Largest design text accepted (bytes). The largest example design is ~2 kB.
MAX_DESIGN_BYTES = 256 * 1024
_MAX_DEPTH = 20

_KINDS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}


def safe_filename(name: str | None, default: str = "design.yaml") -> str:
    """The last path part of a client-given file name, reduced to safe characters (for
    messages only; it never names a file here).

    Examples
    --------
    >>> safe_filename("../../etc/passwd.yaml"), safe_filename("C:\\\\x\\\\my design.json")
    ('passwd.yaml', 'my_design.json')
    """
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._")[:80]
    return base or default


def _depth(obj: Any, level: int = 0) -> int:
    if level > _MAX_DEPTH:
        return level
    if isinstance(obj, dict):
        return max([_depth(v, level + 1) for v in obj.values()] or [level + 1])
    if isinstance(obj, list):
        return max([_depth(v, level + 1) for v in obj] or [level + 1])
    return level


def parse_design_text(text: str | bytes, filename: str = "design.yaml") -> dict[str, Any]:
    """Parse a design file's text into a mapping (not yet validated: see ``load_design``).

    Parameters
    ----------
    text
        The file's content (bytes are decoded as UTF-8).
    filename
        The client's file name; its suffix chooses YAML, JSON or TOML (YAML if unknown).
    """
    name = safe_filename(filename)
    if isinstance(text, bytes):
        if len(text) > MAX_DESIGN_BYTES:
            raise DesignError(f"{name}: {len(text) // 1024} KiB is larger than the "
                              f"{MAX_DESIGN_BYTES // 1024} KiB a design file may have; "
                              "upload the design file itself")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DesignError(f"{name}: not UTF-8 text; save the design as a UTF-8 YAML or "
                              "JSON file") from None
    if len(text.encode("utf-8")) > MAX_DESIGN_BYTES:
        raise DesignError(f"{name}: larger than the {MAX_DESIGN_BYTES // 1024} KiB a design "
                          "file may have; upload the design file itself")
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    kind = _KINDS.get(suffix, "yaml")
    if kind == "yaml" and text.lstrip().startswith("{"):
        kind = "json" if suffix != ".yaml" and suffix != ".yml" else "yaml"
    try:
        if kind == "json":
            data = json.loads(text)
        elif kind == "toml":
            import tomllib

            data = tomllib.loads(text)
        else:
            data = _safe_yaml(text, name)
    except json.JSONDecodeError as exc:
        raise DesignError(f"{name}: malformed JSON at line {exc.lineno}, column {exc.colno}: "
                          f"{exc.msg}; fix the syntax there") from None
    except RecursionError:
        raise DesignError(f"{name}: nested too deeply; a design has at most a few levels") \
            from None
    except DesignError:
        raise
    except Exception as exc:  # yaml.YAMLError, tomllib.TOMLDecodeError
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            problem = getattr(exc, "problem", None) or "syntax error"
            raise DesignError(f"{name}: malformed YAML at line {mark.line + 1}, column "
                              f"{mark.column + 1}: {problem}; fix the syntax there") from None
        head = str(exc).splitlines()[0] if str(exc) else "syntax error"
        raise DesignError(f"{name}: malformed {kind.upper()}: {head}; fix the syntax there") \
            from None
    if not isinstance(data, dict):
        raise DesignError(f"{name}: a design file must hold a mapping (name:, nanoparticle:, "
                          f"…), got {type(data).__name__}")
    if _depth(data) > _MAX_DEPTH:
        raise DesignError(f"{name}: nested too deeply; a design has at most a few levels")
    return data


def _safe_yaml(text: str, name: str) -> Any:
    import yaml

    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            mark = event.start_mark
            raise DesignError(f"{name}: YAML anchors and aliases (&, *) are not accepted (line "
                              f"{mark.line + 1}, column {mark.column + 1}); write the values "
                              "out")
    return yaml.safe_load(text)


def dump_design_text(mapping: dict[str, Any], fmt: str = "yaml") -> str:
    """The design mapping as YAML or JSON text (what a user downloads).

    Examples
    --------
    >>> print(dump_design_text({"name": "x", "nanoparticle": {"platform": "gold"}}), end="")
    name: x
    nanoparticle:
      platform: gold
    """
    if fmt == "json":
        return json.dumps(mapping, indent=2, ensure_ascii=False) + "\n"
    import yaml

    return yaml.safe_dump(mapping, sort_keys=False, allow_unicode=True)
