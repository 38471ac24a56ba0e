"""A record's history as a reviewer reads it, and restoring one of its versions.

The history page (django-simple-history's) lists what a creation set and the
record's citations' changes. Restoring a version fills the record's own form
with it, so the restore goes through the same rules as any change: on a
published record a Researcher's becomes a proposal and an editor's, with its
public note, is logged in the corrections log. A version of a deleted record
brings it back as a draft; one that cannot be restored (its station was
deleted too, its source is cited there again) is refused by the form, with
the reason.
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from ..models import ChangeRefused, Citation, ConcurrentEditError, State

#: Fields a history entry never lists: bookkeeping, not facts.
BOOKKEEPING = {"id", "version", "created_at", "updated_at", "search_text"}


def created_values(record, model) -> list[dict]:
    """The non-blank values a "Created" history entry set, in the form simple-history lists."""
    rows = []
    for field in model._meta.concrete_fields:
        if (
            field.name in BOOKKEEPING
            or field.name.startswith(("url_", "archived_"))
            and (not field.editable)
        ):
            continue
        value = getattr(record, field.attname, None)
        if value in (None, "", [], {}):
            continue
        if field.is_relation:
            try:
                related = getattr(record, field.name)
            except ObjectDoesNotExist:
                related = None
            # The history keeps the key of a row deleted since (a bureau, a source).
            value = related or _("%(key)s (deleted since)") % {"key": value}
        elif field.choices:
            value = dict(field.flatchoices).get(value, value)
        rows.append({"field": capfirst(field.verbose_name), "old": "", "new": value})
    return rows


def citation_history(record, limit: int = 100) -> list:
    """The history rows of the citations of ``record`` (added, changed, removed), newest first."""
    kind = record._meta.model_name
    rows = (
        Citation.history.filter(**{f"{kind}_id": record.pk})
        .select_related("history_user", "source")
        .order_by("-history_date", "-history_id")[:limit]
    )
    entries = []
    for row in rows:
        entries.append(
            {
                "date": row.history_date,
                "type": row.get_history_type_display(),
                "user": row.history_user,
                "source": row.source,
                "text": ", ".join(
                    part
                    for part in (
                        row.locator and _("locator: %(v)s") % {"v": row.locator},
                        row.quotation and _("quotation: “%(v)s”") % {"v": row.quotation[:80]},
                        row.supports and _("supports: %(v)s") % {"v": ", ".join(row.supports)},
                    )
                    if part
                ),
            }
        )
    return entries


def checked_id(model, value):
    """``value`` as ``model``'s primary key; 404 for an address that cannot name a row."""
    try:
        return model._meta.pk.to_python(unquote(value))
    except ValidationError:
        raise Http404 from None


class ReviewHistoryMixin:
    """simple-history's history page, with creations' values and the record's citations."""

    object_history_template = "admin/tracker/object_history.html"

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        for entry in historical_records:
            if entry.history_type == "+" and not getattr(entry, "history_delta_changes", None):
                entry.history_delta_changes = created_values(entry, self.model)

    def history_view(self, request, object_id, extra_context=None):
        extra_context = dict(extra_context or {})
        if getattr(self.model, "requires_citation", False):
            record = self.model._base_manager.filter(pk=checked_id(self.model, object_id)).first()
            if record is not None:
                extra_context["citation_history"] = citation_history(record)
        return super().history_view(request, object_id, extra_context)


#: The history's reason for a change made by restoring a version.
RESTORE_REASON = "Restored an earlier version"


def restoring(request) -> bool:
    """Whether this request restores a version from the record's history."""
    return getattr(request, "_restoring", False)


class RestoreMixin:
    """simple-history's restore, as a change through the record's form (see the module)."""

    def history_view(self, request, object_id, extra_context=None):
        checked_id(self.model, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        checked_id(self.model, object_id)
        checked_id(self.model.history.model, version_id)
        request._restoring = True
        try:
            with transaction.atomic():
                return super().history_form_view(request, object_id, version_id, extra_context)
        except (ConcurrentEditError, ChangeRefused) as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The restore loads an old copy, carrying the old version and state.
        if obj is not None and restoring(request):
            current = type(obj)._base_manager.filter(pk=obj.pk).first()
            if current is None:
                # Deleted since: saving adds it again, under its old id.
                obj._state.adding = True
            # The editorial state is not part of a restore (state moves have their own
            # rules): a deleted record comes back as a draft.
            if hasattr(obj, "state"):
                obj.state = current.state if current is not None else State.DRAFT
            # The form carries the version current when it was opened.
            if current is not None and request.method != "POST":
                obj.version = current.version
        form = super().get_form(request, obj, change, **kwargs)
        form.restoring = restoring(request)
        return form

    def save_model(self, request, obj, form, change):
        if restoring(request):
            obj._change_reason = RESTORE_REASON
        super().save_model(request, obj, form, change)
