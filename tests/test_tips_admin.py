"""The tips queue in the admin: triage, drafts started from a tip, contacts for Editors only."""

import time

import pytest
from django.urls import NoReverseMatch, reverse

from tracker.forms import form_stamp
from tracker.models import Station, Tip

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:tracker_tip_changelist")
CONTACT = "signal +44 7700 900123"
HOSTILE = '<script>alert("x")</script> =HYPERLINK("http://evil.example","click")'


def change_url(tip):
    return reverse("admin:tracker_tip_change", args=[tip.pk])


@pytest.fixture
def tip(db):
    return Tip.objects.create(
        text=HOSTILE,
        record="IRL01",
        station=Station.objects.get(code="IRL01"),
        links=["https://example.org/a?b=<c>"],
        contact=CONTACT,
    )


def test_a_tip_sent_through_the_form_is_in_the_queue(client, researcher_client):
    data = {
        "record": "NLD01",
        "text": "The Rotterdam station moved.",
        "links": "",
        "contact": "",
        "website": "",
        "stamp": form_stamp(issued=time.time() - 10),
    }
    client.post(reverse("tracker:tips"), data, REMOTE_ADDR="192.0.2.1")
    tip = Tip.objects.get()
    html = researcher_client.get(CHANGELIST).content.decode()
    assert tip.receipt in html and "The Rotterdam station moved." in html and "New" in html
    assert reverse("admin:tracker_station_change", args=[tip.station.pk]) in html


def test_queue_is_searchable_and_filtered_by_state(researcher_client, tip):
    Tip.objects.create(text="Something else entirely")
    html = researcher_client.get(CHANGELIST, {"q": "HYPERLINK"}).content.decode()
    assert tip.receipt in html and "Something else" not in html
    html = researcher_client.get(CHANGELIST, {"state__exact": "declined"}).content.decode()
    assert tip.receipt not in html


def test_queue_queries_do_not_grow_with_tips(researcher_client, django_assert_max_num_queries):
    station = Station.objects.get(code="IRL01")
    for n in range(30):
        tip = Tip.objects.create(text=f"tip {n}", station=station)
        tip.link_draft(station)
    with django_assert_max_num_queries(12):
        assert researcher_client.get(CHANGELIST).status_code == 200


def test_researcher_cannot_see_the_contact(researcher_client, tip):
    for url in (CHANGELIST, change_url(tip)):
        html = researcher_client.get(url).content.decode()
        assert CONTACT not in html, url
    # Nor find a tip by its contact.
    html = researcher_client.get(CHANGELIST, {"q": "7700"}).content.decode()
    assert tip.receipt not in html


def test_editor_sees_the_contact(editor_client, tip):
    assert CONTACT in editor_client.get(change_url(tip)).content.decode()
    assert CONTACT in editor_client.get(CHANGELIST).content.decode()


def test_researcher_triage_keeps_the_contact(researcher_client, tip):
    response = researcher_client.post(change_url(tip), {"state": "declined", "note": "No source."})
    assert response.status_code == 302
    tip.refresh_from_db()
    assert tip.state == "declined" and tip.closed_at is not None
    assert tip.contact == CONTACT and tip.text == HOSTILE


def test_hostile_text_is_inert_in_the_admin(editor_client, tip):
    tip.contact = "<img src=x onerror=alert(1)>"
    tip.save()
    for url in (CHANGELIST, change_url(tip)):
        html = editor_client.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert" in html, url
        assert "=HYPERLINK(" in html  # shown as the text it is
    assert (
        "https://example.org/a?b=&lt;c&gt;" in editor_client.get(change_url(tip)).content.decode()
    )


def test_hostile_text_is_inert_on_the_receipt_page(client, tip):
    html = client.get(tip.get_absolute_url() + "?sent=1").content.decode()
    assert "<script>alert" not in html and "HYPERLINK" not in html
    assert tip.receipt in html


def test_tips_are_not_exported_nor_added_in_the_admin(editor_client):
    with pytest.raises(NoReverseMatch):
        reverse("admin:tracker_tip_export")
    assert editor_client.get(reverse("admin:tracker_tip_add")).status_code == 403


def test_actions_close_and_reopen_tips(researcher_client, tip):
    post = {"action": "mark_used", "_selected_action": [tip.pk]}
    researcher_client.post(CHANGELIST, post)
    tip.refresh_from_db()
    assert tip.state == "used" and tip.closed_at is not None
    researcher_client.post(CHANGELIST, {**post, "action": "mark_in_progress"})
    tip.refresh_from_db()
    assert tip.state == "in_progress" and tip.closed_at is None


def test_researcher_starts_a_draft_station_from_a_tip(researcher_client, tip, change_form_data):
    html = researcher_client.get(change_url(tip)).content.decode()
    assert "Start a draft station from this tip" in html
    assert "Start a draft event from this tip" in html
    add_url = f"{reverse('admin:tracker_station_add')}?tip={tip.pk}"
    page = researcher_client.get(add_url + f"&notes=From+tip+{tip.receipt}")
    data = change_form_data(page)
    assert data["notes"] == f"From tip {tip.receipt}"
    data.update(code="IRL09", country="IRL", bureau=str(tip.station.bureau_id), status="reported")
    response = researcher_client.post(add_url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    station = Station.objects.get(code="IRL09")
    assert station.state == "draft"
    tip.refresh_from_db()
    assert list(tip.drafted_stations.all()) == [station]
    assert tip.state == Tip.State.IN_PROGRESS
    assert reverse("admin:tracker_station_change", args=[station.pk]) in (
        researcher_client.get(change_url(tip)).content.decode()
    )


def test_needs_work_counts_new_tips(researcher_client, tip):
    Tip.objects.create(text="another")
    done = Tip.objects.create(text="done", state=Tip.State.USED)
    assert done.closed_at is not None
    response = researcher_client.get(reverse("admin-needs-work"))
    items = {item["label"]: item for item in response.context["items"]}
    assert items["New tips from readers"]["count"] == 2
    assert items["New tips from readers"]["url"] == CHANGELIST + "?state__exact=new"


def test_roles_give_tip_permissions(researcher, editor):
    assert researcher.has_perm("tracker.change_tip")
    assert not researcher.has_perm("tracker.view_tip_contact")
    assert not researcher.has_perm("tracker.delete_tip")
    assert editor.has_perm("tracker.view_tip_contact") and editor.has_perm("tracker.delete_tip")
    assert not editor.has_perm("tracker.add_tip")
