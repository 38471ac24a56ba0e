"""Published means reviewed: a researcher's change to a published record waits for an editor.

Every path (change form, citation inline, citation page, history restore)
leaves the public pages and downloads as they were and keeps the change as a
proposal; an editor publishes it (the public page and the corrections log
show it) or rejects it (nothing public changes).
"""

import json

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from tracker.models import Citation, Correction, Event, Proposal, Source, State, Station

pytestmark = pytest.mark.django_db

CODE = "GBR01"


def admin_url(record, view="change"):
    return reverse(f"admin:tracker_{record._meta.model_name}_{view}", args=[record.pk])


def public_snapshot(client, *urls):
    """What the public sees at ``urls``, less the download time stamp."""
    seen = {}
    for url in urls:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if url.endswith(".json"):
            data = json.loads(body)
            data.pop("generated_at")
            body = data
        seen[url] = (response.status_code, body)
    return seen


PUBLIC = [f"/stations/{CODE}/", "/stations.json", "/stations.csv", "/events.json", "/sources/"]


@pytest.fixture
def station(db):
    return Station.objects.get(code=CODE)


@pytest.fixture
def rita(researcher):
    """A researcher's own browser (``researcher_client`` and ``editor_client`` share one)."""
    client = Client()
    client.force_login(researcher)
    return client


@pytest.fixture
def eddie(editor):
    client = Client()
    client.force_login(editor)
    return client


def decide(client, proposal, action, note=""):
    url = reverse("admin:tracker_proposal_decide", args=[proposal.pk])
    return client.post(url, {action: "1", "decision_note": note}, follow=True)


def test_researcher_form_edit_is_a_proposal_and_the_public_sees_nothing(
    researcher_client, researcher, station, change_form_data, client
):
    before = public_snapshot(client, *PUBLIC)
    data = change_form_data(researcher_client.get(admin_url(station)))
    data.update(city="Birmingham", summary="Rewritten.")
    response = researcher_client.post(admin_url(station), data, follow=True)
    assert "kept as a proposal" in str(list(get_messages(response.wsgi_request)))
    assert public_snapshot(client, *PUBLIC) == before
    proposal = Proposal.objects.for_record(station).get()
    assert proposal.proposer == researcher
    assert proposal.changes == {"city": "Birmingham", "summary": "Rewritten."}
    assert proposal.base["city"] == "London"


def test_researcher_source_url_change_does_not_reach_citing_pages(
    researcher_client, change_form_data, client
):
    source = Source.objects.published().filter(citations__station__code=CODE).first()
    before = public_snapshot(client, *PUBLIC, source.get_absolute_url())
    data = change_form_data(researcher_client.get(admin_url(source)))
    data["url"] = "https://attacker.example/track"
    researcher_client.post(admin_url(source), data)
    assert public_snapshot(client, *PUBLIC, source.get_absolute_url()) == before
    assert "attacker.example" not in client.get(f"/stations/{CODE}/").content.decode()
    assert Proposal.objects.for_record(source).get().changes["url"].startswith("https://attacker")


def test_researcher_event_edit_with_relations_is_a_proposal(
    researcher_client, change_form_data, client
):
    event = Event.objects.published().first()
    before = public_snapshot(client, event.get_absolute_url(), "/events.json")
    extra = Station.objects.published().exclude(events=event).first()
    data = change_form_data(researcher_client.get(admin_url(event)))
    data["title"] = "A new title"
    data["stations"] = [*data.get("stations", []), str(extra.pk)]
    researcher_client.post(admin_url(event), data)
    assert public_snapshot(client, event.get_absolute_url(), "/events.json") == before
    changes = Proposal.objects.for_record(event).get().changes
    assert changes["title"] == "A new title"
    assert str(extra.pk) in changes["stations"]
    assert not event.stations.filter(pk=extra.pk).exists()


def test_researcher_citation_inline_is_a_proposal(
    researcher_client, station, change_form_data, client
):
    before = public_snapshot(client, *PUBLIC)
    count = station.citations.count()
    data = change_form_data(researcher_client.get(admin_url(station)))
    total = int(data["citations-TOTAL_FORMS"])
    source = Source.objects.published().exclude(citations__station=station).first()
    data.update(
        {
            "citations-TOTAL_FORMS": str(total + 1),
            f"citations-{total}-source": str(source.pk),
            f"citations-{total}-locator": "p. 9",
            "citations-0-locator": "p. 1",
        }
    )
    researcher_client.post(admin_url(station), data)
    assert public_snapshot(client, *PUBLIC) == before
    assert station.citations.count() == count
    citations = Proposal.objects.for_record(station).get().citations
    assert citations["added"] == [
        {"source": source.pk, "supports": [], "locator": "p. 9", "quotation": ""}
    ]
    assert citations["changed"][0]["new"] == {"locator": "p. 1"}


