"""Hostile spreadsheets: each ends with one line and exit status 2, quickly, in little memory.

    python bench/hostile_sheets.py [--output bench/results.md]

Builds files made to exhaust an importer (a few kilobytes that repeat rows and
columns to billions of cells, zip bombs, millions of shared strings, XML
nested 200,000 deep, ...), runs ``manage.py import_sheet`` on each in a
process of its own against a freshly migrated SQLite database, and reports
its exit status, its message, the wall time of the whole process (Python and
Django's start included) and its peak memory (maximum resident size, from
``wait4``). Run by ``make bench``; ``tests/test_import_hostile.py`` runs the
same files and asserts exit status 2, one line and at most 300 MB.
"""

# ruff: noqa: S603 (runs this project's own command)
from __future__ import annotations

import argparse
import functools
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# --- .ods --------------------------------------------------------------------------------

ODS_HEAD = (
    '<?xml version="1.0"?><office:document-content '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
    "<office:body><office:spreadsheet>"
)
ODS_TAIL = "</office:spreadsheet></office:body></office:document-content>"
STATION_COLUMNS = ["code", "country", "city", "location", "capital", "bureau", "active",
                   "status", "host", "summary", "notes", "state", "sources"]  # fmt: skip


def cell(text="", repeat=1, covered=False) -> str:
    tag = "table:covered-table-cell" if covered else "table:table-cell"
    times = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    body = f"<text:p>{text}</text:p>" if text else ""
    return f"<{tag}{times}>{body}</{tag}>"


def row(*cells, repeat=1) -> str:
    times = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{times}>{''.join(cells)}</table:table-row>"


def header(*names) -> str:
    return row(*(cell(name) for name in names))


def table(name: str, rows: str) -> str:
    return f'<table:table table:name="{name}">{rows}</table:table>'


def ods(*tables, compress=zipfile.ZIP_DEFLATED) -> bytes:
    # Stored (not packed) files pass the zip bomb check and reach the XML checks.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compress) as archive:
        archive.writestr("content.xml", ODS_HEAD + "".join(tables) + ODS_TAIL)
    return buffer.getvalue()


def stations(rows: str, compress=zipfile.ZIP_DEFLATED) -> bytes:
    return ods(table("stations", header("code", "city") + rows), compress=compress)


# A billion blank rows of 16,384 blank cells: only counted, never built.
BLANK_BILLIONS = row(cell(repeat=16_384), repeat=1_000_000_000)


def repeated_rows():
    # 300,000 rows from 50 KB of XML (too small to count as a zip bomb).
    data = row(cell("ISL01"), cell("Reykjavik"), repeat=1_000)
    return stations(BLANK_BILLIONS + data * 300)


def packed_rows():
    # Five million rows from 4 KB: a part just under a megabyte, packed 240 times.
    data = row(cell("ISL01"), cell("Reykjavik"), repeat=1_000)
    return stations(data * 5_000)


def repeated_columns():
    # Each row: 13 cells from one, then a billion blank ones, repeated 1,000 times.
    data = row(cell("x", repeat=13), cell(repeat=1_000_000_000), repeat=1_000)
    return ods(table("stations", header(*STATION_COLUMNS) + data * 100))


def covered_cells():
    data = row(cell("ISL01"), cell("x", repeat=12, covered=True), repeat=1_000)
    return ods(table("stations", header(*STATION_COLUMNS) + BLANK_BILLIONS + data * 100))


def row_groups():
    data = row(cell("ISL01"), cell("Reykjavik"), repeat=900)
    group = "<table:table-row-group>" + data * 3 + "</table:table-row-group>"
    return stations("<table:table-row-group>" + group * 10 + "</table:table-row-group>")


def repeated_sheets():
    # Each sheet stays under the limit; the file does not.
    def sheet(kind, key):
        return table(kind, header(key, "title" if kind != "bureaus" else "name")
                     + row(cell(f"{kind}-1"), cell("x"), repeat=1_000) * 3)  # fmt: skip

    return ods(sheet("bureaus", "slug"), sheet("sources", "key"), sheet("events", "slug"))


