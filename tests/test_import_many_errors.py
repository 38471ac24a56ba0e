"""A sheet of many wrong cells is refused quickly and in bounded memory.

Every rejected row is still named (the command line lists them all), but the
near-miss suggestions ("Did you mean ISL (Iceland)?"), which compare a value
with every valid one, are worked out once per mistake and for the first
mistakes only; and the admin's preview keeps the first problems and counts
the rest, so an upload of a few megabytes of wrong rows never holds a
message per cell.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tracker.importing import hints, lookups
from tracker.importing.lookups import HINTS_PER_IMPORT
from tracker.importing.readers import Workbook
from tracker.importing.run import import_sheet

pytestmark = pytest.mark.django_db


def run_csv(kind, text, **kwargs):
    with Workbook(io.BytesIO(text.encode()), "csv") as workbook:
        return import_sheet(workbook, kind, reason="test sheet", **kwargs)


def wrong_countries(rows: int, distinct: bool) -> str:
    lines = ["code,country,city"]
    for n in range(rows):
        country = f"Q{n:05d}" if distinct else "ICL"
        lines.append(f"ISL{n % 100:02d},{country},Reykjavik")
    return "\n".join(lines) + "\n"


@pytest.fixture
def suggestions(monkeypatch):
    """Count how often a country suggestion is worked out."""
    calls = []
    original = hints.country_hint

    def counting(value, countries):
        calls.append(value)
        return original(value, countries)

    monkeypatch.setattr(lookups, "country_hint", counting)
    return calls


def test_a_repeated_mistake_is_suggested_for_once_and_named_on_every_row(suggestions):
    result = run_csv("stations", wrong_countries(300, distinct=False), dry_run=True)
    refused = [p for p in result.problems if p.column == "country"]
    assert len(refused) == 300
    assert all("Did you mean ISL (Iceland)?" in p.message for p in refused)
    assert suggestions == ["ICL"]


def test_suggestions_stop_after_the_first_mistakes_but_every_row_is_named(suggestions):
    rows = HINTS_PER_IMPORT + 300
    result = run_csv("stations", wrong_countries(rows, distinct=True), dry_run=True)
    refused = [p for p in result.problems if p.column == "country"]
    assert len(refused) == rows
    assert len(suggestions) == HINTS_PER_IMPORT
    assert refused[-1].message.endswith("write an ISO3 code (NLD) or an English name.")


def test_the_admin_preview_lists_the_first_problems_and_counts_the_rest(editor_client):
    rows = 1500
    content = wrong_countries(rows, distinct=False).encode()
    response = editor_client.post(
        reverse("admin:tracker_station_import"),
        {
            "import_file": SimpleUploadedFile("wrong.csv", content),
            "format": "0",
            "resource": "0",
        },
    )
    assert response.status_code == 200
    sheet = response.context["sheet"]
    # Each row has two problems (its duplicate code after the first hundred, its country).
    listed = len(sheet["problems"])
    assert listed == 1000
    assert sheet["more_problems"] > 0
    assert sheet["counts"]["rejected"] == rows
    page = response.content.decode()
    assert f"and {sheet['more_problems']} more, not listed here" in page
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
