"""Model files: versioned JSON bundles of numbers and names, never code or rows.

A bundle (format ``regen-model``, version 2) holds::

    name, version, description
    parameters   {name: {"value": v, "sd_log": s}}  the mechanism's parameters
    relief       the relief-end law (see regen.model.relief):
                   family, sigma, setting_sd,
                   indications {id: entry}, classes {pain class: entry}, default: entry,
                   covariates {"numeric": {name: [center, scale]}, "binary": [...], "coef": {...}} (optional)
                 entry = location, location_sd, offset_coef, response_prob,
                         long_responder_fraction, studies, patients (+ class, sources),
                         follow_up_day (optional: the longest published follow-up behind it)
    fit, metrics, training   descriptive (how it was fitted; a hash of the data, never rows)

Loading parses strict JSON (no unpickling; no ``NaN``/``Infinity``, no
repeated keys, at most :data:`MAX_DEPTH` levels and :data:`MAX_BYTES` bytes),
checks the format, its version and the type and plausible range of every
field the predictions read, and finally that the model's forecasts for a
reference patient (age 50, no diabetes, not smoking, catalog distance) of
every catalog nerve lie within :data:`PLAUSIBLE_DAYS`; anything else is
refused with a one-line :class:`~regen.errors.ModelFileError`. Version-1
files (regen 0.1, an older mechanism) are refused with a hint to refit.

The ranges are plausibility bounds for files (crafted, corrupted or fitted on
too little data), set wide around the published values of
``data/parameters.csv``: a check, not a prior, and not published numbers.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from regen.catalog.nerves import indication_ids, load_catalog, load_indication_catalog, pain_class
from regen.catalog.parameters import REQUIRED
from regen.errors import ModelFileError
from regen.model.relief import ENTRY_KEYS, GRID_KEYS, relief_distribution
from regen.schema.patients import RANGES
from regen.stats.aft import FAMILIES
from regen.stats.covariates import BINARY_TERMS, NUMERIC_TERMS
from regen.utils.text import printable, short_repr

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NAME_LENGTH",
    "PLAUSIBLE_DAYS",
    "is_safe_name",
    "read_bundle",
    "validate_bundle",
    "write_bundle",
]

FORMAT = "regen-model"
FORMAT_VERSION = 3
#: Format versions this regen reads: 2 (AFT relief laws only) and 3 (adds the evidence model's grid laws).
READABLE_VERSIONS = (2, 3)
MAX_BYTES = 5_000_000
#: Deepest nesting of objects and lists a model file may have (a regen bundle has 6).
MAX_DEPTH = 16
_MAX_NODES = 200_000
#: A reference patient's median return of sensation and relief end must lie in these days (1 day to 10 years).
PLAUSIBLE_DAYS = (1.0, 3652.5)

#: Plausible ranges of the relief numbers: (low, high) inclusive.
#: Plausible ranges of a grid entry's numbers (log days and their variances; see regen.model.relief).
_GRID_RANGES = {
    "x_ref": (0.0, 10.0),
    "m0": (-3.0, 12.0),
    "m1": (-3.0, 3.0),
    "v00": (1e-4, 30.0),
    "v01": (-10.0, 10.0),
    "v11": (0.0, 10.0),
    "response_prob": (0.01, 1.0),
    "long_responder_fraction": (0.0, 0.9),
}
_ENTRY_RANGES = {
    "location": (-10.0, 10.0),
    "location_sd": (0.0, 4.0),
    "offset_coef": (-3.0, 3.0),
    "response_prob": (0.01, 1.0),
    "long_responder_fraction": (0.0, 0.9),
}
#: Plausible ranges of the mechanism's parameters (value), wide around data/parameters.csv.
_PARAMETER_RANGES = {
    "relief_noticed_days": (0.0, 60.0),
    "degeneration_days": (0.5, 60.0),
    "initial_delay_days": (0.0, 60.0),
    "terminal_delay_days": (0.0, 730.0),
    "rate_mm_per_day": (0.1, 10.0),
    "discrepancy_sd_log": (0.0, 1.5),
    "distance_sd_log": (0.0, 1.5),
    "measured_distance_sd_log": (0.0, 1.5),
    "height_reference_cm": (100.0, 250.0),
    "age_child_years": (5.0, 30.0),
    "age_adult_years": (10.0, 40.0),
    "age_older_years": (30.0, 90.0),
    "age_old_years": (50.0, 110.0),
    "age_child_time_ratio": (0.05, 1.0),
    "age_old_time_ratio": (1.0, 5.0),
    "diabetes_rate_factor": (0.1, 2.0),
    "smoker_rate_factor": (0.1, 2.0),
    "freeze_min_effective_c": (-196.0, 0.0),
    "freeze_injury_c": (-196.0, 0.0),
    "partial_lesion_probe_c": (-196.0, 0.0),
    "partial_lesion_time_ratio": (0.01, 1.0),
    "freeze_effect_on_time": (0.1, 10.0),
    "repeat_treatment_factor": (0.1, 10.0),
    "tinel_functional_rate_ratio": (0.2, 1.5),
    "front_measurement_sd_log": (0.01, 1.5),
    "front_rate_max_mm_per_day": (0.5, 20.0),
    "front_rate_min_mm_per_day": (0.01, 2.0),
    "relief_sd_log": (0.02, 2.5),
    "retreatment_risk": (0.01, 0.99),
    "history_icc": (0.05, 0.95),
    "terminal_delay_between_patient_sd_log": (0.0, 2.0),
    "discrepancy_student_t_df": (1.0, 1000.0),
}
#: sd_log of a parameter across patients; the rate's must be positive (a front updates it by precision).
_SD_LOG_RANGE = (0.0, 1.5)
_SD_LOG_POSITIVE = {"rate_mm_per_day": (0.01, 1.5)}
#: Largest |x'beta| the covariates may reach over the accepted patient values (a time ratio of ~1100).
_MAX_COVARIATE_EFFECT = 7.0


def _number(value: object, where: str, low: float = -math.inf, high: float = math.inf) -> float:
    """A finite number within [low, high], or a ModelFileError naming the field."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ModelFileError(f"model file field {where} is {short_repr(value)}, not a number")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number) or not low <= number <= high:
        raise ModelFileError(
            f"model file field {where} is {short_repr(value)}; expected a number from {low:g} to {high:g}"
        )
    return number


