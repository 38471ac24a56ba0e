"""The queue of readers' tips: triage, drafts started from a tip, contacts for Editors only.

Researchers read tips, move them through their states (new, in progress, used,
declined) and start a draft station or event from one; the draft keeps a link
to the tip. The contact a reader gave is shown only to users with the
``tracker.view_tip_contact`` permission (Editors, see ``setup_roles``): for
everyone else it is a hidden field (``access.FieldAccessMixin``), left out of
the list, the form, the search, the ordering and every lookup.
Everything a reader typed is shown as text, escaped, and never edited here.
"""

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.utils import model_ngettext
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from ..models import Station, Tip
from .access import TrackerAdmin

CONTACT_PERMISSION = "tracker.view_tip_contact"


def can_see_contact(request) -> bool:
    return request.user.has_perm(CONTACT_PERMISSION)


def admin_link(record):
    """A link to a record's admin page, its name escaped."""
    meta = record._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[record.pk])
    return format_html('<a href="{}">{}</a>', url, record)


@admin.register(Tip)
class TipAdmin(TrackerAdmin):
    list_display = ["receipt", "state", "about_link", "created_at", "excerpt", "contact", "drafts"]
    list_filter = ["state", "created_at"]
    list_select_related = ["station__country", "event"]
    # Never the contact: a search must not reveal it to someone who may not see it.
    search_fields = ["receipt", "text", "record", "station__code", "event__slug", "event__title"]
    date_hierarchy = "created_at"
    list_per_page = 50
    actions = ["mark_in_progress", "mark_used", "mark_declined"]
    change_form_template = "admin/tracker/tip_change_form.html"
    readonly_fields = [
        "receipt",
        "record",
        "about_link",
        "text",
        "link_list",
        "contact",
        "created_at",
        "closed_at",
        "drafts",
    ]

    def has_add_permission(self, request):
        return False  # tips come from readers, through /tips/

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("drafted_stations", queryset=Station.objects.select_related("country")),
                "drafted_events",
            )
        )

    fieldsets = [
        (
            _("What the reader sent"),
            {
                "fields": [
                    "receipt",
                    "created_at",
                    "record",
                    "about_link",
                    "text",
                    "link_list",
                    "contact",
                ]
            },
        ),
        (_("Triage"), {"fields": ["state", "closed_at", "note", "drafts"]}),
    ]

    def hidden_fields(self, request):
        return frozenset() if can_see_contact(request) else frozenset({"contact"})

    @admin.display(description=_("about"))
    def about_link(self, obj):
        if obj.about is None:
            return obj.record or "—"
        return admin_link(obj.about)

    @admin.display(description=_("what the reader saw"))
    def excerpt(self, obj):
        return Truncator(obj.text).chars(80)

    @admin.display(description=_("links"))
    def link_list(self, obj):
        if not obj.links:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}" rel="noopener noreferrer nofollow" target="_blank">{}</a></li>',
                ((link, link) for link in obj.links if link.startswith(("http://", "https://"))),
            ),
        )

    @admin.display(description=_("records started from it"))
    def drafts(self, obj):
        records = [*obj.drafted_stations.all(), *obj.drafted_events.all()]
        if not records:
            return "—"
        return format_html_join(", ", "{}", ((admin_link(record),) for record in records))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["draft_buttons"] = self.draft_buttons(request, obj) if obj else []
        return super().render_change_form(request, context, add, change, form_url, obj)

    def draft_buttons(self, request, tip):
        """Links to a new station's and a new event's form, prefilled and tied to this tip."""
        note = _("Started from reader tip %(receipt)s.") % {"receipt": tip.receipt}
        buttons = []
        if request.user.has_perm("tracker.add_station"):
            query = {"tip": tip.pk, "notes": note}
            if tip.station:
                query.update(country=tip.station.country_id, bureau=tip.station.bureau_id)
            buttons.append(
                (
                    _("Start a draft station from this tip"),
                    f"{reverse('admin:tracker_station_add')}?{urlencode(query)}",
                )
            )
        if request.user.has_perm("tracker.add_event"):
            query = {"tip": tip.pk}
            if tip.station:
                query.update(stations=tip.station.pk, countries=tip.station.country_id)
            buttons.append(
                (
                    _("Start a draft event from this tip"),
                    f"{reverse('admin:tracker_event_add')}?{urlencode(query)}",
                )
            )
        return buttons

    def move_all(self, request, queryset, state):
        # One save per tip, so each closes (or reopens) with its own date.
        moved = 0
        for tip in queryset:
            if tip.state != state:
                tip.state = state
                tip.save(update_fields=["state"])
                moved += 1
        message = _("%(count)d %(tips)s now %(state)s.") % {
            "count": moved,
            "tips": model_ngettext(self.opts, moved),
            "state": Tip.State(state).label.lower(),
        }
        self.message_user(request, message, messages.SUCCESS)

    @admin.action(description=_("Mark selected tips in progress"), permissions=["change"])
    def mark_in_progress(self, request, queryset):
        self.move_all(request, queryset, Tip.State.IN_PROGRESS)

    @admin.action(description=_("Mark selected tips used"), permissions=["change"])
    def mark_used(self, request, queryset):
        self.move_all(request, queryset, Tip.State.USED)

    @admin.action(description=_("Mark selected tips declined"), permissions=["change"])
    def mark_declined(self, request, queryset):
        self.move_all(request, queryset, Tip.State.DECLINED)


class StartedFromTipMixin:
    """For the station and event admins: a record added from a tip's button keeps the tip.

    The tip's button opens the add form with ``?tip=<id>``; the form posts back to
    the same address, and the new record is linked to that tip once saved.
    """

    def tip_from(self, request):
        tip_id = request.GET.get("tip", "")
        if not tip_id.isdigit() or not request.user.has_perm("tracker.change_tip"):
            return None
        return Tip.objects.filter(pk=tip_id).first()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change and (tip := self.tip_from(request)):
            tip.link_draft(obj)
            message = _("Linked to reader tip %(receipt)s.") % {"receipt": tip.receipt}
            self.message_user(request, message, messages.INFO)
