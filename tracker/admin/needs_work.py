"""The admin page of what stands between the data and publication."""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from ..models import (
    SUPPORTABLE_FACTS,
    Event,
    Source,
    State,
    Station,
    Tip,
)

# --- What needs work ----------------------------------------------------------------------------


def needs_work_items():
    """Counts of what stands between the data and publication, with the list to fix each."""

    def changelist(model, query):
        return reverse(f"admin:tracker_{model._meta.model_name}_changelist") + query

    items = [
        (
            "Stations without a citation",
            Station,
            Station.objects.without_citations(),
            "?citations=none",
        ),
        ("Events without a citation", Event, Event.objects.without_citations(), "?citations=none"),
        (
            "Sources with neither URL nor archived URL",
            Source,
            Source.objects.filter(url="", archived_url=""),
            "?link=none",
        ),
        (
            "Sources whose URL is not archived",
            Source,
            Source.objects.filter(archived_url="").exclude(url=""),
            "?link=unarchived",
        ),
        ("Stations without a city", Station, Station.objects.filter(city=""), "?city__isempty=1"),
        (
            "Stations whose sources disagree (their notes say so)",
            Station,
            Station.objects.sources_disagree(),
            "?disagree=yes",
        ),
        (
            "Events whose sources disagree (their description says so)",
            Event,
            Event.objects.sources_disagree(),
            "?disagree=yes",
        ),
        (
            "Events without a date (no source gives one)",
            Event,
            Event.objects.filter(date__isnull=True),
            f"?date_precision__exact={Event.Precision.UNDATED}",
        ),
    ]
    # Published facts that rest only on citations of the whole record: a reader
    # cannot tell which source states them.
    for model in (Station, Event):
        kind = model._meta.model_name
        for fact, label in SUPPORTABLE_FACTS[kind].items():
            items.append(
                (
                    _("Published %(records)s whose %(fact)s no citation names")
                    % {"records": model._meta.verbose_name_plural, "fact": label},
                    model,
                    model.objects.published().unsupported(fact),
                    f"?state__exact=published&unsupported={fact}",
                )
            )
    for model in (Station, Event, Source):
        items.append(
            (
                f"{model._meta.verbose_name_plural.capitalize()} waiting for review",
                model,
                model.objects.filter(state=State.REVIEW),
                "?state__exact=review",
            )
        )
    items.append(
        (
            _("New tips from readers"),
            Tip,
            Tip.objects.filter(state=Tip.State.NEW),
            "?state__exact=new",
        )
    )
    return [
        {"label": label, "count": queryset.count(), "url": changelist(model, query)}
        for label, model, queryset, query in items
    ]


def review_queue(limit: int = 20) -> list[dict]:
    """Records waiting for review, oldest first, with the note their researcher sent."""
    queue = []
    for model in (Station, Event, Source):
        records = model.objects.filter(state=State.REVIEW).order_by("updated_at")
        if model is Station:
            records = records.select_related("country")
        for record in records[:limit]:
            queue.append(
                {
                    "record": record,
                    "kind": model._meta.verbose_name,
                    "note": record.review_note,
                    "url": reverse(
                        f"admin:tracker_{model._meta.model_name}_change", args=[record.pk]
                    ),
                    "waiting_since": record.updated_at,
                }
            )
    return sorted(queue, key=lambda item: item["waiting_since"])


def needs_work(request):
    """Admin page: what needs work, with counts and links to the filtered lists."""
    context = {
        **admin.site.each_context(request),
        "title": "What needs work",
        "items": needs_work_items(),
        "review_queue": review_queue(),
    }
    return TemplateResponse(request, "admin/tracker/needs_work.html", context)
