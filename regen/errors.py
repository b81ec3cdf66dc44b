"""The exceptions regen raises.

The library raises these; the command line catches :class:`RegenError` in one
place, prints ``Error: <message>`` on one line and exits 1.
"""

from __future__ import annotations

__all__ = ["DataFileError", "FitWarning", "InputError", "ModelFileError", "RegenError", "RegenWarning", "UsageError"]


class RegenError(Exception):
    """Base class of every error regen raises on purpose."""


class InputError(RegenError, ValueError):
    """A patient or outcome value that cannot be used (names row, column, value)."""


class DataFileError(RegenError, ValueError):
    """An input file that cannot be read as a whole (missing column, not a CSV, ...)."""


class UsageError(RegenError, ValueError):
    """An argument that cannot be used as given: an output that is an input, a bad name (exit 2 in the CLI)."""


class ModelFileError(RegenError, ValueError):
    """A model file that is missing, truncated, crafted or of an unknown format."""


class RegenWarning(UserWarning):
    """Base class of the warnings regen gives (filter them with ``warnings.simplefilter``)."""


class FitWarning(RegenWarning):
    """What the data could not support in a fit (too few relief ends per coefficient, a family not converged)."""
