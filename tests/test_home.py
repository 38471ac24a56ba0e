"""The home page: headline counts, the world map, charts, latest events, method."""

import pytest
from django.urls import reverse

from tracker.models import Event, Station

pytestmark = pytest.mark.django_db


def test_home_shows_headline_counts_of_published_records(client):
    response = client.get(reverse("tracker:home"))
    assert response.status_code == 200
    totals = response.context["totals"]
    assert totals == {"stations": 70, "countries": 39, "bureaus": 6}
    assert response.context["event_count"] == Event.objects.published().count()


def test_home_map_links_each_country_with_stations_to_its_page(client):
    html = client.get(reverse("tracker:home")).content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert 'href="/countries/NLD/"' in html
    assert "Spain: 9 stations" in html
    # A country without stations is drawn but not linked.
    assert 'href="/countries/NOR/"' not in html


def test_home_charts_count_stations_by_continent_and_bureau(client):
    response = client.get(reverse("tracker:home"))
    continents = {row["value"]: row["count"] for row in response.context["continents"]}
    assert continents["africa"] == 11
    assert sum(continents.values()) == 70
    bureaus = {row["slug"]: row["count"] for row in response.context["bureaus"]}
    assert bureaus["qingtian"] == 22
    html = response.content.decode()
    assert '<span lang="zh-Hans" class="zh">青田县公安局</span>' in html


def test_home_lists_latest_events_newest_first(client):
    response = client.get(reverse("tracker:home"))
    latest = list(response.context["latest_events"])
    assert latest
    assert [e.date for e in latest] == sorted((e.date for e in latest), reverse=True)
    # newest_first(): PostgreSQL would put the undated events first in a bare "-date".
    newest = Event.objects.published().newest_first().first()
    assert newest.title in response.content.decode()


def test_home_explains_how_records_are_sourced_and_reviewed(client):
    html = client.get(reverse("tracker:home")).content.decode()
    assert "About and method" in html
    assert "published" in html


def test_home_counts_leave_out_a_draft_station(client):
    Station.objects.filter(code="NLD01").update(state="draft")
    response = client.get(reverse("tracker:home"))
    assert response.context["totals"]["stations"] == 69
