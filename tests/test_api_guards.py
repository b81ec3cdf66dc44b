"""Guards at the API's edges: survival-function rows and times, model arguments, frames, Dask
scheduler addresses, the report's output and columns, and model names (attack findings)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import regen
from regen.errors import DataFileError, InputError, ModelFileError
from regen.utils.resources import model_path

ACCEPTED = "model must be a path, 'default', 'mechanism-only' or a Model; got "


# -- 1. predict_survival_function: bad rows and bad times are refused -----------------------------
def test_a_row_that_cannot_be_scored_is_refused_with_its_error_column_text(model):
    frame = pd.DataFrame({"nerve": ["GON", "XXX", "also bad"]}, index=[7, 8, 9])
    error = model.predict(frame).loc[8, "error"]
    with pytest.raises(InputError) as info:
        model.predict_survival_function(frame, times=[30])
    assert str(info.value) == f"row 8: {error} (1 more row(s) cannot be scored)"


def test_a_follow_up_error_is_refused_as_score_reports_it(model):
    frame = pd.DataFrame({"nerve": ["GON"], "relief_at_day": ["-5"]})
    error = model.predict(frame).loc[0, "error"]
    assert error.startswith("relief_at_day")
    with pytest.raises(InputError, match=r"^row 0: relief_at_day"):
        model.predict_survival_function(frame, [30])


@pytest.mark.parametrize(
    "times",
    [[-1], [np.nan], [1e308], [np.inf], "30", ["30"], [[30, 90]], [], [True], None, {30}, [30, None], b"30", 36500.5],
)
def test_times_must_be_days_from_0_to_100_years(model, times):
    with pytest.raises(InputError, match=r"^times: .* (is not a day|or a list of days); give days") as info:
        model.predict_survival_function(pd.DataFrame({"nerve": ["GON"]}), times)
    assert "\n" not in str(info.value)


def test_one_number_is_one_time_and_every_kind_of_list_gives_the_same_curve(model):
    frame = pd.DataFrame({"nerve": ["GON", "SLGN"]})
    listed = model.predict_survival_function(frame, [0, 30, 36500])
    assert ((listed >= 0) & (listed <= 1)).all().all() and (listed.diff().iloc[1:] <= 0).all().all()
    for times in (np.array([0, 30, 36500]), pd.Series([0.0, 30.0, 36500.0]), (0, 30, 36500)):
        pd.testing.assert_frame_equal(model.predict_survival_function(frame, times), listed)
    one = model.predict_survival_function(frame, 30)
    pd.testing.assert_frame_equal(one, listed.loc[[30.0]])


# -- 2. one model resolver; clear errors for wrong argument types ---------------------------------
@pytest.mark.parametrize("argument", ["mechanism-only", "default", None, "path"])
def test_predict_patient_takes_what_score_frame_takes(model, argument):
    if argument == "path":
        argument = Path(model_path("default.json"))
    row = regen.predict_patient(argument, nerve="SLGN")
    scored = regen.score_frame(pd.DataFrame({"nerve": ["SLGN"]}), argument)
    assert row["model_version"] == scored.loc[0, "model_version"]
    assert row["relief_end_median_day"] == scored.loc[0, "relief_end_median_day"]
    expected = "mechanism-only@" if argument == "mechanism-only" else "regen-default@"
    assert row["model_version"].startswith(expected)


@pytest.mark.parametrize(
    ("argument", "kind"), [(5, "int"), (b"default", "bytes"), (3.5, "float"), (["default"], "list")]
)
def test_a_model_of_the_wrong_type_is_named_in_one_line(argument, kind):
    for call in (
        lambda: regen.load_model(argument),
        lambda: regen.predict_patient(argument, nerve="GON"),
        lambda: regen.score_frame(pd.DataFrame({"nerve": ["GON"]}), argument),
    ):
        with pytest.raises(TypeError) as info:
            call()
        assert str(info.value) == ACCEPTED + kind


def test_a_path_like_giving_bytes_is_refused():
    class BytesPath(os.PathLike):
        def __fspath__(self):
            return b"default"

    with pytest.raises(TypeError, match="^" + ACCEPTED + "BytesPath$"):
        regen.load_model(BytesPath())


def test_the_low_level_patient_forecast_names_a_model_it_cannot_use():
    from regen.model.prediction import patient_forecast

    with pytest.raises(TypeError, match=r"^model must be a regen Model here; got str \(regen.predict_patient"):
        patient_forecast("mechanism-only", nerve="GON")


def test_a_missing_model_file_is_still_a_model_file_error(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        regen.predict_patient(tmp_path / "none.json", nerve="GON")


@pytest.mark.parametrize(
    ("frame", "kind"),
    [(None, "NoneType"), ([{"nerve": "GON"}], "list"), ("GON", "str"), (np.array(["GON"]), "ndarray")],
)
def test_score_frame_names_what_it_accepts(model, frame, kind):
    for call in (lambda: regen.score_frame(frame, model), lambda: model.predict(frame)):
        with pytest.raises(TypeError) as info:
            call()
        assert str(info.value) == (
            f"frame must be a pandas DataFrame or a mapping of column name to values; got {kind}"
        )


def test_a_mapping_of_columns_scores_as_its_data_frame(model):
    columns = {"patient_id": ["a", "b"], "nerve": ["GON", "SLGN"], "age": [45, 64]}
    pd.testing.assert_frame_equal(regen.score_frame(columns, model), regen.score_frame(pd.DataFrame(columns), model))
    with pytest.raises(InputError, match=r"^frame: the mapping's columns must be lists of one length"):
        regen.score_frame({"nerve": ["GON", "SLGN"], "age": [45]}, model)


# -- 3. a bad or unreachable Dask scheduler: one line, nothing written ----------------------------
@pytest.fixture
def cohort_csv(tmp_path):
    pytest.importorskip("distributed")
    path = tmp_path / "base.csv"
    path.write_text("nerve,age\nGON,45\nSLGN,64\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("garbage://x", "'garbage://x' has no known scheme (inproc, tcp, tls, ucx, ws, wss)"),
        ("tcp://a:b", "'tcp://a:b' is not host:port"),
        ("tcp://", "'tcp://' is not host:port"),
        ("tcp://host:0", "'tcp://host:0' is not host:port"),
    ],
)
def test_a_malformed_scheduler_is_one_line(cli, cohort_csv, address, message):
    res = cli("score", cohort_csv, "-o", cohort_csv.parent / "d.csv", "--engine", "dask", "--scheduler", address)
    assert res.exit_code == 1, res.output
    assert res.stderr == f"Error: Dask scheduler address {message}; expected e.g. tcp://10.0.0.5:8786\n"
    assert sorted(p.name for p in cohort_csv.parent.iterdir()) == ["base.csv"]


def test_an_unreachable_scheduler_is_one_line(cli, cohort_csv, monkeypatch):
    monkeypatch.setattr("regen.batch.dask.CONNECT_TIMEOUT", "0.5s")
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    res = cli(
        "score",
        cohort_csv,
        "-o",
        cohort_csv.parent / "d.csv",
        "--engine",
        "dask",
        "--scheduler",
        f"tcp://127.0.0.1:{port}",
    )
    assert res.exit_code == 1 and res.stderr.count("\n") == 1, res.output
    assert res.stderr.startswith(f"Error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}: ")
    assert sorted(p.name for p in cohort_csv.parent.iterdir()) == ["base.csv"]


def test_a_bad_scheduler_in_the_environment_is_one_line_without_traceback(cohort_csv):
    env = {**os.environ, "DASK_SCHEDULER_ADDRESS": "nonsense"}
    res = subprocess.run(
        [sys.executable, "-m", "regen", "score", str(cohort_csv), "-o", "d.csv", "--engine", "dask"],
        capture_output=True,
        text=True,
        env=env,
        cwd=cohort_csv.parent,
        timeout=60,
    )
    assert res.returncode == 1
    assert res.stderr == (
        "Error: Dask scheduler address 'nonsense' (from DASK_SCHEDULER_ADDRESS or Dask's "
        "scheduler-address setting) is not host:port; expected e.g. tcp://10.0.0.5:8786\n"
    )
    assert sorted(p.name for p in cohort_csv.parent.iterdir()) == ["base.csv"]


@pytest.mark.parametrize(
    "address",
    ["tcp://10.0.0.5:8786", "10.0.0.5:8786", "tls://h:1", "tcp://[::1]:8786", "inproc://x/1/2", "ws://host:80"],
)
def test_well_formed_scheduler_addresses_pass(address):
    pytest.importorskip("distributed")
    from regen.batch.dask import check_scheduler_address

    assert check_scheduler_address(address) == address


# -- 4. regen report: HTML only, and only the values regen score writes ---------------------------
@pytest.fixture(scope="module")
def scored_csv(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    frame = pd.DataFrame(
        {
            "patient_id": ["a", "b", "c"],
            "nerve": ["GON", "SLGN", "kneecap"],
            "treated_on": ["2026-01-05", "2026-01-06", ""],
        }
    )
    regen.score_frame(frame).to_csv(folder / "scored.csv", index=False)
    return folder / "scored.csv"


@pytest.mark.parametrize("name", ["r.csv", "r.json", "r.html.gz", "r.png"])
def test_report_refuses_an_output_that_is_not_html(cli, scored_csv, tmp_path, name):
    res = cli("report", scored_csv, "-o", tmp_path / name)
    assert res.exit_code == 2 and "regen report writes HTML (.html, .htm), not ." in res.stderr, res.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["r.html", "r.HTM", "report"])
def test_report_writes_html_and_extensionless_names(cli, scored_csv, tmp_path, name):
    res = cli("report", scored_csv, "-o", tmp_path / name, "--today", "2026-01-01")
    assert res.exit_code == 0, res.output
    assert (tmp_path / name).read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("review_date", "9999-99-99", "is not a date YYYY-MM-DD from 1970 to 2100"),
        ("retreatment_due_date", "2101-01-01", "is not a date YYYY-MM-DD from 1970 to 2100"),
        ("retreatment_due_date", "2026-02-19x", "is not a date YYYY-MM-DD from 1970 to 2100"),
        ("relief_end_median_day", "1e308", "is not a number from 0 to 36500"),
        ("sensation_return_median_day", "-1", "is not a number from 0 to 36500"),
        ("retreatment_due_day", "NaN", "is not a number from 0 to 36500"),
        ("p_relief_180d", "1.5", "is not a number from 0 to 1"),
    ],
)
def test_report_refuses_values_regen_score_never_writes(cli, scored_csv, tmp_path, column, value, reason):
    frame = pd.read_csv(scored_csv, dtype=str, keep_default_na=False)
    frame.loc[1, column] = value
    frame.to_csv(tmp_path / "bad.csv", index=False)
    res = cli("report", tmp_path / "bad.csv", "-o", tmp_path / "r.html")
    assert res.exit_code == 1 and res.stderr.count("\n") == 1, res.output
    bad = tmp_path / "bad.csv"
    assert res.stderr.startswith(f"Error: {bad}: data record 2, column {column}: {value!r} {reason} (or blank); ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_the_library_report_refuses_them_too_and_names_the_first_bad_row():
    from regen.reporting.report import build_report

    scored = regen.score_frame(pd.DataFrame({"nerve": ["GON"] * 3, "treated_on": ["2026-01-05"] * 3}))
    build_report(scored, today="2026-01-01")  # typed numbers and blanks (NaN) pass
    scored.loc[2, "relief_end_median_day"] = np.inf
    scored.loc[1, "review_date"] = "2026-13-01"
    with pytest.raises(DataFileError, match=r"^data record 2, column review_date: '2026-13-01' is not a date"):
        build_report(scored, today="2026-01-01")


# -- 5. model names and versions are plain words: no formula, no control sequence ------------------
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
def test_a_model_name_outside_the_safe_characters_is_refused(cli, tmp_path, field, value):
    bundle = json.loads(Path(model_path("default.json")).read_text(encoding="utf-8"))
    bundle[field] = value
    path = tmp_path / "m.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
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

    assert regen.load_model().version == "regen-default@2026.11.1"
    assert regen.load_model("mechanism-only").version == f"mechanism-only@{regen.__version__}"
    assert all(is_safe_name(n) for n in ("regen-fitted", "clinic", "clinic_2026.v2+local", "a" * 64))
    assert not any(is_safe_name(n) for n in ("=cmd", "a b", "a" * 65, "é", "", None))


def test_a_mapping_of_single_values_is_one_patient():
    from regen import load_model

    model = load_model()
    assert model.predict_survival_function({"nerve": "SLGN", "age": "64"}, times=[30]).shape == (1, 1)
    assert len(model.predict_columns({"nerve": "SLGN"})["relief_end_median_day"]) == 1


def test_a_report_of_a_scored_file_missing_a_column_is_refused(tmp_path):
    import pandas as pd

    from regen import load_model, score_frame
    from regen.errors import DataFileError
    from regen.reporting.report import build_report

    scored = score_frame(
        pd.DataFrame({"nerve": ["SLGN", "GON"], "treated_on": ["2026-01-05", "2026-02-01"]}), load_model()
    )
    with pytest.raises(DataFileError, match="retreatment_due_day missing"):
        build_report(scored.drop(columns=["retreatment_due_day"]), today="2026-11-25")
    bad = scored.astype(object)
    bad.loc[0, "p_relief_90d"] = 1.5
    with pytest.raises(DataFileError, match="data record 1, column p_relief_90d"):
        build_report(bad, today="2026-11-25")
