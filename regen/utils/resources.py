"""Where the shipped tables and the embedded default model live.

In the repository they sit at the top level (``data/``, ``models/``); the
wheel ships them inside the package (``regen/data``, ``regen/models``, by the
build backend's ``force-include``). The lookup tries the package first, then
the checkout, so the same call works installed and from a source tree.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["data_path", "model_path", "shipped_path"]

_CHECKOUT = Path(__file__).resolve().parents[2]


def shipped_path(folder: str, name: str) -> Path:
    """Return the path of a shipped file ``<folder>/<name>`` (``folder`` is ``data`` or ``models``).

    Parameters
    ----------
    folder : {"data", "models"}
        The shipped folder.
    name : str
        File name inside it, e.g. ``"nerves.csv"``.
    """
    inside = Path(str(resources.files("regen").joinpath(folder, name)))
    if inside.exists():
        return inside
    return _CHECKOUT / folder / name


def data_path(name: str) -> Path:
    """Return the path of a shipped data file (``data/<name>``)."""
    return shipped_path("data", name)


def model_path(name: str) -> Path:
    """Return the path of a shipped model file (``models/<name>``)."""
    return shipped_path("models", name)
