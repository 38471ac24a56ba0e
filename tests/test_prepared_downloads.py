"""The full downloads are written once per data state and served from disk."""

import gzip
import json
import threading

import pytest
from django.utils import timezone

from tracker import prepared
from tracker.models import Station

pytestmark = pytest.mark.django_db

FULL = ["/stations.csv", "/stations.json", "/stations.geojson", "/events.csv", "/events.json"]


def read(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("url", FULL)
def test_a_repeat_full_download_is_read_from_the_prepared_file(
    client, url, settings, django_assert_max_num_queries
):
    first = read(client.get(url))
    files = sorted(p.name for p in settings.TRACKER_DOWNLOAD_DIR.iterdir())
    assert any(name.endswith(".gz") for name in files)
    # Only the stamp: no record is read to answer.
    with django_assert_max_num_queries(1):
        again = client.get(url)
        assert read(again) == first
    assert sorted(p.name for p in settings.TRACKER_DOWNLOAD_DIR.iterdir()) == files


@pytest.mark.parametrize("url", FULL)
def test_a_client_that_takes_gzip_gets_the_compressed_file(client, url):
    plain = read(client.get(url))
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert gzip.decompress(read(response)) == plain


def test_csv_downloads_are_attachments_named_for_the_data(client):
    response = client.get("/stations.csv")
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="stations_{today}.csv"'
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert client.get("/stations.geojson")["Content-Type"].startswith("application/geo+json")


def test_a_change_writes_a_new_file_and_removes_the_old_one(client, settings):
    before = json.loads(read(client.get("/stations.json")))
    station = Station.objects.get(code="GBR02")
    station.city = "Croydon"
    station.save()
    after = json.loads(read(client.get("/stations.json")))
    assert before["count"] == after["count"]
    assert next(s for s in after["results"] if s["code"] == "GBR02")["city"] == "Croydon"
    names = [p.name for p in settings.TRACKER_DOWNLOAD_DIR.iterdir() if "lock" not in p.name]
    assert len(names) == 2  # the new file and its gzip copy


def test_a_filtered_download_is_streamed_not_kept(client, settings):
    response = client.get("/stations.csv?country=NLD")
    assert response.streaming
    read(response)
    assert not settings.TRACKER_DOWNLOAD_DIR.exists()


def test_a_first_build_that_outlasts_the_wait_answers_503_and_then_the_file(
    transactional_db, client, settings, monkeypatch
):
    # A request inside a transaction writes the file itself (tests do): this one
    # runs outside one, as the site does, so the file is written by its own thread.
    settings.TRACKER_PREPARE_WAIT = 0
    release = threading.Event()
    write = prepared._write

    def slow_write(path, chunks):
        release.wait(30)
        write(path, chunks)

    monkeypatch.setattr(prepared, "_write", slow_write)
    waiting = client.get("/stations.csv")
    assert waiting.status_code == 503
    assert waiting["Retry-After"] == str(prepared.RETRY_AFTER)
    assert "no-store" in waiting["Cache-Control"]
    assert b"being prepared" in waiting.content
    # A second reader meanwhile joins the same build instead of starting another.
    assert client.get("/stations.csv").status_code == 503
    assert len(prepared._building) == 1

    release.set()
    for thread in list(prepared._building.values()):
        thread.join(30)
    ready = client.get("/stations.csv")
    assert ready.status_code == 200
    assert read(ready).startswith(b"code,")
