"""Model files (regen.model.bundle) are validated for meaning, not only syntax.

Every crafted copy of the default model is refused at load with one line
naming the field; through the CLI the same line, exit 1, no traceback. Names
and versions are plain words; the shipped models pass every check.
"""

import copy
import json
import re
from pathlib import Path

import pytest

import regen
from regen.errors import ModelFileError
from regen.model.bundle import MAX_BYTES, MAX_DEPTH, read_bundle, validate_bundle
from regen.utils.resources import model_path

DEFAULT = json.loads(model_path("default.json").read_text(encoding="utf-8"))
#: The previous default model (format 2, a log-normal relief law): what a clinic's ``regen fit`` writes, and a
#: model saved before the evidence model, which must keep loading and predicting.
LOGNORMAL = json.loads((Path(__file__).parent / "data" / "default_2026.11.1.json").read_text(encoding="utf-8"))
FIRST = next(iter(LOGNORMAL["relief"]["indications"]))
GRID_FIRST = next(iter(DEFAULT["relief"]["indications"]))


def _params(name, **values):
    return lambda b: b["parameters"][name].update(values)


def _entry(**values):
    return lambda b: b["relief"]["indications"][FIRST].update(values)


def _covariates(numeric=None, binary=(), coef=None):
    return lambda b: b["relief"].update(
        covariates={"numeric": numeric or {}, "binary": list(binary), "coef": coef or {}}
    )


CRAFTED = {
    # the examples
    "zero rate": (_params("rate_mm_per_day", value=0), r"rate_mm_per_day'\]\.value is 0; expected a number from 0\.1"),
    "negative rate": (_params("rate_mm_per_day", value=-1.4), r"rate_mm_per_day'\]\.value is -1\.4"),
    "negative phase": (_params("degeneration_days", value=-4), r"degeneration_days'\]\.value is -4"),
    "sd_log 50": (_params("terminal_delay_days", sd_log=50), r"terminal_delay_days'\]\.sd_log is 50; expected"),
    "intercept 800": (_entry(location=800), r"\.location is 800; expected a number from -10 to 10"),
    "zero scale": (_covariates({"age": [50, 0]}, coef={"age": 0.1}), r"numeric\['age'\] scale is 0"),
    "string for a list": (
        _covariates({"age": "50,10"}, coef={"age": 0.1}),
        r"numeric\['age'\] is not \[center, scale\]",
    ),
    "format_version true": (lambda b: b.update(format_version=True), "format version True is not supported"),
    # siblings: each number a prediction reads, at an absurd value
    "rate far too slow": (_params("rate_mm_per_day", value=0.001), r"rate_mm_per_day'\]\.value is 0\.001"),
    "negative delay": (_params("initial_delay_days", value=-5), r"initial_delay_days'\]\.value is -5"),
    "rate without spread": (_params("rate_mm_per_day", sd_log=0), r"rate_mm_per_day'\]\.sd_log is 0"),
    "booking fraction 5": (_params("retreatment_risk", value=5), r"retreatment_risk'\]\.value is 5"),
    "icc 1": (_params("history_icc", value=1), r"history_icc'\]\.value is 1"),
    "front error 0": (_params("front_measurement_sd_log", value=0), r"front_measurement_sd_log'\]\.value is 0"),
    "format_version 2.0": (lambda b: b.update(format_version=2.0), "format version 2.0 is not supported"),
    "sigma 0": (lambda b: b["relief"].update(sigma=0), r"relief\.sigma is 0"),
    "sigma 4.9": (lambda b: b["relief"].update(sigma=4.9), r"relief\.sigma is 4\.9"),
    "location that gives years": (_entry(location=9), r"median relief end of day \d\.\d+e\+0\d for a reference"),
    "location that gives hours": (
        lambda b: b["relief"]["default"].update(location=-8),
        r"relief\.default gives a median relief end of day 0\.0\d+",
    ),
    "offset that gives years": (_entry(offset_coef=3), r"median relief end of day .* for a reference patient"),
    "response 0": (_entry(response_prob=0), r"response_prob is 0"),
    "everyone a long responder": (_entry(long_responder_fraction=1), r"long_responder_fraction is 1"),
    "studies 1.5": (_entry(studies=1.5), r"studies is 1\.5; expected a whole number"),
    "tiny scale": (_covariates({"age": [50, 1e-6]}, coef={"age": 0.1}), r"scale is 1e-06"),
    "string binary": (_covariates(binary="diabetes", coef={"diabetes": 0.1}), "binary must list"),
    "unknown covariate": (_covariates(coef={"weight": 0.1}), r"coef\['weight'\] has no term"),
    "covariates of years": (
        _covariates({"age": [50, 10]}, ["diabetes"], {"age": 2, "diabetes": 1}),
        "covariates change log relief time by up to 11.0",
    ),
    "name with escapes": (lambda b: b.update(name="evil\x1b[2J"), r"field 'name' is 'evil\\x1b\[2J'; expected"),
    "string where a number": (_entry(location="__import__('os')"), r"location is \"__import__\('os'\)\", not a number"),
    "an indication no patient has": (
        lambda b: b["relief"]["indications"].update(knee_osteoarthritsi=b["relief"]["indications"][FIRST]),
        r"relief\.indications has 'knee_osteoarthritsi', which",
    ),
    "a class no indication has": (
        lambda b: b["relief"]["classes"].update(spinal=next(iter(b["relief"]["classes"].values()))),
        r"relief\.classes has 'spinal', which is not a catalog",
    ),
    # what a fitted model could write wrong
    "sigma -1": (lambda b: b["relief"].update(sigma=-1), r"relief\.sigma is -1; expected a number from 0\.02"),
    "family cox": (lambda b: b["relief"].update(family="cox"), r"relief family 'cox' is not one of"),
    "rate missing": (
        lambda b: b["parameters"].pop("rate_mm_per_day"),
        "lacks the mechanism parameter 'rate_mm_per_day'",
    ),
    "indications a list": (
        lambda b: b["relief"].update(indications=["a"]),
        r"relief\.'indications' is missing or not an object",
    ),
}

