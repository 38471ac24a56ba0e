"""Proposed changes to published records: how "published means reviewed" holds.

The design, in one place
------------------------
A change to a published station, event or source by someone without
``publish_<model>`` is not applied: it is kept as a ``Proposal``, a revision
row holding only what the proposer changed:

- ``changes``: the new value of each changed field (relations as lists of
  primary keys), JSON;
- ``base``: the value each of those fields had when the proposal was made,
  and ``base_version``, the record's ``version`` then;
- ``citations``: citations added (source, supports, locator, quotation), removed (id)
  and changed (id and new values, a move to another record included).

We chose a revision model over a draft copy of the record (which would need a
second row per record, and every unique constraint and public query to know
about it) and over replaying django-simple-history rows (which hold whole
records, so two proposals would overwrite each other's untouched fields).
Holding only the changed fields keeps each person's work separate: two
proposals on one record are both kept and shown; publishing one changes the
record, and any other proposal whose ``base`` no longer matches the current
published value of a field it touches is shown as *stale*, field by field.
Nothing is lost: the editor sees the stale proposal against the current
published version and may still publish it (its values win for the fields it
names), or the proposer rebases it onto the current version.

Publishing a proposal, like an editor's own edit, writes a corrections-log
entry (``Correction``) with the editor's public note when the record's public
facts changed.

Writers do not call ``propose`` themselves: ``amendments.amend`` decides
whether a change is proposed or written, and publishing a proposal goes
through it too. ``propose(record, changes, user, citations_added=...)`` stores
a change as a proposal and returns it (or None when nothing differs from the
published version); ``log_published_change`` logs a written change, given
``public_facts(record)`` taken before it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .corrections import SHORT_VALUE, Correction
from .editorial import State, StateChangeRefused

#: The citation fields a proposal may change.
CITATION_FIELDS = ("source", "station", "event", "supports", "locator", "quotation")


# --- Values: what a field holds, as JSON and as text -------------------------------------


def json_value(value):
    """A model value in the JSON form proposals store (dates as ISO text, decimals as text)."""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def field_value(record, name: str):
    """The JSON-able value of ``record``'s field ``name`` (relations as sorted keys)."""
    field = record._meta.get_field(name)
    if field.many_to_many:
        if record.pk is None:
            return []
        return sorted(str(pk) for pk in getattr(record, name).values_list("pk", flat=True))
    return json_value(field.value_from_object(record))


def form_value(field, value):
    """A form's cleaned value in the form ``field_value`` gives."""
    if field.many_to_many:
        return sorted(str(obj.pk) for obj in value or [])
    if field.is_relation:
        return None if value is None else json_value(value.pk)
    return json_value(value)


def display_value(model, name: str, value) -> str:
    """A value as a person reads it: a related record's name, a choice's label."""
    field = model._meta.get_field(name)
    if value in (None, "", []):
        return "—"
    if field.many_to_many or field.is_relation:
        keys = value if isinstance(value, list) else [value]
        related = field.related_model._base_manager.filter(pk__in=keys)
        return ", ".join(sorted(str(obj) for obj in related)) or "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    return str(value)


def set_value(record, name: str, value) -> None:
    """Set ``record``'s field ``name`` from a value in JSON form (a relation: its key)."""
    field = record._meta.get_field(name)
    if field.is_relation:
        value = None if value is None else field.target_field.to_python(value)
        setattr(record, field.attname, value)
    else:
        setattr(record, field.attname, field.to_python(value))


def _citation_label(citation_or_key, locator="") -> str:
    key = getattr(getattr(citation_or_key, "source", None), "key", citation_or_key)
    locator = getattr(citation_or_key, "locator", locator)
    return f"{key} ({locator})" if locator else str(key)


def public_facts(record) -> dict:
    """The record's public facts: every public field, and its citations as text."""
    facts = {name: field_value(record, name) for name in record.public_field_names()}
    if hasattr(record, "citations") and record.record_kind != "source":
        facts["citations"] = sorted(
            _citation_label(c) for c in record.citations.select_related("source")
        )
    return facts


