"""The admin's spreadsheet formats (django-import-export ``Format`` classes).

They read uploads through the tracker's bounded readers, with the admin's
size limits (``TRACKER_IMPORT_MAX_BYTES``, ``TRACKER_IMPORT_MAX_UNCOMPRESSED_BYTES``;
the command line has none), and write the library's exports through the
streaming writers. ``cell_text`` and ``neutralise`` are re-exported for the
public downloads.
"""

from __future__ import annotations

import io

import tablib
from django.conf import settings
from import_export.formats import base_formats

from .importing.cells import (
    SheetError,
    StalePreviewError,
    cell_text,
    neutralise,
    size_text,
    unneutralise,
)
from .importing.readers import Limits, Workbook
from .importing.writers import write_sheets

__all__ = [
    "SHEET_FORMATS",
    "SheetError",
    "StalePreviewError",
    "admin_limits",
    "cell_text",
    "neutralise",
    "read_dataset",
    "too_big_message",
    "unneutralise",
]

MB = 1024 * 1024


def admin_limits() -> Limits:
    """What an upload through the admin may weigh (10 MB) and expand to (80 MB)."""
    return Limits(
        max_bytes=getattr(settings, "TRACKER_IMPORT_MAX_BYTES", 10 * MB),
        max_expanded=getattr(settings, "TRACKER_IMPORT_MAX_UNCOMPRESSED_BYTES", 80 * MB),
    )


def too_big_message(size: int) -> str:
    limit = admin_limits().max_bytes
    return (
        f"The file is {size_text(size)}, more than the {size_text(limit)} an import takes "
        "through the admin. Import bigger files, of any size, from the command line: "
        "python manage.py import_sheet KIND FILE"
    )


def read_dataset(data: bytes, suffix: str, kind: str = "") -> tablib.Dataset:
    """A small file's sheet of ``kind`` (or its first) as a Dataset, within the admin's limits."""
    if len(data) > admin_limits().max_bytes:
        raise SheetError(too_big_message(len(data)))
    with Workbook(io.BytesIO(data), suffix, admin_limits()) as workbook:
        names = [n for n in workbook.names() if n.strip().lower() == kind]
        rows = list(workbook.rows(names[0] if names else None))
    if not rows:
        raise SheetError("The file is empty.")
    number, header = rows[0]
    if number != 1:
        raise SheetError("The first row must hold the column names, and it is empty.")
    width = max(len(values) for _, values in rows)
    dataset = tablib.Dataset(headers=[*header, *[""] * (width - len(header))], title=kind or None)
    for _, values in rows[1:]:
        dataset.append([*values, *[""] * (width - len(values))])
    return dataset


class SheetFormat(base_formats.Format):
    """A format the admin offers; every one is binary, so uploads arrive as bytes."""

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
        buffer = io.BytesIO()
        sheet = (dataset.title or "Sheet1", list(dataset.headers), iter(dataset))
        write_sheets(buffer, self.suffix, [sheet])
        return buffer.getvalue()

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
