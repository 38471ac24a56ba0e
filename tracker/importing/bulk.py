"""Bulk writes with history, as plain INSERT and UPDATE statements.

Table and column names in the SQL come from the models, never from a sheet;
every value is a parameter.

Why not ``bulk_create`` / ``bulk_create_with_history``: measured on SQLite,
creating 20,000 events with their history, one country and two citations
each through them took 6.4 s (3,100 rows a second), because Django builds
and prepares a model instance for every row of every table (the record, its
history record, each link and each citation, and their history). Here each
row goes to the database as a tuple of values, which is what lets an
import reach 10,000 rows a second: on SQLite through ``executemany`` (one
prepared statement), or a multi-row ``INSERT … RETURNING`` where the new
ids are needed; on PostgreSQL through ``COPY``, with the ids it needs taken
from the table's sequence first (psycopg's ``executemany`` sends one
statement per row, and it splits a multi-row statement's parameters in
Python). The rows are the ones Django and django-simple-history write
themselves: the same columns and values (history with its date, user,
reason and type; links with their history snapshot), so the admin's history
pages, diffs and reverts read them as their own.
"""

# ruff: noqa: S608 (names from the models; values are parameters)
from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from operator import attrgetter

from django.db import connection, models
from django.db.backends.utils import CursorWrapper
from django.db.models.fields import AutoFieldMixin

#: Columns simple-history adds to a record's own; one import writes them all alike.
HISTORY_FIELDS = ("history_date", "history_change_reason", "history_type", "history_user_id")
#: What differs between the citations an import adds, in this order (``write_citations``).
NEW_CITATION = ("supports", "locator", "quotation", "source_id", "station_id", "event_id")
#: Records written per statement group when a sheet is written.
CHUNK = 2_000


def _cursor() -> CursorWrapper:
    """A cursor that runs execute wrappers but never keeps a debug log of its statements.

    With DEBUG on, Django's debug cursor formats every statement with its
    parameters for ``connection.queries`` (on SQLite by asking the database
    to quote each one): for a 100,000-row import that doubled the time and
    held hundreds of megabytes of SQL text.
    """
    connection.ensure_connection()
    return CursorWrapper(connection.create_cursor(), connection)


def _max_params() -> int:
    """Parameters one statement may carry (Django assumes SQLite's old limit of 999)."""
    if connection.vendor == "sqlite":
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return connection.features.max_query_params or 65_535


def _remember_last(convert):
    """``convert`` that reuses its last result: an import stamps every row with one time."""
    last = [None, None]

    def converted(value):
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return converted


def _getter(names: Sequence[str]):
    """A function reading the attributes ``names`` of an object as a tuple, in one call."""
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return attrgetter(*names)


def _converter(field):
    """How a field's Python value becomes a database parameter (cheap, per field)."""
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return _remember_last(ops.adapt_datetimefield_value)
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.JSONField):
        # What a citation supports: a list, stored as the database's JSON. Nearly
        # every citation an import adds supports no facts yet: convert [] once.
        empty = field.get_db_prep_value([], connection)
        return lambda value: empty if value == [] else field.get_db_prep_value(value, connection)
    if isinstance(field, models.DecimalField):
        return lambda value: ops.adapt_decimalfield_value(
            value, field.max_digits, field.decimal_places
        )
    return None


def _converted(values: Sequence, converters: list) -> Sequence:
    """``values`` with those at the converters' positions converted (None stays None)."""
    if not converters:
        return values
    row = list(values)
    for index, convert in converters:
        if row[index] is not None:
            row[index] = convert(row[index])
    return row


