"""/sources/<key>/: a source's details and what it supports."""

import pytest
from django.urls import reverse

from tracker.models import Event, Source, Station

pytestmark = pytest.mark.django_db

KEY = "irl-dail-2022-12-13"


def get(client, key=KEY):
    return client.get(reverse("tracker:source_detail", args=[key]))


def test_source_page_shows_its_details(client):
    html = get(client).content.decode()
    assert "Consular Services (written answer 322)" in html
    assert "Simon Coveney" in html
    assert "13 December 2022" in html
    assert 'href="https://www.kildarestreet.com/wrans/?id=2022-12-13a.749"' in html


def test_source_page_lists_the_stations_and_events_it_supports(client):
    response = get(client)
    assert [c.station.code for c in response.context["station_citations"]] == ["IRL01"]
    assert [c.event.slug for c in response.context["event_citations"]] == [
        "2022-10-dublin-closure-order"
    ]
    html = response.content.decode()
    assert "Written answer 322" in html
    assert "should close and cease operations" in html


def test_source_page_leaves_out_draft_stations_and_events(client):
    Station.objects.filter(code="IRL01").update(state="draft")
    Event.objects.filter(slug="2022-10-dublin-closure-order").update(state="draft")
    html = get(client).content.decode()
    assert "IRL01" not in html
    assert "2022-10-dublin-closure-order" not in html


def test_draft_source_is_404(client):
    Source.objects.filter(key=KEY).update(state="draft")
    assert get(client).status_code == 404
