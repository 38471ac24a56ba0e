"""The data URLs: the filtered stations and events as CSV, JSON and GeoJSON.

Each starts from ``published()`` and the same FilterSet as its page, streams
its rows a chunk of records at a time, and refuses a malformed filter with a
400 rather than returning everything.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from ..filters import EventFilter, StationFilter, filter_errors
from ..models import Citation, Event, Source, Station, data_version
from ..places import station_point
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


def _bad_filter(filterset) -> HttpResponse:
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


#: What every download's data version covers.
DATA_MODELS = (Station, Event, Source, Citation)

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


def _csv_response(filename: str, header: list[str], rows: Iterator[list[str]]):
    """Stream the CSV: one header row, no preamble; the data version rides in a header."""
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Data-Version"] = data_version(DATA_MODELS)
    return response


def _json_response(filename: str, count: int, results: Iterator[dict], extra: dict | None = None):
    """Stream ``{"count", "license", "generated_at", "data_version", ..., "results": [...]}``."""
    version = data_version(DATA_MODELS)
    head = {
        "count": count,
        "license": settings.TRACKER_DATA_LICENSE,
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "data_version": version,
        **(extra or {}),
    }
    key = "features" if extra and extra.get("type") == "FeatureCollection" else "results"

    def chunks():
        yield json.dumps(head, ensure_ascii=False)[:-1] + f', "{key}": ['
        for index, item in enumerate(results):
            yield ("," if index else "") + "\n" + json.dumps(item, ensure_ascii=False)
        yield "\n]}\n"

    content_type = "application/geo+json" if key == "features" else "application/json"
    response = StreamingHttpResponse(chunks(), content_type=f"{content_type}; charset=utf-8")
    # Shown in the browser, saved under a name that says what it is.
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Data-Version"] = version
    return response


def _filtered(request, filter_class, queryset):
    """The filter applied to the published part of ``queryset``, or None when a
    parameter was refused."""
    filterset = filter_class(request.GET, queryset=queryset.published())
    return filterset, (filterset.qs if filterset.is_valid() else None)


@require_safe
def stations_csv(request):
    """The filtered stations in the import's columns, so a download re-imports."""
    filterset, stations = _filtered(
        request, StationFilter, Station.objects.published().with_places()
    )
    if stations is None:
        return _bad_filter(filterset)
    columns = public_columns(StationResource)
    rows = resource_rows(columns, csv_stations(stations).iterator(chunk_size=EXPORT_CHUNK))
    name = download_name("stations", filterset, "csv")
    return _csv_response(name, [column.name for column in columns], rows)


@require_safe
def stations_json(request):
    """The filtered stations with their citations as JSON."""
    filterset, stations = _filtered(
        request, StationFilter, Station.objects.published().with_places()
    )
    if stations is None:
        return _bad_filter(filterset)
    results = (
        station_data(request, s)
        for s in stations.with_public_citations().iterator(chunk_size=EXPORT_CHUNK)
    )
    return _json_response(download_name("stations", filterset, "json"), stations.count(), results)


@require_safe
def stations_geojson(request):
    """The filtered stations as GeoJSON points, saying where each point comes from."""
    filterset, stations = _filtered(
        request, StationFilter, Station.objects.published().with_places()
    )
    if stations is None:
        return _bad_filter(filterset)

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

    return _json_response(
        download_name("stations", filterset, "geojson"),
        stations.count(),
        features(),
        extra={"type": "FeatureCollection"},
    )


@require_safe
def events_csv(request):
    """The filtered events in the import's columns."""
    filterset, events = _filtered(request, EventFilter, Event.objects.all())
    if events is None:
        return _bad_filter(filterset)
    columns = public_columns(EventResource)
    rows = resource_rows(columns, csv_events(events).iterator(chunk_size=EXPORT_CHUNK))
    name = download_name("events", filterset, "csv")
    return _csv_response(name, [column.name for column in columns], rows)


@require_safe
def events_json(request):
    """The filtered events with their citations as JSON."""
    filterset, events = _filtered(request, EventFilter, Event.objects.all())
    if events is None:
        return _bad_filter(filterset)
    results = (
        event_data(request, e)
        for e in events.with_public_details().iterator(chunk_size=EXPORT_CHUNK)
    )
    return _json_response(download_name("events", filterset, "json"), events.count(), results)
