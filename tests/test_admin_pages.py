"""The admin as a workbench: every page opens, lists are annotated and query-bounded."""

import pytest
from django.urls import reverse

from tracker.models import Citation, Event, Source, State, Station

MODELS = ["station", "event", "source", "citation", "country", "bureau"]


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS)
def test_editor_opens_every_changelist_search_add_and_change_page(editor_client, model):
    changelist = reverse(f"admin:tracker_{model}_changelist")
    assert editor_client.get(changelist).status_code == 200
    assert editor_client.get(changelist, {"q": "fuzhou"}).status_code == 200
    page = editor_client.get(changelist)
    first = page.context["cl"].result_list[0]
    assert (
        editor_client.get(reverse(f"admin:tracker_{model}_change", args=[first.pk])).status_code
        == 200
    )
    add = editor_client.get(reverse(f"admin:tracker_{model}_add"))
    assert add.status_code in (200, 403)  # countries are reference data: nobody adds them


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["station", "event", "source", "citation"])
def test_history_pages_open(editor_client, model):
    page = editor_client.get(reverse(f"admin:tracker_{model}_changelist"))
    first = page.context["cl"].result_list[0]
    response = editor_client.get(reverse(f"admin:tracker_{model}_history", args=[first.pk]))
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "queries"),
    # Measured: session, user, count, rows (with annotated citation count and last
    # editor), filters' choices, actions.
    [("station", 9), ("event", 10), ("source", 8), ("citation", 7)],
)
def test_changelist_query_count_does_not_grow_with_rows(
    editor_client, model, queries, django_assert_max_num_queries
):
    # 50 rows per page: a per-row query (country, bureau, citation count, last editor)
    # would blow far past this bound.
    with django_assert_max_num_queries(queries):
        response = editor_client.get(reverse(f"admin:tracker_{model}_changelist"))
    assert len(response.context["cl"].result_list) > 10


@pytest.mark.django_db
def test_station_list_shows_citation_count_and_last_editor(editor_client, editor, change_form_data):
    station = Station.objects.get(code="NLD01")
    url = reverse("admin:tracker_station_change", args=[station.pk])
    data = change_form_data(editor_client.get(url))
    data.update(city="Rotterdam", public_note="Moved.")
    assert editor_client.post(url, data).status_code == 302
    response = editor_client.get(reverse("admin:tracker_station_changelist"), {"q": "NLD01"})
    row = response.context["cl"].result_list[0]
    assert row.citation_count == station.citations.count()
    assert row.last_editor == "eddie"
    assert "eddie" in response.content.decode()


@pytest.mark.django_db
def test_station_page_lists_its_events_and_links_to_public_page(editor_client):
    event = Event.objects.filter(stations__isnull=False).first()
    station = event.stations.first()
    response = editor_client.get(reverse("admin:tracker_station_change", args=[station.pk]))
    html = response.content.decode()
    assert event.title in html
    assert reverse("admin:tracker_event_change", args=[event.pk]) in html
    assert "View on site" in html


@pytest.mark.django_db
def test_station_filters_by_continent_and_missing_citation(editor_client):
    url = reverse("admin:tracker_station_changelist")
    europe = editor_client.get(url, {"continent": "europe"}).context["cl"].result_list
    assert europe and all(s.country.continent == "europe" for s in europe)
    Station.objects.create(code="NLD99", country_id="NLD", bureau=Station.objects.first().bureau)
    uncited = editor_client.get(url, {"citations": "none"}).context["cl"].result_list
    assert [s.code for s in uncited] == ["NLD99"]


@pytest.mark.django_db
def test_event_changelist_has_date_hierarchy(editor_client):
    response = editor_client.get(reverse("admin:tracker_event_changelist"))
    assert response.context["cl"].date_hierarchy == "date"


@pytest.mark.django_db
def test_needs_work_page_counts_what_is_missing(researcher_client):
    bureau = Station.objects.first().bureau
    Station.objects.create(code="NLD98", country_id="NLD", bureau=bureau, state=State.REVIEW)
    Source.objects.create(key="no-link-yet")
    response = researcher_client.get(reverse("admin-needs-work"))
    assert response.status_code == 200
    items = {item["label"]: item for item in response.context["items"]}
    assert items["Stations without a citation"]["count"] == 1
    assert items["Stations waiting for review"]["count"] == 1
    assert items["Stations without a city"]["count"] == Station.objects.filter(city="").count()
    assert items["Sources with neither URL nor archived URL"]["count"] == (
        Source.objects.filter(url="", archived_url="").count()
    )
    # Each line opens the list filtered to exactly those records.
    listed = researcher_client.get(items["Stations without a citation"]["url"])
    assert [s.code for s in listed.context["cl"].result_list] == ["NLD98"]
    listed = researcher_client.get(items["Sources with neither URL nor archived URL"]["url"])
    assert "no-link-yet" in [s.key for s in listed.context["cl"].result_list]


@pytest.mark.django_db
def test_admin_index_links_to_needs_work(researcher_client):
    response = researcher_client.get(reverse("admin:index"))
    assert reverse("admin-needs-work") in response.content.decode()


@pytest.mark.django_db
def test_needs_work_page_is_for_staff_only(client):
    response = client.get(reverse("admin-needs-work"))
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.django_db
def test_record_stamps_and_version_are_not_editable(editor_client):
    station = Station.objects.get(code="NLD01")
    response = editor_client.get(reverse("admin:tracker_station_change", args=[station.pk]))
    form = response.context["adminform"].form
    assert "created_at" not in form.fields and "updated_at" not in form.fields
    assert "state" not in form.fields
    assert form.fields["seen_version"].widget.is_hidden


@pytest.mark.django_db
def test_citation_inline_uses_source_autocomplete(editor_client):
    station = Station.objects.get(code="NLD01")
    response = editor_client.get(reverse("admin:tracker_station_change", args=[station.pk]))
    html = response.content.decode()
    assert "admin-autocomplete" in html
    assert Citation.objects.filter(station=station).exists()


@pytest.mark.django_db
def test_station_change_page_query_count_is_bounded(editor_client, django_assert_max_num_queries):
    # IRL01: five citations, each an inline row (the source's autocomplete box reads its
    # choice); the events it is linked to, as choices and as the chosen ones, are two more.
    station = Station.objects.get(code="IRL01")
    with django_assert_max_num_queries(28):
        response = editor_client.get(reverse("admin:tracker_station_change", args=[station.pk]))
    assert response.status_code == 200
