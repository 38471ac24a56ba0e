"""Rejected imports: every rejected row listed with row, column and reason; nothing written."""

import io
import zipfile

import pytest
from openpyxl import Workbook

from tests.importing import DATA, run_import, snapshot
from tracker.models import Station


@pytest.fixture
def unchanged_database(db):
    """Asserts after the test that the import wrote nothing at all."""
    before = snapshot()
    yield
    assert snapshot() == before


def test_every_rejected_row_is_listed_with_its_row_column_and_reason(unchanged_database):
    code, out, _ = run_import("stations", DATA / "stations_errors.csv")

    assert code == 1
    lines = out.splitlines()
    assert "row 2, column country: “Narnia” is not a country" in lines[0]
    assert "row 3, column capital: “maybe” is not yes or no." in lines[1]
    assert "row 4, column bureau: “gotham” is not a bureau" in lines[2]
    assert "row 5, column code: ISL04 does not match the country NLD" in lines[3]
    assert "row 6, column active: the range ends (2018) before it starts (2022)." in lines[4]
    assert "row 7, column code: ISL05 is also on row 6." in lines[5]
    assert "row 8, column status: “shut” is not a status" in lines[6]
    assert "1 new, 0 changed, 0 unchanged, 7 rejected" in out
    assert "Nothing was imported" in out
    assert not Station.objects.filter(code="ISL07").exists()  # valid, yet not imported


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"\xff\xfe\x00c\x00o", "not CSV text"),
        (b"code;country\nNLD01;Nederland\xe9\n", "not UTF-8 text"),
        (b"code,country,colour\nNLD01,NLD,red\n", "Unknown column “colour”"),
        (b"city,country\nAmsterdam,NLD\n", "The header has no code column"),
        (b"code,code\nNLD01,NLD01\n", "Column code appears more than once"),
        (b"PK\x03\x04 not really a zip", "not CSV text"),
    ],
)
def test_unreadable_csv_gives_one_message_and_status_2(
    tmp_path, unchanged_database, content, message
):
    sheet = tmp_path / "sheet.csv"
    sheet.write_bytes(content)

    code, out, err = run_import("stations", sheet)

    assert code == 2
    assert message in err
    assert "Traceback" not in err + out
    assert len(err.strip().splitlines()) == 1


def test_a_broken_workbook_is_refused(tmp_path, unchanged_database):
    for suffix in ("xlsx", "ods"):
        sheet = tmp_path / f"broken.{suffix}"
        sheet.write_bytes(b"this is not a workbook")
        code, _, err = run_import("stations", sheet)
        assert code == 2
        assert f"not a readable .{suffix} workbook" in err


def test_a_file_that_is_not_a_spreadsheet_is_refused(tmp_path, unchanged_database):
    sheet = tmp_path / "stations.pdf"
    sheet.write_bytes(b"%PDF-1.4")

    code, _, err = run_import("stations", sheet)

    assert code == 2
    assert "is not a .csv, .xlsx or .ods file" in err


def test_a_missing_file_is_refused(tmp_path, unchanged_database):
    code, _, err = run_import("stations", tmp_path / "nowhere.csv")

    assert code == 2
    assert "cannot be read" in err


def test_the_command_line_has_no_size_or_row_limit(tmp_path, settings, unchanged_database):
    # The admin's upload limits do not apply to import_sheet: it streams any size.
    settings.TRACKER_IMPORT_MAX_BYTES = 1000
    sheet = tmp_path / "big.csv"
    sheet.write_text(
        "code,city\n" + "".join(f"XXX{n:02d},Nowhere\n" for n in range(100)), encoding="utf-8"
    )

    code, out, err = run_import("stations", sheet, "--dry-run")

    assert code == 1, err  # read whole: every row is checked (and these codes are unknown)
    assert "100 rejected" in out


def test_an_xlsx_with_a_cell_on_its_last_row_is_read_row_by_row(tmp_path, unchanged_database):
    # A tiny file whose sheet reaches row 1,048,576: read as the rows it holds, quickly.
    book = Workbook()
    book.active.append(["code", "city"])
    book.active.append(["NLD01", "Amsterdam"])
    book.active["B1048576"] = "x"
    buffer = io.BytesIO()
    book.save(buffer)
    sheet = tmp_path / "million.xlsx"
    sheet.write_bytes(buffer.getvalue())

    code, out, _ = run_import("stations", sheet)

    assert code == 1
    assert "row 1048576, column code" in out


