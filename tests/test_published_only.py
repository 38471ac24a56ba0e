"""Only published records exist for the public: a walk over every public URL."""

import pytest
from django.urls import reverse

from tracker.models import Bureau, Citation, Country, Event, Source, State, Station

pytestmark = pytest.mark.django_db

MARKERS = ["NLD99", "Draftville", "draft-event-secret", "Secret Draft", "draft-source-secret"]


@pytest.fixture
def drafts():
    """A draft station, event and source, each tied to published records."""
    netherlands = Country.objects.get(code="NLD")
    published_station = Station.objects.get(code="NLD01")
    station = Station.objects.create(
        code="NLD99",
        country=netherlands,
        city="Draftville",
        bureau=Bureau.objects.get(slug="qingtian"),
        host="Secret Draft Host",
        active_from=2015,
        state=State.DRAFT,
    )
    source = Source.objects.create(
        key="draft-source-secret", title="Secret Draft Source", state=State.DRAFT
    )
    event = Event.objects.create(
        slug="draft-event-secret",
        date="2023-03-01",
        type="raid",
        title="Secret Draft Event",
        state=State.DRAFT,
    )
    event.countries.add(netherlands)
    event.stations.add(published_station, station)
    published_event = Event.objects.filter(countries=netherlands).first()
    published_event.stations.add(station)
    Citation.objects.create(source=source, station=published_station, locator="Secret Draft")
    Citation.objects.create(source=source, event=published_event)
    Citation.objects.create(
        source=Source.objects.get(key="wikipedia-overseas-stations"), station=station
    )
    return station, event, source


def public_urls():
    """Every public page and data URL, with the filters that could reach a draft."""
    urls = [
        reverse("tracker:home"),
        reverse("tracker:station_list"),
        reverse("tracker:event_list"),
        reverse("tracker:source_list"),
        reverse("tracker:event_feed"),
    ]
    station_queries = ["", "?country=NLD", "?q=draftville", "?bureau=qingtian", "?active_in=2016"]
    for query in station_queries:
        urls += [
            reverse("tracker:station_list") + query,
            reverse("tracker:stations_csv") + query,
            reverse("tracker:stations_json") + query,
            reverse("tracker:stations_geojson") + query,
        ]
    for query in ["", "?country=NLD", "?type=raid", "?year=2023", "?station=NLD01", "?q=secret"]:
        urls += [
            reverse("tracker:event_list") + query,
            reverse("tracker:events_csv") + query,
            reverse("tracker:events_json") + query,
        ]
    urls += [s.get_absolute_url() for s in Station.objects.published()]
    urls += [e.get_absolute_url() for e in Event.objects.published()]
    urls += [s.get_absolute_url() for s in Source.objects.published()]
    urls += [b.get_absolute_url() for b in Bureau.objects.all()]
    codes = set(Station.objects.values_list("country_id", flat=True))
    urls += [reverse("tracker:country_detail", args=[code]) for code in sorted(codes)]
    return urls


def content(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode()


def test_no_public_url_shows_a_draft_station_event_or_source(client, drafts):
    urls = public_urls()
    assert len(urls) > 150
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = content(response)
        for marker in MARKERS:
            assert marker not in text, f"{marker} leaked on {url}"


def test_drafts_answer_404(client, drafts):
    station, event, source = drafts
    for url in (
        reverse("tracker:station_detail", args=[station.code]),
        reverse("tracker:event_detail", args=[event.slug]),
        reverse("tracker:source_detail", args=[source.key]),
    ):
        assert client.get(url).status_code == 404, url


def test_records_in_review_are_not_public_either(client, drafts):
    station, event, source = drafts
    for record in drafts:
        type(record).objects.filter(pk=record.pk).update(state=State.REVIEW)
    assert client.get(station.get_absolute_url()).status_code == 404
    assert "NLD99" not in content(client.get(reverse("tracker:stations_csv")))


def test_counts_and_facets_ignore_drafts(client, drafts):
    home = client.get(reverse("tracker:home")).context
    assert home["totals"]["stations"] == 70
    listing = client.get(reverse("tracker:station_list")).context
    countries = {choice["value"]: choice["count"] for choice in listing["facets"]["country"]}
    assert countries["NLD"] == 4
    years = {choice["value"]: choice["count"] for choice in listing["facets"]["active_in"]}
    assert "2015" not in years
    country = client.get(reverse("tracker:country_detail", args=["NLD"])).context
    assert country["station_count"] == "4 stations"