#: Cases that do not depend on the relief family: run on the shipped grid model and on a log-normal one.
GENERIC = {
    "zero rate",
    "negative rate",
    "negative phase",
    "sd_log 50",
    "format_version true",
    "rate far too slow",
    "negative delay",
    "rate without spread",
    "booking fraction 5",
    "icc 1",
    "front error 0",
    "format_version 2.0",
    "name with escapes",
    "an indication no patient has",
    "a class no indication has",
    "rate missing",
}


def _grid_entry(**values):
    return lambda b: b["relief"]["indications"][GRID_FIRST].update(values)


def _grid_shape(change):
    def mutate(b):
        q = b["relief"]["indications"][GRID_FIRST]["shape_quantiles"]
        change(q)

    return mutate


#: What an edited or broken evidence (grid) model could hold.
GRID_CRAFTED = {
    "grid slope 5": (_grid_entry(m1=5), r"\.m1 is 5; expected a number from -3"),
    "grid variance 0": (_grid_entry(v00=0), r"\.v00 is 0; expected"),
    "grid response 0": (_grid_entry(response_prob=0), r"response_prob is 0"),
    "grid everyone a long responder": (_grid_entry(long_responder_fraction=1), r"long_responder_fraction is 1"),
    "grid location that gives years": (_grid_entry(m0=11), r"median relief end of day .* for a reference"),
    "grid shape out of order": (
        _grid_shape(lambda q: q.__setitem__(slice(0, 2), [q[1], q[0] - 0.0]) if q[1] != q[0] else q.reverse()),
        r"shape_quantiles is not in increasing order",
    ),
    "grid shape too short": (_grid_shape(lambda q: q.pop()), r"shape_quantiles is not a list of 199 numbers"),
    "grid shape a string": (_grid_entry(shape_quantiles="0,1"), r"shape_quantiles is not a list"),
    "grid probabilities out of order": (
        lambda b: b["relief"]["shape_probs"].reverse(),
        r"relief\.shape_probs is not strictly increasing",
    ),
    "grid without its x spreads": (
        lambda b: b["relief"].pop("x_between_sd_log"),
        r"x_between_sd_log",
    ),
    "grid in a format 2 file": (lambda b: b.update(format_version=2), r"relief family 'grid' needs format_version 3"),
    "grid evidence not text": (_grid_entry(evidence=5), r"evidence is not text"),
}


