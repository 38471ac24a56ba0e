"""The canonical query string of a public address: the one place that decides it.

Links, crawlers and scripts add noise to an address: tracking parameters
(``utm_source``), cache busters (``?_=1700000000``), a form's blank fields,
``page=1``, the same filters in another order. A view reads only some
parameters, and only the last value of each unless the parameter may repeat;
nothing else changes what it answers. ``QUERY_PARAMS`` names, per URL, the
parameters its view reads, and ``canonical_pairs`` keeps only those, non-blank
and in one order.

``CanonicalQueryMiddleware`` hands the view that canonical query instead of
the one sent. So everything made from the query follows from the canonical
one: the page and its links, the page cache's key and validator
(tracker/middleware.py), and the choice between a prepared full download and
one built for the request (tracker/views/downloads.py). ``/events.json?_=1``
is the full file, and ``/stations/GBR02/?x=1`` is the page of
``/stations/GBR02/``, with no ``x=1`` in any of its links.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.urls import Resolver404, resolve
from django.utils import translation

from .filters import EventFilter, StationFilter


def _filter_params(filterset_class) -> dict[str, bool]:
    """A FilterSet's parameters, each with whether it may repeat (``country``, ``type``)."""
    return {
        name: issubclass(
            declared.field_class, (forms.MultipleChoiceField, forms.ModelMultipleChoiceField)
        )
        for name, declared in filterset_class.base_filters.items()
    }


STATION_FILTERS = _filter_params(StationFilter)
EVENT_FILTERS = _filter_params(EventFilter)
PAGE = {"page": False}

#: The parameters each public view reads, by URL name (``tracker:<name>``), each
#: with whether it may repeat. A view that reads a parameter must list it here,
#: or the parameter never reaches it. A URL name missing from this table keeps
#: its query as sent (``tip_status`` reads a blank ``?sent``, which canonical
#: queries drop; its page is never cached).
QUERY_PARAMS: dict[str, dict[str, bool]] = {
    "home": {},
    "station_list": {**STATION_FILTERS, **PAGE},
    "stations_csv": STATION_FILTERS,
    "stations_json": STATION_FILTERS,
    "stations_geojson": STATION_FILTERS,
    "station_detail": {},
    "station_bibtex": {},
    "station_ris": {},
    "event_list": {**EVENT_FILTERS, **PAGE},
    "events_csv": EVENT_FILTERS,
    "events_json": EVENT_FILTERS,
    "event_summary_csv": EVENT_FILTERS,
    "event_feed": EVENT_FILTERS,
    "event_detail": {},
    "event_bibtex": {},
    "event_ris": {},
    "source_list": PAGE,
    "source_detail": {},
    "source_bibtex": {},
    "source_ris": {},
    "changes": {"kind": False, "record": False, **PAGE},
    "changes_feed": {},
    "data": {},
    "release_file": {},
    "country_detail": PAGE,
    "bureau_detail": PAGE,
    "about": {},
    "robots_txt": {},
    "sitemap": {},
    "sitemap_section": {"p": False},
    "security_txt": {},
    "tips": {"station": False, "event": False},
    "favicon": {},
}

#: Page numbers: the first page is the address without one.
PAGE_PARAMS = frozenset({"page", "p"})


def canonical_pairs(url_name: str | None, query: QueryDict) -> list[tuple[str, str]] | None:
    """The ``(name, value)`` pairs of ``query`` that the view ``url_name`` reads, sorted.

    Unknown parameters, blank values and a page number that is not above 1 are
    left out; a parameter that does not repeat keeps its last value, as the
    view reads it. None for a URL name missing from ``QUERY_PARAMS``.
    """
    params = QUERY_PARAMS.get(url_name) if url_name else None
    if params is None:
        return None
    pairs = set()
    for name, repeats in params.items():
        values = [value.strip() for value in query.getlist(name)]
        for value in values if repeats else values[-1:]:
            if value and (name not in PAGE_PARAMS or _is_later_page(value)):
                pairs.add((name, value))
    return sorted(pairs)


def _is_later_page(value: str) -> bool:
    return value.isdigit() and int(value) > 1


def url_name(request) -> str | None:
    """The tracker URL name of the request's path, or None for any other address."""
    match = request.resolver_match
    if match is None:
        # Before the URL is resolved (middleware): in the language its prefix names,
        # since the active one may be the previous request's.
        language = translation.get_language_from_path(request.path_info)
        with translation.override(language or settings.LANGUAGE_CODE):
            try:
                match = resolve(request.path_info)
            except Resolver404:
                return None
    return match.url_name if match.namespace == "tracker" else None


def canonical_query(request) -> str:
    """The request's canonical query string (``""`` for a URL name missing from the table)."""
    return urlencode(canonical_pairs(url_name(request), request.GET) or [])


class CanonicalQueryMiddleware:
    """Give the views of public URLs their canonical query in place of the one sent.

    Runs first, so the page cache, the views and the templates all see the
    same canonical query. Only ``GET`` and ``HEAD`` with a query string are
    looked at; other addresses (the admin, tip receipts) keep what was sent.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and request.META.get("QUERY_STRING"):
            pairs = canonical_pairs(url_name(request), request.GET)
            if pairs is not None:
                query = urlencode(pairs)
                request.META["QUERY_STRING"] = query
                request.GET = QueryDict(query)
        return self.get_response(request)
