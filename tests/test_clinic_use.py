"""What a new clinic user found: ids under a "Patient ID" header, plans that agree, errors on the right thing."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest


def test_a_patient_id_header_names_the_rejected_rows_and_the_repeats(cli, tmp_path):
    src, out, err = tmp_path / "export.csv", tmp_path / "scored.csv", tmp_path / "rejected.csv"
    src.write_text("Patient ID,Nerve,Age\nA-1,GON,50\nA-2,geniculr superolateral,60\nA-1,SLGN,70\n")
    res = cli("score", src, "-o", out, "--errors", err)
    assert res.exit_code == 3, res.output
    assert "Warning: 1 row repeats a patient_id (all scored), e.g. 'A-1' again on row 3" in res.stderr
    rejected = pd.read_csv(err, dtype=str)
    assert rejected["patient_id"].tolist() == ["A-2"] and rejected["row"].tolist() == ["2"]


def test_an_unknown_nerve_is_blamed_alone(cli):
    res = cli("predict", "--nerve", "knee")
    assert res.exit_code == 1 and res.stderr.startswith("Error: nerve: unknown nerve 'knee'")
    assert "plausible" not in res.stderr


def test_relief_lost_on_a_day_means_relieved_before_it(predict):
    out = predict(nerve="intercostal", indication="intercostal_neuralgia", relief_lost_day=150)
    assert out["p_relief_90d"] == 1.0 and out["p_relief_180d"] == 0.0 and out["p_relief_365d"] == 0.0
    assert out["retreatment_due_day"] == 150 and "retreatment due now" in out["follow_up"]


def test_post_operative_relief_lost_books_nothing_and_says_so(predict):
    out = predict(nerve="intercostal", indication="thoracotomy", relief_lost_day=60)
    assert out["retreatment_due_day"] is None
    assert "due now" not in out["follow_up"] and "analgesic window has ended" in out["follow_up"]


def test_slower_regrowth_never_books_earlier(model):
    from regen.catalog.nerves import load_catalog, load_indication_catalog

    window = {i for i, ind in load_indication_catalog().items() if ind.self_limiting}
    pairs = [(n.id, i) for n in load_catalog().values() for i in n.indications if i not in window]
    raw = {"nerve": [n for n, _ in pairs], "indication": [i for _, i in pairs], "age": [55] * len(pairs)}
    plain = model.predict_columns(raw)["retreatment_due_day"]
    slow = model.predict_columns({**raw, "diabetes": ["yes"] * len(pairs)})["retreatment_due_day"]
    assert np.all(slow >= plain - 1e-9), [p for p, a, b in zip(pairs, plain, slow, strict=True) if b < a]


def test_table_and_json_give_the_same_booking_date(cli):
    args = ("predict", "--nerve", "GON", "--age", "45", "--treated-on", "2026-10-01")
    row = json.loads(cli(*args, "--format", "json").stdout)
    table = cli(*args).stdout
    line = next(t for t in table.splitlines() if t.startswith("Book retreatment by"))
    assert row["retreatment_due_date"] in line and f"day {int(np.floor(row['retreatment_due_day'] + 0.5))}" in line


@pytest.mark.parametrize("name", ["scored.xlsx", "scored.json", "scored.html"])
def test_a_table_is_not_written_under_a_foreign_extension(cli, tmp_path, name):
    src = tmp_path / "in.csv"
    src.write_text("nerve\nGON\n")
    res = cli("score", src, "-o", tmp_path / name)
    assert res.exit_code == 2 and "regen writes CSV (.csv, .csv.gz) or Parquet" in res.stderr
    assert not (tmp_path / name).exists()


def test_a_semicolon_file_with_commas_in_its_cells_gets_the_semicolon_hint(cli, tmp_path):
    src = tmp_path / "semi.csv"
    src.write_text("Patient ID;Nerve;BMI\nP1;GON;27,5\n")
    res = cli("score", src, "-o", tmp_path / "o.csv")
    assert res.exit_code == 1 and "looks separated by semicolons" in res.stderr


def test_a_midnight_timestamp_is_its_date(predict):
    out = predict(nerve="GON", treated_on="2026-03-14 00:00:00")
    assert out["retreatment_due_date"].startswith("2026-")


def test_the_table_dates_the_next_cycle_from_the_retreatment(cli):
    args = (
        "predict",
        "--nerve",
        "GON",
        "--age",
        "45",
        "--treated-on",
        "2026-02-10",
        "--relief-lost-day",
        "95",
        "--prior-relief-days",
        "120",
        "--prior-relief-days",
        "110",
    )
    row = json.loads(cli(*args, "--format", "json").stdout)
    line = next(t for t in cli(*args).stdout.splitlines() if t.startswith("Next cycle"))
    assert row["next_cycle_relief_end_median_date"] in line  # retreatment day + median, as the JSON
    expected = np.datetime64("2026-02-10") + np.timedelta64(
        95 + int(np.floor(row["next_cycle_relief_end_median_day"] + 0.5)), "D"
    )
    assert str(expected) == row["next_cycle_relief_end_median_date"]


def test_a_front_anchored_timeline_adds_up_and_says_the_fronts_were_used(cli):
    res = cli(
        "predict",
        "--nerve",
        "intercostal",
        "--indication",
        "intercostal_neuralgia",
        "--age",
        "58",
        "--front-mm",
        "40",
        "--front-day",
        "45",
        "--front-mm",
        "90",
        "--front-day",
        "80",
    )
    assert res.exit_code == 0, res.output
    timeline = next(t for t in res.stdout.splitlines() if t.startswith("Timeline"))
    assert "last regrowth front on day 80" in timeline and "initial delay" not in timeline
    assert "2 regrowth front(s) used" in res.stdout
    row = json.loads(
        cli(
            "predict",
            "--nerve",
            "intercostal",
            "--indication",
            "intercostal_neuralgia",
            "--age",
            "58",
            "--front-mm",
            "40",
            "--front-day",
            "45",
            "--front-mm",
            "90",
            "--front-day",
            "80",
            "--format",
            "json",
        ).stdout
    )
    assert row["anchor_day"] == 80 and row["initial_delay_days"] == 0
    assert row["arrival_median_day"] == pytest.approx(row["anchor_day"] + row["regrowth_days"], abs=0.2)


def test_a_nerve_without_skin_says_what_its_recovery_line_is(cli):
    out = cli("predict", "--nerve", "SLGN", "--age", "64").stdout
    assert "Nerve function back *" in out and "axons reach the target around day" in out
    assert "long responders (relief that never ends" in out


def test_one_warning_never_holds_the_separator_of_two(model):
    """'; ' separates warnings (and follow-up notes): no single message contains it, so a report splits right."""
    raw = {
        "nerve": ["GON", "GON", "GON", "GON", "intercostal", "intercostal", "intercostal"],
        "indication": [
            "",
            "",
            "",
            "trigeminal_neuralgia",
            "intercostal_neuralgia",
            "thoracotomy",
            "intercostal_neuralgia",
        ],
        "probe_temp_c": ["-10", "-60", "-120", "", "", "", ""],
        "distance_mm": ["", "", "", "", "30", "", ""],
        "allow_any_nerve": ["", "", "", "yes", "", "", ""],
        "relief_lost_day": ["", "", "", "", "", "", "90"],
    }
    out = model.predict_columns(raw)
    warnings = [w for w in out["warnings"] if w]
    assert len(warnings) == 6, out["warnings"]  # each row triggers exactly one kind
    assert not [w for w in warnings if "; " in w]
    assert "; " not in out["follow_up"][-1] and out["follow_up"][-1]


def test_an_alias_one_letter_off_is_suggested_and_a_word_far_from_all_is_not(cli):
    assert "closest: genicular_superolateral" in cli("predict", "--nerve", "SLGM").stderr
    assert "closest: none close" in cli("predict", "--nerve", "knee").stderr


def test_nerves_as_csv_write_cells_as_the_data_file_does(cli):
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(cli("nerves", "--format", "csv").stdout)))
    knee = next(r for r in rows if r["id"] == "genicular_superolateral")
    assert knee["skin_territory"] == "no" and knee["default_distance_mm"] == "35"


def test_a_forecast_without_outcome_data_says_so(model):
    from regen import load_model

    out = load_model("mechanism-only").predict_columns({"nerve": ["GON"]})
    assert "no relief outcome data for this indication or its class" in out["warnings"][0]
    assert "no relief outcome data" not in model.predict_columns({"nerve": ["GON"]})["warnings"][0]
