"""Where the shipped tables and the embedded default model live.

In the repository they sit at the top level (``data/``, ``models/``); inside the
package ``regen/data`` and ``regen/models`` point at them, and the wheel ships
them there, so the same lookup works from a checkout and from an install.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def package_path(*parts: str) -> Path:
    """Return the path of a file shipped inside the ``regen`` package.

    Parameters
    ----------
    *parts : str
        Path components below the package, e.g. ``("data", "nerves.csv")``.
    """
    return Path(str(resources.files("regen").joinpath(*parts)))


def data_path(name: str) -> Path:
    """Return the path of a shipped data file (``data/<name>``)."""
    return package_path("data", name)


def model_path(name: str) -> Path:
    """Return the path of a shipped model file (``models/<name>``)."""
    return package_path("models", name)
