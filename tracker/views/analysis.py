"""Events counted by country and type: the table under the event list, as CSV."""

from __future__ import annotations

from django.views.decorators.http import require_safe

from ..filters import EventFilter
from ..models import Event
from .downloads import CSV_TYPE, bad_filter, csv_lines, file_response


@require_safe
def event_summary_csv(request):
    """``/events/summary.csv``: the filtered events counted per country and type.

    The same filters as ``/events/``; one row per country, one column per event
    type, and the total. An event naming two countries counts for both.
    """
    filterset = EventFilter(request.GET, queryset=Event.objects.published())
    if not filterset.is_valid():
        return bad_filter(filterset)
    summary = filterset.qs.count_by_country_and_type()
    header = ["country", "country_name", *[value for value, _ in summary["types"]], "total"]

    def chunks():
        rows = (
            [row["code"], row["name"], *[str(n) for n in row["counts"]], str(row["total"])]
            for row in summary["rows"]
        )
        return csv_lines(header, rows)

    return file_response(request, filterset, "events_by_country.csv", CSV_TYPE, chunks)
