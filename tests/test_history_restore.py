"""Restoring a deleted record from its history, and histories whose related rows are gone.

A deleted citation (or station, event, source) keeps its history, and its
*History* page offers each version to restore. A restore is a change like any
other: on a published record a Researcher's becomes a proposal, an editor's
is logged in the corrections log with its public note. A restore that cannot
be made (its record was deleted too, the source is already cited again) is
refused with the reason, never a server error.
"""

import pytest
from django.test import Client
from django.urls import reverse

from tracker.models import (
    Bureau,
    Citation,
    Correction,
    Event,
    Proposal,
    Source,
    State,
    Station,
)

pytestmark = pytest.mark.django_db


def history_url(record):
    meta = record._meta
    return reverse(f"admin:tracker_{meta.model_name}_history", args=[record.pk])


def version_url(record, version):
    meta = record._meta
    return reverse(f"admin:tracker_{meta.model_name}_simple_history", args=[record.pk, version.pk])


#: The public note the delete page asks for when a citation of a published record goes.
DELETION_NOTE = "Removed for the test."


def delete(client, record):
    meta = record._meta
    url = reverse(f"admin:tracker_{meta.model_name}_delete", args=[record.pk])
    response = client.post(url, {"post": "yes", "public_note": DELETION_NOTE})
    assert response.status_code == 302
    assert not type(record)._base_manager.filter(pk=record.pk).exists()


def last_version(record):
    """The record's latest version before it was deleted."""
    return record.history.exclude(history_type="-").order_by("-history_date").first()


def open_restore(client, record):
    """The history page and the restore form of a deleted record's last version."""
    assert client.get(history_url(record)).status_code == 200
    page = client.get(version_url(record, last_version(record)))
    assert page.status_code == 200
    return page


@pytest.fixture
def published_citation(db):
    """A citation of a published station that keeps another published source without it."""
    for station in Station.objects.published().order_by("code"):
        cited = list(station.citations.filter(source__state=State.PUBLISHED))
        if len(cited) >= 2:
            return cited[-1]
    raise AssertionError("the seed has a published station with two published sources")


def test_editor_restores_a_deleted_citation_and_the_log_says_so(
    editor_client, published_citation, change_form_data
):
    citation = published_citation
    station, source, locator = citation.station, citation.source, citation.locator
    delete(editor_client, citation)
    page = open_restore(editor_client, citation)
    data = {**change_form_data(page), "public_note": "The citation was deleted by mistake."}
    response = editor_client.post(version_url(citation, last_version(citation)), data)
    assert response.status_code == 302
    restored = station.citations.get(source=source)
    assert restored.locator == locator
    assert Correction.objects.get(record_key=station.code, note=DELETION_NOTE)
    entry = Correction.objects.get(
        record_key=station.code, note="The citation was deleted by mistake."
    )
    assert "citations" in [change["field"] for change in entry.changes]
    assert restored.history.first().history_change_reason == "Restored an earlier version"


def test_editor_restore_of_a_published_records_citation_needs_the_public_note(
    editor_client, published_citation, change_form_data
):
    citation = published_citation
    delete(editor_client, citation)
    page = open_restore(editor_client, citation)
    data = {**change_form_data(page), "public_note": ""}
    response = editor_client.post(version_url(citation, last_version(citation)), data)
    assert response.status_code == 200
    assert "public note" in response.content.decode()
    assert not Citation.objects.filter(pk=citation.pk).exists()


def test_researcher_restore_of_a_published_records_citation_is_a_proposal(
    editor_client, researcher, published_citation, change_form_data
):
    citation = published_citation
    station, source = citation.station, citation.source
    delete(editor_client, citation)
    researcher_client = Client()
    researcher_client.force_login(researcher)
    page = open_restore(researcher_client, citation)
    response = researcher_client.post(
        version_url(citation, last_version(citation)), change_form_data(page)
    )
    assert response.status_code == 302
    assert not station.citations.filter(source=source).exists()
    proposal = Proposal.objects.for_record(station).open().get()
    assert [added["source"] for added in proposal.citations["added"]] == [source.pk]
    # Only the editor's deletion is in the log: the restore waits for an editor.
    assert not Correction.objects.exclude(note=DELETION_NOTE).exists()


def test_restoring_a_citation_of_a_draft_recreates_it(editor_client, researcher, change_form_data):
    station = Station.objects.get(code="NLD01")
    Station.objects.filter(pk=station.pk).update(state=State.DRAFT)
    citation = station.citations.first()
    source = citation.source
    delete(editor_client, citation)
    researcher_client = Client()
    researcher_client.force_login(researcher)
    page = open_restore(researcher_client, citation)
    response = researcher_client.post(
        version_url(citation, last_version(citation)), change_form_data(page)
    )
    assert response.status_code == 302
    assert station.citations.filter(source=source).exists()
    assert not Proposal.objects.exists() and not Correction.objects.exists()


