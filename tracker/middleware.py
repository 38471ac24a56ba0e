"""HTTP caching of the public site, for every public URL at once.

``PublicCacheMiddleware`` gives each anonymous GET or HEAD of a public URL an
``ETag`` made of the state of the public data (``public_data_stamp()``, one
indexed query), the code that renders it, the URL, host, language, encoding
and date. A conditional request with that ETag is answered ``304`` before any
view runs; otherwise the whole response, as the view and the middleware
below this one made it, is kept in the cache under the ETag, so the next
reader of the same URL costs one stamp query and one cache read, on whichever
server shares the cache. A change to any public record changes the stamp, so
nothing kept is ever served after the data moved on.

What must not be shared is never kept and says so (``private, no-store``):
the admin and any path in ``TRACKER_UNCACHED_PREFIXES``, requests carrying a
session (logged-in users), responses that use a CSRF token (forms such as
tips) or set a cookie, and anything but a plain ``200``. Pages added later get
all of this without any work in their views.

What is kept is bounded, since anyone can make up addresses. The key holds
the canonical query (``CanonicalQueryMiddleware`` in tracker/canonical.py
runs first), so ``?_=1`` to ``?_=N``, blank fields and reordered filters are
one entry; a response over ``TRACKER_PAGE_CACHE_MAX_BYTES`` or streamed is
never kept; and at most ``TRACKER_PAGE_VARIANTS`` query strings of one path
are kept per data state, counted in the cache itself (an atomic increment,
so every worker and server sharing it shares the count), since a search box
still takes any text: one path fills at most that many times the largest
page, whatever the number of addresses asked. Past the count a page is still
answered, from the view.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)

from .models import public_data_stamp
from .releases import latest_release_number

#: What a shared cache may have to tell apart for one URL.
PUBLIC_VARY = ("Accept-Language", "Cookie")

#: Headers of a kept response that are recomputed on every answer instead.
_NOT_KEPT = frozenset({"set-cookie", "date"})


@functools.cache
def code_fingerprint() -> str:
    """A digest of the templates, code and translations that render the pages.

    Part of every validator, so a deployment of new templates never answers
    ``304`` or a kept page made by the old ones. Made from the files' contents,
    so servers running the same release agree on it.
    """
    base = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    patterns = ("templates/**/*.html", "tracker/**/*.py", "tracker/**/*.html", "*/locale/**/*.mo")
    files = sorted({path for pattern in patterns for path in base.glob(pattern)})
    for path in files:
        digest.update(str(path.relative_to(base)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def accepts_gzip(request) -> bool:
    """Whether the client said it takes gzip-compressed bodies."""
    return "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", "").lower()


def is_public_request(request) -> bool:
    """An anonymous GET or HEAD of a URL outside the admin and static files."""
    if request.method not in ("GET", "HEAD"):
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        # A session may be a logged-in user's: such pages are theirs alone.
        return False
    path = request.path_info
    prefixes = (*settings.TRACKER_UNCACHED_PREFIXES, settings.STATIC_URL)
    return not path.startswith(prefixes)


def public_etag(request) -> str:
    """The validator of a public URL in the present state of the data."""
    # Kept on the request for the views that name files after it (tracker/prepared.py).
    request.public_data_stamp = public_data_stamp()
    parts = (
        request.public_data_stamp,
        # Releases are files the release command writes, not rows: /data/ lists them.
        latest_release_number(),
        code_fingerprint(),
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        translation.get_language_from_request(request, check_path=True),
        accepts_gzip(request),
        # Pages print today's date in their suggested citations.
        timezone.localdate().isoformat(),
    )
    return 'W/"' + hashlib.sha256(repr(parts).encode()).hexdigest()[:32] + '"'


def make_public(response, etag: str) -> None:
    """Mark ``response`` as the same for every anonymous reader of its URL."""
    if not response.has_header("ETag"):
        response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=settings.TRACKER_PUBLIC_MAX_AGE)
    patch_vary_headers(response, PUBLIC_VARY)


def make_private(response) -> None:
    """Forbid any cache between the server and this reader from keeping ``response``."""
    if "ETag" in response:
        del response["ETag"]
    patch_cache_control(response, private=True, no_store=True)


def shareable(request, response) -> bool:
    """Whether an anonymous public response may be given to every reader alike."""
    if response.status_code != 200 or response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        # The page holds a form with this reader's CSRF token.
        return False
    control = response.get("Cache-Control", "").lower()
    return "private" not in control and "no-store" not in control and "no-cache" not in control


def _keep(key: str, request, response) -> None:
    """Keep a rendered response whole, while its data state lasts."""
    if response.streaming or len(response.content) > settings.TRACKER_PAGE_CACHE_MAX_BYTES:
        return
    if request.META.get("QUERY_STRING") and not _another_variant_allowed(request):
        return
    headers = [(k, v) for k, v in response.items() if k.lower() not in _NOT_KEPT]
    cache.set(key, (response.status_code, headers, response.content), settings.TRACKER_PAGE_TTL)


def _another_variant_allowed(request) -> bool:
    """Count one more kept query string of the request's path; False past the limit."""
    parts = (request.public_data_stamp, request.scheme, request.get_host(), request.path)
    key = "tracker:variants:" + hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    cache.add(key, 0, settings.TRACKER_PAGE_TTL)
    try:
        return cache.incr(key) <= settings.TRACKER_PAGE_VARIANTS
    except ValueError:  # evicted between add() and incr(): keep nothing rather than guess
        return False


def _asks_for_any(request) -> bool:
    """``If-None-Match: *``: true only of a URL that has a current representation."""
    return request.META.get("HTTP_IF_NONE_MATCH", "").strip() == "*"


def _kept(key: str):
    entry = cache.get(key)
    if entry is None:
        return None
    status, headers, content = entry
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    return response


class PublicCacheMiddleware:
    """Validators, ``Cache-Control`` and whole-page caching for the public site."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_public_request(request):
            response = self.get_response(request)
            if request.path_info.startswith(settings.TRACKER_UNCACHED_PREFIXES):
                make_private(response)
            elif request.method in ("GET", "HEAD") and not response.has_header("Cache-Control"):
                # A logged-in reader's copy of a public page: for them alone.
                make_private(response)
            return response

        etag = public_etag(request)
        key = "tracker:page:" + etag
        response = _kept(key)
        if response is not None:
            response["X-Cache"] = "hit"
            return get_conditional_response(request, etag=etag, response=response)

        # The client's copy has this validator: it is the current page, whatever it
        # is. Not so for "*", which the view must first show to exist (a 404 or
        # 410 answers as such; RFC 9110, 13.1.2).
        if not _asks_for_any(request):
            not_modified = HttpResponse()
            make_public(not_modified, etag)
            conditional = get_conditional_response(request, etag=etag, response=not_modified)
            if conditional is not not_modified:
                return conditional

        response = self.get_response(request)
        if not shareable(request, response):
            # Errors and missing pages are not kept; pages with a form or a
            # cookie are this reader's alone.
            if response.status_code < 300 or response.cookies:
                make_private(response)
            return response
        make_public(response, etag)
        if response["ETag"] != etag:
            # The view gave its own validator (a prepared file of an earlier state).
            return get_conditional_response(request, etag=response["ETag"], response=response)
        if request.method == "GET":
            _keep(key, request, response)
        if _asks_for_any(request):
            return get_conditional_response(request, etag=etag, response=response)
        return response