CASES = (
    [(case, "lognormal") for case in sorted(CRAFTED)]
    + [(case, "grid") for case in sorted(GENERIC)]
    + [(case, "grid") for case in sorted(GRID_CRAFTED)]
)


@pytest.mark.parametrize(("case", "base"), CASES, ids=[f"{base}: {case}" for case, base in CASES])
def test_crafted_model_is_refused_with_the_field_named(case, base, tmp_path, cli):
    mutate, message = {**CRAFTED, **GRID_CRAFTED}[case]
    crafted = copy.deepcopy(LOGNORMAL if base == "lognormal" else DEFAULT)
    mutate(crafted)
    with pytest.raises(ModelFileError, match=message):
        validate_bundle(crafted)
    path = tmp_path / "crafted.json"
    path.write_text(json.dumps(crafted), encoding="utf-8")
    with pytest.raises(ModelFileError, match=message):
        read_bundle(path)
    res = cli("predict", "--nerve", "SLGN", "--model", path)
    assert res.exit_code == 1, res.output
    assert res.stderr.startswith("Error: ") and res.stderr.count("\n") == 1
    assert "Traceback" not in res.output


SIGMA = f'"sigma": {LOGNORMAL["relief"]["sigma"]!r}'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (json.dumps(LOGNORMAL).replace(SIGMA, '"sigma": 1e999'), "too large for a float"),
        (json.dumps(LOGNORMAL).replace(SIGMA, '"sigma": ' + "9" * 400), r"relief\.sigma is 9999"),
        (json.dumps(LOGNORMAL).replace(SIGMA, '"sigma": NaN'), "NaN is not a JSON number"),
        (json.dumps(LOGNORMAL).replace(SIGMA, '"sigma": Infinity'), "Infinity is not a JSON number"),
        (
            json.dumps(DEFAULT).replace('"name": "regen-default",', '"name": "regen-default", "name": "x",'),
            "the key 'name' appears twice",
        ),
        (
            '{"format": "regen-model", "format_version": 2, "description": ' + "[" * 900 + "]" * 900 + "}",
            f"nested more than {MAX_DEPTH} levels deep",
        ),
        ("[" * 200_000 + "]" * 200_000, "nested too deeply"),
        (b"\x80\x04\x95", "not valid JSON"),  # a pickle
        ('{"format": "regen-mo', "not valid JSON"),  # cut short
        ('{"format": "regen-model", "format_version": 99}', "format version 99 is not supported"),
    ],
)
def test_overflowing_strange_and_deep_files_are_refused_without_a_traceback(text, message, cli, write_file):
    path = write_file(text, "m.json")
    with pytest.raises(ModelFileError, match=message):
        read_bundle(path)
    res = cli("predict", "--nerve", "GON", "--model", path)
    assert res.exit_code == 1 and "Traceback" not in res.output and res.stderr.count("\n") == 1
    assert re.search(message, res.stderr), res.stderr


def test_huge_file_is_refused_before_reading(write_file):
    path = write_file(" " * (MAX_BYTES + 1), "m.json")
    with pytest.raises(ModelFileError, match=f"larger than {MAX_BYTES} bytes"):
        read_bundle(path)


