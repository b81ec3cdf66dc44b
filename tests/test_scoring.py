"""score_frame and `regen score`: row accounting, pass-through, atomic output, exit codes."""

import gzip

import numpy as np
import pandas as pd
import pytest

import regen
import regen.batch.score
from regen import score_frame
from regen.errors import DataFileError
from regen.schema.columns import OUTPUT_COLUMNS


@pytest.fixture(scope="module")
def cohort(patients):
    return patients


def test_score_frame_keeps_rows_order_and_passes_columns_through(cohort):
    out = score_frame(cohort)
    assert len(out) == len(cohort) and list(out.index) == list(cohort.index)
    assert list(out.columns) == [*cohort.columns, *OUTPUT_COLUMNS]
    pd.testing.assert_frame_equal(out[cohort.columns], cohort)
    bad = set(np.flatnonzero(out["error"] != ""))
    assert bad == {3, 10, 20}
    assert out.loc[list(bad), "relief_end_median_day"].isna().all()
    assert out.loc[~out.index.isin(list(bad)), "relief_end_median_day"].notna().all()
    assert out.loc[3, "patient_id"] == cohort.loc[3, "patient_id"]


def test_empty_frame_gives_the_schema(cohort):
    out = score_frame(cohort.iloc[:0])
    assert len(out) == 0 and list(out.columns) == [*cohort.columns, *OUTPUT_COLUMNS]


def test_score_and_predict_json_give_the_same_numbers(cli, cohort):
    import json

    frame = cohort.drop(index=[3, 10, 20]).head(5)
    scored = score_frame(frame)
    for i in range(len(frame)):
        row = frame.iloc[i]
        args = [
            "predict",
            "--nerve",
            row["nerve"],
            "--age",
            row["age"],
            "--treated-on",
            row["treated_on"],
            "--indication",
            row["indication"],
            "--format",
            "json",
        ]
        if row["diabetes"] == "yes":
            args.append("--diabetes")
        out = json.loads(cli(*args).stdout)
        for col in OUTPUT_COLUMNS:
            if col in ("error", "evidence", "warnings"):
                continue
            value = scored[col].iloc[i]
            assert (out[col] is None and pd.isna(value)) or out[col] == value, col


def test_existing_prediction_columns_are_refused():
    with pytest.raises(DataFileError, match="already has prediction columns"):
        score_frame(pd.DataFrame({"nerve": ["GON"], "error": [""]}))


def test_cli_scores_with_exit_3_and_errors_file(tmp_path, cohort, cli):
    src, out, err = tmp_path / "in.csv", tmp_path / "out.csv", tmp_path / "rejected.csv"
    cohort.to_csv(src, index=False)
    res = cli("score", str(src), "-o", str(out), "--errors", str(err), "--chunksize", "64")
    assert res.exit_code == 3, res.output
    assert "500 rows: 497 scored, 3 not scored" in res.stderr
    scored = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert scored["patient_id"].tolist() == cohort["patient_id"].tolist()
    assert (scored["clinic_note"] == "keep, me").all()
    rejected = pd.read_csv(err)
    assert rejected["row"].tolist() == [4, 11, 21]
    assert rejected["error"].str.contains("treated_on: '2026-02-30' is not a date").any()


def test_cli_exit_0_and_formats(tmp_path, cohort, cli):
    good = cohort.drop(index=[3, 10, 20])
    src = tmp_path / "good.csv"
    good.to_csv(src, index=False)
    for target in ("out.csv.gz", "out.parquet"):
        res = cli("score", str(src), "-o", str(tmp_path / target))
        assert res.exit_code == 0, res.output
    with gzip.open(tmp_path / "out.csv.gz", "rt") as fh:
        assert len(pd.read_csv(fh)) == len(good)
    assert len(pd.read_parquet(tmp_path / "out.parquet")) == len(good)
    res = cli("score", str(tmp_path / "out.parquet"), "-o", "-")
    assert res.exit_code == 1 and "already has prediction columns" in res.stderr


