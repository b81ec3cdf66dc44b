"""`regen nerves`: the catalog as a table that never wraps an id, and as CSV, TSV and JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest

from regen.catalog.nerves import load_catalog


@pytest.mark.parametrize("width", [None, "80", "100", "200"])
def test_nerves_table_never_wraps_an_id(width, cli):
    res = cli("nerves", env=None if width is None else {"COLUMNS": width})
    assert res.exit_code == 0
    firsts = [line.split()[0] for line in res.stdout.splitlines()[3:] if line[:1].strip()]
    assert firsts == list(load_catalog())  # every id whole, on its own row, in catalog order
    for line in res.stdout.splitlines()[3:]:  # continuation lines start under the last column
        assert line[:1].strip() or line.startswith(" " * 28)


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json"])
def test_nerves_csv_tsv_json_carry_every_field(fmt, cli):
    res = cli("nerves", "--format", fmt)
    assert res.exit_code == 0
    if fmt == "json":
        rows = json.loads(res.stdout)
        aliases = rows[0]["aliases"]
    else:
        rows = list(csv.DictReader(io.StringIO(res.stdout), delimiter="," if fmt == "csv" else "\t"))
        aliases = rows[0]["aliases"].split(";")
    catalog = list(load_catalog().values())
    assert [r["id"] for r in rows] == [n.id for n in catalog]
    assert aliases == list(catalog[0].aliases)
    assert float(rows[0]["default_distance_mm"]) == catalog[0].default_distance_mm
    for r in rows:
        assert set(r) >= {"id", "name", "aliases", "indications", "default_distance_mm", "source"}
        assert float(r["default_distance_mm"]) > 0 and r["source"]


def test_nerves_as_csv_write_cells_as_the_data_file_does(cli):
    rows = list(csv.DictReader(io.StringIO(cli("nerves", "--format", "csv").stdout)))
    knee = next(r for r in rows if r["id"] == "genicular_superolateral")
    assert knee["skin_territory"] == "no" and knee["default_distance_mm"] == "35"
