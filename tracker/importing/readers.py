"""Streaming readers for .csv, .xlsx and .ods, bounded against hostile files.

Each reader yields ``(row number, cells)`` one row at a time, so a file of
any length is read in constant memory; blank rows are skipped but counted,
so row numbers stay the spreadsheet's own. Every limit is checked before the
memory it guards is taken: a CSV line's length and separators before it is
split; a workbook's parts, sizes and what openpyxl would hold before anything
is parsed (``archives.py``); an .ods cell's repeated spaces, columns and rows
before they are expanded, and the cells repeated rows produce in the whole
file (limits in ``cells.py``). A file that breaks one ends with one
``SheetError``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree.ElementTree import iterparse

from .archives import open_archive, scan_ods, scan_xlsx
from .cells import (
    MAX_CELL_CHARS,
    MAX_CELL_ELEMENTS,
    MAX_COLUMNS,
    MAX_EXPANDED_BYTES,
    MAX_LINE_CHARS,
    MAX_REPEATED_CELLS,
    MAX_ROW_REPEAT,
    SheetError,
    cell_text,
    size_text,
)

FORMATS = ("csv", "xlsx", "ods")
Rows = Iterator[tuple[int, list[str]]]


@dataclass(frozen=True)
class Limits:
    """Size limits on top of the fixed caps: the admin sets them, the command line does not."""

    max_bytes: int | None = None
    max_expanded: int = MAX_EXPANDED_BYTES


def suffix_of(file_name: str) -> str:
    """The format of a file from its name: ``csv``, ``xlsx`` or ``ods``."""
    suffix = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if suffix not in FORMATS:
        raise SheetError(
            f"“{file_name}” is not a .csv, .xlsx or .ods file: save the sheet in one "
            "of those formats."
        )
    return suffix


def _fit_row(number: int, values) -> list[str]:
    """Cells as text, at most MAX_COLUMNS of them and MAX_CELL_CHARS each."""
    if len(values) > MAX_COLUMNS:
        if any(cell_text(v).strip() for v in values[MAX_COLUMNS:]):
            raise SheetError(
                f"Row {number} has more than {MAX_COLUMNS} columns, more than any sheet "
                "of the tracker: check the separator or remove the extra columns."
            )
        values = values[:MAX_COLUMNS]
    row = list(map(cell_text, values))
    if row and max(map(len, row)) > MAX_CELL_CHARS:
        index, cell = next((i, c) for i, c in enumerate(row) if len(c) > MAX_CELL_CHARS)
        raise SheetError(
            f"Row {number}, column {index + 1} holds {len(cell):,} characters, more "
            f"than the {MAX_CELL_CHARS:,} a cell may hold."
        )
    return row


# --- CSV ---------------------------------------------------------------------------------


def csv_rows(stream) -> Rows:
    """Rows of a UTF-8 CSV file (comma or semicolon separated, BOM or not)."""
    head = stream.read(8192)
    stream.seek(0)
    if head[:2] == b"PK":
        raise SheetError(
            "This file is a workbook (.xlsx or .ods), not CSV text: save it with "
            "the matching suffix or choose its format."
        )
    if b"\x00" in head:
        raise SheetError("This file is not CSV text: it holds binary data.")
    if not head.strip():
        raise SheetError("The file is empty.")
    max_bytes = MAX_LINE_CHARS * 4
    state = {"offset": 0, "line": 0}
    delimiter = ","

    def lines():
        while True:
            raw = stream.readline(max_bytes)
            if not raw:
                return
            state["line"] += 1
            if state["line"] == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
                state["offset"] += 3
            if len(raw) >= max_bytes and not raw.endswith(b"\n"):
                raise SheetError(
                    f"Line {state['line']} of the CSV file is longer than "
                    f"{size_text(max_bytes)}: no sheet of the tracker has such rows."
                )
            if raw.count(delimiter.encode()) > MAX_COLUMNS * 100:
                raise SheetError(
                    f"Line {state['line']} of the CSV file holds more than "
                    f"{MAX_COLUMNS * 100:,} separators; a sheet has at most {MAX_COLUMNS} "
                    "columns."
                )
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise SheetError(
                    f"This CSV file is not UTF-8 text (byte {state['offset'] + error.start + 1} "
                    "cannot be read): save it as “CSV UTF-8” and import it again."
                ) from None
            state["offset"] += len(raw)
            yield text

    source = lines()
    first = next(source, "")
    if first.count(";") > first.count(","):
        delimiter = ";"

    def chained():
        yield first
        yield from source

    reader = csv.reader(chained(), delimiter=delimiter)
    number = 0
    try:
        for values in reader:
            number += 1
            if "".join(values).strip():  # blank rows are skipped, but counted
                yield number, _fit_row(number, values)
    except csv.Error as error:
        raise SheetError(f"The CSV file cannot be read at line {state['line']}: {error}.") from None


# --- Workbooks ---------------------------------------------------------------------------


class Workbook:
    """The sheets of a file, read lazily: ``names()`` and ``rows(name)``.

    CSV files have one sheet, named "". ``rows(None)`` reads the first sheet.
    """

    def __init__(self, stream, suffix: str, limits: Limits | None = None):
        self.stream = stream
        self.suffix = suffix
        self.limits = limits or Limits()
        if suffix == "xlsx":
            self.archive = open_archive(stream, ".xlsx", "xl/workbook.xml", self.limits)
            self._plan = scan_xlsx(self.archive, self.limits)
            self._book = self._open_xlsx()
        elif suffix == "ods":
            self.archive = open_archive(stream, ".ods", "content.xml", self.limits)
            scan_ods(self.archive, self.limits)
            self._names = self._filled = None
            self._repeats = _Repeats()

    def _open_xlsx(self):
        import openpyxl

        try:
            # keep_links=False: external links are parts openpyxl would load whole, unused here.
            return openpyxl.load_workbook(
                self.stream, read_only=True, data_only=True, keep_links=False
            )
        except Exception as error:
            raise SheetError(
                f"This .xlsx workbook cannot be read ({type(error).__name__})."
            ) from None

    def names(self) -> list[str]:
        if self.suffix == "csv":
            return [""]
        if self.suffix == "xlsx":
            return list(self._book.sheetnames)
        if self._names is None:
            # One pass finds every sheet and whether it holds a row.
            sheets = _ods_sheets(self.archive)
            self._names = [name for name, _ in sheets]
            self._filled = {name for name, filled in sheets if filled}
        return self._names

    def filled(self, name: str) -> bool:
        """Whether sheet ``name`` holds any row (for .ods, without reading it again)."""
        if self.suffix == "ods":
            return name in self.names() and name in self._filled
        return next(self.rows(name), None) is not None

    def rows(self, name: str | None) -> Rows:
        """The rows of sheet ``name`` (the first sheet when None)."""
        if self.suffix == "csv":
            return csv_rows(self.stream)
        if self.suffix == "xlsx":
            return self._xlsx_rows(name)
        wanted = name if name is not None else self.names()[0] if self.names() else ""
        return _ods_rows(self.archive, wanted, self._repeats)

    def _xlsx_rows(self, name) -> Rows:
        book = self._book
        if not book.sheetnames:
            raise SheetError("The workbook has no sheet.")
        sheet = book[name] if name is not None else book.worksheets[0]
        sheet.reset_dimensions()  # the declared size may lie; read what is there
        # openpyxl pads each row up to its last cell: when a sheet has cells beyond the
        # tracker's columns (blank ones; values there were refused), no further.
        width = MAX_COLUMNS if self._plan.far_cells else None
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=width), 1):
                if values.count(None) == len(values):
                    continue
                if any(v is not None and cell_text(v).strip() for v in values):
                    yield number, _fit_row(number, values)
        except SheetError:
            raise
        except Exception as error:
            raise SheetError(
                f"This .xlsx workbook cannot be read ({type(error).__name__})."
            ) from None

    def close(self):
        if self.suffix == "xlsx":
            self._book.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --- ODS -----------------------------------------------------------------------------------

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_CELLS = (_TABLE + "table-cell", _TABLE + "covered-table-cell")


def _count(element, attribute: str) -> int:
    try:
        return max(1, int(element.get(attribute, "1")))
    except ValueError:
        raise SheetError(
            "This .ods workbook cannot be read (a repeat count is not a number)."
        ) from None


def _ods_text(element) -> str:
    """Text of an ODF paragraph with its spaces, tabs and line breaks."""
    parts = [element.text or ""]
    for child in element:
        tag = child.tag
        if tag == _TEXT + "s":
            parts.append(" " * _count(child, _TEXT + "c"))
        elif tag == _TEXT + "tab":
            parts.append("\t")
        elif tag == _TEXT + "line-break":
            parts.append("\n")
        elif tag != _OFFICE + "annotation":
            parts.append(_ods_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _ods_cell(element) -> str:
    kind = element.get(_OFFICE + "value-type")
    if kind in ("float", "percentage", "currency"):
        try:
            return cell_text(float(element.get(_OFFICE + "value", "")))
        except ValueError:
            pass
    elif kind == "date":
        value = element.get(_OFFICE + "date-value", "")
        return value[:10] if value.endswith("T00:00:00") or len(value) == 10 else value
    elif kind == "boolean":
        return "yes" if element.get(_OFFICE + "boolean-value") == "true" else "no"
    return "\n".join(_ods_text(child) for child in element if child.tag == _TEXT + "p")


class _Repeats:
    """The cells an .ods file has produced by repeating data rows, against MAX_REPEATED_CELLS.

    One count for the whole file, so it bounds each sheet and all of them together:
    ``number-rows-repeated`` times the row's cells (``number-columns-repeated`` and
    covered cells included), for every repeated row that holds data.
    """

    def __init__(self):
        self.cells = 0

    def spend(self, number: int, width: int, repeat: int) -> None:
        self.cells += width * (repeat - 1)
        if self.cells > MAX_REPEATED_CELLS:
            raise SheetError(
                f"Row {number} of the .ods sheet is repeated {repeat:,} times; with the rows "
                f"repeated before it, the file's repeated rows hold more than "
                f"{MAX_REPEATED_CELLS:,} cells, more than any real sheet: it was refused."
            )


def _ods_events(archive):
    """content.xml's ``(event, element)`` pairs, each element dropped once handled.

    iterparse keeps every element it builds under its parent, so styles, rows
    and row groups would pile up; here an element leaves its parent as soon as
    its end has been handled, except inside a cell, which is read whole at its
    own end and may hold MAX_CELL_ELEMENTS. The tree never holds more than the
    open elements and one cell, whatever the file's size.
    """
    stack = []
    cell_at = cell_elements = 0  # the open cell's height in the stack (0: none)
    with archive.open("content.xml") as content:
        for event, element in iterparse(content, events=("start", "end")):  # noqa: S314 -- scanned by archives.scan_ods
            if event == "start":
                stack.append(element)
                if cell_at:
                    cell_elements += 1
                    if cell_elements > MAX_CELL_ELEMENTS:
                        raise SheetError(
                            f"A cell of the .ods sheet holds more than {MAX_CELL_ELEMENTS:,} "
                            "paragraphs, spans or spaces; no real cell does."
                        )
                elif element.tag in _CELLS:
                    cell_at, cell_elements = len(stack), 0
                yield event, element
                continue
            yield event, element
            stack.pop()
            if cell_at and len(stack) >= cell_at:
                continue  # inside the open cell
            cell_at = 0
            if stack:
                stack[-1].remove(element)  # its earlier siblings are gone: it is the last


def _ods_sheets(archive) -> list[tuple[str, bool]]:
    """Every table's name, and whether it holds a row (its first row is read, no more)."""
    sheets = []
    try:
        events = _ods_events(archive)
        for event, element in events:
            if event == "start" and element.tag == _TABLE + "table":
                name = element.get(_TABLE + "name", f"Sheet{len(sheets) + 1}")
                filled = next(_ods_table_rows(events, element, None), None) is not None
                sheets.append((name, filled))
                if filled:  # skip the rest (an empty table was read to its end)
                    _skip(events, element)
    except SheetError:
        raise
    except Exception as error:
        raise SheetError(f"This .ods workbook cannot be read ({type(error).__name__}).") from None
    return sheets


