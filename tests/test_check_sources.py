"""manage.py check_sources: link health against a local server, within bounds, public only.

Every request goes to 127.0.0.1 only: redirects elsewhere point at private
addresses the checker must refuse without connecting.
"""

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.urls import reverse

from tracker.models import Source

pytestmark = pytest.mark.django_db


class Handler(BaseHTTPRequestHandler):
    hits: list = []

    def answer(self, body: bool):
        Handler.hits.append((self.command, self.path))
        if self.path.startswith("/slow"):
            time.sleep(3)
        if self.path == "/head-refused" and self.command == "HEAD":
            self.send_response(405)
        elif self.path == "/to-private":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        elif self.path == "/to-ok":
            self.send_response(301)
            self.send_header("Location", "/ok")
        elif self.path in ("/ok", "/head-refused") or self.path.startswith("/slow"):
            self.send_response(200)
        else:
            self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_HEAD(self):
        self.answer(body=False)

    def do_GET(self):
        self.answer(body=True)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    Handler.hits = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def allow_local(settings):
    settings.TRACKER_LINKCHECK_ALLOWED_NETWORKS = ["127.0.0.1/32"]


@pytest.fixture
def trickling_server():
    """A server that answers every request one byte at a time, a byte every 0.2 s, for ever."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def trickle(connection):
        with connection:
            try:
                connection.recv(4096)
                for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"z" * 60_000:
                    if stop.wait(0.2):
                        return
                    connection.sendall(bytes([byte]))
            except OSError:  # the checker hung up
                return

    def serve():
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=trickle, args=(connection,), daemon=True).start()

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    server.join(timeout=5)
    listener.close()


def only_sources(base, paths: dict):
    """Replace every source's links: key -> (path, archived path or None)."""
    Source.objects.update(url="", archived_url="")
    for key, (path, archived) in paths.items():
        Source.objects.filter(key=key).update(
            url=f"{base}{path}", archived_url=f"{base}{archived}" if archived else ""
        )


def run(*args):
    """Run the command; return (exit status, output)."""
    from io import StringIO

    out = StringIO()
    with pytest.raises(SystemExit) as exit:
        call_command("check_sources", *args, stdout=out, stderr=out)
    return exit.value.code, out.getvalue()


def test_records_ok_missing_timeout_and_refused_redirect(server, allow_local):
    only_sources(
        server,
        {
            "bbc-2022-10-dublin": ("/ok", "/missing"),
            "safeguard-2022-09": ("/slow", None),
            "rtl-nieuws-2022-10": ("/to-private", None),
            "parool-2023-02": ("/head-refused", None),
            "cbc-2022-11-epp": ("/to-ok", None),
        },
    )
    status, output = run("--timeout", "1", "--time-limit", "20")
    assert status == 1
    sources = {s.key: s for s in Source.objects.exclude(url="")}
    bbc = sources["bbc-2022-10-dublin"]
    assert (bbc.url_ok, bbc.url_result) == (True, "200")
    assert (bbc.archived_ok, bbc.archived_result) == (False, "404")
    assert bbc.url_checked_at is not None and bbc.archived_checked_at is not None
    slow = sources["safeguard-2022-09"]
    assert (slow.url_ok, slow.url_result) == (False, "timed out")
    refused = sources["rtl-nieuws-2022-10"]
    assert refused.url_ok is False
    assert refused.url_result == "refused: non-public address 169.254.169.254"
    # HEAD refused, GET asked; a redirect to a public-enough (allowed) address followed.
    assert sources["parool-2023-02"].url_result == "200"
    assert ("GET", "/head-refused") in Handler.hits
    assert sources["cbc-2022-11-epp"].url_result.startswith("200 after redirect to")
    assert "broken  rtl-nieuws-2022-10 url" in output
    # Link checks are not edits: no new version, no history entry.
    assert bbc.version == 1 and bbc.history.count() == 1


def test_all_reachable_exits_0(server, allow_local):
    only_sources(server, {"bbc-2022-10-dublin": ("/ok", "/ok")})
    status, output = run()
    assert status == 0 and "Every link answered." in output


def test_private_addresses_are_refused_by_default(server, settings):
    settings.TRACKER_LINKCHECK_ALLOWED_NETWORKS = []
    only_sources(server, {"bbc-2022-10-dublin": ("/ok", None)})
    status, _ = run()
    assert status == 1
    source = Source.objects.get(key="bbc-2022-10-dublin")
    assert source.url_ok is False
    assert source.url_result == "refused: non-public address 127.0.0.1"
    assert Handler.hits == []


def test_stops_at_the_time_limit_and_reports_what_was_not_checked(server, allow_local):
    keys = list(Source.objects.values_list("key", flat=True)[:6])
    only_sources(server, {key: (f"/slow/{n}", None) for n, key in enumerate(keys)})
    # Six links on one host are checked one at a time: 2 s cannot hold them.
    started = time.monotonic()
    status, output = run("--timeout", "5", "--time-limit", "2")
    assert time.monotonic() - started < 4
    assert status == 1
    assert "Stopped at the time limit (2 s)" in output
    assert output.count("not checked  ") >= 4
    unchecked = Source.objects.filter(key__in=keys, url_checked_at__isnull=True).count()
    assert unchecked >= 4


def test_a_server_trickling_bytes_is_timed_out_at_the_request_deadline(
    trickling_server, allow_local
):
    # Each byte comes well within the 1 s timeout, so a timeout per read would
    # never fire: the whole request must end at its deadline.
    only_sources(trickling_server, {"bbc-2022-10-dublin": ("/drip", None)})
    started = time.monotonic()
    status, output = run("--timeout", "1", "--time-limit", "8")
    elapsed = time.monotonic() - started
    assert elapsed < 3, f"the check took {elapsed:.1f} s"
    assert status == 1
    source = Source.objects.get(key="bbc-2022-10-dublin")
    assert (source.url_ok, source.url_result) == (False, "timed out")
    assert "broken  bbc-2022-10-dublin url" in output and "(timed out)" in output


def test_stale_days_skips_links_checked_recently(server, allow_local):
    only_sources(server, {"bbc-2022-10-dublin": ("/ok", None)})
    run()
    Handler.hits.clear()
    status, output = run("--stale-days", "7")
    assert status == 0 and Handler.hits == []
    assert "Checked 0 of 0 links" in output


def test_bad_setting_exits_2(settings):
    settings.TRACKER_LINKCHECK_ALLOWED_NETWORKS = ["not-a-network"]
    status, output = run()
    assert status == 2 and "not-a-network" in output


def test_broken_link_shows_on_the_source_page_and_in_admin_filters(
    server, allow_local, client, researcher_client
):
    only_sources(server, {"bbc-2022-10-dublin": ("/missing", None)})
    Source.objects.filter(key="bbc-2022-10-dublin").update(
        archived_url="https://web.archive.org/web/2022/https://www.bbc.com/news/x"
    )
    # Only the original is broken; the archive is left unchecked here.
    Source.objects.filter(key="bbc-2022-10-dublin").update(url_ok=False, url_result="404")
    page = client.get(reverse("tracker:source_detail", args=["bbc-2022-10-dublin"]))
    html = page.content.decode()
    assert "This link was found broken" in html
    assert "Read the archived copy instead." in html
    changelist = reverse("admin:tracker_source_changelist")
    broken = researcher_client.get(changelist + "?link=broken").context["cl"].result_list
    assert [s.key for s in broken] == ["bbc-2022-10-dublin"]
    unarchived = researcher_client.get(changelist + "?link=no-archive").context["cl"].result_list
    assert "bbc-2022-10-dublin" not in [s.key for s in unarchived]
