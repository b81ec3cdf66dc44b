"""`regen columns`: every input and output column with its unit, accepted values and default, in four formats."""

from __future__ import annotations

import csv
import io
import json

from regen.schema.columns import DETAIL_COLUMNS, OUTPUT_COLUMNS
from regen.schema.patients import INPUT_COLUMNS


def test_columns_csv_lists_every_input_and_output_column(cli):
    res = cli("columns", "--format", "csv")
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    inputs = {r["name"]: r for r in rows if r["direction"] == "input"}
    outputs = {r["name"] for r in rows if r["direction"] == "output"}
    assert set(inputs) == set(INPUT_COLUMNS)
    assert outputs == set(OUTPUT_COLUMNS) | set(DETAIL_COLUMNS)
    assert inputs["age"]["unit"] == "years" and inputs["age"]["accepted"] == "from 10 to 100"
    assert inputs["age"]["default"] == "50" and inputs["nerve"]["default"] == "required"
    assert inputs["treated_on"]["accepted"] == "YYYY-MM-DD, years 1970 to 2100"
    assert inputs["height_cm"]["accepted"] == "from 100 to 250"
    assert all(r["meaning"] for r in rows)


def test_columns_tsv_json_and_table(cli):
    tsv = cli("columns", "--format", "tsv")
    assert tsv.stdout.splitlines()[0].split("\t")[:3] == ["direction", "name", "kind"]
    records = json.loads(cli("columns", "--format", "json").stdout)
    assert {r["name"] for r in records} >= {"retreatment_due_day", "allow_any_nerve", "relief_last_seen_day"}
    table = cli("columns").stdout
    assert "retreatment_due_day" in table and "book retreatment by this day" in table