def _mapping(parent: Mapping, key: str, where: str = "") -> Mapping:
    value = parent.get(key)
    if not isinstance(value, Mapping):
        raise ModelFileError(f"model file field {where}{key!r} is missing or not an object")
    return value


#: Longest model name or version.
MAX_NAME_LENGTH = 64
_NAME = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._@+-]{{0,{MAX_NAME_LENGTH - 1}}}")


def is_safe_name(text: object) -> bool:
    """Whether ``text`` may be a model name or version: it is written into every scored row.

    1 to :data:`MAX_NAME_LENGTH` ASCII letters, digits and ``. _ @ + -``,
    starting with a letter or digit (so a spreadsheet never reads it as a
    formula, and a terminal never as a control sequence).

    Examples
    --------
    >>> is_safe_name("regen-default"), is_safe_name("2026.11.1"), is_safe_name("=HYPERLINK(1)")
    (True, True, False)
    """
    return isinstance(text, str) and _NAME.fullmatch(text) is not None


def _text(parent: Mapping, key: str) -> str:
    value = parent.get(key)
    if not is_safe_name(value):
        raise ModelFileError(
            f"model file field {key!r} is {short_repr(value)}; expected 1 to {MAX_NAME_LENGTH} "
            "letters, digits and . _ @ + -, starting with a letter or digit"
        )
    return value


def _parameter_range(name: str) -> tuple[float, float]:
    """The plausible range of a parameter's value (by name; by unit suffix for a parameter regen does not read)."""
    if name in _PARAMETER_RANGES:
        return _PARAMETER_RANGES[name]
    if name.endswith(("_days", "_cm")):
        return 0.0, 3650.0
    if name.endswith(("_factor", "_ratio")):
        return 1e-3, 10.0
    return -1e4, 1e4


def _check_parameters(bundle: Mapping) -> None:
    params = _mapping(bundle, "parameters")
    for name in REQUIRED:
        if not isinstance(params.get(name), Mapping):
            raise ModelFileError(f"model file lacks the mechanism parameter {name!r}")
    for name, entry in params.items():
        if not isinstance(entry, Mapping):
            raise ModelFileError(f"model file field parameters[{short_repr(name)}] is not an object")
        _number(entry.get("value"), f"parameters[{name!r}].value", *_parameter_range(name))
        low, high = _SD_LOG_POSITIVE.get(name, _SD_LOG_RANGE)
        _number(entry.get("sd_log", 0.0), f"parameters[{name!r}].sd_log", low, high)


