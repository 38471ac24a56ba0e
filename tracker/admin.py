"""Researchers' workbench: curation, review and publishing, history, no lost updates.

Every curated model (stations, events, sources, citations) is edited through a
form that carries the ``version`` the user saw, so a save made meanwhile by
someone else is refused with their name instead of being overwritten. Editorial
state moves only through buttons on the record and list actions, both going
through ``Tracked.move_to()`` so the workflow and the citation rule live in
one place; publishing and retracting need the ``publish_<model>`` permission.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import SimpleListFilter
from django.contrib.admin.utils import model_ngettext
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from .admin_sheets import SpreadsheetAdminMixin
from .models import (
    Bureau,
    Citation,
    ConcurrentEditError,
    Continent,
    Country,
    Event,
    Source,
    State,
    StateChangeRefused,
    Station,
)
from .resources import CitationResource, EventResource, SourceResource, StationResource

# Buttons on a record's page, each asking for one editorial move (see change_form.html).
STATE_BUTTONS = {
    "_send_to_review": State.REVIEW,
    "_publish": State.PUBLISHED,
    "_retract": State.DRAFT,
}
MOVE_LABELS = {
    "_send_to_review": ("Save and send to review", "An editor will check and publish it."),
    "_publish": ("Save and publish", "Shows it on the public site; needs a citation."),
    "_retract": ("Save and retract to draft", "Takes it off the public site."),
}


admin.site.site_header = "Overseas Station Tracker: curation"
admin.site.site_title = "Station Tracker admin"
admin.site.index_title = "Curation"
# The sidebar eats a third of a laptop screen; the lists need the width more.
admin.site.enable_nav_sidebar = False


# --- Forms: carry the version the user saw --------------------------------------------


class VersionedForm(forms.ModelForm):
    """A form that refuses to save over a change made after it was opened.

    ``version`` is not editable on the model, so the form carries it in a hidden
    ``seen_version`` field. The check here gives a friendly error with the form kept; the atomic
    check in ``Versioned.save()`` still guards the moment between the two.
    """

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial.setdefault("seen_version", self.instance.version)

    def has_changed(self):
        # The hidden version alone is no change worth saving an inline row for.
        return any(name != "seen_version" for name in self.changed_data)

    def clean(self):
        cleaned = super().clean()
        instance = self.instance
        if instance.pk is None or (self.empty_permitted and not self.has_changed()):
            return cleaned
        seen = cleaned.get("seen_version")
        current = (
            type(instance)
            ._base_manager.filter(pk=instance.pk)
            .values_list("version", flat=True)
            .first()
        )
        if current is not None and seen != current:
            raise ValidationError(
                str(ConcurrentEditError(instance, instance.last_changed_by())), code="conflict"
            )
        if seen is not None:
            instance.version = seen
        return cleaned


class StationForm(VersionedForm):
    def clean(self):
        cleaned = super().clean()
        code, country = cleaned.get("code"), cleaned.get("country")
        if code and country and not code.startswith(country.code):
            self.add_error(
                "code",
                f"A station's code starts with its country's ISO3 code: {country.code}01, "
                f"{country.code}02…",
            )
        return cleaned


class CitationFormSet(forms.BaseInlineFormSet):
    """Citations of one station or event: each source once, and one at least once published."""

    def clean(self):
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("source")
        ]
        seen = set()
        for form in kept:
            source = form.cleaned_data["source"]
            if source.pk in seen:
                raise ValidationError(
                    f"“{source.key}” is cited twice: put both places in one locator."
                )
            seen.add(source.pk)
        parent = self.instance
        if getattr(parent, "state", None) == State.PUBLISHED and not kept:
            raise ValidationError(
                f"A published {parent._meta.verbose_name} keeps at least one citation: "
                "retract it to draft before removing its last one."
            )


# --- List filters -----------------------------------------------------------------------


class ContinentFilter(SimpleListFilter):
    title = "continent"
    parameter_name = "continent"

    def lookups(self, request, model_admin):
        return [(value, label) for value, label in Continent.choices if value != "antarctica"]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(country__continent=self.value())
        return queryset


class CitationFilter(SimpleListFilter):
    """Records without any citation: the first thing to fix before publishing."""

    title = "citations"
    parameter_name = "citations"

    def lookups(self, request, model_admin):
        return [("none", "No citation"), ("some", "Cited")]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.without_citations()
        if self.value() == "some":
            return queryset.exclude(pk__in=queryset.without_citations().values("pk"))
        return queryset


class SourceLinkFilter(SimpleListFilter):
    title = "link"
    parameter_name = "link"

    def lookups(self, request, model_admin):
        return [
            ("none", "No URL and no archived URL"),
            ("unarchived", "URL not archived"),
            ("archived", "Archived"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(url="", archived_url="")
        if self.value() == "unarchived":
            return queryset.filter(archived_url="").exclude(url="")
        if self.value() == "archived":
            return queryset.exclude(archived_url="")
        return queryset


# --- Shared behaviour ---------------------------------------------------------------------


def last_change_subquery(model):
    """Who made the latest recorded change, as one subquery rather than a query per row."""
    history = model.history.model
    return Subquery(
        history.objects.filter(id=OuterRef("pk"))
        .order_by("-history_date", "-history_id")
        .values("history_user__username")[:1]
    )


class CuratedAdmin(SpreadsheetAdminMixin, SimpleHistoryAdmin):
    """Versioned forms, history with diff and restore, conflicts reported with a name."""

    form = VersionedForm
    change_form_template = "admin/tracker/editorial_change_form.html"
    save_on_top = True
    list_per_page = 50

    def get_readonly_fields(self, request, obj=None):
        fields = [*super().get_readonly_fields(request, obj), "created_at", "updated_at"]
        if hasattr(self.model, "state"):
            # State moves only through the buttons and actions, which check permissions.
            fields.append("state")
        return fields

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(last_editor=last_change_subquery(self.model))

    @admin.display(description="last change", ordering="updated_at")
    def last_change(self, obj):
        when = date_format(timezone.localtime(obj.updated_at), "SHORT_DATE_FORMAT")
        who = getattr(obj, "last_editor", None)
        return f"{when} · {who}" if who else when

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ConcurrentEditError:
            # Someone saved between our form check and our save; the transaction rolled
            # back. Going through the form again shows the conflict with the input kept.
            pass
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ConcurrentEditError as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def save_model(self, request, obj, form, change):
        restoring = getattr(request, "_restoring", False)
        if change and not restoring and not form.has_changed():
            # Nothing to write (e.g. only a state button pressed): no empty history row.
            return
        if change and restoring:
            obj._change_reason = "Restored an earlier version"
        super().save_model(request, obj, form, change)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # Restoring loads an old copy: it carries the old version and state.
        request._restoring = True
        try:
            with transaction.atomic():
                return super().history_form_view(request, object_id, version_id, extra_context)
        except ConcurrentEditError as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None and getattr(request, "_restoring", False):
            current = type(obj)._base_manager.get(pk=obj.pk)
            # The editorial state is not part of a restore (state moves have their own
            # rules), and the restore form carries the version current when it was opened.
            if hasattr(obj, "state"):
                obj.state = current.state
            if request.method != "POST":
                obj.version = current.version
        return super().get_form(request, obj, change, **kwargs)


class EditorialAdmin(CuratedAdmin):
    """Stations, events and sources: editorial state, review and publishing."""

    actions = ["send_to_review", "publish", "retract"]

    def has_publish_permission(self, request, obj=None):
        return request.user.has_perm(f"tracker.publish_{self.model._meta.model_name}")

    def allowed_moves(self, request, obj):
        """The state buttons this user sees on this record."""
        state = obj.state if obj is not None else State.DRAFT
        moves = ["_send_to_review"] if state == State.DRAFT else []
        if self.has_publish_permission(request, obj):
            moves += {
                State.DRAFT: ["_publish"],
                State.REVIEW: ["_publish", "_retract"],
                State.PUBLISHED: ["_retract"],
            }[state]
        return moves

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["state_moves"] = [
            (name, *MOVE_LABELS[name]) for name in self.allowed_moves(request, obj)
        ]
        context["current_state"] = obj.get_state_display() if obj else State.DRAFT.label
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The move comes after the citations are saved: publishing needs them.
        obj = form.instance
        move = next((name for name in STATE_BUTTONS if name in request.POST), None)
        if move is None:
            return
        if move not in self.allowed_moves(request, obj):
            self.message_user(request, "You may not make that change of state.", messages.ERROR)
            return
        try:
            obj.move_to(STATE_BUTTONS[move])
        except StateChangeRefused as refusal:
            self.message_user(request, f"Saved, but not moved: {refusal}", messages.WARNING)
        else:
            self.message_user(
                request, f"“{obj}” is now {obj.get_state_display().lower()}.", messages.SUCCESS
            )

    def move_each(self, request, queryset, state):
        """Move every selected record through its own checked save; report the outcome."""
        moved, refused = 0, []
        for obj in queryset:
            if obj.state == state:
                continue
            try:
                with transaction.atomic():
                    obj.move_to(state)
            except (StateChangeRefused, ConcurrentEditError) as problem:
                refused.append(str(problem))
            else:
                moved += 1
        label = State(state).label.lower()
        if moved:
            noun = model_ngettext(self.opts, moved)
            self.message_user(request, f"{moved} {noun} now {label}.", messages.SUCCESS)
        for reason in refused:
            self.message_user(request, reason, messages.ERROR)
        if not moved and not refused:
            names = self.opts.verbose_name_plural
            self.message_user(request, f"The selected {names} were already {label}.")

    @admin.action(description="Send selected drafts to review", permissions=["change"])
    def send_to_review(self, request, queryset):
        self.move_each(request, queryset.filter(state=State.DRAFT), State.REVIEW)

    @admin.action(description="Publish selected", permissions=["publish"])
    def publish(self, request, queryset):
        self.move_each(request, queryset, State.PUBLISHED)

    @admin.action(description="Retract selected to draft", permissions=["publish"])
    def retract(self, request, queryset):
        self.move_each(request, queryset, State.DRAFT)


class CitationInline(admin.TabularInline):
    model = Citation
    form = VersionedForm
    formset = CitationFormSet
    fields = ["source", "locator", "quotation", "seen_version"]
    autocomplete_fields = ["source"]
    extra = 0
    formfield_overrides = {
        Citation._meta.get_field("quotation").__class__: {
            "widget": forms.Textarea(attrs={"rows": 2, "cols": 40})
        }
    }

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source")


class StationCitationInline(CitationInline):
    fk_name = "station"


class EventCitationInline(CitationInline):
    fk_name = "event"


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
class StationAdmin(EditorialAdmin):
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
class EventAdmin(EditorialAdmin):
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
    ]
    for model in (Station, Event, Source):
        items.append(
            (
                f"{model._meta.verbose_name_plural.capitalize()} waiting for review",
                model,
                model.objects.filter(state=State.REVIEW),
                "?state__exact=review",
            )
        )
    return [
        {"label": label, "count": queryset.count(), "url": changelist(model, query)}
        for label, model, queryset, query in items
    ]


def needs_work(request):
    """Admin page: what needs work, with counts and links to the filtered lists."""
    context = {
        **admin.site.each_context(request),
        "title": "What needs work",
        "items": needs_work_items(),
    }
    return TemplateResponse(request, "admin/tracker/needs_work.html", context)
