"""/bureaus/<slug>/: a bureau's published stations, on a world map."""

import pytest
from django.urls import reverse

from tracker.models import Station

pytestmark = pytest.mark.django_db


def get(client, slug="qingtian"):
    return client.get(reverse("tracker:bureau_detail", args=[slug]))


def test_bureau_page_lists_its_stations(client):
    response = get(client)
    assert len(response.context["stations"]) == 22
    assert response.context["station_count"] == "22 stations"
    html = response.content.decode()
    assert '<span class="h1-sub" lang="zh-Hans">青田县公安局</span>' in html
    assert "Qīngtián" in html
    assert 'href="/stations.csv?bureau=qingtian"' in html


def test_bureau_map_links_the_countries_it_has_stations_in(client):
    html = get(client).content.decode()
    assert "Spain: 4 stations" in html
    assert 'href="/countries/ESP/"' in html


def test_bureau_counts_leave_out_drafts(client):
    Station.objects.filter(code="ESP03").update(state="draft")
    response = get(client)
    assert response.context["station_count"] == "21 stations"
    assert "ESP03" not in response.content.decode()


def test_unknown_bureau_is_404(client):
    assert get(client, "nowhere").status_code == 404