def _whole(value: object, where: str) -> None:
    if _number(value, where, 0, 1e9) != int(value):  # type: ignore[call-overload]
        raise ModelFileError(f"model file field {where} is {short_repr(value)}; expected a whole number")


#: The values of an entry's ``data`` field: where its numbers come from ("clinic": a clinic's rows fitted by
#: ``regen fit``; without the field, the studies counted in ``studies``).
DATA_SOURCES = ("clinic",)


def _check_source(entry: Mapping, where: str) -> None:
    """An entry's ``data`` (absent or one of :data:`DATA_SOURCES`) and ``evidence`` (text) fields."""
    if "data" in entry and (not isinstance(entry["data"], str) or entry["data"] not in DATA_SOURCES):
        raise ModelFileError(
            f"model file field {where}.data is {short_repr(entry['data'])}; expected "
            f"{' or '.join(map(repr, DATA_SOURCES))} (a clinic's rows fitted by regen fit) or no such field"
        )
    if not isinstance(entry.get("evidence", ""), str):
        raise ModelFileError(f"model file field {where}.evidence is not text")


#: Range of an entry's optional ``follow_up_day`` (the longest published follow-up behind it): 0 to 100 years.
FOLLOW_UP_DAYS = (0.0, 36500.0)


def _check_follow_up(entry: Mapping, where: str) -> None:
    """An entry's optional ``follow_up_day``: absent (older and clinic models) or a day in :data:`FOLLOW_UP_DAYS`."""
    if "follow_up_day" in entry:
        _number(entry["follow_up_day"], f"{where}.follow_up_day", *FOLLOW_UP_DAYS)


def _check_entry(entry: object, where: str) -> None:
    if not isinstance(entry, Mapping):
        raise ModelFileError(f"model file field {where} is not an object")
    for key in ENTRY_KEYS:
        _number(entry.get(key), f"{where}.{key}", *_ENTRY_RANGES[key])
    for key in ("studies", "patients"):
        _whole(entry.get(key, 0), f"{where}.{key}")
    _check_follow_up(entry, where)
    _check_source(entry, where)


def _check_numeric_terms(numeric: Mapping) -> float:
    """Check each numeric covariate's [center, scale]; return the largest |x - center| / scale per term."""
    reach = {}
    for name, pair in numeric.items():
        where = f"relief.covariates.numeric[{short_repr(name)}]"
        if name not in NUMERIC_TERMS:
            raise ModelFileError(
                f"model file field {where} is not a covariate regen knows ({', '.join(NUMERIC_TERMS)})"
            )
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ModelFileError(f"model file field {where} is not [center, scale]")
        low, high = RANGES[name][:2]
        center = _number(pair[0], f"{where} center", low, high)
        scale = _number(pair[1], f"{where} scale", 0.01 * (high - low), high - low)
        reach[name] = max(center - low, high - center) / scale
    return reach


def _check_covariates(relief: Mapping) -> None:
    cov = relief.get("covariates")
    if cov is None:
        return
    if not isinstance(cov, Mapping):
        raise ModelFileError("model file field relief.covariates is not an object")
    reach = _check_numeric_terms(_mapping(cov, "numeric", "relief.covariates."))
    binary = cov.get("binary", [])
    if not isinstance(binary, list | tuple) or not all(isinstance(x, str) and x in BINARY_TERMS for x in binary):
        raise ModelFileError(f"model file field relief.covariates.binary must list some of {', '.join(BINARY_TERMS)}")
    reach.update({name: 1.0 for name in binary})
    effect = 0.0
    for name, value in _mapping(cov, "coef", "relief.covariates.").items():
        if name not in reach:
            raise ModelFileError(
                f"model file field relief.covariates.coef[{short_repr(name)}] has no term in "
                "relief.covariates.numeric or .binary"
            )
        effect += abs(_number(value, f"relief.covariates.coef[{name!r}]", -5.0, 5.0)) * reach[name]
    if effect > _MAX_COVARIATE_EFFECT:
        raise ModelFileError(
            f"model file covariates change log relief time by up to {effect:.1f} over the "
            f"accepted patient values (a time ratio of {math.exp(min(effect, 700)):.3g}); "
            f"expected at most {_MAX_COVARIATE_EFFECT:g}"
        )


