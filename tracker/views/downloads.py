"""The data URLs: the filtered stations and events as CSV, JSON and GeoJSON.

Each starts from ``published()`` and the same FilterSet as its page, streams
its rows a chunk of records at a time, and refuses a malformed filter with a
400 rather than returning everything. Without a filter, the whole file is the
same for every reader: it is written once per data state and served from disk
(tracker/prepared.py).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
from collections.abc import Callable, Iterator

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from ..filters import EventFilter, StationFilter, filter_errors
from ..models import Event, Station, public_data_stamp
from ..places import station_point
from ..prepared import prepared_response
from ..ratelimit import CacheStore, client_key
from ..resources import EventResource, StationResource
from ..serializers import (
    csv_events,
    csv_stations,
    event_data,
    public_columns,
    resource_rows,
    station_data,
)

#: Records fetched per database round trip when streaming a download.
EXPORT_CHUNK = 2000


def bad_filter(filterset) -> HttpResponse:
    """A 400 naming the refused parameters: a script must not get everything by mistake."""
    return HttpResponse(
        "Bad filter: " + "; ".join(filter_errors(filterset)) + "\n",
        status=400,
        content_type="text/plain; charset=utf-8",
    )


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value):
        return value


def csv_lines(header: list[str], rows: Iterator[list[str]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)


def data_version(request) -> str:
    """A short fingerprint of the state of the public data a file holds."""
    stamp = getattr(request, "public_data_stamp", None) or public_data_stamp()
    return hashlib.sha256(repr(stamp).encode()).hexdigest()[:12]


#: Longest file name a download suggests (filters beyond it are cut, the date stays).
MAX_NAME = 120


def download_name(stem: str, filterset, extension: str) -> str:
    """A file name that says what the file holds: its kind, its filters and the date.

    ``stations_europe_fuzhou_2026-11-29.csv``; unfiltered ``stations_2026-11-29.csv``.
    Filters come in the FilterSet's order, each value as a slug (countries as
    their codes), so the same filter always gives the same name.
    """
    parts = []
    cleaned = filterset.form.cleaned_data if filterset.is_valid() else {}
    for name in filterset.filters:
        value = cleaned.get(name)
        if name in ("page", "sort") or value in (None, "", []):
            continue
        values = value if isinstance(value, list | tuple) or hasattr(value, "model") else [value]
        for item in values:
            shown = getattr(item, "slug", None) or getattr(item, "code", None) or item
            if isinstance(shown, float):
                shown = int(shown)
            parts.append(slugify(str(shown)))
    label = "_".join(part for part in [stem, *parts] if part)[: MAX_NAME - 16].rstrip("_-")
    return f"{label}_{timezone.localdate().isoformat()}.{extension}"


def _json_chunks(
    request, count: int, results: Iterator[dict], extra: dict | None = None
) -> Iterator[str]:
    """``{"count", "license", "generated_at", "data_version", ..., "results": [...]}``,
    a record at a time."""
    head = {
        "count": count,
        "license": settings.TRACKER_DATA_LICENSE,
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "data_version": data_version(request),
        **(extra or {}),
    }
    key = "features" if extra and extra.get("type") == "FeatureCollection" else "results"
    yield json.dumps(head, ensure_ascii=False)[:-1] + f', "{key}": ['
    for index, item in enumerate(results):
        yield ("," if index else "") + "\n" + json.dumps(item, ensure_ascii=False)
    yield "\n]}\n"


CSV_TYPE = "text/csv; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
GEOJSON_TYPE = "application/geo+json; charset=utf-8"


def file_response(request, filterset, name: str, content_type: str, chunks, count):
    """The whole file from disk when unfiltered, else the filtered records streamed.

    ``request.GET`` is the canonical query (tracker/canonical.py), so a cache
    buster, an unknown parameter or a blank filter gets the prepared file. A
    filtered file is built for its request, and the client pays for it from
    its hourly allowance of records (``count()`` of them, asked first).
    A CSV is saved (attachment), JSON shown in the browser; either way under a
    name that says what it holds, and with the data version in a header (the
    CSV keeps one header row and no preamble, so it re-imports).
    """
    stem, extension = name.rsplit(".", 1)
    filename = download_name(stem, filterset, extension)
    attachment = extension == "csv"
    if not request.GET:
        response = prepared_response(request, name, content_type, chunks, attachment, filename)
    else:
        if not record_allowance(request, count):
            return allowance_spent()
        response = StreamingHttpResponse(chunks(), content_type=content_type)
        name_file(response, filename, attachment)
    response["X-Data-Version"] = data_version(request)
    return response


def name_file(response, filename: str, attachment: bool) -> None:
    """Say what the browser should call the file, and whether to save it."""
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'


def record_allowance(request, count: Callable[[], int]) -> bool:
    """Count ``count()`` records against the client's hourly allowance of records in filtered
    downloads; False, counting nothing, once the allowance is spent.

    A filtered download is built for its request, in time that grows with the
    records it holds (a filter that matches nearly everything costs as much
    as the full file, which is prepared once and free): this is what bounds
    what one client can make the server do. The count lives in the cache (per
    process without Redis, so a download writes nothing to the database), under
    the daily-salted client hash of tracker/ratelimit.py.
    """
    store = CacheStore()
    key = "tracker:download-records:" + client_key(request)
    if store.count_of(key) >= settings.TRACKER_DOWNLOAD_RECORDS_PER_HOUR:
        return False
    store.increment(key, 3600, by=count())
    return True


def allowance_spent() -> HttpResponse:
    """``429``: this client has had its hour's records in filtered downloads."""
    response = HttpResponse(
        f"This connection has downloaded more than "
        f"{settings.TRACKER_DOWNLOAD_RECORDS_PER_HOUR:,} filtered records in the last hour. "
        "The complete files (/stations.csv, /events.csv, ... without a filter) are not "
        "limited; filtered downloads can be made again within the hour.\n",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = "3600"
    return response


def _filtered(request, filter_class, queryset):
    """The filter applied to the published part of ``queryset``, or None when a
    parameter was refused."""
    filterset = filter_class(request.GET, queryset=queryset.published())
    return filterset, (filterset.qs if filterset.is_valid() else None)


@require_safe
def stations_csv(request):
    """The filtered stations in the import's columns, so a download re-imports."""
    filterset, stations = _filtered(request, StationFilter, Station.objects.with_places())
    if stations is None:
        return bad_filter(filterset)

    def chunks():
        columns = public_columns(StationResource)
        rows = resource_rows(columns, csv_stations(stations).iterator(chunk_size=EXPORT_CHUNK))
        return csv_lines([column.name for column in columns], rows)

    return file_response(request, filterset, "stations.csv", CSV_TYPE, chunks, stations.count)


@require_safe
def stations_json(request):
    """The filtered stations with their citations as JSON."""
    filterset, stations = _filtered(request, StationFilter, Station.objects.with_places())
    if stations is None:
        return bad_filter(filterset)
    count = functools.cache(stations.count)

    def chunks():
        results = (
            station_data(request, s)
            for s in stations.with_public_citations().iterator(chunk_size=EXPORT_CHUNK)
        )
        return _json_chunks(request, count(), results)

    return file_response(request, filterset, "stations.json", JSON_TYPE, chunks, count)


@require_safe
def stations_geojson(request):
    """The filtered stations as GeoJSON points, saying where each point comes from."""
    filterset, stations = _filtered(request, StationFilter, Station.objects.with_places())
    if stations is None:
        return bad_filter(filterset)
    count = functools.cache(stations.count)

    def features():
        for station in stations.with_public_citations().iterator(chunk_size=EXPORT_CHUNK):
            point, source = station_point(station)
            properties = station_data(request, station)
            properties["coordinates_source"] = source
            yield {
                "type": "Feature",
                "id": station.code,
                "geometry": {"type": "Point", "coordinates": list(point)} if point else None,
                "properties": properties,
            }

    def chunks():
        return _json_chunks(request, count(), features(), extra={"type": "FeatureCollection"})

    return file_response(request, filterset, "stations.geojson", GEOJSON_TYPE, chunks, count)


@require_safe
def events_csv(request):
    """The filtered events in the import's columns."""
    filterset, events = _filtered(request, EventFilter, Event.objects.all())
    if events is None:
        return bad_filter(filterset)

    def chunks():
        columns = public_columns(EventResource)
        rows = resource_rows(columns, csv_events(events).iterator(chunk_size=EXPORT_CHUNK))
        return csv_lines([column.name for column in columns], rows)

    return file_response(request, filterset, "events.csv", CSV_TYPE, chunks, events.count)


@require_safe
def events_json(request):
    """The filtered events with their citations as JSON (the whole file prepared once)."""
    filterset, events = _filtered(request, EventFilter, Event.objects.all())
    if events is None:
        return bad_filter(filterset)
    count = functools.cache(events.count)

    def chunks():
        results = (
            event_data(request, e)
            for e in events.with_public_details().iterator(chunk_size=EXPORT_CHUNK)
        )
        return _json_chunks(request, count(), results)

    return file_response(request, filterset, "events.json", JSON_TYPE, chunks, count)
