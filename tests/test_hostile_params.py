"""Hostile input: odd parameters never cause a server error, stored markup stays inert."""

import pytest
from django.urls import reverse

from tracker.models import Citation, Event, Source, State, Station

pytestmark = pytest.mark.django_db

LISTS = ["/stations/", "/events/"]
DATA = ["/stations.csv", "/stations.json", "/stations.geojson", "/events.csv", "/events.json"]

HOSTILE = [
    "page=-1",
    "page=0",
    "page=99999",
    "page=abc",
    "active_in=abc",
    "active_in=99999999999999999999",
    "active_in=-5",
    "year=abc",
    "year=1e9",
    "country=<script>alert(1)</script>",
    "country=",
    "country=NLD&country=NLD",
    "continent=atlantis",
    "bureau=../../etc",
    "status=%00",
    "type=<b>",
    "station=" + "Z" * 500,
    "sort=password",
    "sort=-notes",
    "q=" + "a" * 5000,
    "q=%E2%80%AE%F0%9F%92%A9",
    "q=' OR 1=1 --",
    "q=%25%25%25_",
]


@pytest.mark.parametrize("query", HOSTILE)
@pytest.mark.parametrize("url", LISTS + DATA)
def test_hostile_parameters_answer_200_or_400_never_500(client, url, query):
    response = client.get(f"{url}?{query}")
    assert response.status_code in (200, 400), (url, query, response.status_code)
    if response.streaming:
        b"".join(response.streaming_content)


def test_script_in_a_parameter_is_escaped_on_the_page(client):
    html = client.get("/stations/?country=<script>alert(1)</script>").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "were not understood" in html


def test_bad_page_number_still_gives_a_page_of_results(client):
    response = client.get("/stations/?page=-1")
    assert response.status_code == 200
    assert response.context["page"].object_list


@pytest.mark.parametrize(
    "url", ["/stations/%3Cscript%3E/", "/sources/x/", "/events/x/", "/countries/ZZZ/"]
)
def test_unknown_addresses_are_404_with_a_useful_page(client, url):
    response = client.get(url)
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert 'action="/stations/"' in html


def test_non_get_methods_are_refused(client):
    assert client.post("/stations/").status_code == 405
    assert client.delete("/stations.csv").status_code == 405


@pytest.fixture
def payloads():
    """Markup and script URLs stored in free-text fields, as a careless import might."""
    station = Station.objects.get(code="IRL01")
    Station.objects.filter(pk=station.pk).update(
        summary='<script>alert("summary")</script>',
        host='<img src=x onerror=alert("host")>',
        location='"><svg onload=alert(1)>',
    )
    source = Source.objects.create(
        key="hostile-source",
        title="<b>bold</b> claims",
        url="javascript:alert('url')",
        archived_url="data:text/html,<script>alert(1)</script>",
        state=State.PUBLISHED,
    )
    Citation.objects.create(source=source, station=station, quotation="<iframe src=//evil>")
    Event.objects.filter(slug="2022-10-dublin-closure-order").update(
        title="<script>alert('event')</script>"
    )
    return station


@pytest.mark.parametrize(
    "url",
    [
        "/stations/IRL01/",
        "/stations/?country=IRL",
        "/events/",
        "/events/2022-10-dublin-closure-order/",
        "/sources/hostile-source/",
        "/countries/IRL/",
        "/",
    ],
)
def test_stored_markup_and_script_urls_are_rendered_inert(client, payloads, url):
    html = client.get(url).content.decode()
    for live in (
        '<script>alert("summary")',
        "<img src=x",
        "<svg onload",
        "<b>bold</b>",
        "<iframe",
        "<script>alert('event')",
        'href="javascript:',
        'href="data:',
    ):
        assert live not in html, (url, live)


def test_stored_markup_is_escaped_not_dropped(client, payloads):
    html = client.get(reverse("tracker:station_detail", args=["IRL01"])).content.decode()
    assert "&lt;script&gt;alert(&quot;summary&quot;)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt; claims" in html


@pytest.mark.parametrize(
    "url",
    [
        "/admin/tracker/station/",
        "/admin/tracker/station/?q=IRL01",
        "/admin/tracker/source/?q=hostile",
        "/admin/tracker/citation/",
    ],
)
def test_stored_markup_is_inert_in_the_admin_lists(editor_client, payloads, url):
    html = editor_client.get(url).content.decode()
    for live in ('<script>alert("summary")', "<img src=x", "<b>bold</b>", 'href="javascript:'):
        assert live not in html, (url, live)


def test_stored_markup_is_inert_on_the_admin_change_pages(editor_client, payloads):
    source = Source.objects.get(key="hostile-source")
    for url in (
        reverse("admin:tracker_station_change", args=[payloads.pk]),
        reverse("admin:tracker_source_change", args=[source.pk]),
        reverse("admin:tracker_station_history", args=[payloads.pk]),
    ):
        html = editor_client.get(url).content.decode()
        for live in ('<script>alert("summary")', "<img src=x", "<svg onload", "<iframe"):
            assert live not in html, (url, live)
        # A stored script URL is never offered as a link to click.
        assert 'href="javascript:' not in html, url
        assert 'href="data:' not in html, url


@pytest.mark.parametrize(
    "query",
    ["record=%00", "record=" + "Z" * 500, "record=<b>", "kind=zzz", "kind=%00", "page=abc"],
)
@pytest.mark.parametrize("url", ["/changes/", "/changes/feed/"])
def test_corrections_log_with_hostile_parameters_answers_200(client, url, query):
    assert client.get(f"{url}?{query}").status_code == 200, (url, query)
