"""/sources/: every published source with what it supports."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tracker.models import Source, State, Station

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
    # As every write in the app does, the change moves updated_at (and so the data stamp).
    Station.objects.filter(code="IRL01").update(state="draft", updated_at=timezone.now())
    assert sources(client.get(URL))["wikipedia-overseas-stations"].station_count == 69


def test_draft_source_is_left_out(client):
    Source.objects.filter(key="bbc-2022-10-dublin").update(state="draft")
    response = client.get(URL)
    assert "bbc-2022-10-dublin" not in sources(response)
    assert "bbc-2022-10-dublin" not in response.content.decode()


def test_sources_come_a_page_at_a_time(client):
    # At tens of thousands of sources the page must stay one page long.
    Source.objects.bulk_create(
        Source(key=f"many-{i:03d}", title=f"Report {i}", state=State.PUBLISHED) for i in range(60)
    )
    response = client.get("/sources/")
    shown = sum(len(group["sources"]) for group in response.context["groups"])
    assert shown == 50
    assert response.context["page"].paginator.count == Source.objects.published().count()
    assert 'href="?page=2"' in response.content.decode()
