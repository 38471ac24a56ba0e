"""Streaming writers for .csv, .xlsx and .ods: one row in memory at a time.

Every sheet is ``(name, header, rows)`` with ``rows`` an iterator of cells
already made inert by ``cells.export_cell``; the writers add no step after
that one, so nothing they do can turn a cell back into a formula.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape, quoteattr

from .cells import SheetError

Sheet = tuple[str, list[str], Iterator[list[str]]]


def write_sheets(stream, suffix: str, sheets: Iterable[Sheet]) -> dict[str, int]:
    """Write each sheet to the binary ``stream``; returns the rows written per sheet."""
    if suffix == "csv":
        return _write_csv(stream, sheets)
    if suffix == "xlsx":
        return _write_xlsx(stream, sheets)
    if suffix == "ods":
        return _write_ods(stream, sheets)
    raise SheetError(f"Unknown format “{suffix}”: use .csv, .xlsx or .ods.")


def _write_csv(stream, sheets) -> dict[str, int]:
    counts = {}
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", write_through=False)
    writer = csv.writer(text)
    for index, (name, header, rows) in enumerate(sheets):
        if index:
            raise SheetError("A CSV file holds one sheet: export one kind, or use .xlsx or .ods.")
        # The BOM (utf-8-sig) makes Excel read the file as UTF-8.
        writer.writerow(header)
        count = 0
        for row in rows:
            writer.writerow(row)
            count += 1
        counts[name] = count
    text.flush()
    text.detach()
    return counts


def _write_xlsx(stream, sheets) -> dict[str, int]:
    from openpyxl import Workbook

    # write_only keeps each sheet in a temporary file, never a grid in memory.
    book = Workbook(write_only=True)
    counts = {}
    for name, header, rows in sheets:
        sheet = book.create_sheet(title=name or "Sheet1")
        sheet.append(list(header))
        count = 0
        for row in rows:
            sheet.append(row)
            count += 1
        counts[name] = count
    book.save(stream)
    return counts


_ODS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    "<office:body><office:spreadsheet>"
)
_ODS_TAIL = "</office:spreadsheet></office:body></office:document-content>"
_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
    'manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" manifest:version="1.2" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)
_SPACES = re.compile(r"  +|^ |\t")


def _ods_paragraph(line: str) -> str:
    """One line of a cell as ODF text: runs of spaces and tabs kept as ODF writes them."""

    def keep(match):
        run = match.group()
        if run == "\t":
            return "<text:tab/>"
        if match.start() == 0:
            return f'<text:s text:c="{len(run)}"/>'
        return f' <text:s text:c="{len(run) - 1}"/>'

    out, last = [], 0
    for match in _SPACES.finditer(line):
        out.append(escape(line[last : match.start()]))
        out.append(keep(match))
        last = match.end()
    out.append(escape(line[last:]))
    return "".join(out)


def _ods_cell(value: str) -> str:
    if not value:
        return '<table:table-cell office:value-type="string"/>'
    text = "<text:line-break/>".join(_ods_paragraph(line) for line in value.split("\n"))
    return (
        f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'
    )


def _write_ods(stream, sheets) -> dict[str, int]:
    counts = {}
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        # The mimetype comes first and uncompressed, as ODF requires.
        archive.writestr(
            _entry("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr(_entry("META-INF/manifest.xml"), _MANIFEST)
        with archive.open(_entry("content.xml"), "w", force_zip64=True) as out:
            out.write(_ODS_HEAD.encode())
            for name, header, rows in sheets:
                out.write(f"<table:table table:name={quoteattr(name or 'Sheet1')}>".encode())
                count = -1
                pending = []
                for row in _with_header(header, rows):
                    cells = "".join(_ods_cell(value) for value in row)
                    pending.append(f"<table:table-row>{cells}</table:table-row>")
                    count += 1
                    if len(pending) >= 500:
                        out.write("".join(pending).encode())
                        pending = []
                pending.append("</table:table>")
                out.write("".join(pending).encode())
                counts[name] = count
            out.write(_ODS_TAIL.encode())
    return counts


def _entry(name: str) -> zipfile.ZipInfo:
    # A fixed date: the same records always give the same bytes (backups compare equal).
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _with_header(header, rows):
    yield header
    yield from rows
