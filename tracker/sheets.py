"""Reading and writing spreadsheet files safely: .csv, .xlsx and .ods.

Limits on size, rows and uncompressed size are enforced before any parsing,
so a hostile file is refused unread. Every cell written is neutralised when a
spreadsheet would run it as a formula; reading strips exactly that quote
again. The Resources in ``resources.py`` and the admin's import formats read
and write through these functions.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from datetime import date, datetime, time
from xml.etree.ElementTree import iterparse

import tablib
from django.conf import settings
from import_export.formats import base_formats

MB = 1024 * 1024


def max_bytes() -> int:
    """Largest file an import reads (TRACKER_IMPORT_MAX_BYTES, 10 MB)."""
    return getattr(settings, "TRACKER_IMPORT_MAX_BYTES", 10 * MB)


def max_rows() -> int:
    """Most data rows one sheet may hold (TRACKER_IMPORT_MAX_ROWS)."""
    return getattr(settings, "TRACKER_IMPORT_MAX_ROWS", 20_000)


def max_uncompressed() -> int:
    """Most bytes an .xlsx or .ods may expand to before it is parsed."""
    return getattr(settings, "TRACKER_IMPORT_MAX_UNCOMPRESSED_BYTES", 80 * MB)


# Blank rows inside a sheet are tolerated up to this many beyond the row limit.
BLANK_ROW_SLACK = 1_000
# Columns beyond this are refused: no tracker sheet comes near it.
MAX_COLUMNS = 100


def _size(n: int) -> str:
    return f"{n / MB:,.1f} MB" if n >= MB / 10 else f"{n / 1024:,.0f} KB"


class SheetError(Exception):
    """A file that cannot be imported at all: one message for a person, no traceback."""


class StalePreviewError(SheetError):
    """Records changed between the admin preview and its confirmation."""


# --- Formula neutralisation ----------------------------------------------------------

# What a spreadsheet would run as a formula (or DDE) when it opens the file.
_DANGEROUS = re.compile(r"^'*[=+\-@\t\r]")
# A cell that carries our protective quote: one or more quotes, then a dangerous start.
_PROTECTED = re.compile(r"^'+[=+\-@\t\r]")


def neutralise(value: str) -> str:
    """Prefix a single quote to a cell a spreadsheet would treat as a formula.

    Cells that already start with quotes before such a character get one more,
    so that ``unneutralise`` can always strip exactly one.
    """
    if value and _DANGEROUS.match(value):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """Undo ``neutralise``: strip the one quote an export put before a formula start."""
    if value.startswith("'") and _PROTECTED.match(value):
        return value[1:]
    return value


# --- Reading files -------------------------------------------------------------------


def cell_text(value) -> str:
    """A cell from any reader as the text the import parses.

    Spreadsheet programs type cells: LibreOffice reads ``2022`` as a number
    and hands over 2022.0; dates arrive as datetimes, booleans as bools.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _trim(rows: list[list[str]]) -> list[list[str]]:
    """Drop trailing blank rows, which spreadsheet programs often leave behind."""
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    return rows


def _check_row_count(count: int) -> None:
    if count > max_rows() + 1 + BLANK_ROW_SLACK:
        raise SheetError(
            f"The sheet has more than {max_rows():,} rows, the most one import takes: "
            "split it into smaller files."
        )


def _read_csv(data: bytes) -> dict[str, list[list[str]]]:
    if data[:2] == b"PK":
        raise SheetError(
            "This file is a workbook (.xlsx or .ods), not CSV text: save it with "
            "the matching suffix or choose its format."
        )
    if b"\x00" in data[:8192]:
        raise SheetError("This file is not CSV text: it holds binary data.")
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SheetError(
            f"This CSV file is not UTF-8 text (byte {error.start + 1} cannot be read): "
            "save it as “CSV UTF-8” and import it again."
        ) from None
    first_line = content.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    rows = []
    try:
        for row in reader:
            rows.append(row)
            _check_row_count(len(rows))
    except csv.Error as error:
        raise SheetError(
            f"The CSV file cannot be read at row {reader.line_num}: {error}."
        ) from None
    return {"": _trim(rows)}


