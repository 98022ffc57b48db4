"""Reading input files a user gives nanotwin: limits first, then parsing.

Every design, study and measured-data file passes through here before anything else looks at
it, so that no input can make nanotwin hang, run out of memory or end in a traceback:

* the file must be a regular file of at most :data:`MAX_FILE_BYTES` (design and study files)
  or :data:`MAX_TABLE_BYTES` (CSV tables) — checked before it is read;
* it must be UTF-8 text (a UTF-8 byte-order mark is fine; UTF-16 and UTF-32 *with* a
  byte-order mark, as Windows editors write them, are decoded too, as the YAML 1.2 spec allows;
  anything else is refused with the line and column of the first bad byte) and hold no NUL
  character;
* YAML is checked event by event before it is built: nesting at most :data:`MAX_DEPTH`
  levels and at most :data:`MAX_NODES` values *counting every alias expansion*, so an alias
  bomb ("billion laughs", a few hundred bytes that expand to 10⁹ values) is refused in
  microseconds; JSON and TOML nesting is bounded the same way;
* every string is at most :data:`MAX_STRING` characters;
* a CSV table has at most :data:`MAX_TABLE_ROWS` rows, :data:`MAX_TABLE_COLUMNS` columns and
  :data:`MAX_CELL` characters per cell, every row has as many cells as the header, and numeric
  columns are finite numbers within the range the caller gives.

Every refusal is a :class:`~nanotwin.errors.DesignError` (or :class:`~nanotwin.errors.DataError`
for tables): one line that names the file, says which limit was passed and how to fix it.

The limits are far above any real input (the example designs are 1–3 kB, hold ~60 values and
nest 4 levels; measured tables have tens to hundreds of rows) and far below what takes a
noticeable time to parse.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from nanotwin.errors import DataError, DesignError

__all__ = [
    "MAX_FILE_BYTES", "MAX_TABLE_BYTES", "MAX_DEPTH", "MAX_NODES", "MAX_STRING",
    "MAX_TABLE_ROWS", "MAX_TABLE_COLUMNS", "MAX_CELL", "read_text", "decode", "parse_text",
    "load_mapping_file", "check_tree", "read_table", "short", "cut", "range_text",
]

#: Largest design or study file (bytes): 1 MiB, ~500 times the largest example design.
MAX_FILE_BYTES = 1 << 20
#: Largest CSV table (bytes): 10 MiB.
MAX_TABLE_BYTES = 10 << 20
#: Deepest nesting of mappings and lists in a design or study file (examples: 4).
MAX_DEPTH = 32
#: Most values (mappings, lists and scalars, aliases expanded) in one file (examples: < 100).
MAX_NODES = 10_000
#: Longest string in a design or study file (a long description or reference fits easily).
MAX_STRING = 10_000
#: Most data rows of a CSV table.
MAX_TABLE_ROWS = 10_000
#: Most columns of a CSV table.
MAX_TABLE_COLUMNS = 50
#: Longest cell of a CSV table (characters).
MAX_CELL = 1_000

_SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}


def short(value: Any, limit: int = 60) -> str:
    """``repr`` of a value cut to ``limit`` characters, for error messages.

    Examples
    --------
    >>> short("x" * 100, 10)
    "'xxxxxxxx…"
    """
    if isinstance(value, str | bytes) and len(value) > 4 * limit:
        value = value[:4 * limit]  # repr of a huge string would be huge
    elif isinstance(value, list | tuple | dict | set):
        return f"a {type(value).__name__} of {len(value)} item(s)"
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def cut(text: str, limit: int = 80) -> str:
    """``text`` cut to ``limit`` characters (for messages).

    Examples
    --------
    >>> cut("abcdef", 4)
    'abc…'
    """
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _size_text(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB" if n >= 1 << 20 else f"{n / 1024:.0f} kiB"


def read_text(path: str | os.PathLike[str], *, what: str = "design file",
              max_bytes: int = MAX_FILE_BYTES, error: type[DesignError] = DesignError) -> str:
    """Read a text file a user gave, within a size limit, decoded strictly.

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for messages ("design file", "measured CSV", …).
    max_bytes
        Largest size accepted.
    error
        The error class raised (:class:`DesignError` or :class:`DataError`).

    Returns
    -------
    str
        The text, without a byte-order mark.

    Raises
    ------
    DesignError
        One line: missing, not a regular file, too large, not UTF-8, or holding a NUL.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "d.yaml"
    >>> _ = p.write_bytes("name: Müller".encode("latin-1"))
    >>> read_text(p)
    Traceback (most recent call last):
    ...
    nanotwin.errors.DesignError: d.yaml: is not UTF-8 text: byte 0xfc at line 1, column 8 ...
    """
    p = Path(path)
    name = p.name or str(p)
    if len(name) > 255 or len(str(p)) > 4096:
        raise error(f"{short(name)}: the path is too long ({len(str(p))} characters); give the "
                    f"path of a {what}", name)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise error(f"{name}: no such file; check the path of the {what}", name) from None
    except OSError as exc:
        raise error(f"{name}: cannot be opened ({exc.strerror or exc}); give the path of a "
                    f"{what}", name) from None
    if stat.S_ISDIR(st.st_mode):
        raise error(f"{name}: is a folder, not a file; give the path of a {what}", name)
    if not stat.S_ISREG(st.st_mode):
        raise error(f"{name}: is not a regular file (a device, pipe or socket); give the path "
                    f"of a {what}", name)
    if st.st_size > max_bytes:
        raise error(f"{name}: is {_size_text(st.st_size)}; a {what} may be at most "
                    f"{_size_text(max_bytes)}; is this the right file?", name)
    try:
        with p.open("rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        raise error(f"{name}: cannot be read ({exc.strerror or exc}); check its permissions",
                    name) from None
    if len(raw) > max_bytes:
        raise error(f"{name}: is larger than {_size_text(max_bytes)}, the limit for a {what}",
                    name)
    return decode(raw, name, error=error)


_BOMS = ((b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
         (b"\xef\xbb\xbf", "utf-8"), (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"))


def decode(raw: bytes, name: str = "input", *, error: type[DesignError] = DesignError) -> str:
    """Decode the bytes of a text file: UTF-8, or UTF-16/32 with a byte-order mark.

    Examples
    --------
    >>> decode("name: x".encode("utf-16"))
    'name: x'
    >>> decode(b"\\xef\\xbb\\xbfname: x")
    'name: x'
    """
    encoding, body = "utf-8", raw
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            encoding, body = enc, raw[len(bom):]
            break
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding != "utf-8":
            raise error(f"{name}: starts with a {encoding.upper()} byte-order mark but is not "
                        f"valid {encoding.upper()}; save it as UTF-8", name) from None
        line = body.count(b"\n", 0, exc.start) + 1
        col = exc.start - (body.rfind(b"\n", 0, exc.start) + 1) + 1
        hint = ""
        if body.count(b"\x00") > len(body) // 4:
            hint = " (it looks like UTF-16 without a byte-order mark)"
        raise error(f"{name}: is not UTF-8 text{hint}: byte 0x{body[exc.start]:02x} at line "
                    f"{line}, column {col} cannot be decoded; save the file as UTF-8",
                    name) from None
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise error(f"{name}: holds a NUL character at line {line}; it is not a text file, or "
                    "it is UTF-16 without a byte-order mark; save it as UTF-8 text", name)
    return text


def _yaml_loader() -> Any:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _check_yaml_events(text: str, name: str) -> None:
    """Nesting depth and value count of a YAML text, aliases expanded, without building it."""
    import yaml

    limit_nodes = MAX_NODES
    sizes: dict[str, int] = {}
    stack: list[list[Any]] = [[None, 0]]
    open_anchors: set[str] = set()

    def add(n: int) -> None:
        stack[-1][1] += n
        if stack[-1][1] > limit_nodes:
            raise DesignError(f"{name}: holds more than {limit_nodes} values (aliases "
                              "expanded); a design or study file needs far fewer — is this an "
                              "alias bomb?", name)

    for ev in yaml.parse(text, Loader=_yaml_loader()):
        if isinstance(ev, yaml.ScalarEvent):
            if ev.anchor:
                sizes[ev.anchor] = 1
            add(1)
        elif isinstance(ev, yaml.AliasEvent):
            if ev.anchor in open_anchors:
                raise DesignError(f"{name}: the alias *{short(ev.anchor, 40)} refers to a value "
                                  "that contains itself; remove the recursive alias", name)
            add(sizes.get(ev.anchor, 1))
        elif isinstance(ev, yaml.CollectionStartEvent):
            if len(stack) > MAX_DEPTH:
                mark = ev.start_mark
                raise DesignError(f"{name}: nested more than {MAX_DEPTH} levels deep (line "
                                  f"{mark.line + 1}); a design or study file needs far fewer",
                                  name)
            stack.append([ev.anchor, 1])
            if ev.anchor:
                open_anchors.add(ev.anchor)
        elif isinstance(ev, yaml.CollectionEndEvent):
            anchor, n = stack.pop()
            if anchor:
                sizes[anchor] = n
                open_anchors.discard(anchor)
            add(n)


def _bracket_depth(text: str) -> int:
    """Deepest nesting of [ and { outside strings (JSON / TOML), linear time."""
    depth = best = 0
    quote = ""
    escaped = False
    for ch in text:
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\" and quote == '"':
                escaped = True
            elif ch == quote:
                quote = ""
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
            best = max(best, depth)
        elif ch in "]}":
            depth -= 1
    return best


def parse_text(text: str, kind: str, name: str = "input") -> Any:
    """Parse YAML, JSON or TOML text within the limits of this module.

    Parameters
    ----------
    text
        The decoded text.
    kind
        ``"yaml"``, ``"json"`` or ``"toml"``.
    name
        The file name, for messages.

    Raises
    ------
    DesignError
        Limits passed, or malformed text (with line and column).

    Examples
    --------
    >>> parse_text("a: &x [1, 2]\\nb: *x", "yaml")
    {'a': [1, 2], 'b': [1, 2]}
    >>> bomb = "a: &a [x, x]\\n" + "".join(
    ...     f"a{i}: &a{i} [{', '.join(['*a' if i == 1 else f'*a{i - 1}'] * 10)}]\\n"
    ...     for i in range(1, 9))
    >>> parse_text(bomb, "yaml", "bomb.yaml")
    Traceback (most recent call last):
    ...
    nanotwin.errors.DesignError: bomb.yaml: holds more than 10000 values (aliases expanded); ...
    """
    try:
        if kind == "yaml":
            import yaml

            try:
                _check_yaml_events(text, name)
                data = yaml.load(text, Loader=_yaml_loader())  # noqa: S506 - a safe loader
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
                problem = getattr(exc, "problem", None) or str(exc).splitlines()[0] or \
                    "syntax error"
                where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
                if "nesting depth" in str(problem):  # libyaml's own limit (1000 levels)
                    raise DesignError(f"{name}: nested more than {MAX_DEPTH} levels deep"
                                      f"{where.replace(' at', ' (at', 1)}{')' if where else ''}"
                                      "; a design or study file needs far fewer", name) from None
                raise DesignError(f"{name}: malformed YAML{where}: {cut(str(problem), 120)}; fix "
                                  "the syntax there", name) from None
        elif kind in ("json", "toml"):
            if _bracket_depth(text) > MAX_DEPTH:
                raise DesignError(f"{name}: nested more than {MAX_DEPTH} levels deep; a design "
                                  "or study file needs far fewer", name)
            if kind == "json":
                try:
                    data = json.loads(text, parse_constant=_json_constant)
                except json.JSONDecodeError as exc:
                    raise DesignError(
                        f"{name}: malformed JSON at line {exc.lineno}, column {exc.colno}: "
                        f"{exc.msg}; fix the syntax there", name) from None
            else:
                import tomllib

                try:
                    data = tomllib.loads(text)
                except tomllib.TOMLDecodeError as exc:
                    msg = str(exc)
                    m = re.search(r"line (\d+), column (\d+)", msg)
                    where = f" at line {m.group(1)}, column {m.group(2)}" if m else ""
                    head = re.sub(r"\s*\(at line.*\)", "", msg.splitlines()[0]) if msg else \
                        "syntax error"
                    raise DesignError(f"{name}: malformed TOML{where}: {cut(head, 120)}; fix "
                                      "the syntax there", name) from None
        else:
            raise DesignError(f"{name}: unknown file type {kind!r}; use YAML, JSON or TOML", name)
    except RecursionError:
        raise DesignError(f"{name}: nested too deeply to read; a design or study file needs "
                          f"at most {MAX_DEPTH} levels", name) from None
    except ValueError as exc:
        if isinstance(exc, DesignError):
            raise
        # e.g. an integer literal of more than 4300 digits (Python's int limit)
        raise DesignError(f"{name}: cannot be read as {kind.upper()}: {cut(str(exc), 120)}; "
                          "fix the value", name) from None
    check_tree(data, name)
    return data


def _json_constant(word: str) -> float:
    # JSON has no Infinity / NaN; Python's json accepts them. Keep them as floats: the models
    # reject non-finite quantities with a message naming the field.
    return float(word)


def check_tree(data: Any, name: str = "input", *, max_depth: int = MAX_DEPTH,
               max_nodes: int = MAX_NODES, max_string: int = MAX_STRING) -> None:
    """Check the size of parsed data (iteratively: no recursion on hostile input).

    Counts every value, however often it is shared, and refuses deep nesting, long strings
    and integers too large for a float (more than ~1e300).

    Raises
    ------
    DesignError
        Naming the path of the first value over a limit.

    Examples
    --------
    >>> check_tree({"name": "x" * 20_000}, "d.yaml")
    Traceback (most recent call last):
    ...
    nanotwin.errors.DesignError: d.yaml: name: is 20000 characters long; at most 10000 ...
    """
    count = 0
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack:
        node, path = stack.pop()
        count += 1
        where = ".".join(str(p) for p in path) or "the file"
        if count > max_nodes:
            raise DesignError(f"{name}: holds more than {max_nodes} values; a design or study "
                              "file needs far fewer", name)
        if len(path) > max_depth:
            raise DesignError(f"{name}: {cut(where)}: nested more than {max_depth} levels "
                              "deep", name)
        if isinstance(node, str):
            if len(node) > max_string:
                raise DesignError(f"{name}: {cut(where)}: is {len(node)} characters long; "
                                  f"at most {max_string} are allowed — shorten it", where)
        elif isinstance(node, bool) or node is None:
            continue
        elif isinstance(node, int):
            if abs(node) > 1e300:
                raise DesignError(f"{name}: {cut(where)}: the integer of "
                                  f"{len(str(abs(node)))} digits is too large; give a number "
                                  "below 1e300 (with its unit where it has one)", where)
        elif isinstance(node, Mapping):
            for k, v in node.items():
                if isinstance(k, str) and len(k) > 200:
                    raise DesignError(f"{name}: {cut(where)}: a key of {len(k)} "
                                      "characters; field names are short — check the file",
                                      where)
                stack.append((v, (*path, k if isinstance(k, str) else short(k, 30))))
        elif isinstance(node, list | tuple | set):
            for i, v in enumerate(node):
                stack.append((v, (*path, i)))


def load_mapping_file(path: str | os.PathLike[str], *, what: str = "design file",
                      kinds: Sequence[str] = ("yaml", "json", "toml")) -> dict[str, Any]:
    """Read and parse a YAML/JSON/TOML file that must hold a mapping, within the limits.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "d.json"
    >>> _ = p.write_text('{"name": "x"}')
    >>> load_mapping_file(p)
    {'name': 'x'}
    """
    p = Path(path)
    kind = _SUFFIXES.get(p.suffix.lower())
    if kind is None or kind not in kinds:
        allowed = ", ".join(s for s, k in _SUFFIXES.items() if k in kinds)
        raise DesignError(f"{short(p.name, 80)}: unknown {what} type {short(p.suffix, 20)}; "
                          f"use {allowed}", p.name)
    text = read_text(p, what=what)
    data = parse_text(text, kind, p.name)
    if not isinstance(data, dict):
        got = "nothing (the file is empty)" if data is None else type(data).__name__
        raise DesignError(f"{p.name}: a {what} must hold a mapping of fields (name: …), got "
                          f"{got}", p.name)
    return data


# --------------------------------------------------------------------------- CSV tables

def _number(text: str, name: str, line: int, col: str) -> float:
    t = text.strip()
    if len(t) > 40 or not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|[-+]?(inf|"
                                       r"infinity|nan)", t, re.IGNORECASE):
        raise DataError(f"{name}: row {line}, column {col!r}: {short(text, 40)} is not a "
                        "number; write a plain number such as 12.5 (a point, not a comma)", col)
    return float(t)


def read_table(path: str | os.PathLike[str], *, what: str = "measured CSV",
               required: Sequence[str] = (),
               numeric: Mapping[str, tuple[float | None, float | None, str]] | None = None,
               optional_numeric: Sequence[str] = (), lower: bool = True,
               rename: Callable[[str], str] | None = None) -> Any:
    """Read a comma-separated table with a header row, within limits, as a pandas DataFrame.

    Lines starting with ``#`` and blank lines are skipped (as comments). Header names are
    stripped (and lower-cased with ``lower``); cells are stripped strings, and the columns in
    ``numeric`` are converted to floats, each finite and inside its range.

    Parameters
    ----------
    path
        The CSV file.
    what
        What the table is, for messages.
    required
        Columns that must be present.
    numeric
        ``{column: (low, high, unit)}``: the column's cells must be finite numbers in
        ``[low, high]`` (``None``: no bound on that side).
    optional_numeric
        Numeric columns whose cells may be empty (read as NaN).
    lower
        Lower-case the header names.
    rename
        Normalise the header names with this function instead (``required``, ``numeric`` and
        ``optional_numeric`` then use the normalised names).

    Raises
    ------
    DataError
        One line naming the row and column at fault and how to fix it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.csv"
    >>> _ = p.write_text("organ,time_h,value\\nliver,1,5\\nliver,24,inf\\n")
    >>> read_table(p, numeric={"time_h": (0, 1e5, "h"), "value": (0, None, "")})
    Traceback (most recent call last):
    ...
    nanotwin.errors.DataError: m.csv: row 3, column 'value': 'inf' is not a finite number; ...
    """
    import csv

    import numpy as np
    import pandas as pd

    p = Path(path)
    name = p.name
    text = read_text(p, what=what, max_bytes=MAX_TABLE_BYTES, error=DataError)
    lines = [(i + 1, ln) for i, ln in enumerate(text.splitlines())
             if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise DataError(f"{name}: is empty; a {what} needs a header row and data rows", name)
    if len(lines) - 1 > MAX_TABLE_ROWS:
        raise DataError(f"{name}: has {len(lines) - 1} data rows; a {what} may have at most "
                        f"{MAX_TABLE_ROWS}", name)
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader([ln for _, ln in lines], strict=True)
    try:
        for (lineno, _), row in zip(lines, reader, strict=False):
            rows.append((lineno, row))
    except csv.Error as exc:
        lineno = lines[min(reader.line_num, len(lines)) - 1][0]
        msg = str(exc)
        if "field larger than field limit" in msg:
            msg = f"a cell far longer than {MAX_CELL} characters"
        raise DataError(f"{name}: not a readable CSV table (line {lineno}: {cut(msg, 80)}); "
                        "save it as comma-separated text with a header row", name) from None
    if len(rows) != len(lines):  # a quoted field ran past the end of the text
        raise DataError(f"{name}: a quoted cell is never closed; check the quotes", name)
    (_, header), body = rows[0], rows[1:]
    if len(header) > MAX_TABLE_COLUMNS:
        raise DataError(f"{name}: has {len(header)} columns; a {what} may have at most "
                        f"{MAX_TABLE_COLUMNS}", name)
    header = [rename(h) if rename else h.strip().lower() if lower else h.strip()
              for h in header]
    if len(header) == 1 and any(sep in lines[0][1] for sep in (";", "\t")):
        raise DataError(f"{name}: the header has one column; separate columns with commas, not "
                        "semicolons or tabs", name)
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise DataError(f"{name}: column {short(dup[0], 40)} appears more than once; keep one",
                        name)
    for cell in header:
        if len(cell) > 100:
            raise DataError(f"{name}: a header name of {len(cell)} characters; check the "
                            "header row", name)
    missing = [c for c in required if c not in header]
    if missing:
        raise DataError(f"{name}: needs column(s) {', '.join(missing)}; found "
                        f"{short(', '.join(header), 120)}", name)
    if not body:
        raise DataError(f"{name}: has a header but no data rows; add one row per measurement",
                        name)
    for lineno, row in body:
        if len(row) != len(header):
            raise DataError(f"{name}: line {lineno} has {len(row)} cells but the header has "
                            f"{len(header)}; make every row as long as the header", name)
        for cell in row:
            if len(cell) > MAX_CELL:
                raise DataError(f"{name}: line {lineno} has a cell of {len(cell)} characters; "
                                f"cells may be at most {MAX_CELL}", name)
    df = pd.DataFrame([[c.strip() for c in row] for _, row in body], columns=header,
                      dtype=object)
    df.attrs["lines"] = [lineno for lineno, _ in body]
    for col, (lo, hi, unit) in (numeric or {}).items():
        if col not in df.columns:
            continue
        vals = np.empty(len(df))
        for k, (lineno, cell) in enumerate(zip(df.attrs["lines"], df[col], strict=True)):
            if cell == "":
                if col in optional_numeric:
                    vals[k] = np.nan
                    continue
                raise DataError(f"{name}: row {lineno}, column {col!r} is empty; fill it or "
                                "delete the row", col)
            v = _number(cell, name, lineno, col)
            if not math.isfinite(v):
                raise DataError(f"{name}: row {lineno}, column {col!r}: {short(cell, 20)} is not "
                                f"a finite number; give a finite number "
                                f"({range_text(lo, hi, unit)})", col)
            if (lo is not None and v < lo) or (hi is not None and v > hi):
                u = f" {unit}" if unit else ""
                raise DataError(f"{name}: row {lineno}, column {col!r}: {v:g}{u} is outside the "
                                f"range {range_text(lo, hi, unit)}; check the value", col)
            vals[k] = v
        df[col] = vals
    return df


def range_text(lo: float | None, hi: float | None, unit: str = "") -> str:
    """A range for messages.

    Examples
    --------
    >>> range_text(0, 1e5, "h"), range_text(0, None, "")
    ('0–100000 h', '≥ 0')
    """
    u = f" {unit}" if unit else ""
    if lo is not None and hi is not None:
        return f"{lo:g}–{hi:g}{u}"
    if lo is not None:
        return f"≥ {lo:g}{u}"
    if hi is not None:
        return f"≤ {hi:g}{u}"
    return "any finite number"
