"""One door for changing a station, event or source: proposed or written, checked, logged.

Every writer of an existing curated record (the admin's forms and history
restores, a station's event links, the spreadsheet import's rows on
published records, publishing a proposal) hands its change to ``amend()``,
which keeps the editorial rules in one place:

- **Who.** A change to a published record by someone without
  ``publish_<model>`` is kept as a ``Proposal`` (curators' own notes, never
  public, are saved at once). Anyone else's change is written. ``user=None``
  is the site's operator (``import_sheet`` on the command line, ``seed``),
  who is trusted.
- **What may be written.** The record as changed passes its own validation
  (``full_clean``: each field, ``clean()`` and the constraints, in the plain
  sentences of ``rules.py``); so does each citation added or changed (one
  citation per source and record), and the links point at records that
  exist. A refused change raises ``ChangeRefused`` with every reason and
  writes nothing. ``check_amendment()`` gives the same reasons without
  writing, for an import's check of each row.
- **Withdrawals.** A move out of ``published`` needs the note as its public
  reason and is logged as a withdrawal (``Editorial.move_to``); the record's
  URL then answers 410.
- **The corrections log.** Every written change to a published record's
  public facts (fields, links, citations) is logged with the note; a citation
  moved between two published records changes, and logs, both.
- **Versions.** A written record's ``version`` moves, and so does that of
  every station gaining or losing a link to an event (``links_changed``): the
  station's form shows its events as the event's form shows its stations, and
  the optimistic locking compares versions.

A new record is not amended (it starts as a draft); only its links need
``links_changed``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext

from .corrections import Correction
from .editorial import ChangeRefused, ConcurrentEditError, State, StateChangeRefused, Versioned
from .proposals import (
    CITATION_FIELDS,
    field_value,
    json_value,
    log_published_change,
    needs_proposal,
    propose,
    public_facts,
    set_value,
    source_pk,
)
from .rules import RULES, constraint_message

#: Link keys updated per statement when their records' versions move.
LINK_CHUNK = 500


def links_changed(model, keys) -> None:
    """Move the version of the ``model`` records in ``keys``: their links changed.

    Records without a version (countries) are left alone.
    """
    if not issubclass(model, Versioned):
        return
    keys = list(keys)
    for start in range(0, len(keys), LINK_CHUNK):
        model._base_manager.filter(pk__in=keys[start : start + LINK_CHUNK]).update(
            version=F("version") + 1
        )


def links_created(record) -> None:
    """A new record's links: the versions of the records it links to move."""
    for relation in type(record)._meta.many_to_many:
        links_changed(
            relation.related_model, getattr(record, relation.name).values_list("pk", flat=True)
        )


@dataclass
class Outcome:
    """What ``amend()`` did to the record (``record``: as it stands now)."""

    record: object
    #: The change waits for an editor; ``proposal`` is None when nothing differed.
    proposing: bool = False
    proposal: object = None
    #: Something of the record, its links or its citations was written.
    written: bool = False
    #: Corrections-log entries written (changes and a withdrawal).
    corrections: list = field(default_factory=list)
    #: Citations created.
    citations: list = field(default_factory=list)


def amend(record, user, *, changes=None, citations_added=(), citations_removed=(),
          citations_changed=(), state=None, note="", seen_version=None, reason=""):  # fmt: skip
    """Propose or write a change to the saved ``record``; the ``Outcome``.

    ``changes`` maps field names to new values (model values, related objects
    or keys, or their JSON form; many-to-many as lists). ``citations_added``
    holds dicts ``{"source": Source|key|pk, "supports", "locator",
    "quotation"}``; ``citations_removed`` Citations or ids; ``citations_changed``
    ``(Citation or id, {field: new value})`` pairs. ``state`` asks for a move
    (a withdrawal takes ``note`` as its public reason); ``note`` is the public
    note of the log (or the proposer's note to the editor); ``reason`` goes to
    the history. ``seen_version``: the version the writer saw, if it may be
    stale (``ConcurrentEditError``). Raises ``ChangeRefused`` with every reason
    when the change would break a rule; nothing is written then.
    """
    model = type(record)
    with transaction.atomic():
        current = model._base_manager.select_for_update().get(pk=record.pk)
        if seen_version is not None and seen_version != current.version:
            raise ConcurrentEditError(current, current.last_changed_by())
        change = Amendment(
            current, changes, citations_added, citations_removed, citations_changed, state, note
        )
        if needs_proposal(current, user, state=current.state):
            return change.propose(user, reason)
        if errors := change.problems():
            raise ChangeRefused(current, errors)
        return change.write(user, reason)


