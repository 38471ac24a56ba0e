"""The limits on what a workbook may make the readers build, and what real files still do.

The hostile files themselves run in subprocesses (tests/test_import_hostile.py);
here the readers are called in-process, on small files, with limits lowered
where a real file at the limit would be slow to build.
"""

import io
import sys
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from tracker.importing import archives
from tracker.importing.cells import SheetError
from tracker.importing.readers import Workbook

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
sys.path.insert(0, str(ROOT / "bench"))

from hostile_sheets import (  # noqa: E402 (bench/hostile_sheets.py builds the files)
    MAIN,
    cell,
    header,
    ods,
    row,
    sheet,
    stations,
    table,
    xlsx,
)


def rows_of(data: bytes, suffix: str, name=None) -> list:
    with Workbook(io.BytesIO(data), suffix) as book:
        return list(book.rows(name))


def test_an_ods_repeating_a_few_rows_and_blank_cells_reads_as_before():
    # LibreOffice writes two identical rows, and two blank cells, as one repeated.
    data = stations(
        row(cell("ISL01"), cell(repeat=2), cell("x", repeat=2), repeat=3)
        + row(cell(repeat=1024), repeat=1_048_000)
        + row(cell("MLT01"), cell("Valletta"))
    )

    assert rows_of(data, "ods") == [
        (1, ["code", "city"]),
        (2, ["ISL01", "", "", "x", "x"]),
        (3, ["ISL01", "", "", "x", "x"]),
        (4, ["ISL01", "", "", "x", "x"]),
        (1_048_005, ["MLT01", "Valletta"]),
    ]


def test_the_repeated_cells_of_an_ods_are_counted_over_all_its_sheets():
    def sheet_of(kind):
        return table(kind, header("slug", "name") + row(cell("a"), cell("b"), repeat=1_000) * 3)

    data = ods(sheet_of("bureaus"), sheet_of("events"))
    with Workbook(io.BytesIO(data), "ods") as book:
        assert len(list(book.rows("bureaus"))) == 3_001  # 5,994 repeated cells: within
        with pytest.raises(SheetError, match="hold more than 10,000 cells"):
            list(book.rows("events"))


def test_an_ods_reader_keeps_no_rows_behind_it():
    # Rows in a row group stayed in the parsed tree until the group ended: 40,000 rows
    # of one group held 11 MB; now the tree holds one row at a time.
    rows = "".join(row(cell(f"ISL{n}"), cell("Reykjavik")) for n in range(40_000))
    data = stations(f"<table:table-row-group>{rows}</table:table-row-group>")

    with Workbook(io.BytesIO(data), "ods") as book:
        tracemalloc.start()
        try:
            for _ in book.rows("stations"):
                pass
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert peak < 2 * 1024 * 1024, peak


def test_blank_cells_beyond_the_last_column_are_read_no_wider_than_the_sheets():
    rows = b'<row r="2"><c r="A2" t="inlineStr"><is><t>ISL01</t></is></c><c r="XFD2"/></row>'
    data = xlsx({"xl/worksheets/sheet1.xml": sheet(rows)})

    read = rows_of(data, "xlsx")

    assert [number for number, _ in read] == [1, 2]
    assert read[1][1][0] == "ISL01" and len(read[1][1]) == 100


def test_a_value_beyond_the_last_column_is_refused_before_reading():
    rows = b'<row r="2"><c r="A2"><v>1</v></c><c r="CW2"><v>2</v></c></row>'

    with pytest.raises(SheetError, match="Row 2 has more than 100 columns"):
        rows_of(xlsx({"xl/worksheets/sheet1.xml": sheet(rows)}), "xlsx")


def test_a_workbook_saved_with_a_shared_strings_table_reads():
    # LibreOffice's .xlsx keeps its texts in a shared-strings table.
    read = rows_of((DATA / "stations_new_libreoffice.xlsx").read_bytes(), "xlsx")

    assert read[1][1][0] == "ISL01"


def strings_table(texts: int, cells: int) -> bytes:
    table = b"<sst " + MAIN.encode() + b">"
    table += b"".join(b"<si><t>text %d</t></si>" % n for n in range(texts)) + b"</sst>"
    rows = b"".join(b'<row r="%d"><c r="A%d" t="s"><v>%d</v></c></row>' % (n + 2, n + 2, n)
                    for n in range(cells))  # fmt: skip
    return xlsx({"xl/worksheets/sheet1.xml": sheet(rows)}, strings=table)


def test_the_shared_strings_table_holds_no_more_texts_than_its_cells_use():
    assert len(rows_of(strings_table(texts=1_500, cells=1_500), "xlsx")) == 1_501

    with pytest.raises(SheetError, match=r"more than 1,500 texts \(more than its cells use\)"):
        rows_of(strings_table(texts=1_501, cells=500), "xlsx")


def test_the_shared_strings_table_is_bounded_even_when_cells_use_it(monkeypatch):
    monkeypatch.setattr(archives, "MAX_SHARED_STRINGS", 100)

    with pytest.raises(SheetError, match="holds more than 100 texts: refused unread"):
        rows_of(strings_table(texts=101, cells=101), "xlsx")


def test_the_shared_strings_table_is_bounded_in_bytes(monkeypatch):
    monkeypatch.setattr(archives, "MAX_SHARED_STRINGS_BYTES", 1_000)

    with pytest.raises(SheetError, match="sharedStrings.xml\\) is 2 KB, more than the 1 KB"):
        rows_of(strings_table(texts=101, cells=101), "xlsx")


def test_a_part_openpyxl_loads_whole_is_bounded_whatever_its_root(monkeypatch):
    # Rows in styles.xml are not read row by row: every element counts.
    monkeypatch.setattr(archives, "MAX_LOADED_ELEMENTS", 1_000)
    rows = b"".join(b'<row r="%d"/>' % n for n in range(1, 2_000))
    styles = b"<worksheet " + MAIN.encode() + b"><sheetData>" + rows + b"</sheetData></worksheet>"

    with pytest.raises(SheetError, match="more than 1,000 elements that must be read whole"):
        rows_of(xlsx({"xl/styles.xml": styles}), "xlsx")


def test_a_zip_whose_directory_holds_more_parts_than_its_end_record_says_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("content.xml", "<x/>")
        for number in range(1_500):
            archive.writestr(f"p/{number}", "")
    data = bytearray(buffer.getvalue())
    end = data.rindex(b"PK\x05\x06")
    data[end + 8 : end + 12] = (3).to_bytes(2, "little") * 2  # "3 entries"

    with pytest.raises(SheetError, match="more than 1,000 parts"):
        rows_of(bytes(data), "ods")
