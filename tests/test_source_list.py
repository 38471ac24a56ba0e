"""/sources/: every published source with what it supports."""

import pytest
from django.urls import reverse

from tracker.models import Source, Station

pytestmark = pytest.mark.django_db

URL = reverse("tracker:source_list")


def sources(response):
    groups = response.context["groups"]
    return {source.key: source for group in groups for source in group["sources"]}


def test_lists_every_published_source_grouped_by_kind(client):
    response = client.get(URL)
    assert set(sources(response)) == set(Source.objects.published().values_list("key", flat=True))
    kinds = [group["kind"] for group in response.context["groups"]]
    assert "News" in kinds and "Government" in kinds


def test_counts_the_published_stations_and_events_each_source_supports(client):
    wikipedia = sources(client.get(URL))["wikipedia-overseas-stations"]
    assert wikipedia.station_count == 70
    Station.objects.filter(code="IRL01").update(state="draft")
    assert sources(client.get(URL))["wikipedia-overseas-stations"].station_count == 69


def test_draft_source_is_left_out(client):
    Source.objects.filter(key="bbc-2022-10-dublin").update(state="draft")
    response = client.get(URL)
    assert "bbc-2022-10-dublin" not in sources(response)
    assert "bbc-2022-10-dublin" not in response.content.decode()
