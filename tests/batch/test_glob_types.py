"""The files of one glob are one table: columns of other types, or CSV and Parquet mixed, are refused naming
the file and the column, locally and with Dask (issue 21, class 6)."""

from __future__ import annotations

import pandas as pd
import pytest

from regen.batch.score import score_file
from regen.errors import DataFileError


def _files(folder, frames):
    for name, frame in frames.items():
        if name.endswith(".parquet"):
            frame.to_parquet(folder / name, index=False)
        else:
            frame.to_csv(folder / name, index=False)


@pytest.mark.parametrize(
    ("frames", "message"),
    [
        (
            {
                "a.parquet": pd.DataFrame({"nerve": ["GON"], "age": [50]}),
                "b.parquet": pd.DataFrame({"nerve": ["GON"], "age": ["50"]}),
            },
            "b.parquet: column 'age' is text but of type int64 in",
        ),
        (
            {
                "a.parquet": pd.DataFrame({"nerve": ["GON"], "age": [50]}),
                "b.parquet": pd.DataFrame({"nerve": ["GON"], "age": [50.5]}),
            },
            "b.parquet: column 'age' is of type double but of type int64 in",
        ),
        (
            {
                "a.csv": pd.DataFrame({"nerve": ["GON"], "age": ["50"]}),
                "b.parquet": pd.DataFrame({"nerve": ["GON"], "age": [50]}),
            },
            "b.parquet: column 'age' is of type int64 but text in",
        ),
        (
            {"a.csv": pd.DataFrame({"nerve": ["GON"]}), "b.csv": pd.DataFrame({"nerve": ["GON"], "age": ["50"]})},
            "b.csv does not have the columns of",
        ),
    ],
)
@pytest.mark.parametrize("output", ["o.parquet", "o.csv"])
@pytest.mark.parametrize("engine", ["local", "dask"])
def test_files_of_one_glob_that_disagree_are_refused(tmp_path, frames, message, output, engine):
    """On 7663a8f Parquet files with the same names but other types ended in a traceback when writing Parquet."""
    _files(tmp_path, frames)
    kwargs = {}
    if engine == "dask":
        pytest.importorskip("distributed")
        from regen.batch.dask import DaskEngine

        kwargs["engine"] = DaskEngine()
    with pytest.raises(DataFileError, match=message):
        score_file(str(tmp_path / "[ab].*"), str(tmp_path / output), **kwargs)
    assert not (tmp_path / output).exists()


def test_a_glob_names_each_bad_row_by_its_file_and_record(tmp_path, cli):
    """F14: row numbers ran on across the files of a glob and named no file."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "1.csv").write_text("patient_id,nerve\na,SLGN\nb,kneecap\n")
    (folder / "2.csv").write_text("patient_id,nerve\nc,kneecap\na,SLGN\n")
    res = cli("score", f"{folder}/*.csv", "-o", tmp_path / "o.csv", "--errors", tmp_path / "e.csv")
    assert res.exit_code == 3
    errors = (tmp_path / "e.csv").read_text().splitlines()
    assert errors[0] == "file,row,patient_id,error"
    rows = [line.split(",")[:3] for line in errors[1:]]
    assert rows == [[f"{folder}/1.csv", "2", "b"], [f"{folder}/2.csv", "1", "c"]]
    assert f"'a' again at {folder}/2.csv:2" in res.stderr
    one = cli("score", folder / "1.csv", "-o", tmp_path / "o.csv", "--errors", tmp_path / "e.csv")
    assert one.exit_code == 3 and (tmp_path / "e.csv").read_text().startswith("row,patient_id,error\n2,b,")
