"""The corrections log (``/changes/``); withdrawn records answer 410 from their pages.

Entries are written only when an editor publishes a change to a published
record's public facts or withdraws one (tracker/models/corrections.py), so this
page shows nothing of drafts, notes or proposals.
"""

from __future__ import annotations

import re

from django.shortcuts import render
from django.views.decorators.http import require_safe

from ..models import Correction
from .pages import paginate

#: ``?kind=`` values: the plural names readers see in URLs.
KINDS = {"stations": "station", "events": "event", "sources": "source"}

#: A station's code, an event's slug or a source's key.
RECORD_KEY = re.compile(r"[-\w]{1,120}")


def log_entries(params):
    """The log's entries for the ``kind`` and ``record`` parameters, newest first."""
    entries = Correction.objects.all()
    kind = KINDS.get(params.get("kind", ""))
    if kind:
        entries = entries.of_kind(kind)
    record = params.get("record", "").strip()
    if record:
        # Anything but a code, slug or key names no record (and PostgreSQL refuses a NUL).
        matches = RECORD_KEY.fullmatch(record)
        entries = entries.filter(record_key=record) if matches else entries.none()
    return entries, kind, record


@require_safe
def changes(request):
    """Every published change to a published record, and every withdrawal, newest first."""
    entries, kind, record = log_entries(request.GET)
    page = paginate(request, entries)
    context = {
        "page": page,
        "entries": page.object_list,
        "kind": kind,
        "record": record,
        "kinds": list(KINDS),
    }
    return render(request, "tracker/changes.html", context)
