"""Workbook archives (.xlsx, .ods): every part measured before a parser reads it.

A workbook is a zip of XML parts, and a file of a few kilobytes can describe
gigabytes. ``open_archive`` counts the parts from the zip's own end record
before Python's zipfile reads its directory, and refuses a workbook whose
declared sizes are too big or packed too tightly. ``scan_ods`` and
``scan_xlsx`` then read every part once as a stream, counting the bytes each
one really yields, and scan the XML with expat (nesting, DOCTYPE, row and
column numbers), so nothing is built before it is known to be bounded.

For .xlsx the scan also counts what openpyxl will hold at once (limits in
``cells.py``): the parts it loads whole (styles, workbook, relationships,
properties), each sheet outside its rows, the shared-strings table (which it
reads whole before the first row: bounded in texts and bytes, declared and
counted, and by the cells that use it) and the rows it keeps. The parts are
scanned in the order openpyxl finds them (content types, workbook, its
relationships, sheets, shared strings), so each limit can use what the parts
before it said. A file that breaks one ends with one ``SheetError``.
"""

from __future__ import annotations

import math
import zipfile
import zlib
from dataclasses import dataclass, field
from xml.parsers import expat

from .cells import (
    MAX_BLANK_ROWS,
    MAX_COLUMNS,
    MAX_LOADED_ELEMENTS,
    MAX_LOADED_PART_BYTES,
    MAX_PARTS,
    MAX_ROW_ELEMENTS,
    MAX_SHARED_STRINGS,
    MAX_SHARED_STRINGS_BYTES,
    MAX_SHEET_COLUMNS,
    MAX_SHEET_ROWS,
    MAX_SHEETS,
    MAX_XML_DEPTH,
    MAX_ZIP_RATIO,
    RATIO_FLOOR,
    SHARED_STRINGS_SLACK,
    SheetError,
    size_text,
)

CHUNK = 1 << 20
# A zip's central directory entry is 46 bytes and a name; a workbook's names are short.
MAX_DIRECTORY_BYTES = MAX_PARTS * 1024

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main "
_ROW, _VALUE, _INLINE = _MAIN + "row", _MAIN + "v", _MAIN + "is"
_SST, _SI = _MAIN + "sst", _MAIN + "si"
_WORKSHEET = _MAIN + "worksheet"
_VALUES = frozenset((_VALUE, _INLINE))
_ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0 table"


def _unreadable(suffix: str) -> SheetError:
    return SheetError(f"This file is not a readable {suffix} workbook.")


def _directory_size(stream, suffix: str) -> tuple[int, int]:
    """Entries and bytes of a zip's central directory, from its end record (or zip64's)."""
    stream.seek(0, 2)
    size = stream.tell()
    start = max(0, size - 22 - 0xFFFF)  # the end record, after at most a 64 KB comment
    stream.seek(start)
    tail = stream.read(size - start)
    stream.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        raise _unreadable(suffix)
    entries = int.from_bytes(tail[at + 10 : at + 12], "little")
    directory = int.from_bytes(tail[at + 12 : at + 16], "little")
    locator = tail[at - 20 : at] if at >= 20 else b""
    if locator[:4] == b"PK\x06\x07":  # zip64: the counts are in a record of their own
        stream.seek(int.from_bytes(locator[8:16], "little"))
        record = stream.read(56)
        stream.seek(0)
        if record[:4] != b"PK\x06\x06":
            raise _unreadable(suffix)
        entries = int.from_bytes(record[32:40], "little")
        directory = int.from_bytes(record[40:48], "little")
    return entries, directory


def open_archive(stream, suffix: str, marker: str, limits) -> zipfile.ZipFile:
    """Open a workbook's zip, refusing one with too many parts or that would inflate, unread."""
    try:
        entries, directory = _directory_size(stream, suffix)
    except (OSError, ValueError):
        raise _unreadable(suffix) from None
    if entries > MAX_PARTS or directory > MAX_DIRECTORY_BYTES:
        raise SheetError(
            f"This {suffix} file holds more than {MAX_PARTS:,} parts, more than any "
            "spreadsheet: it was refused unread."
        )
    try:
        archive = zipfile.ZipFile(stream)
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise _unreadable(suffix) from None
    if len(infos) > MAX_PARTS:  # the end record understated them
        raise SheetError(
            f"This {suffix} file holds more than {MAX_PARTS:,} parts, more than any "
            "spreadsheet: it was refused unread."
        )
    if marker not in {info.filename for info in infos}:
        raise _unreadable(suffix)
    expanded = sum(info.file_size for info in infos)
    if expanded > limits.max_expanded:
        raise _too_big(suffix, expanded, limits)
    for info in infos:
        _check_ratio(suffix, info, info.file_size)
    return archive


