"""Search ``q``: case- and accent-insensitive, Chinese characters and toneless pinyin."""

import pytest
from django.urls import reverse

from tracker.models import Bureau, Country, State, Station

pytestmark = pytest.mark.django_db

URL = reverse("tracker:station_list")


@pytest.fixture
def haiwai_station():
    """A station whose bureau and host are written in Chinese and in pinyin with tones."""
    bureau = Bureau.objects.create(
        slug="haiwai-test", name="Test Haiwai Bureau", name_zh="海外测试局", pinyin="Hǎiwài Cèshìjú"
    )
    return Station.objects.create(
        code="CHE01",
        country=Country.objects.get(code="CHE"),
        city="Zürich",
        location="Bahnhofstraße",
        bureau=bureau,
        host="瑞士华人海外联谊会",
        state=State.PUBLISHED,
    )


def found(client, q):
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    return [s.code for s in response.context["page"].paginator.object_list]


# Every seed station's Chinese summary says 海外 (overseas): the test bureau's own
# name, 测试局, is what only it carries; 測試局 is the same in Traditional characters.
@pytest.mark.parametrize(
    "q", ["ceshiju", "CESHIJU", "cèshìjú", "Cèshìjú", "测试局", "測試局", "hai wai ceshiju"]
)
def test_chinese_and_pinyin_with_or_without_tones_find_the_station(client, haiwai_station, q):
    assert found(client, q) == ["CHE01"]


@pytest.mark.parametrize("q", ["zurich", "ZÜRICH", "bahnhofstrasse", "lianyihui", "联谊"])
def test_accents_case_and_host_names_match(client, haiwai_station, q):
    assert "CHE01" in found(client, q)


def test_bureau_name_in_chinese_or_pinyin_finds_its_seed_stations(client):
    assert len(found(client, "qingtian")) == 22
    assert len(found(client, "青田")) == 22


def test_every_term_must_match(client):
    assert found(client, "dublin capel") == ["IRL01"]
    assert found(client, "dublin rotterdam") == []


def test_search_combines_with_filters(client):
    assert found(client, "fuzhou") and all(
        code.startswith("ESP")
        for code in client.get(URL, {"q": "fuzhou", "country": "ESP"})
        .context["page"]
        .paginator.object_list.values_list("code", flat=True)
    )


def test_search_finds_codes_and_countries(client):
    assert found(client, "nld01") == ["NLD01"]
    assert len(found(client, "netherlands")) == 4


def test_search_never_finds_a_draft(client, haiwai_station):
    Station.objects.filter(pk=haiwai_station.pk).update(state=State.DRAFT)
    assert found(client, "ceshiju") == []
