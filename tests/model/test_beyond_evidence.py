"""A p90 past the longest published follow-up behind its forecast says it is an extrapolation (issue 18).

The project standard: when a prediction rests on no data for that case, the output says so. Each relief entry of
the default model carries ``follow_up_day`` (scripts/build_default_model.py); a row whose p90 lies past it gets
one note, made once in the library (:meth:`regen.model.relief.ReliefDistribution.beyond_evidence`) and shown by
every output that shows warnings.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import regen
from regen.catalog.nerves import load_catalog, load_indication_catalog
from regen.errors import ModelFileError
from regen.model.bundle import validate_bundle
from regen.model.model import Model
from regen.model.relief import beyond_evidence_text
from regen.utils.resources import model_path

BEYOND = "extrapolated: no published follow-up"
ROOT = Path(__file__).resolve().parents[2]
#: A model file of regen 0.2 (format 2, log-normal relief): no follow_up_day anywhere.
FORMAT_2 = json.loads((Path(__file__).parent / "data" / "default_2026.11.1.json").read_text(encoding="utf-8"))
#: The longest follow-up of any used relief number of data/studies.csv (oralsurg2020, trigeminal neuralgia).
LONGEST_PUBLISHED = 4383.0  # goss_ito2020: first-cycle relief 5-144 months (144 x 30.44 days)


def _entry(bundle: dict, indication: str) -> dict:
    relief = bundle["relief"]
    if indication in relief["indications"]:
        return relief["indications"][indication]
    cls = load_indication_catalog()[indication].pain_class
    return relief["classes"].get(cls, relief["default"])


def _without_follow_up(bundle: dict) -> dict:
    out = copy.deepcopy(bundle)
    relief = out["relief"]
    for entry in [*relief["indications"].values(), *relief["classes"].values(), relief["default"]]:
        entry.pop("follow_up_day", None)
    return out


def _build():
    """scripts/build_default_model.py as a module (a checkout only)."""
    script = ROOT / "scripts" / "build_default_model.py"
    if not script.is_file() or not (ROOT / "data" / "studies.csv").is_file():
        pytest.skip("not a checkout: no scripts/build_default_model.py")
    spec = importlib.util.spec_from_file_location("build_default_model", script)
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    return build


def _pairs() -> dict[str, list]:
    """Every catalog indication with every nerve the catalog lists for it; an indication no nerve lists (e.g.
    heel pain) with the first catalog nerve, allowed."""
    catalog = load_catalog()
    pairs = [(nid, ind, "") for nid, nerve in catalog.items() for ind in nerve.indications]
    listed = {i for _, i, _ in pairs}
    first = next(iter(catalog))
    pairs += [(first, ind, "yes") for ind in load_indication_catalog() if ind not in listed]
    return {
        "nerve": [n for n, _, _ in pairs],
        "indication": [i for _, i, _ in pairs],
        "allow_any_nerve": [a for _, _, a in pairs],
    }


@pytest.mark.parametrize("age", [50, 80])
def test_the_note_appears_exactly_when_p90_lies_past_the_entry_s_follow_up(model, age):
    raw = _pairs()
    nerves, inds = raw["nerve"], raw["indication"]
    out = model.predict_columns({**raw, "age": [age] * len(nerves)})
    assert (out["error"] == "").all() and set(inds) == set(load_indication_catalog())
    for nerve, ind, p90, warnings in zip(nerves, inds, out["relief_end_p90_day"], out["warnings"], strict=True):
        day = float(_entry(model.bundle, ind)["follow_up_day"])
        note = beyond_evidence_text(day)
        assert (note in warnings.split("; ")) == (p90 > day), (nerve, ind, age, p90, day, warnings)
        assert warnings.count(BEYOND) == (p90 > day)


def test_every_entry_of_the_default_model_states_its_follow_up_within_the_published_days(model):
    relief = model.bundle["relief"]
    entries = [*relief["indications"].values(), *relief["classes"].values(), relief["default"]]
    days = [e["follow_up_day"] for e in entries]
    assert all(0 <= d <= LONGEST_PUBLISHED for d in days) and max(days) == LONGEST_PUBLISHED
    assert relief["indications"]["trigeminal_neuralgia"]["follow_up_day"] == LONGEST_PUBLISHED
    # phantom limb pain is labelled by its class (residual_limb): moesker2014 at 913 days
    assert (
        relief["indications"]["phantom_limb_pain"]["follow_up_day"]
        == relief["classes"]["residual_limb"]["follow_up_day"]
        == 913
    )
    # total knee arthroplasty, labelled by its own study: goodwin2025's window of 6-12 weeks
    assert relief["indications"]["total_knee_arthroplasty"]["follow_up_day"] == 84
    # intercostal neuralgia, labelled by its own study: a response share only (no follow-up of relief)
    assert relief["indications"]["intercostal_neuralgia"]["follow_up_day"] == 0
    # mixed chronic pain: lloyd1976's median of 11 days, but relief "up to 224 days" (a stated range, not in the fit)
    assert relief["indications"]["mixed_chronic_pain"]["follow_up_day"] == 224


def test_the_shipped_follow_up_days_are_the_build_s(model):
    """models/default.json holds what scripts/build_default_model.py computes from data/studies.csv."""
    build = _build()
    summary = json.loads(model_path("evidence_summary.json").read_text(encoding="utf-8"))
    indications, classes, catch_all = build.follow_up_days(summary)
    relief = model.bundle["relief"]
    assert {k: e["follow_up_day"] for k, e in relief["indications"].items()} == indications
    assert {k: e["follow_up_day"] for k, e in relief["classes"].items()} == classes
    assert relief["default"]["follow_up_day"] == catch_all == LONGEST_PUBLISHED


def test_a_row_follow_up_is_its_day_or_the_longest_duration_it_states():
    rows = pd.DataFrame(
        {
            "kind": ["proportion_relieved", "median_interval_days", "mean_duration_days", "non_responders"],
            "day": ["183", "", "", ""],
            "value": ["0.6", "", "858", "0.3"],
            "high": ["", "84", "", ""],
        }
    )
    assert _build().row_follow_up(rows).tolist() == [183.0, 84.0, 858.0, 0.0]


def test_phantom_limb_pain_at_default_covariates_says_its_p90_is_an_extrapolation(predict):
    row = predict(nerve="sciatic", indication="phantom_limb_pain")
    assert row["relief_end_p90_day"] > 10_000
    assert beyond_evidence_text(913) in row["warnings"].split("; ")
    assert "p90 extrapolated: no published follow-up past day 913" in row["warnings"]


def test_total_knee_arthroplasty_is_noted_only_past_its_84_days(predict, default_bundle):
    """Its only number, a window of pain reduction of 6-12 weeks, follows no patient past day 84; its p90 of
    ~135 days lies past it. With a longer follow-up behind the entry, the same forecast carries no note."""
    row = predict(nerve="genicular_superolateral", indication="total_knee_arthroplasty")
    assert 84 < row["relief_end_p90_day"] < 200
    assert beyond_evidence_text(84) in row["warnings"]
    default_bundle["relief"]["indications"]["total_knee_arthroplasty"]["follow_up_day"] = 200
    longer = regen.predict_patient(
        Model(default_bundle), nerve="genicular_superolateral", indication="total_knee_arthroplasty"
    )
    assert longer["relief_end_p90_day"] == row["relief_end_p90_day"]
    assert BEYOND not in longer["warnings"] and "analgesic window" in longer["warnings"]


def test_intercostal_neuralgia_rests_on_a_response_share_with_no_follow_up(predict):
    row = predict(nerve="intercostal", indication="intercostal_neuralgia", age=83, diabetes=True, smoker=True)
    assert row["relief_end_p90_day"] > 3_650  # past a decade: nothing published bounds it
    assert "p90 extrapolated: no published follow-up of relief (a response share only)" in row["warnings"]


@pytest.mark.parametrize("day", [1000, 3650])
def test_a_patient_still_relieved_late_is_forecast_with_days_past_100_years_shown_as_100_years(model, day):
    """Still relieved on day 1,000 or 3,650 (the largest accepted): every catalog pair is scored (no 'no plausible
    prediction'); a forecast day past 100 years is shown as 36,500 and the row says which."""
    raw = _pairs()
    n = len(raw["nerve"])
    out = model.predict_columns({**raw, "relief_at_day": [day] * n, "treated_on": ["2026-01-01"] * n})
    assert (out["error"] == "").all(), sorted(set(out["error"]) - {""})
    capped = 0
    for i in range(n):
        far = [k for k in ("relief_end_median_day", "relief_end_p90_day") if out[k][i] == 36500]
        assert out["relief_end_median_day"][i] <= out["relief_end_p90_day"][i] <= 36500
        if far:
            names = ", ".join(k.removesuffix("_day").replace("_", " ") for k in far)
            assert f"{names} beyond 100 years: shown as day 36500" in out["warnings"][i]
        capped += bool(far)
        if out["relief_end_p90_day"][i] < 36500:
            assert "beyond 100 years" not in out["warnings"][i]
    assert day < 3650 or capped  # the heavy tails of the chronic classes reach past 100 years at the longest


def test_an_observed_loss_is_no_extrapolation_but_the_next_cycle_s_p90_is(predict):
    row = predict(nerve="SLGN", age=64, relief_lost_day=2000)
    assert row["relief_end_p90_day"] == 2000  # the observation, past the joint class's 365 days
    assert row["next_cycle_relief_end_p90_day"] > 365
    assert beyond_evidence_text(365, next_cycle=True) in row["warnings"].split("; ")
    assert beyond_evidence_text(365) not in row["warnings"].split("; ")


def test_a_probable_non_response_has_no_p90_and_no_note(predict):
    row = predict(nerve="sciatic", indication="phantom_limb_pain", relief_lost_day=1)
    assert row["relief_end_p90_day"] is None and BEYOND not in row["warnings"]


def test_a_model_without_follow_up_days_predicts_as_before_without_the_note(model, default_bundle):
    raw = _pairs()
    nerves = raw["nerve"]
    raw |= {"age": [80] * len(nerves), "diabetes": ["yes"] * len(nerves)}
    with_days = model.predict_columns(raw)
    without = Model(_without_follow_up(default_bundle)).predict_columns(raw)
    assert sum(BEYOND in w for w in with_days["warnings"]) > len(nerves) // 2
    for key, values in with_days.items():
        if key in ("warnings", "_plan_notes"):
            stripped = ["; ".join(p for p in w.split("; ") if BEYOND not in p) for w in values]
            assert list(without[key]) == stripped
        elif values.dtype.kind == "f":
            np.testing.assert_array_equal(without[key], values, err_msg=key)
        else:
            assert list(without[key]) == list(values), key


def test_a_model_saved_before_the_field_predicts_without_the_note():
    old = Model(validate_bundle(FORMAT_2))
    row = regen.predict_patient(old, nerve="sciatic", indication="phantom_limb_pain")
    assert row["relief_end_p90_day"] > 913 and BEYOND not in row["warnings"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, r"follow_up_day is -1; expected a number from 0 to 36500"),
        (float("nan"), r"follow_up_day is nan; expected a number from 0 to 36500"),
        (1e9, r"follow_up_day is 1000000000.0; expected a number from 0 to 36500"),
        (36501, r"follow_up_day is 36501; expected a number from 0 to 36500"),
        ("913", r"follow_up_day is '913', not a number"),
        (True, r"follow_up_day is True, not a number"),
        (None, r"follow_up_day is None, not a number"),
        ([913], r"follow_up_day is \[913\], not a number"),
    ],
)
def test_a_hostile_follow_up_day_is_refused_in_one_line(default_bundle, value, message):
    for group, key in (("indications", "phantom_limb_pain"), ("classes", "joint"), ("default", None)):
        bundle = copy.deepcopy(default_bundle)
        entry = bundle["relief"][group] if key is None else bundle["relief"][group][key]
        entry["follow_up_day"] = value
        with pytest.raises(ModelFileError, match=message) as err:
            validate_bundle(bundle)
        where = "relief.default" if key is None else f"relief.{group}['{key}']"
        assert where in str(err.value) and "\n" not in str(err.value)


