"""A record's history as a reviewer reads it: what a creation set, and its citations' changes."""

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from ..models import Citation

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
            value = getattr(record, field.name, value)
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
            record = self.model._base_manager.filter(pk=object_id).first()
            if record is not None:
                extra_context["citation_history"] = citation_history(record)
        return super().history_view(request, object_id, extra_context)
