"""The editorial rules of imports: rows on published records go through ``amend()``.

An import keeps the rules the admin's forms keep, through the same door
(``tracker.models.amendments.amend``): a row that changes a published
station, event or source (its fields, its ``state``, its links, its
``sources``), or adds or changes a citation of one, is not bulk-written.
The engine checks it with ``check_amendment`` while it checks the sheet (a
withdrawal without a public reason, a rule the record would break: the row
is rejected with its column), collects the rows per record, and after the
bulk writes hands each record's change to ``amend()``, which keeps it as a
proposal for a user without ``publish_<model>`` or writes it, logs it in the
corrections log with the import's public note (a withdrawal takes the note
as its reason) and moves the versions. Few rows touch published records, so
their per-row queries cost little; new records and drafts stay in the bulk
writes. An import without a user (``manage.py import_sheet``, the seed) runs
as the site's operator: trusted, it writes, and still logs and needs a
reason to withdraw.

A sheet publishing a station or event obeys ``Editorial.publish_blocker``'s
rule: it needs a citation of a published source (``publish_blocker`` below).
"""

from __future__ import annotations

from django.utils.translation import gettext

from ..models import State, amend, check_amendment, needs_proposal

#: What a rejected withdrawal adds to the model's reason: where a sheet gives the note.
NOTE_HINT = (
    "Give it as the import's public note: the Public note box of the import form, or "
    "--note on the command line."
)


class Amendments:
    """The changes an import makes to published records, grouped by record."""

    def __init__(self, user, note: str = "", reason: str = "", created: set | None = None):
        self.user = user
        self.note = note
        self.reason = reason
        #: ``(model label, pk)`` of the records an earlier sheet of the same load created:
        #: new, never seen published, they take their citations in bulk.
        self.created = created if created is not None else set()
        self.records: dict = {}

    def touches(self, record) -> bool:
        """Whether a change to ``record`` (as the import loaded it) goes through ``amend()``."""
        return (
            record is not None
            and getattr(record, "pk", None) is not None
            and record.state == State.PUBLISHED
            and (record._meta.label, record.pk) not in self.created
        )

    def proposing(self, record) -> bool:
        """Whether the change waits for an editor (the importer may not publish it)."""
        return needs_proposal(record, self.user, state=record.state)

    def problems(self, record, change: dict) -> list[tuple[str, str]]:
        """What ``amend()`` would refuse in one row's change, as ``(field, reason)``."""
        found = check_amendment(record, self.user, note=self.note, **change)
        # Without a note, a withdrawal's first refusal is the missing reason: say where it goes.
        withdrawing = change.get("state") not in (None, State.PUBLISHED)
        hint = withdrawing and not self.note.strip()
        return [
            (name, f"{message} {NOTE_HINT}" if hint and name == "state" else message)
            for name, message in found
        ]

    def add(self, record, change: dict) -> None:
        """Keep one row's change (``amendment()`` of its kind) with the record's others."""
        entry = self.records.setdefault(
            (record._meta.label, record.pk),
            {"record": record, "changes": {}, "added": [], "changed": [], "state": None},
        )
        entry["changes"].update(change.get("changes", {}))
        entry["added"] += change.get("citations_added", [])
        entry["changed"] += change.get("citations_changed", [])
        entry["state"] = change.get("state") or entry["state"]

    def write(self) -> list:
        """``amend()`` each record (per-record queries: few records); the outcomes."""
        outcomes = []
        for entry in self.records.values():
            record = entry["record"]
            proposing = self.proposing(record)
            outcomes.append(
                amend(
                    record,
                    self.user,
                    changes=entry["changes"],
                    citations_added=entry["added"],
                    citations_changed=entry["changed"],
                    state=entry["state"],
                    # A proposal's note is for the editor: the file's name helps there.
                    note=self.note or (self.reason if proposing else ""),
                    reason=self.reason,
                )
            )
        return outcomes


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