def _ods_tables(archive, wanted, repeats):
    """Yield ``(name, rows)`` for each table up to the wanted one, rows only for that one."""
    index = -1
    events = _ods_events(archive)
    for event, element in events:
        if event == "start" and element.tag == _TABLE + "table":
            index += 1
            name = element.get(_TABLE + "name", f"Sheet{index + 1}")
            if name == wanted:
                yield name, _ods_table_rows(events, element, repeats)
                return
            yield name, None
            _skip(events, element)


def _skip(events, table) -> None:
    """Read on to the end of ``table``."""
    for event, element in events:
        if event == "end" and element is table:
            return


def _ods_table_rows(events, table, repeats) -> Rows:
    """Stream one table's rows, expanding repeats lazily and within limits.

    LibreOffice writes the unused rest of a sheet as one blank row repeated
    a million times: blank rows are counted, never materialised.
    """
    number = 0
    row: list[str] = []
    blank_cells = 0
    cell_chars = 0
    for event, element in events:
        tag = element.tag
        if event == "start":
            if tag == _TABLE + "table-row":
                row, blank_cells = [], 0
            elif tag in _CELLS:
                cell_chars = 0
            elif tag == _TEXT + "s":
                # Spaces are counted before they exist: <text:s text:c="1000000000"/>.
                cell_chars += _count(element, _TEXT + "c")
                if cell_chars > MAX_CELL_CHARS:
                    raise SheetError(
                        f"Row {number + 1} of the .ods sheet has a cell of more than "
                        f"{MAX_CELL_CHARS:,} characters (repeated spaces)."
                    )
            continue
        if tag in _CELLS:
            repeat = _count(element, _TABLE + "number-columns-repeated")
            value = _ods_cell(element)
            if value == "":
                blank_cells += repeat
            else:
                if len(row) + blank_cells + repeat > MAX_COLUMNS:
                    raise SheetError(
                        f"Row {number + 1} has more than {MAX_COLUMNS} columns, more than "
                        "any sheet of the tracker."
                    )
                row.extend([""] * blank_cells + [value] * repeat)
                blank_cells = 0
        elif tag == _TABLE + "table-row":
            repeat = _count(element, _TABLE + "number-rows-repeated")
            if not any(cell.strip() for cell in row):
                number += repeat
            else:
                if repeat > MAX_ROW_REPEAT:
                    raise SheetError(
                        f"Row {number + 1} of the .ods sheet is repeated {repeat:,} times; "
                        f"at most {MAX_ROW_REPEAT:,} identical rows are read."
                    )
                if repeat > 1 and repeats is not None:
                    repeats.spend(number + 1, len(row), repeat)
                for _ in range(repeat):
                    number += 1
                    yield number, _fit_row(number, row)
        elif element is table:
            return


def _ods_rows(archive, wanted: str, repeats) -> Rows:
    try:
        for _, rows in _ods_tables(archive, wanted, repeats):
            if rows is not None:
                yield from rows
                return
    except SheetError:
        raise
    except Exception as error:
        raise SheetError(f"This .ods workbook cannot be read ({type(error).__name__}).") from None