def test_the_shipped_models_pass_every_check():
    from regen.model.model import mechanism_bundle

    assert validate_bundle(copy.deepcopy(DEFAULT))["name"] == DEFAULT["name"]
    assert validate_bundle(copy.deepcopy(LOGNORMAL))["version"] == "2026.11.1"
    assert validate_bundle(mechanism_bundle())["name"] == "mechanism-only"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", '=HYPERLINK("http://x","y")'),
        ("name", "+1+1"),
        ("name", "-2"),
        ("name", "@SUM(A1)"),
        ("name", "clinic name"),
        ("name", "a" * 65),
        ("name", ""),
        ("name", 5),
        ("version", "=1+1"),
        ("version", "1.0\t"),
        ("version", "ÿ1"),
    ],
)
def test_a_model_name_outside_the_safe_characters_is_refused(cli, default_bundle, model_file, field, value):
    path = model_file(bundle={**default_bundle, field: value})
    with pytest.raises(
        ModelFileError,
        match=rf"^model file field '{field}' is .*; expected 1 to 64 letters, "
        r"digits and \. _ @ \+ -, starting with a letter or digit$",
    ):
        regen.load_model(path)
    res = cli("predict", "--nerve", "GON", "--model", path)
    assert res.exit_code == 1 and res.stderr.startswith(f"Error: model file field '{field}' is ")


def test_shipped_and_fitted_names_are_safe():
    from regen.model.bundle import is_safe_name

    assert regen.load_model().version == f"regen-default@{DEFAULT['version']}"
    assert re.fullmatch(r"\d{4}\.\d{1,2}\.\d+", DEFAULT["version"])
    assert regen.load_model("mechanism-only").version == f"mechanism-only@{regen.__version__}"
    assert all(is_safe_name(n) for n in ("regen-fitted", "clinic", "clinic_2026.v2+local", "a" * 64))
    assert not any(is_safe_name(n) for n in ("=cmd", "a b", "a" * 65, "é", "", None))


def test_validate_bundle_never_changes_its_argument(default_bundle):
    bundle = default_bundle
    kept = copy.deepcopy(bundle)
    validate_bundle(bundle)
    assert bundle == kept


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("relief_noticed_days", 3000),
        ("discrepancy_sd_log", 3),
        ("discrepancy_sd_log", -3),
        ("front_rate_min_mm_per_day", -5),
        ("history_icc", 0),
        ("age_old_time_ratio", 0.5),
    ],
)
def test_every_parameter_the_code_reads_has_a_range(model_file, name, value):
    from regen.errors import ModelFileError

    with pytest.raises(ModelFileError, match=name):
        regen.load_model(model_file(**{name: value}))


def test_the_shipped_default_model_was_built_from_the_shipped_tables(model):
    """A study table edited without rebuilding the model (scripts/build_default_model.py) fails here."""
    import hashlib

    from regen.catalog.parameters import parameter_values
    from regen.fitting.evidence.build import INPUTS, data_hash
    from regen.utils.resources import data_path

    inputs = b"".join(data_path(name.removeprefix("data/")).read_bytes() for name in INPUTS)
    assert model.bundle["training"]["sha256"] == hashlib.sha256(inputs).hexdigest()
    summary = json.loads(model_path("evidence_summary.json").read_text(encoding="utf-8"))
    assert model.bundle["validation"]["data_sha256"] == summary["data_sha256"] == data_hash()
    shipped = {k: dict(v) for k, v in model.params.items()}
    assert shipped == parameter_values()


def test_a_model_saved_before_the_evidence_model_still_loads_and_predicts(tmp_path):
    """Format 2 (log-normal relief) files keep working: a saved model predicts what it predicted."""
    path = tmp_path / "old.json"
    path.write_text(json.dumps(LOGNORMAL), encoding="utf-8")
    old = regen.load_model(path)
    out = regen.predict_patient(old, nerve="GON", age=50)
    assert out["model_version"].endswith("2026.11.1")
    assert out["relief_end_p10_day"] < out["relief_end_median_day"] < out["relief_end_p90_day"]
