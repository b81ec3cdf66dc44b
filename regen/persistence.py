"""Model files: versioned JSON bundles of numbers and names, never code or rows.

Loading parses JSON (no unpickling), checks the format and its version and
every field the predictions read; anything else is refused with a one-line
:class:`~regen.errors.ModelFileError`.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from regen.aft import FAMILIES
from regen.errors import ModelFileError
from regen.parameters import REQUIRED

__all__ = ["FORMAT", "FORMAT_VERSION", "read_bundle", "validate_bundle", "write_bundle"]

FORMAT = "regen-model"
FORMAT_VERSION = 1
MAX_BYTES = 5_000_000


def _finite(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ModelFileError(f"model file field {where} is {value!r}, not a finite number")
    return float(value)


def _mapping(bundle: Mapping, key: str) -> Mapping:
    value = bundle.get(key)
    if not isinstance(value, Mapping):
        raise ModelFileError(f"model file field {key!r} is missing or not an object")
    return value


def validate_bundle(bundle: object) -> dict:
    """Check a parsed bundle; return it or raise :class:`ModelFileError`."""
    if not isinstance(bundle, Mapping) or bundle.get("format") != FORMAT:
        raise ModelFileError("not a regen model file (no 'format': 'regen-model')")
    version = bundle.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFileError(
            f"model file format version {version!r} is not supported "
            f"(this regen reads version {FORMAT_VERSION}); refit or upgrade regen"
        )
    for key in ("name", "version"):
        if not isinstance(bundle.get(key), str) or not bundle[key]:
            raise ModelFileError(f"model file field {key!r} is missing or not a string")
    if bundle.get("family") not in FAMILIES:
        raise ModelFileError(
            f"model file family {bundle.get('family')!r} is not one of {', '.join(FAMILIES)}"
        )
    if _finite(bundle.get("sigma"), "'sigma'") <= 0:
        raise ModelFileError("model file field 'sigma' must be positive")
    _finite(bundle.get("offset_coef"), "'offset_coef'")
    for name, value in _mapping(bundle, "coef").items():
        _finite(value, f"coef[{name!r}]")
    design = _mapping(bundle, "design")
    if not all(isinstance(x, str) for x in design.get("indications", [])):
        raise ModelFileError("model file field design.indications must list strings")
    for key in ("response_prob", "long_responder_fraction"):
        for name, value in _mapping(bundle, key).items():
            if not 0.0 <= _finite(value, f"{key}[{name!r}]") <= 1.0:
                raise ModelFileError(f"model file field {key}[{name!r}] must lie in [0, 1]")
    params = _mapping(bundle, "parameters")
    for name in REQUIRED:
        entry = params.get(name)
        if not isinstance(entry, Mapping):
            raise ModelFileError(f"model file lacks the mechanism parameter {name!r}")
        _finite(entry.get("value"), f"parameters[{name!r}].value")
        _finite(entry.get("sd_log", 0.0), f"parameters[{name!r}].sd_log")
    return dict(bundle)


def read_bundle(path: str | os.PathLike) -> dict:
    """Read and validate a model file.

    Raises
    ------
    ModelFileError
        If the file is missing, too large, not JSON, or not a valid bundle.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"model file {str(path)!r} does not exist")
    if path.stat().st_size > MAX_BYTES:
        raise ModelFileError(f"model file {str(path)!r} is larger than {MAX_BYTES} bytes")
    try:
        bundle = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(
            f"model file {str(path)!r} is not valid JSON (truncated or not a regen model): {exc}"
        ) from None
    return validate_bundle(bundle)


def write_bundle(bundle: Mapping, path: str | os.PathLike) -> Path:
    """Validate and write a bundle atomically (temporary file, then rename)."""
    bundle = validate_bundle(bundle)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(bundle, fh, indent=1, sort_keys=False, allow_nan=False)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
