"""Bulk writes with history, as plain INSERT and UPDATE statements.

Table and column names in the SQL come from the models, never from a sheet;
every value is a parameter.

Why not ``bulk_create`` / ``bulk_create_with_history``: measured on SQLite,
creating 20,000 events with their history, one country and two citations
each through them took 6.4 s (3,100 rows a second), because Django builds
and prepares a model instance for every row of every table (the record, its
history record, each link and each citation, and their history). Here each
row goes to the database as a tuple of values in one multi-row statement,
which is what lets an import reach 10,000 rows a second. The rows are the
ones Django and django-simple-history write themselves: the same columns and
values (history with its date, user, reason and type; links with their
history snapshot), so the admin's history pages, diffs and reverts read them
as their own.
"""

# ruff: noqa: S608 (names from the models; values are parameters)
from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, models
from django.db.backends.utils import CursorWrapper
from django.db.models.fields import AutoFieldMixin


def _cursor() -> CursorWrapper:
    """A cursor that runs execute wrappers but never keeps a debug log of its statements.

    With DEBUG on, Django's debug cursor formats every statement with its
    parameters for ``connection.queries`` (on SQLite by asking the database
    to quote each one): for a 100,000-row import that doubled the time and
    held hundreds of megabytes of SQL text.
    """
    connection.ensure_connection()
    return CursorWrapper(connection.create_cursor(), connection)


def _remember_last(convert):
    """``convert`` that reuses its last result: an import stamps every row with one time."""
    last = [None, None]

    def converted(value):
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return converted


def _converter(field):
    """How a field's Python value becomes a database parameter (cheap, per field)."""
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return _remember_last(ops.adapt_datetimefield_value)
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.JSONField):
        # What a citation supports: a list, stored as the database's JSON.
        return lambda value: field.get_db_prep_value(value, connection)
    if isinstance(field, models.DecimalField):
        return lambda value: ops.adapt_decimalfield_value(
            value, field.max_digits, field.decimal_places
        )
    return None


class Table:
    """The insertable columns of one model's table and how to write many rows at once."""

    def __init__(self, model):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not isinstance(f, AutoFieldMixin)]
        self.attnames = [f.attname for f in self.fields]
        self.converters = [(i, c) for i, f in enumerate(self.fields) if (c := _converter(f))]
        quote = connection.ops.quote_name
        self.table = quote(model._meta.db_table)
        self.columns = ", ".join(quote(f.column) for f in self.fields)
        self.placeholder = "(" + ", ".join(["%s"] * len(self.fields)) + ")"

    def prepare(self, values: Sequence) -> list:
        row = list(values)
        for index, convert in self.converters:
            if row[index] is not None:
                row[index] = convert(row[index])
        return row

    def row_of(self, instance, **overrides) -> list:
        """A model instance's values in this table's column order."""
        return self.prepare(
            [overrides[a] if a in overrides else getattr(instance, a) for a in self.attnames]
        )

    def insert(self, rows: Iterable[Sequence], returning: Sequence[str] = ()) -> list[tuple]:
        """Insert prepared rows; with ``returning``, the named columns of each new row."""
        rows = list(rows)
        if not rows:
            return []
        if not returning:
            sql = f"INSERT INTO {self.table} ({self.columns}) VALUES {self.placeholder}"
            with _cursor() as cursor:
                cursor.executemany(sql, rows)
            return []
        quote = connection.ops.quote_name
        tail = " RETURNING " + ", ".join(quote(name) for name in returning)
        # SQLite caps the parameters of a statement; PostgreSQL's cap (65,535) is unstated.
        limit = connection.features.max_query_params or 65_535
        size = max(1, min(500, limit // len(self.fields)))
        found = []
        with _cursor() as cursor:
            for start in range(0, len(rows), size):
                batch = rows[start : start + size]
                sql = (
                    f"INSERT INTO {self.table} ({self.columns}) VALUES "
                    + ", ".join([self.placeholder] * len(batch))
                    + tail
                )
                cursor.execute(sql, [value for row in batch for value in row])
                found.extend(cursor.fetchall())
        return found

    def update(self, fields: Sequence[str], rows: Iterable[Sequence]) -> None:
        """``UPDATE … SET fields WHERE id``: each row is the fields' values, then the id."""
        rows = list(rows)
        if not rows:
            return
        quote = connection.ops.quote_name
        meta = self.model._meta
        targets = [meta.get_field(name) for name in fields]
        converters = [(i, c) for i, f in enumerate(targets) if (c := _converter(f))]
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in targets)
        sql = f"UPDATE {self.table} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
        prepared = []
        for row in rows:
            row = list(row)
            for index, convert in converters:
                if row[index] is not None:
                    row[index] = convert(row[index])
            prepared.append(row)
        with _cursor() as cursor:
            cursor.executemany(sql, prepared)

    def delete_pairs(self, first: str, second: str, pairs: Iterable[tuple]) -> None:
        """Delete link rows by their two foreign keys."""
        pairs = list(pairs)
        if not pairs:
            return
        quote = connection.ops.quote_name
        sql = f"DELETE FROM {self.table} WHERE {quote(first)} = %s AND {quote(second)} = %s"
        with _cursor() as cursor:
            cursor.executemany(sql, pairs)


class History:
    """Writes django-simple-history records for many instances at once."""

    def __init__(self, model, *, user, reason: str, when):
        self.table = Table(model.history.model)
        self.user_id = user.pk if user is not None else None
        self.reason = reason
        self.when = when

    def rows(self, instances, history_type: str) -> list[list]:
        extra = {
            "history_date": self.when,
            "history_change_reason": self.reason,
            "history_type": history_type,
            "history_user_id": self.user_id,
        }
        return [self.table.row_of(instance, **extra) for instance in instances]

    def write(self, instances, history_type: str, returning=False) -> dict:
        """One history record per instance; with ``returning``, {record id: history id}."""
        rows = self.rows(instances, history_type)
        if not returning:
            self.table.insert(rows)
            return {}
        return {pk: hid for hid, pk in self.table.insert(rows, returning=("history_id", "id"))}


def m2m_history_table(model, field_name: str) -> Table:
    """The table simple-history keeps a many-to-many field's snapshots in."""
    from simple_history.models import HistoricalRecords

    return Table(HistoricalRecords.m2m_models[model._meta.get_field(field_name)])


#: Records written per statement group when a sheet is written.
CHUNK = 2_000


def chunks(items, size=500):
    """``items`` a slice of ``size`` at a time."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def write_citations(run, rows: list[dict], now):
    """Insert new citations from dicts of their column values, with their history."""
    if not rows:
        return
    from ..models import Citation

    table = Table(Citation)
    history = History(Citation, user=run.user, reason=run.reason, when=now)
    extra = {
        "history_date": now,
        "history_change_reason": run.reason,
        "history_type": "+",
        "history_user_id": history.user_id,
    }
    for chunk in chunks(rows, CHUNK):
        found = table.insert(
            (table.prepare([row[a] for a in table.attnames]) for row in chunk),
            ("id", "source_id", "station_id", "event_id"),
        )
        ids = {(s, st, ev): pk for pk, s, st, ev in found}
        history.table.insert(
            history.table.prepare(
                [
                    extra[a]
                    if a in extra
                    else ids[(row["source_id"], row["station_id"], row["event_id"])]
                    if a == "id"
                    else row[a]
                    for a in history.table.attnames
                ]
            )
            for row in chunk
        )
