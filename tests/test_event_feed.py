"""/events/feed/: a valid Atom feed of published events."""

from xml.etree import ElementTree

import pytest
from django.urls import reverse

from tracker.models import Correction, Event, Station

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def test_feed_is_atom_with_one_entry_per_published_event(client):
    response = client.get(reverse("tracker:event_feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314 -- our own feed
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == Event.objects.published().count()
    first = entries[0]
    assert first.find(f"{ATOM}id").text.startswith("http://testserver/events/")
    assert first.find(f"{ATOM}updated").text
    assert first.find(f"{ATOM}link").get("href").startswith("http://testserver/events/")


def test_feed_leaves_out_drafts(client):
    Event.objects.filter(slug="2022-10-dublin-closure-order").update(state="draft")
    content = client.get(reverse("tracker:event_feed")).content.decode()
    assert "2022-10-dublin-closure-order" not in content


def test_entry_summaries_and_titles_are_plain_text(client):
    # Record texts are plain text: "<" and "&" in them are characters, and the
    # feed must not ask readers' programs to treat them as HTML markup.
    text = "Police <b>raided</b> the office & seized R&D files."
    Event.objects.filter(slug="2022-10-dublin-closure-order").update(
        description=text, title="Dublin <closure> & order"
    )
    root = ElementTree.fromstring(client.get(reverse("tracker:event_feed")).content)  # noqa: S314 -- our own feed
    entry = next(
        e
        for e in root.findall(f"{ATOM}entry")
        if "2022-10-dublin-closure-order" in e.find(f"{ATOM}link").get("href")
    )
    summary = entry.find(f"{ATOM}summary")
    assert summary.get("type") == "text"
    assert summary.text == text
    title = entry.find(f"{ATOM}title")
    assert title.get("type", "text") == "text"
    assert title.text.endswith("Dublin <closure> & order")
    assert not root.findall(f".//{ATOM}summary[@type='html']")


def test_corrections_feed_entries_are_plain_text(client):
    station = Station.objects.get(code="GBR02")
    Correction.objects.log_change(
        station,
        None,
        "Address <corrected> & checked.",
        [{"field": "city", "label": "City", "old": "London", "new": "Croydon"}],
    )
    root = ElementTree.fromstring(client.get(reverse("tracker:changes_feed")).content)  # noqa: S314 -- our own feed
    summary = root.find(f"{ATOM}entry/{ATOM}summary")
    assert summary.get("type") == "text"
    assert summary.text == "City: London → Croydon\nAddress <corrected> & checked."
