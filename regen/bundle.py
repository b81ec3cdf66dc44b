"""Model files: versioned JSON bundles of numbers and names, never code or rows.

A bundle (format ``regen-model``, version 2) holds::

    name, version, description
    parameters   {name: {"value": v, "sd_log": s}}  the mechanism's parameters
    relief       the relief-end law (see regen.relief):
                   family, sigma, setting_sd,
                   indications {id: entry}, classes {pain class: entry}, default: entry,
                   covariates {"numeric": {name: [center, scale]}, "binary": [...], "coef": {...}} (optional)
                 entry = location, location_sd, offset_coef, response_prob,
                         long_responder_fraction, studies, patients (+ class, sources)
    fit, metrics, training   descriptive (how it was fitted; a hash of the data, never rows)

Loading parses JSON (no unpickling), checks the format, its version and the
type and plausible range of every field the predictions read; anything else
is refused with a one-line :class:`~regen.errors.ModelFileError`. Version-1
files (regen 0.1, an older mechanism) are refused with a hint to refit.
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
from regen.relief import ENTRY_KEYS

__all__ = ["FORMAT", "FORMAT_VERSION", "read_bundle", "validate_bundle", "write_bundle"]

FORMAT = "regen-model"
FORMAT_VERSION = 2
MAX_BYTES = 5_000_000

#: Plausible ranges of the relief numbers: (low, high) inclusive.
_ENTRY_RANGES = {
    "location": (-15.0, 15.0),
    "location_sd": (0.0, 5.0),
    "offset_coef": (-3.0, 3.0),
    "response_prob": (0.0, 1.0),
    "long_responder_fraction": (0.0, 1.0),
}


def _number(value: object, where: str, low: float = -math.inf, high: float = math.inf) -> float:
    """A finite number within [low, high], or a ModelFileError naming the field."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ModelFileError(f"model file field {where} is {_short(value)}, not a number")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number) or not low <= number <= high:
        raise ModelFileError(f"model file field {where} is {_short(value)}; expected a number "
                             f"from {low:g} to {high:g}")
    return number


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _mapping(parent: Mapping, key: str, where: str = "") -> Mapping:
    value = parent.get(key)
    if not isinstance(value, Mapping):
        raise ModelFileError(f"model file field {where}{key!r} is missing or not an object")
    return value


def _text(parent: Mapping, key: str) -> str:
    value = parent.get(key)
    if not isinstance(value, str) or not value or len(value) > 200:
        raise ModelFileError(f"model file field {key!r} is missing or not a short string")
    return value


def _parameter_range(name: str) -> tuple[float, float]:
    if name.endswith("_mm_per_day"):
        return 1e-3, 20.0
    if name.endswith(("_days", "_cm")):
        return 0.0, 3650.0
    if name.endswith(("_factor", "_ratio")):
        return 1e-3, 10.0
    return -1e4, 1e4


def _check_parameters(bundle: Mapping) -> None:
    params = _mapping(bundle, "parameters")
    for name in REQUIRED:
        entry = params.get(name)
        if not isinstance(entry, Mapping):
            raise ModelFileError(f"model file lacks the mechanism parameter {name!r}")
        _number(entry.get("value"), f"parameters[{name!r}].value", *_parameter_range(name))
        _number(entry.get("sd_log", 0.0), f"parameters[{name!r}].sd_log", 0.0, 3.0)


def _check_entry(entry: object, where: str) -> None:
    if not isinstance(entry, Mapping):
        raise ModelFileError(f"model file field {where} is not an object")
    for key in ENTRY_KEYS:
        _number(entry.get(key), f"{where}.{key}", *_ENTRY_RANGES[key])
    for key in ("studies", "patients"):
        _number(entry.get(key, 0), f"{where}.{key}", 0, 1e9)


def _check_covariates(relief: Mapping) -> None:
    cov = relief.get("covariates")
    if cov is None:
        return
    if not isinstance(cov, Mapping):
        raise ModelFileError("model file field relief.covariates is not an object")
    numeric = _mapping(cov, "numeric", "relief.covariates.")
    for name, pair in numeric.items():
        if not isinstance(pair, list) or len(pair) != 2:
            raise ModelFileError(f"model file field relief.covariates.numeric[{name!r}] is not [center, scale]")
        _number(pair[0], f"relief.covariates.numeric[{name!r}] center", -1e4, 1e4)
        _number(pair[1], f"relief.covariates.numeric[{name!r}] scale", 1e-6, 1e4)
    binary = cov.get("binary", [])
    if not isinstance(binary, list) or not all(isinstance(x, str) for x in binary):
        raise ModelFileError("model file field relief.covariates.binary must list strings")
    for name, value in _mapping(cov, "coef", "relief.covariates.").items():
        _number(value, f"relief.covariates.coef[{name!r}]", -5.0, 5.0)


def _check_relief(bundle: Mapping) -> None:
    relief = _mapping(bundle, "relief")
    if relief.get("family") not in FAMILIES:
        raise ModelFileError(f"model file relief family {_short(relief.get('family'))} is not one of "
                             f"{', '.join(FAMILIES)}")
    _number(relief.get("sigma"), "relief.sigma", 1e-3, 5.0)
    _number(relief.get("setting_sd", 0.0), "relief.setting_sd", 0.0, 5.0)
    for group in ("indications", "classes"):
        for key, entry in _mapping(relief, group, "relief.").items():
            _check_entry(entry, f"relief.{group}[{key!r}]")
    _check_entry(relief.get("default"), "relief.default")
    _check_covariates(relief)


def validate_bundle(bundle: object) -> dict:
    """Check a parsed bundle's format, types and ranges; return it or raise :class:`ModelFileError`."""
    if not isinstance(bundle, Mapping) or bundle.get("format") != FORMAT:
        raise ModelFileError("not a regen model file (no 'format': 'regen-model')")
    version = bundle.get("format_version")
    if type(version) is int and version == 1:
        raise ModelFileError("model file format version 1 was written by regen 0.1, whose mechanism has "
                             "since been recalibrated; refit it with 'regen fit'")
    if not (type(version) is int and version == FORMAT_VERSION):
        raise ModelFileError(
            f"model file format version {_short(version)} is not supported "
            f"(this regen reads version {FORMAT_VERSION}); refit or upgrade regen"
        )
    _text(bundle, "name")
    _text(bundle, "version")
    _check_parameters(bundle)
    _check_relief(bundle)
    return dict(bundle)


def read_bundle(path: str | os.PathLike) -> dict:
    """Read and validate a model file.

    Raises
    ------
    ModelFileError
        If the file is missing, too large, not JSON, too deeply nested, or not a valid bundle.
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
    except RecursionError:
        raise ModelFileError(f"model file {str(path)!r} is nested too deeply to be a regen model") from None
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
