"""The admin of each model: countries, bureaus, stations, events, sources, citations."""

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.db import models
from django.db.models import Q
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
    amend,
    format_supports,
)
from ..resources import CitationResource, EventResource, SourceResource, StationResource
from .access import TrackerAdmin
from .editorial import CuratedAdmin, EditorialAdmin, EventCitationInline, StationCitationInline
from .forms import NOTE_FIELD, CitationForm, EventForm, SourceForm, StationForm
from .history import RESTORE_REASON, restoring
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
class CountryAdmin(TrackerAdmin):
    list_display = ["code", "name", "continent"]
    list_filter = ["continent"]
    search_fields = ["code", "name"]


@admin.register(Bureau)
class BureauAdmin(TrackerAdmin):
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

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        # A published event's stations are its public facts: an editor's link asks for the note.
        form.events_note_required = bool(
            obj is not None
            and obj.state == State.PUBLISHED
            and request.user.has_perm("tracker.publish_event")
        )
        return form

    def save_links(self, request, form, station):
        """Link the station to the chosen events, each as if its event's form were saved.

        The station list is a public fact of each event: ``amend()`` keeps a
        change to a published event by someone who may not publish it as a
        proposal on the event, and logs an editor's with the note. Either way
        both records' versions move, so neither form opened before is saved
        over the link.
        """
        if "events" not in form.cleaned_data:
            return
        chosen = {event.pk for event in form.cleaned_data["events"]}
        linked = set(station.events.values_list("pk", flat=True))
        note = form.cleaned_data.get("public_note", "")
        outcomes = []
        for event in Event._base_manager.filter(pk__in=chosen ^ linked).order_by("pk"):
            stations = set(event.stations.values_list("pk", flat=True)) ^ {station.pk}
            outcomes.append(amend(event, request.user, changes={"stations": stations}, note=note))
        request._link_outcomes = outcomes
        if any(outcome.written for outcome in outcomes):
            # The link moved the station's version: a state move after this saves it.
            station.refresh_from_db(fields=["version"])

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

    # A citation of a published record is part of its public facts: its change goes
    # through the record's amend(), which keeps it as a proposal on the record for
    # someone who may not publish that record, and logs an editor's with the note.

    def save_model(self, request, obj, form, change):
        # A citation deleted since and restored from its history is saved anew.
        saved = None
        if change:
            saved = (
                Citation._base_manager.select_related("station", "event").filter(pk=obj.pk).first()
            )
        records = dict.fromkeys(r for r in (saved and saved.record, obj.record) if r is not None)
        record = next((r for r in records if r.state == State.PUBLISHED), None)
        if record is None:
            # Citations of drafts only: a plain save.
            super().save_model(request, obj, form, change)
            return
        if saved is None:
            added = {"source": obj.source, "supports": obj.supports}
            added.update(locator=obj.locator, quotation=obj.quotation)
            arguments = {"citations_added": [added]}
        else:
            arguments = {"citations_changed": [(saved, changed_values(form, saved))]}
        note = form.cleaned_data.get("public_note", "")
        reason = RESTORE_REASON if restoring(request) else ""
        outcome = request._outcome = amend(
            record, request.user, note=note, reason=reason, **arguments
        )
        if outcome.citations:
            # The admin's log and its next page name the citation just created.
            obj.pk = outcome.citations[0].pk

    def proposed(self, request) -> bool:
        outcome = getattr(request, "_outcome", None)
        if outcome is None or not outcome.proposing:
            return False
        proposal_message(request, outcome.record, outcome.proposal)
        return True

    def response_add(self, request, obj, post_url_continue=None):
        if self.proposed(request):
            return HttpResponseRedirect(reverse("admin:tracker_citation_changelist"))
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if self.proposed(request):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    # Deleting a citation of a published record changes its public facts: the delete
    # page asks for the public note, and the removal goes through the record's amend(),
    # which logs it in the corrections log.

    def delete_view(self, request, object_id, extra_context=None):
        citation = self.get_object(request, object_id)
        if citation is None:
            return super().delete_view(request, object_id, extra_context)
        change_url = reverse("admin:tracker_citation_change", args=[citation.pk])
        if reason := citation.removal_blocker():
            self.message_user(request, reason, messages.ERROR)
            return HttpResponseRedirect(change_url)
        record = citation.record
        if record is not None and record.state == State.PUBLISHED:
            if request.method == "POST" and not request.POST.get(NOTE_FIELD, "").strip():
                self.message_user(
                    request,
                    gettext("Give the public note for the corrections log."),
                    messages.ERROR,
                )
                return HttpResponseRedirect(request.path)
            extra_context = {**(extra_context or {}), "published_record": record}
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        record = obj.record
        if record is None or record.state != State.PUBLISHED:
            super().delete_model(request, obj)
            return
        amend(
            record,
            request.user,
            citations_removed=[obj],
            note=request.POST.get(NOTE_FIELD, "").strip(),
        )

    @admin.action(description=gettext_lazy("Delete selected citations"), permissions=["delete"])
    def delete_selected(self, request, queryset):
        """Django's delete action, for citations of unpublished records only.

        A published record's citation is removed from its own delete page or the
        record's page, where the public note for the corrections log is asked.
        """
        published = Q(station__state=State.PUBLISHED) | Q(event__state=State.PUBLISHED)
        for citation in queryset.filter(published).select_related("station", "event")[:1]:
            self.message_user(
                request,
                gettext(
                    "“%(record)s” is published: remove its citations one at a time, with a "
                    "public note, from each citation's page or the record's page. Nothing "
                    "was deleted."
                )
                % {"record": citation.record},
                messages.ERROR,
            )
            return None
        return delete_selected(self, request, queryset)
