"""HTTP caching: validators from the data's state, 304s, and nothing private shared."""

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.template import engines
from django.urls import include, path

from tracker.models import Correction, Event, Source, State, Station

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/stations/",
    "/stations/?bureau=qingtian&page=1",
    "/stations/GBR02/",
    "/events/",
    "/events/2014-assistance-centres-first-established/",
    "/events/feed/",
    "/sources/",
    "/sources/wikipedia-overseas-stations/",
    "/countries/NLD/",
    "/bureaus/qingtian/",
]
DATA_URLS = [
    "/stations.csv",
    "/stations.json",
    "/stations.geojson",
    "/events.csv",
    "/events.json",
    "/stations.csv?country=NLD",
    "/events.json?type=raid",
]


def read(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.parametrize("url", PAGES + DATA_URLS)
def test_every_public_url_has_a_validator_and_answers_304(client, url):
    first = client.get(url)
    assert first.status_code == 200
    read(first)
    etag = first["ETag"]
    assert etag.startswith('W/"')
    control = first["Cache-Control"]
    assert "public" in control and "max-age=60" in control
    assert "Cookie" in first["Vary"] and "Accept-Language" in first["Vary"]

    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert not read(again)


def test_max_age_comes_from_the_setting(client, settings):
    settings.TRACKER_PUBLIC_MAX_AGE = 300
    assert "max-age=300" in client.get("/stations/")["Cache-Control"]


def test_a_publish_makes_a_new_validator_and_the_new_page(client):
    old = client.get("/stations/GBR02/")
    station = Station.objects.get(code="GBR02")
    station.summary = "A newly published summary."
    station.save()

    new = client.get("/stations/GBR02/", HTTP_IF_NONE_MATCH=old["ETag"])
    assert new.status_code == 200
    assert new["ETag"] != old["ETag"]
    assert "A newly published summary." in new.content.decode()


@pytest.mark.parametrize("url", ["/stations.csv", "/events.json"])
def test_a_publish_makes_a_new_validator_for_the_data(client, url):
    old = client.get(url)
    read(old)
    source = Source.objects.get(key="wikipedia-overseas-stations")
    source.title = "Renamed"
    source.save()
    new = client.get(url, HTTP_IF_NONE_MATCH=old["ETag"])
    assert new.status_code == 200
    assert new["ETag"] != old["ETag"]


def test_a_repeat_request_reads_only_the_data_stamp(client, django_assert_num_queries):
    first = client.get("/stations/?country=ESP")
    with django_assert_num_queries(1):
        again = client.get("/stations/?country=ESP")
    assert again.content == first.content
    assert again["X-Cache"] == "hit"


def test_the_kept_page_is_per_url_host_and_language(client):
    client.get("/countries/NLD/")
    other = client.get("/countries/ESP/")
    assert "Spain" in other.content.decode()
    chinese = client.get("/countries/NLD/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    english = client.get("/countries/NLD/")
    assert chinese.status_code == english.status_code == 200


def test_a_withdrawn_record_is_not_served_from_the_kept_page(client):
    assert client.get("/events/2014-assistance-centres-first-established/").status_code == 200
    event = Event.objects.get(slug="2014-assistance-centres-first-established")
    event.state = "draft"
    event.save()
    response = client.get("/events/2014-assistance-centres-first-established/")
    assert response.status_code in (404, 410)
    assert "public" not in response.get("Cache-Control", "")


def test_the_admin_is_never_cached_by_anyone(editor_client, client):
    for response in (editor_client.get("/admin/"), client.get("/admin/login/")):
        control = response["Cache-Control"]
        assert "private" in control and "no-store" in control
        assert "public" not in control
        assert not response.has_header("ETag")


def test_a_logged_in_reader_gets_a_private_copy(editor_client):
    response = editor_client.get("/stations/")
    assert response.status_code == 200
    assert "public" not in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def _form_view(request):
    page = engines["django"].from_string("<form method=post>{% csrf_token %}<input name=x></form>")
    return HttpResponse(page.render({}, request))


urlpatterns = [path("a-form/", _form_view), path("", include("tracker.urls"))]


@pytest.mark.urls(__name__)
def test_a_public_page_with_a_form_is_neither_shared_nor_kept(client):
    first = client.get("/a-form/")
    assert "csrfmiddlewaretoken" in first.content.decode()
    assert "no-store" in first["Cache-Control"] and "private" in first["Cache-Control"]
    assert not first.has_header("ETag")
    second = client.get("/a-form/")
    assert not second.has_header("X-Cache")


def test_an_unsafe_request_is_never_answered_from_the_cache(client):
    client.get("/stations/")
    response = client.post("/stations/")
    assert response.status_code == 405
    assert not response.has_header("X-Cache")


def test_a_kept_page_carries_the_security_headers_it_was_made_with(client):
    first = client.get("/stations/")
    again = client.get("/stations/")
    assert again["X-Cache"] == "hit"
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"):
        assert again[header] == first[header], header
    assert "default-src 'self'" in again["Content-Security-Policy"]


def cache_keys() -> set[str]:
    """The keys in the memory cache the tests run with."""
    return set(cache._cache)


@pytest.mark.parametrize(
    "url", ["/stations/", "/stations/GBR02/", "/events/?type=raid", "/events/summary.csv"]
)
def test_junk_query_strings_add_no_kept_page(client, url):
    # 2,000 made-up addresses once grew a shared cache from 1 MB to 315 MB.
    first = client.get(url)
    kept = cache_keys()
    joiner = "&" if "?" in url else "?"
    for number in range(40):
        noisy = client.get(f"{url}{joiner}_={number}")
        assert noisy.status_code == 200
    for noise in ("utm_source=x", "country=", "page=1", "q=", "x=1&_=9&y="):
        assert client.get(f"{url}{joiner}{noise}").status_code == 200
    assert len(cache_keys() - kept) <= 1
    assert noisy["X-Cache"] == "hit"
    assert noisy.content == first.content


def test_reordered_filters_are_one_kept_page(client):
    first = client.get("/stations/?country=NLD&country=ESP&bureau=qingtian")
    again = client.get("/stations/?bureau=qingtian&country=ESP&country=NLD&x=1")
    assert again["X-Cache"] == "hit"
    assert again.content == first.content


def test_a_path_keeps_a_bounded_number_of_query_strings(client, settings):
    # A search box takes any text: distinct real queries are still bounded.
    settings.TRACKER_PAGE_VARIANTS = 3

    def kept_pages():
        return {key for key in cache_keys() if "tracker:page:" in key}

    client.get("/stations/")
    for number in range(10):
        assert client.get(f"/stations/?q=amsterdam{number}").status_code == 200
    assert len(kept_pages()) == 1 + 3
    # The page without a query is always kept.
    assert client.get("/stations/")["X-Cache"] == "hit"


def test_if_none_match_star_is_304_only_where_a_page_exists(client):
    # RFC 9110, 13.1.2: "*" matches only a current representation.
    assert client.get("/stations/ZZZ99/", HTTP_IF_NONE_MATCH="*").status_code == 404
    assert client.get("/nowhere/", HTTP_IF_NONE_MATCH="*").status_code == 404
    assert client.get("/stations/GBR02/", HTTP_IF_NONE_MATCH="*").status_code == 304
    # A kept page exists: still 304.
    assert client.get("/stations/GBR02/", HTTP_IF_NONE_MATCH="*").status_code == 304


def test_if_none_match_star_on_a_withdrawn_record_is_410(client):
    station = Station.objects.get(code="GBR02")
    Station.objects.filter(pk=station.pk).update(state=State.DRAFT)
    Correction.objects.log_withdrawal(station, None, "Found to be the same office as GBR01.")
    response = client.get("/stations/GBR02/", HTTP_IF_NONE_MATCH="*")
    assert response.status_code == 410
    assert "Found to be the same office as GBR01." in response.content.decode()