def _open_zip(data: bytes, suffix: str, marker: str) -> zipfile.ZipFile:
    """Open a workbook's zip and refuse one that would inflate enormously."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise SheetError(f"This file is not a readable {suffix} workbook.") from None
    if marker not in names:
        raise SheetError(f"This file is not a readable {suffix} workbook.")
    expanded = sum(info.file_size for info in archive.infolist())
    if expanded > max_uncompressed():
        raise SheetError(
            f"This {suffix} file expands to {_size(expanded)} when opened, more than the "
            f"{_size(max_uncompressed())} an import allows: it was refused unread. Split it "
            "or save it as CSV."
        )
    return archive


def _read_xlsx(data: bytes, wanted: Callable[[str, int], bool]) -> dict[str, list[list[str]]]:
    import openpyxl

    _open_zip(data, ".xlsx", "xl/workbook.xml")
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        raise SheetError(f"This .xlsx workbook cannot be read ({type(error).__name__}).") from None
    sheets = {}
    try:
        for index, sheet in enumerate(book.worksheets):
            if not wanted(sheet.title, index):
                continue
            # The declared dimension is checked before a single row is parsed.
            declared = getattr(sheet, "max_row", None)
            if declared:
                _check_row_count(declared)
            rows = []
            for values in sheet.iter_rows(values_only=True):
                if len(values) > MAX_COLUMNS:
                    values = _cut_columns(values)
                rows.append([cell_text(value) for value in values])
                _check_row_count(len(rows))
            sheets[sheet.title] = _trim(rows)
    except SheetError:
        raise
    except Exception as error:
        raise SheetError(f"This .xlsx workbook cannot be read ({type(error).__name__}).") from None
    finally:
        book.close()
    return sheets


def _cut_columns(values):
    if any(value not in (None, "") for value in values[MAX_COLUMNS:]):
        raise SheetError(f"The sheet has more than {MAX_COLUMNS} columns.")
    return values[:MAX_COLUMNS]


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_ODS_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


def _ods_text(element) -> str:
    """Text of an ODF paragraph with its spaces, tabs and line breaks."""
    parts = [element.text or ""]
    for child in element:
        tag = child.tag
        if tag == _ODS_TEXT + "s":
            parts.append(" " * int(child.get(_ODS_TEXT + "c", "1")))
        elif tag == _ODS_TEXT + "tab":
            parts.append("\t")
        elif tag == _ODS_TEXT + "line-break":
            parts.append("\n")
        elif tag != _ODS_OFFICE + "annotation":
            parts.append(_ods_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _ods_cell(element) -> str:
    kind = element.get(_ODS_OFFICE + "value-type")
    if kind in ("float", "percentage", "currency"):
        try:
            return cell_text(float(element.get(_ODS_OFFICE + "value", "")))
        except ValueError:
            pass
    elif kind == "date":
        value = element.get(_ODS_OFFICE + "date-value", "")
        return value[:10] if value.endswith("T00:00:00") or len(value) == 10 else value
    elif kind == "boolean":
        return "yes" if element.get(_ODS_OFFICE + "boolean-value") == "true" else "no"
    paragraphs = [_ods_text(child) for child in element if child.tag == _ODS_TEXT + "p"]
    return "\n".join(paragraphs)


def _read_ods(data: bytes, wanted: Callable[[str, int], bool]) -> dict[str, list[list[str]]]:
    """Stream an .ods content.xml, expanding repeated rows and cells lazily.

    LibreOffice writes the unused rest of a sheet as one row "repeated"
    a million times; those are counted, never materialised, unless real data
    follows them.
    """
    archive = _open_zip(data, ".ods", "content.xml")
    sheets: dict[str, list[list[str]]] = {}
    index = -1
    name = ""
    rows: list[list[str]] = []
    row: list[str] = []
    blank_cells = 0
    blank_rows = 0
    try:
        with archive.open("content.xml") as content:
            # ElementTree resolves no external entities, and the expat it uses
            # (>= 2.4) limits entity expansion; content.xml's size is capped above.
            for event, element in iterparse(content, events=("start", "end")):  # noqa: S314
                tag = element.tag
                if event == "start":
                    if tag == _ODS_TABLE + "table":
                        index += 1
                        name = element.get(_ODS_TABLE + "name", f"Sheet{index + 1}")
                        rows, blank_rows = [], 0
                    elif tag == _ODS_TABLE + "table-row":
                        row, blank_cells = [], 0
                    continue
                if tag in (_ODS_TABLE + "table-cell", _ODS_TABLE + "covered-table-cell"):
                    repeat = int(element.get(_ODS_TABLE + "number-columns-repeated", "1"))
                    value = _ods_cell(element)
                    if value == "":
                        blank_cells += repeat
                    else:
                        if len(row) + blank_cells + repeat > MAX_COLUMNS:
                            raise SheetError(f"The sheet has more than {MAX_COLUMNS} columns.")
                        row.extend([""] * blank_cells + [value] * repeat)
                        blank_cells = 0
                    element.clear()
                elif tag == _ODS_TABLE + "table-row":
                    repeat = int(element.get(_ODS_TABLE + "number-rows-repeated", "1"))
                    if not row:
                        blank_rows += repeat
                    else:
                        _check_row_count(len(rows) + blank_rows + repeat)
                        rows.extend([[] for _ in range(blank_rows)])
                        rows.extend([list(row) for _ in range(repeat)])
                        blank_rows = 0
                    element.clear()
                elif tag == _ODS_TABLE + "table":
                    if wanted(name, index):
                        sheets[name] = rows
                    rows = []
                    element.clear()
    except SheetError:
        raise
    except Exception as error:
        raise SheetError(f"This .ods workbook cannot be read ({type(error).__name__}).") from None
    return sheets


FORMATS = ("csv", "xlsx", "ods")


def suffix_of(file_name: str) -> str:
    """The format of a file from its name: ``csv``, ``xlsx`` or ``ods``."""
    suffix = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if suffix not in FORMATS:
        raise SheetError(
            f"“{file_name}” is not a .csv, .xlsx or .ods file: save the sheet in one "
            "of those formats."
        )
    return suffix


def read_sheets(data: bytes, suffix: str, wanted=None) -> dict[str, list[list[str]]]:
    """Read a file's sheets as rows of text cells, refusing oversized files unread.

    ``wanted(name, index)`` picks the sheets worth parsing (all by default).
    """
    if len(data) > max_bytes():
        raise SheetError(
            f"The file is {_size(len(data))}, more than the {_size(max_bytes())} an import "
            "takes: split it into smaller files."
        )
    if not data.strip():
        raise SheetError("The file is empty.")
    wanted = wanted or (lambda name, index: True)
    if suffix == "csv":
        return _read_csv(data)
    if suffix == "xlsx":
        return _read_xlsx(data, wanted)
    if suffix == "ods":
        return _read_ods(data, wanted)
    raise SheetError(f"Unknown format “{suffix}”: use .csv, .xlsx or .ods.")


def rows_to_dataset(rows: list[list[str]], title: str = "") -> tablib.Dataset:
    """A header row and data rows as a tablib Dataset (rows padded to the header)."""
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise SheetError(
            "The first row must hold the column names, and it is empty."
            if rows
            else "The file is empty."
        )
    width = max(len(row) for row in rows)
    header = [*rows[0], *[""] * (width - len(rows[0]))]
    dataset = tablib.Dataset(headers=header, title=title or None)
    for row in rows[1:]:
        dataset.append([*row, *[""] * (width - len(row))])
    return dataset


def read_dataset(data: bytes, suffix: str, kind: str = "") -> tablib.Dataset:
    """The sheet of one kind: the sheet named after it in a workbook, else the first."""

    def wanted(name, index):
        return index == 0 or name.strip().lower() == kind

    sheets = read_sheets(data, suffix, wanted)
    if not sheets:
        raise SheetError("The workbook has no sheet.")
    named = [name for name in sheets if name.strip().lower() == kind]
    rows = sheets[named[0]] if named else next(iter(sheets.values()))
    return rows_to_dataset(rows, title=kind)


def write_sheets(datasets: dict[str, tablib.Dataset], suffix: str) -> bytes:
    """Write one sheet per dataset; CSV takes exactly one."""
    if suffix == "csv":
        if len(datasets) != 1:
            raise SheetError("A CSV file holds one sheet: export one kind, or use .xlsx or .ods.")
        (dataset,) = datasets.values()
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(dataset.headers)
        writer.writerows(dataset)
        # The BOM makes Excel read the file as UTF-8 (Chinese names stay legible).
        return buffer.getvalue().encode("utf-8-sig")
    if suffix == "xlsx":
        return _write_xlsx(datasets)
    if suffix == "ods":
        return _write_ods(datasets)
    raise SheetError(f"Unknown format “{suffix}”: use .csv, .xlsx or .ods.")


def _write_xlsx(datasets):
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    for name, dataset in datasets.items():
        sheet = book.create_sheet(title=name or "Sheet1")
        sheet.append(list(dataset.headers))
        for row in dataset:
            # Control characters cannot be stored in .xlsx at all.
            sheet.append([ILLEGAL_CHARACTERS_RE.sub("", str(cell)) for cell in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_ods(datasets):
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.teletype import addTextToElement
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    for name, dataset in datasets.items():
        table = Table(name=name or "Sheet1")
        for values in [dataset.headers, *dataset]:
            row = TableRow()
            for value in values:
                # Every cell is text: "2022" must not turn into a number.
                cell = TableCell(valuetype="string")
                if value:
                    paragraph = P()
                    addTextToElement(paragraph, str(value))
                    cell.addElement(paragraph)
                row.addElement(cell)
            table.addElement(row)
        document.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


# --- import_export format classes (admin) ---------------------------------------------


class SheetFormat(base_formats.Format):
    """A format the admin offers, reading bytes through the safe readers above.

    django-import-export 4.4 reads .ods uploads as text and fails; these formats
    are all binary, so the admin hands over the file's bytes unchanged.
    """

    suffix = "csv"
    content_type = "text/csv"
    kind = ""

    def __init__(self, encoding=None):
        self.encoding = encoding

    def get_title(self):
        return self.suffix

    def create_dataset(self, in_stream):
        if isinstance(in_stream, str):
            in_stream = in_stream.encode("utf-8")
        return read_dataset(in_stream, self.suffix, self.kind)

    def export_data(self, dataset, **kwargs):
        return write_sheets({dataset.title or "Sheet1": dataset}, self.suffix)

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def get_extension(self):
        return self.suffix

    def get_content_type(self):
        return self.content_type

    def can_import(self):
        return True

    def can_export(self):
        return True


class CSVSheet(SheetFormat):
    suffix = "csv"
    content_type = "text/csv"


class XLSXSheet(SheetFormat):
    suffix = "xlsx"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ODSSheet(SheetFormat):
    suffix = "ods"
    content_type = "application/vnd.oasis.opendocument.spreadsheet"


SHEET_FORMATS = [CSVSheet, XLSXSheet, ODSSheet]
