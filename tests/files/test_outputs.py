"""Every output of a run is checked against every input before any work, appears whole and together with
the others or not at all, goes through one CSV writer, and two outputs never share one file or stream
(issue 21, classes 2, 3, 4 and 10)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from regen.files.encode import encode_frame
from regen.files.read import read_table
from regen.files.write import Outputs, write_table


# --------------------------------------------------------------------------- class 2: outputs against inputs
def test_evaluate_plots_never_land_on_an_input_and_a_file_as_the_folder_fails_before_the_work(
    cli, clinic_fits, tmp_path
):
    model, data = clinic_fits["a"][1], clinic_fits["a"][0]
    before = data.read_bytes()
    plots = tmp_path / "plots"
    plots.mkdir()
    (plots / "calibration_90d.png").symlink_to(data)  # a link in the plot folder pointing at the outcome file
    res = cli("evaluate", model, data, "--bootstrap", "0", "--plot-dir", plots)
    assert res.exit_code == 2 and "is also the input" in res.stderr, res.output
    assert data.read_bytes() == before and sorted(p.name for p in plots.iterdir()) == ["calibration_90d.png"]
    (plots / "calibration_180d.png").symlink_to(model)  # ... or at the model file
    (plots / "calibration_90d.png").unlink()
    res = cli("evaluate", model, data, "--bootstrap", "0", "--plot-dir", plots)
    assert res.exit_code == 2 and "is also the input" in res.stderr, res.output
    existing = tmp_path / "a_file.png"
    existing.write_text("x")
    res = cli("evaluate", model, data, "--bootstrap", "200", "--plot-dir", existing)  # refused before 200 resamples
    assert res.exit_code == 2 and "is a file, not a folder" in res.stderr and existing.read_text() == "x"


@pytest.mark.parametrize(
    "command",
    [
        ("fit", "{outcomes}", "-o", "{model}"),
        ("report", "{scored}", "-o", "{scored}"),
        ("predict", "--nerve", "GON", "--model", "{model}", "--plot", "{model}"),
        ("score", "{scored}", "-o", "{model}", "--model", "{model}"),
    ],
)
def test_no_command_writes_over_one_of_its_inputs(command, cli, clinic_fits, scored_csv, tmp_path):
    model, outcomes = clinic_fits["a"][1], clinic_fits["a"][0]
    copy_model = tmp_path / "m.json"
    copy_model.write_bytes(model.read_bytes())
    copy_scored = tmp_path / "scored.csv"
    copy_scored.write_bytes(scored_csv.read_bytes())
    names = {"outcomes": outcomes, "model": copy_model, "scored": copy_scored}
    if command[0] == "fit":  # the model's card is the input here (a copy: the shared fits' own card stays)
        outcomes = tmp_path / "outcomes.csv"
        outcomes.write_bytes(clinic_fits["a"][0].read_bytes())
        names["outcomes"], names["model"] = outcomes, outcomes.with_suffix(".json")
        outcomes.with_suffix(".md").write_text("not a card")
    args = [a.format(**names) for a in command]
    before = {p: p.read_bytes() for p in (copy_model, copy_scored, outcomes)}
    res = cli(*args)
    assert res.exit_code == 2, res.output
    assert all(p.read_bytes() == b for p, b in before.items())


# --------------------------------------------------------------------------- class 3: one writer, reads back
_CELL = st.text(alphabet=st.sampled_from(list('ab ,"\r\n\t;é\u200b')), max_size=6)


@given(st.lists(st.tuples(st.integers(1, 10**6), _CELL, _CELL), min_size=1, max_size=8))
def test_every_table_regen_writes_reads_back_to_the_same_cells(rows):
    frame = pd.DataFrame(rows, columns=["row", "patient_id", "error"])
    data = encode_frame(frame)
    parsed = list(csv.reader(io.StringIO(data.decode(), newline="")))
    assert parsed[0] == ["row", "patient_id", "error"]
    assert parsed[1:] == [[str(r), p, e] for r, p, e in rows]


def test_the_errors_file_quotes_a_lone_carriage_return(tmp_path, cli):
    """On 7663a8f the --errors file was written by another CSV writer: a cell with a lone CR split its record."""
    src = tmp_path / "in.csv"
    src.write_text('patient_id,nerve\n"P\r1",kneecap\nP2,GON\n', newline="")
    res = cli("score", src, "-o", tmp_path / "o.csv", "--errors", tmp_path / "e.csv")
    assert res.exit_code == 3, res.output
    errors = read_table(tmp_path / "e.csv")
    assert errors["patient_id"].tolist() == ["P\r1"] and errors["row"].tolist() == ["1"]


# --------------------------------------------------------------------------- class 4: one stream, two outputs
@pytest.mark.parametrize("second", ["-", "/dev/stdout", "/proc/self/fd/1"])
def test_two_outputs_into_standard_output_are_refused_however_spelled(second, tmp_path):
    if not os.path.exists(second) and second != "-":
        pytest.skip(f"{second} does not exist on this system")
    src = tmp_path / "in.csv"
    src.write_text("nerve\nGON\nkneecap\n")
    res = subprocess.run(
        [sys.executable, "-m", "regen", "score", str(src), "-o", "-", "--errors", second],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 2 and "write into the same file or stream" in res.stderr, res.stderr
    assert res.stdout == ""


def test_two_outputs_into_one_file_through_a_link_are_refused(tmp_path, cli):
    src = tmp_path / "in.csv"
    src.write_text("nerve\nGON\n")
    (tmp_path / "link.csv").symlink_to(tmp_path / "o.csv")
    res = cli("score", src, "-o", tmp_path / "o.csv", "--errors", tmp_path / "link.csv")
    assert res.exit_code == 2 and "write into the same file or stream" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "link.csv"]


def test_the_null_device_takes_both_outputs(tmp_path, cli):
    src = tmp_path / "in.csv"
    src.write_text("nerve\nGON\n")
    assert cli("score", src, "-o", os.devnull, "--errors", os.devnull).exit_code == 0


# --------------------------------------------------------------------------- class 10: all or nothing
def test_a_side_file_is_not_left_when_the_main_output_cannot_be_put_in_place(tmp_path):
    """On 7663a8f the errors file was renamed into place first and stayed when the output could not be."""
    from regen.errors import RegenError

    with pytest.raises(RegenError, match="cannot write"), Outputs() as out:
        out.path(tmp_path / "errors.csv").write_text("row,patient_id,error\n")
        main = out.path(tmp_path / "out.csv", main=True)
        main.write_text("a\n")
        (tmp_path / "out.csv").mkdir()  # the main output can no longer be put in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"] and (tmp_path / "out.csv").is_dir()


def test_a_failed_score_leaves_neither_output_nor_errors_file(tmp_path, cli):
    src = tmp_path / "in.csv"
    src.write_text("nerve\nGON\nkneecap\n")
    (tmp_path / "o.csv").mkdir()
    res = cli("score", src, "-o", tmp_path / "o.csv", "--errors", tmp_path / "e.csv")
    assert res.exit_code != 0
    assert not (tmp_path / "e.csv").exists()


def test_write_table_into_outputs_puts_every_file_in_place_together(tmp_path):
    with Outputs() as out:
        write_table(pd.DataFrame({"a": ["x"]}), tmp_path / "one.csv", out)
        write_table(pd.DataFrame({"a": ["y"]}), tmp_path / "two.parquet", out)
        assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing visible while the run goes on
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.csv", "two.parquet"]