def test_researcher_citation_page_edit_and_move_are_proposals(
    researcher_client, station, change_form_data, client
):
    before = public_snapshot(client, *PUBLIC)
    citation = station.citations.first()
    data = change_form_data(researcher_client.get(admin_url(citation)))
    other = Station.objects.published().exclude(pk=station.pk).first()
    data.update(locator="§ 12", station=str(other.pk))
    researcher_client.post(admin_url(citation), data)
    assert public_snapshot(client, *PUBLIC) == before
    citation.refresh_from_db()
    assert (citation.station_id, citation.locator) != (other.pk, "§ 12")
    changed = Proposal.objects.for_record(station).get().citations["changed"][0]
    assert changed["new"] == {"station": other.pk, "locator": "§ 12"}


def test_researcher_history_restore_is_a_proposal(rita, eddie, station, change_form_data, client):
    data = change_form_data(eddie.get(admin_url(station)))
    eddie.post(admin_url(station), {**data, "city": "Croydon"})
    before = public_snapshot(client, *PUBLIC)
    earlier = station.history.filter(city="London").first()
    restore = reverse("admin:tracker_station_simple_history", args=[station.pk, earlier.pk])
    response = rita.post(restore, change_form_data(rita.get(restore)))
    assert response.status_code == 302
    assert public_snapshot(client, *PUBLIC) == before
    assert Proposal.objects.for_record(station).get().changes == {"city": "London"}


def test_editor_publishes_a_proposal_with_a_public_note(
    rita, eddie, editor, station, change_form_data, client
):
    data = change_form_data(rita.get(admin_url(station)))
    rita.post(admin_url(station), {**data, "location": "Croydon High Street"})
    proposal = Proposal.objects.for_record(station).get()

    page = eddie.get(admin_url(station)).content.decode()
    assert "Croydon High Street" in page and "Publish this proposal" in page

    decide(eddie, proposal, "_publish_proposal", "Location from the BBC report.")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == (Proposal.Status.PUBLISHED, editor)
    assert "Croydon High Street" in client.get(f"/stations/{CODE}/").content.decode()
    log = client.get(reverse("tracker:changes"), {"record": CODE}).content.decode()
    assert "Croydon High Street" in log and "Location from the BBC report." in log
    entry = Correction.objects.get(record_key=CODE)
    assert entry.changes[0]["new"] == "Croydon High Street"


def test_publishing_needs_the_public_note(rita, eddie, station, change_form_data):
    data = change_form_data(rita.get(admin_url(station)))
    rita.post(admin_url(station), {**data, "city": "Birmingham"})
    proposal = Proposal.objects.for_record(station).get()
    decide(eddie, proposal, "_publish_proposal", "")
    station.refresh_from_db()
    assert station.city == "London"


def test_rejecting_keeps_the_published_version(
    rita, eddie, researcher, station, change_form_data, client
):
    data = change_form_data(rita.get(admin_url(station)))
    rita.post(admin_url(station), {**data, "city": "Birmingham"})
    proposal = Proposal.objects.for_record(station).get()
    before = public_snapshot(client, *PUBLIC)
    decide(eddie, proposal, "_reject_proposal", "No source says so.")
    assert public_snapshot(client, *PUBLIC) == before
    assert not Correction.objects.exists()
    # The proposer finds the outcome and the note in their list.
    mine = rita.get(
        reverse("admin:tracker_proposal_changelist"), {"proposer__id__exact": researcher.pk}
    ).content.decode()
    assert "Rejected" in mine and "No source says so." in mine


def test_two_proposals_are_kept_and_the_second_is_stale_after_the_first(
    rita, eddie, station, change_form_data
):
    data = change_form_data(rita.get(admin_url(station)))
    rita.post(admin_url(station), {**data, "city": "Birmingham"})
    data = change_form_data(rita.get(admin_url(station)))
    rita.post(admin_url(station), {**data, "city": "Leeds"})
    first, second = Proposal.objects.for_record(station).order_by("pk")
    assert not second.is_stale
    decide(eddie, first, "_publish_proposal", "Birmingham, per the report.")
    second.refresh_from_db()
    assert second.status == Proposal.Status.OPEN and second.is_stale
    page = eddie.get(admin_url(station)).content.decode()
    assert "Stale" in page and "Leeds" in page
    # The proposer rebases; it is current again, its value kept.
    decide(rita, second, "_rebase")
    second.refresh_from_db()
    assert not second.is_stale and second.changes == {"city": "Leeds"}


def test_editor_change_to_public_facts_needs_a_note_and_is_logged(
    editor_client, station, change_form_data, client
):
    data = change_form_data(editor_client.get(admin_url(station)))
    data.update(city="Croydon", public_note="")
    response = editor_client.post(admin_url(station), data)
    assert response.status_code == 200
    assert "public note" in response.content.decode()
    data["public_note"] = "The BBC names Croydon."
    assert editor_client.post(admin_url(station), data).status_code == 302
    entry = Correction.objects.get(record_key=CODE)
    assert (entry.note, entry.changes[0]["old"], entry.changes[0]["new"]) == (
        "The BBC names Croydon.",
        "London",
        "Croydon",
    )


def test_editor_notes_only_change_is_not_logged(editor_client, station, change_form_data):
    data = change_form_data(editor_client.get(admin_url(station)))
    editor_client.post(admin_url(station), {**data, "notes": "Curators only.", "public_note": ""})
    station.refresh_from_db()
    assert station.notes == "Curators only."
    assert not Correction.objects.exists()