def test_a_hostile_follow_up_day_in_a_file_is_one_line_at_the_command_line(
    cli, model_file, default_bundle, one_line_error
):
    default_bundle["relief"]["indications"]["phantom_limb_pain"]["follow_up_day"] = -5
    path = model_file(bundle=default_bundle)
    res = cli("predict", "--nerve", "sciatic", "--model", path)
    one_line_error(res, "model file field relief.indications['phantom_limb_pain'].follow_up_day is -5")


def test_a_format_2_entry_may_state_its_follow_up_too():
    bundle = copy.deepcopy(FORMAT_2)
    bundle["relief"]["indications"]["occipital_neuralgia"]["follow_up_day"] = 30
    row = regen.predict_patient(Model(validate_bundle(bundle)), nerve="GON", age=50)
    assert row["relief_end_p90_day"] > 30 and beyond_evidence_text(30) in row["warnings"]
    bundle["relief"]["indications"]["occipital_neuralgia"]["follow_up_day"] = 36500
    row = regen.predict_patient(Model(validate_bundle(bundle)), nerve="GON", age=50)
    assert BEYOND not in row["warnings"]
    bundle["relief"]["default"]["follow_up_day"] = -1
    with pytest.raises(ModelFileError, match=r"relief.default.follow_up_day is -1"):
        validate_bundle(bundle)


