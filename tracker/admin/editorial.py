"""Researchers' workbench: curation, review and publishing, history, no lost updates.

Every curated model (stations, events, sources, citations) is edited through a
form that carries the ``version`` the user saw, so a save made meanwhile by
someone else is refused with their name instead of being overwritten. A change
to an existing station, event or source (its fields, links and citation
inlines, or a history restore) goes through ``amend()``, which proposes it or
writes and logs it (tracker/models/amendments.py). Editorial state moves only
through buttons on the record and list actions, both going through
``Editorial.move_to()`` so the workflow and the citation rule live in one
place; publishing and retracting need the ``publish_<model>`` permission.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import model_ngettext
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ..admin_sheets import SpreadsheetAdminMixin
from ..models import (
    ChangeRefused,
    Citation,
    ConcurrentEditError,
    State,
    StateChangeRefused,
    amend,
    links_created,
)
from ..models.proposals import field_value, form_value
from .access import FieldAccessMixin
from .forms import (
    NOTE_FIELD,
    REVIEW_NOTE_FIELD,
    CitationForm,
    CitationFormSet,
    EditorialForm,
    EventCitationForm,
    StationCitationForm,
    VersionedForm,
)
from .history import RESTORE_REASON, RestoreMixin, ReviewHistoryMixin, restoring
from .proposals import citation_changes, open_proposals, proposal_message
from .saved import SavedRecordMixin

# Buttons on a record's page, each asking for one editorial move (see change_form.html).
STATE_BUTTONS = {
    "_send_to_review": State.REVIEW,
    "_publish": State.PUBLISHED,
    "_publish_with_sources": State.PUBLISHED,
    "_retract": State.DRAFT,
}
MOVE_LABELS = {
    "_send_to_review": (
        _("Save and send to review"),
        _("An editor will check and publish it; the note for the editor goes with it."),
    ),
    "_publish": (
        _("Save and publish"),
        _("Shows it on the public site; needs a citation of a published source."),
    ),
    "_publish_with_sources": (
        _("Save and publish with its sources"),
        _("Publishes the record and the sources it cites that are not published yet."),
    ),
    "_retract": (
        _("Save and retract to draft"),
        _(
            "Takes it off the public site; a published record's page then answers 410 Gone "
            "with the note below as the public reason."
        ),
    ),
}


admin.site.site_header = "Overseas Station Tracker: curation"
admin.site.site_title = "Station Tracker admin"
admin.site.index_title = "Curation"
# The sidebar eats a third of a laptop screen; the lists need the width more.
admin.site.enable_nav_sidebar = False


# --- Shared behaviour ---------------------------------------------------------------------


def last_change_subquery(model):
    """Who made the latest recorded change, as one subquery rather than a query per row."""
    history = model.history.model
    return Subquery(
        history.objects.filter(id=OuterRef("pk"))
        .order_by("-history_date", "-history_id")
        .values("history_user__username")[:1]
    )


class CuratedAdmin(
    FieldAccessMixin, RestoreMixin, SavedRecordMixin, SpreadsheetAdminMixin, SimpleHistoryAdmin
):
    """Versioned forms, history with diff and restore, conflicts reported with a name;
    after a plain Save the list shows the record highlighted."""

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
        except ChangeRefused as refusal:
            # A rule the form's checks missed (the model's last word); nothing was saved.
            self.message_user(request, str(refusal), messages.ERROR)
            return HttpResponseRedirect(request.path)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ConcurrentEditError, ChangeRefused) as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def save_model(self, request, obj, form, change):
        if change and not restoring(request) and not form.has_changed():
            # Nothing to write (e.g. only a state button pressed): no empty history row.
            return
        super().save_model(request, obj, form, change)


class EditorialAdmin(ReviewHistoryMixin, CuratedAdmin):
    """Stations, events and sources: editorial state, review, proposals and publishing."""

    form = EditorialForm

    actions = ["send_to_review", "publish", "publish_with_sources", "retract", "delete_selected"]

    def has_publish_permission(self, request, obj=None):
        return request.user.has_perm(f"tracker.publish_{self.model._meta.model_name}")

    def has_publish_with_sources_permission(self, request, obj=None):
        return self.model.requires_citation and (
            self.has_publish_permission(request, obj)
            and request.user.has_perm("tracker.publish_source")
        )

    def allowed_moves(self, request, obj, pending=None):
        """The state buttons this user sees on this record, from the model's workflow table.

        Publishing with the sources is offered when the record cites unpublished
        sources (``pending``) and the user may publish sources too; plain
        publishing is left out when no cited source is published yet.
        """
        state = obj.state if obj is not None else State.DRAFT
        targets = self.model.allowed_moves(state, self.has_publish_permission(request, obj))
        names = [name for name, target in STATE_BUTTONS.items() if target in targets]
        if pending is None and "_publish" in names:
            pending = obj.unpublished_sources() if obj is not None else []
        if "_publish" in names and not (
            pending and self.has_publish_with_sources_permission(request, obj)
        ):
            names.remove("_publish_with_sources")
        elif "_publish_with_sources" in names and obj.publish_blocker():
            names.remove("_publish")
        return names

    def view_on_site(self, obj):
        """The public page once published; before that, the staff-only preview."""
        if obj.state == State.PUBLISHED:
            return obj.get_absolute_url()
        return reverse("admin-preview", args=[obj._meta.model_name, obj.pk])

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        # An editor's change to a published record's public facts needs a public note.
        form.note_required = bool(
            obj is not None
            and obj.state == State.PUBLISHED
            and self.has_publish_permission(request, obj)
        )
        return form

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.state == State.PUBLISHED:
            fieldsets = [*fieldsets, (_("Note"), {"fields": [NOTE_FIELD]})]
        elif obj is None or obj.state == State.DRAFT:
            fieldsets = [*fieldsets, (_("Note for the editor"), {"fields": [REVIEW_NOTE_FIELD]})]
        return fieldsets

    # --- Changes to an existing record: through amend(), proposed or written and logged ---

    def save_model(self, request, obj, form, change):
        if not change or obj._state.adding:
            # A new record starts as a draft, and a deleted one restored comes back
            # as a draft (RestoreMixin): a plain save.
            super().save_model(request, obj, form, change)
            return
        request._amending = self.staged_change(request, obj, form)
        # Nothing of the form reaches the record but through amend(): not even its
        # relations (a history restore calls save_m2m itself after save_model).
        form.save_m2m = lambda: None
        if restoring(request):
            # A history restore has no inlines and calls no save_related.
            request._outcome = amend(**request._amending, reason=RESTORE_REASON)

    def staged_change(self, request, obj, form) -> dict:
        """``amend()``'s arguments for the form: each field's value as the form left it.

        ``amend()`` writes (or proposes) only what differs from the saved record.
        """
        changes = {}
        private = [f.name for f in self.model._meta.fields if f.name in self.model.PRIVATE_FIELDS]
        for name in [*self.model.public_field_names(), *private]:
            field = self.model._meta.get_field(name)
            if field.many_to_many:
                if name in form.cleaned_data:
                    changes[name] = form_value(field, form.cleaned_data[name])
            else:
                changes[name] = field_value(obj, name)
        return {
            "record": obj,
            "user": request.user,
            "changes": changes,
            "note": form.cleaned_data.get(NOTE_FIELD, ""),
            # VersionedForm.clean() left the version the user saw on the instance.
            "seen_version": obj.version,
        }

    def save_related(self, request, form, formsets, change):
        staged = getattr(request, "_amending", None)
        if staged is None:
            super().save_related(request, form, formsets, change)
            obj = form.instance
            links_created(obj)
            outcome = None
        else:
            outcome = request._outcome = amend(**staged, **citation_changes(formsets))
            obj = outcome.record
        self.save_links(request, form, obj)
        if outcome is None or not outcome.proposing:
            self.make_move(request, obj, form.cleaned_data.get(NOTE_FIELD, ""))

    def save_links(self, request, form, obj):
        """Links the form holds beyond the model's own fields (a station's events)."""

    def construct_change_message(self, request, form, formsets, add=False):
        outcome = getattr(request, "_outcome", None)
        if outcome is not None and outcome.proposing:
            # Nothing public was saved: the log says a proposal was made instead.
            return f"Proposed change {outcome.proposal.pk}" if outcome.proposal else ""
        if hasattr(request, "_amending"):
            # The inlines went through amend(), not through their formsets' save().
            formsets = None
        return super().construct_change_message(request, form, formsets, add)

    def response_change(self, request, obj):
        outcome = getattr(request, "_outcome", None)
        links = getattr(request, "_link_outcomes", [])
        for link in links:
            if link.proposal is not None:
                proposal_message(request, link.record, link.proposal)
        if outcome is not None and outcome.proposing:
            if outcome.proposal is not None or not any(o.written or o.proposal for o in links):
                proposal_message(request, outcome.record, outcome.proposal)
            if written := [str(o.record) for o in links if o.written]:
                self.message_user(
                    request,
                    gettext("The links to %(events)s were saved.") % {"events": "; ".join(written)},
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Only a record that may be published needs to know its unpublished sources.
        publishable = obj is not None and obj.state != State.PUBLISHED
        pending = obj.unpublished_sources() if publishable else []
        moves = []
        for name in self.allowed_moves(request, obj, pending):
            label, help_text = MOVE_LABELS[name]
            if name == "_publish_with_sources":
                label = ngettext(
                    "Save and publish with its source",
                    "Save and publish with its %(count)d sources",
                    len(pending),
                ) % {"count": len(pending)}
                help_text = f"{help_text} ({', '.join(source.key for source in pending)})"
            moves.append((name, label, help_text))
        context["state_moves"] = moves
        context["current_state"] = obj.get_state_display() if obj else State.DRAFT.label
        context["review_note"] = obj.review_note if obj and obj.state == State.REVIEW else ""
        if obj is not None and obj.state != State.PUBLISHED:
            context["preview_url"] = self.view_on_site(obj)
        if obj is not None and obj.state == State.PUBLISHED:
            context["proposals"] = open_proposals(obj)
            context["can_decide"] = self.has_publish_permission(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def make_move(self, request, obj, note):
        """Make the state move asked for, after the citations are saved (publishing needs them)."""
        move = next((name for name in STATE_BUTTONS if name in request.POST), None)
        if move is None:
            return
        if move not in self.allowed_moves(request, obj):
            self.message_user(request, "You may not make that change of state.", messages.ERROR)
            return
        if move == "_send_to_review":
            note = request.POST.get(REVIEW_NOTE_FIELD, "")
        with_sources = move == "_publish_with_sources"
        try:
            obj.move_to(
                STATE_BUTTONS[move], user=request.user, reason=note, with_sources=with_sources
            )
        except StateChangeRefused as refusal:
            self.message_user(
                request,
                gettext("Saved, but not moved: %(reason)s") % {"reason": refusal},
                messages.WARNING,
            )
        else:
            request._moved = True
            self.message_user(
                request,
                gettext("“%(record)s” is now %(state)s.")
                % {"record": obj, "state": obj.get_state_display().lower()},
                messages.SUCCESS,
            )

    def response_post_save_add(self, request, obj):
        # After a workflow button the curator stays on the record and sees its new state.
        if getattr(request, "_moved", False):
            return HttpResponseRedirect(
                reverse(f"admin:tracker_{obj._meta.model_name}_change", args=[obj.pk])
            )
        return super().response_post_save_add(request, obj)

    def response_post_save_change(self, request, obj):
        if getattr(request, "_moved", False):
            return HttpResponseRedirect(request.path)
        return super().response_post_save_change(request, obj)

    def move_each(self, request, queryset, state, reason="", with_sources=False):
        """Move every selected record through its own checked save; report the outcome."""
        moved, refused = 0, []
        for obj in queryset:
            if obj.state == state:
                continue
            try:
                with transaction.atomic():
                    obj.move_to(state, user=request.user, reason=reason, with_sources=with_sources)
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

    @admin.action(
        description=_("Publish selected with the sources they cite"),
        permissions=["publish_with_sources"],
    )
    def publish_with_sources(self, request, queryset):
        self.move_each(request, queryset, State.PUBLISHED, with_sources=True)

    # --- Deleting: published records are withdrawn first (Editorial.deletion_blocker) ---

    def delete_view(self, request, object_id, extra_context=None):
        record = self.get_object(request, object_id)
        if record is not None and (reason := record.deletion_blocker()):
            self.message_user(request, reason, messages.ERROR)
            return HttpResponseRedirect(
                reverse(f"admin:tracker_{self.opts.model_name}_change", args=[record.pk])
            )
        return super().delete_view(request, object_id, extra_context)

    @admin.action(description=_("Delete selected %(verbose_name_plural)s"), permissions=["delete"])
    def delete_selected(self, request, queryset):
        """Django's delete action, refused while a selected record is published."""
        for record in queryset.filter(state=State.PUBLISHED)[:1]:
            self.message_user(
                request,
                record.deletion_blocker() + " " + gettext("Nothing was deleted."),
                messages.ERROR,
            )
            return None
        return delete_selected(self, request, queryset)

    @admin.action(description="Retract selected to draft", permissions=["publish"])
    def retract(self, request, queryset):
        """Retract to draft; published ones are withdrawn, which asks for a public reason."""
        reason = request.POST.get("withdrawal_reason", "").strip()
        withdrawing = queryset.filter(state=State.PUBLISHED)
        if withdrawing.exists() and not reason:
            # An intermediate page, as Django's own delete action has: the reason first.
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("Withdraw published records"),
                "queryset": queryset,
                "withdrawing": withdrawing,
                "action": "retract",
                "asked": "withdrawal_reason" in request.POST,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/tracker/withdraw.html", context)
        self.move_each(request, queryset, State.DRAFT, reason=reason)


class CitationInline(admin.TabularInline):
    model = Citation
    form = CitationForm
    formset = CitationFormSet
    fields = ["source", "source_state", "supports", "locator", "quotation", "seen_version"]
    readonly_fields = ["source_state"]
    autocomplete_fields = ["source"]
    extra = 0
    formfield_overrides = {
        Citation._meta.get_field("quotation").__class__: {
            "widget": forms.Textarea(attrs={"rows": 2, "cols": 40})
        }
    }

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source")

    @admin.display(description=_("source's state"))
    def source_state(self, obj):
        # The record publishes only with a published source: show which are not yet.
        if obj.pk is None or obj.source_id is None:
            return "–"
        return obj.source.get_state_display()

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # An editor's change to a published record's citations needs the public note.
        formset.note_required = bool(
            obj is not None
            and obj.state == State.PUBLISHED
            and request.user.has_perm(f"tracker.publish_{obj._meta.model_name}")
        )
        return formset


class StationCitationInline(CitationInline):
    fk_name = "station"
    # A station's citation offers a station's facts only.
    form = StationCitationForm


class EventCitationInline(CitationInline):
    fk_name = "event"
    form = EventCitationForm
