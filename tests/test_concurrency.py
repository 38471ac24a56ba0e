"""No lost updates: a save over a change made since the form was opened is refused, with a name."""

import pytest
from django.contrib.admin.sites import site
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import Client, RequestFactory
from django.urls import reverse

from tracker.admin.forms import VersionedForm
from tracker.admin.records import StationAdmin
from tracker.models import Event, State, Station


def change_url(station):
    return reverse("admin:tracker_station_change", args=[station.pk])


@pytest.fixture
def station(db):
    return Station.objects.get(code="NLD01")


@pytest.fixture
def two_clients(researcher, editor):
    first, second = Client(), Client()
    first.force_login(editor)
    second.force_login(researcher)
    return first, second


@pytest.mark.django_db
def test_second_of_two_open_forms_is_refused_naming_the_first_editor(
    two_clients, station, change_form_data
):
    eddie, rita = two_clients
    eddies_form = change_form_data(eddie.get(change_url(station)))
    ritas_form = change_form_data(rita.get(change_url(station)))

    assert eddie.post(change_url(station), {**eddies_form, "city": "Den Haag"}).status_code == 302
    response = rita.post(change_url(station), {**ritas_form, "city": "Delft", "host": "x"})

    # The form comes back with Rita's input and a message naming Eddie.
    assert response.status_code == 200
    html = response.content.decode()
    assert "was changed by eddie after you opened it" in html
    assert 'value="Delft"' in html
    station.refresh_from_db()
    assert (station.city, station.host) == ("Den Haag", eddies_form.get("host", ""))


@pytest.mark.django_db
def test_reloading_after_a_conflict_lets_the_save_through(two_clients, station, change_form_data):
    eddie, rita = two_clients
    stale = change_form_data(rita.get(change_url(station)))
    eddie.post(
        change_url(station),
        {**change_form_data(eddie.get(change_url(station))), "city": "Den Haag"},
    )
    assert rita.post(change_url(station), {**stale, "city": "Delft"}).status_code == 200
    fresh = change_form_data(rita.get(change_url(station)))
    assert rita.post(change_url(station), {**fresh, "notes": "checked"}).status_code == 302
    station.refresh_from_db()
    assert (station.city, station.notes) == ("Den Haag", "checked")


@pytest.mark.django_db
def test_a_citation_edited_meanwhile_is_not_overwritten(two_clients, station, change_form_data):
    eddie, rita = two_clients
    eddies_form = change_form_data(eddie.get(change_url(station)))
    ritas_form = change_form_data(rita.get(change_url(station)))
    eddie.post(change_url(station), {**eddies_form, "citations-0-locator": "p. 1"})
    response = rita.post(change_url(station), {**ritas_form, "citations-0-locator": "p. 99"})
    assert response.status_code == 200
    assert "changed by eddie" in response.content.decode()
    assert station.citations.filter(locator="p. 99").count() == 0
    assert station.citations.filter(locator="p. 1").count() == 1


@pytest.mark.django_db
def test_a_form_holding_an_old_citation_cannot_revert_it(two_clients, station, change_form_data):
    eddie, rita = two_clients
    ritas_form = change_form_data(rita.get(change_url(station)))
    citation = station.citations.first()
    eddies = change_form_data(eddie.get(change_url(station)))
    eddie.post(change_url(station), {**eddies, "citations-0-locator": "p. 2"})
    # Rita changes only the station, but her page still holds the old locator:
    # saving it would silently undo Eddie's correction, so the save is refused.
    response = rita.post(change_url(station), {**ritas_form, "notes": "seen"})
    assert response.status_code == 200
    assert "changed by eddie" in response.content.decode()
    citation.refresh_from_db()
    assert citation.locator == "p. 2"


@pytest.mark.django_db
def test_a_save_racing_past_the_form_check_is_refused_too(
    editor_client, researcher, station, change_form_data, monkeypatch
):
    """A rival save lands between the form's check and the save: the atomic check wins."""
    data = change_form_data(editor_client.get(change_url(station)))
    rival = Station.objects.get(pk=station.pk)
    rival.city = "Rival city"
    rival._history_user = researcher
    rival.save()
    # Let the first pass of the form check miss the rival, as it would in a race.
    original_clean = VersionedForm.clean
    calls = []

    def clean_that_misses_the_rival_once(form):
        if not calls and isinstance(form.instance, Station):
            calls.append(form)
            form.instance.version = form.cleaned_data["seen_version"]
            return form.cleaned_data
        return original_clean(form)

    monkeypatch.setattr(VersionedForm, "clean", clean_that_misses_the_rival_once)
    response = editor_client.post(change_url(station), {**data, "city": "Mine"})
    assert calls, "the race was not simulated"
    assert response.status_code == 200
    assert "changed by rita" in response.content.decode()
    station.refresh_from_db()
    assert station.city == "Rival city"