def many_sheets():
    # Each of 900 small sheets made the importer read the big one again, to see if it held rows.
    rows = "".join(row(cell(f"X{n}"), cell("y")) for n in range(20_000))
    extra = (table(f"x{n}", row(cell("a"))) for n in range(900))
    return ods(table("stations", header("code", "city") + rows), *extra)


def too_many_sheets():
    return ods(*(table(f"x{n}", "") for n in range(2_000)))


def text_c_bomb():
    spaces = '<text:s text:c="1000000000"/>' * 3
    return stations(row(cell("ISL01"), f"<table:table-cell><text:p>Reykjavik{spaces}</text:p>"
                        "</table:table-cell>"))  # fmt: skip


def columns_bomb():
    return stations(row(cell("ISL01"), cell("x", repeat=1_000_000_000)))


def rows_bomb():
    return stations(row(cell("ISL01"), repeat=1_000_000_000))


def zip_bomb():
    # 20 MB of one byte packs to about 20 KB.
    return stations("<table:table-row>" + " " * 20_000_000 + "</table:table-row>")


def small_zip_bomb():
    # Under a megabyte, but packed 900 times: refused like the big one.
    return stations("<table:table-row>" + " " * 900_000 + "</table:table-row>")


def many_parts():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("content.xml", ODS_HEAD + table("stations", header("code")) + ODS_TAIL)
        for number in range(5_000):
            archive.writestr(f"p/{number}", "")
    return buffer.getvalue()


def lying_size():
    """content.xml declares 1 KB in the zip's directory and holds 100 KB."""
    data = stations(row(cell("ISL01"), cell("Reykjavik")) + " " * 100_000)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("content.xml")
    declared = info.file_size.to_bytes(4, "little")
    small = (1024).to_bytes(4, "little")
    # The size sits at offset 22 of the local header and 24 of the directory entry.
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    assert data[local + 22 : local + 26] == declared == data[central + 24 : central + 28]
    data = bytearray(data)
    data[local + 22 : local + 26] = small
    data[central + 24 : central + 28] = small
    return bytes(data)


def nested_ods():
    depth = 200_000
    return stations(
        "<table:table-row><table:table-cell><text:p>" + "<text:span>" * depth
        + "</text:span>" * depth + "</text:p></table:table-cell></table:table-row>",
        compress=zipfile.ZIP_STORED,
    )  # fmt: skip


# --- .xlsx -------------------------------------------------------------------------------

MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def xlsx(parts: dict[str, bytes], compress=zipfile.ZIP_DEFLATED, strings=b"") -> bytes:
    """A workbook openpyxl writes (one sheet, "code" and "city"), with parts replaced or added.

    ``strings``: a shared-strings table to add (openpyxl writes none: its cells hold text).
    """
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "stations"
    book.active.append(["code", "city"])
    plain = io.BytesIO()
    book.save(plain)
    source = zipfile.ZipFile(io.BytesIO(plain.getvalue()))
    if strings:
        parts["xl/sharedStrings.xml"] = strings
        parts["[Content_Types].xml"] = source.read("[Content_Types].xml").replace(
            b"</Types>",
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compress, compresslevel=1) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, parts.pop(info.filename, source.read(info)))
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def sheet(rows: bytes) -> bytes:
    head = (
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c>'
        b'<c r="B1" t="inlineStr"><is><t>city</t></is></c></row>'
    )
    body = b"<sheetData>" + head + rows + b"</sheetData>"
    return b"<worksheet " + MAIN.encode() + b">" + body + b"</worksheet>"


@functools.cache
def _tiny_strings() -> bytes:
    return b"".join(b"<si><t>%x</t></si>" % number for number in range(2_000_000))


