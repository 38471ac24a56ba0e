"""The methodology page and security.txt: what a journalist and a security researcher read."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from tracker.models import Source, Station

pytestmark = pytest.mark.django_db


def test_about_page_explains_counting_sources_review_statuses_reuse_and_tips(client):
    response = client.get(reverse("tracker:about"))
    assert response.status_code == 200
    html = response.content.decode()
    for heading in [
        "What is counted",
        "Where the data comes from",
        "How records are reviewed and corrected",
        "What a station’s status means",
        "How to cite and re-use the data",
        "What the tracker keeps about tips",
    ]:
        assert heading in html, heading
    # Every status a station can have is explained.
    for _value, label in Station.Status.choices:
        assert f"<dt>{label}</dt>" in html
    assert "Chinese police overseas service stations" in html
    assert "Safeguard Defenders" in html
    assert 'href="https://creativecommons.org/licenses/by/4.0/"' in html
    assert "IP address" in html
    assert 'href="/stations.csv"' in html


def test_about_page_describes_the_sources_as_they_are(client):
    html = client.get(reverse("tracker:about")).content.decode()
    # Government statements that are no source record of their own are cited through reports.
    assert "they are cited through the reports that quote them" in html
    # The article's revision was not recorded; the page does not pretend otherwise.
    assert "which revision of the article it is, and the day it was read, were not recorded" in html
    # No source of the seed has an archived copy: none is promised.
    assert not Source.objects.published().exclude(archived_url="").exists()
    assert "No archived copy of a source is recorded yet." in html
    assert "an archived copy where one is known" not in html


def test_about_page_mentions_archived_copies_once_one_is_recorded(client):
    Source.objects.filter(key="bbc-2022-10-dublin").update(
        archived_url="https://web.archive.org/web/2022/https://www.bbc.com/news/articles/x"
    )
    html = client.get(reverse("tracker:about")).content.decode()
    assert "Where an archived copy of a source is recorded, its page links that too." in html
    assert "No archived copy of a source is recorded yet." not in html


@pytest.mark.parametrize(
    ("prefix", "words"),
    [
        ("/zh-hans", ["海外110", "通过引用它们的报道来引用"]),
        ("/zh-hant", ["海外110", "透過引述它們的報導"]),
    ],
)
def test_about_page_says_so_in_chinese(client, prefix, words):
    html = client.get(f"{prefix}/about/").content.decode()
    # The request leaves its language active in the test's thread: back to English.
    translation.activate(settings.LANGUAGE_CODE)
    for word in words:
        assert word in html
    assert "110海外" not in html


def test_about_page_is_in_the_header_navigation(client):
    html = client.get(reverse("tracker:about")).content.decode()
    assert '<a href="/about/" aria-current="page">About</a>' in html


def security_txt(client) -> dict[str, str]:
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    return dict(line.split(": ", 1) for line in response.content.decode().splitlines() if line)


def test_security_txt_has_contact_and_an_expiry_within_a_year(client):
    fields = security_txt(client)
    assert fields["Contact"] == "mailto:security@testserver"
    expires = datetime.datetime.fromisoformat(fields["Expires"])
    assert timezone.now() < expires < timezone.now() + datetime.timedelta(days=366)
    assert fields["Canonical"] == "http://testserver/.well-known/security.txt"


def test_security_txt_contact_and_expiry_come_from_settings(client, settings):
    settings.TRACKER_SECURITY_CONTACT = "mailto:security@tracker.example"
    settings.TRACKER_SECURITY_EXPIRES = datetime.date(2031, 3, 1)
    fields = security_txt(client)
    assert fields["Contact"] == "mailto:security@tracker.example"
    assert fields["Expires"] == "2031-03-01T00:00:00Z"
