"""Production serving: the deploy checks pass, gunicorn serves pages and hashed static files.

These run the real commands in processes of their own, with the environment a
deployment gives them, on a scratch SQLite file and a scratch static folder.
"""

# The commands run are this project's own, with arguments the tests build.
# ruff: noqa: S603

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def production_env(tmp_path: Path, **extra) -> dict:
    """What a production host sets: a long random key, no debug, its host name."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "PYTEST_", "GUNICORN_", "WEB_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="tracker.example.org,127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
    )
    env.update(extra)
    return env


def manage(env: dict, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A migrated database and collected static files, as ``make serve`` prepares them."""
    tmp_path = tmp_path_factory.mktemp("deploy")
    env = production_env(tmp_path)
    for step in (["collectstatic", "--noinput", "-v0"], ["migrate", "--noinput", "-v0"]):
        result = manage(env, *step)
        assert result.returncode == 0, result.stderr
    return tmp_path, env


def test_check_deploy_reports_nothing_with_production_settings(site):
    _, env = site

    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_a_missing_secret_key_stops_the_server_with_one_line(site):
    tmp_path, _ = site
    env = production_env(tmp_path, GUNICORN_BIND="127.0.0.1:0")
    del env["DJANGO_SECRET_KEY"]

    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: DJANGO_SECRET_KEY is not set. Set it, or set DJANGO_DEBUG=1 for local use."
    )


def test_a_command_without_a_secret_key_uses_the_local_key_file(site):
    tmp_path, _ = site
    key_file = tmp_path / "local-key"
    env = production_env(tmp_path, DJANGO_SECRET_KEY_FILE=str(key_file))
    del env["DJANGO_SECRET_KEY"]

    result = manage(env, "check")

    assert result.returncode == 0, result.stderr
    assert len(key_file.read_text().strip()) > 50
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DJANGO_SECURITY_EXPIRES", "soon", "DJANGO_SECURITY_EXPIRES='soon' is not a date."),
        (
            "DJANGO_SECURITY_CONTACT",
            "security@example.org",
            "DJANGO_SECURITY_CONTACT must be a mailto: or https:// URI.",
        ),
    ],
)
def test_a_malformed_security_txt_setting_stops_the_start(tmp_path, name, value, message):
    env = {**production_env(tmp_path), name: value}

    result = manage(env, "check")

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"Error: {message}"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (loopback)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def gunicorn(site):
    """gunicorn with the project's configuration, on plain http as ``make serve`` runs it."""
    _, env = site
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.py"],
        cwd=ROOT,
        env={
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "1",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SECURE_COOKIES": "0",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert server.poll() is None, server.stderr.read()
            time.sleep(0.1)
    yield base
    server.terminate()
    server.wait(timeout=20)


def test_gunicorn_serves_the_home_page_without_debug(gunicorn):
    status, headers, body = fetch(gunicorn + "/")

    assert status == 200
    assert headers["Server"] == "gunicorn"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # only sent over https


def test_an_unknown_page_is_a_plain_404_without_debug_details(gunicorn):
    status, _, body = fetch(gunicorn + "/no-such-page/")

    assert status == 404
    assert b"Traceback" not in body
    assert b"URLconf" not in body


def test_static_files_have_hashed_names_are_compressed_and_cached_for_ever(site, gunicorn):
    tmp_path, _ = site
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    name, hashed = next(
        (name, hashed) for name, hashed in manifest["paths"].items() if name.endswith(".js")
    )
    assert hashed != name

    status, headers, _ = fetch(f"{gunicorn}/static/{hashed}", **{"Accept-Encoding": "gzip"})

    assert status == 200
    assert headers["Content-Encoding"] in ("gzip", "br")
    assert "immutable" in headers["Cache-Control"]
