"""One story per station: status, active years and closure never contradict each other.

The walk covers every published station of the seed, so a change to the
fixtures or to the rules that makes any page contradict itself fails here.
"""

import datetime

import pytest
from django.urls import reverse

from tracker.models import Citation, Event, Source, State, Station

pytestmark = pytest.mark.django_db

YEARS = range(2010, datetime.date.today().year + 2)


def expected_years(station) -> set[int]:
    """The years a reader would call the station active, from its story alone."""
    start, end = station.active_from, station.end_year
    if start is None:
        return set()
    if end is None:
        # A closed station with no end: known to have ended, not when.
        end = start if station.is_closed else YEARS[-1]
    return set(range(start, end + 1)) & set(YEARS)


def test_every_published_station_tells_one_story(client):
    stations = list(Station.objects.published().with_places())
    active = {
        year: set(Station.objects.published().active_in(year).values_list("code", flat=True))
        for year in YEARS
    }
    problems = []
    for station in stations:
        page = client.get(station.get_absolute_url()).content.decode()
        closure = station.closure
        if station.is_closed and "still active" in page:
            problems.append(f"{station.code}: closed but 'still active'")
        if closure and not station.is_closed:
            problems.append(f"{station.code}: a closure event but status {station.status}")
        if closure and station.active_until and station.active_until > closure.date.year:
            problems.append(f"{station.code}: active after its closure")
        if closure and closure.date_display not in page:
            problems.append(f"{station.code}: closure date not shown")
        if station.is_closed and not closure and "closing date unknown" not in page:
            problems.append(f"{station.code}: closed without a date, and the page does not say so")
        listed = {year for year in YEARS if station.code in active[year]}
        if listed != expected_years(station):
            problems.append(f"{station.code}: active_in gives {sorted(listed)}")
    assert problems == []


def test_closed_dutch_stations_are_not_active_now(client):
    query = {"active_in": 2026, "country": "NLD", "status": "closed"}
    response = client.get("/stations.json", query)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    assert '"count": 0' in body
    page = client.get(reverse("tracker:station_list"), query)
    assert page.context["page"].paginator.count == 0
    assert Station.objects.filter(country="NLD", status="closed").count() == 2


def test_a_closed_station_says_when_and_how_it_closed(client):
    page = client.get("/stations/NLD01/").content.decode()
    assert "Closed November 2022" in page
    assert "orders both offices closed" in page  # the closure event, linked
    assert "Active from 2018 to 2022" in page
    assert "still active" not in page


def test_the_list_gives_the_years_up_to_the_closure(client):
    response = client.get(reverse("tracker:station_list"), {"country": "NLD"})
    rows = {s.code: s.years_display for s in response.context["stations"]}
    assert rows["NLD01"] == "2018–2022"
    assert rows["NLD03"] == "2022"
    assert rows["NLD04"] == "from 2018"  # not closed: no source ties it to the closure order
    assert rows["NLD02"] == "Unknown"


def test_a_closure_event_gives_a_closed_station_its_date(client):
    # The seed types the UK minister's June 2023 statement as a statement; a
    # closure event naming the UK stations is what dates their closure.
    source = Source.objects.published().first()
    event = Event.objects.create(
        slug="2023-06-test-uk-closure",
        date=datetime.date(2023, 6, 1),
        date_precision="month",
        type=Event.Type.CLOSURE,
        title="The UK stations are closed",
        state=State.PUBLISHED,
    )
    event.stations.add(*Station.objects.filter(code__startswith="GBR"))
    Citation.objects.create(source=source, event=event)
    page = client.get("/stations/GBR02/").content.decode()
    assert "Closed June 2023" in page and "The UK stations are closed" in page
    assert "Years active unknown" not in page or "closing date unknown" not in page


def test_a_draft_closure_event_is_not_the_story(client):
    event = Event.objects.get(slug="2022-11-netherlands-orders-closure")
    Event.objects.filter(pk=event.pk).update(state=State.DRAFT)
    page = client.get("/stations/NLD01/").content.decode()
    assert "orders both offices closed" not in page
    assert "closing date unknown" in page
