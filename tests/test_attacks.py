"""What an attacker found: each defect is a test (wrong model on Dask, outputs over inputs, crafted models, ...)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import regen
from regen.utils.resources import model_path


def _model_file(tmp_path, name="m.json", **parameters):
    bundle = json.loads(model_path("default.json").read_text())
    for key, value in parameters.items():
        bundle["parameters"][key]["value"] = value
    path = tmp_path / name
    path.write_text(json.dumps(bundle))
    return path


def test_a_scoring_sent_to_a_worker_keeps_its_own_model(tmp_path):
    """What Dask ships (a pickled Scoring) scores with that model's numbers, not a model cached by name."""
    import pickle

    from regen.batch.score import score_chunk
    from regen.files.read import iter_chunks
    from regen.model.model import load_model
    from regen.model.prediction import prepare_scoring

    src = tmp_path / "in.csv"
    src.write_text("nerve\nintercostal\n")
    chunk = next(iter(iter_chunks(str(src), 10)))
    payloads = []
    for path in (_model_file(tmp_path, "a.json"), _model_file(tmp_path, "b.json", rate_mm_per_day=3.0)):
        scoring = pickle.loads(pickle.dumps(prepare_scoring(["nerve"], load_model(path))))
        payloads.append(score_chunk(chunk, scoring, "csv")["payload"])
    assert payloads[0] != payloads[1]


def test_no_output_may_overwrite_the_model_it_reads(cli, tmp_path):
    model = _model_file(tmp_path, "clinic_model")  # no extension: a name a table could have too
    src = tmp_path / "in.csv"
    src.write_text("nerve\nGON\n")
    before = model.read_bytes()
    res = cli("score", src, "-o", model, "--model", model)
    assert res.exit_code == 2 and "is also the input" in res.stderr
    png = tmp_path / "t.png"
    png.symlink_to(model)
    res = cli("predict", "--nerve", "GON", "--model", model, "--plot", png)
    assert res.exit_code == 2 and "is also the input" in res.stderr
    assert model.read_bytes() == before


def test_fit_does_not_replace_a_markdown_file_that_is_not_its_card(cli, tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("# My notes\n")
    cohort = tmp_path / "c.csv"
    regen.simulate_cohort(200, seed=1).to_csv(cohort, index=False)
    res = cli("fit", cohort, "-o", tmp_path / "notes.json")
    assert res.exit_code == 2 and "is not a regen model card" in res.stderr
    assert notes.read_text() == "# My notes\n" and not (tmp_path / "notes.json").exists()


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
def test_every_parameter_the_code_reads_has_a_range(tmp_path, name, value):
    from regen.errors import ModelFileError

    with pytest.raises(ModelFileError, match=name):
        regen.load_model(_model_file(tmp_path, **{name: value}))


def test_a_parquet_timestamp_column_is_a_date(cli, tmp_path):
    src = tmp_path / "ts.parquet"
    pd.DataFrame({"nerve": ["SLGN", "GON"], "treated_on": pd.to_datetime(["2026-03-14", "2026-03-15"])}).to_parquet(
        src, index=False
    )
    res = cli("score", src, "-o", tmp_path / "o.csv")
    assert res.exit_code == 0, res.output
    assert pd.read_csv(tmp_path / "o.csv")["retreatment_due_date"].notna().all()


def test_the_survival_function_follows_the_follow_up(model):
    frame = pd.DataFrame(
        {"nerve": ["GON"] * 3, "relief_at_day": [np.nan, 120, np.nan], "relief_lost_day": [np.nan, np.nan, 150]}
    )
    scored = model.predict(frame)
    sf = model.predict_survival_function(frame, [90, 180])
    np.testing.assert_allclose(sf.loc[90.0].round(3), scored["p_relief_90d"])
    np.testing.assert_allclose(sf.loc[180.0].round(3), scored["p_relief_180d"])
    assert sf.loc[180.0, 2] == 0.0 and sf.loc[90.0, 2] == 1.0


@pytest.mark.parametrize("content", [None, "nerve,age\nGON,50,x\n", "age\n50\n"])
def test_parquet_output_fails_in_one_line(cli, tmp_path, content):
    src = tmp_path / "in.csv"
    if content is not None:
        src.write_text(content)
    res = cli("score", src, "-o", tmp_path / "o.parquet", "--errors", tmp_path / "e.csv")
    assert res.exit_code == 1 and res.stderr.count("\n") == 1 and "Traceback" not in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ([] if content is None else ["in.csv"])


def test_a_loaded_model_cannot_be_swapped_for_everyone():
    model = regen.load_model()
    with pytest.raises(AttributeError):
        model.bundle = {}
    assert regen.load_model().params["rate_mm_per_day"]["value"] == model.params["rate_mm_per_day"]["value"]


def test_post_operative_relief_lost_forecasts_no_next_cycle(predict):
    out = predict(nerve="intercostal", indication="thoracotomy", relief_lost_day=64)
    assert out["next_cycle_relief_end_median_day"] is None and out["retreatment_due_day"] is None


@pytest.mark.parametrize("dtype", [object, "string"])
def test_pandas_missing_values_are_blank(model, dtype):
    frame = pd.DataFrame(
        {
            "nerve": ["GON", "SLGN"],
            "sex": pd.array([pd.NA, "female"], dtype=dtype),
            "treated_on": pd.array([pd.NA, "2026-01-05"], dtype=dtype),
        }
    )
    out = model.predict(frame)
    assert (out["error"] == "").all(), out["error"].tolist()
    assert regen.predict_patient(model, nerve="GON", age=pd.NA)["nerve"] == "greater_occipital"


def test_a_declared_non_responder_with_relief_days_is_a_row_error():
    from regen.fitting.outcomes import load_outcomes

    data = load_outcomes(
        pd.DataFrame(
            {
                "nerve": ["GON", "GON"],
                "responded": ["no", "yes"],
                "relief_last_seen_day": ["100", "30"],
                "relief_lost_day": ["130", "60"],
            }
        )
    )
    assert len(data) == 1 and "responded: no, but relief_last_seen_day 100" in data.bad[0][1]


def test_file_names_are_escaped_when_echoed(cli, tmp_path):
    out = tmp_path / "x\x1b[2Jy.csv"
    res = cli("simulate", "-n", "5", "-o", out)
    assert res.exit_code == 0 and "\x1b" not in res.stderr


@pytest.mark.parametrize("alias", ["PN", "MN", "SN", "FN"])
def test_ambiguous_two_letter_names_are_not_aliases(alias):
    from regen.errors import InputError

    with pytest.raises(InputError, match="unknown nerve"):
        regen.resolve_nerve(alias)


@pytest.mark.parametrize(
    ("mm", "day", "message"),
    [("40;;80", "45;60;90", "is not a number or a ';'-separated"), ("40;80", "90;45", "a later front is not farther")],
)
def test_fronts_with_gaps_or_receding_are_refused(predict, mm, day, message):
    from regen.errors import InputError

    with pytest.raises(InputError, match=message):
        predict(nerve="intercostal", indication="intercostal_neuralgia", front_mm=mm, front_day=day)