class Table:
    """The insertable columns of one model's table and how to write many rows at once.

    ``attnames`` orders the columns (all insertable ones, checked); rows are
    sequences of values in that order, made by ``prepare`` or ``values_of``.
    """

    def __init__(self, model, attnames: Sequence[str] | None = None):
        self.model = model
        insertable = {
            f.attname: f for f in model._meta.concrete_fields if not isinstance(f, AutoFieldMixin)
        }
        if attnames is None:
            attnames = list(insertable)
        elif sorted(attnames) != sorted(insertable):
            raise ValueError(f"{model.__name__} has the columns {sorted(insertable)}.")
        self.attnames = list(attnames)
        self.fields = [insertable[a] for a in self.attnames]
        #: An instance's values in column order, read in one call.
        self.getter = _getter(self.attnames)
        self.converters = [(i, c) for i, f in enumerate(self.fields) if (c := _converter(f))]
        quote = connection.ops.quote_name
        self.table = quote(model._meta.db_table)
        self.columns = ", ".join(quote(f.column) for f in self.fields)
        self.placeholder = "(" + ", ".join(["%s"] * len(self.fields)) + ")"

    def prepare(self, values: Sequence) -> Sequence:
        """Values in column order as database parameters."""
        return _converted(values, self.converters)

    def adapt(self, attname: str, value):
        """One value of column ``attname`` as a database parameter."""
        convert = dict(self.converters).get(self.attnames.index(attname))
        return convert(value) if convert and value is not None else value

    def values_of(self, instance) -> Sequence:
        """A model instance's values in this table's column order."""
        return self.prepare(self.getter(instance))

    def insert(self, rows: Iterable[Sequence], returning: Sequence[str] = ()) -> list[tuple]:
        """Insert prepared rows; with ``returning``, the named columns of each new row."""
        rows = list(rows)
        if not rows:
            return []
        if connection.vendor == "postgresql":
            return self._copy(rows, returning)
        if not returning:
            with _cursor() as cursor:
                sql = f"INSERT INTO {self.table} ({self.columns}) VALUES {self.placeholder}"
                cursor.executemany(sql, rows)
            return []
        quote = connection.ops.quote_name
        tail = " RETURNING " + ", ".join(quote(name) for name in returning)
        size = max(1, min(1_000, _max_params() // len(self.fields)))
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

    def _copy(self, rows: list[Sequence], returning: Sequence[str]) -> list[tuple]:
        """PostgreSQL: the rows in one COPY, with ids taken from the table's sequence first.

        psycopg sends ``executemany`` as one INSERT per row (about 2,000 rows
        a second), and splits a multi-row INSERT's parameters in Python; COPY
        streams the rows. The ids COPY cannot return are reserved beforehand
        with ``nextval``, as an INSERT would take them.
        """
        quote = connection.ops.quote_name
        pk = self.model._meta.pk
        columns = self.columns
        with _cursor() as cursor:
            if returning:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [self.model._meta.db_table, pk.column, len(rows)],
                )
                ids = [pk_value for (pk_value,) in cursor.fetchall()]
                rows = [(pk_value, *row) for pk_value, row in zip(ids, rows, strict=True)]
                columns = f"{quote(pk.column)}, {columns}"
            with cursor.cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        if not returning:
            return []
        # Each row now starts with its id: the returned columns are read from the rows.
        positions = [0 if n == pk.attname else 1 + self.attnames.index(n) for n in returning]
        return [tuple(row[i] for i in positions) for row in rows]

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

    def __init__(self, model, *, user, reason: str, when, attnames: Sequence[str] | None = None):
        history_model = model.history.model
        if attnames is None:
            insertable = Table(history_model).attnames
            attnames = [a for a in insertable if a not in HISTORY_FIELDS]
        else:
            attnames = ["id", *attnames]
        self.table = Table(history_model, [*attnames, *HISTORY_FIELDS])
        #: The recorded fields of an instance (history leaves derived ones out).
        self.getter = _getter(attnames)
        self.converters = [(i, c) for i, c in self.table.converters if i < len(attnames)]
        self.user_id = user.pk if user is not None else None
        self.reason = reason
        self.when = when

    def stamp(self, history_type: str) -> tuple:
        """The history columns of every record written with ``history_type``, converted."""
        when = self.table.adapt("history_date", self.when)
        return (when, self.reason, history_type, self.user_id)

    def write(self, instances, history_type: str, returning=False) -> dict:
        """One history record per instance; with ``returning``, {record id: history id}."""
        stamp, getter, converters = self.stamp(history_type), self.getter, self.converters
        rows = [(*_converted(getter(instance), converters), *stamp) for instance in instances]
        if not returning:
            self.table.insert(rows)
            return {}
        return {pk: hid for hid, pk in self.table.insert(rows, returning=("history_id", "id"))}


def m2m_history_table(model, field_name: str, attnames: Sequence[str] | None = None) -> Table:
    """The table simple-history keeps a many-to-many field's snapshots in."""
    from simple_history.models import HistoricalRecords

    return Table(HistoricalRecords.m2m_models[model._meta.get_field(field_name)], attnames)


def chunks(items, size=500):
    """``items`` a slice of ``size`` at a time."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def write_citations(run, rows: list[tuple], now):
    """Insert new citations with their history; each row holds the values of ``NEW_CITATION``.

    A new citation is at version 1, created and updated ``now``; those values,
    and the supported facts of most (none), are converted once for all rows,
    and each row once for both tables.
    """
    if not rows:
        return
    from ..models import Citation

    columns = ("version", "created_at", "updated_at", *NEW_CITATION)
    table = Table(Citation, columns)
    history = History(Citation, user=run.user, reason=run.reason, when=now, attnames=columns)
    head = (1, table.adapt("created_at", now), table.adapt("updated_at", now))
    no_facts = table.adapt("supports", [])
    stamp = history.stamp("+")
    targets = slice(columns.index("source_id"), columns.index("event_id") + 1)
    for chunk in chunks(rows, CHUNK):
        prepared = [
            (*head, no_facts if row[0] == [] else table.adapt("supports", row[0]), *row[1:])
            for row in chunk
        ]
        found = table.insert(prepared, ("id", "source_id", "station_id", "event_id"))
        ids = {(s, st, ev): pk for pk, s, st, ev in found}
        history.table.insert((ids[row[targets]], *row, *stamp) for row in prepared)
