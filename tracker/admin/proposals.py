"""Proposed changes in the admin: made from the record forms, decided by editors.

The record admins (``editorial.EditorialAdmin``, ``records.CitationAdmin``)
turn a change to a published record by a user without ``publish_<model>`` into
a ``Proposal`` with the helpers here; ``ProposalAdmin`` lists proposals (each
proposer finds the outcome and the editor's note there) and takes the
editors' decisions, posted from the record's own page.
"""

from django.contrib import admin, messages
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Citation, Correction, Proposal, StateChangeRefused
from ..models.proposals import CITATION_FIELDS, field_value, form_value
from .access import TrackerAdmin


def changed_values(form, saved) -> dict:
    """The citation fields ``form`` changes on ``saved``, as ``propose()`` takes them."""
    # A field the form reports as changed may hold the same value in another
    # shape (the facts a citation supports, in another order): compare values.
    values = {}
    for name in form.changed_data:
        if name not in CITATION_FIELDS:
            continue
        value = form_value(Citation._meta.get_field(name), form.cleaned_data[name])
        if value != field_value(saved, name):
            values[name] = value
    return values


def citation_changes(formsets) -> dict:
    """What the citation inlines of a form would change, as ``propose()`` takes it."""
    added, removed, changed = [], [], []
    for formset in formsets:
        if formset.model is not Citation:
            continue
        deleted = set(formset.deleted_forms)
        for form in formset.initial_forms:
            if form.instance.pk is None:
                continue
            saved = Citation._base_manager.select_related("source").get(pk=form.instance.pk)
            if form in deleted:
                removed.append(saved)
            elif form.has_changed():
                new = changed_values(form, saved)
                if new:
                    changed.append((saved, new))
        for form in formset.extra_forms:
            if form in deleted or not form.has_changed() or not form.cleaned_data.get("source"):
                continue
            added.append(
                {
                    "source": form.cleaned_data["source"],
                    "supports": form.cleaned_data.get("supports", []),
                    "locator": form.cleaned_data.get("locator", ""),
                    "quotation": form.cleaned_data.get("quotation", ""),
                }
            )
    return {"citations_added": added, "citations_removed": removed, "citations_changed": changed}


def proposal_message(request, record, proposal) -> None:
    """Tell the proposer what happened to their change."""
    if proposal is None:
        messages.info(request, _("Nothing changed in “%(record)s”.") % {"record": record})
        return
    messages.success(
        request,
        _(
            "Your change to “%(record)s” is kept as a proposal for an editor. The public "
            "site shows the published version until an editor publishes it."
        )
        % {"record": record},
    )


def open_proposals(record) -> list[Proposal]:
    """The record's open proposals, each with its diff rows, for its admin page."""
    found = list(Proposal.objects.for_record(record).open().select_related("proposer"))
    for proposal in found:
        proposal.record = record
        proposal.rows = proposal.field_rows()
        proposal.citation_changes = proposal.citation_rows()
        proposal.stale = any(r["stale"] for r in [*proposal.rows, *proposal.citation_changes])
    return found


class ReadOnlyAdmin(TrackerAdmin):
    """Rows written only by the workflow: people read them, never add, edit or delete."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    """Every proposal and its outcome; decisions are posted from the record's page."""

    list_display = ["__str__", "kind", "proposer", "created_at", "status", "decided_by", "outcome"]
    list_filter = ["status", "content_type", "proposer"]
    list_select_related = ["proposer", "decided_by", "content_type"]
    date_hierarchy = "created_at"
    fields = [
        "record_link",
        "proposer",
        "created_at",
        "note",
        "status",
        "decided_by",
        "decided_at",
        "decision_note",
    ]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("kind"))
    def kind(self, obj):
        return obj.content_type.model

    @admin.display(description=gettext_lazy("editor's note"))
    def outcome(self, obj):
        return obj.decision_note

    @admin.display(description=gettext_lazy("record"))
    def record_link(self, obj):
        record = obj.record
        if record is None:
            return "—"
        url = reverse(f"admin:tracker_{obj.content_type.model}_change", args=[record.pk])
        return format_html('<a href="{}">{}</a>', url, record)

    def get_urls(self):
        decide = self.admin_site.admin_view(self.decide_view)
        return [
            path("<int:pk>/decide/", decide, name="tracker_proposal_decide"),
            *super().get_urls(),
        ]

    def decide_view(self, request, pk):
        """Publish, reject or rebase one proposal; back to the record's page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        proposal = get_object_or_404(Proposal, pk=pk)
        model = proposal.content_type.model
        record_url = reverse(f"admin:tracker_{model}_change", args=[proposal.object_id])
        note = request.POST.get("decision_note", "")
        can_publish = request.user.has_perm(f"tracker.publish_{model}")
        if "_rebase" in request.POST and (can_publish or proposal.proposer == request.user):
            proposal.rebase()
            self.message_user(request, _("The proposal now builds on the current version."))
        elif not can_publish or proposal.status != Proposal.Status.OPEN:
            self.message_user(request, _("You may not decide this proposal."), messages.ERROR)
        elif "_publish_proposal" in request.POST:
            if not note.strip():
                self.message_user(
                    request,
                    _("Write the public note the corrections log shows, then publish."),
                    messages.ERROR,
                )
                return HttpResponseRedirect(record_url)
            try:
                proposal.publish(request.user, note)
            except StateChangeRefused as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
            else:
                self.message_user(request, _("Proposal published."), messages.SUCCESS)
        elif "_reject_proposal" in request.POST:
            proposal.reject(request.user, note)
            self.message_user(request, _("Proposal rejected; the published version stays."))
        return HttpResponseRedirect(record_url)


@admin.register(Correction)
class CorrectionAdmin(ReadOnlyAdmin):
    """The public corrections log, read-only: entries are written by publishing."""

    list_display = ["date", "kind", "record_key", "withdrawal", "note", "editor"]
    list_filter = ["kind", "withdrawal"]
    search_fields = ["record_key", "record_label", "note"]
    date_hierarchy = "date"
