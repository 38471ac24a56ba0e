"""The import engine: check every row of a sheet, then write all of them or none.

One run reads a sheet's rows as they stream from the file, in batches: each
batch loads the records and references its rows name with a few queries,
and every row is checked and turned into a plan. Nothing is written while a
single row is rejected; when none is, the plans are written in bulk, with
their history, inside the caller's transaction (``importing.run``). Row
numbers in messages are the spreadsheet's own (the header is row 1).

What is particular to a kind (its key, references, links, how it is written)
lives in ``kinds.py``; the columns in ``columns.py``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

from ..models import State, StateChangeRefused
from .cells import SheetError, clean_cell, needs_care, unneutralise
from .columns import COLUMNS, quote
from .editorial import Amendments, publish_blocker
from .hints import new_row_preview
from .lookups import Lookups

#: Rows checked together: references and matched records load once per batch.
BATCH = 2_000
#: New and changed rows kept for a preview (the counts cover every row).
CHANGE_LIMIT = 200
NOTHING_CHANGED: frozenset = frozenset()


@dataclass(slots=True)
class Problem:
    """Why a row (or cell) was rejected, in the spreadsheet's own numbering."""

    row: int
    column: str
    message: str
    #: The row's key (code, slug or key) as the sheet wrote it, when it has one.
    key: str = ""

    def __str__(self):
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class Change:
    """One new or changed record, for the preview: changed columns as (column, old, new)."""

    row: int
    key: str
    action: str
    columns: list[tuple[str, str, str]] = field(default_factory=list)
    #: New rows: (column, resolved value) pairs and what to watch (``hints.new_row_preview``).
    details: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class SheetResult:
    """What an import of one sheet found: counts, rejected rows, the first changes."""

    kind: str
    counts: dict = field(
        default_factory=lambda: {
            "new": 0,
            "changed": 0,
            "proposed": 0,
            "unchanged": 0,
            "rejected": 0,
        }
    )
    problems: list[Problem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    version_digest: str = ""
    dry_run: bool = True
    #: Keep at most this many problems (None: all) and count the rest in
    #: ``problems_not_kept``: a page lists the first ones, and a file of a
    #: million wrong cells does not hold a million messages.
    problem_limit: int | None = None
    problems_not_kept: int = 0

    def add_problems(self, problems: list[Problem]) -> None:
        """Keep ``problems``, up to ``problem_limit``; count the ones beyond it."""
        kept = problems
        if self.problem_limit is not None:
            kept = problems[: max(self.problem_limit - len(self.problems), 0)]
        self.problems.extend(kept)
        self.problems_not_kept += len(problems) - len(kept)

    def summary(self) -> str:
        """``N new, N changed, N unchanged, N rejected`` (``N proposed`` after changed, if any).

        Proposed rows change published records and wait for an editor's review.
        """
        c = self.counts
        proposed = f"{c['proposed']} proposed, " if c.get("proposed") else ""
        return (
            f"{c['new']} new, {c['changed']} changed, {proposed}{c['unchanged']} unchanged, "
            f"{c['rejected']} rejected"
        )

    # What django-import-export's admin template asks of a result.
    def has_errors(self) -> bool:
        return False

    def has_validation_errors(self) -> bool:
        return bool(self.problems)


@dataclass(slots=True)
class Plan:
    """A checked row: the record it matches (None: new), its values and what changes."""

    number: int
    key: str
    instance: object
    values: dict
    changed: set
    relations: dict

    @property
    def is_new(self) -> bool:
        return self.instance is None


class CellError(ValueError):
    """A reason tied to a given column (for checks made outside the column's parser)."""

    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column


def sheet_handler(kind: str):
    """What the sheet of ``kind`` needs beyond its columns (tracker/importing/kinds.py)."""
    # Imported here: the handlers build on this module's results and errors.
    from .citations import CitationKind
    from .kinds import BureauKind, EventKind, SourceKind, StationKind

    handlers = {
        "bureaus": BureauKind,
        "sources": SourceKind,
        "stations": StationKind,
        "events": EventKind,
        "citations": CitationKind,
    }
    return handlers[kind]()


def _batches(iterable, size):
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


class ImportRun:
    """Checks one sheet's rows (``check``), then writes them (``write``) if none was rejected."""

    def __init__(self, kind: str, rows: Iterator, *, user=None, reason="", note="", pending=None,
                 created=None, progress=None, lock=False, keep_plans=True,
                 problem_limit=None):  # fmt: skip
        self.kind = kind
        self.handler = sheet_handler(kind)
        self.columns = COLUMNS[kind]
        self.rows = rows
        self.user = user
        self.reason = reason
        self.lookups = Lookups(pending)
        self.progress = progress
        self.lock = lock
        self.result = SheetResult(kind, problem_limit=problem_limit)
        self.plans: list[Plan] = []
        #: A dry run only counts: no plans kept, so it runs in constant memory.
        self.keep_plans = keep_plans
        self.keys: dict[str, int] = {}
        #: Rows changing published records: written (or proposed) through amend(), not in bulk.
        #: ``created``: shared by the sheets of one load (a workbook, the seed), which
        #: fill in the citations of the records they create without logging them.
        self.amendments = Amendments(user, note=note, reason=reason, created=created)
        #: Keys of the records this sheet publishes (a workbook's later sheets may cite them).
        self.published_keys: set[str] = set()

    def header(self, number: int, values: list[str]) -> dict[str, int]:
        """Map the sheet's columns to positions; one message for every header problem."""
        if number != 1:
            raise SheetError("The first row must hold the column names, and it is empty.")
        names = [col.name for col in self.columns]
        positions: dict[str, int] = {}
        unknown, duplicate = [], []
        self.unnamed = []
        for index, raw in enumerate(values):
            name = raw.strip().lower()
            if not name:
                self.unnamed.append(index)
            elif name not in names:
                unknown.append(quote(raw.strip()))
            elif name in positions:
                duplicate.append(name)
            else:
                positions[name] = index
        messages = []
        if unknown:
            messages.append(
                f"Unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}: "
                f"{self.kind} sheets have the columns {', '.join(names)}."
            )
        if duplicate:
            messages.append(f"Column {', '.join(duplicate)} appears more than once.")
        missing = self.handler.missing_header(positions)
        if missing:
            messages.append(missing)
        if messages:
            raise SheetError(" ".join(messages))
        return positions

    def check(self) -> SheetResult:
        """Read and check every row; plans for the valid ones, problems for the rest."""
        first = next(self.rows, None)
        if first is None:
            raise SheetError("The file is empty.")
        positions = self.header(*first)
        present = [col for col in self.columns if col.name in positions]
        value_cols = [col for col in present if col.name not in self.handler.key_columns]
        seen: dict[str, int] = {}
        stamps: dict[str, str] = {}
        done = 0
        for batch in _batches(self.rows, BATCH):
            cells_batch = [self.read_cells(n, values, positions) for n, values in batch]
            cells_batch = [item for item in cells_batch if item is not None]
            self.handler.prepare(self, [cells for _, cells, _ in cells_batch])
            existing = self.handler.load_existing(self, [c for _, c, _ in cells_batch])
            for number, cells, problems in cells_batch:
                self.check_row(number, cells, problems, existing, seen, stamps, present,
                               value_cols)  # fmt: skip
            done += len(batch)
            if self.progress:
                self.progress(done)
        self.keys = seen
        self.result.version_digest = self.digest(stamps)
        return self.result

    def read_cells(self, number, values, positions):
        """The row's cells by column name, stripped, checked and un-neutralised."""
        problems = []
        count = len(values)
        cells = {name: values[i].strip() if i < count else "" for name, i in positions.items()}
        joined = "".join(cells.values())
        if needs_care(joined):
            for name, value in cells.items():
                try:
                    cells[name] = unneutralise(clean_cell(value))
                except ValueError as error:
                    problems.append(Problem(number, name, str(error)))
                    cells[name] = ""
        for index in self.unnamed:
            if index < count and values[index].strip():
                raise SheetError(
                    f"Row {number} has data in column {index + 1}, which has no name in the "
                    "header: name it or remove it."
                )
        return (number, cells, problems) if joined else None

    def check_row(self, number, cells, problems, existing, seen, stamps, present, value_cols):
        handler = self.handler
        key = None
        try:
            key = handler.row_key(self, cells)
        except CellError as error:
            problems.append(Problem(number, error.column, str(error)))
        except ValueError as error:
            problems.append(Problem(number, handler.key_columns[0], str(error)))
        if key is not None:
            if key in seen:
                problems.append(
                    Problem(number, handler.key_columns[0], f"{key} is also on row {seen[key]}.")
                )
                key = None
            else:
                seen[key] = number
        instance = existing.get(key) if key is not None else None
        if key is not None:
            stamps[key] = handler.stamp(instance)
        values: dict = {}
        for col in value_cols:
            try:
                values.update(col.parse(cells[col.name], self.lookups))
            except ValueError as error:
                problems.append(Problem(number, col.name, str(error)))
        if key is not None and not problems:
            self.plan(number, key, cells, instance, values, present, problems)
        if problems:
            # The key as written (a citation's: its source and record), even if invalid.
            shown_key = " / ".join(cells[k] for k in handler.key_columns if cells.get(k))
            for problem in problems:
                problem.key = problem.key or shown_key
            self.result.add_problems(problems)
            self.result.counts["rejected"] += 1

    def plan(self, number, key, cells, instance, values, present, problems):
        handler = self.handler
        if instance is None:
            for col in self.columns:
                if col.required and not cells.get(col.name):
                    problems.append(
                        Problem(
                            number,
                            col.name,
                            f"a new {handler.singular} needs a {col.name}"
                            + ("" if col.name in cells else " (the sheet has no such column)")
                            + ".",
                        )
                    )
            if problems:
                return
        relations = {k: v for k, v in values.items() if k[0] == "@"}
        fields_ = {k: v for k, v in values.items() if k[0] != "@"} if relations else values
        # Rules across columns first: they may also put a value in its stored form.
        handler.check_row(self, number, key, instance, fields_, problems)
        # A new record's plan shares one empty set: 100,000 empty sets took 20 MB.
        changed = set() if instance is not None else NOTHING_CHANGED
        if instance is not None:
            for name, value in fields_.items():
                if name in handler.fk_fields:
                    if getattr(instance, name + "_id") != value.pk:
                        changed.add(name)
                elif getattr(instance, name) != value:
                    changed.add(name)
        relation_changes = handler.relation_changes(self, instance, relations)
        self.check_state(number, key, instance, fields_, relations, problems)
        if problems:
            return
        if fields_.get("state") == State.PUBLISHED:
            self.published_keys.add(key)
        plan = Plan(number, key, instance, fields_, changed, relation_changes)
        counts = self.result.counts
        record = handler.reviewed_record(self, plan)
        if (instance is None or changed or relation_changes) and self.amendments.touches(record):
            # Published means reviewed, and logged: the row goes through the models' amend().
            change = handler.amendment(self, plan)
            proposing = self.amendments.proposing(record)
            if not proposing:
                for name, message in self.amendments.problems(record, change):
                    problems.append(Problem(number, self.column_of(name), message))
                if problems:
                    return
            action = "proposed" if proposing else "new" if instance is None else "changed"
            counts[action] += 1
            if counts[action] <= CHANGE_LIMIT:
                if action == "new":  # a citation of a published record
                    preview = new_row_preview(handler, fields_, relations)
                    self.result.changes.append(Change(number, key, action, **preview))
                else:
                    columns = self.changed_columns(
                        instance, cells, present, changed, relation_changes
                    )
                    self.result.changes.append(Change(number, key, action, columns))
            if self.keep_plans:
                self.amendments.add(record, change)
            return
        if instance is None:
            counts["new"] += 1
            if counts["new"] <= CHANGE_LIMIT:
                preview = new_row_preview(handler, fields_, relations)
                self.result.changes.append(Change(number, key, "new", **preview))
        elif changed or relation_changes:
            counts["changed"] += 1
            if counts["changed"] <= CHANGE_LIMIT:
                columns = self.changed_columns(instance, cells, present, changed, relation_changes)
                self.result.changes.append(Change(number, key, "changed", columns))
            plan.changed = changed or {"@relations"}
        else:
            counts["unchanged"] += 1
            return
        if self.keep_plans:
            self.plans.append(plan)

    def changed_columns(self, instance, cells, present, changed, relation_changes) -> list:
        """The preview's (column, now, after import) of a row changing ``instance``.

        Links show what is added and removed: ``+ United Kingdom; − Netherlands``.
        """
        if instance is None:
            return [(col.name, "", cells[col.name]) for col in present if cells.get(col.name)]
        columns = [
            (col.name, str(col.render(instance)), cells[col.name])
            for col in present
            if set(col.fields) & changed
        ]
        for name, value in relation_changes.items():
            columns.append((name, *self.handler.link_preview(self, instance, name, value)))
        return columns

    def column_of(self, name: str) -> str:
        """The sheet's column for a model field (a record's key column when none)."""
        if name == "citations":
            return "sources" if any(c.name == "sources" for c in self.columns) else "source"
        for col in self.columns:
            if name == col.name or name in col.fields:
                return col.name
        return self.handler.key_columns[0]

    def check_state(self, number, key, instance, values, relations, problems):
        """Only Editors publish or retract; moves follow the editorial workflow."""
        if "state" not in values:
            return
        model = self.handler.model
        new = values["state"]
        old = instance.state if instance is not None else None
        if new == old:
            return
        singular = self.handler.singular
        if (
            State.PUBLISHED in (old, new)
            and self.user is not None
            and not self.user.has_perm(f"tracker.publish_{model._meta.model_name}")
        ):
            problems.append(
                Problem(
                    number,
                    "state",
                    "only Editors can publish or retract; write draft or review, or leave "
                    "state blank (new records then become drafts).",
                )
            )
        elif old is not None and State(new) not in model.TRANSITIONS[State(old)]:
            problems.append(
                Problem(
                    number,
                    "state",
                    f"a {State(old).label.lower()} {singular} cannot move to "
                    f"{State(new).label.lower()}.",
                )
            )
        elif new == State.PUBLISHED and model.requires_citation:
            reason = publish_blocker(self, key, instance, relations)
            if reason:
                problems.append(Problem(number, "state", reason))

    def digest(self, stamps: dict) -> str:
        """A fingerprint of the matched records' versions, compared when a preview is confirmed."""
        hasher = hashlib.sha256(self.kind.encode())
        for key in sorted(stamps):
            hasher.update(f"{key}={stamps[key]};".encode())
        return hasher.hexdigest()

    def write(self, now, progress=None) -> None:
        """Write every plan in bulk with its history (the caller holds the transaction)."""
        new = [p for p in self.plans if p.is_new]
        changed = [p for p in self.plans if not p.is_new]
        self.handler.write(self, new, changed, now)
        self.amendments.created.update(
            (p.instance._meta.label, p.instance.pk) for p in new if p.instance is not None
        )
        try:
            self.amendments.write()
        except StateChangeRefused as refusal:
            # Checked with every row; only a change made meanwhile gets here.
            raise SheetError(f"Nothing was imported: {refusal}") from None
        if progress:
            progress(len(self.plans))
