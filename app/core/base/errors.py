"""Exception types. Each carries a message written for the user, naming the file and what to do.

Internals raise the precise subclass; the GUI and CLI show `str(error)` and nothing else.
"""

from __future__ import annotations

from pathlib import Path


class ShapLensError(Exception):
    """Base class: the message is shown to the user as is."""

    def __init__(self, message: str, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else None
        super().__init__(message)


class ModelLoadError(ShapLensError):
    """A model file could not be read, is damaged, or is of a kind we do not support."""


class UntrustedPickleError(ModelLoadError):
    """The file is a pickle/joblib and the user has not said they trust it."""


class DataLoadError(ShapLensError):
    """A dataset file could not be read (empty, damaged, wrong format, bad encoding)."""


class AlignmentError(ShapLensError):
    """The dataset does not fit the model: missing features or unusable types."""


class ExplainError(ShapLensError):
    """Computing explanations failed."""


class Cancelled(ShapLensError):  # an outcome the user chose, not a fault
    """The user cancelled a long computation."""

    def __init__(self, message: str = "Cancelled.") -> None:
        super().__init__(message)


class CacheError(ShapLensError):
    """A cache entry is missing, stale or corrupt (callers recompute)."""


class FilterSyntaxError(ShapLensError):
    """A row filter expression could not be parsed; `position` points at the problem."""

    def __init__(self, message: str, position: int = 0) -> None:
        self.position = position
        super().__init__(message)
