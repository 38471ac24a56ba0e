"""The published data as the downloads and data releases give it.

JSON texts follow the page's language where a curator wrote a translation
(``/zh-hans/stations.json``); field names never change. The CSV keeps the
import's columns, each language in its own column.

CSV rows use the import's own column definitions (tracker/resources.py), so a
download re-imports; JSON objects follow the contract in DESIGN.md.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch, Q

from . import text
from .languages import localized
from .models import Citation, State, Station
from .sheets import cell_text, neutralise

#: Import columns the public downloads leave out: the curators' own.
PRIVATE_COLUMNS = frozenset({"notes", "state"})


def public_columns(resource_class) -> list:
    """The Resource's import columns, in order, less ``notes`` and ``state``.

    The CSV downloads render each cell with the same column definitions the
    import reads (tracker/resources.py), so a downloaded file re-imports.
    """
    return [column for column in resource_class.columns if column.name not in PRIVATE_COLUMNS]


def csv_stations(stations):
    """Stations with what the Resource's columns read, limited to published records.

    The column renderers read ``citations.all()``; prefetching it with only
    citations of published sources keeps draft sources out of the download.
    """
    return stations.prefetch_related(Prefetch("citations", queryset=Citation.objects.public()))


def csv_events(events):
    """Events with what the Resource's columns read, limited to published records."""
    return events.prefetch_related(
        "countries",
        Prefetch("stations", queryset=Station.objects.published()),
        Prefetch("citations", queryset=Citation.objects.public()),
    )


def resource_rows(columns, records) -> Iterator[list[str]]:
    """Cells as the spreadsheet export writes them (formulas neutralised)."""
    for record in records:
        yield [neutralise(cell_text(column.render(record))) for column in columns]


def citation_data(citation) -> dict:
    source = citation.source
    return {
        "source": source.key,
        "title": localized(source, "title").text,
        "publisher": source.publisher,
        "date": text.format_partial_date(source.published_on, source.published_precision),
        "url": source.url,
        "archived_url": source.archived_url,
        "locator": citation.locator,
        "quotation": citation.quotation,
        "supports": list(citation.supports or []),
    }


def station_data(request, station) -> dict:
    """One station as the JSON download gives it."""
    return {
        "code": station.code,
        "url": request.build_absolute_uri(station.get_absolute_url()),
        "country": station.country_id,
        "country_name": station.country.local_name,
        "continent": station.country.continent,
        "city": station.city,
        "location": station.location,
        "capital": station.is_capital,
        "bureau": station.bureau.slug,
        "bureau_name": station.bureau.local_name,
        "bureau_name_zh": station.bureau.name_zh,
        "active": station.active,
        "active_from": station.active_from,
        "active_until": station.active_until,
        "status": station.status,
        "host": station.host,
        "summary": localized(station, "summary").text,
        "latitude": float(station.latitude) if station.latitude is not None else None,
        "longitude": float(station.longitude) if station.longitude is not None else None,
        "updated_at": station.updated_at.isoformat(timespec="seconds"),
        "citations": [citation_data(c) for c in station.public_citations],
    }


def event_data(request, event) -> dict:
    """One event as the JSON download gives it."""
    return {
        "slug": event.slug,
        "url": request.build_absolute_uri(event.get_absolute_url()),
        # null for an undated event, whose date_precision says "undated".
        "date": text.format_partial_date(event.date, event.date_precision) or None,
        "date_precision": event.date_precision,
        "type": event.type,
        "title": localized(event, "title").text,
        "description": localized(event, "description").text,
        "countries": [country.code for country in event.country_list],
        "stations": [station.code for station in event.public_stations],
        "updated_at": event.updated_at.isoformat(timespec="seconds"),
        "citations": [citation_data(c) for c in event.public_citations],
    }


def source_data(request, source) -> dict:
    """One published source as the JSON of a data release gives it."""
    return {
        "key": source.key,
        "url": request.build_absolute_uri(source.get_absolute_url()),
        "title": source.title,
        "authors": source.authors,
        "publisher": source.publisher,
        "kind": source.kind,
        "language": source.language,
        "date": text.format_partial_date(source.published_on, source.published_precision),
        "link": source.url,
        "archived_url": source.archived_url,
        "accessed": source.accessed_on.isoformat() if source.accessed_on else None,
    }


def public_citations():
    """Citations of published sources on published stations and events, with their records."""
    published = State.PUBLISHED
    return (
        Citation.objects.public()
        .filter(Q(station__state=published) | Q(event__state=published))
        .select_related("station", "event")
    )


def citation_row_data(citation) -> dict:
    """One citation, naming its record, as the JSON of a data release gives it."""
    return {
        "station": citation.station.code if citation.station_id else None,
        "event": citation.event.slug if citation.event_id else None,
        **citation_data(citation),
    }
