"""The methodology page and security.txt: what a journalist and a security researcher read."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tracker.models import Station

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
