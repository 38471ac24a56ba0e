"""The public pages: home, lists, records, countries and bureaus.

Every read starts from ``published()`` on the model (and
``Citation.objects.public()`` for what a page may cite), so no page, count,
facet or map can show a draft. Each page loads what it shows up front
(``select_related``, ``Prefetch(..., to_attr=...)``, grouped counts), so its
number of queries does not grow with the data; the tests pin those numbers.
"""

from __future__ import annotations

import re

from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from .. import languages
from ..citing import citation_context
from ..dataset import dataset_jsonld
from ..filters import (
    PUBLIC_CONTINENTS,
    EventFilter,
    StationFilter,
    active_filters,
    data_query,
    filter_errors,
    remove_others,
    without_blanks,
)
from ..languages import country_name
from ..models import (
    Bureau,
    Citation,
    Continent,
    Correction,
    Country,
    Event,
    Source,
    State,
    Station,
    cached_while_unchanged,
    sourcing,
)
from ..places import country_map, map_legend, station_dots, station_point, world_map
from ..search import match_reasons
from ..text import count_noun

#: Rows per page on the station and event lists.
PAGE_SIZE = 50

#: Events shown on a country's page; the timeline filtered by the country has them all.
LATEST_EVENTS = 20


def bar_rows(rows: list[dict], total_key: str = "count") -> list[dict]:
    """Give each row a ``share`` (0-100) of the largest count, for the bar charts."""
    largest = max((row[total_key] for row in rows), default=0) or 1
    for row in rows:
        row["share"] = round(100 * row[total_key] / largest, 1)
    return rows


@require_safe
def home(request):
    """Headline counts, the world map, charts by continent and bureau, latest events."""
    figures = cached_while_unchanged("home", (Station, Event, Source), home_figures)
    latest = Event.objects.published().newest_first()[:6]
    context = {
        **figures,
        "map_legend": map_legend(),
        "latest_events": latest,
        "dataset": dataset_jsonld(request),
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
                # On a Chinese page the Chinese name is the label and needs no repeat.
                "label": Bureau(
                    name=row["bureau__name"], name_zh=row["bureau__name_zh"]
                ).local_name,
                "name_zh": row["bureau__name_zh"] if languages.current() == "en" else "",
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
        "event_count": Event.objects.published().count(),
        "source_count": Source.objects.published().count(),
        "per_country": per_country,
        "map": world_map(
            {row["country_id"]: row["n"] for row in per_country},
            gettext("World map of published stations per country"),
            names={
                row["country_id"]: country_name(row["country_id"], row["country__name"])
                for row in per_country
            },
        ),
        "continents": continents,
        "bureaus": bureaus,
    }


@require_safe
def station_list(request):
    """The filtered, sorted, paginated station list with facet counts."""
    # Country and bureau come by prefetch, not a join: without the join SQLite
    # reads the page straight from the (state, code) index instead of sorting
    # every match, and the facet counts need no join either.
    filterset = StationFilter(request.GET, queryset=Station.objects.published())
    page = paginate(request, filterset.qs.with_closure().prefetch_related("country", "bureau"))
    query = filterset.form.cleaned_data.get("q") if filterset.is_valid() else ""
    if query:
        # Why each result matched, worked out for this page's rows only.
        for station in page.object_list:
            station.match_reasons = match_reasons(station, query)
    chips = active_filters(request, filterset)
    context = {
        "filter": filterset,
        "facets": filterset.facets(),
        "page": page,
        "stations": page.object_list,
        "result_count": count_noun(page.paginator.count, "station"),
        "errors": filter_errors(filterset),
        "active_filters": chips,
        "query": query,
        "search_elsewhere": remove_others(request, "q") if query and len(chips) > 1 else "",
        "data_query": data_query(request),
        "sort_choices": [
            ("", gettext("Code")),
            ("country", gettext("Country")),
            ("city", gettext("City")),
            ("bureau", gettext("Bureau")),
            ("active", gettext("First active year")),
            ("-active", gettext("Most recently active first")),
        ],
        "current_sort": request.GET.get("sort", ""),
    }
    return render(request, "tracker/station_list.html", context)


def paginate(request, queryset):
    """The requested page; a missing, malformed or out-of-range page number gives a real page.

    ``page.query`` is the current query without blank values, for the page
    links (``{% querystring page.query page=n %}``): a form left on "Any"
    adds nothing to a link.
    """
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    # Links to the first and last pages and those around this one, not to
    # every one of hundreds of pages.
    page.links = list(page.paginator.get_elided_page_range(page.number, on_each_side=2))
    page.query = without_blanks(request.GET)
    return page


_STATION_CODE = re.compile(r"^[A-Z]{3}[0-9]{2}$")
_COUNTRY_CODE = re.compile(r"^[A-Z]{3}$")


def canonical_code(code: str, pattern: re.Pattern) -> str:
    """The code in capitals, or 404 when it cannot be one (no redirect to nonsense)."""
    canonical = code.strip().upper()
    if not pattern.match(canonical):
        raise Http404("No such code.")
    return canonical