def _check_grid_entry(entry: object, where: str, size: int) -> None:
    if not isinstance(entry, Mapping):
        raise ModelFileError(f"model file field {where} is not an object")
    for key in GRID_KEYS:
        _number(entry.get(key), f"{where}.{key}", *_GRID_RANGES[key])
    quantiles = entry.get("shape_quantiles")
    if not isinstance(quantiles, list | tuple) or len(quantiles) != size:
        raise ModelFileError(f"model file field {where}.shape_quantiles is not a list of {size} numbers")
    values = np.array(quantiles, dtype=object)
    numeric = all(type(q) is float or type(q) is int for q in quantiles)  # not bool, str, None, list
    values = values.astype(float) if numeric else values
    if not numeric or not (np.isfinite(values).all() and np.abs(values).max() <= 20.0):
        values = [_number(q, f"{where}.shape_quantiles", -20.0, 20.0) for q in quantiles]  # names the bad one
    if np.any(np.diff(values) < 0):
        raise ModelFileError(f"model file field {where}.shape_quantiles is not in increasing order")
    for key in ("studies", "patients"):
        _whole(entry.get(key, 0), f"{where}.{key}")
    _check_follow_up(entry, where)
    _check_source(entry, where)


def _check_grid(bundle: Mapping, relief: Mapping) -> None:
    """A grid section: the shared probabilities, the x definition, and every entry (see regen.model.relief)."""
    probs = relief.get("shape_probs")
    if not isinstance(probs, list | tuple) or not 9 <= len(probs) <= 999:
        raise ModelFileError("model file field relief.shape_probs is not a list of 9 to 999 probabilities")
    values = [_number(p, "relief.shape_probs", 1e-6, 1 - 1e-6) for p in probs]
    if any(b <= a for a, b in itertools.pairwise(values)):
        raise ModelFileError("model file field relief.shape_probs is not strictly increasing")
    sds = _mapping(relief, "x_between_sd_log", "relief.")
    for key in ("initial_delay", "rate", "distance"):
        _number(sds.get(key), f"relief.x_between_sd_log.{key}", 0.0, 2.0)
    if not isinstance(bundle["parameters"].get("terminal_delay_between_patient_sd_log"), Mapping):
        raise ModelFileError(
            "model file lacks the parameter 'terminal_delay_between_patient_sd_log' its relief x needs"
        )
    known = {
        "indications": set(indication_ids()),
        "classes": {i.pain_class for i in load_indication_catalog().values()},
    }
    for group in ("indications", "classes"):
        for key, entry in _mapping(relief, group, "relief.").items():
            if key not in known[group]:
                raise ModelFileError(
                    f"model file relief.{group} has {short_repr(key)}, which is not a catalog "
                    f"{group[:-1] if group == 'indications' else 'pain class'}"
                )
            _check_grid_entry(entry, f"relief.{group}[{key!r}]", len(values))
    _check_grid_entry(relief.get("default"), "relief.default", len(values))


def _check_relief(bundle: Mapping) -> None:
    relief = _mapping(bundle, "relief")
    if relief.get("family") == "grid":
        if bundle.get("format_version") != 3:
            raise ModelFileError("model file relief family 'grid' needs format_version 3")
        _check_grid(bundle, relief)
        _check_covariates(relief)
        return
    if relief.get("family") not in FAMILIES:
        raise ModelFileError(
            f"model file relief family {short_repr(relief.get('family'))} is not one of {', '.join(FAMILIES)}, grid"
        )
    _number(relief.get("sigma"), "relief.sigma", 0.02, 2.5)
    _number(relief.get("setting_sd", 0.0), "relief.setting_sd", 0.0, 2.0)
    known = {
        "indications": set(indication_ids()),
        "classes": {i.pain_class for i in load_indication_catalog().values()},
    }
    for group in ("indications", "classes"):
        for key, entry in _mapping(relief, group, "relief.").items():
            if key not in known[group]:  # an entry no patient can reach: a typo or an edited file
                raise ModelFileError(
                    f"model file relief.{group} has {short_repr(key)}, which is not a catalog "
                    f"{group[:-1] if group == 'indications' else 'pain class'}"
                )
            _check_entry(entry, f"relief.{group}[{key!r}]")
    _check_entry(relief.get("default"), "relief.default")
    _check_covariates(relief)


