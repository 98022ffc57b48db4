"""Errors and warnings that nanotwin raises for user input.

Every error a user can provoke with a design, a data file or a command-line argument is a
:class:`DesignError` (a :class:`ValueError`) whose message is one line that says which field is
wrong, what is wrong with it and how to fix it.
"""

from __future__ import annotations

__all__ = ["DesignError", "DesignWarning", "DataError"]


class DesignError(ValueError):
    """A design (or other user input) is invalid.

    Parameters
    ----------
    message
        One line: the field, what is wrong and how to fix it.
    field
        Dotted path of the offending field, e.g. ``"nanoparticle.diameter"``, if known.

    Examples
    --------
    >>> err = DesignError("nanoparticle.diameter: must be > 0 nm; give e.g. '30 nm'",
    ...                   field="nanoparticle.diameter")
    >>> isinstance(err, ValueError)
    True
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        message = " ".join(str(message).split())  # always one line
        super().__init__(message)
        self.field = field


class DataError(DesignError):
    """A data file (measured biodistribution, a study file, …) is malformed."""


class DesignWarning(UserWarning):
    """A design is legal but unusual (e.g. a label whose half-life is far shorter than the
    particle's circulation)."""