def _too_big(suffix, expanded, limits) -> SheetError:
    return SheetError(
        f"This {suffix} file expands to {size_text(expanded)} when opened, more than the "
        f"{size_text(limits.max_expanded)} an import allows here: it was refused unread."
        + (" Import it with `python manage.py import_sheet`." if limits.max_bytes else "")
    )


def _check_ratio(suffix: str, info: zipfile.ZipInfo, size: int) -> None:
    if size > RATIO_FLOOR and size > MAX_ZIP_RATIO * max(info.compress_size, 1):
        raise SheetError(
            f"This {suffix} file expands to {size_text(size)} when opened "
            f"({info.filename}, {size // max(info.compress_size, 1):,} times its "
            "packed size): a zip bomb, refused unread."
        )


@dataclass
class Part:
    """What the scan of one part found."""

    name: str
    root: str = ""
    elements: int = 0
    #: Elements outside rows (worksheets) or texts (shared-strings tables), and not one.
    kept: int = 0
    #: Rows (worksheets) or texts (shared-strings tables).
    items: int = 0
    string_cells: int = 0
    #: Cells beyond MAX_COLUMNS (blank: a value there is refused while scanning).
    far_cells: int = 0


@dataclass
class Scan:
    """Reads every part of one archive once, with a running count of the bytes it yields."""

    archive: zipfile.ZipFile
    suffix: str
    limits: object
    expanded: int = 0
    parts: dict = field(default_factory=dict)
    #: Rows without a value in the sheets scanned so far (against MAX_BLANK_ROWS).
    blank_rows: int = 0

    def chunks(self, info: zipfile.ZipInfo):
        """The bytes of a part, refused as soon as they exceed what it or the file may hold."""
        size = 0
        try:
            with self.archive.open(info) as member:
                while chunk := member.read(CHUNK):
                    size += len(chunk)
                    self.expanded += len(chunk)
                    if size > info.file_size:
                        raise SheetError(
                            f"This file is not a readable {self.suffix} workbook: {info.filename} "
                            "holds more than its size in the zip says."
                        )
                    if self.expanded > self.limits.max_expanded:
                        raise _too_big(self.suffix, self.expanded, self.limits)
                    _check_ratio(self.suffix, info, size)
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError,
                NotImplementedError):  # fmt: skip
            raise _unreadable(self.suffix) from None

    def skip(self, info: zipfile.ZipInfo) -> None:
        for _ in self.chunks(info):
            pass

    def xml(self, info: zipfile.ZipInfo, strings_limit=MAX_SHARED_STRINGS,
            budget=MAX_LOADED_ELEMENTS) -> Part:  # fmt: skip
        """Scan one XML part; returns what it holds.

        ``budget``: how many elements outside rows and texts it may have (the
        rest of MAX_LOADED_ELEMENTS).
        """
        part = Part(info.filename)
        self.parts[info.filename] = part
        _parse(self, info, part, strings_limit, budget)
        return part


def _column(letters: str) -> int:
    """The column number of a cell reference's letters (``AB`` is 28)."""
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number


