"""Seeded mutations of the shipped inputs, for fuzzing the command line.

Used by ``tests/core/test_fuzz_cli.py`` (hypothesis draws the mutations) and by
``benchmarks/fuzz_cli.py`` (a seeded run over every example with a per-case time limit, which
counts the outcomes). Nothing here imports nanotwin: the benchmark runs the same cases against
any checkout.

A :class:`Case` is a set of files (name -> bytes) written into an empty folder, and the
command lines to run there. Mutations start from the example designs (``examples/*.yaml``),
the study files (``examples/studies/*.yaml``) and measured-data CSV tables (the example CSV and
two tables written here in the format ``nanotwin dose --data`` documents), and change one
thing the way a careless or hostile user would: a YAML alias bomb, a million-character string,
bytes that are not UTF-8, an infinite or absurd quantity, a value of the wrong type, nesting a
hundred thousand levels deep, a huge file, an ``--out`` that names a file, lies below a file,
cannot be written or already holds results.

``expect`` says what a correct nanotwin must do with the case: ``"reject"`` (exit 2, one line
on standard error, nothing written) or ``"either"`` (accept, or reject cleanly: the mutation
may leave a legal input, e.g. a negative zeta potential).
"""

from __future__ import annotations

import copy
import json
import math
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

#: The cheap-but-complete command options used to run the heavy commands on fuzzed inputs.
FIT_FAST = ["--no-bayes", "--starts", "1", "--profile-points", "0"]
IMAGE_FAST = ["--nuclide", "Zr-89", "--activity", "10", "--modality", "pet", "--times", "24",
              "--voxel", "2", "--no-noise", "--no-dicom"]
#: A directory that even root cannot create (sysfs refuses mkdir with EPERM).
UNWRITABLE = "/sys/nanotwin-fuzz-out"


@dataclass
class Case:
    """One fuzz case: files to write into an empty folder and the commands to run there."""

    id: str
    target: str  # design | study | csv | out
    kind: str
    files: dict[str, bytes]
    commands: list[list[str]]
    expect: str = "reject"  # reject | either | accept
    #: files (relative) that exist before the run and must be left alone unless --overwrite
    protected: tuple[str, ...] = ()
    setup: dict[str, str] = field(default_factory=dict)  # name -> "dir" | "fifo" | "link:..."
    #: per-command expectation where it differs (a column one command ignores)
    expect_cmd: dict[str, str] = field(default_factory=dict)

    def expected(self, command: str) -> str:
        return self.expect_cmd.get(command, self.expect)


# --------------------------------------------------------------------------- serialisers

def to_yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def to_json(data: Any) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)  # a TOML basic string accepts JSON's escapes
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v if x is not None) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml_value(x)}"
                               for k, x in v.items() if x is not None) + "}"
    return json.dumps(str(v))


def to_toml(data: dict[str, Any]) -> str:
    """A TOML document of inline tables (enough for designs; no TOML writer is a dependency)."""
    return "".join(f"{json.dumps(str(k))} = {_toml_value(v)}\n"
                   for k, v in data.items() if v is not None)


FORMATS: dict[str, Callable[[Any], str]] = {".yaml": to_yaml, ".json": to_json,
                                            ".toml": to_toml}


# --------------------------------------------------------------------------- base inputs

@dataclass(frozen=True)
class Base:
    name: str
    data: Any  # parsed mapping (design/study) or (header, rows) for CSV
    text: str
    extra: tuple[tuple[str, bytes], ...] = ()  # files the input refers to


def design_bases() -> list[Base]:
    out = []
    for p in sorted(EXAMPLES.glob("*.yaml")) + sorted((EXAMPLES / "studies").glob("*.yaml")):
        text = p.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        if isinstance(data, dict) and "nanoparticle" in data:
            out.append(Base(p.stem, data, text))
    return out


def study_bases() -> list[Base]:
    """The example studies, with the design they name copied beside them as ``design.yaml``."""
    out = []
    for p in sorted((EXAMPLES / "studies").glob("*.yaml")):
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or "design" not in data:
            continue
        design = (p.parent / data["design"]).read_bytes()
        data = {**data, "design": "design.yaml"}
        out.append(Base(p.stem, data, to_yaml(data), (("design.yaml", design),)))
    return out


#: Two measured tables in the documented ``dose --data`` format (organ,time_h,value[,sd]
#: [,unit][,mass_g]); the numbers are a plausible mouse time course, not data.
_TABLE_PCT_ID = """organ,time_h,value,sd,unit
liver,1,20,2,%ID
liver,24,18,2,%ID
liver,72,9,1,%ID
kidneys,1,5,0.5,%ID
kidneys,24,3,0.4,%ID
kidneys,72,1,0.2,%ID
tumor,1,1,0.2,%ID
tumor,24,3,0.5,%ID
tumor,72,2,0.4,%ID
"""
_TABLE_PCT_ID_G = """organ,time_h,value,unit,mass_g
liver,1,30,%ID/g,
liver,24,25,%ID/g,
liver,72,15,%ID/g,
spleen,1,40,%ID/g,
spleen,24,35,%ID/g,
spleen,72,20,%ID/g,
tumor,1,2,%ID/g,0.2
tumor,24,6,%ID/g,0.2
tumor,72,4,%ID/g,0.2
"""


