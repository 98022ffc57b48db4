"""The ``nanotwin`` command line (typer + rich).

Each subpackage with commands has a ``cli.py`` with ``register(app)``; they are listed in
``_COMMAND_MODULES``. Every command turns a :class:`~nanotwin.errors.DesignError` into one line on
standard error and exit code 2.

Commands load lazily: ``_COMMANDS`` (and ``_VALIDATION_COMMANDS`` for ``nanotwin validation``)
name the module that registers each command and its help line, so ``nanotwin --version`` and
``nanotwin --help`` import no command module, and ``nanotwin simulate`` imports only
``nanotwin.pbpk.cli``. A module listed in ``_COMMAND_MODULES`` but in neither table still works:
it is imported (and its ``register(app)`` called) when the help lists the commands or a name is
not in the tables. ``tests/core/test_cli_lazy.py`` checks that the tables match what the modules
register.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from importlib import import_module
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from nanotwin import __version__
from nanotwin.errors import DesignError

__all__ = ["app", "main", "handle_errors", "fail", "validation_group"]

_COMMAND_MODULES = [
    "nanotwin.population.cli",
    "nanotwin.dosimetry.cli",
    "nanotwin.learn.cli",
    "nanotwin.learn.fit_cli",
    "nanotwin.catalog.cli",
    "nanotwin.design.cli",
    "nanotwin.imaging.cli",
    "nanotwin.pbpk.cli",
    "nanotwin.demo",
    "nanotwin.report.cli",
    "nanotwin.web.cli",
    "nanotwin.pv.cli",
    "nanotwin.qc.cli",
    "nanotwin.tumor.cli",
]

_VALIDATION_HELP = "Validation studies against published data."

#: Top-level command -> (module that registers it, help line shown by ``nanotwin --help``).
_COMMANDS: dict[str, tuple[str, str]] = {
    "simulate": ("nanotwin.pbpk.cli",
                 "Simulate the whole-body biodistribution of a design (PBPK)."),
    "export-sbml": ("nanotwin.pbpk.cli", "Write the design's PBPK model as SBML Level 3."),
    "dose": ("nanotwin.dosimetry.cli",
             "Absorbed doses per organ (Gy/GBq) from a simulated design or measured data."),
    "image": ("nanotwin.imaging.cli", "Simulate what PET/SPECT/CT/MRI/optical/Cerenkov images "
              "of the design would show."),
    "trial": ("nanotwin.population.cli", "Virtual trial: dose distributions, success fraction "
              "and PET-based dose prediction."),
    "optimize": ("nanotwin.population.cli", "Design sweep and multi-objective optimisation; "
                 "prints the Pareto front."),
    "fit": ("nanotwin.learn.fit_cli",
           "Fit PBPK parameters to measured %ID/g or %ID; write "
           "fit_parameters.csv, fit_bands.nc, fit.png. With --siblings: "
           "predict the siblings of the measured pilot instead "
           "(siblings.csv)."),
    "catalog": ("nanotwin.catalog.cli", "Reference catalog: radionuclides, theranostic pairs, "
                "chelators, nanocarrier platforms and nanomedicine products (each with "
                "sources)."),
    "validate": ("nanotwin.design.cli", "Validate design files: exit 0 when all are valid; "
                 "exit 2 and one line per error."),
    "schema": ("nanotwin.design.cli",
               "Print (or write) the JSON Schema of design files, for editors."),
    "demo": ("nanotwin.demo", "Run the built-in example (64Cu PEG-liposome in a tumour-bearing "
             "mouse) end to end: biodistribution, doses and a PET/CT panel, written to OUT."),
    "serve": ("nanotwin.web.cli",
             "Start the nanotwin web app: design form, runs, plots, images "
             "and reports in the browser (open http://HOST:PORT)."),
    "report": ("nanotwin.report.cli",
              "One self-contained HTML report of a design: biodistribution, "
              "doses, images, assumptions, validation status and "
              "provenance."),
    "qc": ("nanotwin.qc.cli",
          "Batch release QC: specifications, release decisions, audit "
          "trail, control charts, radiopharmacy and the link to the "
          "twin."),
    "pv": ("nanotwin.pv.cli",
          "Pharmacovigilance: FAERS quarters, nanomedicine names, "
          "ROR/PRR/IC/EBGM signals."),
    "tumor": ("nanotwin.tumor.cli",
             "Inside the tumour: transport maps, penetration, "
             "micro-dose/DVH, TCP, regrowth."),
    "validation": ("", _VALIDATION_HELP),
}

#: ``nanotwin validation`` command -> (module that registers it, help line).
_VALIDATION_COMMANDS: dict[str, tuple[str, str]] = {
    "pbpk": ("nanotwin.pbpk.cli",
             "Lin-structure regression, physics checks and the example probes."),
    "pbpk-diagnose": ("nanotwin.pbpk.cli", "Per-organ %ID, blood half-life and the tumour "
                      "uptake flux terms of one design."),
    "dosimetry": ("nanotwin.dosimetry.cli",
                 "Sphere S-values vs OLINDA, stylised-phantom photon SAFs vs "
                 "Cristy–Eckerman, marrow S."),
    "tumor-delivery": ("nanotwin.learn.cli", "Nested 5-fold CV grouped by source study for "
                       "DE24, DE168, DEmax vs the median."),
    "timecourse": ("nanotwin.learn.cli", "Per-dataset fits of the tumour time courses: "
                   "fraction with R² >= 0.7."),
    "payload": ("nanotwin.learn.cli", "PLA-PEG-vincristine (Shalgunov 2017): within-2-fold per "
                "formulation and dose."),
    "organs": ("nanotwin.learn.cli",
              "Organ predictions on unseen studies: study-grouped CV of the "
              "global calibration (mouse, 200 nanoforms + tumour time "
              "courses) and the rat/human data never fitted."),
    "tumor": ("nanotwin.tumor.cli",
             "Tumour transport, dose and response: analytic checks and "
             "published numbers (~1 min)."),
}

_registered: set[str] = set()  # modules whose register(app) has run on the root app


def _register(module: str) -> None:
    if module and module not in _registered:
        _registered.add(module)
        import_module(module).register(app)


def _indexed() -> set[str]:
    return {m for m, _ in (*_COMMANDS.values(), *_VALIDATION_COMMANDS.values()) if m}


def _register_unindexed() -> None:
    """Register the modules of ``_COMMAND_MODULES`` that the tables do not name."""
    known = _indexed()
    for m in _COMMAND_MODULES:
        if m not in known:
            _register(m)


def _stub(name: str, help_line: str) -> TyperCommand:
    """A placeholder that only lists a command (name and help) without importing it."""
    return TyperCommand(name=name, help=help_line)


def _built_root() -> TyperGroup:
    """The root group as typer builds it now (with the commands registered so far)."""
    return typer.main.get_command(app)  # type: ignore[return-value]


class _LazyGroup(TyperGroup):
    """A typer group that imports a command's module only when the command runs.

    ``table`` maps command names to (module, help line); :meth:`built` is this group as typer
    builds it from the root app after modules have registered (that holds the real commands).
    """

    table: dict[str, tuple[str, str]] = {}

    def built(self) -> TyperGroup:
        return _built_root()

    def list_commands(self, ctx: Any) -> list[str]:
        _register_unindexed()
        return [*self.table, *(n for n in self.built().commands if n not in self.table)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name in self.table:
            return _stub(cmd_name, self.table[cmd_name][1])
        return self._load(cmd_name)

    def _load(self, cmd_name: str) -> Any:
        _register(self.table.get(cmd_name, ("", ""))[0])
        cmd = self.built().commands.get(cmd_name)
        if cmd is None:  # not in the tables: any listed module may provide it
            for m in _COMMAND_MODULES:
                _register(m)
            every = self.built().commands
            cmd = every.get(cmd_name)
            if cmd is None:  # typer suggests close names from these
                self.commands.update(every)
        if cmd is not None:
            self.commands[cmd_name] = cmd
        return cmd

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name, cmd, rest = super().resolve_command(ctx, args)
        if name is not None and name not in self.commands:
            cmd = self._load(name)
            if cmd is None:
                ctx.fail(f"No such command {name!r}.")
        return name, cmd, rest


class _LazyRoot(_LazyGroup):
    table = _COMMANDS

    def _load(self, cmd_name: str) -> Any:
        if cmd_name == "validation":
            validation_group(app)
        return super()._load(cmd_name)


class _LazyValidation(_LazyGroup):
    table = _VALIDATION_COMMANDS

    def built(self) -> TyperGroup:
        validation_group(app)
        return _built_root().commands["validation"]  # type: ignore[return-value]


app = typer.Typer(
    name="nanotwin",
    help="nanotwin: a digital twin for cancer nanomedicine.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_LazyRoot,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"nanotwin {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """nanotwin: design, biodistribution, dosimetry, imaging and populations of nanomedicines."""


def fail(message: str) -> None:
    """Print one error line to standard error and exit with code 2."""
    typer.echo(f"nanotwin: error: {' '.join(str(message).split())}", err=True)
    raise typer.Exit(code=2)


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator for commands: every failure -> one line on stderr, never a traceback.

    DesignError / DataError and problems with the paths a user named exit with code 2; an
    unexpected exception (a bug) exits with code 3 and says so; ``NANOTWIN_DEBUG=1`` re-raises
    it with its traceback. The rules are in :mod:`nanotwin._user_errors`.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DesignError as exc:
            fail(str(exc))
        except BaseException as exc:  # the CLI's last line of defence
            # typer's / click's own exits and usage errors (typer may vendor click) pass on
            if isinstance(exc, SystemExit | GeneratorExit) or any(
                    c.__name__ in ("Exit", "Abort", "ClickException")
                    for c in type(exc).__mro__):
                raise
            from nanotwin._user_errors import explain

            explain(exc, func.__name__.removesuffix("_cmd").replace("_", "-"))

    return wrapper


def validation_group(app: typer.Typer) -> typer.Typer:
    """The ``nanotwin validation`` sub-app (created on first use) that validation commands of
    every subpackage join."""
    for info in app.registered_groups:
        if info.name == "validation" and info.typer_instance is not None:
            return info.typer_instance
    group = typer.Typer(help=_VALIDATION_HELP, no_args_is_help=True,
                        cls=_LazyValidation if app is sys.modules[__name__].app else None)
    app.add_typer(group, name="validation")
    return group


#: Commands that never use Dask. For them the console script keeps xarray and pint from
#: loading it (both import dask whenever it is installed: 0.2-0.6 s of every start). A command
#: that may use Dask (a population run on a cluster) must not be listed here.
_NO_DASK = frozenset({"simulate", "export-sbml", "dose", "image", "validate", "schema",
                      "catalog", "demo"})


def _without_dask(argv: list[str]) -> None:
    """Mark dask absent for this process when the command is one of :data:`_NO_DASK`.

    Only the console script does this (``main``), never a program that imports nanotwin, and
    only before anything has loaded dask or xarray (xarray decides once, at import).
    """
    if (len(argv) > 1 and argv[1] in _NO_DASK and "dask" not in sys.modules and
            "xarray" not in sys.modules):
        sys.modules["dask"] = None  # type: ignore[assignment]  # find_spec -> None


def main() -> None:
    """Entry point of the ``nanotwin`` console script."""
    _without_dask(sys.argv)
    app(prog_name="nanotwin")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
