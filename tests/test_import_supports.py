"""The citations sheet's ``supports`` column: which facts each citation backs."""

import csv

import pytest
from django.core.management import call_command

from tracker.models import Citation

from .importing import run_import, snapshot

pytestmark = pytest.mark.django_db


def write_sheet(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as sheet:
        csv.writer(sheet).writerows([["source", "station", "event", "supports"], *rows])


def test_supports_round_trips_through_the_citations_sheet(tmp_path):
    exported = tmp_path / "citations.csv"
    call_command("export_sheet", "citations", str(exported))
    rows = list(csv.DictReader(exported.open(encoding="utf-8-sig")))
    irl = next(r for r in rows if r["station"] == "IRL01" and r["source"] == "bbc-2022-10-dublin")
    assert irl["supports"] == "city; location; status"

    changed = tmp_path / "changed.csv"
    write_sheet(changed, [["bbc-2022-10-dublin", "IRL01", "", "status ; city"]])
    code, out, err = run_import("citations", changed)
    assert code == 0, err
    citation = Citation.objects.get(station__code="IRL01", source__key="bbc-2022-10-dublin")
    # Checked, without repeats, in the order the page shows the facts.
    assert citation.supports == ["city", "status"]

    # The same file again changes nothing.
    before = snapshot()
    assert run_import("citations", changed)[0] == 0
    assert snapshot() == before


def test_a_fact_of_another_kind_of_record_is_refused_by_row_and_column(tmp_path):
    sheet = tmp_path / "wrong.csv"
    write_sheet(sheet, [["bbc-2022-10-dublin", "IRL01", "", "date"]])
    before = snapshot()
    code, out, err = run_import("citations", sheet)
    assert code == 1
    said = out + err
    assert "row 2" in said.lower() and "supports" in said, said
    assert "date is not a fact of a station" in said
    assert snapshot() == before
