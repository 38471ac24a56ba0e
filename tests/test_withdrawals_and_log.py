"""Withdrawn records answer 410 with the reason; the corrections log lists published changes."""

import json

import pytest
from django.urls import reverse

from tracker.models import Bureau, Correction, State, Station

pytestmark = pytest.mark.django_db

CODE = "GBR01"


def withdraw(client, station, reason):
    return client.post(
        reverse("admin:tracker_station_changelist"),
        {"action": "retract", "_selected_action": [station.pk], "withdrawal_reason": reason},
    )


def test_withdrawn_station_answers_410_with_the_reason_and_leaves_the_downloads(editor_client):
    station = Station.objects.get(code=CODE)
    withdraw(editor_client, station, "Two reports were found to describe one site.")
    station.refresh_from_db()
    assert station.state == State.DRAFT
    editor_client.logout()
    response = editor_client.get(f"/stations/{CODE}/")
    assert response.status_code == 410
    assert "Two reports were found to describe one site." in response.content.decode()
    body = b"".join(editor_client.get("/stations.json").streaming_content)
    codes = [s["code"] for s in json.loads(body)["results"]]
    assert CODE not in codes
    assert CODE.encode() not in b"".join(editor_client.get("/stations.csv").streaming_content)
    log = editor_client.get(reverse("tracker:changes"), {"kind": "stations"}).content.decode()
    assert "Withdrawn" in log and "Two reports were found" in log


def test_withdrawing_needs_a_reason(editor_client):
    station = Station.objects.get(code=CODE)
    response = withdraw(editor_client, station, "")
    assert "Public reason" in response.content.decode()
    station.refresh_from_db()
    assert station.state == State.PUBLISHED


def test_a_draft_never_published_is_404_not_410(client):
    bureau = Station.objects.get(code=CODE).bureau
    Station.objects.create(code="GBR97", country_id="GBR", bureau=bureau)
    assert client.get("/stations/GBR97/").status_code == 404


def test_unused_bureau_is_404(client):
    Bureau.objects.create(name="Test City Public Security Bureau", slug="testcity")
    assert client.get("/bureaus/testcity/").status_code == 404
    assert client.get("/bureaus/qingtian/").status_code == 200


def test_log_filters_by_kind_and_record_newest_first(client):
    station = Station.objects.get(code=CODE)
    for note in ("note-alpha", "note-beta"):
        Correction.objects.log_change(station, None, note, [])
    Correction.objects.create(kind="event", record_key="some-event", record_label="E", note="ev")
    page = client.get(reverse("tracker:changes"), {"record": CODE}).content.decode()
    assert page.index("note-beta") < page.index("note-alpha") and "some-event" not in page
    events = client.get(reverse("tracker:changes"), {"kind": "events"}).content.decode()
    assert "some-event" in events or "E" in events
    assert "note-alpha" not in events
    feed = client.get(reverse("tracker:changes_feed"))
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert "note-beta" in feed.content.decode()


def test_record_page_says_when_first_published_and_last_corrected(client):
    station = Station.objects.get(code=CODE)
    Correction.objects.log_change(station, None, "fixed", [])
    page = client.get(f"/stations/{CODE}/").content.decode()
    assert "First published" in page and "Last corrected" in page
    assert f"/changes/?record={CODE}" in page


def test_notes_and_drafts_never_reach_the_log(editor_client, change_form_data):
    station = Station.objects.get(code=CODE)
    Station.objects.filter(code="NLD01").update(state=State.DRAFT)
    draft = Station.objects.get(code="NLD01")
    url = reverse("admin:tracker_station_change", args=[draft.pk])
    editor_client.post(url, {**change_form_data(editor_client.get(url)), "city": "Delft"})
    url = reverse("admin:tracker_station_change", args=[station.pk])
    data = change_form_data(editor_client.get(url))
    editor_client.post(url, {**data, "notes": "private"})
    assert not Correction.objects.exists()


def test_an_editors_history_restore_of_a_published_station_is_logged(
    editor_client, change_form_data
):
    station = Station.objects.get(code=CODE)
    url = reverse("admin:tracker_station_change", args=[station.pk])
    editor_client.post(url, {**change_form_data(editor_client.get(url)), "city": "Croydon"})
    earlier = station.history.filter(city="London").first()
    restore = reverse("admin:tracker_station_simple_history", args=[station.pk, earlier.pk])
    data = {**change_form_data(editor_client.get(restore)), "public_note": "London, per the BBC."}

    assert editor_client.post(restore, data).status_code == 302

    latest = Correction.objects.filter(record_key=CODE).first()
    assert (latest.note, latest.changes[0]["old"], latest.changes[0]["new"]) == (
        "London, per the BBC.",
        "Croydon",
        "London",
    )
