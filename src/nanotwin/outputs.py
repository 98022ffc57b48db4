"""Output folders and files of commands: checked before anything is computed, written last.

Policy (one place for every command that takes ``--out``):

* ``--out`` naming an existing *file* where a folder is wanted, or a path below a file, is
  refused with one line;
* an existing, **non-empty** folder is refused unless the command is given ``--overwrite``
  (then files of the same name are replaced, other files are left alone); we chose refusing
  over writing a new numbered run folder because a user who names a folder expects the results
  there, and a silent ``results-2/`` is easy to miss;
* an output *file* (``dose --out doses.csv``, ``export-sbml --out model.xml``, ``schema --out``)
  that exists is refused unless ``--overwrite`` is given; ``--out`` naming a folder where a file
  is wanted is refused;
* a folder that cannot be created or written to is refused with one line;
* commands check ``--out`` before they compute (a bad ``--out`` costs nothing), compute
  everything, and write last: :func:`output_dir` / :func:`output_file` stage the files in a
  hidden folder beside the target and move them into place only when the command succeeds, so
  a failure — even one half-way through writing — leaves nothing behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from nanotwin.errors import DesignError

__all__ = ["prepare_output_dir", "check_output_dir", "check_output_file", "output_dir",
           "output_file"]


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
    _check_name_length(p, option)
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
    else:
        _probe(existing if existing is not None else Path("."), p, option)
    return p


def _check_name_length(p: Path, option: str) -> None:
    longest = max((len(part) for part in p.parts), default=0)
    if longest > 255 or len(str(p)) > 4096:
        raise DesignError(f"{option}: a name in the path is {longest} characters long; file "
                          "systems allow 255 — choose a shorter one", option)


def _probe(folder: Path, target: Path, option: str) -> None:
    """Create and remove an empty folder in ``folder``: the only sure test that we may write
    there (``os.access`` says yes to root on file systems that refuse, e.g. sysfs)."""
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".nanotwin-probe-", dir=folder))
    except OSError as exc:
        raise DesignError(f"{option}: cannot create {target}: {folder} does not allow it "
                          f"({exc.strerror or exc}); choose a folder you can write to",
                          option) from None


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


def _nearest_existing(p: Path) -> Path:
    return next((q for q in (p, *p.parents) if q.exists()), Path("."))


def check_output_file(path: str | os.PathLike[str], *, overwrite: bool = False,
                      option: str = "--out", suffixes: Sequence[str] | None = None) -> Path:
    """Check that ``path`` can be written as an output file, without creating anything.

    Parameters
    ----------
    path
        The file a command will write.
    overwrite
        Accept an existing file (it is replaced).
    option
        The option name used in the error message.
    suffixes
        Allowed suffixes (e.g. ``(".csv", ".parquet", ".nc")``), checked too.

    Raises
    ------
    DesignError
        One line saying what is wrong and how to fix it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> (d / "doses.csv").write_text("old")
    3
    >>> check_output_file(d / "doses.csv")
    Traceback (most recent call last):
    ...
    nanotwin.errors.DesignError: --out: ... exists; give a new file name or add --overwrite ...
    >>> check_output_file(d / "doses.csv", overwrite=True).name
    'doses.csv'
    """
    p = Path(path)
    text = str(path)
    if text == "" or "\x00" in text:
        raise DesignError(f"{option}: give a file path", option)
    _check_name_length(p, option)
    if suffixes is not None and p.suffix.lower() not in suffixes:
        raise DesignError(f"{option}: {p.name} has suffix {p.suffix or 'none'!r}; use one of "
                          f"{', '.join(suffixes)}", option)
    if p.is_dir():
        raise DesignError(f"{option}: {p} is a folder; give a file path such as "
                          f"{p / ('out' + (suffixes[0] if suffixes else '.txt'))}", option)
    existing = next((q for q in p.parents if q.exists() or q.is_symlink()), None)
    if existing is not None and not existing.is_dir():
        raise DesignError(f"{option}: {p} lies below {existing}, which is a file; give a path "
                          "in a folder", option)
    if p.exists() or p.is_symlink():
        if not overwrite:
            raise DesignError(f"{option}: {p} exists; give a new file name or add --overwrite "
                              "to replace it", option)
        if not os.access(p, os.W_OK):
            raise DesignError(f"{option}: {p} is not writable; choose another file", option)
    base = existing if existing is not None else Path(".")
    if not os.access(base, os.W_OK | os.X_OK):
        raise DesignError(f"{option}: cannot write in {base}: it is not writable; choose a "
                          "folder you can write to", option)
    _probe(base, p, option)
    return p


@contextmanager
def _staging(target: Path, option: str) -> Iterator[Path]:
    """A hidden temporary folder beside ``target`` (same file system, so moving is a rename),
    removed with everything in it when the block fails."""
    anchor = _nearest_existing(target.parent if target.parent != target else target)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=".nanotwin-partial-", dir=anchor))
    except OSError as exc:
        raise DesignError(f"{option}: cannot write in {anchor}: {exc.strerror or exc}; choose "
                          "a folder you can write to", option) from None
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _move_into(src: Path, dest: Path) -> None:
    if dest.is_symlink() or dest.is_file():
        dest.unlink()
    elif dest.is_dir():
        shutil.rmtree(dest)
    os.replace(src, dest)


@contextmanager
def output_dir(path: str | os.PathLike[str], *, overwrite: bool = False,
               option: str = "--out") -> Iterator[Path]:
    """Write a command's output folder atomically: ``with output_dir(out) as tmp:`` write into
    ``tmp``; when the block succeeds the files are moved into ``out`` (created by
    :func:`prepare_output_dir`, which applies the policy again); when it fails nothing is left.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with output_dir(d / "run") as tmp:
    ...     _ = (tmp / "a.csv").write_text("1")
    >>> sorted(p.name for p in (d / "run").iterdir()), sorted(p.name for p in d.iterdir())
    (['a.csv'], ['run'])
    >>> try:
    ...     with output_dir(d / "run2") as tmp:
    ...         _ = (tmp / "a.csv").write_text("1")
    ...         raise ValueError("the computation failed")
    ... except ValueError:
    ...     pass
    >>> sorted(p.name for p in d.iterdir())
    ['run']
    """
    p = check_output_dir(path, overwrite=overwrite, option=option)
    with _staging(p, option) as tmp:
        yield tmp
        out = prepare_output_dir(p, overwrite=overwrite, option=option)
        for entry in sorted(tmp.iterdir()):
            _move_into(entry, out / entry.name)


@contextmanager
def output_file(path: str | os.PathLike[str], *, overwrite: bool = False,
                option: str = "--out", suffixes: Sequence[str] | None = None) -> Iterator[Path]:
    """Write one output file atomically: ``with output_file(out) as tmp:`` write ``tmp`` (same
    name and suffix, in a hidden folder beside ``out``); on success it replaces ``out``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with output_file(d / "sub" / "model.xml") as tmp:
    ...     _ = tmp.write_text("<sbml/>")
    >>> (d / "sub" / "model.xml").read_text()
    '<sbml/>'
    """
    p = check_output_file(path, overwrite=overwrite, option=option, suffixes=suffixes)
    with _staging(p, option) as tmp:
        staged = tmp / p.name
        yield staged
        if not staged.exists():
            return
        p = check_output_file(p, overwrite=overwrite, option=option, suffixes=suffixes)
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DesignError(f"{option}: cannot create {p.parent}: {exc.strerror or exc}; "
                              "choose another folder", option) from None
        _move_into(staged, p)
