"""The lazy command line: nothing heavy at start, tables that match what the modules register."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
import typer
from typer.testing import CliRunner


def _run(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args],
                          capture_output=True, text=True, check=False, timeout=120)


_MODULES_AFTER = """
    import json, sys
    from nanotwin.cli import app
    try:
        app(args=sys.argv[1:], prog_name="nanotwin")
    except SystemExit:
        pass
    print(json.dumps(sorted(sys.modules)))
"""


def _modules_after(*args: str) -> set[str]:
    r = _run(_MODULES_AFTER, *args)
    assert r.returncode == 0, r.stderr
    return set(json.loads(r.stdout.strip().splitlines()[-1]))


def test_version_and_help_import_no_command_module_and_nothing_heavy():
    from nanotwin.cli import _COMMAND_MODULES

    for args in (["--version"], ["--help"], ["validation", "--help"]):
        mods = _modules_after(*args)
        assert not mods & set(_COMMAND_MODULES), args
        heavy = {"numpy", "pint", "xarray", "scipy", "numba", "radioactivedecay", "matplotlib"}
        if args == ["--version"]:  # typer itself loads pydantic when it builds a sub-group
            heavy.add("pydantic")
        assert not mods & heavy, (args, mods & heavy)


def test_a_command_imports_only_its_own_module():
    from nanotwin.cli import _COMMAND_MODULES

    mods = _modules_after("simulate", "--help")
    assert set(_COMMAND_MODULES) & mods == {"nanotwin.pbpk.cli"}
    mods = _modules_after("validation", "dosimetry", "--help")
    assert set(_COMMAND_MODULES) & mods == {"nanotwin.dosimetry.cli"}


def _registered_by(module: str) -> tuple[dict[str, str], dict[str, str]]:
    """Top-level and ``validation`` commands (name -> help line) that a module registers."""
    from importlib import import_module

    sub = typer.Typer()

    @sub.callback()
    def _group() -> None:
        """Force a group."""

    import_module(module).register(sub)
    group = typer.main.get_command(sub)
    top, val = {}, {}
    for name, cmd in group.commands.items():
        if name == "validation":
            val = {n: c.help.split("\n\n")[0] for n, c in cmd.commands.items()}
        else:
            top[name] = (cmd.help or "").split("\n\n")[0]
    return top, val


def _one_line(text: str) -> str:
    return " ".join(text.split())


def test_tables_match_what_the_modules_register():
    from nanotwin.cli import _COMMAND_MODULES, _COMMANDS, _VALIDATION_COMMANDS

    indexed = {m for m, _ in (*_COMMANDS.values(), *_VALIDATION_COMMANDS.values()) if m}
    assert indexed <= set(_COMMAND_MODULES)
    for module in _COMMAND_MODULES:
        top, val = _registered_by(module)
        for table, got, where in ((_COMMANDS, top, ""), (_VALIDATION_COMMANDS, val,
                                                          "validation ")):
            for name, (mod, help_line) in table.items():
                if mod == module:
                    assert name in got, f"{module} no longer registers '{where}{name}'"
                    assert _one_line(help_line) == _one_line(got[name]), (
                        f"help of '{where}{name}' changed: update its line in nanotwin/cli.py")
            if module in indexed:  # an indexed module lists all its commands in the tables
                for name in got:
                    assert table.get(name, ("",))[0] == module, (
                        f"add '{where}{name}' -> {module} to the tables in nanotwin/cli.py")


def test_a_module_missing_from_the_tables_still_plugs_in(tmp_path):
    (tmp_path / "nt_extra_cli.py").write_text(textwrap.dedent('''
        import typer
        from nanotwin.cli import handle_errors, validation_group

        def register(app):
            @app.command("hello")
            @handle_errors
            def hello() -> None:
                """Say hello."""
                typer.echo("hello from an extra module")

            @validation_group(app).command("hello-check")
            def check() -> None:
                """Check hello."""
                typer.echo("checked")
    '''))
    code = """
        import sys
        sys.path.insert(0, sys.argv[1])
        from typer.testing import CliRunner
        import nanotwin.cli as cli
        cli._COMMAND_MODULES.append("nt_extra_cli")
        r = CliRunner()
        print(r.invoke(cli.app, ["hello"]).output.strip())
        print(r.invoke(cli.app, ["validation", "hello-check"]).output.strip())
        print("hello" in r.invoke(cli.app, ["--help"]).output)
        print(r.invoke(cli.app, ["catalog", "pairs"]).exit_code)
    """
    res = _run(code, str(tmp_path))
    assert res.returncode == 0, res.stderr
    assert res.stdout.split("\n")[:4] == ["hello from an extra module", "checked", "True", "0"]


def test_unknown_command_suggests_the_close_name():
    from nanotwin.cli import app

    r = CliRunner().invoke(app, ["simulat"])
    assert r.exit_code == 2 and "simulate" in r.output


@pytest.mark.parametrize("args", [["--version"], ["validation"]])
def test_root_options_still_work(args):
    from nanotwin.cli import app

    r = CliRunner().invoke(app, args)
    assert ("nanotwin 0" in r.output) if args == ["--version"] else ("pbpk" in r.output)
