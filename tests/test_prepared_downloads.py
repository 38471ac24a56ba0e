"""The full downloads are written once per data state and served from disk."""

import csv
import gzip
import io
import json
import threading

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connections
from django.http import FileResponse
from django.test import Client
from django.utils import timezone

from tracker import prepared
from tracker.models import Event, Station

pytestmark = pytest.mark.django_db

FULL = ["/stations.csv", "/stations.json", "/stations.geojson", "/events.csv", "/events.json"]


def read(response) -> bytes:
    return b"".join(response.streaming_content)


def wait_for_builds():
    """Join the threads watching a build, as a worker's would end."""
    for thread in threading.enumerate():
        if thread.name.startswith("prepare "):
            thread.join(30)


@pytest.fixture
def builds(monkeypatch):
    """Builds started by requests, recorded instead of run; ``builds.release()`` ends them."""

    class Builds(list):
        finished = threading.Event()

        def release(self):
            self.finished.set()
            wait_for_builds()

    started = Builds()

    def build_elsewhere(arguments, renew):
        started.append(arguments)
        started.finished.wait(30)
        return True

    monkeypatch.setattr(prepared, "_build_elsewhere", build_elsewhere)
    yield started
    started.release()


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
    # runs outside one, as the site does, so the file is written elsewhere: by
    # prepare_downloads in a process of its own, here in the watching thread.
    settings.TRACKER_PREPARE_WAIT = 0
    release = threading.Event()
    asked = []

    def slow_build(arguments, renew):
        asked.append(arguments)
        release.wait(30)
        call_command("prepare_downloads", *arguments, stdout=io.StringIO())
        return True

    monkeypatch.setattr(prepared, "_build_elsewhere", slow_build)
    waiting = client.get("/stations.csv")
    assert waiting.status_code == 503
    assert waiting["Retry-After"] == str(prepared.RETRY_AFTER)
    assert "no-store" in waiting["Cache-Control"]
    assert b"being prepared" in waiting.content
    # A second reader meanwhile joins the same build instead of starting another.
    assert client.get("/stations.csv").status_code == 503
    assert asked == [["/stations.csv", "--host", "testserver", "--scheme", "http"]]

    release.set()
    wait_for_builds()
    ready = client.get("/stations.csv")
    assert ready.status_code == 200
    assert read(ready).startswith(b"code,")


def test_prepare_downloads_writes_the_files_the_site_then_serves(
    client, settings, django_assert_max_num_queries
):
    out = io.StringIO()
    call_command("prepare_downloads", "--host", "testserver", "--scheme", "http", stdout=out)
    assert "/zh-hans/events.json: ready" in out.getvalue()
    # Five downloads in three languages, each with its gzip copy.
    files = [p for p in settings.TRACKER_DOWNLOAD_DIR.iterdir() if "lock" not in p.name]
    assert len(files) == 5 * 3 * 2
    for url in FULL:
        with django_assert_max_num_queries(1):
            response = client.get(url)
            assert response.status_code == 200
            read(response)


def test_prepare_downloads_refuses_an_address_that_is_no_full_download():
    with pytest.raises(CommandError, match="not a full download"):
        call_command("prepare_downloads", "/stations/")
    with pytest.raises(CommandError, match="no such address"):
        call_command("prepare_downloads", "/nowhere.csv")
    with pytest.raises(CommandError, match="not in DJANGO_ALLOWED_HOSTS"):
        call_command("prepare_downloads", "/events.json", "--host", "elsewhere.example")


JUNK = ["_=1", "_=1700000000", "foo=bar", "country=", "q=&country=&page=1", "utm_source=x&_=2"]


@pytest.mark.parametrize("junk", JUNK)
@pytest.mark.parametrize("url", FULL)
def test_a_download_with_unknown_or_blank_parameters_is_the_prepared_file(
    client, url, junk, settings, django_assert_max_num_queries
):
    # A cache buster or a form's blank fields must not make the server build the
    # whole file again for the request (at 100,000 events, 14-20 seconds each).
    plain = client.get(url)
    first = read(plain)
    files = sorted(p.name for p in settings.TRACKER_DOWNLOAD_DIR.iterdir())
    with django_assert_max_num_queries(1):  # the data stamp: no record is read
        noisy = client.get(f"{url}?{junk}")
        assert noisy.status_code == 200
        assert isinstance(noisy, FileResponse)
        assert read(noisy) == first
    assert noisy["Content-Disposition"] == plain["Content-Disposition"]
    assert sorted(p.name for p in settings.TRACKER_DOWNLOAD_DIR.iterdir()) == files


def test_the_summary_table_without_filters_answers_at_once_and_starts_no_build(
    transactional_db, builds
):
    # Outside a transaction, as the site runs: the table is no prepared file.
    response = Client().get("/events/summary.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert list(csv.reader(io.StringIO(response.content.decode()))) == [
        ["country", "country_name", "total"]
    ]
    assert "events_by_country_" in response["Content-Disposition"]
    assert builds == []
    assert Client().get("/events/summary.csv?_=1").status_code == 200
    assert builds == []


def test_the_summary_table_counts_every_published_event_per_country(client):
    rows = list(csv.reader(io.StringIO(client.get("/events/summary.csv").content.decode())))
    assert rows[0][:2] == ["country", "country_name"] and rows[0][-1] == "total"
    totals = {row[0]: int(row[-1]) for row in rows[1:]}
    published = Event.objects.published()
    assert totals == {
        code: published.filter(countries__code=code).count()
        for code in published.values_list("countries__code", flat=True).distinct()
        if code
    }


def _get(url, answers):
    try:
        answers.append(Client().get(url).status_code)
    finally:
        connections.close_all()


def test_concurrent_first_requests_start_one_build(transactional_db, settings, builds):
    settings.TRACKER_PREPARE_WAIT = 1
    answers = []
    readers = [threading.Thread(target=_get, args=("/stations.csv", answers)) for _ in range(6)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join(30)
    assert answers == [503] * 6
    assert builds == [["/stations.csv", "--host", "testserver", "--scheme", "http"]]
    # Later readers, and those of a worker whose memory cache knows of no build
    # (the file lock beside the download holds across the server's workers).
    settings.TRACKER_PREPARE_WAIT = 0
    assert Client().get("/stations.csv").status_code == 503
    cache.clear()
    assert Client().get("/stations.csv").status_code == 503
    assert len(builds) == 1


def test_a_server_sharing_the_cache_waits_for_the_build_under_way(
    transactional_db, settings, builds, tmp_path
):
    # Two servers, each with its own folder, one cache: one full download is
    # read from the database at a time; the second builds once the first is done.
    settings.TRACKER_PREPARE_WAIT = 0
    settings.TRACKER_DOWNLOAD_DIR = tmp_path / "server-1"
    assert Client().get("/events.json").status_code == 503
    settings.TRACKER_DOWNLOAD_DIR = tmp_path / "server-2"
    assert Client().get("/events.json").status_code == 503
    assert len(builds) == 1
    builds.release()
    assert Client().get("/events.json").status_code == 503
    assert len(builds) == 2


def test_a_failed_build_is_not_started_again_by_every_request(
    transactional_db, settings, monkeypatch
):
    settings.TRACKER_PREPARE_WAIT = 0
    started = []

    def failing_build(arguments, renew):
        started.append(arguments)
        return False

    monkeypatch.setattr(prepared, "_build_elsewhere", failing_build)
    for _ in range(5):
        assert Client().get("/stations.json").status_code == 503
        wait_for_builds()
    assert len(started) == 1
