"""/events/feed/: a valid Atom feed of published events."""

from xml.etree import ElementTree

import pytest
from django.urls import reverse

from tracker.models import Event

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
