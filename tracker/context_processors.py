"""What every page's head needs: its canonical URL, the site's name and card image."""

from __future__ import annotations

from django.conf import settings
from django.templatetags.static import static

from . import languages
from .canonical import canonical_query
from .dataset import SITE_NAME

#: The card image link previews show (a static file served from this site).
CARD_IMAGE = "tracker/card.png"


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


def page_meta(request) -> dict:
    """``canonical_url``, ``site_name``, ``card_image_url``, the page's language
    (``html_lang``), its other languages (``language_links``: same path and
    canonical query, so no visitor's noise is kept in a cached page) and their
    canonical addresses (``alternate_urls``) for base.html."""
    return {
        "html_lang": languages.tag(),
        "language_links": languages.language_links(request, canonical_query(request)),
        "alternate_urls": alternate_urls(request),
        "canonical_url": canonical_url(request),
        "site_name": SITE_NAME,
        "card_image_url": request.build_absolute_uri(static(CARD_IMAGE)),
    }