def test_an_xlsx_that_inflates_enormously_is_refused_unparsed(tmp_path, unchanged_database):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<row/>" * 2_000_000)  # 12 MB of XML
    sheet = tmp_path / "bomb.xlsx"
    sheet.write_bytes(buffer.getvalue())
    assert sheet.stat().st_size < 100_000

    code, _, err = run_import("stations", sheet)

    assert code == 2
    assert "expands to 11.4 MB when opened" in err


def test_an_ods_with_a_million_repeated_rows_is_refused(tmp_path, unchanged_database):
    content = (
        '<?xml version="1.0"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
        '<office:body><office:spreadsheet><table:table table:name="stations">'
        "<table:table-row><table:table-cell><text:p>code</text:p></table:table-cell></table:table-row>"
        '<table:table-row table:number-rows-repeated="1000000">'
        "<table:table-cell><text:p>NLD01</text:p></table:table-cell></table:table-row>"
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("content.xml", content)
    sheet = tmp_path / "repeat.ods"
    sheet.write_bytes(buffer.getvalue())

    code, _, err = run_import("stations", sheet)

    assert code == 2
    assert "is repeated 1,000,000 times" in err


def test_a_new_station_without_its_required_columns_is_rejected(tmp_path, unchanged_database):
    sheet = tmp_path / "partial.csv"
    sheet.write_text("code,city\nISL01,Reykjavík\nNLD01,Amsterdam\n", encoding="utf-8")

    code, out, _ = run_import("stations", sheet)

    assert code == 1
    assert (
        "row 2, column country: a new station needs a country (the sheet has no such column)."
        in out
    )
    assert "row 2, column bureau: a new station needs a bureau" in out
    assert "0 new, 0 changed, 1 unchanged, 1 rejected" in out


def test_unknown_source_key_is_rejected(tmp_path, unchanged_database):
    sheet = tmp_path / "sources.csv"
    sheet.write_text("code,sources\nNLD01,no-such-source;wikipedia-overseas-stations\n")

    code, out, _ = run_import("stations", sheet)

    assert code == 1
    assert "row 2, column sources: “no-such-source” is not a known source key." in out


def test_citation_rows_name_the_column_at_fault(tmp_path, unchanged_database):
    sheet = tmp_path / "citations.csv"
    sheet.write_text(
        "source,station,event,locator\n"
        "wikipedia-overseas-stations,XXX99,,p. 1\n"
        "wikipedia-overseas-stations,NLD01,2014-assistance-centres-first-established,\n"
        "no-such-source,NLD01,,\n"
    )

    code, out, _ = run_import("citations", sheet)

    assert code == 1
    assert "row 2, column station: “XXX99” is not a known station code." in out
    assert "row 3, column station: a citation supports exactly one record" in out
    assert "row 4, column source: “no-such-source” is not a known source key." in out


def test_a_published_row_needs_a_citation(tmp_path, unchanged_database):
    sheet = tmp_path / "published.csv"
    sheet.write_text("code,country,bureau,state\nISL01,ISL,fuzhou,published\n")

    code, out, _ = run_import("stations", sheet)

    assert code == 1
    assert "row 2, column state: a published station needs a citation" in out


def test_a_published_station_cannot_move_to_review(tmp_path, unchanged_database):
    sheet = tmp_path / "review.csv"
    sheet.write_text("code,state\nNLD01,review\n")

    code, out, _ = run_import("stations", sheet)

    assert code == 1
    assert "row 2, column state: a published station cannot move to in review." in out


def test_workbook_with_a_stray_sheet_is_refused(tmp_path, unchanged_database):
    book = Workbook()
    book.active.title = "stations"
    book.active.append(["code"])
    extra = book.create_sheet("Notes")
    extra.append(["remember the milk"])
    sheet = tmp_path / "book.xlsx"
    book.save(sheet)

    code, _, err = run_import("all", sheet)

    assert code == 2
    assert "The workbook has sheet “Notes”" in err
