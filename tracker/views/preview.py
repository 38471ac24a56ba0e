"""Staff-only preview of a record's public page before it is published.

The page is the public template filled with the record as it stands (draft or
in review), its citations of any source included so the editor checks them
all, under a banner saying it is not published. It is never cached and never
indexed.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from ..models import Event, Source, Station
from .pages import event_context, source_context, station_context

# Each record is loaded as its public page loads it, with every citation, whatever
# its source's state: the editor reviews them all.
PREVIEWS = {
    "station": (
        lambda: Station.objects.for_page(every_source=True),
        station_context,
        "tracker/station_detail.html",
    ),
    "event": (
        lambda: Event.objects.with_public_details(every_source=True),
        event_context,
        "tracker/event_detail.html",
    ),
    "source": (lambda: Source.objects.all(), source_context, "tracker/source_detail.html"),
}


@require_safe
def record_preview(request, kind, pk):
    """The public page of any station, event or source, for staff who may view it."""
    if kind not in PREVIEWS:
        raise Http404
    if not request.user.has_perm(f"tracker.view_{kind}"):
        raise PermissionDenied
    records, context_for, template = PREVIEWS[kind]
    record = records().filter(pk=pk).first()
    if record is None:
        raise Http404
    context = {
        **context_for(request, record),
        "preview": record,
        "preview_admin_url": reverse(f"admin:tracker_{kind}_change", args=[record.pk]),
        "canonical_url": None,
    }
    response = render(request, template, context)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