def _parse(scan: Scan, info: zipfile.ZipInfo, part: Part, strings_limit: int, budget: int):
    """Feed a part to expat, counting as it goes.

    Rows (of a worksheet) and texts (of a shared-strings table) are what
    openpyxl reads one at a time: the elements inside them are counted apart.
    The hot path is a worksheet's cells, so it does as little as it can.
    """
    suffix, name = scan.suffix, info.filename
    parser = expat.ParserCreate(namespace_separator=" ")
    depth = kept = items = inner = string_cells = far_cells = row_number = tables = 0
    sheet = table = False  # what the root element says the part is
    row_depth = 0  # depth of the open row or text (0: none open)
    cell_depth = row_inner = row_cells = column = 0
    row_value = far = False

    def refuse(reason):
        raise SheetError(f"This {suffix} workbook cannot be read: {name} {reason}.")

    def close_row():
        nonlocal row_depth, inner
        row_depth = 0
        inner += row_inner
        if sheet and not row_value:
            scan.blank_rows += 1
            if scan.blank_rows > MAX_BLANK_ROWS:
                raise SheetError(
                    f"This {suffix} workbook cannot be read: its sheets hold more than "
                    f"{MAX_BLANK_ROWS:,} rows without any value."
                )

    def start(tag, attrs):
        nonlocal depth, kept, items, string_cells, far_cells, row_number, sheet, table, tables
        nonlocal row_depth, cell_depth, row_inner, row_cells, column, row_value, far
        depth += 1
        if depth > MAX_XML_DEPTH:
            refuse(f"nests deeper than {MAX_XML_DEPTH} levels")
        if row_depth:
            if depth > row_depth:
                row_inner += 1
                if row_inner > MAX_ROW_ELEMENTS:
                    refuse(f"holds more than {MAX_ROW_ELEMENTS:,} elements in one row or text")
                if depth == cell_depth:
                    # openpyxl reads every child of a row as a cell, placed by its reference.
                    row_cells += 1
                    reference = attrs.get("r")
                    if reference:
                        letters = reference.rstrip("0123456789")
                        column = ord(letters) & 31 if len(letters) == 1 else _column(letters)
                    else:
                        column += 1
                    if column > MAX_SHEET_COLUMNS or row_cells > MAX_SHEET_COLUMNS:
                        refuse(f"has a cell beyond column {MAX_SHEET_COLUMNS:,} (row {row_number})")
                    far = column > MAX_COLUMNS
                    if far:
                        far_cells += 1
                    if attrs.get("t") == "s":
                        string_cells += 1
                elif far and tag in _VALUES:
                    raise SheetError(
                        f"Row {row_number} has more than {MAX_COLUMNS} columns, more than "
                        "any sheet of the tracker: remove the extra columns."
                    )
                elif not row_value and tag in _VALUES:
                    row_value = True
                return
            close_row()
        if depth == 1:
            kept += 1
            part.root = tag
            sheet, table = tag == _WORKSHEET, tag == _SST
            declared = attrs.get("uniqueCount", "") if table else ""
            # ``count`` is how many cells use the table, not its size.
            if declared.isdigit() and int(declared) > strings_limit:
                _refuse_strings(suffix, name, strings_limit)
        elif sheet and tag == _ROW:
            row_depth, cell_depth, row_inner, row_cells, column = depth, depth + 1, 0, 0, 0
            row_value = far = False
            items += 1
            reference = attrs.get("r")
            try:
                row_number = int(float(reference)) if reference else row_number + 1
            except (ValueError, OverflowError):
                refuse(f"numbers a row “{reference[:20]}”")
            if not 0 < row_number <= MAX_SHEET_ROWS or items > MAX_SHEET_ROWS:
                refuse(f"numbers a row beyond {MAX_SHEET_ROWS:,}")
        elif table and depth == 2 and tag == _SI:
            row_depth, cell_depth, row_inner = depth, 0, 0
            items += 1
            if items > strings_limit:
                _refuse_strings(suffix, name, strings_limit)
        else:
            kept += 1
            if kept > budget:
                _refuse_loaded(name)
            if tag == _ODS_TABLE:
                tables += 1
                if tables > MAX_SHEETS:
                    refuse(f"holds more than {MAX_SHEETS:,} sheets")

    def end(tag):
        nonlocal depth
        depth -= 1

    def doctype(*args):
        refuse("declares a DOCTYPE")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = doctype
    try:
        for chunk in scan.chunks(info):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as error:
        refuse(f"is not well-formed XML ({expat.errors.messages[error.code]})")
    if row_depth:
        close_row()
    part.elements, part.kept, part.items = kept + items + inner, kept, items
    part.string_cells, part.far_cells = string_cells, far_cells


def _refuse_loaded(name):
    raise SheetError(
        f"This .xlsx workbook cannot be read: its parts up to {name} hold more than "
        f"{MAX_LOADED_ELEMENTS:,} elements that must be read whole."
    )


def _refuse_strings(suffix, name, limit):
    raise SheetError(
        f"This {suffix} workbook's shared-strings table ({name}) holds more than "
        f"{limit:,} texts{' (more than its cells use)' if limit < MAX_SHARED_STRINGS else ''}: "
        "refused unread. Save the sheet as .ods or .csv, or export it again."
    )


def _looks_like_xml(scan: Scan, info: zipfile.ZipInfo) -> bool:
    """Whether a part not named .xml could still be parsed as XML by a library."""
    if info.filename.endswith((".xml", ".rels")):
        return True
    if info.filename.endswith(".vml") or not info.file_size:
        # Legacy drawings, often not well-formed, and never read here.
        return False
    try:
        with scan.archive.open(info) as member:
            head = member.read(64)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError,
            NotImplementedError):  # fmt: skip
        return False  # reading it whole will say so
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return head[:1] == b"<" or head[:4] in (b"\xff\xfe<\x00", b"\xfe\xff\x00<")


# --- .ods ------------------------------------------------------------------------------


def scan_ods(archive: zipfile.ZipFile, limits) -> None:
    """Read every part of an .ods once; content.xml (the only one read later) as XML."""
    scan = Scan(archive, ".ods", limits)
    for info in archive.infolist():
        if info.filename == "content.xml":
            scan.xml(info, budget=math.inf)  # read as a stream: nothing is kept
        else:
            scan.skip(info)


