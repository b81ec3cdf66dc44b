"""Excel's habits (issue 20): clinic spellings of indications, synonyms of headers, empty rows at the end."""

from __future__ import annotations

import pandas as pd
import pytest

import regen
from regen.errors import InputError


@pytest.mark.parametrize(
    ("typed", "indication"),
    [
        ("Knee OA", "knee_osteoarthritis"),
        ("OA knee", "knee_osteoarthritis"),
        ("Lumbar facet", "lumbar_facet_syndrome"),
        ("facet joint pain", "lumbar_facet_syndrome"),
        ("ON", "occipital_neuralgia"),
        ("Occipital neuralgia", "occipital_neuralgia"),
        ("TKA", "total_knee_arthroplasty"),
        ("PTPS", "intercostal_neuralgia"),
    ],
)
def test_clinic_spellings_of_indications_are_read(typed, indication):
    """On 7663a8f 43 of 75 rows of a clinic export failed on `Knee OA` and `Lumbar facet`."""
    assert regen.resolve_indication(typed) == indication


@pytest.mark.parametrize("typed", ["PMPS", "post-mastectomy pain syndrome", "Post-mastectomy pain"])
def test_chronic_post_mastectomy_pain_gets_a_clear_message_not_the_surgical_window(typed):
    """On 7663a8f 'Post-mastectomy pain' was steered to `mastectomy`, a post-operative window with no plan."""
    with pytest.raises(InputError, match="chronic post-mastectomy pain is not in the catalog") as info:
        regen.resolve_indication(typed)
    assert "intercostal_neuralgia" in str(info.value)


def test_an_unknown_spelling_gets_the_closest_ids():
    with pytest.raises(InputError, match="closest: knee_osteoarthritis"):
        regen.resolve_indication("knee osteoartritis")


def test_fully_empty_rows_at_the_end_are_skipped_and_counted(cli, tmp_path):
    """On 7663a8f each empty trailing row of a spreadsheet became 'nerve is required' and the run exited 3."""
    src = tmp_path / "in.csv"
    src.write_text("nerve,age\nGON,50\n,\nSLGN,60\n,\n , \n,\n")
    res = cli("score", src, "-o", tmp_path / "o.csv")
    assert res.exit_code == 3, res.output  # the empty row in the middle keeps its place (nerve is required)
    assert "3 rows: 2 scored, 1 not scored, and 3 empty rows at the end of the file skipped" in res.stderr
    assert len((tmp_path / "o.csv").read_text().splitlines()) == 4


def test_a_file_of_only_empty_rows_gives_the_schema(cli, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("nerve,age\n,\n,\n")
    res = cli("score", src, "-o", tmp_path / "o.csv")
    assert res.exit_code == 0 and "2 empty rows at the end of the file skipped" in res.stderr
    assert (tmp_path / "o.csv").read_text().splitlines()[0].startswith("nerve,age,sensation_return_median_day")


def test_the_treatment_date_header_refuses_the_file_in_the_cli_and_the_api(cli, tmp_path):
    """On 7663a8f `Treatment Date` was only warned about: every date was lost and both commands exited 0."""
    frame = pd.DataFrame({"Patient ID": ["p1"], "nerve": ["SLGN"], "Treatment Date": ["2026-01-05"]})
    src = tmp_path / "in.csv"
    frame.to_csv(src, index=False)
    res = cli("score", src, "-o", tmp_path / "o.csv")
    assert res.exit_code == 1 and "rename it to 'treated_on'" in res.stderr and not (tmp_path / "o.csv").exists()
    with pytest.raises(regen.DataFileError, match="rename it to 'treated_on'"):
        regen.score_frame(frame)
    res = cli("report", src, "-o", tmp_path / "r.html")
    assert res.exit_code == 1 and "rename it to 'treated_on'" in res.stderr
