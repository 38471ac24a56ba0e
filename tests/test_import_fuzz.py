"""Property tests: malformed rows and files never raise, and never write a thing."""

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.importing.columns import KINDS, column_names
from tracker.importing.readers import Workbook
from tracker.importing.run import import_sheet
from tracker.models import Bureau, Citation, Event, Source, Station
from tracker.sheets import SheetError, read_dataset

#: Cells in a row of the stations sheet.
STATION_WIDTH = len(column_names("stations"))

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Cells people (and broken exports) produce: real values, near misses, junk.
cell = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "NLD01",
            "nld01",
            "NLD",
            "Netherlands",
            "Narnia",
            "fuzhou",
            "Fuzhou City Public Security Bureau",
            "yes",
            "maybe",
            "2016–?",
            "2022-2018",
            "1900",
            "na.",
            "2022.0",
            "published",
            "draft",
            "closed",
            "wikipedia-overseas-stations",
            "a;b;;c",
            "'=1+1",
            "=cmd|' /C calc'!A0",
            "2024-13-40",
            "https://example.org",
            "javascript:alert(1)",
        ]
    ),
    st.text(max_size=30),
)
header = st.lists(
    st.sampled_from(
        [
            "code",
            "country",
            "city",
            "capital",
            "bureau",
            "active",
            "status",
            "state",
            "sources",
            "slug",
            "date",
            "type",
            "title",
            "key",
            "kind",
            "url",
            "source",
            "station",
            "event",
            "locator",
            "Colour",
            "",
        ]
    ),
    min_size=1,
    max_size=8,
)


#: At least a thousand generated sheets, each small, so the run stays short.
MANY = settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def snapshot():
    return (
        list(Station.objects.order_by("pk").values_list("code", "version", "city")),
        list(Event.objects.order_by("pk").values_list("slug", "version")),
        list(Source.objects.order_by("pk").values_list("key", "version")),
        list(Bureau.objects.order_by("pk").values_list("slug", "name")),
        Citation.objects.count(),
        Station.history.count(),
        Event.history.count(),
        Citation.history.count(),
    )


def as_csv(rows) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def import_bytes(data: bytes, suffix: str, kind: str, dry_run: bool):
    with Workbook(io.BytesIO(data), suffix) as workbook:
        return import_sheet(workbook, kind, dry_run=dry_run)


@pytest.mark.django_db
@MANY
@given(
    kind=st.sampled_from(KINDS),
    columns=header,
    rows=st.lists(st.lists(cell, min_size=0, max_size=9), max_size=6),
    dry_run=st.booleans(),
)
def test_generated_sheets_never_crash_and_never_write_part(kind, columns, rows, dry_run):
    # Every outcome is a message (exit 2), rejected rows that change nothing, or a
    # complete import; never a traceback, never some rows written and others not.
    before = snapshot()
    data = as_csv([columns, *rows]) if any(c.strip() for c in columns) else b"x\n"
    try:
        result = import_bytes(data, "csv", kind, dry_run)
    except SheetError as error:
        assert str(error)
        assert snapshot() == before
        return
    for problem in result.problems:
        assert problem.row >= 2 and problem.message
    if result.problems or dry_run:
        assert snapshot() == before
    elif result.counts["new"] or result.counts["changed"]:
        assert snapshot() != before
    else:
        assert snapshot() == before


@pytest.mark.django_db
@FUZZ
@given(
    content=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(lambda t: t.encode("utf-8")),
        st.lists(st.lists(cell, max_size=6), max_size=8).map(
            lambda rows: "\n".join(",".join(r) for r in rows).encode("utf-8")
        ),
    ),
    suffix=st.sampled_from(["csv", "xlsx", "ods"]),
)
def test_arbitrary_bytes_give_a_message_or_a_result(content, suffix):
    before = snapshot()
    try:
        import_bytes(content, suffix, "stations", dry_run=True)
    except SheetError as error:
        assert str(error)
    assert snapshot() == before


@pytest.mark.django_db
@FUZZ
@given(
    rows=st.lists(
        st.lists(st.text(max_size=20), min_size=STATION_WIDTH, max_size=STATION_WIDTH), max_size=6
    )
)
def test_csv_written_by_any_program_reads_back_cell_for_cell(rows):
    columns = column_names("stations")
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=";").writerows([columns, *rows])
    text = buffer.getvalue()
    if "\x00" in text:
        return
    try:
        dataset = read_dataset(text.encode("utf-8-sig"), "csv", "stations")
    except SheetError:
        return
    assert dataset.headers == columns
    expected = [list(row) for row in rows]
    while expected and not any(cell.strip() for cell in expected[-1]):
        expected.pop()  # trailing blank rows are dropped, as spreadsheets leave them
    assert [list(row) for row in dataset] == expected
