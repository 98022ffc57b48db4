"""Reading design text sent to the web app (uploads, stored designs), safely.

* the size is capped (:data:`MAX_DESIGN_BYTES`);
* YAML is read with PyYAML's ``SafeLoader`` (no tags that build Python objects) and anchors and
  aliases are refused, so a small file cannot expand into a huge document ("billion laughs");
* nesting deeper than a design needs is refused;
* the text is then read by the CLI's own reader (:func:`nanotwin.design.read_design_file`, so
  the parsers and messages are the CLI's) from a fresh private temporary folder; the client's
  file name is reduced to a safe base name and only chooses the parser and names the messages.

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

import re
from typing import Any

from nanotwin.errors import DesignError

__all__ = ["parse_design_text", "MAX_DESIGN_BYTES", "safe_filename"]

#: Largest design text accepted (bytes). The largest example design is ~2 kB.
MAX_DESIGN_BYTES = 256 * 1024
_MAX_DEPTH = 20



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
    if _bracket_depth(text) > _MAX_DEPTH:
        raise DesignError(f"{name}: nested too deeply; a design has at most a few levels")
    if name.lower().endswith((".yaml", ".yml")):
        _refuse_aliases(text, name)
    # Parse with the CLI's own reader (same parsers, same one-line messages): the text goes to
    # a fresh private temporary folder under the sanitised base name, never to a client path.
    import tempfile
    from pathlib import Path

    from nanotwin.design import read_design_file

    with tempfile.TemporaryDirectory(prefix="nanotwin-upload-") as d:
        path = Path(d) / name
        path.write_text(text, encoding="utf-8")
        data = read_design_file(path)
    if _depth(data) > _MAX_DEPTH:
        raise DesignError(f"{name}: nested too deeply; a design has at most a few levels")
    return data


def _bracket_depth(text: str) -> int:
    """Deepest nesting of [ and { in ``text`` (an upper bound: brackets in strings count)."""
    depth = best = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            best = max(best, depth)
        elif ch in "]}":
            depth = max(0, depth - 1)
    return best


def _refuse_aliases(text: str, name: str) -> None:
    """Refuse YAML anchors and aliases (a small file could expand into a huge document)."""
    import yaml

    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                mark = event.start_mark
                raise DesignError(f"{name}: YAML anchors and aliases (&, *) are not accepted "
                                  f"(line {mark.line + 1}, column {mark.column + 1}); write "
                                  "the values out")
    except yaml.YAMLError:
        return  # malformed: the reader below reports it with line and column


