"""Data flow one way: no import cycles, and every subpackage imports only the layers below it.

The check reads every ``import`` statement of ``src/nanotwin`` (function-level imports too, since
they run as soon as the function does), so it holds for lazy imports as well as top-level ones.
Importing ``a.b.c`` from another package also runs the package ``a.b``'s ``__init__``; that
counts as an edge too.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
PKG = SRC / "nanotwin"

#: The layers, lowest first (docs/architecture.md). A package imports only packages of lower
#: layers (the basics of layer 0 also import each other). Command modules (``cli.py``,
#: ``fit_cli.py``, ``nanotwin.cli``, ``nanotwin.demo``) are the top and may import anything.
#: A package not listed here (a new one) is only held to "no cycles".
LAYERS = [
    {"<root>", "errors", "_paths", "_lazy", "units", "organs", "outputs", "results", "inputs",
     "_user_errors"},
    {"physics"},
    {"catalog"},
    {"design"},
    {"solver", "payload"},
    {"pbpk", "dosimetry"},
    {"imaging"},
    {"tumor"},
    {"population"},
    {"learn"},
    {"simulation"},
    {"report", "qc", "pv"},
    {"web"},
]
RANK = {p: i for i, layer in enumerate(LAYERS) for p in layer}
COMMAND_FILES = {"cli.py", "fit_cli.py"}
COMMAND_MODULES = {"nanotwin.cli", "nanotwin.demo", "nanotwin.__main__"}


def _modules() -> dict[str, Path]:
    out = {}
    for f in PKG.rglob("*.py"):
        parts = list(f.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = f
    return out


def _imports(mod: str, path: Path, known: dict[str, Path]) -> set[str]:
    """nanotwin modules that ``mod`` imports (anywhere in the file), as module names."""
    pkg = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                     for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            if name != "nanotwin" and not name.startswith("nanotwin."):
                continue
            while name not in known and "." in name:
                name = name.rsplit(".", 1)[0]
            # importing a.b.c runs a.b's __init__ first (unless mod is inside a.b already)
            parts = name.split(".")
            for i in range(2, len(parts) + 1):
                target = ".".join(parts[:i])
                if target in known and not (mod == target or mod.startswith(target + ".")):
                    found.add(target)
    found.discard(mod)
    return found


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {m: _imports(m, p, known) for m, p in known.items()}


def _package(mod: str) -> str:
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 else "<root>"


def _is_command(mod: str, known: dict[str, Path]) -> bool:
    return mod in COMMAND_MODULES or known[mod].name in COMMAND_FILES


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(v: str) -> list[str] | None:
        state[v] = 1
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if state.get(w) == 1:
                return [*stack[stack.index(w):], w]
            if w not in state:
                found = visit(w)
                if found:
                    return found
        stack.pop()
        state[v] = 2
        return None

    for v in sorted(graph):
        if v not in state:
            found = visit(v)
            if found:
                return found
    return None


def test_no_import_cycle_between_modules():
    cycle = _find_cycle(_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_no_import_cycle_between_subpackages():
    known = _modules()
    pkgs: dict[str, set[str]] = {}
    for mod, deps in _graph().items():
        if _is_command(mod, known):
            continue
        src = _package(mod)
        pkgs.setdefault(src, set()).update(_package(d) for d in deps if _package(d) != src)
    cycle = _find_cycle(pkgs)
    assert cycle is None, "subpackage import cycle: " + " -> ".join(cycle)


def test_subpackages_import_only_lower_layers():
    known = _modules()
    bad = []
    for mod, deps in _graph().items():
        src = _package(mod)
        if _is_command(mod, known) or src not in RANK:
            continue
        for dep in deps:
            dst = _package(dep)
            if dst == src or (RANK[src] == 0 and RANK.get(dst) == 0):
                continue
            if dst not in RANK or RANK[dst] >= RANK[src]:
                bad.append(f"{mod} imports {dep}")
    assert not bad, "imports against the layer order (see LAYERS): " + "; ".join(sorted(bad))


def test_each_subpackage_imports_on_its_own():
    """Import every subpackage first in a fresh interpreter state (catches partial-init cycles)."""
    pkgs = sorted(m for m, p in _modules().items() if p.name == "__init__.py" and "." in m)
    code = (
        "import importlib, sys\n"
        f"for pkg in {pkgs!r}:\n"
        "    for m in [m for m in sys.modules if m == 'nanotwin' or m.startswith('nanotwin.')]:\n"
        "        del sys.modules[m]\n"
        "    importlib.import_module(pkg)\n"
        "print('ok')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=300, check=False)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr[-2000:]


def test_the_checker_sees_a_cycle():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None