def gone_or_404(request, kind: str, key: str, message: str):
    """410 Gone with the date and reason for a withdrawn record; 404 for one never published."""
    withdrawal = Correction.objects.withdrawal_of(kind, key)
    if withdrawal is None:
        raise Http404(message)
    return render(request, "tracker/gone.html", {"withdrawal": withdrawal}, status=410)


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
        return gone_or_404(request, "station", code, "No published station with this code.")
    return HttpResponse(content)


def render_station(request, code) -> str | None:
    """The station page's HTML, or None when no published station has ``code``."""
    station = Station.objects.published().for_page().filter(code=code).first()
    if station is None:
        return None
    return render_to_string(
        "tracker/station_detail.html", station_context(request, station), request
    )


def station_context(request, station) -> dict:
    """The station page's context, for a station loaded with its citations and events."""
    point, point_source = station_point(station)
    dots = station_dots([station])
    return {
        "station": station,
        "point_source": point_source,
        "map": country_map(station.country, 1, dots),
        "sourcing": sourcing(station.public_citations, "station"),
        **citation_context(request, station),
    }


@require_safe
def event_list(request):
    """The event timeline, filtered and grouped by year."""
    filterset = EventFilter(request.GET, queryset=Event.objects.published())
    page = paginate(request, filterset.qs.newest_first().with_public_details())
    context = {
        "filter": filterset,
        "facets": filterset.facets(),
        "summary": filterset.qs.count_by_country_and_type() if page.paginator.count else None,
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
    event = Event.objects.published().with_public_details().filter(slug=slug).first()
    if event is None:
        return gone_or_404(request, "event", slug, "No published event with this slug.")
    return render(request, "tracker/event_detail.html", event_context(request, event))


def event_context(request, event) -> dict:
    """The event page's context, for an event loaded with its details."""
    return {
        "event": event,
        "sourcing": sourcing(event.public_citations, "event"),
        **citation_context(request, event),
    }


@require_safe
def source_list(request):
    """Published sources by kind, a page at a time, with how many published records cite each."""
    page = paginate(
        request, Source.objects.published().order_by("kind", "publisher", "title", "key")
    )
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
    source = Source.objects.published().filter(key=key).first()
    if source is None:
        return gone_or_404(request, "source", key, "No published source with this key.")
    return render(request, "tracker/source_detail.html", source_context(request, source))


def source_context(request, source) -> dict:
    """The source page's context: the source and the published records citing it."""
    station_citations = (
        Citation.objects.public()
        .filter(source=source, station__in=Station.objects.published())
        .select_related("station__country", "station__bureau")
        .order_by("station__code")
    )
    event_citations = (
        Citation.objects.public()
        .filter(source=source, event__in=Event.objects.published())
        .select_related("event")
        .order_by(F("event__date").desc(nulls_last=True), "event__slug")
    )
    return {
        "source": source,
        "station_citations": station_citations,
        "event_citations": event_citations,
        "kind": Source.Kind(source.kind).label if source.kind in Source.Kind.values else "",
        **citation_context(request, source),
    }


@require_safe
def country_detail(request, code):
    """A country's published stations (a page at a time), latest events and map."""
    canonical = canonical_code(code, _COUNTRY_CODE)
    if canonical != code:
        return redirect("tracker:country_detail", code=canonical, permanent=True)
    country = get_object_or_404(Country, code=code)
    stations = Station.objects.published().with_places().filter(country=country)
    page = paginate(request, stations.with_closure())
    bureau_counts = (
        stations.order_by()
        .values("bureau__slug", "bureau__name", "bureau__name_zh")
        .annotate(n=Count("pk"))
        .order_by("-n", "bureau__name")
    )
    # The same events as /events/?country=… lists, so the page's link agrees with it.
    events = Event.objects.published().filter(countries=country).newest_first()
    context = {
        "country": country,
        "continent": Continent(country.continent).label if country.continent else "",
        "page": page,
        "stations": page.object_list,
        "station_count": count_noun(page.paginator.count, "station"),
        "bureaus": [
            {
                "url": reverse("tracker:bureau_detail", args=[row["bureau__slug"]]),
                "name": Bureau(name=row["bureau__name"], name_zh=row["bureau__name_zh"]).local_name,
                **row,
            }
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
    # A bureau is public only through its published stations: an unused one is 404.
    bureau = get_object_or_404(
        Bureau.objects.filter(Exists(Station.objects.published().filter(bureau=OuterRef("pk")))),
        slug=slug,
    )
    stations = Station.objects.published().with_places().filter(bureau=bureau)
    page = paginate(request, stations.with_closure().order_by("country__name", "code"))
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
            gettext("World map of the %(bureau)s's published stations")
            % {"bureau": bureau.local_name},
            names={
                row["country_id"]: country_name(row["country_id"], row["country__name"])
                for row in per_country
            },
        ),
        "map_legend": map_legend(),
        "data_query": f"?bureau={bureau.slug}",
    }
    return render(request, "tracker/bureau_detail.html", context)
