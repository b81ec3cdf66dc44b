"""Header matching: case, spaces, dashes and near misses; a header that clearly holds a missing column refuses
the file; semicolon and tab files get a hint."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import regen
from regen.errors import DataFileError
from regen.schema.columns import OUTPUT_COLUMNS
from regen.schema.headers import header_key, match_headers
from regen.schema.patients import INPUT_COLUMNS, validate_patients


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("Age", "age"),
        ("DIABETES", "diabetes"),
        ("Indication", "indication"),
        ("Treated_On", "treated_on"),
        (" age ", "age"),
        ("treated on", "treated_on"),
        ("Treated-On", "treated_on"),
        ("PatientID", "patient_id"),
        ("patient id", "patient_id"),
        ("Height-cm", "height_cm"),
        ("Allow Any Nerve", "allow_any_nerve"),
        ("Relief_Last_Seen_Day", "relief_last_seen_day"),
        ("FRONT MM", "front_mm"),
    ],
)
def test_headers_differing_by_case_space_dash_underscore_are_read(header, column):
    found = match_headers(["nerve", header], INPUT_COLUMNS)
    assert found.columns[column] == header
    assert found.mapped == ({header: column} if header != column else {})
    assert found.warnings == []


@pytest.mark.parametrize(
    ("header", "guess"),
    [
        ("diabtes", "diabetes"),
        ("ages", "age"),
        ("nerv", "nerve"),
        ("sexe", "sex"),
        ("probe_temp", "probe_temp_c"),
        ("treatd_on", "treated_on"),
        ("prior_treatment", "prior_treatments"),
    ],
)
def test_unknown_headers_close_to_a_column_get_a_warning_naming_it(header, guess):
    found = match_headers(["patient_id", header], INPUT_COLUMNS)
    assert header not in found.mapped and guess not in found.columns
    assert found.warnings == [f"column {header!r} is not read: did you mean {guess!r}? (rename it to use it)"]


@pytest.mark.parametrize("header", ["clinic_note", "site", "weight_kg", "id", "name", "side", "date", "mrn"])
def test_unrelated_headers_pass_silently(header):
    assert match_headers(["nerve", header], INPUT_COLUMNS).warnings == []


@pytest.mark.parametrize("pair", [("age", "Age"), ("Treated_On", "treated on"), ("nerve", "NERVE ")])
def test_two_headers_naming_one_column_are_refused(pair):
    with pytest.raises(DataFileError, match=f"columns {pair[0]!r} and {pair[1]!r} both name the column"):
        validate_patients(
            {"nerve" if "nerve" not in {header_key(p) for p in pair} else "x": ["GON"], pair[0]: ["1"], pair[1]: ["2"]}
        )


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("diabtes", "diabetes"),
        ("agee", "age"),
        ("sexx", "sex"),
        ("nerv", "nerve"),
        ("heigth_cm", "height_cm"),
        ("patientid2", "patient_id"),
        ("clinic", None),
        ("site", None),
        ("bodyweight", None),
    ],
)
def test_a_header_close_to_a_column_is_named_and_a_distant_one_is_not(header, column):
    found = match_headers([header], ["nerve", "age", "sex", "diabetes", "height_cm", "patient_id"])
    assert found.unread.get(header) == column


def test_a_clinic_export_with_header_variants_scores_with_the_right_values():
    """The issue's example: Age, Diabetes, Indication, Treated_On were ignored; identical predictions, no dates."""
    frame = pd.DataFrame(
        {
            "Patient_ID": ["old", "young"],
            "nerve": ["SLGN", "SLGN"],
            "Age": ["90", "30"],
            "Diabetes": ["yes", "no"],
            "Indication": ["Knee Osteoarthritis", "knee_osteoarthritis"],
            "Treated_On": ["2026-03-14", "2026-03-14"],
            "clinic_note": ["a", "b"],
        }
    )
    out = regen.score_frame(frame)
    assert list(out.columns[:7]) == list(frame.columns)  # original headers, untouched
    pd.testing.assert_frame_equal(out[frame.columns], frame)
    old, young = out.iloc[0], out.iloc[1]
    assert old["sensation_return_median_day"] > 1.5 * young["sensation_return_median_day"]  # slower regrowth
    assert old["retreatment_due_date"] > "2026-03-14" and young["retreatment_due_date"] > "2026-03-14"
    same = regen.score_frame(
        frame.rename(
            columns={
                "Age": "age",
                "Diabetes": "diabetes",
                "Indication": "indication",
                "Treated_On": "treated_on",
                "Patient_ID": "patient_id",
            }
        )
    )
    for col in OUTPUT_COLUMNS:
        assert out[col].tolist() == same[col].tolist() or np.allclose(out[col], same[col], equal_nan=True)
    batch = validate_patients(frame)
    assert batch.mapped == {
        "Patient_ID": "patient_id",
        "Age": "age",
        "Diabetes": "diabetes",
        "Indication": "indication",
        "Treated_On": "treated_on",
    }


def test_outcome_tables_match_headers_too():
    frame = pd.DataFrame(
        {
            "Nerve": ["GON"] * 3,
            "Relief Last Seen Day": ["30", "20", "0"],
            "Relief-Lost-Day": ["60", "", "7"],
            "Age ": ["40", "50", "60"],
        }
    )
    data = regen.load_outcomes(frame)
    assert data.lower.tolist() == [30.0, 20.0, 0.0] and data.upper.tolist() == [60.0, np.inf, 7.0]
    assert data.columns["age"].tolist() == [40.0, 50.0, 60.0]
    assert data.mapped == {
        "Nerve": "nerve",
        "Relief Last Seen Day": "relief_last_seen_day",
        "Relief-Lost-Day": "relief_lost_day",
        "Age ": "age",
    }