def _parse_csv(text: str) -> tuple[list[str], list[list[str]]]:
    import csv
    import io

    lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
    rows = list(csv.reader(io.StringIO("\n".join(lines))))
    return rows[0], rows[1:]


def csv_bases() -> list[Base]:
    out = []
    p = EXAMPLES / "measured_tumor_nanotumor_id8.csv"
    text = p.read_text(encoding="utf-8")
    out.append(Base(p.stem, _parse_csv(text), text))
    for name, text in (("table_pct_id", _TABLE_PCT_ID), ("table_pct_id_g", _TABLE_PCT_ID_G)):
        out.append(Base(name, _parse_csv(text), text))
    return out


def write_csv(header: list[str], rows: list[list[Any]]) -> str:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


# --------------------------------------------------------------------------- tree helpers

_QTY = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*[^\d\s.]")


def leaves(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every (path, value) of the scalar leaves of a nested mapping/list."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from leaves(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from leaves(v, (*path, i))
    else:
        yield path, data


def containers(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(data, dict | list):
        yield path, data
        items = data.items() if isinstance(data, dict) else enumerate(data)
        for k, v in items:
            yield from containers(v, (*path, k))


def is_quantity(v: Any) -> bool:
    return isinstance(v, str) and bool(_QTY.match(v)) and len(v) < 40


def set_at(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    data = copy.deepcopy(data)
    if not path:
        return value
    node = data
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return data


def delete_at(data: Any, path: tuple[Any, ...]) -> Any:
    data = copy.deepcopy(data)
    node = data
    for p in path[:-1]:
        node = node[p]
    del node[path[-1]]
    return data


def _dot(path: tuple[Any, ...]) -> str:
    return ".".join(map(str, path))


def _pick(rng: random.Random, items: list[Any]) -> Any:
    return items[rng.randrange(len(items))]


def _unit_of(q: str) -> str:
    m = _QTY.match(q)
    return q[m.end() - 1:].strip() if m else ""


_DENY_PATHS = ("run",)  # study run settings start Dask clusters / schedulers: not fuzzed here


def _fuzzable(path: tuple[Any, ...]) -> bool:
    return not (path and path[0] in _DENY_PATHS)


# --------------------------------------------------------------------------- mutations
# Each mutation returns (data | None, raw bytes | None, suffix, expect, label); a None data with
# raw bytes writes the bytes as they are.

Mut = tuple[Any, bytes | None, str, str, str]
_PLACEHOLDER = "__NANOTWIN_FUZZ_PLACEHOLDER__"


#: Text fields that may start with a number ("177Lu-liposome trial") but are not quantities.
_TEXT_KEYS = {"name", "model", "description", "references", "design", "target", "drug",
              "core_material", "cancer_type", "chelator", "nuclide", "nuclides", "enzyme"}


def _quantity_leaves(data: Any) -> list[tuple[tuple[Any, ...], Any]]:
    return [(p, v) for p, v in leaves(data) if is_quantity(v) and _fuzzable(p)
            and not {k for k in p if isinstance(k, str)} & _TEXT_KEYS]


def _string_leaves(data: Any) -> list[tuple[tuple[Any, ...], Any]]:
    return [(p, v) for p, v in leaves(data) if isinstance(v, str) and not is_quantity(v)
            and _fuzzable(p)]


def _number_leaves(data: Any) -> list[tuple[tuple[Any, ...], Any]]:
    return [(p, v) for p, v in leaves(data)
            if isinstance(v, int | float) and not isinstance(v, bool) and _fuzzable(p)]


def _any_leaf(data: Any) -> list[tuple[tuple[Any, ...], Any]]:
    return [(p, v) for p, v in leaves(data) if _fuzzable(p) and p]


def m_quantity_nonfinite(data: Any, rng: random.Random, fmt: str) -> Mut:
    qs = _quantity_leaves(data) or _number_leaves(data)
    path, v = _pick(rng, qs)
    word = _pick(rng, ["inf", "-inf", "nan", "NaN", "1e999", "-1e999", "infinity"])
    new = f"{word} {_unit_of(v)}".strip() if isinstance(v, str) else float(word)
    return set_at(data, path, new), None, fmt, "reject", f"{_dot(path)}={new}"


def m_quantity_absurd(data: Any, rng: random.Random, fmt: str) -> Mut:
    path, v = _pick(rng, _quantity_leaves(data) or _number_leaves(data))
    word = _pick(rng, ["1e30", "-1e30", "1e300"])
    new = f"{word} {_unit_of(v)}".strip() if isinstance(v, str) else float(word)
    return set_at(data, path, new), None, fmt, "reject", f"{_dot(path)}={new}"


def m_quantity_edge(data: Any, rng: random.Random, fmt: str) -> Mut:
    path, v = _pick(rng, _quantity_leaves(data) or _number_leaves(data))
    word = _pick(rng, ["0", "-0", "-1", "-30", "1e-30", "1e-300"])
    new = f"{word} {_unit_of(v)}".strip() if isinstance(v, str) else float(word)
    return set_at(data, path, new), None, fmt, "either", f"{_dot(path)}={new}"


def m_quantity_bad_unit(data: Any, rng: random.Random, fmt: str) -> Mut:
    qs = _quantity_leaves(data)
    if not qs:
        return m_wrong_type(data, rng, fmt)
    path, v = _pick(rng, qs)
    num = v.split()[0] if " " in v else "1"
    new = _pick(rng, [f"{num} m/s", f"{num} parsec*s", f"{num} foo", f"{num}", f"thirty {v}",
                      f"{num} {_unit_of(v)} {_unit_of(v)}", f"{num} {_unit_of(v)};", "nm",
                      f"{num} mV**2", f"{num} 1/s**2"])
    expect = "either" if new == f"{num}" else "reject"
    return set_at(data, path, new), None, fmt, expect, f"{_dot(path)}={new}"


def m_quantity_parser_bomb(data: Any, rng: random.Random, fmt: str) -> Mut:
    """Quantity text that makes a naive unit parser work for ever (or recurse too deep)."""
    qs = _quantity_leaves(data)
    if not qs:
        return m_huge_string(data, rng, fmt)
    path, v = _pick(rng, qs)
    unit = _unit_of(v)
    n = rng.choice([10_000, 100_000, 1_000_000])
    new = _pick(rng, [
        f"10**10**10 {unit}", f"9**9**9 {unit}", f"2**(2**40) {unit}",
        "(" * 5000 + "1" + ")" * 5000 + f" {unit}",
        "1" + "0" * n + f" {unit}", f"1 {unit}" + " " + "x" * n,
        f"1 {'*'.join([unit] * (n // 10))}", f"-10 mV**2 {'n' * n}",
        f"1 {unit}**99999999", f"1e{'9' * 50} {unit}",
    ])
    return set_at(data, path, new), None, fmt, "reject", f"{_dot(path)}=<{len(new)} chars>"


def m_huge_string(data: Any, rng: random.Random, fmt: str) -> Mut:
    path, _ = _pick(rng, _string_leaves(data) or _any_leaf(data))
    n = rng.choice([100_000, 1_000_000])
    new = _pick(rng, ["x" * n, "é" * (n // 2), "a b " * (n // 4), "\\" * n])
    out = set_at(data, path, new)
    # the case: a bad unit beside a huge string
    q = _quantity_leaves(out)
    if q and rng.random() < 0.5:
        out = set_at(out, q[0][0], "-10 mV**2")
    return out, None, fmt, "reject", f"{_dot(path)}=<{n} chars>"


def m_number_leaf(data: Any, rng: random.Random, fmt: str) -> Mut:
    nums = _number_leaves(data)
    if not nums:
        return m_quantity_nonfinite(data, rng, fmt)
    path, _ = _pick(rng, nums)
    new = _pick(rng, [float("inf"), float("-inf"), float("nan"), 10 ** 400, -(10 ** 400),
                      10 ** 4000])
    return set_at(data, path, new), None, fmt, "reject", f"{_dot(path)}={str(new)[:20]}"


def m_number_edge(data: Any, rng: random.Random, fmt: str) -> Mut:
    nums = _number_leaves(data) or _any_leaf(data)
    path, _ = _pick(rng, nums)
    new = _pick(rng, [-1, 0, -0.0, 1e308, -1e308, 5e-324, 2 ** 63, -(2 ** 63), 1.5])
    return set_at(data, path, new), None, fmt, "either", f"{_dot(path)}={new}"


def m_wrong_type(data: Any, rng: random.Random, fmt: str) -> Mut:
    path, _ = _pick(rng, _any_leaf(data))
    new = _pick(rng, [[1, 2, 3], {"a": 1}, True, None, 12345, "", [], {}, ["x"] * 3,
                      {"value": 30, "unit": "nm"}])
    return set_at(data, path, new), None, fmt, "either", f"{_dot(path)}={new!r}"


def m_container_wrong_type(data: Any, rng: random.Random, fmt: str) -> Mut:
    cs = [(p, v) for p, v in containers(data) if p and _fuzzable(p)]
    path, _ = _pick(rng, cs)
    new = _pick(rng, ["text", 42, [], [[]], None, True, [{"a": 1}]])
    return set_at(data, path, new), None, fmt, "either", f"{_dot(path)}={new!r}"


def m_remove_key(data: Any, rng: random.Random, fmt: str) -> Mut:
    ks = [(p, v) for p, v in containers(data) if isinstance(v, dict) and v and _fuzzable(p)]
    path, node = _pick(rng, ks)
    key = _pick(rng, list(node))
    return delete_at(data, (*path, key)), None, fmt, "either", f"del {_dot((*path, key))}"


def m_unknown_key(data: Any, rng: random.Random, fmt: str) -> Mut:
    ks = [(p, v) for p, v in containers(data) if isinstance(v, dict) and _fuzzable(p)]
    path, node = _pick(rng, ks)
    key = _pick(rng, ["colour", "hydrodynamic_diameterr", "Name", "__class__", "x" * 10_000,
                      "ζ", "1"])
    new = copy.deepcopy(node)
    new[key] = "red"
    return set_at(data, path, new), None, fmt, "reject", f"{_dot(path)}+{key[:20]}"


def m_many_items(data: Any, rng: random.Random, fmt: str) -> Mut:
    ls = [(p, v) for p, v in containers(data) if isinstance(v, list) and v and _fuzzable(p)]
    n = rng.choice([5_000, 50_000])
    if not ls:
        out = set_at(data, ("references",), ["ref"] * n)
        raw = (to_toml(out) if fmt == ".toml" else to_json(out)).encode("utf-8")
        return None, raw, fmt, "reject", f"{n} references"
    path, node = _pick(rng, ls)
    out = set_at(data, path, [node[0]] * n)
    # JSON is YAML too, and far faster to write than PyYAML's emitter at this size
    raw = (to_toml(out) if fmt == ".toml" else to_json(out)).encode("utf-8")
    return None, raw, fmt, "reject", f"{_dot(path)}x{n}"


def m_deep_nesting(data: Any, rng: random.Random, fmt: str) -> Mut:
    path, _ = _pick(rng, _any_leaf(data))
    depth = rng.choice([1_000, 100_000])
    out = set_at(data, path, _PLACEHOLDER)
    text = FORMATS[fmt](out)
    deep = _pick(rng, ["[" * depth + "]" * depth, "[" * depth + "1" + "]" * depth])
    if fmt == ".json" or fmt == ".toml":
        deep = _pick(rng, [deep, "[" * depth + "{\"a\": 1}" + "]" * depth]) if fmt == ".json" \
            else deep
    if fmt == ".yaml" and rng.random() < 0.3:
        deep = "{a: " * depth + "1" + "}" * depth
    text = text.replace(json.dumps(_PLACEHOLDER), deep).replace(_PLACEHOLDER, deep)
    return None, text.encode("utf-8"), fmt, "reject", f"{_dot(path)} depth {depth}"


def m_alias_bomb(data: Any, rng: random.Random, fmt: str) -> Mut:
    """The 'billion laughs' of YAML: a few hundred bytes that expand to ~10^8..10^9 nodes."""
    path, _ = _pick(rng, _any_leaf(data))
    levels, width = rng.choice([(8, 10), (9, 10), (18, 3), (30, 2)])
    lines = ["a0: &a0 [\"lol\", \"lol\"]"]
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    text = to_yaml(set_at(data, path, _PLACEHOLDER))
    text = text.replace(_PLACEHOLDER, f"*a{levels}").replace(f"'*a{levels}'", f"*a{levels}")
    # the anchors must come first: put them in a key the design does not know... or in a
    # comment-free top-level list the loader reads before the field that uses them
    bomb = "\n".join(lines)
    if rng.random() < 0.5:
        text = "_bomb:\n" + "\n".join("  " + ln for ln in lines) + "\n" + text
    else:
        text = bomb + "\n" + text
    return None, text.encode("utf-8"), ".yaml", "reject", f"{_dot(path)}: {width}^{levels}"


def m_yaml_tags(data: Any, rng: random.Random, fmt: str) -> Mut:
    path, _ = _pick(rng, _any_leaf(data))
    tag = _pick(rng, ["!!python/object/apply:os.system ['echo pwned > pwned.txt']",
                      "!!binary aGVsbG8=", "!!set {a, b}", "!!timestamp 2001-12-14",
                      "!!float .nan", "!!float .inf", "!!int 0x7fffffffffffffffffffff",
                      "!!omap [a: 1]", "!custom 1", "2001-12-14", "0o777", ".NaN", "~"])
    text = to_yaml(set_at(data, path, _PLACEHOLDER)).replace(_PLACEHOLDER, tag)
    return None, text.encode("utf-8"), ".yaml", "either", f"{_dot(path)}: {tag}"


def _encode(text: str, rng: random.Random) -> tuple[bytes, str, str]:
    choice = rng.randrange(9)
    if choice == 0:
        return b"\xff\xfe" + text.encode("utf-16-le"), "accept", "utf-16-le BOM"
    if choice == 1:
        return text.encode("utf-16"), "accept", "utf-16 BOM"
    if choice == 2:
        return text.encode("utf-16-le"), "reject", "utf-16-le no BOM"
    if choice == 3:
        return b"\xef\xbb\xbf" + text.encode("utf-8"), "accept", "utf-8 BOM"
    if choice == 4:  # a latin-1 byte in a name
        m = re.search(r"name: ", text)
        pos = m.end() if m else len(text) // 2
        raw = text.encode("utf-8")
        return raw[:pos] + "Müller ".encode("latin-1") + raw[pos:], "reject", "latin-1 byte"
    if choice == 5:
        return text.encode("cp1252", errors="replace").replace(b" um", b" \xb5m"), \
            "either", "cp1252"
    if choice == 6:  # cut inside a multi-byte character
        raw = ("é" * 3 + text).encode("utf-8")
        return raw[:1] + raw[2:], "reject", "truncated utf-8"
    if choice == 7:
        raw = text.encode("utf-8")
        i = rng.randrange(len(raw))
        return raw[:i] + b"\x00" + raw[i:], "reject", "NUL byte"
    return bytes(rng.randrange(256) for _ in range(rng.choice([16, 4096]))), "reject", \
        "random bytes"


def m_encoding(data: Any, rng: random.Random, fmt: str) -> Mut:
    raw, expect, label = _encode(FORMATS[fmt](data), rng)
    if expect == "accept":
        expect = "either"  # the base input itself may be one a command rejects
    return None, raw, fmt, expect, label


def m_raw_text(data: Any, rng: random.Random, fmt: str) -> Mut:
    text = FORMATS[fmt](data)
    choice = rng.randrange(8)
    if choice == 0:
        return None, b"", fmt, "reject", "empty file"
    if choice == 1:
        return None, b"   \n\n# only a comment\n", fmt, "reject", "comment only"
    if choice == 2:
        cut = rng.randrange(1, max(2, len(text)))
        return None, text[:cut].encode(), fmt, "either", f"truncated at {cut}"
    if choice == 3:
        return None, _pick(rng, [b"- a\n- b\n", b"42\n", b"\"text\"\n", b"[1, 2]\n",
                                 b"null\n"]), fmt, "reject", "not a mapping"
    if choice == 4:
        big = 20 * 1024 * 1024
        pad = b"#" + b" " * 1022 + b"\n" if fmt != ".json" else b" " * 1023 + b"\n"
        return None, text.encode() + pad * (big // 1024), fmt, "reject", f"{big >> 20} MiB"
    if choice == 5:
        return None, text.replace(": ", ":\t", 3).replace("  ", "\t", 2).encode(), fmt, \
            "either", "tabs"
    if choice == 6:
        return None, (text + "\n" + text).encode(), fmt, "either", "duplicated"
    return None, text.encode(), _pick(rng, [".txt", ".yml.bak", "", ".YAML", ".csv"]), \
        "either", "other suffix"


DESIGN_MUTATIONS: dict[str, Callable[[Any, random.Random, str], Mut]] = {
    "quantity_nonfinite": m_quantity_nonfinite,
    "quantity_absurd": m_quantity_absurd,
    "quantity_edge": m_quantity_edge,
    "quantity_bad_unit": m_quantity_bad_unit,
    "quantity_parser_bomb": m_quantity_parser_bomb,
    "huge_string": m_huge_string,
    "number_nonfinite": m_number_leaf,
    "number_edge": m_number_edge,
    "wrong_type": m_wrong_type,
    "container_wrong_type": m_container_wrong_type,
    "remove_key": m_remove_key,
    "unknown_key": m_unknown_key,
    "many_items": m_many_items,
    "deep_nesting": m_deep_nesting,
    "alias_bomb": m_alias_bomb,
    "yaml_tags": m_yaml_tags,
    "encoding": m_encoding,
    "raw_text": m_raw_text,
}

#: Mutations that only make sense for YAML (others are drawn for .yaml, .json and .toml).
YAML_ONLY = {"alias_bomb", "yaml_tags"}


def _special_files(rng: random.Random) -> tuple[dict[str, str], str, str]:
    """A path that is not a regular file: a folder, a FIFO (reading it blocks), /dev/zero."""
    choice = rng.randrange(5)
    if choice == 0:
        return {"input.yaml": "dir"}, "a folder named .yaml", "input.yaml"
    if choice == 1:
        return {"input.yaml": "fifo"}, "a FIFO", "input.yaml"
    if choice == 2:
        return {"input.yaml": "link:/dev/zero"}, "link to /dev/zero", "input.yaml"
    if choice == 3:
        return {"input.yaml": "link:input.yaml"}, "symlink loop", "input.yaml"
    return {}, "missing file", "missing.yaml"


def design_case(base: Base, kind: str, rng: random.Random, idx: int) -> Case:
    """One mutated design, run by ``validate`` and ``simulate --out``."""
    if kind == "special_file":
        setup, label, name = _special_files(rng)
        return Case(f"design/{base.name}/{kind}/{idx}", "design", f"{kind}: {label}", {},
                    [["validate", name], ["simulate", name, "--out", "out"]], "reject",
                    setup=setup)
    fmt = ".yaml" if kind in YAML_ONLY else _pick(rng, [".yaml", ".yaml", ".json", ".toml"])
    data, raw, suffix, expect, label = DESIGN_MUTATIONS[kind](base.data, rng, fmt)
    if raw is None:
        raw = FORMATS[fmt](data).encode("utf-8")
    name = f"input{suffix}"
    if suffix not in (".yaml", ".yml", ".json", ".toml", ".YAML"):
        expect = "reject"
    return Case(f"design/{base.name}/{kind}/{idx}", "design", f"{kind}: {label}",
                {name: raw}, [["validate", name], ["simulate", name, "--out", "out"]], expect)


DESIGN_KINDS = [*DESIGN_MUTATIONS, "special_file"]


# --------------------------------------------------------------------------- studies

def _study_path_mutation(base: Base, rng: random.Random) -> tuple[Any, dict[str, bytes],
                                                                  dict[str, str], str, str]:
    data = dict(base.data)
    files: dict[str, bytes] = dict(base.extra)
    setup: dict[str, str] = {}
    choice = rng.randrange(7)
    if choice == 0:
        data["design"] = "x" * rng.choice([300, 100_000])
        return data, files, setup, "reject", "design path too long"
    if choice == 1:
        data["design"] = "missing.yaml"
        return data, files, setup, "reject", "design missing"
    if choice == 2:
        data["design"] = "/dev/zero"
        return data, files, setup, "reject", "design /dev/zero"
    if choice == 3:
        data["design"] = "fifo.yaml"
        setup["fifo.yaml"] = "fifo"
        return data, files, setup, "reject", "design is a FIFO"
    if choice == 4:
        data["design"] = "design.yaml"
        d = yaml.safe_load(files["design.yaml"])
        kind = _pick(rng, ["quantity_nonfinite", "alias_bomb", "encoding", "huge_string",
                           "deep_nesting", "number_nonfinite"])
        dd, raw, _suffix, _e, label = DESIGN_MUTATIONS[kind](d, rng, ".yaml")
        files["design.yaml"] = raw if raw is not None else to_yaml(dd).encode()
        return data, files, setup, "either", f"design {kind}: {label}"
    if choice == 5:
        data["design"] = "sub"
        setup["sub"] = "dir"
        return data, files, setup, "reject", "design is a folder"
    data["design"] = "../" * 30 + "etc/passwd"
    return data, files, setup, "reject", "design outside"


def study_case(base: Base, kind: str, rng: random.Random, idx: int) -> Case:
    """One mutated study, run by ``trial`` (8 subjects) or ``optimize --sweep-only``."""
    setup: dict[str, str] = {}
    files: dict[str, bytes] = dict(base.extra)
    if kind == "design_path":
        data, files, setup, expect, label = _study_path_mutation(base, rng)
        raw = to_yaml(data).encode()
    elif kind == "special_file":
        setup, label, name = _special_files(rng)
        raw, expect = None, "reject"
    else:
        data, raw, _suffix, expect, label = DESIGN_MUTATIONS[kind](base.data, rng, ".yaml")
        if raw is None:
            raw = to_yaml(data).encode()
    name = "study.yaml" if kind != "special_file" else name
    if raw is not None:
        files[name] = raw
    if "sweep" in base.data:
        cmd = ["optimize", name, "--sweep-only", "--out", "out"]
    else:
        cmd = ["trial", name, "--n", "8", "--out", "out"]
    return Case(f"study/{base.name}/{kind}/{idx}", "study", f"{kind}: {label}", files, [cmd],
                expect, setup=setup)


STUDY_KINDS = [k for k in DESIGN_MUTATIONS if k not in ("encoding", "raw_text")] + [
    "encoding", "raw_text", "design_path", "special_file"]


# --------------------------------------------------------------------------- CSV tables

#: Columns a command does not read: a mutation there may be accepted by it.
_IGNORED_COLUMNS = {"mass_g": ("fit", "image"), "sd": ("image",)}


def _csv_cell_mutation(header: list[str], rows: list[list[str]], rng: random.Random
                       ) -> tuple[list[str], list[list[str]], str, str]:
    rows = [list(r) for r in rows]
    i = rng.randrange(len(rows))
    j = rng.randrange(len(header))
    col = header[j]
    numeric = col in ("time_h", "value", "sd", "mass_g")
    if numeric:
        new = _pick(rng, ["inf", "-inf", "nan", "NaN", "1e999", "-1", "-1e30", "1e308", "",
                          "abc", "1,5", "10**10**10", "0x10", "1e-400", "0", "1_000"])
        expect = "either" if new in ("0", "1e-400", "1_000", "") else "reject"
        if new == "" and col in ("sd", "mass_g"):
            expect = "either"
    else:
        new = _pick(rng, ["", "x" * 1_000_000, "liverr", "Tumour", "LIVER ", "%ID/kg", "ζ",
                          "=cmd|' /C calc'!A0", "\x00"])
        expect = "either" if new in ("Tumour", "LIVER ") else "reject"
    rows[i][j] = new
    return header, rows, expect, f"row {i + 2} {col}={new[:20]!r}"


def _ignored_by(label: str) -> dict[str, str]:
    col = label.split(" ")[2].split("=")[0] if label.startswith("row ") else ""
    return {c: "either" for c in _IGNORED_COLUMNS.get(col, ())}


def _csv_structure_mutation(header: list[str], rows: list[list[str]], rng: random.Random
                            ) -> tuple[bytes, str, str]:
    text = write_csv(header, rows)
    choice = rng.randrange(14)
    if choice == 0:
        j = rng.randrange(len(header))
        h = header[:j] + header[j + 1:]
        return write_csv(h, [r[:j] + r[j + 1:] for r in rows]).encode(), "either", \
            f"drop column {header[j]}"
    if choice == 1:
        return write_csv([*header, header[0]], [[*r, r[0]] for r in rows]).encode(), \
            "either", "duplicate column"
    if choice == 2:
        n = rng.choice([2_000, 50_000])
        return write_csv(header + [f"c{k}" for k in range(n)],
                         [r + ["1"] * n for r in rows]).encode(), "reject", f"{n} columns"
    if choice == 3:
        n = rng.choice([20_000, 300_000])
        return write_csv(header, (rows * (n // len(rows) + 1))[:n]).encode(), "reject", \
            f"{n} rows"
    if choice == 4:
        return text.replace(",", ";").encode(), "reject", "semicolons"
    if choice == 5:
        return text.replace(",", "\t").encode(), "reject", "tabs"
    if choice == 6:
        return (text + '"unterminated,1,2\n').encode(), "reject", "unterminated quote"
    if choice == 7:
        return (",".join(header) + "\n").encode(), "reject", "header only"
    if choice == 8:
        return b"", "reject", "empty"
    if choice == 9:
        return text.replace("\n", "\r\n").encode(), "either", "CRLF"
    if choice == 10:
        return (text + ",".join(["tumor", "1", "2", "3", "4", "5", "6", "7"]) + "\n").encode(), \
            "reject", "ragged row"
    if choice == 11:
        big = 30 * 1024 * 1024
        return text.encode() + (b"#" + b"x" * 1022 + b"\n") * (big // 1024), "reject", \
            f"{big >> 20} MiB"
    if choice == 12:
        return ("\n".join(header) + "\n").encode(), "reject", "one column per line"
    return (text + "\n\n\n,,,\n").encode(), "either", "blank rows"


CSV_KINDS = ["cell", "cell", "cell", "structure", "structure", "encoding"]


def csv_case(base: Base, kind: str, rng: random.Random, idx: int) -> Case:
    """One mutated measured table, run by ``dose --data``, ``fit`` and ``image`` (table)."""
    header, rows = base.data
    if kind == "cell":
        h, r, expect, label = _csv_cell_mutation(header, rows, rng)
        raw = write_csv(h, r).encode("utf-8")
    elif kind == "structure":
        raw, expect, label = _csv_structure_mutation(header, rows, rng)
    else:
        raw, expect, label = _encode(write_csv(header, rows), rng)
        if expect == "accept":
            expect = "either"
    design = (EXAMPLES / "nanotumor_id8_design.yaml").read_bytes()
    cmds = [["dose", "--data", "table.csv", "--nuclide", "Lu-177", "--tumor-mass", "0.2",
             "--out", "doses.csv"],
            ["fit", "design.yaml", "table.csv", *FIT_FAST, "--out", "fit_out"],
            ["image", "table.csv", *IMAGE_FAST, "--out", "img"]]
    return Case(f"csv/{base.name}/{kind}/{idx}", "csv", f"{kind}: {label}",
                {"table.csv": raw, "design.yaml": design}, cmds, expect,
                expect_cmd=_ignored_by(label) if kind == "cell" else {})


# --------------------------------------------------------------------------- --out

#: Commands with --out: (name, argv without --out, "dir" or a file suffix, good files, bad
#: files).
def _out_commands() -> list[tuple[str, list[str], str, dict[str, bytes], dict[str, bytes]]]:
    design = (EXAMPLES / "hdl_89zr.yaml").read_bytes()
    bad_design = design + b"\nunknown_field: 1\n"
    table = _TABLE_PCT_ID.encode()
    bad_table = table + b"tumor,96,1,0.1,%ID/kg\n"
    table_g = _TABLE_PCT_ID_G.encode()
    bad_table_g = table_g + b"tumor,96,1,%ID/kg,0.2\n"
    measured = (EXAMPLES / "measured_tumor_nanotumor_id8.csv").read_bytes()
    fit_design = (EXAMPLES / "nanotumor_id8_design.yaml").read_bytes()
    study = study_bases()
    trial = next(b for b in study if "sweep" not in b.data)
    opt = next(b for b in study if "sweep" in b.data)
    return [
        ("simulate", ["simulate", "design.yaml"], "dir", {"design.yaml": design},
         {"design.yaml": bad_design}),
        ("export-sbml", ["export-sbml", "design.yaml"], ".xml", {"design.yaml": design},
         {"design.yaml": bad_design}),
        ("dose", ["dose", "design.yaml"], ".csv", {"design.yaml": design},
         {"design.yaml": bad_design}),
        ("dose-data", ["dose", "--data", "table.csv", "--nuclide", "Lu-177", "--tumor-mass",
                       "0.2"], ".csv",
         {"table.csv": table}, {"table.csv": bad_table}),
        ("schema", ["schema"], ".json", {}, {}),
        ("fit", ["fit", "design.yaml", "measured.csv", *FIT_FAST], "dir",
         {"design.yaml": fit_design, "measured.csv": measured},
         {"design.yaml": fit_design, "measured.csv": measured + b"liverr,2,1,%ID/g\n"}),
        ("image", ["image", "table.csv", *IMAGE_FAST], "dir", {"table.csv": table_g},
         {"table.csv": bad_table_g}),
        ("trial", ["trial", "study.yaml", "--n", "8"], "dir",
         {"study.yaml": trial.text.encode(), **dict(trial.extra)},
         {"study.yaml": trial.text.encode() + b"\nunknown_field: 1\n", **dict(trial.extra)}),
        ("optimize", ["optimize", "study.yaml", "--sweep-only"], "dir",
         {"study.yaml": opt.text.encode(), **dict(opt.extra)},
         {"study.yaml": opt.text.encode() + b"\nunknown_field: 1\n", **dict(opt.extra)}),
    ]


OUT_KINDS = ["is_file", "below_file", "nonempty", "nonempty_overwrite", "unwritable",
             "long_name", "fresh", "bad_input_fresh"]


def out_case(cmd_name: str, kind: str, idx: int = 0) -> Case:
    """An ``--out`` problem for one command (inputs fine unless ``bad_input_fresh``)."""
    name, argv, what, good, bad = next(c for c in _out_commands() if c[0] == cmd_name)
    files = dict(bad if kind == "bad_input_fresh" and bad else good)
    protected: tuple[str, ...] = ()
    extra: list[str] = []
    expect = "reject" if kind != "bad_input_fresh" or bad else "accept"
    out_file = f"res{what}"
    target = "res" if what == "dir" else out_file
    if kind == "is_file":
        files["res"] = b"precious\n"
        target, protected = "res", ("res",)
    elif kind == "below_file":
        files["res"] = b"precious\n"
        target, protected = "res/sub", ("res",)
    elif kind in ("nonempty", "nonempty_overwrite"):
        if what == "dir":
            # the folder holds an unrelated file and old result files of the same names
            olds = ("biodistribution.csv", "sweep.csv", "fit_parameters.csv", "trial.nc",
                    "panel.png")
            files["res/keep.txt"] = b"precious\n"
            files.update({f"res/{o}": b"old results\n" for o in olds})
            protected = ("res/keep.txt", *(f"res/{o}" for o in olds))
        else:
            files[out_file] = b"old results\n"
            protected = (out_file,)
        if kind == "nonempty_overwrite":
            extra, expect = ["--overwrite"], "accept"
            protected = ("res/keep.txt",) if what == "dir" else ()
    elif kind == "unwritable":
        target = UNWRITABLE if what == "dir" else f"{UNWRITABLE}/x{what}"
    elif kind == "long_name":
        target = "n" * 300 if what == "dir" else "n" * 300 + what
    elif kind == "fresh":
        expect = "accept"
    cmd = [*argv, "--out", target, *extra]
    return Case(f"out/{name}/{kind}/{idx}", "out", f"{name} --out {kind}", files, [cmd],
                expect, protected)


OUT_COMMANDS = [c[0] for c in _out_commands()]


# --------------------------------------------------------------------------- all cases

def all_cases(seed: int = 18, per_design: int = 60, per_study: int = 40, per_csv: int = 30,
              ) -> Iterator[Case]:
    """The seeded benchmark set (made one at a time): every example, every mutation kind in
    turn, then every ``--out`` problem of every command with ``--out``."""
    rng = random.Random(seed)
    for base in design_bases():
        for i in range(per_design):
            kind = DESIGN_KINDS[i % len(DESIGN_KINDS)]
            yield design_case(base, kind, random.Random(rng.random()), i)
    for base in study_bases():
        for i in range(per_study):
            kind = STUDY_KINDS[i % len(STUDY_KINDS)]
            yield study_case(base, kind, random.Random(rng.random()), i)
    for base in csv_bases():
        for i in range(per_csv):
            kind = CSV_KINDS[i % len(CSV_KINDS)]
            yield csv_case(base, kind, random.Random(rng.random()), i)
    for name in OUT_COMMANDS:
        for kind in OUT_KINDS:
            yield out_case(name, kind)


# --------------------------------------------------------------------------- running


def materialise(case: Case, folder: Path) -> None:
    """Write a case's files (and folders, FIFOs, symlinks) into ``folder``."""
    import os

    for name, data in case.files.items():
        p = folder / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    for name, what in case.setup.items():
        p = folder / name
        if what == "dir":
            p.mkdir(parents=True, exist_ok=True)
        elif what == "fifo":
            os.mkfifo(p)
        elif what.startswith("link:"):
            os.symlink(what[5:], p)


def snapshot(folder: Path) -> dict[str, str]:
    """Every path below ``folder`` with a digest of its content (never opening a FIFO)."""
    import hashlib
    import os

    out = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        if p.is_symlink():
            out[rel] = "link:" + os.readlink(p)
        elif p.is_dir():
            out[rel] = "dir"
        elif p.is_file():
            h = hashlib.sha1()
            with p.open("rb") as fh:
                for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                    h.update(chunk)
            out[rel] = h.hexdigest()
        else:
            out[rel] = "special"
    return out


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    """Paths created, changed or removed between two snapshots."""
    return {k for k in after if before.get(k) != after[k]} | (set(before) - set(after))