def validate_bundle(bundle: object) -> dict:
    """Check a parsed bundle's format, types and ranges; return it or raise :class:`ModelFileError`."""
    if not isinstance(bundle, Mapping) or bundle.get("format") != FORMAT:
        raise ModelFileError("not a regen model file (no 'format': 'regen-model')")
    version = bundle.get("format_version")
    if type(version) is int and version == 1:
        raise ModelFileError(
            "model file format version 1 was written by regen 0.1, whose mechanism has "
            "since been recalibrated; refit it with 'regen fit'"
        )
    if not (type(version) is int and version in READABLE_VERSIONS):
        raise ModelFileError(
            f"model file format version {short_repr(version)} is not supported "
            f"(this regen reads version {FORMAT_VERSION}); refit or upgrade regen"
        )
    _check_shape(bundle)
    _text(bundle, "name")
    _text(bundle, "version")
    _check_parameters(bundle)
    _check_relief(bundle)
    _check_descriptive(bundle)
    _check_posterior(bundle)
    _check_forecasts(bundle)
    return dict(bundle)


#: The working vector of ``posterior_approx``: location at x_ref (log days), slope on x, log sigma, response logit.
POSTERIOR_SIZE = 4


def _check_normal(value: object, where: str) -> None:
    """``{"mean": [4 numbers], "cov": 4 x 4, symmetric, positive semi-definite}``."""
    if not isinstance(value, Mapping):
        raise ModelFileError(f"model file field {where} is not an object")
    mean, cov = value.get("mean"), value.get("cov")
    if not isinstance(mean, list | tuple) or len(mean) != POSTERIOR_SIZE:
        raise ModelFileError(f"model file field {where}.mean is not a list of {POSTERIOR_SIZE} numbers")
    for m in mean:
        _number(m, f"{where}.mean", -50.0, 50.0)
    if not (
        isinstance(cov, list | tuple)
        and len(cov) == POSTERIOR_SIZE
        and all(isinstance(r, list | tuple) and len(r) == POSTERIOR_SIZE for r in cov)
    ):
        raise ModelFileError(f"model file field {where}.cov is not a {POSTERIOR_SIZE} x {POSTERIOR_SIZE} matrix")
    matrix = np.array([[_number(c, f"{where}.cov", -100.0, 100.0) for c in r] for r in cov])
    if not np.allclose(matrix, matrix.T, atol=1e-9) or np.linalg.eigvalsh(matrix).min() < -1e-9:
        raise ModelFileError(f"model file field {where}.cov is not a covariance (symmetric, not negative)")


def _check_posterior(bundle: Mapping) -> None:
    """The optional compact posterior a clinic's fit starts from (``posterior_approx``), if present."""
    if "posterior_approx" not in bundle:
        return
    post = _mapping(bundle, "posterior_approx")
    known = {
        "indications": set(indication_ids()),
        "classes": {i.pain_class for i in load_indication_catalog().values()},
    }
    for group in ("indications", "classes"):
        for key, value in _mapping(post, group, "posterior_approx.").items():
            if key not in known[group]:
                raise ModelFileError(f"model file posterior_approx.{group} has {short_repr(key)}, not a catalog id")
            _check_normal(value, f"posterior_approx.{group}[{key!r}]")
    for key, value in _mapping(post, "x_ref", "posterior_approx.").items():
        if key not in known["classes"]:
            raise ModelFileError(f"model file posterior_approx.x_ref has {short_repr(key)}, not a pain class")
        _number(value, f"posterior_approx.x_ref[{key!r}]", 0.0, 10.0)
    _number(post.get("student_t_df", 4.0), "posterior_approx.student_t_df", 1.0, 1000.0)


def _kind(value: object, kind: str) -> bool:
    """Whether a JSON value is of a schema kind: text, count, number, flag, object, list, hex."""
    if kind == "text":
        return isinstance(value, str)
    if kind == "count":
        return type(value) is int and value >= 0
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if kind == "number or null":
        return value is None or _kind(value, "number")
    if kind == "flag":
        return isinstance(value, bool)
    if kind == "object":
        return isinstance(value, Mapping)
    if kind == "list":
        return isinstance(value, list | tuple)
    if kind == "hex":
        return isinstance(value, str) and re.fullmatch(r"[0-9a-f]{8,64}", value) is not None
    raise ValueError(kind)


