"""What the command line says when a command fails (used by :func:`nanotwin.cli.handle_errors`).

The choice, for every exception that reaches a command's wrapper:

* :class:`~nanotwin.errors.DesignError` / :class:`~nanotwin.errors.DataError` — the input is
  wrong: its one-line message, exit code **2**;
* errors of the operating system about a path the user named (missing, a folder, not a folder,
  no permission, name too long, disk full, read-only, a symlink loop), an input that is not
  UTF-8, nesting too deep to read, or memory exhausted by the size of the input — one line that
  names the path or the cause and how to fix it, exit code **2** (the user can act on it);
* ``KeyboardInterrupt`` (Ctrl-C) — ``nanotwin: interrupted``, exit code **130**, no traceback;
* anything else is a bug in nanotwin (a check that should have caught the input is missing, or
  the code is wrong): one line ``nanotwin: internal error in COMMAND (Type: message); …``, exit
  code **3**, so that scripts and the fuzz tests can tell a bug from a bad input. Developers
  see the full traceback with ``NANOTWIN_DEBUG=1`` in the environment (then the exception is
  re-raised unchanged).
"""

from __future__ import annotations

import errno
import os
from typing import NoReturn

__all__ = ["explain", "EXIT_INPUT", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "DEBUG_ENV"]

EXIT_INPUT = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130
#: Environment variable that makes the CLI re-raise unexpected exceptions (full traceback).
DEBUG_ENV = "NANOTWIN_DEBUG"

_OS_HINTS = {
    errno.ENOENT: "check the path",
    errno.EISDIR: "it is a folder; give a file",
    errno.ENOTDIR: "a part of the path is a file, not a folder; check the path",
    errno.EACCES: "you may not read or write there; check its permissions",
    errno.EPERM: "the system does not allow this there; choose another place",
    errno.EEXIST: "it exists already; choose another name",
    errno.ENAMETOOLONG: "the name is too long; choose a shorter one",
    errno.ENOSPC: "the disk is full; free some space or write elsewhere",
    errno.EROFS: "it is on a read-only file system; write elsewhere",
    errno.ELOOP: "the path is a symlink loop; check the links",
    errno.EDQUOT: "the disk quota is exhausted; free some space",
}


def _cut(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _emit(message: str, code: int) -> NoReturn:
    import typer

    typer.echo(f"nanotwin: {message}", err=True)
    raise typer.Exit(code=code)


def _os_message(exc: OSError) -> str | None:
    name = exc.filename if exc.filename is not None else exc.filename2
    hint = _OS_HINTS.get(exc.errno or -1)
    if name is None and hint is None:
        return None
    where = _cut(str(name), 120) if name is not None else "a file"
    if exc.errno == errno.ENOENT:
        return f"error: file not found: {where}; check the path"
    reason = exc.strerror or type(exc).__name__
    return f"error: {where}: {reason.lower()}; {hint or 'check the path'}"


def explain(exc: BaseException, command: str) -> NoReturn:
    """Print one line for ``exc`` raised by ``command`` and exit (see the module docstring).

    Re-raises ``exc`` for unexpected exceptions when ``NANOTWIN_DEBUG`` is set.
    """
    if isinstance(exc, KeyboardInterrupt):
        _emit("interrupted", EXIT_INTERRUPTED)
    if isinstance(exc, OSError):
        # the environment, not nanotwin: a path, a permission, the disk, a network address
        _emit(_os_message(exc) or f"error: {_cut(exc)}; check the paths and addresses given",
              EXIT_INPUT)
    if isinstance(exc, UnicodeDecodeError):
        _emit(f"error: an input is not UTF-8 text ({_cut(exc.reason, 80)} at byte {exc.start}); "
              "save it as UTF-8", EXIT_INPUT)
    if isinstance(exc, RecursionError):
        _emit("error: an input is nested too deeply to read; simplify it", EXIT_INPUT)
    if isinstance(exc, MemoryError):
        _emit("error: out of memory: the input asks for more than this machine has; make it "
              "smaller (fewer subjects, times or points)", EXIT_INPUT)
    if os.environ.get(DEBUG_ENV, "").strip() not in ("", "0"):
        raise exc
    _emit(f"internal error in {command} ({type(exc).__name__}: {_cut(str(exc))}); this is a "
          "bug in nanotwin, not a problem you can fix in the input — please report it with the "
          f"input files; set {DEBUG_ENV}=1 to see the traceback", EXIT_INTERNAL)
