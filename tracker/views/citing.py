"""A station's, event's or source's citation as BibTeX or RIS, for reference managers."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from .. import citing
from ..models import Event, Source, Station

#: The two formats: how each is written, its media type and file suffix.
FORMATS = {
    "bib": (citing.bibtex, "application/x-bibtex"),
    "ris": (citing.ris, "application/x-research-info-systems"),
}


def _download(request, record, fmt: str) -> HttpResponse:
    if record is None:
        raise Http404("No published record here.")
    write, media_type = FORMATS[fmt]
    citation = citing.record_citation(request, record)
    response = HttpResponse(write(citation), content_type=f"{media_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{citation.file_name}.{fmt}"'
    return response


@require_safe
def station_citation(request, code, fmt):
    """A published station's citation; 404 for any other code."""
    station = (
        Station.objects.published().with_places().with_public_citations().filter(code=code).first()
    )
    return _download(request, station, fmt)


@require_safe
def event_citation(request, slug, fmt):
    """A published event's citation; 404 for any other slug."""
    event = Event.objects.published().with_public_details().filter(slug=slug).first()
    return _download(request, event, fmt)


@require_safe
def source_citation(request, key, fmt):
    """A published source's citation; 404 for any other key."""
    return _download(request, Source.objects.published().filter(key=key).first(), fmt)