def test_restore_of_a_source_cited_again_meanwhile_is_refused_with_the_reason(
    editor_client, change_form_data
):
    station = Station.objects.get(code="NLD01")
    Station.objects.filter(pk=station.pk).update(state=State.DRAFT)
    citation = station.citations.first()
    source = citation.source
    delete(editor_client, citation)
    Citation.objects.create(source=source, station=station, locator="cited again")
    page = open_restore(editor_client, citation)
    response = editor_client.post(
        version_url(citation, last_version(citation)), change_form_data(page)
    )
    assert response.status_code == 200
    assert "already cited for this station" in response.content.decode()
    assert station.citations.filter(source=source).count() == 1


def test_citation_whose_station_was_deleted_shows_its_history_and_refuses_a_restore(
    editor_client, change_form_data
):
    station = Station.objects.get(code="NLD01")
    Station.objects.filter(pk=station.pk).update(state=State.DRAFT)
    citation = station.citations.first()
    delete(editor_client, station)
    assert not Citation.objects.filter(pk=citation.pk).exists()
    page = open_restore(editor_client, citation)
    response = editor_client.post(
        version_url(citation, last_version(citation)), change_form_data(page)
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Citation.objects.filter(pk=citation.pk).exists()


@pytest.mark.parametrize("kind", ["station", "event", "source"])
def test_restoring_a_deleted_record_brings_it_back_as_a_draft(
    editor_client, change_form_data, kind
):
    if kind == "source":
        record = Source.objects.create(key="restore-test", title="To be restored")
        record.move_to(State.PUBLISHED)
    else:
        model = {"station": Station, "event": Event}[kind]
        record = model.objects.published().filter(citations__isnull=False).first()
    # A published record is withdrawn before it may be deleted.
    published = record.history.order_by("-history_date").first()
    record.move_to(State.DRAFT, reason="Withdrawn for the test.")
    delete(editor_client, record)
    # The version restored is a published one: a restore must not publish it again
    # without an editor's move (nor without the citations deleted with it).
    assert published.state == State.PUBLISHED
    page = editor_client.get(version_url(record, published))
    assert page.status_code == 200
    data = {**change_form_data(page), "public_note": "Deleted by mistake."}
    response = editor_client.post(version_url(record, published), data)
    assert response.status_code == 302
    restored = type(record)._base_manager.get(pk=record.pk)
    assert restored.state == State.DRAFT
    assert restored.public_key == record.public_key
    # Still withdrawn: its address says so.
    assert Client().get(restored.get_absolute_url()).status_code == 410


def test_history_of_a_station_whose_first_bureau_was_deleted_opens(editor_client):
    station = Station.objects.get(code="NLD01")
    bureau = Bureau.objects.create(name="Test City Public Security Bureau", slug="testcity")
    created = Station.objects.create(code="NLD98", country_id="NLD", bureau=bureau)
    created.bureau = station.bureau
    created.save()
    # Its creation still names the bureau it had for a while, deleted since.
    deleted = bureau.pk
    bureau.delete()
    page = editor_client.get(history_url(created))
    assert page.status_code == 200
    assert f"{deleted} (deleted since)" in page.content.decode()
    citation = Citation.objects.create(source=Source.objects.first(), station=created)
    citation.delete()
    assert editor_client.get(history_url(created)).status_code == 200


def test_editor_restore_of_a_published_station_needs_a_note_and_is_logged(
    editor_client, change_form_data
):
    station = Station.objects.get(code="NLD01")
    original_city = station.city
    change = reverse("admin:tracker_station_change", args=[station.pk])
    data = {**change_form_data(editor_client.get(change)), "city": "Den Haag"}
    editor_client.post(change, {**data, "public_note": "Moved."})
    earlier = station.history.earliest("history_date")
    restore = version_url(station, earlier)
    data = {**change_form_data(editor_client.get(restore)), "public_note": ""}
    refused = editor_client.post(restore, data)
    assert refused.status_code == 200 and "public note" in refused.content.decode()
    station.refresh_from_db()
    assert station.city == "Den Haag"
    response = editor_client.post(restore, {**data, "public_note": "Moved back: a misreading."})
    assert response.status_code == 302
    station.refresh_from_db()
    assert station.city == original_city
    entry = Correction.objects.filter(record_key=station.code).first()
    assert entry.note == "Moved back: a misreading."
    assert [(c["old"], c["new"]) for c in entry.changes] == [("Den Haag", original_city)]


@pytest.mark.parametrize(
    "url",
    [
        "/admin/tracker/citation/abc/history/",
        "/admin/tracker/citation/1/history/abc/",
        "/admin/tracker/station/abc/history/",
        "/admin/tracker/station/abc/history/1/",
        "/admin/tracker/event/1/history/1e3/",
        "/admin/tracker/source/%00/history/",
    ],
)
def test_history_address_with_a_malformed_id_is_404(editor, url):
    client = Client(raise_request_exception=False)
    client.force_login(editor)
    assert client.get(url).status_code == 404
