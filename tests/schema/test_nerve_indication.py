"""A nerve given with an indication the catalog does not list for it: a row error, or a warning when allowed."""

import numpy as np
import pandas as pd

import regen
from regen.catalog.nerves import load_catalog
from regen.schema.patients import validate_patients

MESSAGE = (
    "indication: mastectomy is not a catalog indication of nerve greater_occipital (accepted: "
    "occipital_neuralgia): check both, or set allow_any_nerve to yes (column, or --allow-any-nerve) "
    "to score it anyway"
)


def test_an_off_catalog_pair_is_a_row_error_naming_the_accepted_indications():
    batch = validate_patients(
        {
            "nerve": ["GON", "GON", "SLGN", "intercostal"],
            "indication": ["mastectomy", "occipital_neuralgia", "", "Mixed Chronic Pain"],
        }
    )
    assert list(batch.errors) == [MESSAGE, "", "", ""]
    assert list(batch.row_warnings) == ["", "", "", ""]


def test_allow_any_nerve_turns_the_error_into_a_row_warning():
    raw = {
        "nerve": ["GON", "GON", "GON"],
        "indication": ["mastectomy", "mastectomy", "occipital_neuralgia"],
        "Allow_Any_Nerve": ["yes", "", "yes"],
    }
    batch = validate_patients(raw)
    assert batch.errors[0] == "" and batch.errors[1] == MESSAGE and batch.errors[2] == ""
    assert batch.row_warnings[0] == (
        "indication mastectomy is not a catalog indication of nerve greater_occipital "
        "(catalog: occipital_neuralgia), scored as asked (allow_any_nerve)"
    )
    assert batch.row_warnings[1] == batch.row_warnings[2] == ""
    everyone = validate_patients(raw, allow_any_nerve=True)
    assert list(everyone.errors) == ["", "", ""] and everyone.row_warnings[1] == batch.row_warnings[0]
    bad = validate_patients({"nerve": ["GON"], "allow_any_nerve": ["maybe"]})
    assert bad.errors[0] == "allow_any_nerve: maybe is not yes/no (use true/false, yes/no or 1/0)"


def test_every_catalog_pair_is_accepted():
    pairs = [(n.id, ind) for n in load_catalog().values() for ind in n.indications]
    batch = validate_patients({"nerve": [p[0] for p in pairs], "indication": [p[1] for p in pairs]})
    assert (batch.errors == "").all() and (batch.row_warnings == "").all()


def test_score_frame_flags_the_row_and_scores_the_others():
    frame = pd.DataFrame({"nerve": ["GON", "GON"], "indication": ["mastectomy", "occipital_neuralgia"]})
    out = regen.score_frame(frame)
    assert out["error"].tolist() == [MESSAGE, ""]
    assert np.isnan(out["relief_end_median_day"][0]) and out["relief_end_median_day"][1] > 0


def test_predict_refuses_the_pair_in_one_line(cli):
    res = cli("predict", "--nerve", "GON", "--indication", "mastectomy")
    assert res.exit_code == 1 and res.stderr == f"Error: {MESSAGE}\n"


def test_predict_allow_any_nerve_predicts_with_a_warning(cli):
    res = cli("predict", "--nerve", "GON", "--indication", "mastectomy", "--allow-any-nerve")
    assert res.exit_code == 0, res.output
    assert "not a catalog indication of nerve greater_occipital" in res.stdout
