"""Two app servers, one PostgreSQL, one Redis: they behave as one site.

Two gunicorn processes on different ports share a PostgreSQL database and a
Redis cache (``DJANGO_CACHE_URL``), as a deployment behind a proxy runs them.
A change published through one shows on the other's next request, a lost
update across them is refused, and a login lockout on one holds on the other.

Needs PostgreSQL (``TRACKER_TEST_POSTGRES_URL``, a role that may create
databases, or a PostgreSQL ``DATABASE_URL``) and Redis
(``TRACKER_TEST_REDIS_URL``, or a ``redis-server`` to start). ``.ci/run``
provides both; in CI a missing one fails the test, elsewhere it is skipped.
"""

# The commands run are this project's own, with arguments the tests build.
# ruff: noqa: S603, S310

import http.cookiejar
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.two_servers


def _missing(what: str):
    if os.environ.get("CI"):
        pytest.fail(f"{what} is needed for the two-server test in CI")
    pytest.skip(f"{what} is not available")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None:
                raise AssertionError(process.stderr.read()) from None
            time.sleep(0.2)
    raise AssertionError(f"nothing listens on port {port}")


@pytest.fixture(scope="module")
def redis_url():
    if url := os.environ.get("TRACKER_TEST_REDIS_URL"):
        yield url
        return
    binary = shutil.which("redis-server")
    if not binary:
        _missing("Redis")
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    wait_for_port(port, server)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="module")
def database_url():
    admin = os.environ.get("TRACKER_TEST_POSTGRES_URL") or os.environ.get("DATABASE_URL", "")
    if not admin.startswith(("postgres://", "postgresql://")):
        _missing("PostgreSQL")
    import psycopg

    name = f"tracker_two_servers_{os.getpid()}"
    parts = urllib.parse.urlsplit(admin)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def servers(tmp_path_factory, database_url, redis_url):
    """Two gunicorn servers (one worker each) on the same database and cache."""
    tmp = tmp_path_factory.mktemp("two-servers")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_STATIC_ROOT": str(tmp / "static"),
        "DATABASE_URL": database_url,
        "DJANGO_CACHE_URL": redis_url,
        "GUNICORN_ACCESS_LOG": "",
        "WEB_CONCURRENCY": "1",
    }
    script = (
        "from django.contrib.auth.models import Group, User\n"
        "u = User.objects.create_user('eddie', password='a-long-pass-phrase', is_staff=True)\n"
        "u.groups.add(Group.objects.get(name='Editors'))\n"
    )
    for step in (
        ["collectstatic", "--noinput", "-v0"],
        ["migrate", "--noinput", "-v0"],
        ["seed", "-v0"],
        ["setup_roles", "-v0"],
        ["shell", "-c", script],
    ):
        done = subprocess.run(
            [sys.executable, "manage.py", *step],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
    processes, bases = [], []
    for index in range(2):
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.py"],
            cwd=ROOT,
            env={
                **env,
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "DJANGO_DOWNLOAD_DIR": str(tmp / f"downloads-{index}"),
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
        wait_for_port(port, process)
        bases.append(f"http://127.0.0.1:{port}")
    yield bases
    for process in processes:
        process.terminate()
        process.wait(timeout=20)


class Browser:
    """A reader with a cookie jar, speaking to one server."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def request(self, path: str, data: dict | list | None = None, **headers):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        # As behind a proxy: every server is asked for the site's one host name.
        headers["Host"] = "127.0.0.1"
        if body is not None:
            headers["Referer"] = self.base + path
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def form(self, path: str) -> list[tuple[str, str]]:
        status, _, html = self.request(path)
        assert status == 200, html
        return form_fields(html)

    def log_in(self, username: str, password: str):
        fields = dict(self.form("/admin/login/"))
        fields.update(username=username, password=password)
        return self.request("/admin/login/?next=/admin/", fields)


class _Form(HTMLParser):
    """The name/value pairs a browser would submit from the page's main form."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select = self._textarea = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields.append((self._select, attrs.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, self._text))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text += data


def form_fields(html: str) -> list[tuple[str, str]]:
    parser = _Form()
    parser.feed(html)
    return parser.fields


def station_pk(browser: Browser, code: str) -> str:
    _, _, html = browser.request(f"/admin/tracker/station/?q={code}")
    match = re.search(r'href="/admin/tracker/station/(\d+)/change/[^"]*"[^>]*>' + code, html)
    assert match, html[:2000]
    return match.group(1)


def test_a_change_published_on_one_server_shows_on_the_other(servers):
    one, other = Browser(servers[0]), Browser(servers[1])
    reader = Browser(servers[1])
    status, first, _ = reader.request("/stations/GBR02/")
    assert status == 200
    status, _, full = reader.request("/stations.json")
    assert status == 200 and "Published through the first server." not in full
    # The first server answers from the page the second kept in the shared cache.
    status, kept, _ = Browser(servers[0]).request("/stations/GBR02/")
    assert status == 200 and kept["X-Cache"] == "hit" and kept["ETag"] == first["ETag"]
    # A cache buster is the same page (its canonical query is the page's).
    status, busted, _ = Browser(servers[0]).request("/stations/GBR02/?_=1&utm_source=x")
    assert status == 200 and busted["X-Cache"] == "hit" and busted["ETag"] == first["ETag"]

    assert one.log_in("eddie", "a-long-pass-phrase")[0] == 200
    pk = station_pk(one, "GBR02")
    fields = [(k, v) for k, v in one.form(f"/admin/tracker/station/{pk}/change/") if k != "summary"]
    fields += [("summary", "Published through the first server."), ("_save", "Save")]
    fields = [(k, v) for k, v in fields if k != "public_note"]
    fields.append(("public_note", "Summary rewritten."))
    status, _, html = one.request(f"/admin/tracker/station/{pk}/change/", fields)
    assert status == 200 and "errornote" not in html, html[:3000]

    status, headers, html = reader.request("/stations/GBR02/", **{"If-None-Match": first["ETag"]})
    assert status == 200
    assert "Published through the first server." in html
    assert headers["ETag"] != first["ETag"]
    _, _, listed = other.request("/stations.json?q=GBR02")
    assert "Published through the first server." in listed
    # The full file is written again for the new state, by prepare_downloads in a
    # process of its own that the worker waits for.
    status, _, full = other.request("/stations.json")
    assert status == 200 and "Published through the first server." in full
    # Both servers asked at once for a full file of the new data: one build at a
    # time (a lease in the shared cache), then each serves its own copy.
    answers = []
    askers = [
        threading.Thread(
            target=lambda base=base: answers.append(Browser(base).request("/events.csv"))
        )
        for base in servers
    ]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join(60)
    assert [status for status, _, _ in answers] == [200, 200]
    assert answers[0][2] == answers[1][2]


def test_a_lost_update_across_servers_is_refused(servers):
    one, other = Browser(servers[0]), Browser(servers[1])
    for browser in (one, other):
        assert browser.log_in("eddie", "a-long-pass-phrase")[0] == 200
    pk = station_pk(one, "NLD04")
    path = f"/admin/tracker/station/{pk}/change/"
    first, second = one.form(path), other.form(path)

    def edited(fields, host):
        kept = [(k, v) for k, v in fields if k not in ("host", "public_note")]
        return [*kept, ("host", host), ("public_note", "Host corrected."), ("_save", "Save")]

    status, _, html = one.request(path, edited(first, "Saved on the first server"))
    assert status == 200 and "errornote" not in html, html[:3000]
    status, _, html = other.request(path, edited(second, "Saved on the second server"))
    assert status == 200
    assert "was changed by eddie after you opened it" in html
    _, _, public = Browser(servers[1]).request("/stations/NLD04/")
    assert "Saved on the first server" in public
    assert "Saved on the second server" not in public


def test_a_login_lockout_on_one_server_holds_on_the_other(servers):
    guesser = Browser(servers[0])
    for _ in range(5):
        guesser.log_in("eddie", "wrong-guess")
    status, _, html = Browser(servers[1]).log_in("eddie", "a-long-pass-phrase")
    assert status in (403, 429), html[:1000]
    assert "locked" in html.lower()
