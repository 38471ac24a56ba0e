"""History: who changed what and when, for admin saves and commands; restoring a version."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from tracker.management.commands.seed import SEED_REASON
from tracker.models import State, Station


def change_url(station):
    return reverse("admin:tracker_station_change", args=[station.pk])


def history_url(station):
    return reverse("admin:tracker_station_history", args=[station.pk])


@pytest.fixture
def station(db):
    return Station.objects.get(code="NLD01")


@pytest.mark.django_db
def test_admin_save_records_who_and_what_changed(editor_client, editor, station, change_form_data):
    old_city = station.city
    data = change_form_data(editor_client.get(change_url(station)))
    editor_client.post(change_url(station), {**data, "city": "Den Haag", "public_note": "Moved."})
    latest = station.history.first()
    assert latest.history_user == editor
    assert latest.history_type == "~"
    delta = latest.diff_against(latest.prev_record)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("city", old_city, "Den Haag")]


@pytest.mark.django_db
def test_history_page_shows_the_change_field_by_field(editor_client, station, change_form_data):
    data = change_form_data(editor_client.get(change_url(station)))
    editor_client.post(change_url(station), {**data, "city": "Den Haag", "public_note": "Moved."})
    html = editor_client.get(history_url(station)).content.decode()
    assert "Den Haag" in html
    assert "eddie" in html


@pytest.mark.django_db
def test_citation_added_in_the_admin_has_history(
    researcher_client, researcher, station, change_form_data
):
    from tracker.models import Source

    # A draft: on a published station the citation would wait in a proposal.
    Station.objects.filter(pk=station.pk).update(state=State.DRAFT)
    data = change_form_data(researcher_client.get(change_url(station)))
    total = int(data["citations-TOTAL_FORMS"])
    source = Source.objects.exclude(citations__station=station).first()
    data.update(
        {
            "citations-TOTAL_FORMS": str(total + 1),
            f"citations-{total}-source": str(source.pk),
            f"citations-{total}-locator": "§ 3",
        }
    )
    assert researcher_client.post(change_url(station), data).status_code == 302
    citation = station.citations.get(source=source)
    assert citation.history.get().history_user == researcher


@pytest.mark.django_db
def test_state_moves_are_recorded_with_a_reason(editor_client, editor, station):
    Station.objects.filter(pk=station.pk).update(state=State.REVIEW)
    editor_client.post(
        reverse("admin:tracker_station_changelist"),
        {"action": "publish", "_selected_action": [station.pk]},
    )
    latest = station.history.first()
    assert latest.history_change_reason == "State: In review → Published"
    assert latest.history_user == editor


@pytest.mark.django_db
def test_seed_command_changes_are_in_the_history_with_its_reason(station):
    # The session set-up loaded the seed: every record has a first row from it.
    first = station.history.earliest("history_date")
    assert first.history_change_reason == SEED_REASON
    assert first.history_user is None
    # A hand edit, then the seed again: the command's repair is recorded too.
    Station.objects.filter(pk=station.pk).update(city="Wrong")
    call_command("seed", verbosity=0)
    latest = station.history.first()
    assert latest.history_change_reason == SEED_REASON
    assert latest.city == Station.objects.get(pk=station.pk).city != "Wrong"


@pytest.mark.django_db
def test_editor_restores_an_earlier_version(editor_client, station, change_form_data):
    original_city = station.city
    data = change_form_data(editor_client.get(change_url(station)))
    editor_client.post(change_url(station), {**data, "city": "Den Haag", "public_note": "Moved."})
    earlier = station.history.earliest("history_date")

    restore_url = reverse("admin:tracker_station_simple_history", args=[station.pk, earlier.pk])
    restore_page = editor_client.get(restore_url)
    assert restore_page.status_code == 200
    data = {**change_form_data(restore_page), "public_note": "Restored."}
    response = editor_client.post(restore_url, data)

    assert response.status_code == 302
    station.refresh_from_db()
    assert station.city == original_city
    assert station.history.first().history_change_reason == "Restored an earlier version"


@pytest.mark.django_db
def test_restoring_keeps_the_current_editorial_state(researcher_client, station, change_form_data):
    # The earliest version was published; the record is a draft now. A restore brings
    # back the facts, not the publication: a researcher cannot publish this way.
    Station.objects.filter(pk=station.pk).update(state=State.DRAFT, city="Wrong")
    earlier = station.history.earliest("history_date")
    restore_url = reverse("admin:tracker_station_simple_history", args=[station.pk, earlier.pk])
    data = change_form_data(researcher_client.get(restore_url))
    assert researcher_client.post(restore_url, data).status_code == 302
    station.refresh_from_db()
    assert station.state == State.DRAFT
    assert station.city == earlier.city
