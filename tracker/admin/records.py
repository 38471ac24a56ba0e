"""The admin of each model: countries, bureaus, stations, events, sources, citations."""

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.db import models
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _

from ..models import (
    LINK_HEALTH_FIELDS,
    Bureau,
    Citation,
    Country,
    Event,
    Source,
    State,
    Station,
    format_supports,
    log_published_change,
    needs_proposal,
    propose,
    public_facts,
)
from ..resources import CitationResource, EventResource, SourceResource, StationResource
from .editorial import CuratedAdmin, EditorialAdmin, EventCitationInline, StationCitationInline
from .forms import CitationForm, EventForm, SourceForm, StationForm
from .list_filters import (
    CitationFilter,
    ContinentFilter,
    DisagreementFilter,
    SourceLinkFilter,
    UnsupportedFactFilter,
)
from .proposals import changed_values, proposal_message
from .tips import StartedFromTipMixin

# --- Reference tables ----------------------------------------------------------------------


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "continent"]
    list_filter = ["continent"]
    search_fields = ["code", "name"]


@admin.register(Bureau)
class BureauAdmin(admin.ModelAdmin):
    list_display = ["name", "name_zh", "pinyin", "slug"]
    search_fields = ["name", "name_zh", "pinyin", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]


# --- Curated records -------------------------------------------------------------------------


