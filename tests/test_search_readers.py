"""Search as readers write it: short names, other names of places, why a result matched."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = reverse("tracker:station_list")
UK = ["GBR01", "GBR02", "GBR03"]


def found(client, q, **params):
    response = client.get(URL, {"q": q, **params})
    assert response.status_code == 200
    return [s.code for s in response.context["page"].paginator.object_list]


def test_uk_finds_the_british_stations_only(client):
    # Not UKR01, not Ukraine: a lone short query matches whole words.
    assert found(client, "UK") == UK


@pytest.mark.parametrize("q", ["Britain", "Great Britain", "united kingdom", "英国", "英國"])
def test_other_names_of_the_uk_find_its_stations(client, q):
    assert found(client, q) == UK


@pytest.mark.parametrize("q", ["荷兰", "荷蘭", "Holland"])
def test_other_names_of_the_netherlands_find_its_stations(client, q):
    assert found(client, q) == ["NLD01", "NLD02", "NLD03", "NLD04"]


def test_chinese_city_names_find_the_city(client):
    # NLD03 is in Rotterdam; the summaries of NLD01 and NLD04 name the Rotterdam office too.
    assert found(client, "鹿特丹") == ["NLD01", "NLD03", "NLD04"]
    assert "NLD01" in found(client, "阿姆斯特丹")


def test_us_does_not_find_every_word_containing_us(client):
    codes = found(client, "US")
    assert codes and all(code.startswith("USA") for code in codes)


def test_each_result_says_why_it_matched(client):
    page = client.get(URL, {"q": "Rotterdam"}).content.decode()
    # NLD01 (Amsterdam) is found through its summary, and the page shows it.
    assert "Matched:" in page
    assert "<mark>Rotterdam</mark>" in page
    # A station found by another name of its country says so.
    page = client.get(URL, {"q": "英国"}).content.decode()
    assert "Country, also called" in page and "<mark>英国</mark>" in page


def test_the_reason_is_escaped(client):
    from tracker.models import Station

    Station.objects.filter(code="GBR01").update(location="<b>Croydon</b>")
    page = client.get(URL, {"q": "Croydon"}).content.decode()
    assert "&lt;b&gt;<mark>Croydon</mark>&lt;/b&gt;" in page
    assert "<b>Croydon</b>" not in page


def test_an_empty_result_helps_instead_of_offering_nothing(client):
    page = client.get(URL, {"q": "zzzzqqq", "continent": "europe"}).content.decode()
    assert "Download these 0" not in page and "Download" not in page.split("results")[-1]
    assert "No countries match" not in page
    assert "Search all stations for “zzzzqqq”" in page
    assert "Check the spelling" in page
