"""Citing a record: JSON-LD, Highwire meta tags, BibTeX and RIS, all from the same data."""

import bibtexparser
import pytest
import rispy
from django.utils import timezone

from tracker.citing import bibtex, bibtex_escape, record_citation
from tracker.models import Event, Source, State, Station

from .markup import read_head

pytestmark = pytest.mark.django_db

STATION = "/stations/IRL01/"
EVENT = "/events/2022-10-dublin-closure-order/"
SOURCE = "/sources/irl-dail-2022-12-13/"


def page_jsonld(client, url) -> dict:
    blocks = read_head(client.get(url)).jsonld
    assert len(blocks) == 1
    return blocks[0]


@pytest.mark.parametrize("url", [STATION, EVENT, SOURCE])
def test_record_page_embeds_schema_org_json_ld(client, url):
    data = page_jsonld(client, url)
    assert data["@context"] == "https://schema.org"
    assert data["url"] == f"http://testserver{url}"
    assert data["name"] and data["description"]
    assert data["publisher"]["name"] == "Overseas Station Tracker"
    assert data["isPartOf"] == {
        "@type": "Dataset",
        "name": "Overseas Station Tracker",
        "url": "http://testserver/",
    }
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["dateModified"].startswith(str(timezone.now().year)[:2])
    assert data["citation"], "the sources behind the record"
    for work in data["citation"]:
        assert work["@type"] == "CreativeWork" and work["name"]


def test_station_json_ld_describes_the_place_and_cites_its_published_sources(client):
    station = Station.objects.get(code="IRL01")
    data = page_jsonld(client, STATION)
    assert data["dateModified"] == station.updated_at.isoformat()
    assert data["about"]["@type"] == "Place"
    assert data["about"]["address"]["addressLocality"] == "Dublin"
    assert data["about"]["address"]["addressCountry"] == "Ireland"
    cited = {work["name"] for work in data["citation"]}
    expected = {str(c.source) for c in station.citations.filter(source__state=State.PUBLISHED)}
    assert cited == expected


def test_a_draft_source_is_not_cited_in_json_ld(client):
    station = Station.objects.get(code="IRL01")
    hidden = station.citations.first().source
    Source.objects.filter(pk=hidden.pk).update(state=State.DRAFT)
    names = {work["name"] for work in page_jsonld(client, STATION)["citation"]}
    assert str(hidden) not in names
    assert str(hidden) not in client.get("/stations/IRL01/cite.bib").content.decode()


def test_event_json_ld_describes_the_event_at_its_precision(client):
    data = page_jsonld(client, EVENT)
    assert data["about"]["@type"] == "Event"
    assert data["about"]["startDate"] == "2022-10"  # the sources give the month only
    assert {"@type": "Place", "name": "Ireland"} in data["about"]["location"]


def test_source_json_ld_describes_the_source(client):
    data = page_jsonld(client, SOURCE)
    assert data["about"]["@type"] == "CreativeWork"
    assert data["about"]["datePublished"] == "2022-12-13"


@pytest.mark.parametrize("url", [STATION, EVENT, SOURCE])
def test_record_page_has_highwire_citation_tags(client, url):
    meta = read_head(client.get(url)).meta
    assert meta["citation_title"]
    assert meta["citation_publisher"] == "Overseas Station Tracker"
    assert meta["citation_public_url"] == f"http://testserver{url}"
    assert meta["citation_date"] == meta["citation_publication_date"]
    assert len(meta["citation_date"].split("/")) == 3


def test_cite_box_uses_the_same_title_and_date_as_the_downloads(client):
    station = Station.objects.get(code="IRL01")
    html = client.get(STATION).content.decode()
    title = "IRL01: overseas police service station in Dublin, Ireland"
    assert f"“{title}”" in html
    assert read_head(client.get(STATION)).meta["citation_title"] == title
    entry = bibtexparser.parse_string(client.get(f"{STATION}cite.bib").content.decode()).entries[0]
    assert entry.fields_dict["title"].value == f"{{{title}}}"
    assert entry.fields_dict["date"].value == station.updated_at.date().isoformat()
    assert 'href="/stations/IRL01/cite.bib"' in html
    assert 'href="/stations/IRL01/cite.ris"' in html


@pytest.mark.parametrize("url", [STATION, EVENT, SOURCE])
def test_bibtex_download_parses(client, url):
    response = client.get(f"{url}cite.bib")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    library = bibtexparser.parse_string(response.content.decode())
    assert library.failed_blocks == []
    (entry,) = library.entries
    assert entry.entry_type == "misc"
    fields = entry.fields_dict
    assert fields["url"].value == f"http://testserver{url}"
    assert fields["author"].value == "{Overseas Station Tracker}"
    assert fields["urldate"].value == timezone.localdate().isoformat()
    assert fields["note"].value.startswith("Sources:")


@pytest.mark.parametrize("url", [STATION, EVENT, SOURCE])
def test_ris_download_parses(client, url):
    response = client.get(f"{url}cite.ris")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("TY  - ELEC\r\n") and text.endswith("ER  - \r\n")
    (record,) = rispy.loads(text)
    assert record["type_of_reference"] == "ELEC"
    assert record["urls"] == [f"http://testserver{url}"]
    assert record["publisher"] == "Overseas Station Tracker"
    assert record["title"]


def test_event_ris_carries_title_and_last_change(client):
    event = Event.objects.get(slug="2022-10-dublin-closure-order")
    (record,) = rispy.loads(client.get(f"{EVENT}cite.ris").content.decode())
    assert record["title"] == event.title
    assert record["date"] == event.updated_at.strftime("%Y/%m/%d")


@pytest.mark.parametrize(
    "url",
    [
        "/stations/XXX99/cite.bib",
        "/events/no-such-event/cite.ris",
        "/sources/no-such-source/cite.bib",
    ],
)
def test_citation_of_an_unknown_record_is_404(client, url):
    assert client.get(url).status_code == 404


def test_citation_of_a_draft_is_404(client):
    Station.objects.filter(code="IRL01").update(state=State.DRAFT)
    Event.objects.filter(slug="2022-10-dublin-closure-order").update(state=State.DRAFT)
    Source.objects.filter(key="irl-dail-2022-12-13").update(state=State.DRAFT)
    for url in (STATION, EVENT, SOURCE):
        for fmt in ("bib", "ris"):
            assert client.get(f"{url}cite.{fmt}").status_code == 404, url


def test_bibtex_special_characters_are_escaped(rf):
    assert bibtex_escape("R&D 100% {x} #1 $5 a_b ~ ^ \\") == (
        r"R\&D 100\% \{x\} \#1 \$5 a\_b \textasciitilde{} \textasciicircum{} \textbackslash{}"
    )
    event = Event.objects.published().with_public_details().first()
    event.title = "Raid at 50% {capacity} & more_stuff}"
    citation = record_citation(rf.get("/"), event)
    library = bibtexparser.parse_string(bibtex(citation))
    assert library.failed_blocks == []
    assert library.entries[0].fields_dict["title"].value == (
        r"{Raid at 50\% \{capacity\} \& more\_stuff\}}"
    )


def test_json_ld_cannot_break_out_of_its_script_element(client):
    Station.objects.filter(code="IRL01").update(summary="</script><script>alert(1)</script>")
    response = client.get(STATION)
    html = response.content.decode()
    assert "</script><script>alert(1)" not in html
    assert page_jsonld(client, STATION)["description"] == "</script><script>alert(1)</script>"