#: The descriptive sections any command reads (cards, evaluate, fit's summary): each optional, and when
#: present of this shape. ``{key: kind}``; a mapping of ``"*"`` gives the kind of every value of an object.
DESCRIPTIVE = {
    "description": "text",
    "training": {"source": "text", "rows": "count", "sha256": "hex"},
    "metrics": {"*": "number or null"},
    "fit": {
        "coef": {"*": "number"},
        "coef_ci": {"*": "list"},
        "coef_p": {"*": "number or null"},
        "offset_coef": "number",
        "design": {"numeric": {"*": "list"}, "binary": "list", "indications": "list"},
        "aic": "number",
        "log_likelihood": "number",
        "family_reason": "text",
        "n": "count",
        "n_bad": "count",
        "censoring": {"*": "count"},
        "penalizer": "number",
        "fit_offset": "flag",
        "long_after_days": "number",
        "regen_version": "text",
    },
}


def _check_descriptive(bundle: Mapping, schema: Mapping = DESCRIPTIVE, where: str = "") -> None:
    """Refuse a descriptive field of the wrong kind (a model that loads must work in every command)."""
    for key, kind in schema.items():
        values = bundle.items() if key == "*" else ([(key, bundle[key])] if key in bundle else [])
        for name, value in values:
            place = f"{where}.{name}" if where else name
            if isinstance(kind, Mapping):
                if not _kind(value, "object"):
                    raise ModelFileError(f"model file field {place!r} is {short_repr(value)}, not an object")
                _check_descriptive(value, kind, place)
            elif not _kind(value, kind):
                raise ModelFileError(f"model file field {place!r} is {short_repr(value)}, not {kind}")


#: The JSON scalar types (checked by exact type: an ABC check per number costs more than the rest of the walk).
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _check_shape(bundle: Mapping) -> None:
    """Refuse deep nesting, too many values and non-text keys (without recursion)."""
    stack, count = [(bundle, 1)], 0
    while stack:
        value, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH or count > _MAX_NODES:
            what = (
                f"nested more than {MAX_DEPTH} levels deep"
                if depth > MAX_DEPTH
                else f"made of more than {_MAX_NODES} values"
            )
            raise ModelFileError(f"model file is {what}: not a regen model")
        if isinstance(value, Mapping):
            if not all(isinstance(k, str) for k in value):
                raise ModelFileError("model file has an object key that is not text")
            children = value.values()
        elif isinstance(value, list | tuple):
            children = value
        else:
            continue
        # scalars are counted here, containers when popped (a list of 199 numbers is not 199 stack entries)
        nested = [(v, depth + 1) for v in children if type(v) not in _SCALARS]
        count += len(children) - len(nested)
        if count > _MAX_NODES:
            raise ModelFileError(f"model file is made of more than {_MAX_NODES} values: not a regen model")
        stack.extend(nested)


def _reference_nerve_days(params: Mapping, relief: Mapping | None = None) -> tuple[dict, dict]:
    """A reference patient (age 50) of every catalog nerve: the log median return of sensation, and the ``x``
    its relief law reads (the same, but for a grid law: :func:`regen.model.laws.relief_nerve_x`)."""
    from regen.model.laws import nerve_times, relief_nerve_x
    from regen.schema.patients import validate_patients

    ids = list(load_catalog())
    cols = validate_patients({"nerve": ids, "age": [50.0] * len(ids)}).columns
    mech = nerve_times(cols, params)
    x = relief_nerve_x(relief, cols, params, mech) if relief and relief.get("family") == "grid" else mech["mu"]
    return dict(zip(ids, mech["mu"], strict=True)), dict(zip(ids, x, strict=True))