def only_citation(db):
    station = Station.objects.published().with_citation_count().filter(citation_count=1).first()
    assert station is not None
    return station, station.citations.get()


def test_moving_the_last_citation_of_a_published_station_is_refused(
    editor_client, change_form_data
):
    station, citation = only_citation(None)
    other = Station.objects.published().exclude(pk=station.pk).first()
    data = change_form_data(editor_client.get(admin_url(citation)))
    data["station"] = str(other.pk)
    response = editor_client.post(admin_url(citation), data)
    assert response.status_code == 200
    assert f"“{station}” is published and this is its only citation" in (
        response.content.decode().replace("&ldquo;", "“").replace("&rdquo;", "”")
    )
    citation.refresh_from_db()
    assert citation.station_id == station.pk


def test_deleting_the_last_citation_of_a_published_station_is_refused(editor_client):
    station, citation = only_citation(None)
    url = admin_url(citation, "delete")
    response = editor_client.post(url, {"post": "yes"}, follow=True)
    assert str(station) in str(list(get_messages(response.wsgi_request)))
    assert Citation.objects.filter(pk=citation.pk).exists()
    changelist = reverse("admin:tracker_citation_changelist")
    response = editor_client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [citation.pk], "post": "yes"},
        follow=True,
    )
    assert "is published: remove its citations one at a time" in str(
        list(get_messages(response.wsgi_request))
    )
    assert Citation.objects.filter(pk=citation.pk).exists()


def test_the_model_refuses_what_the_admin_refuses(db):
    from tracker.models import StateChangeRefused

    station, citation = only_citation(None)
    with pytest.raises(StateChangeRefused):
        citation.delete()
    assert station.state == State.PUBLISHED


def test_a_researchers_event_link_on_a_published_station_is_a_proposal_an_editor_publishes(
    rita, eddie, station, change_form_data, client
):
    event = Event.objects.published().exclude(stations=station).first()
    data = change_form_data(rita.get(admin_url(station)))
    data["events"] = [*data.get("events", []), str(event.pk)]

    response = rita.post(admin_url(station), data, follow=True)

    said = str(list(get_messages(response.wsgi_request)))
    assert "kept as a proposal" in said and "Nothing changed" not in said
    assert not event.stations.filter(pk=station.pk).exists()
    proposal = Proposal.objects.for_record(event).get()
    assert str(station.pk) in proposal.changes["stations"]

    decide(eddie, proposal, "_publish_proposal", "The report names the London station.")

    assert event.stations.filter(pk=station.pk).exists()
    log = client.get(reverse("tracker:changes"), {"record": event.slug}).content.decode()
    assert "The report names the London station." in log


# Publishing checks the proposal against the record as it is now: a rule it would break
# is shown to the editor, and nothing of the proposal is written.


def test_publishing_a_stale_proposal_that_breaks_the_years_rule_is_refused_with_the_reason(
    rita, eddie, station, change_form_data
):
    data = change_form_data(eddie.get(admin_url(station)))
    eddie.post(admin_url(station), {**data, "active_from": "2018"})
    data = change_form_data(rita.get(admin_url(station)))
    rita.post(admin_url(station), {**data, "active_until": "2020", "city": "Croydon"})
    proposal = Proposal.objects.for_record(station).get()
    data = change_form_data(eddie.get(admin_url(station)))
    eddie.post(admin_url(station), {**data, "active_from": "2021"})

    response = decide(eddie, proposal, "_publish_proposal", "Closed in 2020.")

    assert response.status_code == 200
    said = str(list(get_messages(response.wsgi_request)))
    assert "The end year needs a start year, and cannot come before it." in said
    station.refresh_from_db()
    assert (station.active_from, station.active_until, station.city) == (2021, None, "London")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.OPEN


def test_publishing_a_proposal_citing_a_source_cited_meanwhile_is_refused_with_the_reason(
    rita, eddie, station, change_form_data
):
    source = Source.objects.published().exclude(citations__station=station).first()

    def with_citation(data, locator):
        total = int(data["citations-TOTAL_FORMS"])
        return {
            **data,
            "citations-TOTAL_FORMS": str(total + 1),
            f"citations-{total}-source": str(source.pk),
            f"citations-{total}-locator": locator,
        }

    data = change_form_data(rita.get(admin_url(station)))
    rita.post(admin_url(station), {**with_citation(data, "p. 9"), "city": "Croydon"})
    proposal = Proposal.objects.for_record(station).get()
    data = change_form_data(eddie.get(admin_url(station)))
    assert eddie.post(admin_url(station), with_citation(data, "p. 2")).status_code == 302

    response = decide(eddie, proposal, "_publish_proposal", "Adds the report.")

    assert response.status_code == 200
    said = str(list(get_messages(response.wsgi_request)))
    assert "This source is already cited for this station" in said
    station.refresh_from_db()
    assert station.city == "London"
    assert station.citations.get(source=source).locator == "p. 2"
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.OPEN
