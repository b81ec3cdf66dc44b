"""Output paths (regen.files.paths): no output may be an input, a model, a card or a folder; suffixes say the
format; redirections and missing folders are caught before anything runs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from regen.errors import RegenError


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("score", "{src}", "-o", "{src}"), "--output: {src} is also the input"),
        (("score", "{src}", "-o", "{tmp}/o.csv", "--errors", "{src}"), "--errors: {src} is also the input"),
        (
            ("score", "{src}", "-o", "{tmp}/o.csv", "--errors", "{tmp}/o.csv"),
            "--output and --errors write into the same file or stream ({tmp}/o.csv)",
        ),
        (("score", "{src}", "-o", "{tmp}/./sub/../c.csv"), "--output: {tmp}/./sub/../c.csv is also the input"),
        (
            ("score", "{src}", "-o", "-", "--errors", "-"),
            "--output and --errors write into the same file or stream (-)",
        ),
        (("score", "{src}", "-o", "{tmp}"), "--output: {tmp} is a directory; name a file"),
        (("score", "{src}", "-o", ""), "--output: the output path is empty"),
        (("report", "{src}", "-o", "{src}"), "--output: {src} is also the input"),
        (("fit", "{src}", "-o", "{src}"), "--output: {src} is also the input"),
        (
            ("fit", "{src}", "-o", "{tmp}/clinic.md"),
            "--output: {tmp}/clinic.md ends in .md, the name of its card",
        ),
        (("fit", "{src}", "-o", "{tmp}/c.md"), "--output: {tmp}/c.md ends in .md, the name of its card"),
        (("simulate", "-n", "5", "-o", "{tmp}"), "--output: {tmp} is a directory; name a file"),
    ],
)
def test_colliding_outputs_are_usage_errors(tmp_path, two_patients_csv, cli, args, message):
    src = two_patients_csv
    (tmp_path / "sub").mkdir()
    (tmp_path / "c.md").write_text("a card")
    before = src.read_bytes()
    res = cli(*(a.format(src=src, tmp=tmp_path) for a in args))
    assert res.exit_code == 2, res.output
    assert message.format(src=src, tmp=tmp_path) in res.stderr
    assert src.read_bytes() == before and (tmp_path / "c.md").read_text() == "a card"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv", "c.md", "sub"]


def test_a_symlinked_input_is_recognised(tmp_path, two_patients_csv, cli):
    src = two_patients_csv
    link = tmp_path / "link.csv"
    link.symlink_to(src)
    before = src.read_bytes()
    assert cli("score", src, "-o", link).exit_code == 2 and src.read_bytes() == before and link.is_symlink()


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("{tmp}/plot.svg", "does not end in .png"),
        ("{tmp}/c.csv/plot.png", "is not a directory"),
        ("{tmp}", "is a directory"),
    ],
)
def test_plot_paths_are_checked_before_anything_runs(tmp_path, two_patients_csv, path, message):
    """For `regen predict --plot` (the lead calls cli_check_paths({"--plot": plot}, suffix=".png") first)."""
    from regen.files.paths import PathClashError, check_paths

    with pytest.raises(PathClashError, match=message):
        check_paths({"--plot": path.format(tmp=tmp_path)}, suffix=".png")
    check_paths({"--plot": str(tmp_path / "PLOT.PNG")}, suffix=".png")


def test_an_output_in_a_missing_folder_is_refused_and_creates_nothing(cli, two_patients_csv, tmp_path):
    src = two_patients_csv
    for args in (
        ("score", src, "-o", tmp_path / "new" / "a" / "o.csv"),
        ("predict", "--nerve", "GON", "--plot", tmp_path / "new" / "t.png"),
    ):
        res = cli(*args)
        assert res.exit_code == 2 and "does not exist; create it first" in res.stderr, res.output
    link = tmp_path / "dangling.csv"
    link.symlink_to(tmp_path / "nowhere" / "deep" / "x.csv")
    assert cli("score", src, "-o", link).exit_code == 2
    assert not (tmp_path / "new").exists() and not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("redirect", ["stdin", "stdout"])
def test_an_input_redirected_from_or_to_the_output_is_refused(two_patients_csv, tmp_path, redirect):
    """`regen score - -o in.csv < in.csv` and `regen score in.csv -o - >> in.csv` would destroy the input."""
    src = two_patients_csv
    before = src.read_bytes()
    if redirect == "stdin":
        with open(src, "rb") as stdin:
            res = subprocess.run(
                [sys.executable, "-m", "regen", "score", "-", "-o", str(src)],
                stdin=stdin,
                capture_output=True,
                text=True,
                timeout=60,
            )
    else:
        with open(src, "ab") as stdout:
            res = subprocess.run(
                [sys.executable, "-m", "regen", "score", str(src), "-o", "-"],
                stdout=stdout,
                stderr=subprocess.PIPE,
                text=True,
                timeout=60,
            )
    stream = "input" if redirect == "stdin" else "output"
    assert res.returncode == 2 and f"is also the input (through standard {stream})" in res.stderr, res.stderr
    assert src.read_bytes() == before


def test_no_output_may_overwrite_the_model_it_reads(cli, tmp_path, model_file):
    model = model_file("clinic_model")  # no extension: a name a table could have too
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


def test_fit_does_not_replace_a_markdown_file_that_is_not_its_card(cli, tmp_path, cohort_csv):
    notes = tmp_path / "notes.md"
    notes.write_text("# My notes\n")
    res = cli("fit", cohort_csv, "-o", tmp_path / "notes.json")
    assert res.exit_code == 2 and "is not a regen model card" in res.stderr
    assert notes.read_text() == "# My notes\n" and not (tmp_path / "notes.json").exists()


def test_fit_refuses_a_model_name_its_card_would_overwrite(cli, tmp_path, outcome_file):
    path = outcome_file("one row")  # -o clinic.md itself: see test_colliding_outputs_are_usage_errors
    card_in = tmp_path / "outcomes.md"
    card_in.write_text("x", encoding="utf-8")
    res = cli("fit", card_in, "-o", tmp_path / "outcomes.json")
    assert res.exit_code == 2 and "is also the input" in res.stderr
    assert card_in.read_text() == "x" and not (tmp_path / "outcomes.json").exists()
    from regen.fitting.fit_file import fit_file  # the library refuses it too

    with pytest.raises(RegenError, match=r"ends in \.md, the name of its card"):
        fit_file(path, tmp_path / "clinic.md")


@pytest.mark.parametrize("name", ["scored.xlsx", "scored.json", "scored.html"])
def test_a_table_is_not_written_under_a_foreign_extension(cli, tmp_path, name):
    src = tmp_path / "in.csv"
    src.write_text("nerve\nGON\n")
    res = cli("score", src, "-o", tmp_path / name)
    assert res.exit_code == 2 and "regen writes CSV (.csv, .csv.gz) or Parquet" in res.stderr
    assert not (tmp_path / name).exists()


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