@admin.register(Station)
class StationAdmin(StartedFromTipMixin, EditorialAdmin):
    form = StationForm
    resource_classes = [StationResource]
    list_display = [
        "code",
        "city",
        "country",
        "bureau_short",
        "active",
        "status",
        "state",
        "citation_count",
        "last_change",
    ]
    list_filter = [
        "state",
        CitationFilter,
        UnsupportedFactFilter,
        DisagreementFilter,
        "status",
        ContinentFilter,
        "bureau",
        ("city", admin.EmptyFieldListFilter),
        ("country", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["country", "bureau"]
    search_fields = ["code", "city", "location", "host", "country__name", "bureau__name"]
    autocomplete_fields = ["country", "bureau"]
    inlines = [StationCitationInline]
    fieldsets = [
        (None, {"fields": [("code", "country"), ("city", "is_capital"), "location", "bureau"]}),
        (
            "Facts",
            {"fields": ["host", ("active_from", "active_until"), "status", "summary", "notes"]},
        ),
        ("Chinese", {"fields": ["summary_zh_hans", "summary_zh_hant"]}),
        ("Map", {"fields": [("latitude", "longitude")], "classes": ["collapse"]}),
        (_("Events"), {"fields": ["events", "event_links"]}),
        ("Record", {"fields": ["seen_version", ("created_at", "updated_at")]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "event_links"]

    def get_changeform_initial_data(self, request):
        # /admin/tracker/station/add/?country=ISL opens with ISL's next free code.
        initial = super().get_changeform_initial_data(request)
        country = Country.objects.filter(pk=str(initial.get("country", "")).upper()).first()
        if country is not None:
            initial["country"] = country.pk
            initial.setdefault("code", Station.next_free_code(country))
        return initial

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "events" in form.cleaned_data and not hasattr(request, "_proposing"):
            self.save_events(request, form.instance, form.cleaned_data["events"])

    def save_events(self, request, station, chosen):
        """Link the station to the chosen events, as if each event's form were saved.

        The station list is a fact of each event: on a published event a change
        by someone who may not publish it becomes a proposal; an editor's is
        logged in the corrections log.
        """
        chosen = set(chosen)
        current = set(station.events.all())
        note = request.POST.get("public_note", "")
        for event in sorted(chosen ^ current, key=lambda e: e.pk):
            stations = set(event.stations.all())
            stations = stations | {station} if event in chosen else stations - {station}
            if needs_proposal(event, request.user):
                proposal = propose(event, {"stations": stations}, request.user, note=note)
                proposal_message(request, event, proposal)
                continue
            before = public_facts(event) if event.state == State.PUBLISHED else None
            event.stations.set(stations)
            if before is not None:
                log_published_change(event, before, request.user, note)

    def get_queryset(self, request):
        return super().get_queryset(request).with_citation_count()

    @admin.display(description="citations", ordering="citation_count")
    def citation_count(self, obj):
        return obj.citation_count

    @admin.display(description="bureau", ordering="bureau__name")
    def bureau_short(self, obj):
        # "Fuzhou" rather than "Fuzhou City Public Security Bureau": the list fits a laptop.
        return obj.bureau.short_name

    @admin.display(description="active", ordering="active_from")
    def active(self, obj):
        return obj.active

    @admin.display(description="events of this station")
    def event_links(self, obj):
        events = obj.events.oldest_first() if obj.pk else []
        if not events:
            return gettext("None yet. Choose its events above.")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a> · {} · {}</li>',
                (
                    (
                        reverse("admin:tracker_event_change", args=[event.pk]),
                        event.title,
                        event.date_display,
                        event.get_state_display(),
                    )
                    for event in events
                ),
            ),
        )


@admin.register(Event)
class EventAdmin(StartedFromTipMixin, EditorialAdmin):
    form = EventForm
    resource_classes = [EventResource]
    list_display = ["title", "date_display", "type", "state", "citation_count", "last_change"]
    list_filter = [
        "state",
        CitationFilter,
        UnsupportedFactFilter,
        DisagreementFilter,
        "type",
        "date_precision",
        ("countries", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["slug", "title", "description"]
    date_hierarchy = "date"
    autocomplete_fields = ["countries", "stations"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [EventCitationInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "date", "type"]}),
        ("What happened", {"fields": ["description", "countries", "stations"]}),
        (
            "Chinese",
            {
                "fields": [
                    ("title_zh_hans", "title_zh_hant"),
                    "description_zh_hans",
                    "description_zh_hant",
                ]
            },
        ),
        ("Record", {"fields": ["seen_version", ("created_at", "updated_at")]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_citation_count()

    @admin.display(description="date", ordering="date")
    def date_display(self, obj):
        return obj.date_display

    @admin.display(description="citations", ordering="citation_count")
    def citation_count(self, obj):
        return obj.citation_count


@admin.register(Source)
class SourceAdmin(EditorialAdmin):
    form = SourceForm
    resource_classes = [SourceResource]
    list_display = [
        "key",
        "title",
        "publisher",
        "kind",
        "published_display",
        "link",
        "state",
        "citation_count",
        "last_change",
    ]
    list_filter = ["state", SourceLinkFilter, "kind", "language", CitationFilter]
    search_fields = ["key", "title", "authors", "publisher", "url"]
    # Links pasted without a scheme are web links, read as https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["key", "title", "authors", "publisher", ("kind", "language")]}),
        ("Chinese", {"fields": [("title_zh_hans", "title_zh_hant")]}),
        ("Dates", {"fields": ["published_on", "accessed_on"]}),
        ("Links", {"fields": ["url", "archived_url"]}),
        (
            _("Link health (manage.py check_sources)"),
            {
                "fields": [
                    ("url_ok", "url_result", "url_checked_at"),
                    ("archived_ok", "archived_result", "archived_checked_at"),
                ]
            },
        ),
        (_("Cited by"), {"fields": ["cited_by"]}),
        ("Record", {"fields": ["seen_version", ("created_at", "updated_at")]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *LINK_HEALTH_FIELDS, "cited_by"]

    @admin.display(description=_("records citing it"))
    def cited_by(self, obj):
        citations = (
            obj.citations.select_related("station__country", "event").order_by(
                "station__code", "event__slug"
            )
            if obj.pk
            else []
        )
        rows = [
            (
                reverse(f"admin:tracker_{c.record_kind}_change", args=[c.record.pk]),
                c.record,
                c.record.get_state_display(),
                f" · {c.locator}" if c.locator else "",
            )
            for c in citations
        ]
        if not rows:
            return gettext("No station or event cites it yet.")
        return format_html(
            "<ul>{}</ul>", format_html_join("", '<li><a href="{}">{}</a> · {}{}</li>', rows)
        )

    def get_queryset(self, request):
        return super().get_queryset(request).with_citation_count()

    @admin.display(description="published", ordering="published_on")
    def published_display(self, obj):
        return obj.published_display

    @admin.display(description="cited", ordering="citation_count")
    def citation_count(self, obj):
        return obj.citation_count

    @admin.display(description="link")
    def link(self, obj):
        if obj.url_broken:
            return _("broken, archived") if obj.archived_url else _("broken")
        if obj.archived_url:
            return "archived"
        return "live only" if obj.url else "missing"


@admin.register(Citation)
class CitationAdmin(CuratedAdmin):
    resource_classes = [CitationResource]
    form = CitationForm
    list_display = ["source", "station", "event", "supports_display", "locator", "last_change"]
    list_select_related = ["source", "station__country", "event"]
    list_filter = ["source__kind"]
    search_fields = ["source__key", "source__title", "station__code", "event__title", "locator"]
    autocomplete_fields = ["source", "station", "event"]
    form = CitationForm
    fields = [
        "source",
        ("station", "event"),
        "supports",
        "locator",
        "quotation",
        "public_note",
        "seen_version",
        ("created_at", "updated_at"),
    ]
    actions = ["delete_selected"]

    @admin.display(description=_("supports"))
    def supports_display(self, obj):
        return format_supports(obj.supports) or _("the whole record")

    def view_on_site(self, obj):
        target = obj.station or obj.event
        return target.get_absolute_url() if target else None

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user
        return form

    # A citation of a published record is part of its public facts: a change to it by
    # someone who may not publish that record becomes a proposal on the record, and an
    # editor's change is logged with the note.

    def save_model(self, request, obj, form, change):
        saved = Citation._base_manager.filter(pk=obj.pk).first() if change else None
        old, new = (saved.record if saved else None), obj.record
        for record in dict.fromkeys(r for r in (old, new) if r is not None):
            if needs_proposal(record, request.user):
                if saved is None:
                    added = {"source": obj.source, "supports": obj.supports}
                    added.update(locator=obj.locator, quotation=obj.quotation)
                    arguments = {"citations_added": [added]}
                else:
                    arguments = {"citations_changed": [(saved, changed_values(form, saved))]}
                note = form.cleaned_data.get("public_note", "")
                request._proposing = record
                request._proposal = propose(record, {}, request.user, note=note, **arguments)
                return
        touched = [r for r in dict.fromkeys((old, new)) if r is not None]
        before = [(r, public_facts(r)) for r in touched if r.state == State.PUBLISHED]
        super().save_model(request, obj, form, change)
        for record, facts in before:
            log_published_change(record, facts, request.user, form.cleaned_data["public_note"])

    def response_add(self, request, obj, post_url_continue=None):
        if hasattr(request, "_proposing"):
            proposal_message(request, request._proposing, request._proposal)
            return HttpResponseRedirect(reverse("admin:tracker_citation_changelist"))
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if hasattr(request, "_proposing"):
            proposal_message(request, request._proposing, request._proposal)
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        citation = self.get_object(request, object_id)
        if citation is not None and (reason := citation.removal_blocker()):
            self.message_user(request, reason, messages.ERROR)
            return HttpResponseRedirect(
                reverse("admin:tracker_citation_change", args=[citation.pk])
            )
        return super().delete_view(request, object_id, extra_context)

    @admin.action(description=gettext_lazy("Delete selected citations"), permissions=["delete"])
    def delete_selected(self, request, queryset):
        """Django's delete action, refused when it would leave a published record uncited."""
        remaining = Citation.objects.exclude(pk__in=queryset.values("pk"))
        for kind in ("station", "event"):
            # NOT IN over a list holding NULL matches nothing: leave the other kind out.
            kept = remaining.filter(**{f"{kind}__isnull": False}).values(kind)
            stripped = (
                queryset.filter(**{f"{kind}__state": State.PUBLISHED})
                .exclude(**{f"{kind}__in": kept})
                .select_related(kind)
            )
            for citation in stripped:
                self.message_user(
                    request,
                    gettext(
                        "Published %(kind)s “%(record)s” would have no citation left: "
                        "nothing was deleted."
                    )
                    % {"kind": kind, "record": citation.record},
                    messages.ERROR,
                )
                return None
        return delete_selected(self, request, queryset)