# --- .xlsx -----------------------------------------------------------------------------


@dataclass
class XlsxPlan:
    """What the scan of an .xlsx tells its reader."""

    #: Some sheet has (blank) cells beyond MAX_COLUMNS: rows are read that wide only.
    far_cells: bool = False


def scan_xlsx(archive: zipfile.ZipFile, limits) -> XlsxPlan:
    """Scan every part of an .xlsx, in the order openpyxl finds them, within the limits."""
    from openpyxl.packaging.manifest import Manifest
    from openpyxl.packaging.relationship import get_dependents, get_rels_path
    from openpyxl.xml.constants import (
        ARC_CONTENT_TYPES,
        ARC_CORE,
        ARC_CUSTOM,
        ARC_STYLE,
        ARC_THEME,
        ARC_WORKBOOK,
        SHARED_STRINGS,
        XLSM,
        XLSX,
        XLTM,
        XLTX,
    )
    from openpyxl.xml.functions import fromstring

    scan = Scan(archive, ".xlsx", limits)
    infos = {info.filename: info for info in archive.infolist()}
    loaded = 0

    def whole(name):
        """Scan a part openpyxl loads whole; count its elements."""
        nonlocal loaded
        info = infos[name]
        if info.file_size > MAX_LOADED_PART_BYTES:
            raise SheetError(
                f"This .xlsx workbook cannot be read: {name} is {size_text(info.file_size)}, "
                f"more than the {size_text(MAX_LOADED_PART_BYTES)} such a part needs."
            )
        part = scan.parts.get(name) or scan.xml(info, budget=MAX_LOADED_ELEMENTS - loaded)
        loaded += part.elements
        check_loaded(name)
        return part

    def check_loaded(name):
        if loaded > MAX_LOADED_ELEMENTS:
            _refuse_loaded(name)

    try:
        if ARC_CONTENT_TYPES not in infos:
            raise _unreadable(".xlsx")
        whole(ARC_CONTENT_TYPES)
        manifest = Manifest.from_tree(fromstring(archive.read(ARC_CONTENT_TYPES)))
        workbook = next(
            (p.PartName[1:] for t in (XLTM, XLTX, XLSM, XLSX) if (p := manifest.find(t))),
            ARC_WORKBOOK,
        )
        strings = manifest.find(SHARED_STRINGS)
        strings = strings.PartName[1:] if strings is not None else None
        relations = get_rels_path(workbook)
        if workbook not in infos:
            raise _unreadable(".xlsx")
        whole(workbook)
        sheets = []
        if relations in infos:
            whole(relations)
            sheets = [
                rel.target
                for rel in get_dependents(archive, relations)
                if rel.Type.endswith("/worksheet")
            ]
    except SheetError:
        raise
    except Exception:
        raise _unreadable(".xlsx") from None
    read_whole = {ARC_CONTENT_TYPES, workbook, relations, strings, ARC_STYLE, ARC_CORE,
                  ARC_CUSTOM, ARC_THEME}  # fmt: skip
    plan = XlsxPlan()
    string_cells = 0
    for name in dict.fromkeys(sheets):
        if name not in infos or name in read_whole:
            continue
        part = scan.xml(infos[name], budget=MAX_LOADED_ELEMENTS - loaded)
        if part.root != _WORKSHEET:
            loaded += part.elements
        else:
            # Read row by row: what lies outside the rows stays (each emptied row too,
            # within MAX_SHEET_ROWS).
            loaded += part.kept
            string_cells += part.string_cells
            plan.far_cells |= bool(part.far_cells)
        check_loaded(name)
    if strings in infos:
        info = infos[strings]
        if info.file_size > MAX_SHARED_STRINGS_BYTES:
            raise SheetError(
                f"This .xlsx workbook's shared-strings table ({strings}) is "
                f"{size_text(info.file_size)}, more than the "
                f"{size_text(MAX_SHARED_STRINGS_BYTES)} an import reads: refused unread. "
                "Save the sheet as .ods or .csv, or export it again."
            )
        limit = min(MAX_SHARED_STRINGS, string_cells + SHARED_STRINGS_SLACK)
        part = scan.xml(info, strings_limit=limit, budget=MAX_LOADED_ELEMENTS - loaded)
        # openpyxl empties each text once read (the texts are bounded above); the rest stays.
        loaded += part.kept if part.root == _SST else part.elements
        check_loaded(strings)
    for name, info in infos.items():
        if name in scan.parts:
            continue
        if _looks_like_xml(scan, info):
            whole(name)
        else:
            scan.skip(info)
    return plan
