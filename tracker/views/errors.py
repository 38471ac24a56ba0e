"""The server-error page, and the 503 answered while the database cannot be reached.

Both render from templates alone, without the request's context processors
(which read the session and the data) and without any query, since what
failed may be the database itself.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.views import defaults

#: Seconds a reader is asked to wait while the database cannot be reached.
DATABASE_RETRY_AFTER = 30


def server_error(request):
    """``handler500``: ``503`` with ``Retry-After`` when the error is a lost database
    (it passes: try again), the plain server-error page otherwise.

    Django calls it while handling the exception, wherever it was raised (the
    page cache reads the data stamp before any view runs), so the exception is
    the one being handled.
    """
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return database_unavailable(request)
    return defaults.server_error(request)


def database_unavailable(request) -> HttpResponse:
    """``503``: a short page in the language of the address, kept by no cache."""
    # The language middleware may not have run: the error can come before it.
    language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    with translation.override(language):
        html = loader.render_to_string("503.html", {"retry_after": DATABASE_RETRY_AFTER})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    patch_cache_control(response, no_store=True)
    return response