def check_amendment(record, user, **change) -> list[tuple[str, str]]:
    """What ``amend()`` would refuse in this change, as ``(field, sentence)`` pairs; writes nothing.

    A change that will be proposed is checked when an editor publishes it.
    """
    current = type(record)._base_manager.get(pk=record.pk)
    if needs_proposal(current, user, state=current.state):
        return []
    return Amendment(current, **change).problems()


class Amendment:
    """One change to one saved record: the fields and links that differ, and its citations."""

    def __init__(self, record, changes=None, citations_added=(), citations_removed=(),
                 citations_changed=(), state=None, note=""):  # fmt: skip
        from .citations import Citation

        self.record = record
        self.state = state if state is not None and state != record.state else None
        self.note = note or ""
        model = type(record)
        #: Field name -> new value in JSON form, for the fields that differ.
        self.fields: dict = {}
        #: Many-to-many name -> the keys it will hold, for the relations that differ.
        self.links: dict = {}
        for name, value in (changes or {}).items():
            relation = model._meta.get_field(name)
            if relation.many_to_many:
                to_key = relation.related_model._meta.pk.to_python
                keys = {to_key(getattr(v, "pk", v)) for v in value}
                if keys != set(getattr(record, name).values_list("pk", flat=True)):
                    self.links[name] = keys
                continue
            if relation.is_relation:
                value = getattr(value, "pk", value)
            value = json_value(value)
            if value != field_value(record, name):
                self.fields[name] = value
        existing = {c.pk: c for c in self._load(Citation, citations_removed, citations_changed)}
        self.removed = [existing[key] for key in map(_key, citations_removed) if key in existing]
        self.changed = []
        for citation, new in citations_changed:
            saved = existing.get(_key(citation))
            new = {name: json_value(getattr(v, "pk", v)) for name, v in new.items()}
            new = {n: v for n, v in new.items() if n in CITATION_FIELDS}
            if saved is not None and any(v != field_value(saved, n) for n, v in new.items()):
                self.changed.append((saved, new))
        self.added = []
        for added in citations_added:
            added = {
                "source": source_pk(added["source"]),
                "supports": list(added.get("supports", [])),
                "locator": added.get("locator", ""),
                "quotation": added.get("quotation", ""),
            }
            # Removing a citation and adding one of the same source is changing it.
            same = next((c for c in self.removed if c.source_id == added["source"]), None)
            if same is None:
                self.added.append(added)
                continue
            self.removed.remove(same)
            new = {n: added[n] for n in ("supports", "locator", "quotation")}
            if any(v != field_value(same, n) for n, v in new.items()):
                self.changed.append((same, new))

    @staticmethod
    def _load(model, removed, changed) -> list:
        keys = [_key(c) for c in removed] + [_key(c) for c, _new in changed]
        if not keys:
            return []
        return list(model._base_manager.filter(pk__in=keys).select_related("source"))

    @property
    def is_empty(self) -> bool:
        return not (
            self.fields or self.links or self.added or self.removed or self.changed or self.state
        )

    # --- Proposing ---

    def propose(self, user, reason) -> Outcome:
        """Keep the public part as a proposal; save curators' notes at once."""
        record = self.record
        if self.state is not None:
            raise ChangeRefused(
                record,
                [("state", gettext("Only an editor may publish or withdraw a published record."))],
            )
        private = {n: v for n, v in self.fields.items() if n in record.PRIVATE_FIELDS}
        if private:
            for name, value in private.items():
                set_value(record, name, value)
            record._history_user = user
            record._change_reason = reason or None
            record.save()
        public = {n: v for n, v in self.fields.items() if n not in private}
        public.update({name: sorted(keys) for name, keys in self.links.items()})
        proposal = propose(
            record,
            public,
            user,
            citations_added=self.added,
            citations_removed=self.removed,
            citations_changed=self.changed,
            note=self.note,
        )
        return Outcome(record, proposing=True, proposal=proposal, written=bool(private))

    # --- Checking ---

    def problems(self) -> list[tuple[str, str]]:
        """Every rule the change would break, as ``(field, plain sentence)``; none: []."""
        from .citations import Citation

        record = self.record
        errors = []
        if self.state is not None and (blocker := record.move_blocker(self.state, self.note)):
            errors.append(("state", blocker))
        if self.fields:
            candidate = copy.copy(record)
            for name, value in self.fields.items():
                set_value(candidate, name, value)
            errors += _validation_errors(candidate)
        for name, keys in self.links.items():
            related = type(record)._meta.get_field(name).related_model
            found = set(related._base_manager.filter(pk__in=keys).values_list("pk", flat=True))
            if keys - found:
                errors.append(
                    (name, gettext("Some of the linked records no longer exist: reload and retry."))
                )
        sources = set()
        for added in self.added:
            if added["source"] in sources:
                errors.append(
                    ("citations", constraint_message(f"citation_unique_{record.record_kind}"))
                )
            sources.add(added["source"])
            citation = Citation(
                source_id=added["source"],
                supports=added["supports"],
                locator=added["locator"],
                quotation=added["quotation"],
                **{record.record_kind: record},
            )
            errors += _validation_errors(citation, "citations")
        for saved, new in self.changed:
            candidate = copy.copy(saved)
            for name, value in new.items():
                set_value(candidate, name, value)
            errors += _validation_errors(candidate, "citations")
            if blocker := saved.removal_blocker(moving_to=candidate.record):
                errors.append(("citations", blocker))
        return errors

    # --- Writing ---

    def write(self, user, reason) -> Outcome:
        """Write the change, log what the public sees change, make the move; the ``Outcome``."""
        from .citations import Citation

        record = self.record
        outcome = Outcome(record, written=not self.is_empty)
        # A citation moving between records changes the facts of both.
        touched = {(record.record_kind, record.pk): record}
        for saved, _new in self.changed:
            for other in (saved.record, _moved_to(saved, _new)):
                if other is not None:
                    touched.setdefault((other.record_kind, other.pk), other)
        before = [(r, public_facts(r)) for r in touched.values() if r.state == State.PUBLISHED]
        try:
            with transaction.atomic():
                record._history_user = user
                record._change_reason = reason or None
                for name, keys in self.links.items():
                    manager = getattr(record, name)
                    old = set(manager.values_list("pk", flat=True))
                    manager.set(keys)
                    links_changed(manager.model, old ^ keys)
                if self.fields or self.links:
                    for name, value in self.fields.items():
                        set_value(record, name, value)
                    record.save()
                # Additions first, removals last: a swap never passes through zero citations.
                for added in self.added:
                    citation = Citation(
                        source_id=added["source"],
                        supports=added["supports"],
                        locator=added["locator"],
                        quotation=added["quotation"],
                        **{record.record_kind: record},
                    )
                    _stamp(citation, user, reason).save()
                    outcome.citations.append(citation)
                for saved, new in self.changed:
                    for name, value in new.items():
                        set_value(saved, name, value)
                    _stamp(saved, user, reason).save()
                for saved in self.removed:
                    _stamp(saved, user, reason).delete()
                for other, facts in before:
                    # As stored: the log compares what the public sees.
                    other.refresh_from_db()
                    entry = log_published_change(other, facts, user, self.note)
                    if entry is not None:
                        outcome.corrections.append(entry)
                if self.state is not None:
                    withdrawing = record.state == State.PUBLISHED
                    record.move_to(self.state, user=user, reason=self.note)
                    if withdrawing:
                        outcome.corrections.append(
                            Correction.objects.withdrawal_of(record.record_kind, record.public_key)
                        )
        except ChangeRefused:
            raise
        except StateChangeRefused as refusal:
            # The models' last word (a published record keeps a citation of a published
            # source; a move): the whole change is rolled back.
            raise ChangeRefused(record, [(NON_FIELD_ERRORS, str(refusal))]) from None
        except IntegrityError as error:
            # The checks above should have caught it: say which rule, write nothing.
            raise ChangeRefused(record, [(NON_FIELD_ERRORS, _integrity_message(error))]) from None
        return outcome


def _key(citation_or_id):
    return getattr(citation_or_id, "pk", citation_or_id)


def _moved_to(citation, new: dict):
    """The record a changed citation moves to, or None when it stays."""
    from .events import Event
    from .stations import Station

    if new.get("station"):
        return Station._base_manager.get(pk=new["station"])
    if new.get("event"):
        return Event._base_manager.get(pk=new["event"])
    return None


def _stamp(citation, user, reason):
    citation._history_user = user
    citation._change_reason = reason or None
    return citation


def _validation_errors(instance, as_field: str | None = None) -> list[tuple[str, str]]:
    """The rules ``instance`` breaks (``full_clean``, plain sentences), as ``(field, sentence)``."""
    try:
        instance.full_clean()
    except ValidationError as error:
        return [
            (as_field or name, str(message))
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return []


def _integrity_message(error) -> str:
    text = str(error)
    for name in RULES:
        if name in text:
            return constraint_message(name)
    return gettext("The database refused the change (%(error)s).") % {"error": text}
