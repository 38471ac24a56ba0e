"""Data URLs: CSV, JSON and GeoJSON of the filtered records, matching the pages."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from tracker.models import Source, Station

pytestmark = pytest.mark.django_db

STATION_HEADER = (
    "code,country,city,location,capital,bureau,active,status,host,"
    "summary,summary_zh_hans,summary_zh_hant,sources"
)


def body(response) -> str:
    assert response.status_code == 200, response
    return b"".join(response.streaming_content).decode()


def csv_rows(client, url):
    return list(csv.DictReader(io.StringIO(body(client.get(url)))))


def page_codes(client, query):
    response = client.get(f"{reverse('tracker:station_list')}?{query}")
    paginator = response.context["page"].paginator
    return [s.code for s in paginator.object_list]


def test_station_csv_has_the_import_columns_without_notes_and_state(client):
    text = body(client.get("/stations.csv"))
    assert text.splitlines()[0] == STATION_HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 70
    irl = next(row for row in rows if row["code"] == "IRL01")
    assert irl["country"] == "IRL" and irl["bureau"] == "fuzhou" and irl["active"] == "2022"
    assert irl["sources"] == (
        "bbc-2022-10-dublin;irishtimes-2022-10-27;irl-dail-2022-10-25;"
        "irl-dail-2022-12-13;wikipedia-overseas-stations"
    )
    notes = Station.objects.get(code="IRL01").notes
    assert notes and notes not in text


@pytest.mark.parametrize(
    "query", ["bureau=qingtian", "continent=africa", "country=ESP", "q=dublin", "active_in=2018"]
)
def test_every_export_matches_the_page_for_the_same_filter(client, query):
    expected = page_codes(client, query)
    assert [row["code"] for row in csv_rows(client, f"/stations.csv?{query}")] == expected
    data = json.loads(body(client.get(f"/stations.json?{query}")))
    assert data["count"] == len(expected)
    assert [item["code"] for item in data["results"]] == expected
    geo = json.loads(body(client.get(f"/stations.geojson?{query}")))
    assert [feature["id"] for feature in geo["features"]] == expected


def test_export_honours_sort_like_the_page(client):
    expected = page_codes(client, "country=NLD&sort=city")
    assert [r["code"] for r in csv_rows(client, "/stations.csv?country=NLD&sort=city")] == expected


def test_downloaded_csv_reimports_without_changing_anything(client, tmp_path):
    path = tmp_path / "stations.csv"
    path.write_text(body(client.get("/stations.csv")), encoding="utf-8")
    versions = dict(Station.objects.values_list("code", "version"))
    call_command("import_sheet", "stations", str(path), stdout=io.StringIO())
    assert dict(Station.objects.values_list("code", "version")) == versions


def test_station_json_shape(client):
    data = json.loads(body(client.get("/stations.json?country=IRL")))
    assert set(data) >= {"count", "results", "license", "generated_at"}
    (station,) = data["results"]
    assert station["code"] == "IRL01"
    assert station["url"] == "http://testserver/stations/IRL01/"
    assert station["country"] == "IRL" and station["country_name"] == "Ireland"
    assert station["continent"] == "europe"
    assert station["bureau"] == "fuzhou"
    assert station["bureau_name"] == "Fuzhou City Public Security Bureau"
    assert station["active"] == "2022" and station["status"] == "closed"
    assert "notes" not in station and "state" not in station
    citation = next(c for c in station["citations"] if c["source"] == "irl-dail-2022-12-13")
    assert citation["title"] == "Consular Services (written answer 322)"
    assert citation["url"].startswith("https://www.kildarestreet.com/")
    assert citation["locator"] == "Written answer 322"
    assert set(citation) >= {"source", "title", "publisher", "url", "archived_url", "locator"}


def test_geojson_says_where_each_point_comes_from(client):
    # Points are worked out when a station is written, as every write does through save().
    station = Station.objects.get(code="NLD01")
    station.latitude, station.longitude = Decimal("52.37"), Decimal("4.89")
    station.save()
    geo = json.loads(body(client.get("/stations.geojson?country=NLD&country=SGP")))
    assert geo["type"] == "FeatureCollection"
    by_code = {f["id"]: f for f in geo["features"]}
    assert by_code["NLD01"]["properties"]["coordinates_source"] == "station"
    assert by_code["NLD01"]["geometry"] == {"type": "Point", "coordinates": [4.89, 52.37]}
    assert by_code["NLD03"]["properties"]["coordinates_source"] == "city"
    lon, lat = by_code["NLD03"]["geometry"]["coordinates"]
    assert 4.3 < lon < 4.6 and 51.8 < lat < 52.0  # Rotterdam
    assert by_code["NLD04"]["properties"]["coordinates_source"] == "country"


def test_event_exports_match_the_event_list(client):
    response = client.get(f"{reverse('tracker:event_list')}?type=closure")
    expected = [e.slug for e in response.context["page"].paginator.object_list]
    rows = csv_rows(client, "/events.csv?type=closure")
    assert [row["slug"] for row in rows] == expected
    data = json.loads(body(client.get("/events.json?type=closure")))
    assert [item["slug"] for item in data["results"]] == expected


def test_event_csv_and_json_columns(client):
    text = body(client.get("/events.csv?station=IRL01"))
    header = text.splitlines()[0]
    assert header == (
        "slug,date,type,title,title_zh_hans,title_zh_hant,description,"
        "description_zh_hans,description_zh_hant,countries,stations,sources"
    )
    data = json.loads(body(client.get("/events.json?station=IRL01")))
    (event,) = data["results"]
    assert event["slug"] == "2022-10-dublin-closure-order"
    assert event["date"] == "2022-10" and event["date_precision"] == "month"
    assert event["countries"] == ["IRL"] and event["stations"] == ["IRL01"]
    assert event["url"] == "http://testserver/events/2022-10-dublin-closure-order/"
    assert len(event["citations"]) == 5


def test_exports_leave_out_drafts_and_draft_sources(client):
    Station.objects.filter(code="IRL01").update(state="draft")
    Source.objects.filter(key="bbc-2022-10-dublin").update(state="draft")
    urls = ["/stations.csv", "/stations.json", "/stations.geojson", "/events.csv", "/events.json"]
    for url in urls:
        text = body(client.get(url))
        assert "IRL01" not in text, url
        assert "bbc-2022-10-dublin" not in text, url


def test_formula_in_a_cell_is_neutralised(client):
    Station.objects.filter(code="IRL01").update(host='=HYPERLINK("http://x")')
    (row,) = csv_rows(client, "/stations.csv?country=IRL")
    assert row["host"].startswith("'=")


def test_refused_filter_answers_400_not_everything(client):
    response = client.get("/stations.csv?country=XXX")
    assert response.status_code == 400
    assert b"Country" in response.content
