"""Numbered data releases: the published data, frozen, so "release 3" can always be fetched.

``write_release()`` (``python manage.py release``) writes the next number's
directory under ``settings.TRACKER_RELEASES_DIR``: CSV and JSON of stations,
events, sources and citations, and ``manifest.json`` with the date, the counts
and each file's SHA-256. The directory is built under a temporary name and
renamed into place, and its files are made read-only: a release is never
rewritten. ``/data/`` reads only the manifests.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .models import Event, Source, Station
from .resources import CitationResource, EventResource, SourceResource, StationResource
from .serializers import (
    citation_row_data,
    csv_events,
    csv_stations,
    event_data,
    public_citations,
    public_columns,
    resource_rows,
    source_data,
    station_data,
)

KINDS = ("stations", "events", "sources", "citations")
FILES = tuple(f"{kind}.{suffix}" for kind in KINDS for suffix in ("csv", "json"))
MANIFEST = "manifest.json"


class _SiteLinks:
    """Builds the records' links for the JSON files, as a request would."""

    def build_absolute_uri(self, path):
        return settings.TRACKER_SITE_URL.rstrip("/") + path


def releases_dir() -> Path:
    return Path(settings.TRACKER_RELEASES_DIR)


def _numbers() -> list[int]:
    root = releases_dir()
    if not root.is_dir():
        return []
    return sorted(int(p.name) for p in root.iterdir() if p.name.isdigit() and p.is_dir())


def latest_release_number() -> int:
    """The number of the newest release, 0 before the first (a cheap directory listing)."""
    return max(_numbers(), default=0)


def _records():
    """Each kind's published records, with its CSV columns and JSON object builder."""
    links = _SiteLinks()
    stations = Station.objects.published().with_places().order_by("code")
    events = Event.objects.published().oldest_first()
    return {
        "stations": (
            StationResource,
            csv_stations(stations),
            (station_data(links, s) for s in stations.with_public_citations()),
        ),
        "events": (
            EventResource,
            csv_events(events),
            (event_data(links, e) for e in events.with_public_details()),
        ),
        "sources": (
            SourceResource,
            Source.objects.published().order_by("key"),
            (source_data(links, s) for s in Source.objects.published().order_by("key")),
        ),
        "citations": (
            CitationResource,
            public_citations(),
            (citation_row_data(c) for c in public_citations()),
        ),
    }


def _write(folder: Path, kind: str, resource, records, objects, generated: str) -> int:
    columns = public_columns(resource)
    with (folder / f"{kind}.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([column.name for column in columns])
        writer.writerows(resource_rows(columns, records.iterator(chunk_size=2000)))
    results = list(objects)
    document = {
        "count": len(results),
        "license": settings.TRACKER_DATA_LICENSE,
        "generated_at": generated,
        "results": results,
    }
    with (folder / f"{kind}.json").open("w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False, indent=1)
    return len(results)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def write_release() -> dict:
    """Write the next numbered release of the published data; returns its manifest."""
    root = releases_dir()
    root.mkdir(parents=True, exist_ok=True)
    now = timezone.now().isoformat(timespec="seconds")
    work = Path(tempfile.mkdtemp(prefix=".writing-", dir=root))
    try:
        counts = {
            kind: _write(work, kind, resource, records, objects, now)
            for kind, (resource, records, objects) in _records().items()
        }
        files = {
            name: {"sha256": sha256(work / name), "bytes": (work / name).stat().st_size}
            for name in FILES
        }
        number = (_numbers() or [0])[-1] + 1
        manifest = {
            "release": number,
            "date": now,
            "license": settings.TRACKER_DATA_LICENSE,
            "counts": counts,
            "files": files,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        for path in work.iterdir():
            path.chmod(0o444)
        # The rename either makes the whole release appear or fails: a second writer
        # racing for the same number gets an error rather than overwriting.
        os.rename(work, root / str(number))
        return manifest
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def all_releases() -> list[dict]:
    """Every release's manifest, newest first."""
    found = []
    for number in reversed(_numbers()):
        path = releases_dir() / str(number) / MANIFEST
        if path.is_file():
            found.append(json.loads(path.read_text(encoding="utf-8")))
    return found


def release_path(number: int, filename: str) -> Path | None:
    """The path of one file of one release, or None: only the names a release writes."""
    if filename not in (*FILES, MANIFEST):
        return None
    path = releases_dir() / str(number) / filename
    return path if path.is_file() else None
