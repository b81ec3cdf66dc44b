"""Issue 11 item 4: model files are validated for meaning, not only syntax.

Every example of the issue, and its siblings, is a crafted copy of the
default model refused at load with one line naming the field; through the
CLI the same line, exit 1, no traceback.
"""

import copy
import json

import pytest

from regen.errors import ModelFileError
from regen.model.bundle import MAX_BYTES, MAX_DEPTH, read_bundle, validate_bundle
from regen.utils.resources import model_path

DEFAULT = json.loads(model_path("default.json").read_text(encoding="utf-8"))
FIRST = next(iter(DEFAULT["relief"]["indications"]))


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
}


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_crafted_model_is_refused_with_the_field_named(case, tmp_path, cli):
    mutate, message = CRAFTED[case]
    crafted = copy.deepcopy(DEFAULT)
    mutate(crafted)
    with pytest.raises(ModelFileError, match=message):
        validate_bundle(crafted)
    path = tmp_path / "crafted.json"
    path.write_text(json.dumps(crafted), encoding="utf-8")
    res = cli("predict", "--nerve", "SLGN", "--model", path)
    assert res.exit_code == 1, res.output
    assert res.stderr.startswith("Error: ") and res.stderr.count("\n") == 1
    assert "Traceback" not in res.output


def _text(tmp_path, text):
    path = tmp_path / "m.json"
    path.write_text(text, encoding="utf-8")
    return path


SIGMA = f'"sigma": {DEFAULT["relief"]["sigma"]!r}'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (json.dumps(DEFAULT).replace(SIGMA, '"sigma": 1e999'), "too large for a float"),
        (json.dumps(DEFAULT).replace(SIGMA, '"sigma": ' + "9" * 400), r"relief\.sigma is 9999"),
        (json.dumps(DEFAULT).replace(SIGMA, '"sigma": NaN'), "NaN is not a JSON number"),
        (json.dumps(DEFAULT).replace(SIGMA, '"sigma": Infinity'), "Infinity is not a JSON number"),
        (
            json.dumps(DEFAULT).replace('"name": "regen-default",', '"name": "regen-default", "name": "x",'),
            "the key 'name' appears twice",
        ),
        (
            '{"format": "regen-model", "format_version": 2, "description": ' + "[" * 900 + "]" * 900 + "}",
            f"nested more than {MAX_DEPTH} levels deep",
        ),
        ("[" * 200_000 + "]" * 200_000, "nested too deeply"),
    ],
)
def test_overflowing_strange_and_deep_files_are_refused_without_a_traceback(text, message, tmp_path, cli):
    path = _text(tmp_path, text)
    with pytest.raises(ModelFileError, match=message):
        read_bundle(path)
    res = cli("predict", "--nerve", "GON", "--model", path)
    assert res.exit_code == 1 and "Traceback" not in res.output and res.stderr.count("\n") == 1


def test_huge_file_is_refused_before_reading(tmp_path):
    path = _text(tmp_path, " " * (MAX_BYTES + 1))
    with pytest.raises(ModelFileError, match=f"larger than {MAX_BYTES} bytes"):
        read_bundle(path)


def test_the_shipped_models_pass_every_check():
    from regen.model.model import mechanism_bundle

    assert validate_bundle(copy.deepcopy(DEFAULT))["name"] == DEFAULT["name"]
    assert validate_bundle(mechanism_bundle())["name"] == "mechanism-only"


def test_a_fit_the_data_cannot_support_is_refused_in_one_line():
    """Too few observed relief ends, or a fit outside the plausible range: one line, not a field error."""
    import pandas as pd

    from regen.errors import DataFileError, InputError
    from regen.fitting.relief_model import ReliefModel

    frame = pd.DataFrame(
        {
            "nerve": ["GON"] * 3 + ["SLGN"] * 40,
            "age": [str(30 + i) for i in range(43)],
            "relief_last_seen_day": ["30", "40", "50"] + ["3000"] * 40,
            "relief_lost_day": ["60", "70", "80"] + [""] * 40,
        }
    )
    with pytest.raises(
        DataFileError,
        match=r"^fitting 2 coefficient\(s\) and a scale: need at least 4 rows "
        r"whose relief end is observed .* the data have 3 \(40 still relieved",
    ):
        ReliefModel(family="lognormal").fit(frame)
    seen = [5000 + 200 * i for i in range(6)]
    decades = pd.DataFrame(
        {
            "nerve": ["GON"] * 6,
            "relief_last_seen_day": [str(d) for d in seen],
            "relief_lost_day": [str(d + 100) for d in seen],
        }
    )
    with pytest.raises(
        InputError,
        match=r"^the fitted model is not plausible \(field relief\.indications"
        r"\['occipital_neuralgia'\] gives a median relief end of day 5\.\d+e\+03",
    ):
        ReliefModel(family="lognormal", long_after_days=10000.0).fit(decades)
