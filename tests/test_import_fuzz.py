"""Property tests: malformed rows and files never raise, and never write a thing."""

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.models import Citation, Station
from tracker.resources import RESOURCES
from tracker.sheets import SheetError, read_dataset, rows_to_dataset

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


def snapshot():
    return (
        list(Station.objects.order_by("pk").values_list("code", "version", "city")),
        Citation.objects.count(),
        Station.history.count(),
    )


@pytest.mark.django_db
@FUZZ
@given(
    kind=st.sampled_from(sorted(RESOURCES)),
    columns=header,
    rows=st.lists(st.lists(cell, min_size=0, max_size=9), max_size=12),
    data=st.data(),
)
def test_malformed_rows_never_crash_and_never_write_when_rejected(kind, columns, rows, data):
    before = snapshot()
    try:
        dataset = rows_to_dataset([columns, *rows], title=kind)
        result = RESOURCES[kind]().import_data(dataset, dry_run=data.draw(st.booleans()))
    except SheetError as error:
        assert str(error)
        assert snapshot() == before
        return
    if result.problems or result.dry_run:
        assert snapshot() == before
    for problem in result.problems:
        assert problem.row >= 2 and problem.message


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
        dataset = read_dataset(content, suffix, "stations")
        RESOURCES["stations"]().import_data(dataset, dry_run=True)
    except SheetError as error:
        assert str(error)
    assert snapshot() == before


@pytest.mark.django_db
@FUZZ
@given(rows=st.lists(st.lists(st.text(max_size=20), min_size=13, max_size=13), max_size=6))
def test_csv_written_by_any_program_reads_back_cell_for_cell(rows):
    columns = RESOURCES["stations"]().column_names
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
