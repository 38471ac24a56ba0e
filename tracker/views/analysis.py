"""Events counted by country and type: the table under the event list, as CSV."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_safe

from ..filters import EventFilter
from ..models import Event
from .downloads import CSV_TYPE, bad_filter, csv_lines, data_version, download_name, name_file


@require_safe
def event_summary_csv(request):
    """``/events/summary.csv``: the filtered events counted per country and type.

    The same filters as ``/events/``; one row per country, one column per event
    type, and the total. An event naming two countries counts for both. The
    table has a row per country whatever the number of events (two grouped
    queries), so it is made for each request, filtered or not, and kept by the
    page cache like a page.
    """
    filterset = EventFilter(request.GET, queryset=Event.objects.published())
    if not filterset.is_valid():
        return bad_filter(filterset)
    summary = filterset.qs.count_by_country_and_type()
    header = ["country", "country_name", *[value for value, _ in summary["types"]], "total"]
    rows = (
        [row["code"], row["name"], *[str(n) for n in row["counts"]], str(row["total"])]
        for row in summary["rows"]
    )
    response = HttpResponse("".join(csv_lines(header, rows)), content_type=CSV_TYPE)
    name_file(response, download_name("events_by_country", filterset, "csv"), attachment=True)
    response["X-Data-Version"] = data_version(request)
    return response
