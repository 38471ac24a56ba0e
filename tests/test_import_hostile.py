"""Hostile files: each ends with exit status 2 and one line, quickly, in little memory.

Each file goes through ``manage.py import_sheet`` in its own process (against
a database migrated once for this module), so its peak memory is measured on
its own; the time is the command's, from reading to the exit.
"""

# ruff: noqa: S603 (runs this project's own command)
import io
import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

ROOT = Path(__file__).resolve().parent.parent

DRIVER = """
import os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from django.core.management import call_command
started = time.perf_counter()
code = 0
try:
    call_command("import_sheet", *sys.argv[1:])
except SystemExit as exit:
    code = exit.code
# VmHWM: this process's peak resident memory (ru_maxrss would count the parent's).
peak = next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]
print(f"@@ {code} {time.perf_counter() - started:.3f} {int(peak) / 1024:.1f}", file=sys.stderr)
"""

ODS_HEAD = (
    '<?xml version="1.0"?><office:document-content '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
    '<office:body><office:spreadsheet><table:table table:name="stations">'
    "<table:table-row><table:table-cell><text:p>code</text:p></table:table-cell>"
    "<table:table-cell><text:p>city</text:p></table:table-cell></table:table-row>"
)
ODS_TAIL = "</table:table></office:spreadsheet></office:body></office:document-content>"


def ods(rows_xml: str, compress=zipfile.ZIP_DEFLATED) -> bytes:
    # Stored (not packed) files pass the zip bomb check and reach the XML checks.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compress) as archive:
        archive.writestr("content.xml", ODS_HEAD + rows_xml + ODS_TAIL)
    return buffer.getvalue()


def xlsx_with_sheet(sheet_xml: bytes, compress=zipfile.ZIP_DEFLATED) -> bytes:
    book = Workbook()
    book.active.append(["code", "city"])
    plain = io.BytesIO()
    book.save(plain)
    source = zipfile.ZipFile(io.BytesIO(plain.getvalue()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compress) as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml
            archive.writestr(info.filename, data)
    return buffer.getvalue()


def comma_bomb():
    return b"code,city" + b"," * 1_000_000 + b"\nNLD01,Amsterdam\n"


def text_c_bomb():
    spaces = '<text:s text:c="1000000000"/>' * 3
    return ods(
        "<table:table-row><table:table-cell><text:p>ISL01</text:p></table:table-cell>"
        f"<table:table-cell><text:p>Reykjavik{spaces}</text:p></table:table-cell>"
        "</table:table-row>"
    )


def columns_bomb():
    return ods(
        "<table:table-row><table:table-cell><text:p>ISL01</text:p></table:table-cell>"
        '<table:table-cell table:number-columns-repeated="1000000000"><text:p>x</text:p>'
        "</table:table-cell></table:table-row>"
    )


def rows_bomb():
    return ods(
        '<table:table-row table:number-rows-repeated="1000000000">'
        "<table:table-cell><text:p>ISL01</text:p></table:table-cell></table:table-row>"
    )


def zip_bomb():
    # 300 MB of one byte packs to about 300 KB.
    return ods("<table:table-row>" + " " * 300_000_000 + "</table:table-row>")


def nested_xlsx():
    depth = 200_000
    rows = b'<row r="2"><c r="A2" t="inlineStr"><is>' + b"<x>" * depth + b"</x>" * depth
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + rows + b"</is></c></row></sheetData></worksheet>"
    )
    return xlsx_with_sheet(sheet, zipfile.ZIP_STORED)


def nested_ods():
    depth = 200_000
    return ods(
        "<table:table-row><table:table-cell><text:p>"
        + "<text:span>" * depth
        + "</text:span>" * depth
        + "</text:p></table:table-cell></table:table-row>",
        zipfile.ZIP_STORED,
    )


HOSTILE = {
    "comma-bomb.csv": (comma_bomb, "separators"),
    "text-c-bomb.ods": (text_c_bomb, "more than 32,767 characters"),
    "columns-bomb.ods": (columns_bomb, "more than 100 columns"),
    "rows-bomb.ods": (rows_bomb, "repeated 1,000,000,000 times"),
    "zip-bomb.ods": (zip_bomb, "a zip bomb"),
    "nested.xlsx": (nested_xlsx, "nests deeper than 64 levels"),
    "nested.ods": (nested_ods, "nests deeper than 64 levels"),
}


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A migrated SQLite database of its own (the subprocess cannot see the test one)."""
    path = tmp_path_factory.mktemp("hostile") / "db.sqlite3"
    env = {"DATABASE_URL": f"sqlite:///{path}", "DJANGO_DEBUG": "1", "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    return path, env


def counts(path):
    with sqlite3.connect(path) as db:
        tables = ("tracker_station", "tracker_historicalstation", "tracker_citation")
        return [db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables]  # noqa: S608


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_file_ends_quickly_with_one_line_and_writes_nothing(database, tmp_path, name):
    path, env = database
    make, message = HOSTILE[name]
    sheet = tmp_path / name
    sheet.write_bytes(make())
    before = counts(path)

    done = subprocess.run(
        [sys.executable, "-c", DRIVER, "stations", str(sheet)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    *lines, stats = done.stderr.strip().splitlines()
    _, code, seconds, peak_mb = stats.split()
    assert int(code) == 2, done.stderr
    assert len(lines) == 1 and message in lines[0], lines
    assert "Traceback" not in done.stderr + done.stdout
    assert float(seconds) < 2, seconds
    assert float(peak_mb) < 150, peak_mb
    assert counts(path) == before
    print(json.dumps({"file": name, "seconds": seconds, "peak_mb": peak_mb}))
