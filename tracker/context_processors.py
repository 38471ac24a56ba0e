"""What every page's head needs: its canonical URL, the site's name and card image."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.templatetags.static import static

from . import languages
from .dataset import SITE_NAME
from .filters import EventFilter, StationFilter

#: The card image link previews show (a static file served from this site).
CARD_IMAGE = "tracker/card.png"

#: The query parameters that change what a page shows, per URL name. Any
#: other parameter (tracking noise, typos) is left out of the canonical URL.
CANONICAL_PARAMS = {
    "station_list": {*StationFilter.base_filters, "page"},
    "event_list": {*EventFilter.base_filters, "page"},
    "source_list": {"page"},
    "country_detail": {"page"},
    "bureau_detail": {"page"},
}


def canonical_query(request) -> str:
    """The canonical URL's query string: known, non-blank parameters in a stable order."""
    match = request.resolver_match
    if match is None:
        return ""
    allowed = CANONICAL_PARAMS.get(match.url_name, set())
    pairs = sorted(
        (name, value.strip())
        for name in request.GET
        if name in allowed
        for value in request.GET.getlist(name)
        if value.strip() and (name != "page" or _is_later_page(value))
    )
    return urlencode(pairs)


def canonical_url(request) -> str:
    """The page's address without blank, unknown or default parameters, in a stable order.

    ``?country=&page=1&utm_source=x`` adds nothing, and ``country=NLD&country=ESP``
    is the same page as ``country=ESP&country=NLD``, so both give one URL.
    """
    if request.resolver_match is None:
        return ""
    query = canonical_query(request)
    return request.build_absolute_uri(request.path) + (f"?{query}" if query else "")


def alternate_urls(request) -> list[tuple[str, str]]:
    """``(hreflang, absolute URL)`` of this page's canonical address in every language,
    and ``x-default`` (English, the unprefixed address)."""
    query = canonical_query(request)
    query = f"?{query}" if query else ""
    links = [
        (link.tag, request.build_absolute_uri(link.url.split("?")[0]) + query)
        for link in languages.language_links(request)
    ]
    english = next(url for tag, url in links if tag == languages.tag(settings.LANGUAGE_CODE))
    return [*links, ("x-default", english)]


def _is_later_page(value: str) -> bool:
    """A page number past the first: the first page is the page without one."""
    value = value.strip()
    return value.isdigit() and int(value) > 1


def page_meta(request) -> dict:
    """``canonical_url``, ``site_name``, ``card_image_url``, the page's language
    (``html_lang``), its other languages (``language_links``: same path and query)
    and their canonical addresses (``alternate_urls``) for base.html."""
    return {
        "html_lang": languages.tag(),
        "language_links": languages.language_links(request, request.GET.urlencode()),
        "alternate_urls": alternate_urls(request),
        "canonical_url": canonical_url(request),
        "site_name": SITE_NAME,
        "card_image_url": request.build_absolute_uri(static(CARD_IMAGE)),
    }