def shared_strings(attributes: bytes) -> bytes:
    """Two million tiny distinct texts (44 MB of XML in a file of about 9 MB)."""
    table = b"<sst " + MAIN.encode() + attributes + b">" + _tiny_strings() + b"</sst>"
    rows = b'<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c></row>'
    return xlsx({"xl/worksheets/sheet1.xml": sheet(rows)}, strings=table)


def declared_strings():
    return shared_strings(b' count="2000000" uniqueCount="2000000"')


def undeclared_strings():
    return shared_strings(b"")


def styles():
    formats = b"".join(b'<xf numFmtId="%d" fontId="0"/>' % n for n in range(300_000))
    return xlsx({"xl/styles.xml": b"<styleSheet " + MAIN.encode() + b"><cellXfs>" + formats
                 + b"</cellXfs></styleSheet>"})  # fmt: skip


def column_gap():
    # Blank cells in the last column make openpyxl build rows 16,384 cells wide.
    rows = b"".join(b'<row r="%d"><c r="XFD%d"/></row>' % (n, n) for n in range(2, 60_000))
    return xlsx({"xl/worksheets/sheet1.xml": sheet(rows + b'<row r="60000"><c r="XFD60000">'
                                                         b"<v>1</v></c></row>")})  # fmt: skip


def row_number():
    # "1e9" is a row number openpyxl accepts: it would yield a billion empty rows.
    return xlsx({"xl/worksheets/sheet1.xml": sheet(b'<row r="1e9"/>')})


def blank_rows():
    rows = b"".join(b'<row r="%d" ht="1" customHeight="1"/>' % n for n in range(2, 1_000_000))
    return xlsx({"xl/worksheets/sheet1.xml": sheet(rows)})


def nested_xlsx():
    depth = 200_000
    rows = b'<row r="2"><c r="A2" t="inlineStr"><is>' + b"<x>" * depth + b"</x>" * depth
    return xlsx({"xl/worksheets/sheet1.xml": sheet(rows + b"</is></c></row>")},
                compress=zipfile.ZIP_STORED)  # fmt: skip


# --- CSV ---------------------------------------------------------------------------------


def comma_bomb():
    return b"code,city" + b"," * 1_000_000 + b"\nNLD01,Amsterdam\n"


#: File name: (KIND, how to build it, what its one line says).
HOSTILE = {
    "comma-bomb.csv": ("stations", comma_bomb, "separators"),
    "repeated-rows.ods": ("stations", repeated_rows, "more than 10,000 cells"),
    "packed-rows.ods": ("stations", packed_rows, "a zip bomb"),
    "repeated-columns.ods": ("stations", repeated_columns, "more than 10,000 cells"),
    "covered-cells.ods": ("stations", covered_cells, "more than 10,000 cells"),
    "row-groups.ods": ("stations", row_groups, "more than 10,000 cells"),
    "repeated-sheets.ods": ("all", repeated_sheets, "more than 10,000 cells"),
    "many-sheets.ods": ("all", many_sheets, "“x9” and 890 more: name each sheet"),
    "too-many-sheets.ods": ("all", too_many_sheets, "holds more than 1,000 sheets"),
    "text-c-bomb.ods": ("stations", text_c_bomb, "more than 32,767 characters"),
    "columns-bomb.ods": ("stations", columns_bomb, "more than 100 columns"),
    "rows-bomb.ods": ("stations", rows_bomb, "repeated 1,000,000,000 times"),
    "zip-bomb.ods": ("stations", zip_bomb, "a zip bomb"),
    "small-zip-bomb.ods": ("stations", small_zip_bomb, "a zip bomb"),
    "many-parts.ods": ("stations", many_parts, "more than 1,000 parts"),
    "lying-size.ods": ("stations", lying_size, "not a readable .ods workbook"),
    "nested.ods": ("stations", nested_ods, "nests deeper than 64 levels"),
    "declared-strings.xlsx": ("stations", declared_strings, "more than 1,002 texts"),
    "undeclared-strings.xlsx": ("stations", undeclared_strings, "more than 1,002 texts"),
    "styles.xlsx": ("stations", styles, "more than 200,000 elements"),
    "column-gap.xlsx": ("stations", column_gap, "more than 100 columns"),
    "row-number.xlsx": ("stations", row_number, "numbers a row beyond 1,048,576"),
    "blank-rows.xlsx": ("stations", blank_rows, "more than 100,000 rows without any value"),
    "nested.xlsx": ("stations", nested_xlsx, "nests deeper than 64 levels"),
}