@pytest.mark.parametrize(
    ("entry", "content", "label"),
    [
        ("validate_patients", "nerve;age;sex", "semicolons"),
        ("validate_patients", "nerve\tage", "tabs"),
        ("load_outcomes", "nerve;age;sex", "semicolons"),
        ("load_outcomes", "nerve\tage", "tabs"),
        ("score", "nerve;age;sex\nGON;64;f\n", "semicolons"),
        ("score", "nerve\tage\nGON\t64\n", "tabs"),
        ("score", "Patient ID;Nerve;BMI\nP1;GON;27,5\n", "semicolons"),  # a decimal comma makes the row ragged
    ],
)
def test_a_semicolon_or_tab_file_gets_a_delimiter_hint(entry, content, label, cli, tmp_path):
    if entry == "validate_patients":
        with pytest.raises(
            DataFileError,
            match=f"the column 'nerve' is required .* looks separated by {label}: save the file as comma-separated CSV",
        ):
            validate_patients({content: ["GON;64;f"]})
    elif entry == "load_outcomes":
        with pytest.raises(DataFileError, match=f"looks separated by {label}"):
            regen.load_outcomes(pd.DataFrame({content: ["1"]}))
    else:
        src = tmp_path / "semi.csv"
        src.write_text(content)
        res = cli("score", src, "-o", tmp_path / "o.csv")
        assert res.exit_code == 1 and f"looks separated by {label}" in res.stderr, res.output


def test_headers_whose_words_name_a_column_are_warned_about_not_read(cli, tmp_path):
    src = tmp_path / "export.csv"
    src.write_text(
        "patient_id,nerve,age,Smoking history,treatment_site,Age at surgery,nerve_side\np1,SLGN,80,yes,knee,79,left\n"
    )
    res = cli("score", src, "-o", tmp_path / "o.csv")
    assert res.exit_code == 0, res.output
    for header, column in (("Smoking history", "smoker"), ("treatment_site", "treated_on")):
        assert f"column {header!r} is not read: did you mean {column!r}?" in res.stderr
    assert "nerve_side" not in res.stderr and "Age at surgery" not in res.stderr  # their columns are there


@pytest.mark.parametrize(
    ("headers", "renames"),
    [
        ("Treatment Date", ["'Treatment Date' -> 'treated_on'"]),
        ("Date of treatment,Smoking", ["'Date of treatment' -> 'treated_on'", "'Smoking' -> 'smoker'"]),
        ("Diabetic,Height,Gender", ["'Diabetic' -> 'diabetes'", "'Height' -> 'height_cm'", "'Gender' -> 'sex'"]),
        ("Last contact,Still relieved", ["'Last contact' -> 'last_contact_on'"]),
    ],
)
def test_a_clinic_synonym_for_a_missing_column_refuses_the_file_naming_every_rename(headers, renames, tmp_path):
    """On 7663a8f `Treatment Date` was only warned about: every date was lost and the report said nothing is due."""
    from regen import score_frame
    from regen.batch.score import score_file

    names = ["nerve", *headers.split(",")]
    frame = pd.DataFrame([["SLGN", *["x"] * (len(names) - 1)]], columns=names)
    src = tmp_path / "export.csv"
    frame.to_csv(src, index=False)
    for call in (lambda: score_frame(frame), lambda: score_file(str(src), str(tmp_path / "o.csv"))):
        with pytest.raises(DataFileError) as info:
            call()
        pairs = [r.split(" -> ") for r in renames]
        assert all(h in str(info.value) and c in str(info.value) for h, c in pairs), str(info.value)
    assert not (tmp_path / "o.csv").exists()


def test_a_clinic_synonym_of_a_column_the_file_has_passes_with_a_warning():
    found = match_headers(["nerve", "treated_on", "Treatment Date"], INPUT_COLUMNS)
    assert found.unread == {} and found.columns["treated_on"] == "treated_on"
    assert found.warnings == ["column 'Treatment Date' is not read: it names 'treated_on', which the file has already"]


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("Age (years)", "age"),
        ("Sex (M/F)", "sex"),
        ("BMI kg/m2", "bmi"),
        ("age_yrs", "age"),
        ("Diabtes", "diabetes"),
        ("AgeMonths", "age"),
        ("relief_lost_day(s)", "relief_lost_day"),
        ("prior treatments (n)", "prior_treatments"),
    ],
)
def test_a_header_that_clearly_holds_a_missing_column_refuses_the_file(header, column, cli, tmp_path):
    """Scoring on would give every patient the column's default (an 80-year-old scored at 50)."""
    src = tmp_path / "export.csv"
    src.write_text(f"patient_id,nerve,{header}\np1,SLGN,80\n")
    res = cli("score", src, "-o", tmp_path / "o.csv")
    assert res.exit_code == 1 and not (tmp_path / "o.csv").exists()
    assert f"column {header!r} is not read but looks like {column!r}, which the file lacks" in res.stderr


def test_a_full_width_header_is_its_column_and_an_unrelated_word_is_left_alone(cli, tmp_path):
    src = tmp_path / "export.csv"
    src.write_text("nerve,\uff41\uff47\uff45,agency\nSLGN,80,x\n", encoding="utf-8")
    res = cli("score", src, "-o", tmp_path / "o.csv")
    assert res.exit_code == 0 and "-> age" in res.stderr and "agency" not in res.stderr, res.output
