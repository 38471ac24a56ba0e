"""Downloads say what they are: file names with their filters and the date, a data version."""

import json

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def disposition(response) -> str:
    return response["Content-Disposition"]


def test_a_filtered_csv_is_named_after_its_filters_and_the_date(client):
    today = timezone.localdate().isoformat()
    response = client.get("/stations.csv", {"continent": "europe", "bureau": "fuzhou"})
    assert disposition(response) == f'attachment; filename="stations_europe_fuzhou_{today}.csv"'


def test_an_unfiltered_download_is_named_after_the_date(client):
    today = timezone.localdate().isoformat()
    assert f'filename="stations_{today}.csv"' in disposition(client.get("/stations.csv"))
    assert f'filename="events_{today}.json"' in disposition(client.get("/events.json"))


def test_repeated_filters_all_appear_in_the_name(client):
    response = client.get("/events.csv", {"type": ["raid", "closure"], "country": "NLD"})
    name = disposition(response)
    assert "events_nld_raid_closure_" in name or "events_nld_closure_raid_" in name


def test_every_file_carries_the_data_version(client):
    csv_response = client.get("/stations.csv")
    version = csv_response["X-Data-Version"]
    assert len(version) == 12
    # The CSV keeps one header row and no preamble: it re-imports.
    first = b"".join(csv_response.streaming_content).decode().splitlines()[0]
    assert first.startswith("code,")
    for url in ("/stations.json", "/stations.geojson", "/events.json"):
        response = client.get(url)
        body = json.loads(b"".join(response.streaming_content))
        assert body["data_version"] == version == response["X-Data-Version"]


def test_json_has_country_names_beside_codes(client):
    body = json.loads(b"".join(client.get("/stations.json", {"country": "NLD"}).streaming_content))
    assert {(s["country"], s["country_name"]) for s in body["results"]} == {("NLD", "Netherlands")}
