"""Curation that flows: sources checked at publication, plain rule messages, dates as
researchers write them, suggested keys and codes, preview, review notes, history."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tracker.models import (
    RULES,
    Citation,
    Country,
    Event,
    Source,
    State,
    StateChangeRefused,
    Station,
    constraint_message,
    plain_errors,
)

STATION_ADD = reverse("admin:tracker_station_add")
EVENT_ADD = reverse("admin:tracker_event_add")
SOURCE_ADD = reverse("admin:tracker_source_add")


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def form_errors(response) -> list[str]:
    form = response.context["adminform"].form
    return [str(e) for errors in form.errors.values() for e in errors]


@pytest.fixture
def draft_source(db):
    return Source.objects.create(key="ux-test-article", title="UX test article")


@pytest.fixture
def station_on_draft_source(draft_source):
    station = Station.objects.get(code="NLD01")
    Station.objects.filter(pk=station.pk).update(state=State.DRAFT)
    station.citations.all().delete()
    Citation.objects.create(source=draft_source, station=station)
    station.refresh_from_db()
    return station


def station_data(client, change_form_data, **extra):
    data = change_form_data(client.get(STATION_ADD))
    data.update(
        {
            "code": "ISL06",
            "country": "ISL",
            "city": "Reykjavík",
            "bureau": str(Station.objects.get(code="NLD01").bureau_id),
            "status": "reported",
            **extra,
        }
    )
    return data


# --- Publishing checks the sources too ------------------------------------------------------


def test_publishing_a_record_whose_only_source_is_unpublished_is_refused(
    station_on_draft_source, editor
):
    with pytest.raises(StateChangeRefused, match="cites no published source"):
        station_on_draft_source.move_to(State.PUBLISHED, user=editor)
    station_on_draft_source.refresh_from_db()
    assert station_on_draft_source.state == State.DRAFT


def test_publishing_with_its_sources_publishes_them_in_one_step(
    station_on_draft_source, draft_source, editor_client, client
):
    url = reverse("admin:tracker_station_change", args=[station_on_draft_source.pk])
    page = editor_client.get(url).content.decode()
    assert "Save and publish with its source" in page
    # The citation row says the source is still a draft.
    assert "source&#x27;s state" in page.lower() or "source's state" in page.lower()
    response = editor_client.post(
        reverse("admin:tracker_station_changelist"),
        {"action": "publish_with_sources", "_selected_action": [station_on_draft_source.pk]},
        follow=True,
    )
    assert "1 station now published." in texts(response)
    draft_source.refresh_from_db()
    assert draft_source.state == State.PUBLISHED
    public = client.get(station_on_draft_source.get_absolute_url()).content.decode()
    assert draft_source.get_absolute_url() in public


def test_a_researcher_is_not_offered_publishing_with_sources(
    station_on_draft_source, researcher_client
):
    url = reverse("admin:tracker_station_change", args=[station_on_draft_source.pk])
    assert "publish with its" not in researcher_client.get(url).content.decode().lower()


def test_the_only_published_source_of_a_published_record_cannot_be_retracted(db, editor):
    station = Station.objects.published().get(code="NLD01")
    published = [c.source for c in station.citations.all() if c.source.state == "published"]
    for source in published[1:]:
        for citation in station.citations.filter(source=source):
            Citation.objects.filter(pk=citation.pk).update(
                source=Source.objects.create(key=f"draft-{citation.pk}")
            )
    with pytest.raises(StateChangeRefused, match="only published source"):
        published[0].move_to(State.DRAFT, user=editor, reason="Unreliable.")


def test_every_published_record_shows_a_published_source(db, client):
    # The public page never shows a published record without a visible published source.
    for station in Station.objects.published().with_public_citations():
        assert station.public_citations, station.code
        page = client.get(station.get_absolute_url()).content.decode()
        assert station.public_citations[0].source.get_absolute_url() in page
    for event in Event.objects.published().with_public_details():
        assert event.public_citations, event.slug


# --- Rules in plain words -------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"code": "isl6"}, "code"),
        ({"code": "NLD07"}, "code"),
        ({"active_from": "1900"}, "active_from"),
        ({"active_from": "2020", "active_until": "2018"}, "active_until"),
        ({"active_until": "2018"}, "active_until"),
        ({"latitude": "95", "longitude": "-21.9"}, "latitude"),
    ],
)
def test_rule_violations_are_plain_and_next_to_their_field(
    editor_client, change_form_data, extra, field
):
    response = editor_client.post(
        STATION_ADD, station_data(editor_client, change_form_data, **extra)
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors.get(field), form.errors
    for message in form_errors(response):
        assert "Constraint “" not in message
        assert "violated" not in message


def test_lower_case_code_is_upper_cased(editor_client, change_form_data):
    data = station_data(editor_client, change_form_data, code="isl06")
    data.update({"citations-TOTAL_FORMS": "0"})
    editor_client.post(STATION_ADD, data)
    assert Station.objects.filter(code="ISL06").exists()


def test_short_code_gets_a_clear_message(editor_client, change_form_data):
    response = editor_client.post(
        STATION_ADD, station_data(editor_client, change_form_data, code="isl6")
    )
    assert constraint_message("station_code_pattern") in form_errors(response)


def test_every_named_constraint_has_a_plain_message():
    from django.apps import apps

    names = {
        constraint.name
        for model in apps.get_app_config("tracker").get_models()
        for constraint in model._meta.constraints
    }
    assert names <= set(RULES)


def test_plain_errors_for_the_import(db):
    station = Station(
        code="ISL07", country_id="ISL", bureau=Station.objects.first().bureau, active_from=1900
    )
    errors = plain_errors(station, exclude=["search_text"])
    assert errors["active_from"] == [constraint_message("station_active_from_plausible")]


# --- Dates as researchers write them --------------------------------------------------------


def event_data(client, change_form_data, date):
    data = change_form_data(client.get(EVENT_ADD))
    data.update(title="Raid in Reykjavík", slug="raid-reykjavik", date=date, type="raid")
    return data


@pytest.mark.parametrize(
    "typed, day, precision",
    [
        ("2023", datetime.date(2023, 1, 1), "year"),
        ("2023-03", datetime.date(2023, 3, 1), "month"),
        ("2023-03-15", datetime.date(2023, 3, 15), "day"),
    ],
)
def test_event_date_sets_its_precision_from_what_was_typed(
    researcher_client, change_form_data, typed, day, precision
):
    researcher_client.post(EVENT_ADD, event_data(researcher_client, change_form_data, typed))
    event = Event.objects.get(slug="raid-reykjavik")
    assert (event.date, event.date_precision) == (day, precision)
    # Shown back the same way.
    page = researcher_client.get(reverse("admin:tracker_event_change", args=[event.pk]))
    assert f'value="{typed}"' in page.content.decode()


@pytest.mark.parametrize("typed", ["March 2023", "2023-13", "2023-02-30"])
def test_a_date_that_is_not_one_gets_a_plain_message(researcher_client, change_form_data, typed):
    response = researcher_client.post(
        EVENT_ADD, event_data(researcher_client, change_form_data, typed)
    )
    errors = response.context["adminform"].form.errors["date"]
    assert "YYYY" in errors[0] or "real day" in errors[0]
    assert not Event.objects.filter(slug="raid-reykjavik").exists()


# --- Suggested keys and codes ---------------------------------------------------------------


def test_source_key_is_suggested_from_publisher_and_date(researcher_client, change_form_data):
    data = change_form_data(researcher_client.get(SOURCE_ADD))
    data.update(key="", title="UX test article", publisher="RÚV", published_on="2023-03")
    researcher_client.post(SOURCE_ADD, data)
    source = Source.objects.get(title="UX test article")
    assert source.key == "ruv-2023-03"
    assert source.published_precision == "month"


def test_a_key_with_spaces_gets_a_plain_message(researcher_client, change_form_data):
    data = change_form_data(researcher_client.get(SOURCE_ADD))
    data.update(key="UX test article", title="UX test article")
    response = researcher_client.post(SOURCE_ADD, data)
    assert "lower-case letters, digits and hyphens" in form_errors(response)[0]
    page = researcher_client.get(SOURCE_ADD).content.decode()
    assert "safeguard-2022-09" in page  # the example in the help


def test_add_form_for_a_country_offers_its_next_free_code(researcher_client):
    taken = Station.objects.filter(country="NLD").count()
    assert taken
    response = researcher_client.get(STATION_ADD, {"country": "nld"})
    form = response.context["adminform"].form
    assert form.initial["code"] == Station.next_free_code(Country.objects.get(pk="NLD"))
    assert form.initial["code"] not in set(Station.objects.values_list("code", flat=True))


def test_blank_code_takes_the_next_free_one(editor_client, change_form_data):
    data = station_data(editor_client, change_form_data, code="")
    data.update({"citations-TOTAL_FORMS": "0"})
    editor_client.post(STATION_ADD, data)
    assert Station.objects.filter(country="ISL").get().code == "ISL01"


# --- Preview, review notes, history ---------------------------------------------------------


def test_staff_preview_of_a_draft_is_marked_never_cached_never_indexed(
    station_on_draft_source, researcher_client
):
    from django.test import Client

    client = Client()  # researcher_client is the logged-in ``client``
    url = reverse("admin-preview", args=["station", station_on_draft_source.pk])
    response = researcher_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Preview — not published" in html
    assert '<meta name="robots" content="noindex' in html
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"] == "noindex"
    assert station_on_draft_source.code in html
    # The public never gets it.
    assert client.get(url).status_code == 302
    assert client.get(station_on_draft_source.get_absolute_url()).status_code in (404, 410)


def test_source_preview_and_stay_on_record(draft_source, researcher_client):
    url = reverse("admin:tracker_source_change", args=[draft_source.pk])
    preview = reverse("admin-preview", args=["source", draft_source.pk])
    assert preview in researcher_client.get(url).content.decode()
    assert url in researcher_client.get(preview).content.decode()


def test_view_on_site_of_an_unpublished_record_is_the_preview(
    station_on_draft_source, researcher_client
):
    page = researcher_client.get(
        reverse("admin:tracker_station_change", args=[station_on_draft_source.pk])
    ).content.decode()
    assert reverse("admin-preview", args=["station", station_on_draft_source.pk]) in page


def test_send_to_review_with_a_note_the_editor_sees(
    station_on_draft_source, researcher_client, editor_client, change_form_data
):
    url = reverse("admin:tracker_station_change", args=[station_on_draft_source.pk])
    data = change_form_data(researcher_client.get(url))
    data.update(_send_to_review="1", note_for_editor="Check the city against the RÚV piece.")
    response = researcher_client.post(url, data)
    # The curator stays on the record.
    assert response.status_code == 302 and response["Location"] == url
    station_on_draft_source.refresh_from_db()
    assert station_on_draft_source.state == State.REVIEW
    assert "Check the city" in editor_client.get(url).content.decode()
    needs_work = editor_client.get(reverse("admin-needs-work")).content.decode()
    assert "Check the city against the RÚV piece." in needs_work


def test_history_shows_created_values_and_citation_changes(
    researcher_client, change_form_data, draft_source
):
    data = station_data(researcher_client, change_form_data)
    data.update(
        {
            "citations-TOTAL_FORMS": "1",
            "citations-0-source": str(draft_source.pk),
            "citations-0-locator": "p. 7",
        }
    )
    researcher_client.post(STATION_ADD, data)
    station = Station.objects.get(code="ISL06")
    html = researcher_client.get(
        reverse("admin:tracker_station_history", args=[station.pk])
    ).content.decode()
    assert "Reykjavík" in html  # the Created entry lists its values
    assert "Changes to its citations" in html
    assert "ux-test-article" in html and "p. 7" in html


# --- Buttons, cited by, events from the station ---------------------------------------------


def test_workflow_buttons_top_and_bottom_primary_first(station_on_draft_source, researcher_client):
    page = researcher_client.get(
        reverse("admin:tracker_station_change", args=[station_on_draft_source.pk])
    ).content.decode()
    assert page.count('name="_send_to_review"') == 2
    assert page.index('name="_send_to_review"') < page.index('name="_save"')


def test_source_page_says_which_records_cite_it(editor_client):
    source = Source.objects.filter(citations__station__isnull=False).first()
    page = editor_client.get(reverse("admin:tracker_source_change", args=[source.pk]))
    html = page.content.decode()
    station = Station.objects.filter(citations__source=source).first()
    assert reverse("admin:tracker_station_change", args=[station.pk]) in html


def test_station_links_to_events_from_its_own_form(editor_client, change_form_data):
    station = Station.objects.get(code="NLD01")
    event = Event.objects.exclude(stations=station).filter(state=State.DRAFT).first() or (
        Event.objects.exclude(stations=station).first()
    )
    Event.objects.filter(pk=event.pk).update(state=State.DRAFT)
    url = reverse("admin:tracker_station_change", args=[station.pk])
    data = change_form_data(editor_client.get(url))
    data["events"] = [*data.get("events", []), str(event.pk)]
    editor_client.post(url, data)
    assert event.stations.filter(pk=station.pk).exists()


def test_researcher_linking_a_published_event_makes_a_proposal(researcher_client, change_form_data):
    from tracker.models import Proposal

    station = Station.objects.get(code="NLD01")
    Station.objects.filter(pk=station.pk).update(state=State.DRAFT)
    event = Event.objects.published().exclude(stations=station).first()
    url = reverse("admin:tracker_station_change", args=[station.pk])
    data = change_form_data(researcher_client.get(url))
    data["events"] = [*data.get("events", []), str(event.pk)]
    researcher_client.post(url, data)
    assert not event.stations.filter(pk=station.pk).exists()
    assert str(station.pk) in Proposal.objects.for_record(event).get().changes["stations"]


# --- After saving: back on the list with the record highlighted ----------------------------


def highlighted_rows(html: str) -> list[str]:
    return re.findall(r'<tr class="saved-record"[^>]*>(.*?)</tr>', html, re.DOTALL)


def test_the_list_after_a_plain_save_highlights_the_new_record_only(
    researcher_client, change_form_data
):
    data = station_data(researcher_client, change_form_data, code="ISL06")
    data.update({"citations-TOTAL_FORMS": "0", "_save": "Save"})
    response = researcher_client.post(STATION_ADD, data, follow=True)
    station = Station.objects.get(code="ISL06")
    assert response.request["PATH_INFO"] == reverse("admin:tracker_station_changelist")
    rows = highlighted_rows(response.content.decode())
    assert len(rows) == 1
    assert f'name="_selected_action" value="{station.pk}"' in rows[0]
    html = response.content.decode()
    assert 'aria-current="true"' in html
    # Styled from a static file: the Content-Security-Policy allows no inline style.
    assert "tracker/css/admin" in html and "admin/js/actions" in html
    # Once, like the message: the list seen later is plain again.
    later = researcher_client.get(reverse("admin:tracker_station_changelist"))
    assert highlighted_rows(later.content.decode()) == []


def test_the_list_after_saving_a_change_highlights_that_record(
    draft_source, researcher_client, change_form_data
):
    source = draft_source
    url = reverse("admin:tracker_source_change", args=[source.pk])
    data = change_form_data(researcher_client.get(url))
    data.update(notes="Checked the archived copy.", _save="Save")
    response = researcher_client.post(url, data, follow=True)
    rows = highlighted_rows(response.content.decode())
    assert len(rows) == 1 and f'name="_selected_action" value="{source.pk}"' in rows[0]
    # The station list is not marked by a source.
    researcher_client.post(url, change_form_data(researcher_client.get(url)) | {"_save": "Save"})
    stations = researcher_client.get(reverse("admin:tracker_station_changelist"))
    assert highlighted_rows(stations.content.decode()) == []


def test_a_record_the_filters_leave_out_is_linked_from_the_message(
    researcher_client, change_form_data
):
    # Saving from a list filtered to other stations returns to that filtered list.
    changelist = reverse("admin:tracker_station_changelist")
    data = station_data(researcher_client, change_form_data, code="ISL06")
    data.update({"citations-TOTAL_FORMS": "0", "_save": "Save"})
    add = f"{STATION_ADD}?_changelist_filters=q%3DNLD01"
    response = researcher_client.post(add, data, follow=True)
    station = Station.objects.get(code="ISL06")
    assert response.request["QUERY_STRING"] == "q=NLD01"
    assert highlighted_rows(response.content.decode()) == []
    change_url = reverse("admin:tracker_station_change", args=[station.pk])
    assert any(change_url in text for text in texts(response))
    assert response.request["PATH_INFO"] == changelist


def test_a_workflow_button_stays_on_the_record_and_marks_no_list(
    researcher_client, change_form_data
):
    data = station_data(researcher_client, change_form_data, code="ISL06")
    data.update({"citations-TOTAL_FORMS": "0", "_send_to_review": "Save and send to review"})
    response = researcher_client.post(STATION_ADD, data)
    station = Station.objects.get(code="ISL06")
    assert response["Location"] == reverse("admin:tracker_station_change", args=[station.pk])
    listed = researcher_client.get(reverse("admin:tracker_station_changelist"))
    assert highlighted_rows(listed.content.decode()) == []
