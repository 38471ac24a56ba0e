"""Backup and restore: ``export_sheet all`` then ``import_sheet all`` into empty tables."""

from io import StringIO

import pytest
from django.core.management import call_command

from tracker.models import Citation, Event, Source, Station
from tracker.resources import KINDS


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["xlsx", "ods"])
def test_restore_from_a_workbook_gives_byte_identical_exports(tmp_path, suffix):
    def export_csvs(prefix):
        files = {}
        for kind in KINDS:
            path = tmp_path / f"{prefix}-{kind}.csv"
            call_command("export_sheet", kind, str(path), stdout=StringIO())
            files[kind] = path.read_bytes()
        return files

    backup = tmp_path / f"backup.{suffix}"
    call_command("export_sheet", "all", str(backup), stdout=StringIO())
    before = export_csvs("before")
    Citation.objects.all().delete()
    Event.objects.all().delete()
    Station.objects.all().delete()
    Source.objects.all().delete()

    out = StringIO()
    call_command("import_sheet", "all", str(backup), stdout=out)

    assert "stations: 70 new" in out.getvalue()
    assert export_csvs("after") == before


@pytest.mark.django_db
def test_a_workbook_with_a_rejected_row_restores_nothing(tmp_path):
    from openpyxl import load_workbook

    backup = tmp_path / "backup.xlsx"
    call_command("export_sheet", "all", str(backup), stdout=StringIO())
    book = load_workbook(backup)
    book["events"]["C2"] = "picnic"  # not a type of event
    book.save(backup)
    Station.objects.filter(code="NLD01").update(city="Changed")

    out = StringIO()
    with pytest.raises(SystemExit) as exit:
        call_command("import_sheet", "all", str(backup), stdout=out)

    assert exit.value.code == 1
    assert "events row 2, column type: “picnic” is not a type of event" in out.getvalue()
    assert Station.objects.get(code="NLD01").city == "Changed"  # stations sheet rolled back
