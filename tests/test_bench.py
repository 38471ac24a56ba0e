"""The benchmark harness: valid synthetic data, the same queries per page at any size."""

import sqlite3
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import run  # noqa: E402 (bench/run.py, not a package)

SIZES = {"stations": 150, "events": 400, "sources": 60}


@pytest.fixture(scope="module")
def bench_file(tmp_path_factory) -> Path:
    db_path = tmp_path_factory.mktemp("bench") / "bench.sqlite3"
    run.build(db_path, SIZES)
    return db_path


def test_the_synthetic_dataset_has_the_sizes_asked_for_all_published_and_cited(bench_file):
    with sqlite3.connect(bench_file) as db:
        stations = db.execute(
            "SELECT count(*) FROM tracker_station WHERE state = 'published'"
        ).fetchone()[0]
        events = db.execute("SELECT count(*) FROM tracker_event").fetchone()[0]
        uncited = db.execute(
            "SELECT count(*) FROM tracker_station s WHERE s.state = 'published' AND NOT EXISTS "
            "(SELECT 1 FROM tracker_citation c WHERE c.station_id = s.id)"
        ).fetchone()[0]
        unsearchable = db.execute(
            "SELECT count(*) FROM tracker_station WHERE search_text = ''"
        ).fetchone()[0]
    assert stations == SIZES["stations"]
    assert events >= SIZES["events"]
    assert uncited == 0
    assert unsearchable == 0


@pytest.mark.django_db
def test_each_page_makes_as_many_queries_on_the_big_dataset_as_on_the_seed(bench_file, client):
    paths = [path for _, path, _ in run.PAGES] + ["/stations.csv"]
    on_seed = {}
    for path in paths:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, secure=True)
            if response.streaming:
                b"".join(response.streaming_content)
        assert response.status_code == 200, path
        on_seed[path] = len(queries)

    on_bench = run.count_queries(bench_file, paths)

    assert {path: count for path, (_, count) in on_bench.items()} == on_seed
    assert all(status == 200 for status, _ in on_bench.values())
