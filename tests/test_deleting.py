"""Deleting in the admin keeps the editorial rules.

A published station, event or source is withdrawn (with its public reason)
before it may be deleted, so its address answers 410 and says why, rather
than a bare 404. A citation of a published record is part of its public
facts: its delete page asks for the public note, and the corrections log
lists the removal.
"""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from tracker.models import Citation, Correction, Event, Source, State, Station

pytestmark = pytest.mark.django_db


def admin_url(record, view):
    return reverse(f"admin:tracker_{record._meta.model_name}_{view}", args=[record.pk])


def changelist(model):
    return reverse(f"admin:tracker_{model._meta.model_name}_changelist")


def messages_of(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def published_record(kind):
    if kind == "source":
        return Source.objects.published().filter(citations__isnull=False).first()
    model = {"station": Station, "event": Event}[kind]
    return model.objects.published().first()


@pytest.mark.parametrize("kind", ["station", "event", "source"])
def test_a_published_record_is_not_deleted_but_sent_to_be_withdrawn(editor_client, kind):
    record = published_record(kind)
    response = editor_client.post(admin_url(record, "delete"), {"post": "yes"}, follow=True)
    assert "withdraw it first" in messages_of(response)
    assert type(record).objects.filter(pk=record.pk).exists()
    assert Client().get(record.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("kind", ["station", "event", "source"])
def test_the_delete_action_refuses_a_selection_holding_a_published_record(editor_client, kind):
    record = published_record(kind)
    response = editor_client.post(
        changelist(type(record)),
        {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"},
        follow=True,
    )
    assert "Nothing was deleted" in messages_of(response)
    assert type(record).objects.filter(pk=record.pk).exists()


def test_a_withdrawn_station_may_be_deleted_and_its_address_still_says_why(editor_client):
    station = Station.objects.published().get(code="GBR02")
    station.move_to(State.DRAFT, reason="Merged into another record.")
    response = editor_client.post(admin_url(station, "delete"), {"post": "yes"})
    assert response.status_code == 302
    assert not Station.objects.filter(pk=station.pk).exists()
    gone = Client().get("/stations/GBR02/")
    assert gone.status_code == 410
    assert "Merged into another record." in gone.content.decode()


@pytest.fixture
def citation_of_published_station():
    """A citation whose published station keeps a published source without it."""
    for station in Station.objects.published().order_by("code"):
        cited = list(station.citations.filter(source__state=State.PUBLISHED))
        if len(cited) >= 2:
            return cited[-1]
    raise AssertionError("the seed has a published station with two published sources")


def test_deleting_a_published_records_citation_asks_for_the_public_note(
    editor_client, citation_of_published_station
):
    citation = citation_of_published_station
    page = editor_client.get(admin_url(citation, "delete"))
    assert page.status_code == 200
    assert 'name="public_note"' in page.content.decode()
    response = editor_client.post(admin_url(citation, "delete"), {"post": "yes"}, follow=True)
    assert "public note" in messages_of(response)
    assert Citation.objects.filter(pk=citation.pk).exists()
    assert not Correction.objects.exists()


def test_a_published_records_citation_deleted_with_a_note_is_in_the_corrections_log(
    editor_client, citation_of_published_station
):
    citation = citation_of_published_station
    station = citation.station
    response = editor_client.post(
        admin_url(citation, "delete"),
        {"post": "yes", "public_note": "The report does not name this station."},
    )
    assert response.status_code == 302
    assert not Citation.objects.filter(pk=citation.pk).exists()
    entry = Correction.objects.get(record_key=station.code)
    assert entry.note == "The report does not name this station."
    assert [change["field"] for change in entry.changes] == ["citations"]
    log = Client().get("/changes/").content.decode()
    assert "The report does not name this station." in log
    assert station.code in log


def test_a_drafts_citation_is_deleted_without_a_note(editor_client):
    station = Station.objects.get(code="NLD01")
    Station.objects.filter(pk=station.pk).update(state=State.DRAFT)
    citation = station.citations.first()
    page = editor_client.get(admin_url(citation, "delete"))
    assert 'name="public_note"' not in page.content.decode()
    response = editor_client.post(admin_url(citation, "delete"), {"post": "yes"})
    assert response.status_code == 302
    assert not Citation.objects.filter(pk=citation.pk).exists()
    assert not Correction.objects.exists()


def test_the_citations_delete_action_leaves_published_records_alone(
    editor_client, citation_of_published_station
):
    citation = citation_of_published_station
    response = editor_client.post(
        changelist(Citation),
        {"action": "delete_selected", "_selected_action": [citation.pk], "post": "yes"},
        follow=True,
    )
    assert "one at a time, with a public note" in messages_of(response)
    assert Citation.objects.filter(pk=citation.pk).exists()
