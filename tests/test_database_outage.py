"""A database that cannot be reached answers 503 with Retry-After, never a bare 500.

The page is rendered without the database (no query, no context processor
reading the session), in the language of the address, and kept by no cache.
"""

from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client

from tracker.views import pages

pytestmark = pytest.mark.django_db


@contextmanager
def database_lost(error):
    """Every query fails as it does when the server has gone away."""
    with (
        mock.patch.object(CursorWrapper, "execute", side_effect=error),
        mock.patch.object(CursorWrapper, "executemany", side_effect=error),
    ):
        yield


REFUSED = OperationalError(
    'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
)


@pytest.fixture
def reader():
    # As a browser sees it: the error page, not the exception the test client re-raises.
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    "url", ["/stations/", "/stations/GBR02/", "/events.json", "/stations.csv?country=NLD"]
)
@pytest.mark.parametrize(
    "error", [REFUSED, InterfaceError("connection already closed")], ids=["refused", "closed"]
)
def test_a_lost_database_answers_503_with_retry_after(reader, url, error):
    with database_lost(error):
        response = reader.get(url)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"] and "public" not in response["Cache-Control"]
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "briefly unavailable" in html and "30 seconds" in html
    assert "Traceback" not in html and "5432" not in html


def test_the_page_is_in_the_language_of_the_address(reader):
    with database_lost(REFUSED):
        response = reader.get("/zh-hant/stations/")
    assert response.status_code == 503
    html = response.content.decode()
    assert '<html lang="zh-Hant">' in html
    assert "本站暫時無法使用" in html
    assert 'href="/zh-hant/"' in html


def test_a_logged_in_reader_gets_the_same_page(reader, editor):
    # Their session and the context processors read the database: none is asked.
    reader.force_login(editor)
    with database_lost(REFUSED):
        response = reader.get("/stations/GBR02/")
    assert response.status_code == 503
    assert "briefly unavailable" in response.content.decode()


def test_any_other_error_is_still_the_plain_500_page(reader, monkeypatch):
    monkeypatch.setattr(pages, "render_station", mock.Mock(side_effect=RuntimeError("bug")))
    response = reader.get("/stations/GBR02/")
    assert response.status_code == 500
    assert not response.has_header("Retry-After")
    assert "Something went wrong on our side" in response.content.decode()
