"""Review and publishing in the admin: who may move a record where, and the citation rule."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tracker.models import Proposal, Source, State, Station

ADD_URL = reverse("admin:tracker_station_add")
CHANGELIST = reverse("admin:tracker_station_changelist")


def change_url(station):
    return reverse("admin:tracker_station_change", args=[station.pk])


def new_station_data(client, change_form_data, cite=True, **extra):
    """The add form filled in as a researcher would, with one citation."""
    data = change_form_data(client.get(ADD_URL))
    data.update(
        code="NLD90",
        country="NLD",
        city="Utrecht",
        bureau=str(Station.objects.get(code="NLD01").bureau_id),
        status="reported",
        **extra,
    )
    if cite:
        data.update(
            {
                "citations-TOTAL_FORMS": "1",
                "citations-0-source": str(Source.objects.get(key="safeguard-2022-09").pk),
                "citations-0-locator": "p. 4",
            }
        )
    return data


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def action(client, name, *stations):
    return client.post(
        CHANGELIST,
        {"action": name, "_selected_action": [str(s.pk) for s in stations]},
        follow=True,
    )


@pytest.fixture
def draft(db):
    station = Station.objects.get(code="NLD01")
    Station.objects.filter(pk=station.pk).update(state=State.DRAFT)
    station.refresh_from_db()
    return station


@pytest.fixture
def uncited_draft(db):
    bureau = Station.objects.get(code="NLD01").bureau
    return Station.objects.create(code="NLD91", country_id="NLD", bureau=bureau)


@pytest.mark.django_db
def test_researcher_creates_a_draft_with_a_citation(researcher_client, change_form_data):
    data = new_station_data(researcher_client, change_form_data, state="published")
    response = researcher_client.post(ADD_URL, data)
    assert response.status_code == 302
    station = Station.objects.get(code="NLD90")
    # A posted state is ignored: new records start as drafts.
    assert station.state == State.DRAFT
    assert station.citations.get().locator == "p. 4"


@pytest.mark.django_db
def test_researcher_sends_a_draft_to_review_from_its_page(researcher_client, change_form_data):
    data = new_station_data(researcher_client, change_form_data, _send_to_review="1")
    researcher_client.post(ADD_URL, data)
    assert Station.objects.get(code="NLD90").state == State.REVIEW


@pytest.mark.django_db
def test_researcher_cannot_publish_from_the_page(researcher_client, change_form_data, draft):
    data = change_form_data(researcher_client.get(change_url(draft)))
    response = researcher_client.post(change_url(draft), {**data, "_publish": "1"}, follow=True)
    draft.refresh_from_db()
    assert draft.state == State.DRAFT
    assert "You may not make that change of state." in texts(response)


@pytest.mark.django_db
def test_researcher_page_offers_only_send_to_review(researcher_client, draft):
    html = researcher_client.get(change_url(draft)).content.decode()
    assert 'name="_send_to_review"' in html
    assert 'name="_publish"' not in html and 'name="_retract"' not in html


@pytest.mark.django_db
def test_researcher_cannot_publish_or_retract_by_list_action(researcher_client, draft):
    published = Station.objects.get(code="GBR01")
    response = action(researcher_client, "publish", draft)
    action(researcher_client, "retract", published)
    draft.refresh_from_db()
    published.refresh_from_db()
    assert draft.state == State.DRAFT
    assert published.state == State.PUBLISHED
    actions = [choice for choice, _ in response.context["action_form"].fields["action"].choices]
    assert (
        "publish" not in actions and "retract" not in actions and "delete_selected" not in actions
    )
    assert "send_to_review" in actions


@pytest.mark.django_db
def test_researcher_editing_a_published_record_cannot_retract_it(
    researcher_client, change_form_data
):
    station = Station.objects.get(code="GBR01")
    data = change_form_data(researcher_client.get(change_url(station)))
    data.update(city="Glasgow", state="draft")
    researcher_client.post(change_url(station), data)
    station.refresh_from_db()
    # The city waits in a proposal; the posted state is ignored altogether.
    assert (station.city, station.state) == ("London", State.PUBLISHED)
    assert Proposal.objects.for_record(station).get().changes == {"city": "Glasgow"}


@pytest.mark.django_db
def test_researcher_cannot_delete(researcher_client, draft):
    delete = reverse("admin:tracker_station_delete", args=[draft.pk])
    assert researcher_client.post(delete, {"post": "yes"}).status_code == 403
    assert Station.objects.filter(pk=draft.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["station", "event", "source", "citation"])
def test_researcher_may_import_but_not_export(researcher_client, model):
    assert researcher_client.get(reverse(f"admin:tracker_{model}_export")).status_code == 403
    assert researcher_client.get(reverse(f"admin:tracker_{model}_import")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["station", "event", "source", "citation"])
def test_editor_may_export(editor_client, model):
    assert editor_client.get(reverse(f"admin:tracker_{model}_export")).status_code == 200


@pytest.mark.django_db
def test_send_to_review_action_moves_only_drafts(researcher_client, draft):
    published = Station.objects.get(code="GBR01")
    response = action(researcher_client, "send_to_review", draft, published)
    draft.refresh_from_db()
    published.refresh_from_db()
    assert (draft.state, published.state) == (State.REVIEW, State.PUBLISHED)
    assert "1 station now in review." in texts(response)


@pytest.mark.django_db
def test_editor_publishes_and_retracts_by_list_action(editor_client, draft):
    response = action(editor_client, "publish", draft)
    draft.refresh_from_db()
    assert draft.state == State.PUBLISHED
    assert "1 station now published." in texts(response)
    # Retracting a published record is a withdrawal: the reason is asked first.
    response = action(editor_client, "retract", draft)
    assert "Public reason" in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == State.PUBLISHED
    editor_client.post(
        CHANGELIST,
        {"action": "retract", "_selected_action": [draft.pk], "withdrawal_reason": "Duplicate."},
    )
    draft.refresh_from_db()
    assert draft.state == State.DRAFT


@pytest.mark.django_db
def test_publishing_without_a_citation_is_refused_with_the_reason(
    editor_client, draft, uncited_draft
):
    response = action(editor_client, "publish", draft, uncited_draft)
    draft.refresh_from_db()
    uncited_draft.refresh_from_db()
    assert draft.state == State.PUBLISHED
    assert uncited_draft.state == State.DRAFT
    assert any("NLD91" in m and "has no citation" in m for m in texts(response))


@pytest.mark.django_db
def test_publish_button_without_a_citation_saves_but_does_not_publish(
    editor_client, change_form_data, uncited_draft
):
    data = change_form_data(editor_client.get(change_url(uncited_draft)))
    data.update(city="Amsterdam", _publish="1")
    response = editor_client.post(change_url(uncited_draft), data, follow=True)
    uncited_draft.refresh_from_db()
    assert (uncited_draft.city, uncited_draft.state) == ("Amsterdam", State.DRAFT)
    assert any("has no citation" in m for m in texts(response))


@pytest.mark.django_db
def test_editor_publishes_a_new_station_with_its_citation_in_one_save(
    editor_client, change_form_data
):
    data = new_station_data(editor_client, change_form_data, _publish="1")
    editor_client.post(ADD_URL, data)
    assert Station.objects.get(code="NLD90").state == State.PUBLISHED


@pytest.mark.django_db
def test_last_citation_of_a_published_station_cannot_be_removed(editor_client, change_form_data):
    station = Station.objects.get(code="GBR01")
    data = change_form_data(editor_client.get(change_url(station)))
    total = int(data["citations-TOTAL_FORMS"])
    for index in range(total):
        data[f"citations-{index}-DELETE"] = "on"
    response = editor_client.post(change_url(station), data)
    assert response.status_code == 200
    assert "keeps at least one citation" in response.content.decode()
    assert station.citations.count() == total


@pytest.mark.django_db
def test_editor_deletes(editor_client, uncited_draft):
    delete = reverse("admin:tracker_station_delete", args=[uncited_draft.pk])
    assert editor_client.post(delete, {"post": "yes"}).status_code == 302
    assert not Station.objects.filter(pk=uncited_draft.pk).exists()


@pytest.mark.django_db
def test_station_code_must_start_with_its_country(editor_client, change_form_data):
    data = new_station_data(editor_client, change_form_data)
    data["code"] = "BEL90"
    response = editor_client.post(ADD_URL, data)
    assert response.status_code == 200
    assert "starts with its country&#x27;s ISO3 code" in response.content.decode()
