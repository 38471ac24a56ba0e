"""Citations per fact: numbers beside each fact, supports in JSON and the admin, the gaps listed."""

import html
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tracker.models import Citation, Proposal, Source, Station, parse_supports

pytestmark = pytest.mark.django_db


def fact(html: str, label: str) -> str:
    """The HTML of one fact's value on a record page (its <dd>)."""
    match = re.search(rf"<dt>{label}</dt><dd>(.*?)</dd>", html, re.S)
    assert match, label
    return match.group(1)


def cite(code, key, supports):
    citation = Citation.objects.get(station__code=code, source__key=key)
    citation.supports = supports
    citation.full_clean()
    citation.save()


def general_only(code):
    """Make every citation of a station back the record as a whole, whatever the seed says."""
    Citation.objects.filter(station__code=code).update(supports=[])


@pytest.fixture
def irl01_by_fact():
    """IRL01's sources, numbered by key: 1 BBC, 2 Irish Times, 3 and 4 Dáil answers (October
    and December), 5 the encyclopedia; only 1 and 4 name facts."""
    general_only("IRL01")
    cite("IRL01", "bbc-2022-10-dublin", ["status"])
    cite("IRL01", "irl-dail-2022-12-13", ["city", "status"])


def test_station_page_numbers_the_sources_beside_city_and_status(client, irl01_by_fact):
    html = client.get(reverse("tracker:station_detail", args=["IRL01"])).content.decode()
    city, status = fact(html, "City"), fact(html, "Status")
    assert re.findall(r'href="#cite-(\d+)"', city) == ["4"]
    assert re.findall(r'href="#cite-(\d+)"', status) == ["1", "4"]
    # The anchors lead to the numbered list, in the same order.
    sources = html[html.index('id="sources-title"') :]
    assert sources.index('id="cite-1"') < sources.index("bbc.com")
    assert sources.index('id="cite-4"') < sources.index("kildarestreet.com/wrans/?id=2022-12-13")
    # A fact no citation names has no numbers.
    assert "#cite-" not in fact(html, "Location")


def test_station_page_says_how_it_is_sourced(client):
    html = client.get(reverse("tracker:station_detail", args=["IRL01"])).content.decode()
    # Two written answers of the Dáil share a publisher.
    assert "5 sources, 4 distinct publishers" in html
    assert "News (2)" in html


def test_fact_backed_only_by_the_encyclopedia_is_shown_as_such(client):
    Source.objects.filter(key="wikipedia-overseas-stations").update(kind="encyclopedia")
    html = client.get(reverse("tracker:station_detail", args=["BRN01"])).content.decode()
    assert "encyclopedia only" in fact(html, "City")
    assert "Only an encyclopedia article backs this record" in html
    other = client.get(reverse("tracker:station_detail", args=["IRL01"])).content.decode()
    # Dublin is named by news reports too; that it is the capital and the bureau only
    # by the encyclopedia.
    city, capital = fact(other, "City").split("(capital)")
    assert "encyclopedia only" not in city
    assert "encyclopedia only" in capital
    assert "encyclopedia only" in fact(other, "Bureau")


def test_json_citations_carry_supports(client, irl01_by_fact):
    response = client.get("/stations.json?country=IRL")
    data = json.loads(b"".join(response.streaming_content))
    station = next(row for row in data["results"] if row["code"] == "IRL01")
    supports = {c["source"]: c["supports"] for c in station["citations"]}
    assert supports == {
        "bbc-2022-10-dublin": ["status"],
        "irishtimes-2022-10-27": [],
        "irl-dail-2022-10-25": [],
        "irl-dail-2022-12-13": ["city", "status"],
        "wikipedia-overseas-stations": [],
    }


def test_supports_names_only_facts_of_the_records_kind():
    citation = Citation.objects.filter(station__code="IRL01").first()
    citation.supports = ["date"]
    with pytest.raises(ValidationError) as error:
        citation.full_clean()
    assert "date is not a fact of a station" in str(error.value)
    # Names are kept once, in the page's order.
    citation.supports = ["status", "city", "status"]
    citation.full_clean()
    assert citation.supports == ["city", "status"]


def test_sheet_cell_parses_with_the_same_rule():
    assert parse_supports("status; city", "station") == ["city", "status"]
    assert parse_supports("", "event") == []
    assert parse_supports(" date ;title;", "event") == ["date", "title"]
    with pytest.raises(ValidationError, match="city is not a fact of a event|city is not a fact"):
        parse_supports("city", "event")


def test_curators_tick_facts_in_the_citation_inline(researcher_client, editor, change_form_data):
    station = Station.objects.get(code="IRL01")
    url = reverse("admin:tracker_station_change", args=[station.pk])
    page = researcher_client.get(url)
    text = page.content.decode()
    # Only a station's facts are offered.
    assert 'value="status"' in text and 'value="date"' not in text
    data = change_form_data(page)
    formset = page.context["inline_admin_formsets"][0].formset
    form = next(f for f in formset.initial_forms if f.instance.source.key == "bbc-2022-10-dublin")
    data[form.add_prefix("supports")] = ["status"]
    response = researcher_client.post(url, data)
    assert response.status_code == 302, response.context and response.context.get("errors")
    # IRL01 is published: the researcher's ticks wait for an editor.
    citation = Citation.objects.get(station=station, source__key="bbc-2022-10-dublin")
    assert citation.supports == ["city", "location", "status"]
    proposal = Proposal.objects.get(object_id=station.pk)
    proposal.publish(editor, note="The BBC names the closure, not the street.")
    citation.refresh_from_db()
    assert citation.supports == ["status"]


def test_fact_with_only_general_support_is_listed_in_needs_work(researcher_client):
    general_only("IRL01")
    general_only("BRN01")
    page = researcher_client.get(reverse("admin-needs-work")).content.decode()
    label = "Published stations whose city no citation names"
    assert label in page
    link = html.unescape(re.search(rf'<a href="([^"]+)">{label}</a>', page).group(1))
    listed = researcher_client.get(link).content.decode()
    assert ">IRL01<" in listed
    cite("IRL01", "irl-dail-2022-12-13", ["city"])
    listed = researcher_client.get(link).content.decode()
    assert ">IRL01<" not in listed
    assert ">BRN01<" in listed