def test_stdin_to_stdout(cli):
    res = cli("score", "-", "-o", "-", input="patient_id,nerve\np1,SLGN\np2,GON\n")
    assert res.exit_code == 0
    lines = res.stdout.strip().splitlines()
    assert len(lines) == 3 and lines[1].startswith("p1,genicular") is False and lines[1].startswith("p1,SLGN")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"patient_id,age\n1,50\n", "Error: the column 'nerve' is required"),
        (b"", "the file is empty"),
        (b"\xff\xfe\x00n\x00e\x00r\x00v\x00e", "not UTF-8 text"),
        (b'nerve,age\nGON,"50\n', "not a readable CSV"),
    ],
)
def test_unreadable_files_exit_1_and_leave_nothing(tmp_path, content, message, cli):
    src, out = tmp_path / "bad.csv", tmp_path / "out.csv"
    src.write_bytes(content)
    res = cli("score", str(src), "-o", str(out))
    assert res.exit_code == 1, res.output
    assert message in res.stderr and res.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == [src]


def test_header_only_gives_the_schema(tmp_path, cli):
    src, out = tmp_path / "h.csv", tmp_path / "o.csv"
    src.write_text("nerve,age\n")
    res = cli("score", str(src), "-o", str(out))
    assert res.exit_code == 0 and "0 rows" in res.stderr
    assert out.read_text().splitlines() == [",".join(["nerve", "age", *OUTPUT_COLUMNS])]


def test_missing_input_and_usage(tmp_path, cli):
    res = cli("score", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "o.csv"))
    assert res.exit_code == 1 and "does not exist" in res.stderr
    assert cli("score", "x.csv").exit_code == 2


def test_awkward_csv_bom_quotes_newlines_blank_lines_duplicates(tmp_path, cli):
    text = '\ufeffpatient_id,nerve,note\na,SLGN,"has, comma"\n\na,GON,"two\nlines"\n'
    src, out = tmp_path / "odd.csv", tmp_path / "out.csv"
    src.write_text(text, encoding="utf-8")
    res = cli("score", str(src), "-o", str(out))
    assert res.exit_code == 0, res.output
    assert "1 row repeats a patient_id" in res.stderr
    scored = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(scored.columns[:3]) == ["patient_id", "nerve", "note"]
    assert scored["note"].tolist() == ["has, comma", "two\nlines"]


def test_crash_leaves_no_partial_output(tmp_path, cohort, monkeypatch):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    cohort.to_csv(src, index=False)
    calls = {"n": 0}
    real = regen.batch.score.predict_chunk  # the one function that validates and predicts a chunk (both engines)

    def failing(frame, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(frame, *args, **kwargs)

    monkeypatch.setattr("regen.batch.score.predict_chunk", failing)
    from regen.batch.score import score_file

    with pytest.raises(KeyboardInterrupt):
        score_file(str(src), str(out), chunksize=100)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_dask_engine_equals_single_process(tmp_path, cohort, cli):
    pytest.importorskip("dask.dataframe")  # the test extra installs dask; see pyproject
    src = tmp_path / "in.csv"
    cohort.to_csv(src, index=False)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    cli("score", str(src), "-o", str(a))
    res = cli("score", str(src), "-o", str(b), "--engine", "dask")
    assert res.exit_code == 3, res.output
    assert a.read_bytes() == b.read_bytes()


def test_dask_recipe_map_partitions(cohort):
    import dask.dataframe as dd

    ddf = dd.from_pandas(cohort, npartitions=4)
    scored = ddf.map_partitions(score_frame, meta=score_frame(ddf._meta)).compute(scheduler="sync")
    expected = score_frame(cohort)
    pd.testing.assert_frame_equal(scored.astype(object), expected.astype(object), check_dtype=False)


@pytest.mark.parametrize("chunksize", [1, 2, 100])
def test_duplicate_ids_counted_within_and_across_chunks(tmp_path, chunksize):
    from regen.batch.score import score_file

    src = tmp_path / "d.csv"
    src.write_text("patient_id,nerve\na,SLGN\nb,GON\na,GON\nc,GON\nb,SLGN\na,SLGN\n")
    summary = score_file(str(src), str(tmp_path / "o.csv"), chunksize=chunksize)
    assert summary["duplicate_ids"] == 3 and summary["rows"] == 6
    assert summary["duplicate_example"] == ("a", 3)  # the first repeat, named with its row, in any chunking


def test_the_command_line_chunk_size_is_the_library_default():
    import inspect

    from regen.cli import score
    from regen.files.read import CHUNK_ROWS

    assert inspect.signature(score).parameters["chunksize"].default.default == CHUNK_ROWS
