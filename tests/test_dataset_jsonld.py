"""The home page describes the tracker as a schema.org Dataset for dataset search engines."""

import datetime

import pytest
from django.db.models import Max, Min
from django.template import Context, Template
from django.test import RequestFactory

from tracker.dataset import dataset_jsonld, distribution
from tracker.models import Event, Source, State, Station

from .markup import read_head, read_html

pytestmark = pytest.mark.django_db


def home_dataset(client) -> dict:
    blocks = [block for block in read_head(client.get("/")).jsonld if block["@type"] == "Dataset"]
    assert len(blocks) == 1
    return blocks[0]


def test_home_page_carries_the_dataset(client):
    data = home_dataset(client)
    assert data["@context"] == "https://schema.org"
    assert data["name"] == "Overseas Station Tracker"
    assert data["description"]
    assert data["url"] == "http://testserver/"
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["creator"]["name"] == "Overseas Station Tracker"


def test_coverage_and_last_change_come_from_the_published_data(client):
    events = Event.objects.published().aggregate(first=Min("date"), last=Max("date"))
    data = home_dataset(client)
    assert data["temporalCoverage"] == f"{events['first']}/{events['last']}"
    countries = set(Station.objects.published().values_list("country__name", flat=True))
    assert {place["name"] for place in data["spatialCoverage"]} == countries
    assert datetime.datetime.fromisoformat(data["dateModified"]) == max(
        model.objects.published().aggregate(m=Max("updated_at"))["m"]
        for model in (Station, Event, Source)
    )


def test_a_draft_does_not_widen_the_coverage(client):
    Event.objects.filter(slug="2022-10-dublin-closure-order").update(
        state=State.DRAFT, date=datetime.date(1990, 1, 1)
    )
    assert not home_dataset(client)["temporalCoverage"].startswith("1990")


def test_every_download_is_a_distribution(client):
    data = home_dataset(client)
    formats = {(d["contentUrl"], d["encodingFormat"]) for d in data["distribution"]}
    assert formats == {
        ("http://testserver/stations.csv", "text/csv"),
        ("http://testserver/stations.json", "application/json"),
        ("http://testserver/stations.geojson", "application/geo+json"),
        ("http://testserver/events.csv", "text/csv"),
        ("http://testserver/events.json", "application/json"),
    }
    for item in data["distribution"]:
        assert item["@type"] == "DataDownload" and item["name"]
        assert client.get(item["contentUrl"].removeprefix("http://testserver")).status_code == 200


def test_other_pages_can_add_distributions_and_render_them_safely():
    """What the releases page does: one more distribution per release file."""
    request = RequestFactory().get("/data/")
    release = distribution(
        "Release 1 </script><!-- (CSV)", "http://testserver/data/1/stations.csv", "text/csv"
    )
    data = dataset_jsonld(request, extra_distributions=[release])
    assert data["distribution"][-1] == release
    html = Template('{% include "tracker/_jsonld.html" with data=data %}').render(
        Context({"data": data})
    )
    assert html.count("</script>") == 1 and "<!--" not in html
    assert read_html(html).jsonld[0]["distribution"][-1]["name"] == "Release 1 </script><!-- (CSV)"
