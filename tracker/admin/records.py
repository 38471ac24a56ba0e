"""The admin of each model: countries, bureaus, stations, events, sources, citations."""

from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from ..models import (
    Bureau,
    Citation,
    Country,
    Event,
    Source,
    Station,
)
from ..resources import CitationResource, EventResource, SourceResource, StationResource
from .editorial import CuratedAdmin, EditorialAdmin, EventCitationInline, StationCitationInline
from .forms import StationForm
from .list_filters import CitationFilter, ContinentFilter, SourceLinkFilter
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
        ("Map", {"fields": [("latitude", "longitude")], "classes": ["collapse"]}),
        ("Events", {"fields": ["event_links"]}),
        ("Record", {"fields": ["state", "seen_version", ("created_at", "updated_at")]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "event_links"]

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
        events = obj.events.order_by("date") if obj.pk else []
        if not events:
            return "None yet. Link a station from the event's page."
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
    resource_classes = [EventResource]
    list_display = ["title", "date_display", "type", "state", "citation_count", "last_change"]
    list_filter = ["state", CitationFilter, "type", ("countries", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["slug", "title", "description"]
    date_hierarchy = "date"
    autocomplete_fields = ["countries", "stations"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [EventCitationInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", ("date", "date_precision"), "type"]}),
        ("What happened", {"fields": ["description", "countries", "stations"]}),
        ("Record", {"fields": ["state", "seen_version", ("created_at", "updated_at")]}),
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
        ("Dates", {"fields": [("published_on", "published_precision"), "accessed_on"]}),
        ("Links", {"fields": ["url", "archived_url"]}),
        ("Record", {"fields": ["state", "seen_version", ("created_at", "updated_at")]}),
    ]

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
        if obj.archived_url:
            return "archived"
        return "live only" if obj.url else "missing"


@admin.register(Citation)
class CitationAdmin(CuratedAdmin):
    resource_classes = [CitationResource]
    list_display = ["source", "station", "event", "locator", "last_change"]
    list_select_related = ["source", "station__country", "event"]
    list_filter = ["source__kind"]
    search_fields = ["source__key", "source__title", "station__code", "event__title", "locator"]
    autocomplete_fields = ["source", "station", "event"]
    fields = [
        "source",
        ("station", "event"),
        "locator",
        "quotation",
        "seen_version",
        ("created_at", "updated_at"),
    ]

    def view_on_site(self, obj):
        target = obj.station or obj.event
        return target.get_absolute_url() if target else None
