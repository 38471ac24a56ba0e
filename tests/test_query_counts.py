"""Every public page and data URL runs a fixed number of queries, whatever the data size.

Each URL gets one bound, checked with 10 and with 1,000 published stations (each
with two citations, a tenth of them named by events): a page that queried per
row would blow the bound at 1,000.
"""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from tracker.models import Bureau, Citation, Correction, Country, Event, Source, State, Station

pytestmark = pytest.mark.django_db

COUNTRIES = [
    "AUT", "BEL", "CAN", "DEU", "ESP", "FRA", "GBR", "HUN", "IRL", "ITA",
    "JPN", "KOR", "NLD", "NZL", "POL", "PRT", "SRB", "SWE", "USA", "ZAF",
]  # fmt: skip

#: The most queries each URL may run, at either size, for its first reader after a
#: change (later readers get the cached counts and fewer queries). One of them is the
#: public data stamp that every public URL's validator is made of (tracker/middleware.py).
BOUNDS = {
    # The home page's counts, plus the dataset facts of its JSON-LD (stamp and three).
    "/": 13,
    "/stations/": 12,
    "/stations/?country=NLD&country=ESP&bureau=qingtian&active_in=2018&sort=city&page=1": 14,
    "/stations/?q=amsterdam": 12,
    "/stations/?q=uk&active_in=2020": 13,
    "/stations/AUT01/": 5,
    # The events pages count the matches per country and type (2 queries).
    "/events/": 13,
    "/events/?type=raid&year=2022&country=NLD": 14,
    "/events/?type=raid&type=closure&from=2020&to=2023": 13,
    "/events/?station=AUT01": 13,
    "/sources/": 4,
    "/sources/bulk-a/": 4,
    "/countries/NLD/": 7,
    "/bureaus/qingtian/": 5,
    # A download names the data version from the stamp the validator already read.
    "/stations.csv": 3,
    "/stations.json": 4,
    "/stations.geojson": 4,
    # A filtered download counts its records first, against the client's allowance,
    # kept under the client's salted hash (the day's salt is in the database when
    # each process has its own cache).
    "/stations.csv?active_in=2020": 5,
    "/events.csv": 5,
    "/events.json": 6,
    "/events/summary.csv": 3,
    "/events/feed/": 2,
    # Findability: one query per section for the index's dates and one to count its pages.
    "/sitemap.xml": 12,
    "/sitemap-stations.xml": 3,
    "/sitemap-events.xml": 3,
    "/sitemap-sources.xml": 3,
    "/sitemap-countries.xml": 3,
    "/sitemap-bureaus.xml": 3,
    "/sitemap-pages.xml": 1,
    "/robots.txt": 1,
    # Whether any published source has an archived copy, for the page to say so or not.
    "/about/": 2,
    "/.well-known/security.txt": 1,
    "/stations/AUT01/cite.bib": 3,
    "/stations/AUT01/cite.ris": 3,
    "/events/bulk-event-0/cite.bib": 5,
    "/events/bulk-event-0/cite.ris": 5,
    "/sources/bulk-a/cite.bib": 2,
    "/sources/bulk-a/cite.ris": 2,
    # The log: the page's entries and their count.
    "/changes/": 3,
    "/changes/?kind=stations&record=AUT01": 3,
    "/changes/feed/": 2,
    # Releases are files: their manifests are read; the database gives the stamp and
    # the dataset facts of the page's JSON-LD (as on the home page).
    "/data/": 5,
    "/events/feed/?type=raid": 2,
}


@pytest.fixture(params=[10, 1000], ids=["10-stations", "1000-stations"])
def dataset(request):
    """Replace the seed's stations with ``n`` published stations made in bulk."""
    n = request.param
    Station.objects.all().delete()
    bureaus = list(Bureau.objects.order_by("slug"))
    countries = {c.code: c for c in Country.objects.filter(code__in=COUNTRIES)}
    stations = Station.objects.bulk_create(
        Station(
            code=f"{COUNTRIES[i % 20]}{i // 20 + 1:02d}",
            country=countries[COUNTRIES[i % 20]],
            city="Amsterdam" if i % 3 == 0 else "",
            bureau=bureaus[i % len(bureaus)],
            active_from=2016 + i % 5,
            status=Station.Status.REPORTED,
            state=State.PUBLISHED,
            search_text=f"station {i} amsterdam",
        )
        for i in range(n)
    )
    sources = Source.objects.bulk_create(
        [
            Source(key="bulk-a", title="Bulk A", state=State.PUBLISHED),
            Source(key="bulk-b", title="Bulk B", state=State.PUBLISHED),
        ]
    )
    Citation.objects.bulk_create(
        Citation(source=source, station=station) for station in stations for source in sources
    )
    events = Event.objects.bulk_create(
        Event(
            slug=f"bulk-event-{i}",
            date=datetime.date(2022, 1 + i % 12, 1),
            type="raid",
            title=f"Bulk event {i}",
            state=State.PUBLISHED,
        )
        for i in range(max(n // 10, 1))
    )
    Event.stations.through.objects.bulk_create(
        Event.stations.through(event=events[i % len(events)], station=station)
        for i, station in enumerate(stations[: len(events) * 3])
    )
    Event.countries.through.objects.bulk_create(
        Event.countries.through(event=event, country=countries["NLD"]) for event in events
    )
    Citation.objects.bulk_create(Citation(source=sources[0], event=event) for event in events)
    Correction.objects.bulk_create(
        Correction(
            kind="station",
            record_key=station.code,
            record_label=station.code,
            changes=[{"field": "city", "label": "city", "old": "", "new": "Amsterdam"}],
            note="Corrected.",
        )
        for station in stations
    )
    return n


def fetch(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    if response.streaming:
        b"".join(response.streaming_content)
    return response


@pytest.mark.parametrize("url", list(BOUNDS))
def test_query_count_does_not_grow_with_the_data(
    client, dataset, url, django_assert_max_num_queries
):
    fetch(client, url)  # warm caches that are not per request (gazetteer, map outlines)
    # Count the page as its first reader after a change sees it: with the
    # counts it caches computed afresh.
    cache.clear()
    with django_assert_max_num_queries(BOUNDS[url]):
        fetch(client, url)


def test_the_bulk_dataset_is_what_the_pages_show(client, dataset):
    response = client.get(reverse("tracker:station_list"))
    assert response.context["page"].paginator.count == dataset
