"""``export_sheet`` and ``Resource.export()``: the contract columns, formulas neutralised."""

from io import StringIO

import pytest
from django.core.management import call_command

from tracker.models import Source, Station
from tracker.resources import (
    CitationResource,
    EventResource,
    SourceResource,
    StationResource,
)
from tracker.sheets import neutralise, read_dataset, unneutralise

STATION_COLUMNS = [
    "code",
    "country",
    "city",
    "location",
    "capital",
    "bureau",
    "active",
    "status",
    "host",
    "summary",
    "summary_zh_hans",
    "summary_zh_hant",
    "notes",
    "state",
    "sources",
]


@pytest.mark.django_db
def test_station_export_has_the_contract_columns_and_cells():
    dataset = StationResource().export(Station.objects.filter(code="NLD01"))

    assert dataset.headers == STATION_COLUMNS
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    station = Station.objects.get(code="NLD01")
    assert row["country"] == "NLD"
    assert row["bureau"] == station.bureau.slug
    assert row["capital"] in ("yes", "no")
    assert row["active"] == station.active
    assert row["sources"] == ";".join(
        sorted(station.citations.values_list("source__key", flat=True))
    )


@pytest.mark.django_db
def test_other_kinds_export_their_columns():
    assert EventResource().export().headers == [
        "slug",
        "date",
        "type",
        "title",
        "title_zh_hans",
        "title_zh_hant",
        "description",
        "description_zh_hans",
        "description_zh_hant",
        "countries",
        "stations",
        "state",
        "sources",
    ]
    assert SourceResource().export().headers[:5] == [
        "key",
        "title",
        "title_zh_hans",
        "title_zh_hant",
        "authors",
    ]
    assert CitationResource().export().headers == [
        "source",
        "station",
        "event",
        "supports",
        "locator",
        "quotation",
    ]


@pytest.mark.parametrize(
    ("value", "exported"),
    [
        ("=1+1", "'=1+1"),
        ("==1+1", "'==1+1"),
        ("+31 20 555", "'+31 20 555"),
        ("-A summary", "'-A summary"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("'=already quoted", "''=already quoted"),
        ("'plain quote", "'plain quote"),
        ("Amsterdam", "Amsterdam"),
        ("", ""),
    ],
)
def test_formula_cells_are_neutralised_and_read_back(value, exported):
    assert neutralise(value) == exported
    assert unneutralise(exported) == value


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["csv", "xlsx", "ods"])
def test_export_file_neutralises_formulas(tmp_path, suffix):
    Station.objects.filter(code="NLD01").update(summary='=HYPERLINK("http://x")', host="@evil")
    Source.objects.filter(key="wikipedia-overseas-stations").update(title="+danger")
    path = tmp_path / f"stations.{suffix}"

    call_command("export_sheet", "stations", str(path), stdout=StringIO())

    dataset = read_dataset(path.read_bytes(), suffix, "stations")
    row = dict(zip(dataset.headers, next(r for r in dataset if r[0] == "NLD01"), strict=True))
    assert row["summary"] == '\'=HYPERLINK("http://x")'
    assert row["host"] == "'@evil"
    if suffix == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path).active
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@pytest.mark.django_db
def test_export_sheet_all_needs_a_workbook(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="needs a workbook|writes a workbook"):
        call_command("export_sheet", "all", str(tmp_path / "all.csv"), stdout=StringIO())
