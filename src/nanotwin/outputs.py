"""Output folders of commands: checked before anything is computed, so nothing is lost.

Policy (one place for every command that takes ``--out``):

* ``--out`` naming an existing *file*, or a path below a file, is refused with one line;
* an existing, **non-empty** folder is refused unless the command is given ``--overwrite``
  (then files of the same name are replaced, other files are left alone);
* a folder that cannot be created or written to is refused with one line;
* commands compute everything first and write last, so a failure leaves no partial output.
"""

from __future__ import annotations

import os
from pathlib import Path

from nanotwin.errors import DesignError

__all__ = ["prepare_output_dir", "check_output_dir"]


def check_output_dir(path: str | os.PathLike[str], *, overwrite: bool = False,
                     option: str = "--out") -> Path:
    """Check that ``path`` can be used as an output folder, without creating anything.

    Parameters
    ----------
    path
        The folder a command will write into.
    overwrite
        Accept an existing non-empty folder.
    option
        The option name used in the error message.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    DesignError
        One line saying what is wrong with the folder and how to fix it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> check_output_dir(d / "new") == d / "new"
    True
    >>> (d / "f.txt").write_text("x")
    1
    >>> check_output_dir(d / "f.txt")
    Traceback (most recent call last):
    ...
    nanotwin.errors.DesignError: --out: ... is a file, not a folder; give a folder path
    """
    p = Path(path)
    if str(path) == "" or "\x00" in str(path):
        raise DesignError(f"{option}: give a folder path", option)
    existing = next((q for q in (p, *p.parents) if q.exists() or q.is_symlink()), None)
    if existing is not None and not existing.is_dir():
        if existing == p:
            raise DesignError(f"{option}: {p} is a file, not a folder; give a folder path",
                              option)
        raise DesignError(f"{option}: {p} lies below {existing}, which is a file; give a "
                          "folder path", option)
    if p.is_dir():
        if not overwrite and any(p.iterdir()):
            raise DesignError(f"{option}: {p} exists and is not empty; give a new folder or "
                              "add --overwrite to replace its files", option)
        if not os.access(p, os.W_OK | os.X_OK):
            raise DesignError(f"{option}: {p} is not writable; choose a folder you can write "
                              "to", option)
    elif existing is not None and not os.access(existing, os.W_OK | os.X_OK):
        raise DesignError(f"{option}: cannot create {p}: {existing} is not writable; choose a "
                          "folder you can write to", option)
    return p


def prepare_output_dir(path: str | os.PathLike[str], *, overwrite: bool = False,
                       option: str = "--out") -> Path:
    """Check ``path`` (see :func:`check_output_dir`) and create it.

    Call it after the results are computed and before writing them.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> prepare_output_dir(d / "a" / "b").is_dir()
    True
    """
    p = check_output_dir(path, overwrite=overwrite, option=option)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DesignError(f"{option}: cannot create {p}: {exc.strerror or exc}; choose another "
                          "folder", option) from None
    return p