def fact_changes(model, before: dict, after: dict) -> list[dict]:
    """The log's list of changed fields, with old → new for short values."""
    rows = []
    for name, new in after.items():
        old = before.get(name)
        if old == new:
            continue
        if name == "citations":
            label, old_text, new_text = gettext("citations"), "; ".join(old), "; ".join(new)
        else:
            field = model._meta.get_field(name)
            label = str(field.verbose_name)
            old_text, new_text = display_value(model, name, old), display_value(model, name, new)
            if isinstance(field, models.TextField):
                old_text = new_text = None
        if old_text is not None and max(len(old_text), len(new_text)) > SHORT_VALUE:
            old_text = new_text = None
        rows.append({"field": name, "label": label, "old": old_text, "new": new_text})
    return rows


def log_published_change(record, before: dict, user, note: str):
    """Log an editor's change to a published record's public facts; None if none changed."""
    if record.state != State.PUBLISHED:
        return None
    changes = fact_changes(type(record), before, public_facts(record))
    if not changes:
        return None
    return Correction.objects.log_change(record, user, note, changes)


# --- Proposals ---------------------------------------------------------------------------


class ProposalQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Proposal.Status.OPEN)

    def for_record(self, record):
        return self.filter(
            content_type=ContentType.objects.get_for_model(record), object_id=record.pk
        )


