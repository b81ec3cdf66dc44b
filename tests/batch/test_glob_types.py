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
