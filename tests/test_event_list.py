"""/events/: the timeline grouped by year, with the contract's filters."""

import pytest
from django.urls import reverse

from tracker.models import Event

pytestmark = pytest.mark.django_db

URL = reverse("tracker:event_list")


def slugs(response):
    return [event.slug for event in response.context["page"].object_list]


def test_timeline_is_grouped_by_year_newest_first(client):
    response = client.get(URL)
    html = response.content.decode()
    assert response.context["result_count"] == f"{Event.objects.published().count()} events"
    assert '<h3 id="year-2024">2024</h3>' in html
    assert html.index('id="year-2024"') < html.index('id="year-2014"')


def test_filter_by_type(client):
    response = client.get(f"{URL}?type=closure")
    events = response.context["page"].object_list
    assert events and {event.type for event in events} == {"closure"}
    assert response.context["result_count"] == "3 events"


def test_filter_by_country_station_and_year(client):
    assert "2022-10-dublin-closure-order" in slugs(client.get(f"{URL}?country=IRL"))
    assert slugs(client.get(f"{URL}?station=IRL01")) == ["2022-10-dublin-closure-order"]
    assert slugs(client.get(f"{URL}?station=irl01")) == ["2022-10-dublin-closure-order"]
    years = {event.date.year for event in client.get(f"{URL}?year=2023").context["page"]}
    assert years == {2023}


def test_search_finds_events_by_their_words(client):
    found = slugs(client.get(f"{URL}?q=capel"))
    assert found == ["2022-10-dublin-closure-order"]


def test_facets_count_types_years_and_countries(client):
    facets = client.get(f"{URL}?year=2022").context["facets"]
    types = {choice["value"]: choice["count"] for choice in facets["type"]}
    assert (
        types["closure"]
        == Event.objects.published().filter(type="closure", date__year=2022).count()
    )
    years = {choice["value"]: choice for choice in facets["year"]}
    assert years["2022"]["selected"]
    assert "2014" in years  # the year facet ignores its own filter


def test_event_list_links_data_urls_with_the_filter(client):
    html = client.get(f"{URL}?type=raid").content.decode()
    assert 'href="/events.csv?type=raid"' in html
    assert 'href="/events.json?type=raid"' in html


def test_draft_event_is_left_out(client):
    Event.objects.filter(slug="2022-10-dublin-closure-order").update(state="draft")
    assert "2022-10-dublin-closure-order" not in slugs(client.get(f"{URL}?country=IRL"))


def test_cached_country_counts_follow_a_change_of_links(client):
    # Changing only an event's countries writes no event field, but its
    # history entry moves the data stamp, so the cached counts are redone.
    def count_for(code):
        facets = client.get("/events/").context["facets"]["country"]
        return next((c["count"] for c in facets if c["value"] == code), 0)

    before = count_for("NZL")
    event = Event.objects.published().exclude(countries="NZL").first()
    event.countries.add("NZL")
    assert count_for("NZL") == before + 1
