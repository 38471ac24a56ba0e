"""Public addresses answer for their canonical query: noise in a query changes nothing,
and what a made-up query can make the server do is bounded."""

import pytest
from django.test import Client

from tracker import urls
from tracker.canonical import QUERY_PARAMS
from tracker.models import Station

pytestmark = pytest.mark.django_db


def read(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_every_public_address_says_which_parameters_its_view_reads():
    # A view missing from the table would keep every query as sent.
    public = {pattern.name for pattern in urls.urlpatterns}
    assert public - set(QUERY_PARAMS) == {"tip_status"}
    assert set(QUERY_PARAMS) <= public


@pytest.mark.parametrize(
    ("noisy", "plain"),
    [
        ("/stations/?country=&bureau=qingtian&utm_source=x&page=1", "/stations/?bureau=qingtian"),
        ("/stations/?country=esp&country=NLD&_=5", "/stations/?country=NLD&country=esp"),
        ("/events/?type=raid&type=&q=+", "/events/?type=raid"),
        ("/stations.csv?continent=europe&foo=bar", "/stations.csv?continent=europe"),
    ],
)
def test_a_noisy_query_answers_as_its_canonical_form(client, noisy, plain):
    assert read(client.get(noisy)) == read(client.get(plain))


def test_a_repeated_single_filter_is_read_as_its_last_value(client):
    # Sorting the query must not change which value the filter reads.
    last_fuzhou = client.get("/stations/?bureau=qingtian&bureau=fuzhou")
    last_qingtian = client.get("/stations/?bureau=fuzhou&bureau=qingtian")
    assert last_fuzhou.context["filter"].form.cleaned_data["bureau"].slug == "fuzhou"
    assert "X-Cache" not in last_qingtian
    assert last_qingtian.context["filter"].form.cleaned_data["bureau"].slug == "qingtian"


def test_filtered_downloads_draw_on_an_hourly_allowance_of_records(client, settings):
    # A filtered file is built for its request, in time that grows with its
    # records: one client gets so many an hour; the full files are not counted.
    europe = Station.objects.published().filter(country__continent="europe").count()
    settings.TRACKER_DOWNLOAD_RECORDS_PER_HOUR = 2 * europe
    for _ in range(2):
        response = client.get("/stations.json?continent=europe")
        assert response.status_code == 200
        read(response)
    refused = client.get("/stations.csv?continent=europe&bureau=fuzhou")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert "not limited" in refused.content.decode()
    assert client.get("/stations.csv").status_code == 200
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert other.get("/stations.csv?continent=europe").status_code == 200
