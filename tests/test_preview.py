"""/admin/preview/<kind>/<id>/: the public page of any record as it stands, for staff.

The preview loads a record the way its public page does (the models' own
queryset methods), with the citations of every source rather than only
published ones, so the editor checks them all before publishing.
"""

import pytest
from django.urls import reverse

from tracker.models import Citation, Event, Source, State, Station

pytestmark = pytest.mark.django_db

#: Queries of one preview (session, user and permissions included), whatever the record.
PREVIEW_QUERIES = {"station": 7, "event": 8, "source": 7}


@pytest.fixture
def draft_source(db):
    return Source.objects.create(key="preview-test-report", title="Preview test report")


def preview(client, record):
    return client.get(reverse("admin-preview", args=[record._meta.model_name, record.pk]))


def draft_event(draft_source):
    event = Event.objects.filter(state=State.PUBLISHED, stations__isnull=False).first()
    Event.objects.filter(pk=event.pk).update(state=State.DRAFT, title="A draft title to check")
    Citation.objects.create(source=draft_source, event=event, locator="p. 7")
    return Event.objects.get(pk=event.pk)


def draft_station(draft_source):
    station = Station.objects.get(code="NLD01")
    Station.objects.filter(pk=station.pk).update(
        state=State.DRAFT, summary="A draft summary to check"
    )
    Citation.objects.create(source=draft_source, station=station, locator="p. 7")
    return Station.objects.get(pk=station.pk)


@pytest.mark.parametrize("make", [draft_event, draft_station], ids=["event", "station"])
def test_preview_of_a_draft_shows_its_content_and_every_citation(
    researcher_client, draft_source, make, django_assert_max_num_queries
):
    record = make(draft_source)
    with django_assert_max_num_queries(PREVIEW_QUERIES[record._meta.model_name]):
        response = preview(researcher_client, record)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Preview — not published" in html
    assert "A draft title to check" in html or "A draft summary to check" in html
    # The editor checks every citation, the draft source's too.
    assert "Preview test report" in html and "p. 7" in html
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("kind", ["event", "station", "source"])
def test_preview_of_a_published_record_answers_200(
    editor_client, kind, django_assert_max_num_queries
):
    model = {"event": Event, "station": Station, "source": Source}[kind]
    record = model.objects.published().first()
    with django_assert_max_num_queries(PREVIEW_QUERIES[kind]):
        response = preview(editor_client, record)
    assert response.status_code == 200
    assert str(record.public_key) in response.content.decode()


def test_preview_of_a_draft_source(researcher_client, draft_source):
    with_citation = Station.objects.get(code="NLD01")
    Citation.objects.create(source=draft_source, station=with_citation)
    response = preview(researcher_client, draft_source)
    assert response.status_code == 200
    assert "Preview test report" in response.content.decode()


def test_preview_queries_do_not_grow_with_citations(
    researcher_client, draft_source, django_assert_max_num_queries
):
    event = draft_event(draft_source)
    for n in range(10):
        source = Source.objects.create(key=f"preview-extra-{n}", title=f"Extra {n}")
        Citation.objects.create(source=source, event=event)
    with django_assert_max_num_queries(PREVIEW_QUERIES["event"]):
        assert preview(researcher_client, event).status_code == 200