def action_request(user):
    request = RequestFactory().post("/admin/tracker/station/")
    request.user = user
    request._messages = CookieStorage(request)
    return request


@pytest.mark.django_db
def test_list_action_refuses_a_record_changed_after_it_was_loaded(editor, researcher):
    admin = StationAdmin(Station, site)
    Station.objects.filter(code__in=["NLD01", "NLD02"]).update(state=State.DRAFT)
    selected = Station.objects.filter(code__in=["NLD01", "NLD02"]).order_by("code")
    list(selected)  # loaded, as the action would, before the rival's save
    rival = Station.objects.get(code="NLD02")
    rival.notes = "rival note"
    rival._history_user = researcher
    rival.save()

    request = action_request(editor)
    admin.publish(request, selected)

    messages = [str(m) for m in get_messages(request)]
    assert "1 station now published." in messages
    assert any("NLD02" in m and "changed by rita" in m for m in messages)
    states = dict(Station.objects.filter(code__in=["NLD01", "NLD02"]).values_list("code", "state"))
    assert states == {"NLD01": State.PUBLISHED, "NLD02": State.DRAFT}
    assert Station.objects.get(code="NLD02").notes == "rival note"


@pytest.mark.django_db
def test_restore_opened_before_a_change_is_refused(two_clients, station, change_form_data):
    eddie, rita = two_clients
    # A draft: rita's change to a published station would wait in a proposal instead.
    Station.objects.filter(pk=station.pk).update(state=State.DRAFT)
    old = station.history.earliest("history_date")
    restore_url = reverse("admin:tracker_station_simple_history", args=[station.pk, old.pk])
    restore_form = change_form_data(eddie.get(restore_url))
    rita.post(
        change_url(station), {**change_form_data(rita.get(change_url(station))), "city": "Delft"}
    )
    response = eddie.post(restore_url, restore_form)
    assert response.status_code == 200
    assert "changed by rita" in response.content.decode()
    station.refresh_from_db()
    assert station.city == "Delft"


# Links between stations and events are shown on both forms: a change from either side
# moves both records' versions, so a form opened before it cannot drop the link.


def event_url(event):
    return reverse("admin:tracker_event_change", args=[event.pk])


@pytest.mark.django_db
def test_an_event_form_opened_before_a_link_from_the_station_form_is_refused(
    editor_client, change_form_data
):
    station = Station.objects.get(code="GBR01")
    event = Event.objects.published().exclude(stations=station).first()
    stale_event_form = change_form_data(editor_client.get(event_url(event)))

    data = change_form_data(editor_client.get(change_url(station)))
    data["events"] = [*data.get("events", []), str(event.pk)]
    assert editor_client.post(change_url(station), data).status_code == 302
    assert event.stations.filter(pk=station.pk).exists()

    response = editor_client.post(event_url(event), {**stale_event_form, "title": "A new title"})

    assert response.status_code == 200
    assert "after you opened it" in response.content.decode()
    assert event.stations.filter(pk=station.pk).exists()
    event.refresh_from_db()
    assert event.title != "A new title"


@pytest.mark.django_db
def test_a_station_form_opened_before_a_link_from_the_event_form_is_refused(
    editor_client, change_form_data
):
    station = Station.objects.get(code="GBR01")
    event = Event.objects.published().exclude(stations=station).first()
    stale_station_form = change_form_data(editor_client.get(change_url(station)))

    data = change_form_data(editor_client.get(event_url(event)))
    data["stations"] = [*data.get("stations", []), str(station.pk)]
    assert editor_client.post(event_url(event), data).status_code == 302
    assert event.stations.filter(pk=station.pk).exists()

    response = editor_client.post(change_url(station), {**stale_station_form, "city": "Croydon"})

    assert response.status_code == 200
    assert "after you opened it" in response.content.decode()
    assert event.stations.filter(pk=station.pk).exists()
    assert Station.objects.get(pk=station.pk).city == "London"