def test_the_note_is_one_message_and_states_the_day():
    for day in (0.0, 7.0, 913.0, 1583.0, 36500.0):
        for nxt in (False, True):
            text = beyond_evidence_text(day, nxt)
            assert "; " not in text and BEYOND in text and text.startswith("next cycle's p90" if nxt else "p90")
    assert beyond_evidence_text(1583.0).endswith("past day 1,583")
    assert beyond_evidence_text(math.nan) == ""


def test_scoring_streams_the_note_without_a_loop_per_row(model):
    """A million-row-sized chunk: the note is coded (a few distinct texts), not formatted row by row."""
    n = 20_000
    rng = np.random.default_rng(0)
    pairs = _pairs()
    pick = rng.integers(0, len(pairs["nerve"]), n)
    raw = {key: np.array(values, dtype=object)[pick] for key, values in pairs.items()}
    raw["age"] = rng.integers(20, 95, n).astype(float)
    out = model.predict_columns(raw)
    flagged = np.array([BEYOND in w for w in out["warnings"]])
    days = np.array([_entry(model.bundle, i)["follow_up_day"] for i in raw["indication"]])
    np.testing.assert_array_equal(flagged, out["relief_end_p90_day"] > days)
    assert len(set(out["warnings"])) < 200


def test_capped_days_keep_the_contact_alias_and_every_date_in_the_written_range(model):
    """A contact at 99 % risk, or a huge distance with a slow front: every forecast day is at most 36,500 (the
    review alias equal to the next contact) and every date one regen writes and reads back."""
    from regen.schema.dates import WRITTEN_DATES

    rows = pd.DataFrame(
        {
            "nerve": ["intercostal", "sciatic", "sciatic"],
            "indication": ["intercostal_neuralgia", "phantom_limb_pain", "phantom_limb_pain"],
            "treated_on": ["2100-01-01", "2026-01-01", "2100-12-31"],
            "relief_at_day": ["600", "3650", "1000"],
            "distance_mm": ["", "2000", ""],
            "front_mm": ["", "730", ""],
            "front_day": ["", "3650", ""],
        }
    )
    out = regen.score_frame(rows, model, contact_at_risk=0.99)
    assert (out["error"] == "").all(), out["error"].tolist()
    assert out["review_day"].equals(out["next_contact_day"])
    days = [c for c in out if c.endswith("_day") and out[c].dtype.kind == "f"]
    assert (out[days].fillna(0) <= 36500).all().all()
    low, high = (str(d) for d in WRITTEN_DATES)
    for col in [c for c in out if c.endswith("_date")]:
        written = [str(d) for d in out[col] if isinstance(d, str) and d]
        assert all(low <= d <= high for d in written), (col, written)
    assert out["warnings"].str.contains("beyond 100 years").all()


