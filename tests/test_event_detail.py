"""/events/<slug>/: one event with its places, stations and sources."""

import pytest
from django.urls import reverse

from tracker.models import Event, Station

pytestmark = pytest.mark.django_db

SLUG = "2022-10-dublin-closure-order"


def get(client, slug=SLUG):
    return client.get(reverse("tracker:event_detail", args=[slug]))


def test_event_page_shows_date_type_countries_stations_and_sources(client):
    response = get(client)
    html = response.content.decode()
    assert "Ireland orders the Fuzhou station on Capel Street, Dublin, to close" in html
    assert "October 2022" in html
    assert "(the sources give the month only)" in html
    assert 'href="/countries/IRL/"' in html
    assert 'href="/stations/IRL01/"' in html
    assert len(response.context["event"].public_citations) == 5
    assert "Written answer 322." in html


def test_event_page_hides_a_draft_station_it_names(client):
    Station.objects.filter(code="IRL01").update(state="draft")
    html = get(client).content.decode()
    assert "IRL01" not in html


def test_draft_event_is_404(client):
    Event.objects.filter(slug=SLUG).update(state="draft")
    assert get(client).status_code == 404
    assert get(client, "no-such-event").status_code == 404
