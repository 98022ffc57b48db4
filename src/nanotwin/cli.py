"""The ``nanotwin`` command line (typer + rich).

Each subpackage with commands has a ``cli.py`` with ``register(app)``; they are listed in
``_COMMAND_MODULES``. Every command turns a :class:`~nanotwin.errors.DesignError` into one line on
standard error and exit code 2.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from importlib import import_module
from typing import Any

import typer

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
]

app = typer.Typer(
    name="nanotwin",
    help="nanotwin: a digital twin for cancer nanomedicine.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
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
    group = typer.Typer(help="Validation studies against published data.", no_args_is_help=True)
    app.add_typer(group, name="validation")
    return group


for _name in _COMMAND_MODULES:
    import_module(_name).register(app)


def main() -> None:
    """Entry point of the ``nanotwin`` console script."""
    app(prog_name="nanotwin")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
