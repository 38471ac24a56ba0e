"""/stations/<CODE>/: facts, location, timeline, numbered citations, how to cite it."""

import re

import pytest
from django.urls import reverse

from tracker.models import Citation, Source, Station

pytestmark = pytest.mark.django_db


def get(client, code="IRL01"):
    return client.get(reverse("tracker:station_detail", args=[code]))


def test_station_page_shows_its_facts(client):
    html = get(client).content.decode()
    assert "<h1>IRL01" in html
    # The city, then the numbers of the sources that name it, then that it is the capital.
    assert re.search(r"Dublin(<sup class=\"fact-refs\">.*?</sup>)? \(capital\)", html)
    assert "Capel Street" in html
    assert "Fuzhou City Public Security Bureau" in html
    assert '<span lang="zh-Hans" class="zh">福州市公安局</span>' in html
    assert "Closed" in html


def test_active_years_are_written_as_a_reader_would_say_them(client):
    assert "Active in 2022" in get(client).content.decode()
    assert "Active from 2016; end unknown or still active" in get(client, "IDN01").content.decode()
    assert "Years active unknown" in get(client, "BRN01").content.decode()


def test_curators_notes_are_never_shown(client):
    station = Station.objects.get(code="IRL01")
    assert station.notes
    assert station.notes not in get(client).content.decode()


def test_timeline_lists_the_stations_published_events(client):
    html = get(client).content.decode()
    assert 'href="/events/2022-10-dublin-closure-order/"' in html
    assert "October 2022" in html


def test_citations_are_numbered_with_source_date_link_locator_and_quotation(client):
    response = get(client)
    citations = response.context["station"].public_citations
    assert [c.source.key for c in citations] == [
        "bbc-2022-10-dublin",
        "irishtimes-2022-10-27",
        "irl-dail-2022-10-25",
        "irl-dail-2022-12-13",
        "wikipedia-overseas-stations",
    ]
    html = response.content.decode()
    assert '<li id="cite-2">' in html
    assert 'href="/sources/irl-dail-2022-12-13/"' in html
    assert "13 December 2022" in html
    assert 'href="https://www.kildarestreet.com/wrans/?id=2022-12-13a.749"' in html
    assert "Written answer 322." in html
    assert "<blockquote" in html and "should close and cease operations" in html


def test_archived_link_is_shown_when_recorded(client):
    Source.objects.filter(key="bbc-2022-10-dublin").update(
        archived_url="https://archive.example.org/bbc-dublin"
    )
    html = get(client).content.decode()
    assert 'href="https://archive.example.org/bbc-dublin"' in html
    assert "Archived copy" in html


def test_citation_of_an_unpublished_source_is_left_out(client):
    Source.objects.filter(key="bbc-2022-10-dublin").update(state="draft")
    response = get(client)
    assert "bbc-2022-10-dublin" not in response.content.decode()
    assert len(response.context["station"].public_citations) == 4
    assert Citation.objects.filter(station__code="IRL01").count() == 5


def test_cite_this_page_gives_permanent_url_and_date_last_changed(client):
    station = Station.objects.get(code="IRL01")
    html = get(client).content.decode()
    assert "Cite this page" in html
    assert "http://testserver/stations/IRL01/" in html
    assert f"last changed {station.updated_at:%-d %B %Y}" in html


def test_location_map_marks_the_city(client):
    response = get(client)
    assert response.context["point_source"] == "city"
    assert 'class="station-dot"' in response.content.decode()


def test_lower_case_code_redirects_to_the_canonical_address(client):
    response = get(client, "irl01")
    assert response.status_code == 301
    assert response["Location"] == "/stations/IRL01/"


def test_unknown_and_draft_stations_are_404(client):
    assert get(client, "XXX99").status_code == 404
    Station.objects.filter(code="IRL01").update(state="draft")
    assert get(client).status_code == 404


def test_page_has_a_title_and_description(client):
    html = get(client).content.decode()
    assert "<title>IRL01: overseas police station in Dublin, Ireland" in html
    assert '<meta name="description" content="IRL01, an overseas police service station' in html


def test_the_kept_page_follows_every_change_at_once(client):
    # The rendered page is kept while its data is unchanged; a new citation, a
    # renamed source and a retraction must each show on the very next request.
    url = "/stations/AUT01/"
    assert client.get(url).status_code == 200
    source = Source.objects.create(key="fresh-report", title="A fresh report", state="published")
    Citation.objects.create(source=source, station=Station.objects.get(code="AUT01"))
    assert "A fresh report" in client.get(url).content.decode()
    source.title = "A renamed report"
    source.save()
    assert "A renamed report" in client.get(url).content.decode()
    station = Station.objects.get(code="AUT01")
    station.state = "draft"
    station.save()
    assert client.get(url).status_code == 404
