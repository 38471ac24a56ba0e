"""/countries/<ISO3>/: a country's published stations and events, on a map."""

import pytest
from django.urls import reverse

from tracker.models import Event, Station

pytestmark = pytest.mark.django_db


def get(client, code="NLD"):
    return client.get(reverse("tracker:country_detail", args=[code]))


def test_country_page_lists_its_stations_and_bureaus(client):
    response = get(client)
    assert [s.code for s in response.context["stations"]] == ["NLD01", "NLD02", "NLD03", "NLD04"]
    assert response.context["station_count"] == "4 stations"
    html = response.content.decode()
    assert 'href="/bureaus/lishui/"' in html
    assert 'href="/stations.csv?country=NLD"' in html


def test_country_page_lists_its_events(client):
    events = list(get(client, "IRL").context["events"])
    assert "2022-10-dublin-closure-order" in [e.slug for e in events]


def test_country_map_highlights_the_country_and_marks_cities(client):
    html = get(client).content.decode()
    assert 'class="country q' in html and 'href="/countries/NLD/"' in html
    assert html.count('class="station-dot"') == 3  # Amsterdam twice, Rotterdam; one city unknown


def test_country_without_stations_still_has_a_page(client):
    response = get(client, "NOR")
    assert response.status_code == 200
    assert response.context["station_count"] == "No stations"


def test_counts_leave_out_drafts(client):
    Station.objects.filter(code="NLD01").update(state="draft")
    Event.objects.filter(countries="NLD").update(state="draft")
    response = get(client)
    assert response.context["station_count"] == "3 stations"
    assert not list(response.context["events"])
    assert "NLD01" not in response.content.decode()


def test_unknown_country_is_404_and_lower_case_redirects(client):
    assert get(client, "XYZ").status_code == 404
    response = get(client, "nld")
    assert response.status_code == 301 and response["Location"] == "/countries/NLD/"
