"""Plain words on the public pages: no notation of the sheets, named sources, a glossary."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_unknown_years_read_unknown_not_na(client):
    page = client.get(reverse("tracker:station_list"), {"country": "GBR"}).content.decode()
    assert "na." not in page and "Unknown" in page


def test_every_status_links_to_the_glossary(client):
    page = client.get(reverse("tracker:station_list")).content.decode()
    assert 'id="status-glossary"' in page
    assert page.count('#status-glossary"') >= 50
    assert '#status-glossary"' in client.get("/stations/NLD04/").content.decode()


def test_empty_facet_choices_are_hidden(client):
    facets = client.get(reverse("tracker:station_list")).context["facets"]
    assert all(choice["count"] for choice in facets["status"])
    assert "confirmed" not in {choice["value"] for choice in facets["status"]}


def test_the_encyclopedia_is_named(client):
    page = client.get("/").content.decode()
    assert "English Wikipedia article" in page
    assert "Chinese police overseas service stations" in page


def test_source_page_names_the_language_and_drops_empty_fields(client):
    page = client.get("/sources/parool-2023-02/").content.decode()
    assert "<dd>Dutch</dd>" in page
    assert "<dt>Title</dt>" not in page


def test_filters_never_submit_on_change(client):
    page = client.get(reverse("tracker:station_list")).content.decode()
    assert "data-autosubmit" not in page
    assert 'action="/stations/#results"' in page
    assert 'id="results" class="result-count" tabindex="-1"' in page
