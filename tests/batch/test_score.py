"""Scoring files (regen.batch.score): repeated ids counted across chunks, the summary, a model shipped to a
worker, a crash that leaves nothing."""

from __future__ import annotations

import pandas as pd
import pytest

import regen
import regen.batch.score


@pytest.mark.parametrize("chunksize", [1, 2, 100])
def test_duplicate_ids_counted_within_and_across_chunks(tmp_path, chunksize):
    from regen.batch.score import score_file

    src = tmp_path / "d.csv"
    src.write_text("patient_id,nerve\na,SLGN\nb,GON\na,GON\nc,GON\nb,SLGN\na,SLGN\n")
    summary = score_file(str(src), str(tmp_path / "o.csv"), chunksize=chunksize)
    assert summary["duplicate_ids"] == 3 and summary["rows"] == 6
    assert summary["duplicate_example"] == ("a", 3)  # the first repeat, named with its row, in any chunking


def test_summary_states_headers_read_as_patient_columns_and_defaults_used(tmp_path):
    import regen.batch.score as rio

    src = tmp_path / "in.csv"
    src.write_text("Nerve,Age,Smoking history\n" + "GON,,yes\n" * 7 + "GON,61,no\n" * 5)
    summary = rio.score_file(str(src), str(tmp_path / "o.csv"), chunksize=5)
    assert summary["mapped"] == {"Nerve": "nerve", "Age": "age"} and summary["defaults"]["age"] == 7
    lines = rio.summary_lines(summary)
    assert lines[0].startswith("columns read as: Nerve -> nerve, Age -> age; defaults used: ")
    assert "age 7 rows" in lines[0]
    assert any(line.startswith("Warning:") and "Smoking history" in line and "smoker" in line for line in lines)
    assert lines[-1].startswith("12 rows: 12 scored, 0 not scored")
    header = (tmp_path / "o.csv").read_text().splitlines()[0]
    assert header.startswith("Nerve,Age,Smoking history,")  # the input headers pass through as they were


def test_a_scoring_sent_to_a_worker_keeps_its_own_model(tmp_path, model_file):
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
    for path in (model_file("a.json"), model_file("b.json", rate_mm_per_day=3.0)):
        scoring = pickle.loads(pickle.dumps(prepare_scoring(["nerve"], load_model(path))))
        payloads.append(score_chunk(chunk, scoring, "csv")["payload"])
    assert payloads[0] != payloads[1]


def test_crash_leaves_no_partial_output(tmp_path, patients_csv, monkeypatch):
    src, out = patients_csv, tmp_path / "out.csv"
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


@pytest.mark.parametrize("header", ["Evidence", "relief end median day", "Model-Version", "ERROR", "next_action"])
def test_an_input_column_spelled_like_an_output_column_is_refused_when_scoring(tmp_path, cli, header):
    """On 7663a8f the report took the first column matching 'evidence' in any spelling: an input column could be
    read as regen's own (issue 21, class 1). Score now refuses such a clash; readers use exact names."""
    import regen
    from regen.errors import DataFileError

    src = tmp_path / "in.csv"
    src.write_text(f"nerve,{header}\nGON,mine\n")
    res = cli("score", src, "-o", tmp_path / "o.csv")
    assert res.exit_code == 1 and "the input already has prediction columns" in res.stderr and header in res.stderr
    with pytest.raises(DataFileError, match="already has prediction columns"):
        regen.score_frame(pd.DataFrame({"nerve": ["GON"], header: ["mine"]}))
    assert not (tmp_path / "o.csv").exists()
