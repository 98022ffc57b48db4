"""Where nanotwin finds its package data and the project's shared reference data."""

from __future__ import annotations

import os
from pathlib import Path

from nanotwin.errors import DesignError

__all__ = ["package_data", "shared_data_dir"]


def package_data(*parts: str) -> Path:
    """Path of a file shipped inside the package, under ``nanotwin/data``.

    Examples
    --------
    >>> package_data().name
    'data'
    """
    return Path(__file__).resolve().parent.joinpath("data", *parts)


def shared_data_dir() -> Path:
    """The folder of public validation data sets (``shared/data`` beside the project).

    Looked up in this order: the environment variable ``NANOTWIN_SHARED_DATA``; ``../shared/data``
    relative to the working directory or any of its parents; the same relative to the source
    checkout.

    Raises
    ------
    DesignError
        If no such folder exists, with how to point nanotwin at it.
    """
    env = os.environ.get("NANOTWIN_SHARED_DATA")
    if env:
        p = Path(env)
        if p.is_dir():
            return p
        raise DesignError(
            f"NANOTWIN_SHARED_DATA={env!r} is not a folder; set it to the shared/data folder")
    starts = [Path.cwd(), Path(__file__).resolve().parent]
    for start in starts:
        for base in [start, *start.parents]:
            for cand in (base / "shared" / "data", base.parent / "shared" / "data"):
                if (cand / "README.md").is_file():
                    return cand
    raise DesignError(
        "validation data not found: run from the project checkout (with shared/data beside it) "
        "or set NANOTWIN_SHARED_DATA to the shared/data folder")