@pytest.mark.parametrize("options", [{"contact_at_risk": 0.9}, {"min_contact_gap": 365}])
def test_score_frame_plans_with_the_contact_options_it_is_given(model, options):
    """score_frame and predict_patient agree on the contact rule (score_frame once passed only the booking one)."""
    frame = regen.score_frame(pd.DataFrame({"nerve": ["SLGN"], "relief_at_day": [100]}), model, **options)
    one = regen.predict_patient(model, nerve="SLGN", relief_at_day=100, **options)
    default = regen.score_frame(pd.DataFrame({"nerve": ["SLGN"], "relief_at_day": [100]}), model)
    assert frame["next_contact_day"][0] == one["next_contact_day"] != default["next_contact_day"][0]


def test_a_capped_day_reads_as_at_least_100_years_wherever_it_is_shown():
    from regen.reporting.plots import _d
    from regen.schema.columns import day_text
    from regen.web.forecasts import day_text as page_day

    assert day_text(1588.5) == "1589" and day_text(36499.4) == "36499"
    assert day_text(36500.0) == "36500+" and day_text(36499.6) == "36500"
    assert page_day(36500.0) == "36,500+" and page_day(12345.0) == "12,345"
    assert _d(36500.0) == "36500+" and _d(float("nan")) == "-"
