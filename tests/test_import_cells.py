"""Cells on the way in and out: control characters, formulas, any length, admin limits."""

from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from tests.importing import run_import, snapshot
from tracker.importing.readers import Workbook
from tracker.models import Event, Station

HYPERLINK = '\x01=HYPERLINK("http://x","y")'


@pytest.mark.django_db
def test_a_control_character_in_a_cell_is_rejected_naming_row_and_column(tmp_path):
    sheet = tmp_path / "control.csv"
    sheet.write_text(f'code,summary\nNLD01,ok\nIRL01,"{HYPERLINK}"\n', encoding="utf-8")
    before = snapshot()

    code, out, _ = run_import("stations", sheet)

    assert code == 1
    assert "row 3, column summary: holds the control character U+0001 at character 1" in out
    assert snapshot() == before


@pytest.mark.django_db
def test_tabs_and_line_breaks_are_kept_and_carriage_returns_normalised(tmp_path):
    sheet = tmp_path / "lines.csv"
    sheet.write_bytes(b'code,summary\r\nNLD01,"one\r\ntwo\rthree\tfour"\r\n')

    code, out, _ = run_import("stations", sheet)

    assert code == 0, out
    assert Station.objects.get(code="NLD01").summary == "one\ntwo\nthree\tfour"


def exported_cells(path, suffix):
    """Every cell of every sheet as the file holds it, with formulas told apart."""
    if suffix == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", cell.value
                    yield str(cell.value or "")
        return
    if suffix == "ods":
        import zipfile

        content = zipfile.ZipFile(path).read("content.xml").decode()
        assert "table:formula" not in content
    with path.open("rb") as stream, Workbook(stream, suffix) as book:
        for name in book.names():
            for _, values in book.rows(name):
                yield from values


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["csv", "xlsx", "ods"])
def test_no_export_carries_a_live_formula(tmp_path, suffix):
    # Stored text that turns into a formula once a control character is dropped.
    Station.objects.filter(code="NLD01").update(summary=HYPERLINK, host="\x02+1", city="=1+1")
    Event.objects.filter(pk=Event.objects.first().pk).update(title="\x1f@SUM(A1)")
    path = tmp_path / f"all.{suffix}"
    kind = "stations" if suffix == "csv" else "all"

    call_command("export_sheet", kind, str(path), stdout=StringIO())

    cells = list(exported_cells(path, suffix))
    assert '\'=HYPERLINK("http://x","y")' in cells
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert not any("\x01" in cell or "\x02" in cell for cell in cells)


@pytest.mark.django_db
def test_the_public_csv_carries_no_live_formula(client):
    Station.objects.filter(code="NLD01").update(summary=HYPERLINK, city="=1+1")

    response = client.get("/stations.csv")

    text = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK(" in text and "\x01" not in text
    assert ",=1+1" not in text and ",'=1+1" in text


@pytest.mark.django_db
def test_fifty_thousand_rows_through_the_command_line(tmp_path):
    sheet = tmp_path / "events.csv"
    with sheet.open("w", encoding="utf-8") as out:
        out.write("slug,date,type,title,countries,sources\n")
        for n in range(50_000):
            out.write(f"bulk-{n},2023-{1 + n % 12:02d},report,Event {n},NLD,"
                      "wikipedia-overseas-stations\n")  # fmt: skip
    before = Event.objects.count()

    code, out, _ = run_import("events", sheet)

    assert code == 0, out[-500:]
    assert "50000 new, 0 changed, 0 unchanged, 0 rejected" in out
    assert Event.objects.count() == before + 50_000
    event = Event.objects.get(slug="bulk-49999")
    assert list(event.countries.values_list("code", flat=True)) == ["NLD"]
    assert event.citations.get().source.key == "wikipedia-overseas-stations"
    record = event.history.get()
    assert (record.history_type, record.history_change_reason) == ("+", "import_sheet events.csv")
    assert [link.country_id for link in record.countries.all()] == ["NLD"]


@pytest.mark.django_db
def test_the_admin_refuses_a_big_upload_and_points_to_the_command(editor_client, settings):
    settings.TRACKER_IMPORT_MAX_BYTES = 100
    upload = SimpleUploadedFile("big.csv", b"code,city\n" + b"NLD01,Amsterdam\n" * 20)

    response = editor_client.post(
        reverse("admin:tracker_station_import"),
        {"import_file": upload, "format": "0", "resource": "0"},
    )

    page = response.content.decode()
    assert "more than the 0 KB an import takes through the admin" in page
    assert "python manage.py import_sheet KIND FILE" in page
