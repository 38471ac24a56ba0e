"""The editorial rules of imports: who may change published records, what may be published.

"Published means reviewed" holds for imports as it does in the admin: when the
importing user lacks ``publish_<model>`` and a row changes a published station,
event or source (or adds or changes a citation of one), the row is not written
but kept as a ``Proposal`` (``tracker.models.proposals.propose``) for an editor.
The engine collects these during checking and creates one proposal per record,
in the import's transaction, after the bulk write. An import without a user
(``manage.py import_sheet``, the seed) is trusted: it writes as before.

A sheet publishing a station or event obeys ``Editorial.publish_blocker``'s
rule: it needs a citation of a published source (``publish_blocker`` below).
"""

from __future__ import annotations

from django.utils.translation import gettext

from ..models import State
from ..models.proposals import propose


class Proposals:
    """The changes an import keeps as proposals, grouped by the record they change."""

    def __init__(self, user):
        self.user = user
        self.records: dict = {}

    def needed(self, record) -> bool:
        """Whether a change to ``record`` (as loaded by the import) must wait for an editor."""
        if self.user is None or record is None or getattr(record, "pk", None) is None:
            return False
        if record.state != State.PUBLISHED:
            return False
        return not self.user.has_perm(f"tracker.publish_{record._meta.model_name}")

    def add(self, record, *, changes=None, added=(), changed=()) -> None:
        """Keep ``changes`` (field -> value) and citations added/changed for ``record``."""
        entry = self.records.setdefault(
            (record._meta.label, record.pk),
            {"record": record, "changes": {}, "added": [], "changed": []},
        )
        entry["changes"].update(changes or {})
        entry["added"] += list(added)
        entry["changed"] += list(changed)

    def create(self, note: str = "") -> list:
        """Store one proposal per record (few: per-row queries are fine); the proposals."""
        created = []
        for entry in self.records.values():
            record = entry["record"]
            # The import loaded only some fields of a citation's record: load it whole.
            record = type(record)._base_manager.get(pk=record.pk)
            proposal = propose(
                record,
                entry["changes"],
                self.user,
                citations_added=entry["added"],
                citations_changed=entry["changed"],
                note=note,
            )
            if proposal is not None:
                created.append(proposal)
        return created


def publish_blocker(run, key, instance, relations) -> str:
    """Why a row may not publish its station or event, or "" (``publish_blocker``'s rule).

    It needs a citation of a published source: one it has, or one its
    ``sources`` column adds; a source published by an earlier sheet of the
    same workbook counts as published.
    """
    cited = set(run.handler.cited.get(instance.pk, ())) if instance is not None else set()
    cited |= {source.key for source in relations.get("@sources", ())}
    if not cited:
        return (
            f"a published {run.handler.singular} needs a citation: list at least one "
            "source key in the sources column."
        )
    published_now = run.lookups.pending.get("published_sources", ())
    for source_key in cited:
        if source_key in published_now:
            return ""
        try:
            source = run.lookups.source(source_key)
        except ValueError:
            continue
        if getattr(source, "state", None) == State.PUBLISHED:
            return ""
    # The model's own words (Editorial.publish_blocker), with what a sheet can do.
    reason = gettext(
        "%(kind)s “%(record)s” cites no published source (only %(keys)s): publish "
        "it with its sources, or publish one of them first."
    ) % {
        "kind": run.handler.model._meta.verbose_name.capitalize(),
        "record": key,
        "keys": ", ".join(sorted(cited)),
    }
    return (
        reason
        + " "
        + gettext("In a workbook, publish the source in its sources sheet (it is imported first).")
    )
