"""/stations/: filters against the seed, facet counts, sort, pagination, active filters."""

import pytest
from django.urls import reverse

from tracker.models import State, Station

pytestmark = pytest.mark.django_db

URL = reverse("tracker:station_list")


def codes(response):
    return [station.code for station in response.context["page"].object_list]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("bureau=qingtian", "22 stations"),
        ("continent=africa", "11 stations"),
        ("country=ESP", "9 stations"),
        ("country=ESP&country=NLD", "13 stations"),
        ("status=closed", "7 stations"),
        ("bureau=qingtian&country=ESP", "4 stations"),
        ("", "70 stations"),
    ],
)
def test_filters_give_the_seed_counts_in_words(client, query, expected):
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200
    assert response.context["result_count"] == expected
    assert f">{expected}</h2>" in response.content.decode()


def test_country_code_may_be_written_in_lower_case(client):
    assert client.get(f"{URL}?country=esp").context["result_count"] == "9 stations"


def test_active_in_counts_open_ended_stations_as_active_later(client):
    # Four stations are "2016–?" and three "2018–?"; IRL01 is 2022 only, NLD03 "2022–?".
    assert client.get(f"{URL}?active_in=2017").context["result_count"] == "4 stations"
    assert client.get(f"{URL}?active_in=2022").context["result_count"] == "9 stations"
    assert client.get(f"{URL}?active_in=2015").context["result_count"] == "No stations"


def test_facet_counts_reflect_the_other_filters(client):
    facets = client.get(f"{URL}?country=ESP").context["facets"]
    bureaus = {choice["value"]: choice["count"] for choice in facets["bureau"]}
    assert bureaus == {"fuzhou": 5, "qingtian": 4}
    # The country facet ignores its own filter, so other countries stay choosable.
    countries = {choice["value"]: choice for choice in facets["country"]}
    assert countries["ESP"]["count"] == 9 and countries["ESP"]["selected"]
    assert countries["NLD"]["count"] == 4
    continents = {choice["value"]: choice["count"] for choice in facets["continent"]}
    # Empty choices are left out: no "Africa (0)" to pick.
    assert continents["europe"] == 9 and "africa" not in continents


def test_facet_counts_are_shown_next_to_each_choice(client):
    html = client.get(f"{URL}?bureau=qingtian").content.decode()
    assert 'Spain <span class="count">(4)</span>' in html
    assert '<option value="qingtian" selected>Qingtian County Public Security Bureau (22)' in html


def test_sort_by_city_then_code(client):
    response = client.get(f"{URL}?country=NLD&sort=city")
    assert codes(response) == ["NLD04", "NLD01", "NLD02", "NLD03"]


def test_sort_descending_by_first_active_year(client):
    response = client.get(f"{URL}?active_in=2022&sort=-active")
    years = [s.active_from for s in response.context["page"].object_list]
    assert years == sorted(years, reverse=True)


def test_pagination_links_keep_the_filter(client):
    response = client.get(f"{URL}?status=reported")
    assert response.context["page"].paginator.num_pages == 2
    assert len(codes(response)) == 50
    assert 'href="?status=reported&amp;page=2"' in response.content.decode()
    second = client.get(f"{URL}?status=reported&page=2")
    assert len(codes(second)) == 13


def test_active_filters_are_listed_with_links_that_remove_them(client):
    response = client.get(f"{URL}?bureau=qingtian&country=ESP&country=ITA")
    chips = {chip["label"]: chip["remove"] for chip in response.context["active_filters"]}
    assert chips["Bureau: Qingtian County Public Security Bureau"] == "?country=ESP&country=ITA"
    assert chips["Country: Spain"] == "?bureau=qingtian&country=ITA"
    assert chips["Country: Italy"] == "?bureau=qingtian&country=ESP"


def test_list_links_the_data_urls_with_the_current_filter(client):
    html = client.get(f"{URL}?bureau=qingtian&page=1").content.decode()
    assert 'href="/stations.csv?bureau=qingtian"' in html
    assert 'href="/stations.json?bureau=qingtian"' in html
    assert 'href="/stations.geojson?bureau=qingtian"' in html


def test_unknown_filter_values_are_reported_and_ignored(client):
    response = client.get(f"{URL}?bureau=nowhere")
    assert response.status_code == 200
    assert response.context["result_count"] == "70 stations"
    assert "were not understood" in response.content.decode()


def test_list_leaves_out_draft_stations(client):
    Station.objects.filter(code="ESP01").update(state="draft")
    response = client.get(f"{URL}?country=ESP")
    assert response.context["result_count"] == "8 stations"
    assert "ESP01" not in codes(response)


def _bureau_count(client, slug):
    facets = client.get("/stations/").context["facets"]
    return next(choice["count"] for choice in facets["bureau"] if choice["value"] == slug)


def test_cached_facet_counts_follow_every_change_at_once(client):
    # Facet counts are cached per state of the data; a retraction, a new
    # station and a deletion must each show on the very next page.
    assert _bureau_count(client, "qingtian") == 22
    station = Station.objects.get(code="AUT01")
    station.state = State.DRAFT
    station.save()
    assert _bureau_count(client, "qingtian") == 21
    copy = Station.objects.create(
        code="AUT09",
        country_id="AUT",
        bureau=station.bureau,
        state=State.PUBLISHED,
    )
    assert _bureau_count(client, "qingtian") == 22
    copy.delete()
    assert _bureau_count(client, "qingtian") == 21
