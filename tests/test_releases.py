"""``manage.py release``: numbered, checksummed, never rewritten; served at /data/."""

import hashlib
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from tracker.models import State, Station

from .markup import read_head

pytestmark = pytest.mark.django_db


@pytest.fixture
def releases(settings, tmp_path):
    settings.TRACKER_RELEASES_DIR = tmp_path / "releases"
    return settings.TRACKER_RELEASES_DIR


def manifest(root, number):
    return json.loads((root / str(number) / "manifest.json").read_text())


def test_release_twice_gives_1_and_2_with_matching_checksums(releases):
    call_command("release", verbosity=0)
    call_command("release", verbosity=0)
    for number in (1, 2):
        found = manifest(releases, number)
        assert found["release"] == number
        assert found["counts"]["stations"] == Station.objects.published().count()
        for name, file in found["files"].items():
            data = (releases / str(number) / name).read_bytes()
            assert hashlib.sha256(data).hexdigest() == file["sha256"]
    # Same data, same CSV (the JSON files carry their time of writing).
    first, second = manifest(releases, 1)["files"], manifest(releases, 2)["files"]
    assert first["stations.csv"] == second["stations.csv"]


def test_release_1_is_unchanged_after_the_data_changes(releases, client):
    call_command("release", verbosity=0)
    first = {p.name: p.read_bytes() for p in (releases / "1").iterdir()}
    Station.objects.filter(code="GBR01").update(city="Changed", state=State.DRAFT)
    call_command("release", verbosity=0)
    assert {p.name: p.read_bytes() for p in (releases / "1").iterdir()} == first
    assert b"GBR01" in first["stations.csv"]
    assert b"GBR01" not in (releases / "2" / "stations.csv").read_bytes()
    # The stable URL gives release 1's file exactly.
    response = client.get(reverse("tracker:release_file", args=[1, "stations.csv"]))
    assert b"".join(response.streaming_content) == first["stations.csv"]


def test_drafts_are_not_released(releases):
    Station.objects.filter(code="GBR01").update(state=State.DRAFT)
    call_command("release", verbosity=0)
    stations = json.loads((releases / "1" / "stations.json").read_text())
    assert "GBR01" not in {s["code"] for s in stations["results"]}
    assert stations["count"] == Station.objects.published().count()


def test_data_page_lists_releases_with_checksums(releases, client):
    assert "No release" in client.get(reverse("tracker:data")).content.decode()
    call_command("release", verbosity=0)
    page = client.get(reverse("tracker:data")).content.decode()
    assert "Release 1" in page
    assert manifest(releases, 1)["files"]["events.json"]["sha256"] in page
    assert client.get("/data/1/secrets.txt").status_code == 404
    assert client.get("/data/9/stations.csv").status_code == 404


def test_data_page_describes_the_dataset_with_each_release_file(releases, client):
    call_command("release", verbosity=0)
    page = client.get(reverse("tracker:data"))
    datasets = [block for block in read_head(page).jsonld if block["@type"] == "Dataset"]
    assert len(datasets) == 1
    data = datasets[0]
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    urls = {item["contentUrl"]: item["encodingFormat"] for item in data["distribution"]}
    # The standing downloads, and every file of release 1 at its stable address.
    assert urls["http://testserver/stations.csv"] == "text/csv"
    assert urls["http://testserver/data/1/stations.csv"] == "text/csv"
    assert urls["http://testserver/data/1/events.json"] == "application/json"
