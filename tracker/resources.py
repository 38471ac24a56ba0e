"""Spreadsheet columns for stations, events, sources and citations.

django-import-export Resources shared by the admin, ``import_sheet``,
``export_sheet`` and the public CSV downloads: one pipeline for the columns of
the contract (DESIGN.md, "Spreadsheet columns").

An import is all or nothing. Every row is read and checked first (caches for
countries, bureaus, sources and the matched records keep the queries per row
constant); only when no row is rejected are the changes written, in one
transaction, with bulk writes that record history through simple-history's
bulk helpers. ``Model.save()`` is skipped on that path, so what it computes
(``search_text``, ``version``, ``updated_at``) is computed here.

Every export neutralises cells a spreadsheet would run as a formula by
prefixing a single quote; the import strips exactly that quote again, so an
export re-imports unchanged.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache

import tablib
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from import_export import resources
from import_export.fields import Field
from import_export.results import Result, RowResult
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from . import text
from .countries import name_aliases as _name_aliases
from .models import Bureau, Citation, Country, Event, Source, State, Station
from .sheets import (
    SheetError,
    StalePreviewError,
    cell_text,
    neutralise,
    read_sheets,
    rows_to_dataset,
    unneutralise,
)

# English country names are computed once per process, not once per import.
name_aliases = cache(_name_aliases)


# --- Cell parsers ----------------------------------------------------------------------

_TRUE = {"yes", "y", "true", "1", "x", "capital"}
_FALSE = {"no", "n", "false", "0", ""}
_URL = URLValidator(schemes=["http", "https"])
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
_CODE = re.compile(r"^[A-Z]{3}[0-9]{2}$")
#: What a station's bulk write stores besides its columns (see Station.refresh_search_text).
STATION_DERIVED = ("search_text", "point_longitude", "point_latitude", "point_source")


class CellError(ValueError):
    """A reason tied to a given column (for checks made outside the column's parser)."""

    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column


class Pending:
    """A record another sheet of the same workbook would create (validation only)."""

    pk = None

    def __init__(self, key):
        self.key = key

    def __str__(self):
        return self.key


def _quote(value: str) -> str:
    shown = value if len(value) <= 60 else value[:57] + "…"
    return f"“{shown}”"


def _split_list(raw: str) -> list[str]:
    seen = []
    for part in raw.split(";"):
        part = part.strip()
        if part and part not in seen:
            seen.append(part)
    return seen


def parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{_quote(raw)} is not yes or no.")


def parse_choice(raw: str, choices, what: str) -> str:
    wanted = raw.strip().lower()
    for value, label in choices:
        if wanted in (value, str(label).lower()):
            return value
    allowed = ", ".join(value for value, _ in choices)
    if not wanted:
        raise ValueError(f"{what} is blank: write one of {allowed}.")
    raise ValueError(f"{_quote(raw)} is not a {what}: write one of {allowed}.")


@dataclass(frozen=True)
class Col:
    """One spreadsheet column: how its cell is read into fields and written back."""

    name: str
    parse: Callable[[str, ImportRun], dict]
    render: Callable[[object], str]
    #: Model fields the column sets (compared for "changed").
    fields: tuple[str, ...] = ()
    #: A new record needs a non-blank value here.
    required: bool = False


def text_col(name: str, model, field_name: str | None = None, required=False) -> Col:
    field_name = field_name or name
    max_length = model._meta.get_field(field_name).max_length

    def parse(raw, run):
        if required and not raw:
            raise ValueError(f"{name} is blank.")
        if max_length and len(raw) > max_length:
            raise ValueError(f"is {len(raw)} characters long; at most {max_length} fit.")
        return {field_name: raw}

    return Col(name, parse, lambda obj: getattr(obj, field_name), (field_name,), required)


def url_col(name: str, model) -> Col:
    max_length = model._meta.get_field(name).max_length

    def parse(raw, run):
        if raw:
            if len(raw) > max_length:
                raise ValueError(f"is {len(raw)} characters long; at most {max_length} fit.")
            try:
                _URL(raw)
            except ValidationError:
                message = f"{_quote(raw)} is not a web address (http:// or https://)."
                raise ValueError(message) from None
        return {name: raw}

    return Col(name, parse, lambda obj: getattr(obj, name), (name,))


def choice_col(name: str, model, what: str, required=False) -> Col:
    choices = list(model._meta.get_field(name).choices)

    def parse(raw, run):
        return {name: parse_choice(raw, choices, what)}

    return Col(name, parse, lambda obj: getattr(obj, name), (name,), required)


def state_col() -> Col:
    choices = list(State.choices)

    def parse(raw, run):
        # A blank state is the same as no state column: draft for new records.
        return {"state": parse_choice(raw, choices, "state")} if raw else {}

    return Col("state", parse, lambda obj: obj.state, ("state",))


def partial_date_col(name: str, date_field: str, precision_field: str, required=False) -> Col:
    def parse(raw, run):
        if not raw:
            if required:
                raise ValueError("is blank: write YYYY, YYYY-MM or YYYY-MM-DD.")
            return {date_field: None, precision_field: ""}
        value, precision = text.parse_partial_date(raw)
        return {date_field: value, precision_field: precision}

    def render(obj):
        return text.format_partial_date(getattr(obj, date_field), getattr(obj, precision_field))

    return Col(name, parse, render, (date_field, precision_field), required)


def day_col(name: str) -> Col:
    def parse(raw, run):
        value, precision = text.parse_partial_date(raw)
        if value is not None and precision != "day":
            raise ValueError(f"{_quote(raw)} needs a day: write YYYY-MM-DD.")
        return {name: value}

    def render(obj):
        value = getattr(obj, name)
        return value.isoformat() if value else ""

    return Col(name, parse, render, (name,))


def _keys(values: Iterable) -> str:
    return ";".join(sorted(values))


def sources_col() -> Col:
    """``a;b``: sources the record cites. Missing citations are added, none removed."""

    def parse(raw, run):
        return {"@sources": [run.source(key) for key in _split_list(raw)]}

    def render(obj):
        return _keys(c.source.key for c in obj.citations.all())

    return Col("sources", parse, render)


# --- The import run ---------------------------------------------------------------------


@dataclass
class Problem:
    """Why a row (or cell) was rejected, in the spreadsheet's own numbering."""

    row: int
    column: str
    message: str

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


@dataclass
class RowPlan:
    number: int
    key: str
    instance: object
    is_new: bool
    values: dict
    changed: set
    relations: dict


class SheetResult(Result):
    """import_export's Result plus the counts, problems and changes people read."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind
        self.counts = {"new": 0, "changed": 0, "unchanged": 0, "rejected": 0}
        self.problems: list[Problem] = []
        self.changes: list[Change] = []
        self.version_digest = ""
        self.dry_run = True

    def summary(self) -> str:
        """``N new, N changed, N unchanged, N rejected``."""
        c = self.counts
        return (
            f"{c['new']} new, {c['changed']} changed, {c['unchanged']} unchanged, "
            f"{c['rejected']} rejected"
        )

    def has_validation_errors(self):
        return bool(self.problems)


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ImportRun:
    """Reads one sheet, checks every row, and writes when nothing was rejected."""

    def __init__(
        self, resource: SheetResource, dataset, *, dry_run, user, reason, pending, progress
    ):
        self.resource = resource
        self.model = resource._meta.model
        self.dataset = dataset
        self.dry_run = dry_run
        self.user = user
        self.reason = reason
        self.pending = pending or {}
        self.progress = progress
        self.result = SheetResult(resource.kind)
        self.result.dry_run = dry_run
        self._countries = None
        self._bureaus = None
        self._sources = None
        self._stations: dict = {}
        self._events: dict = {}

    # Lookups, each cached for the whole run.

    def country(self, raw: str):
        if self._countries is None:
            countries = {c.code: c for c in Country.objects.all()}
            self._countries = dict(countries)
            for alias, code in name_aliases().items():
                if code in countries:
                    self._countries.setdefault(alias, countries[code])
            for c in countries.values():
                self._countries.setdefault(c.name.casefold(), c)
        value = raw.strip()
        found = self._countries.get(value.upper()) or self._countries.get(value.casefold())
        if found is None:
            if not value:
                raise ValueError("country is blank: write an ISO3 code (NLD) or an English name.")
            raise ValueError(
                f"{_quote(value)} is not a country: write an ISO3 code (NLD) or an English name."
            )
        return found

    def bureau(self, raw: str):
        if self._bureaus is None:
            self._bureaus = {}
            for b in Bureau.objects.all():
                self._bureaus[b.slug.lower()] = b
                self._bureaus[b.name.casefold()] = b
        found = self._bureaus.get(raw.strip().casefold())
        if found is None:
            known = ", ".join(sorted({b.slug for b in self._bureaus.values()}))
            if not raw:
                raise ValueError(f"bureau is blank: write one of {known}.")
            raise ValueError(
                f"{_quote(raw)} is not a bureau: write its slug ({known}) or English name."
            )
        return found

    def source(self, key: str):
        if self._sources is None:
            self._sources = {s.key: s for s in Source.objects.only("pk", "key")}
        found = self._sources.get(key)
        if found is None:
            if key in self.pending.get("sources", ()):
                return Pending(key)
            raise ValueError(f"{_quote(key)} is not a known source key.")
        return found

    def preload(self, attr: str, model, lookup: str, keys: Iterable[str]):
        cache = getattr(self, attr)
        missing = [k for k in set(keys) if k and k not in cache]
        for chunk in _chunks(missing):
            for obj in model._base_manager.filter(**{f"{lookup}__in": chunk}).only("pk", lookup):
                cache[getattr(obj, lookup)] = obj

    def station(self, code: str):
        found = self._stations.get(code)
        if found is None:
            if code in self.pending.get("stations", ()):
                return Pending(code)
            raise ValueError(f"{_quote(code)} is not a known station code.")
        return found

    def event(self, slug: str):
        found = self._events.get(slug)
        if found is None:
            if slug in self.pending.get("events", ()):
                return Pending(slug)
            raise ValueError(f"{_quote(slug)} is not a known event slug.")
        return found

    # The run.

    def header(self) -> dict[str, int]:
        """Map contract columns to their positions; one message for every header problem."""
        resource = self.resource
        positions: dict[str, int] = {}
        unknown, duplicate = [], []
        for index, raw in enumerate(self.dataset.headers or []):
            name = cell_text(raw).strip().lower()
            if not name:
                if any(cell_text(row[index]).strip() for row in self.dataset):
                    unknown.append(f"(no name, column {index + 1})")
                continue
            if name not in resource.column_names:
                unknown.append(_quote(cell_text(raw).strip()))
            elif name in positions:
                duplicate.append(name)
            else:
                positions[name] = index
        messages = []
        if unknown:
            messages.append(
                f"Unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}: "
                f"{resource.kind} sheets have the columns {', '.join(resource.column_names)}."
            )
        if duplicate:
            messages.append(f"Column {', '.join(duplicate)} appears more than once.")
        missing = resource.missing_header_columns(positions)
        if missing:
            messages.append(missing)
        if messages:
            raise SheetError(" ".join(messages))
        return positions

    def run(self) -> SheetResult:
        resource = self.resource
        positions = self.header()
        key_cols = resource.key_columns
        present = [col for col in resource.columns if col.name in positions]
        value_cols = [col for col in present if col.name not in key_cols]
        total = len(self.dataset)

        # Pass 1: the natural keys, so that matched records load in a few queries.
        rows = []
        for index, row in enumerate(self.dataset):
            cells = {}
            blank = True
            for name, pos in positions.items():
                value = row[pos]
                value = value.strip() if isinstance(value, str) else cell_text(value).strip()
                if value:
                    blank = False
                    value = unneutralise(value)
                cells[name] = value
            if not blank:
                rows.append((index + 2, cells))
        resource.prepare(self, rows)
        existing = resource.load_existing(self, rows, lock=not self.dry_run)

        plans: list[RowPlan] = []
        seen: dict[str, int] = {}
        problems = self.result.problems
        for done, (number, cells) in enumerate(rows, 1):
            row_problems: list[Problem] = []
            try:
                key = resource.row_key(self, cells)
            except CellError as error:
                row_problems.append(Problem(number, error.column, str(error)))
                key = None
            except ValueError as error:
                row_problems.append(Problem(number, key_cols[0], str(error)))
                key = None
            if key is not None:
                if key in seen:
                    row_problems.append(
                        Problem(number, key_cols[0], f"{key} is also on row {seen[key]}.")
                    )
                else:
                    seen[key] = number
            instance = existing.get(key) if key is not None else None
            values: dict = {}
            for col in value_cols:
                try:
                    values.update(col.parse(cells[col.name], self))
                except ValueError as error:
                    row_problems.append(Problem(number, col.name, str(error)))
            if key is not None and not row_problems:
                plan = self.plan_row(number, key, cells, instance, values, present, row_problems)
                if plan is not None and not row_problems:
                    plans.append(plan)
            if row_problems:
                problems.extend(row_problems)
                self.result.counts["rejected"] += 1
                self.result.append_invalid_row(
                    number,
                    cells,
                    ValidationError({p.column or "row": [p.message] for p in row_problems}),
                )
            if self.progress and (done % 500 == 0 or done == len(rows)):
                self.progress(done, len(rows))
        self.result.total_rows = total
        self.result.version_digest = _digest(resource, existing, seen)
        self.plans = plans
        for plan in plans:
            action = "new" if plan.is_new else ("changed" if plan.changed else "unchanged")
            self.result.counts[action] += 1
        return self.result

    def plan_row(self, number, key, cells, instance, values, present, problems):
        resource = self.resource
        is_new = instance is None
        if is_new:
            for col in resource.columns:
                if col.required and not cells.get(col.name):
                    problems.append(
                        Problem(
                            number,
                            col.name,
                            f"a new {resource.singular} needs a {col.name}"
                            + ("" if col.name in cells else " (the sheet has no such column)")
                            + ".",
                        )
                    )
            if problems:
                return None
        relations = {k: v for k, v in values.items() if k.startswith("@")}
        fields_ = {k: v for k, v in values.items() if not k.startswith("@")}
        changed = set()
        if not is_new:
            for name, value in fields_.items():
                if name in resource.fk_fields:
                    if getattr(instance, name + "_id") != value.pk:
                        changed.add(name)
                elif getattr(instance, name) != value:
                    changed.add(name)
        relation_changes = resource.relation_changes(self, instance, relations)
        resource.check_row(self, number, key, instance, fields_, relations, problems)
        resource.check_state(self, number, instance, fields_, relations, problems)
        if problems:
            return None
        plan = RowPlan(number, key, instance, is_new, fields_, changed, relation_changes)
        if is_new:
            self.result.changes.append(Change(number, key, "new"))
        elif changed or relation_changes:
            columns = []
            for col in present:
                if set(col.fields) & changed:
                    columns.append((col.name, col.render(instance), cells[col.name]))
            for name, added in relation_changes.items():
                columns.append((name, "", "+ " + _keys(str(x) for x in added)))
            self.result.changes.append(Change(number, key, "changed", columns))
            plan.changed = changed or {"@relations"}
        return plan

    def write(self):
        """Write every planned change (history attributed to the importing user)."""
        resource = self.resource
        now = timezone.now()
        new = [p for p in self.plans if p.is_new]
        changed = [p for p in self.plans if not p.is_new and p.changed]
        resource.write(self, new, changed, now)
        result = self.result
        for plan in self.plans:
            row = RowResult()
            if plan.is_new:
                row.import_type = RowResult.IMPORT_TYPE_NEW
            elif plan.changed:
                row.import_type = RowResult.IMPORT_TYPE_UPDATE
            else:
                row.import_type = RowResult.IMPORT_TYPE_SKIP
            row.instance = plan.instance
            row.object_id = plan.instance.pk
            row.object_repr = plan.key
            result.append_row_result(row)
            result.increment_row_result_total(row)


def _digest(resource, existing: dict, keys: dict) -> str:
    """A fingerprint of the matched records' versions, compared when a preview is confirmed."""
    hasher = hashlib.sha256(resource.kind.encode())
    for key in sorted(keys):
        instance = existing.get(key)
        stamp = f"{instance.pk}:{instance.version}" if instance is not None else "new"
        hasher.update(f"{key}={stamp};".encode())
    return hasher.hexdigest()


# --- Resources ---------------------------------------------------------------------------


class SheetResource(resources.ModelResource):
    """Shared behaviour of the four spreadsheet resources.

    ``export(queryset)`` gives the contract columns in contract order, cells as
    the import reads them and neutralised against formulas. ``import_data``
    checks every row before writing anything and returns a ``SheetResult``.
    """

    kind = ""
    singular = ""
    key_columns: tuple[str, ...] = ()
    columns: tuple[Col, ...] = ()
    fk_fields: frozenset[str] = frozenset()
    publish_permission = ""

    def __init__(self, user=None, change_reason=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.change_reason = change_reason

    @property
    def column_names(self) -> list[str]:
        return [col.name for col in self.columns]

    # django-import-export's admin lists these as the columns the import reads.
    def get_user_visible_fields(self):
        return [Field(attribute=None, column_name=name) for name in self.column_names]

    def get_export_headers(self, selected_fields=None):
        return self.column_names

    # Export.

    def export_queryset(self, queryset):
        return queryset

    def export(self, queryset=None, **kwargs):
        """Every record of ``queryset`` (default: all) in the contract's columns."""
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        queryset = self.export_queryset(queryset)
        dataset = tablib.Dataset(headers=self.column_names, title=self.kind)
        renders = [col.render for col in self.columns]
        for obj in queryset:
            dataset.append([neutralise(cell_text(render(obj))) for render in renders])
        return dataset

    # Import.

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        """Check every row, then write all of them or none (one transaction).

        Extra keyword arguments: ``user`` (history and permissions; None means
        the command line), ``file_name``, ``expected_digest`` (the preview's
        fingerprint: refuse if the matched records changed since), ``pending``
        (keys earlier sheets of a workbook would create), ``progress``
        (callback ``(done, total)``) and ``validate_only`` (check, never write).
        Raises ``SheetError`` for a header that cannot be imported.
        """
        user = kwargs.get("user", self.user)
        file_name = kwargs.get("file_name") or "a spreadsheet"
        reason = self.change_reason or (
            f"import_sheet {file_name}" if user is None else f"Imported from {file_name}"
        )
        run = ImportRun(
            self,
            dataset,
            dry_run=dry_run,
            user=user,
            reason=reason,
            pending=kwargs.get("pending"),
            progress=kwargs.get("progress"),
        )
        with transaction.atomic():
            result = run.run()
            expected = kwargs.get("expected_digest")
            if expected and expected != result.version_digest:
                raise StalePreviewError(self.stale_message(run, kwargs.get("previewed_at")))
            if not result.problems and not dry_run and not kwargs.get("validate_only"):
                run.write()
            else:
                for plan in run.plans:
                    row = RowResult()
                    row.import_type = (
                        RowResult.IMPORT_TYPE_NEW
                        if plan.is_new
                        else RowResult.IMPORT_TYPE_UPDATE
                        if plan.changed
                        else RowResult.IMPORT_TYPE_SKIP
                    )
                    result.append_row_result(row)
                    result.increment_row_result_total(row)
            if dry_run or result.problems:
                transaction.set_rollback(True)
        return result

    def stale_message(self, run, previewed_at) -> str:
        names = []
        if previewed_at:
            model = self._meta.model
            key = self.key_columns[0]
            names = list(
                model._base_manager.filter(updated_at__gt=previewed_at)
                .order_by(key)
                .values_list(key if key != "source" else "pk", flat=True)[:20]
            )
        which = f" ({', '.join(str(n) for n in names)})" if names else ""
        return (
            f"Some {self.kind}{which} changed after this preview was made. Nothing was "
            "imported: upload the file again to see the differences against the current records."
        )

    def missing_header_columns(self, positions) -> str:
        missing = [name for name in self.key_columns if name not in positions]
        if missing:
            return (
                f"The header has no {' or '.join(missing)} column, which identifies each "
                f"{self.singular}: {self.kind} sheets need it."
            )
        return ""

    def row_key(self, run, cells) -> str:
        raise NotImplementedError

    def prepare(self, run, rows):
        """Preload what the rows refer to (one query per kind of reference)."""

    def load_existing(self, run, rows, lock) -> dict:
        raise NotImplementedError

    def relation_changes(self, run, instance, relations) -> dict:
        return {}

    def check_row(self, run, number, key, instance, values, relations, problems):
        """Rules that span columns (e.g. a station code matching its country)."""

    def check_state(self, run, number, instance, values, relations, problems):
        """Only Editors publish or retract; moves follow the editorial workflow."""
        if "state" not in values:
            return
        new = values["state"]
        old = instance.state if instance is not None else None
        if new == old:
            return
        user = run.user
        touches_publication = State.PUBLISHED in (old, new)
        if (
            touches_publication
            and user is not None
            and not user.has_perm(f"tracker.publish_{self._meta.model._meta.model_name}")
        ):
            problems.append(
                Problem(
                    number,
                    "state",
                    "only Editors can publish or retract; write draft or review, or leave "
                    "state blank (new records then become drafts).",
                )
            )
            return
        if old is not None and State(new) not in self._meta.model.TRANSITIONS[State(old)]:
            problems.append(
                Problem(
                    number,
                    "state",
                    f"a {State(old).label.lower()} {self.singular} cannot move to "
                    f"{State(new).label.lower()}.",
                )
            )
            return
        if new == State.PUBLISHED and self._meta.model.requires_citation:
            has_existing = instance is not None and instance.citations.exists()
            if not has_existing and not relations.get("@sources"):
                problems.append(
                    Problem(
                        number,
                        "state",
                        f"a published {self.singular} needs a citation: list at least one "
                        "source key in the sources column.",
                    )
                )

    def write(self, run, new, changed, now):
        raise NotImplementedError

    # Shared write helpers.

    def bulk_write(self, run, new, changed, now, extra_fields=()):
        """Bulk-create and bulk-update with history; computes what save() would have."""
        model = self._meta.model
        created = []
        for plan in new:
            instance = model(**self.new_kwargs(plan))
            instance.refresh_search_text()
            plan.instance = instance
            created.append(instance)
        if created:
            bulk_create_with_history(
                created,
                model,
                batch_size=500,
                default_user=run.user,
                default_change_reason=run.reason,
                default_date=now,
            )
        updated = []
        update_fields = {"version", "updated_at", *extra_fields}
        for plan in changed:
            instance = plan.instance
            if plan.changed == {"@relations"}:
                continue
            for name, value in plan.values.items():
                setattr(instance, name, value)
            update_fields |= plan.changed
            instance.version += 1
            instance.updated_at = now
            instance.refresh_search_text()
            updated.append(instance)
        if updated:
            bulk_update_with_history(
                updated,
                model,
                sorted(update_fields),
                batch_size=500,
                default_user=run.user,
                default_change_reason=run.reason,
                default_date=now,
            )

    def new_kwargs(self, plan) -> dict:
        return {self.key_columns[0]: plan.key, **plan.values}

    def add_citations(self, run, plans, target: str, now):
        """Create the citations the ``sources`` column lists and the record lacks."""
        citations = []
        for plan in plans:
            for source in plan.relations.get("sources", ()):
                citations.append(Citation(source=source, **{target: plan.instance}))
        if citations:
            bulk_create_with_history(
                citations,
                Citation,
                batch_size=500,
                default_user=run.user,
                default_change_reason=run.reason,
                default_date=now,
            )

    def existing_source_keys(self, instances, target: str) -> dict:
        keys: dict = {}
        pks = [i.pk for i in instances]
        for chunk in _chunks(pks):
            pairs = Citation.objects.filter(**{f"{target}_id__in": chunk}).values_list(
                f"{target}_id", "source__key"
            )
            for pk, key in pairs:
                keys.setdefault(pk, set()).add(key)
        return keys


def _lock(queryset, lock: bool):
    # Matched rows stay locked until the import commits (PostgreSQL; SQLite's
    # IMMEDIATE transactions already hold the write lock).
    return queryset.select_for_update(of=("self",)) if lock else queryset


class StationResource(SheetResource):
    """Stations: ``code, country, city, location, capital, bureau, active, status, host,
    summary, notes, state, sources``."""

    kind = "stations"
    singular = "station"
    key_columns = ("code",)
    fk_fields = frozenset({"country", "bureau"})

    class Meta:
        model = Station

    @staticmethod
    def _parse_country(raw, run):
        return {"country": run.country(raw)}

    @staticmethod
    def _parse_bureau(raw, run):
        return {"bureau": run.bureau(raw)}

    @staticmethod
    def _parse_capital(raw, run):
        return {"is_capital": parse_bool(raw)}

    @staticmethod
    def _parse_active(raw, run):
        start, end = text.parse_active(raw)
        return {"active_from": start, "active_until": end}

    columns = (
        Col("code", lambda raw, run: {}, lambda s: s.code),
        Col("country", _parse_country, lambda s: s.country_id, ("country",), required=True),
        text_col("city", Station),
        text_col("location", Station),
        Col(
            "capital",
            _parse_capital,
            lambda s: "yes" if s.is_capital else "no",
            ("is_capital",),
        ),
        Col("bureau", _parse_bureau, lambda s: s.bureau.slug, ("bureau",), required=True),
        Col(
            "active",
            _parse_active,
            lambda s: text.format_active(s.active_from, s.active_until),
            ("active_from", "active_until"),
        ),
        choice_col("status", Station, "status"),
        text_col("host", Station),
        text_col("summary", Station),
        text_col("notes", Station),
        state_col(),
        sources_col(),
    )

    def export_queryset(self, queryset):
        return queryset.select_related("bureau").prefetch_related(
            Prefetch("citations", queryset=Citation.objects.select_related("source"))
        )

    def row_key(self, run, cells):
        code = cells["code"].upper()
        if not _CODE.match(code):
            raise ValueError(
                f"{_quote(cells['code'])} is not a station code: three letters of the "
                "country's ISO3 code and two digits, e.g. NLD01."
            )
        return code

    def load_existing(self, run, rows, lock):
        codes = [cells["code"].upper() for _, cells in rows if cells.get("code")]
        found = {}
        for chunk in _chunks(codes):
            queryset = Station._base_manager.filter(code__in=chunk).select_related(
                "country", "bureau"
            )
            for station in _lock(queryset, lock):
                found[station.code] = station
        self._citation_keys = self.existing_source_keys(found.values(), "station")
        return found

    def relation_changes(self, run, instance, relations):
        sources = relations.get("@sources")
        if not sources:
            return {}
        have = self._citation_keys.get(instance.pk, set()) if instance is not None else set()
        missing = [s for s in sources if s.key not in have]
        return {"sources": missing} if missing else {}

    def check_row(self, run, number, key, instance, values, relations, problems):
        country = values.get("country") or (instance.country if instance else None)
        if country is not None and key[:3] != country.pk:
            problems.append(
                Problem(
                    number,
                    "code",
                    f"{key} does not match the country {country.pk} ({country.name}): a "
                    "station code starts with its country's ISO3 code.",
                )
            )

    def write(self, run, new, changed, now):
        self.bulk_write(run, new, changed, now, extra_fields=STATION_DERIVED)
        self.add_citations(run, [*new, *changed], "station", now)


class SourceResource(SheetResource):
    """Sources: ``key, title, authors, publisher, kind, language, published_on, url,
    archived_url, accessed_on, state``."""

    kind = "sources"
    singular = "source"
    key_columns = ("key",)

    class Meta:
        model = Source

    columns = (
        Col("key", lambda raw, run: {}, lambda s: s.key),
        text_col("title", Source),
        text_col("authors", Source),
        text_col("publisher", Source),
        choice_col("kind", Source, "kind of source"),
        text_col("language", Source),
        partial_date_col("published_on", "published_on", "published_precision"),
        url_col("url", Source),
        url_col("archived_url", Source),
        day_col("accessed_on"),
        state_col(),
    )

    def row_key(self, run, cells):
        key = cells["key"]
        if not _SLUG.match(key) or len(key) > 80:
            raise ValueError(
                f"{_quote(key)} is not a source key: letters, digits and hyphens, "
                "at most 80, e.g. safeguard-2022-09."
            )
        return key

    def load_existing(self, run, rows, lock):
        keys = [cells["key"] for _, cells in rows if cells.get("key")]
        found = {}
        for chunk in _chunks(keys):
            for source in _lock(Source._base_manager.filter(key__in=chunk), lock):
                found[source.key] = source
        return found

    def write(self, run, new, changed, now):
        self.bulk_write(run, new, changed, now, extra_fields=("search_text",))


class EventResource(SheetResource):
    """Events: ``slug, date, type, title, description, countries, stations, state, sources``."""

    kind = "events"
    singular = "event"
    key_columns = ("slug",)

    class Meta:
        model = Event

    @staticmethod
    def _parse_countries(raw, run):
        return {"@countries": [run.country(part) for part in _split_list(raw)]}

    @staticmethod
    def _parse_stations(raw, run):
        return {"@stations": [run.station(code.upper()) for code in _split_list(raw)]}

    columns = (
        Col("slug", lambda raw, run: {}, lambda e: e.slug),
        partial_date_col("date", "date", "date_precision", required=True),
        choice_col("type", Event, "type of event", required=True),
        text_col("title", Event, required=True),
        text_col("description", Event),
        Col("countries", _parse_countries, lambda e: _keys(c.code for c in e.countries.all())),
        Col("stations", _parse_stations, lambda e: _keys(s.code for s in e.stations.all())),
        state_col(),
        sources_col(),
    )

    def export_queryset(self, queryset):
        return queryset.prefetch_related(
            "countries",
            "stations",
            Prefetch("citations", queryset=Citation.objects.select_related("source")),
        )

    def row_key(self, run, cells):
        slug = cells["slug"]
        if not _SLUG.match(slug) or len(slug) > 120:
            raise ValueError(
                f"{_quote(slug)} is not an event slug: letters, digits and hyphens, "
                "e.g. 2022-11-canada-summons-ambassador."
            )
        return slug

    def prepare(self, run, rows):
        codes = [
            code.upper() for _, cells in rows for code in _split_list(cells.get("stations", ""))
        ]
        run.preload("_stations", Station, "code", codes)

    def load_existing(self, run, rows, lock):
        slugs = [cells["slug"] for _, cells in rows if cells.get("slug")]
        found = {}
        for chunk in _chunks(slugs):
            queryset = Event._base_manager.filter(slug__in=chunk).prefetch_related(
                "countries", "stations"
            )
            for event in _lock(queryset, lock):
                found[event.slug] = event
        self._citation_keys = self.existing_source_keys(found.values(), "event")
        return found

    def relation_changes(self, run, instance, relations):
        changes = {}
        sources = relations.get("@sources")
        if sources:
            have = self._citation_keys.get(instance.pk, set()) if instance is not None else set()
            missing = [s for s in sources if s.key not in have]
            if missing:
                changes["sources"] = missing
        for name, attr in (("@countries", "code"), ("@stations", "code")):
            if name not in relations:
                continue
            wanted = {
                getattr(obj, attr) if not isinstance(obj, Pending) else obj.key
                for obj in relations[name]
            }
            have = (
                {getattr(obj, attr) for obj in getattr(instance, name[1:]).all()}
                if instance is not None
                else set()
            )
            if wanted != have:
                changes[name[1:]] = relations[name]
        return changes

    def write(self, run, new, changed, now):
        # Events go through save() one by one: their countries and stations are
        # many-to-many fields whose history simple-history records on change,
        # which its bulk helpers do not do. Events come by the dozen, not thousands.
        for plan in [*new, *changed]:
            if plan.is_new:
                instance = Event(slug=plan.key, **plan.values)
            else:
                instance = plan.instance
                for name, value in plan.values.items():
                    setattr(instance, name, value)
            instance._history_user = run.user
            instance._change_reason = run.reason
            if plan.is_new or plan.changed - {"@relations"}:
                instance.save()
            plan.instance = instance
            for name in ("countries", "stations"):
                if name in plan.relations:
                    getattr(instance, name).set(plan.relations[name])
        self.add_citations(run, [*new, *changed], "event", now)


class CitationResource(SheetResource):
    """Citations: ``source, station, event, locator, quotation``; keyed by
    (source, station) or (source, event)."""

    kind = "citations"
    singular = "citation"
    key_columns = ("source", "station", "event")
    fk_fields = frozenset({"source", "station", "event"})

    class Meta:
        model = Citation

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._targets = {}

    columns = (
        Col("source", lambda raw, run: {}, lambda c: c.source.key),
        Col("station", lambda raw, run: {}, lambda c: c.station.code if c.station_id else ""),
        Col("event", lambda raw, run: {}, lambda c: c.event.slug if c.event_id else ""),
        text_col("locator", Citation),
        text_col("quotation", Citation),
    )

    def export_queryset(self, queryset):
        return queryset.select_related("source", "station", "event").order_by(
            "source__key", "station__code", "event__slug"
        )

    def missing_header_columns(self, positions):
        if "source" not in positions or not ({"station", "event"} & set(positions)):
            return (
                "The header needs a source column and a station or event column: they "
                "identify each citation."
            )
        return ""

    def row_key(self, run, cells):
        if not cells["source"]:
            raise CellError("source", "source is blank: write the key of the source cited.")
        try:
            source = run.source(cells["source"])
        except ValueError as error:
            raise CellError("source", str(error)) from None
        code = cells.get("station", "").upper()
        slug = cells.get("event", "")
        if bool(code) == bool(slug):
            raise CellError(
                "station" if "station" in cells else "event",
                "a citation supports exactly one record: fill in either station or event.",
            )
        try:
            station = run.station(code) if code else None
        except ValueError as error:
            raise CellError("station", str(error)) from None
        try:
            event = run.event(slug) if slug else None
        except ValueError as error:
            raise CellError("event", str(error)) from None
        key = f"{source.key}|station|{code}" if code else f"{source.key}|event|{slug}"
        self._targets[key] = (source, station, event)
        return key

    def prepare(self, run, rows):
        run.preload("_stations", Station, "code", [c.get("station", "").upper() for _, c in rows])
        run.preload("_events", Event, "slug", [c.get("event", "") for _, c in rows])

    def load_existing(self, run, rows, lock):
        station_pks = [s.pk for s in run._stations.values()]
        event_pks = [e.pk for e in run._events.values()]
        found = {}
        for target, pks in (("station", station_pks), ("event", event_pks)):
            for chunk in _chunks(pks):
                queryset = Citation._base_manager.filter(**{f"{target}_id__in": chunk})
                for citation in _lock(queryset.select_related("source", target), lock):
                    label = citation.station.code if target == "station" else citation.event.slug
                    found[f"{citation.source.key}|{target}|{label}"] = citation
        return found

    def new_kwargs(self, plan):
        source, station, event = self._targets[plan.key]
        return {"source": source, "station": station, "event": event, **plan.values}

    def write(self, run, new, changed, now):
        self.bulk_write(run, new, changed, now)


RESOURCES: dict[str, type[SheetResource]] = {
    "sources": SourceResource,
    "stations": StationResource,
    "events": EventResource,
    "citations": CitationResource,
}
#: Import order of a workbook: what a sheet refers to comes before it.
KINDS = tuple(RESOURCES)


def import_workbook(
    sheets: dict[str, tablib.Dataset], *, dry_run, user=None, file_name="", progress=None
):
    """Import the sheets of an ``all`` workbook in dependency order, all or nothing.

    Each sheet is written inside one outer transaction so the next can refer to
    it; after a sheet with rejected rows the rest are only checked (with the keys
    it would have created counted as known), and everything is rolled back.
    """
    results: dict[str, SheetResult] = {}
    pending: dict[str, set] = {}
    failed = False
    with transaction.atomic():
        for kind in KINDS:
            if kind not in sheets:
                continue
            resource = RESOURCES[kind](user=user)
            result = resource.import_data(
                sheets[kind],
                dry_run=False,
                user=user,
                file_name=file_name,
                pending=pending,
                progress=(lambda done, total, kind=kind: progress(kind, done, total))
                if progress
                else None,
                validate_only=failed,
            )
            results[kind] = result
            if result.problems:
                failed = True
                key = resource.key_columns[0]
                column = [cell_text(v).strip() for v in _column(sheets[kind], key)]
                pending[kind] = {v.upper() if kind == "stations" else v for v in column if v}
        if dry_run or failed:
            transaction.set_rollback(True)
    for result in results.values():
        result.dry_run = dry_run or failed
    return results


def _column(dataset, name):
    for index, header in enumerate(dataset.headers or []):
        if cell_text(header).strip().lower() == name:
            return [row[index] for row in dataset]
    return []


def read_workbook(data: bytes, suffix: str) -> dict[str, tablib.Dataset]:
    """The sheets of an ``all`` workbook by kind; a sheet with another name is an error."""
    if suffix == "csv":
        raise SheetError("KIND all needs a workbook (.xlsx or .ods) with one sheet per kind.")
    sheets = read_sheets(data, suffix)
    result = {}
    unknown = []
    for name, rows in sheets.items():
        kind = name.strip().lower()
        if kind not in RESOURCES:
            if any(any(cell.strip() for cell in row) for row in rows):
                unknown.append(_quote(name))
            continue
        result[kind] = (
            rows_to_dataset(rows, title=kind)
            if rows
            else tablib.Dataset(headers=RESOURCES[kind]().column_names, title=kind)
        )
    if unknown:
        raise SheetError(
            f"The workbook has sheet{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}: "
            f"name each sheet after its kind ({', '.join(KINDS)})."
        )
    if not result:
        raise SheetError(f"The workbook has no sheet named {', '.join(KINDS)}.")
    return result


def export_workbook() -> dict[str, tablib.Dataset]:
    """Every kind as a dataset, in the workbook's sheet order."""
    return {kind: RESOURCES[kind]().export() for kind in KINDS}
