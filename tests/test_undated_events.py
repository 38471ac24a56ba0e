"""Undated events: a date no source gives stays blank, and the event is listed last.

The tracker never guesses a date. An event whose sources give none is
"undated": its date is blank, it comes after every dated event wherever
events are listed, it says "date unknown" in each language, and it matches
no year filter.
"""

import csv
import io
import json
from io import StringIO
from xml.etree import ElementTree

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from tracker.models import Citation, Country, Event, Source, State, Station
from tracker.sheets import read_dataset

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SLUG = "undated-notice-in-ireland"


@pytest.fixture
def undated():
    """A published event in Ireland, naming IRL01, that no source dates."""
    event = Event.objects.create(
        slug=SLUG,
        date=None,
        date_precision=Event.Precision.UNDATED,
        type=Event.Type.STATEMENT,
        title="A notice no source dates",
        state=State.PUBLISHED,
    )
    event.countries.add(Country.objects.get(code="IRL"))
    event.stations.add(Station.objects.get(code="IRL01"))
    Citation.objects.create(source=Source.objects.published().first(), event=event)
    return event


def body(response) -> str:
    assert response.status_code == 200, response
    return b"".join(response.streaming_content).decode()


def test_undated_event_is_listed_after_every_dated_one(client, undated):
    response = client.get(f"{reverse('tracker:event_list')}?country=IRL")
    slugs = [event.slug for event in response.context["page"].object_list]
    assert len(slugs) > 1 and slugs[-1] == SLUG
    html = response.content.decode()
    assert '<h3 id="year-undated">Date unknown</h3>' in html
    assert html.index('id="year-2022"') < html.index('id="year-undated"')
    assert list(Event.objects.published().oldest_first())[-1] == undated
    assert list(Event.objects.published().newest_first())[-1] == undated


def test_undated_event_comes_last_in_downloads_feed_and_station_timeline(client, undated):
    rows = list(csv.DictReader(io.StringIO(body(client.get("/events.csv?country=IRL")))))
    assert rows[-1]["slug"] == SLUG and rows[-1]["date"] == ""
    data = json.loads(body(client.get("/events.json?country=IRL")))
    last = data["results"][-1]
    assert (last["slug"], last["date"], last["date_precision"]) == (SLUG, None, "undated")

    feed = ElementTree.fromstring(client.get("/events/feed/?country=IRL").content)  # noqa: S314
    entries = feed.findall(f"{ATOM}entry")
    assert entries[-1].find(f"{ATOM}link").get("href").endswith(f"/events/{SLUG}/")
    # Atom needs an updated time: an undated entry has its last change, no published date.
    assert entries[-1].find(f"{ATOM}updated").text.startswith(str(undated.updated_at.year))
    assert entries[-1].find(f"{ATOM}published") is None
    assert entries[-1].find(f"{ATOM}title").text.startswith("date unknown: ")

    station = client.get("/stations/IRL01/")
    assert [event.slug for event in station.context["station"].timeline][-1] == SLUG


@pytest.mark.parametrize(
    ("prefix", "words"), [("", "date unknown"), ("/zh-hans", "日期不详"), ("/zh-hant", "日期不詳")]
)
def test_undated_event_says_date_unknown_in_every_language(client, undated, prefix, words):
    page = client.get(f"{prefix}/events/{SLUG}/").content.decode()
    assert f'<span class="date-unknown">{words}</span>' in page
    assert 'datetime=""' not in page
    listing = client.get(f"{prefix}/events/?country=IRL").content.decode()
    assert f'<span class="date-unknown">{words}</span>' in listing


@pytest.mark.parametrize("query", ["year=2022", "from=2014", "to=2030", "from=1949&to=2100"])
def test_undated_event_matches_no_year_filter(client, undated, query):
    response = client.get(f"{reverse('tracker:event_list')}?{query}")
    assert SLUG not in [event.slug for event in response.context["page"].paginator.object_list]
    years = [choice["value"] for choice in response.context["facets"]["year"]]
    assert "None" not in years and "" not in years


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_undated_event_round_trips_through_export_and_import(tmp_path, undated, suffix):
    exported = tmp_path / f"events.{suffix}"
    call_command("export_sheet", "events", str(exported), stdout=StringIO())
    rows = {row["slug"]: row for row in read_dataset(exported.read_bytes(), suffix, "events").dict}
    assert rows[SLUG]["date"] in ("", None)

    out = StringIO()
    call_command("import_sheet", "events", str(exported), stdout=out)
    assert " 0 new, 0 changed" in " " + out.getvalue()
    undated.refresh_from_db()
    assert (undated.date, undated.date_precision) == (None, "undated")


def test_a_blank_date_in_a_sheet_makes_a_new_event_undated(tmp_path):
    sheet = tmp_path / "events.csv"
    sheet.write_text(
        "slug,date,type,title,countries,state\nnew-undated,,statement,Undated,MMR,draft\n",
        encoding="utf-8",
    )
    call_command("import_sheet", "events", str(sheet), stdout=StringIO())
    event = Event.objects.get(slug="new-undated")
    assert (event.date, event.date_precision) == (None, "undated")


def test_undated_means_no_date_and_the_database_holds_to_it():
    event = Event(slug="x", type="report", title="X", date=None, date_precision="day")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        event.full_clean()
    assert "leave it blank when no source gives one" in str(refused.value)
    with transaction.atomic(), pytest.raises(IntegrityError):
        Event.objects.create(
            slug="y", type="report", title="Y", date="2022-01-01", date_precision="undated"
        )


def test_admin_form_takes_a_blank_date_as_undated(editor_client):
    response = editor_client.post(
        reverse("admin:tracker_event_add"),
        {
            "title": "Undated in the admin",
            "slug": "undated-in-the-admin",
            "date": "",
            "type": "statement",
            "description": "",
            "citations-TOTAL_FORMS": "0",
            "citations-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = Event.objects.get(slug="undated-in-the-admin")
    assert (event.date, event.date_precision) == (None, "undated")


def test_needs_work_lists_events_without_a_date(editor_client, undated):
    html = editor_client.get(reverse("admin-needs-work")).content.decode()
    assert "Events without a date" in html
    assert "date_precision__exact=undated" in html
    listing = editor_client.get(
        reverse("admin:tracker_event_changelist") + "?date_precision__exact=undated"
    )
    assert listing.status_code == 200
    assert undated in listing.context["cl"].result_list