# --- Measuring ---------------------------------------------------------------------------


def migrated_database(folder: Path) -> dict:
    """A migrated SQLite database in ``folder``; the environment that points at it."""
    path = folder / "db.sqlite3"
    env = {
        "DATABASE_URL": f"sqlite:///{path}",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production",
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    return env


# Started between us and the command, so that the command's peak is its own: Linux counts
# into a process's ru_maxrss the memory of the process it was forked from (here, this
# one, which may hold large files), so the command is forked from this small launcher.
LAUNCHER = """
import json, os, subprocess, sys, time
started = time.perf_counter()
process = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(process.pid, 0)
seconds = time.perf_counter() - started
with open(sys.argv[1], "w") as out:
    json.dump({"code": os.waitstatus_to_exitcode(status), "seconds": seconds,
               "peak_kib": usage.ru_maxrss}, out)
"""


def measure(command: list[str], env: dict, timeout: float = 60) -> dict:
    """Run a command; its exit status, output, wall time and own peak memory (wait4)."""
    with tempfile.TemporaryDirectory() as folder:
        report, out, err = (Path(folder) / name for name in ("report", "out", "err"))
        with out.open("wb") as stdout, err.open("wb") as stderr:
            launcher = subprocess.Popen(
                [sys.executable, "-c", LAUNCHER, str(report), *command],
                cwd=ROOT, env=env, stdout=stdout, stderr=stderr, start_new_session=True,
            )  # fmt: skip
            try:
                launcher.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(launcher.pid, signal.SIGKILL)
                launcher.wait()
        killed = {"code": -9, "seconds": timeout, "peak_kib": 0}
        done = json.loads(report.read_text()) if report.exists() else killed
        return {
            "code": done["code"],
            "seconds": done["seconds"],
            "peak_mb": done["peak_kib"] / 1024,  # ru_maxrss is in KiB on Linux
            "stdout": out.read_text(errors="replace"),
            "stderr": err.read_text(errors="replace"),
        }


def run_file(name: str, folder: Path, env: dict) -> dict:
    """Build one hostile file in ``folder`` and import it; the measurement and the file size."""
    kind, build, _ = HOSTILE[name]
    path = folder / name
    path.write_bytes(build())
    result = measure([sys.executable, "manage.py", "import_sheet", kind, str(path)], env)
    result["bytes"] = path.stat().st_size
    path.unlink()
    return result


def report(results: dict[str, dict]) -> str:
    lines = [
        f"## Hostile files ({time.strftime('%Y-%m-%d')})",
        "",
        "`python manage.py import_sheet KIND FILE` on files made to exhaust an importer "
        "(`bench/hostile_sheets.py`), each in a process of its own: wall time of the whole "
        "process (Python and Django's start included) and its peak memory (maximum "
        "resident size, from `wait4`). Targets: exit status 2, one line, ≤ 2 s, ≤ 300 MB.",
        "",
        "| file | bytes | exit | seconds | peak memory | message |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, r in results.items():
        message = r["stderr"].strip().replace("|", "\\|")[:160]
        lines.append(
            f"| `{name}` | {r['bytes']:,} | {r['code']} | {r['seconds']:.2f} | "
            f"{r['peak_mb']:.0f} MB | {message} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", help="Append the results table to this file.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = migrated_database(Path(folder))
        results = {name: run_file(name, Path(folder), env) for name in HOSTILE}
    text = report(results)
    print(text)
    if args.output:
        with open(args.output, "a", encoding="utf-8") as out:
            out.write("\n" + text)


if __name__ == "__main__":
    main()