def _entry_laws(relief: Mapping, log_nerve: Mapping[str, float]):
    """Each group of entries of the relief section (default, classes, indications) with, per reference patient
    it applies to, the entry's key and the law: ``(group, keys, distribution)``, one vectorised law per group."""
    catalog = load_catalog()
    pairs = [(nid, ind) for nid, nerve in catalog.items() for ind in nerve.indications]
    chosen = {"default": [("default", n, i) for n, i in pairs]}
    chosen["classes"] = [
        (key, n, i)
        for key in relief["classes"]
        for n, i in ([(n, i) for n, i in pairs if pain_class(i) == key] or pairs)
    ]
    chosen["indications"] = [
        (key, n, i)
        for key in relief["indications"]
        for n, i in ([(n, i) for n, i in pairs if i == key] or [(pairs[0][0], key)])
    ]
    sections = {
        "default": {**relief, "indications": {}, "classes": {}},
        "classes": {**relief, "indications": {}},
        "indications": relief,
    }
    for group, rows in chosen.items():
        if not rows:
            continue
        keys = np.array([k for k, _, _ in rows], dtype=object)
        # a class entry is reached through an indication of that class; no indication entry may take over
        cols = {"indication": np.array([i for _, _, i in rows], dtype=object)}
        yield group, keys, relief_distribution(sections[group], cols, np.array([log_nerve[n] for _, n, _ in rows]))


def _check_forecasts(bundle: Mapping) -> None:
    """A reference patient's median return of sensation and relief end must be plausible, for every nerve."""
    low, high = PLAUSIBLE_DAYS
    log_nerve, x = _reference_nerve_days(bundle["parameters"], bundle["relief"])
    for nerve, mu in log_nerve.items():
        if not low <= math.exp(mu) <= high:
            raise ModelFileError(
                f"model file mechanism gives a median return of sensation of day {math.exp(mu):.3g} "
                f"for {nerve} (reference patient); expected {low:g} to {high:g} days"
            )
    for group, keys, dist in _entry_laws(bundle["relief"], x):
        median = dist.quantile(0.5)
        bad = ~((median >= low) & (median <= high))
        if bad.any():
            key = keys[np.flatnonzero(bad)[0]]
            rows = bad & (keys == key)
            worst = float(median[rows][np.argmax(np.abs(np.log(median[rows] / math.sqrt(low * high))))])
            where = "relief.default" if group == "default" else f"relief.{group}[{key!r}]"
            raise ModelFileError(
                f"model file field {where} gives a median relief end of day {worst:.3g} for a "
                f"reference patient; expected {low:g} to {high:g} days"
            )


def read_bundle(path: str | os.PathLike) -> dict:
    """Read and validate a model file.

    Raises
    ------
    ModelFileError
        If the file is missing, too large, not JSON, too deeply nested, or not a valid bundle.
    """
    path = Path(path)
    if not path.is_file():
        if path.is_dir():
            raise ModelFileError(f"model file {str(path)!r} is a folder, not a regular file")
        if path.exists():  # a FIFO, /dev/zero, /dev/urandom: read, it would never end
            raise ModelFileError(f"model file {str(path)!r} is not a regular file (a device, a pipe or a socket)")
        raise ModelFileError(f"model file {str(path)!r} does not exist")
    if path.stat().st_size > MAX_BYTES:
        raise ModelFileError(f"model file {str(path)!r} is larger than {MAX_BYTES} bytes")
    try:
        bundle = json.loads(
            path.read_text(encoding="utf-8"),
            parse_constant=_no_constant,
            parse_float=_finite_float,
            object_pairs_hook=_unique_keys,
        )
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
        raise ModelFileError(
            f"model file {str(path)!r} is not valid JSON (truncated or not a regen model): {printable(exc)}"
        ) from None
    except RecursionError:
        raise ModelFileError(f"model file {str(path)!r} is nested too deeply to be a regen model") from None
    return validate_bundle(bundle)


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {short_repr(text)} is too large for a float")
    return value


def _unique_keys(pairs: list) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):  # linear: a 5 MB file of 400,000 keys took hours with a count per key
        seen: set = set()
        repeated = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise ValueError(f"the key {short_repr(repeated)} appears twice in one object")
    return out


def bundle_text(bundle: Mapping) -> str:
    """A validated bundle as the JSON text a model file holds."""
    return json.dumps(validate_bundle(bundle), indent=1, sort_keys=False, allow_nan=False) + "\n"


def write_bundle(bundle: Mapping, path: str | os.PathLike) -> Path:
    """Validate and write a bundle atomically (see :mod:`regen.files.write`)."""
    from regen.files.write import write_text

    text = bundle_text(bundle)
    write_text(text, path)
    return Path(path)