class Proposal(models.Model):
    """A change to a published record, kept until an editor publishes or rejects it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="proposals",
        verbose_name=_("proposed by"),
    )
    created_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    base_version = models.PositiveIntegerField(_("based on version"))
    base = models.JSONField(_("values it was based on"), default=dict)
    changes = models.JSONField(_("proposed values"), default=dict)
    citations = models.JSONField(_("citation changes"), default=dict)
    note = models.TextField(_("proposer's note"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("editor's note"), blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("proposed change")
        verbose_name_plural = _("proposed changes")
        indexes = [
            # A record's open proposals, shown on its admin page.
            models.Index(fields=["content_type", "object_id", "status"], name="proposal_record"),
        ]

    def __str__(self):
        return gettext("Proposal %(number)s on %(record)s") % {
            "number": self.pk,
            "record": self.record,
        }

    # --- Reading: the diff against the current published version ---

    def field_rows(self) -> list[dict]:
        """Each proposed field: label, current (published) value, proposed value, stale."""
        record, model = self.record, self.content_type.model_class()
        rows = []
        for name, new in self.changes.items():
            current = field_value(record, name)
            rows.append(
                {
                    "label": model._meta.get_field(name).verbose_name,
                    "current": display_value(model, name, current),
                    "proposed": display_value(model, name, new),
                    "stale": current != self.base.get(name),
                    "based_on": display_value(model, name, self.base.get(name)),
                }
            )
        return rows

    def citation_rows(self) -> list[dict]:
        """Citations added, removed or changed, as text, with what no longer exists."""
        from .citations import Citation
        from .sources import Source

        existing = {c.pk: c for c in self.record.citations.select_related("source")}
        keys = dict(Source.objects.values_list("pk", "key"))
        rows = []
        for added in self.citations.get("added", []):
            label = _citation_label(keys.get(added["source"], "?"), added.get("locator", ""))
            rows.append({"action": gettext("added"), "text": label, "stale": False})
        for removed in self.citations.get("removed", []):
            citation = existing.get(removed["id"])
            text = _citation_label(citation) if citation else removed.get("label", "")
            rows.append({"action": gettext("removed"), "text": text, "stale": citation is None})
        for changed in self.citations.get("changed", []):
            citation = existing.get(changed["id"])
            before = _citation_label(citation) if citation else changed.get("label", "")
            parts = []
            for name, value in changed["new"].items():
                parts.append(f"{name}: {display_value(Citation, name, value)}")
            rows.append(
                {
                    "action": gettext("changed"),
                    "text": f"{before} → {'; '.join(parts)}",
                    "stale": citation is None,
                }
            )
        return rows

    @property
    def is_stale(self) -> bool:
        """Whether a published change since the proposal touched what it changes."""
        return any(row["stale"] for row in self.field_rows()) or any(
            row["stale"] for row in self.citation_rows()
        )

    # --- Deciding ---

    def publish(self, user, note: str = ""):
        """Apply the proposal to the published record and log it; returns the log entry.

        The change goes through ``amendments.amend`` as the editor's own:
        checked against the record as it is now (a proposal made stale by a
        later change may break a rule, or add a citation someone added
        meanwhile), written and logged. Raises ``StateChangeRefused``
        (``ChangeRefused`` with the reasons) when it would break a rule; then
        nothing is applied and the proposal stays open.
        """
        from .amendments import amend

        if self.status != self.Status.OPEN:
            raise StateChangeRefused(gettext("This proposal was already decided."))
        model = self.content_type.model_class()
        if user is not None and not user.has_perm(f"tracker.publish_{model._meta.model_name}"):
            raise StateChangeRefused(gettext("Only an editor may publish a proposal."))
        with transaction.atomic():
            record = model._base_manager.get(pk=self.object_id)
            outcome = amend(
                record,
                user,
                changes=self.changes,
                citations_added=self.citations.get("added", []),
                citations_removed=[removed["id"] for removed in self.citations.get("removed", [])],
                citations_changed=[
                    (changed["id"], changed["new"]) for changed in self.citations.get("changed", [])
                ],
                note=note,
                reason=gettext("Published proposal %(number)s") % {"number": self.pk},
            )
            self.status = self.Status.PUBLISHED
            self._decide(user, note)
        return outcome.corrections[0] if outcome.corrections else None

    def reject(self, user, note: str = "") -> None:
        """Close the proposal unapplied; the published version stays as it is."""
        self.status = self.Status.REJECTED
        self._decide(user, note)

    def _decide(self, user, note):
        self.decided_by = user
        self.decided_at = timezone.now()
        self.decision_note = note.strip()
        self.save()

    def rebase(self) -> None:
        """Take the current published values as the base, keeping the proposed values."""
        record = self.record
        self.base = {name: field_value(record, name) for name in self.changes}
        self.base_version = record.version
        self.save(update_fields=["base", "base_version"])


def source_pk(source) -> int:
    """The primary key of a source given as a Source, its key or its primary key."""
    from .sources import Source

    if isinstance(source, Source):
        return source.pk
    if isinstance(source, int):
        return source
    return Source.objects.get(key=source).pk


def propose(
    record,
    changes: dict,
    user,
    *,
    citations_added=(),
    citations_removed=(),
    citations_changed=(),
    note: str = "",
):
    """Keep a change to a published ``record`` as a proposal; None when nothing differs.

    ``changes`` maps field names to new values (model values or their JSON
    form; relations as objects or primary keys, many-to-many as lists).
    ``citations_added`` holds dicts ``{"source": Source|key|pk, "supports",
    "locator", "quotation"}``; ``citations_removed`` Citations (or ids); ``citations_changed``
    ``(citation, {field: new value})`` pairs. The record is not changed.
    """
    model = type(record)
    proposed, base = {}, {}
    for name, value in changes.items():
        field = model._meta.get_field(name)
        if field.many_to_many:
            value = sorted(str(getattr(v, "pk", v)) for v in value)
        elif field.is_relation:
            value = json_value(getattr(value, "pk", value))
        else:
            value = json_value(value)
        current = field_value(record, name)
        if value != current:
            proposed[name], base[name] = value, current
    citations = {}
    if citations_added:
        citations["added"] = [
            {
                "source": source_pk(c["source"]),
                "supports": list(c.get("supports", [])),
                "locator": c.get("locator", ""),
                "quotation": c.get("quotation", ""),
            }
            for c in citations_added
        ]
    if citations_removed:
        citations["removed"] = [
            {"id": getattr(c, "pk", c), "label": _citation_label(c) if hasattr(c, "pk") else ""}
            for c in citations_removed
        ]
    if citations_changed:
        citations["changed"] = [
            {
                "id": c.pk,
                "label": _citation_label(c),
                "new": {k: json_value(getattr(v, "pk", v)) for k, v in new.items()},
            }
            for c, new in citations_changed
            if new
        ]
    if not proposed and not citations:
        return None
    return Proposal.objects.create(
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        proposer=user,
        base_version=record.version,
        base=base,
        changes=proposed,
        citations=citations,
        note=note.strip(),
    )


def needs_proposal(record, user, *, state=None) -> bool:
    """Whether ``user``'s change to ``record`` must wait for an editor.

    ``state``: the record's saved state, when the caller has it (else it is
    read). The site's operator (``user`` None: the command line, the seed) is
    trusted.
    """
    if user is None:
        return False
    if state is None:
        saved = type(record)._base_manager.filter(pk=record.pk).values_list("state", flat=True)
        state = saved.first()
    return state == State.PUBLISHED and not user.has_perm(
        f"tracker.publish_{record._meta.model_name}"
    )
