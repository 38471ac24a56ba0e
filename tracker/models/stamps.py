"""What the caches key on: a stamp of the data's state, read from indexes."""

import functools
import hashlib

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from .editorial import Versioned


def refresh_planner_statistics() -> None:
    """Let SQLite's query planner see the data as it now is (after bulk loads).

    Without statistics SQLite takes an equality on ``state`` for a selective
    one and walks whole tables for pages that need a handful of rows.
    PostgreSQL keeps its statistics itself (autovacuum).
    """
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def data_stamp(models_read) -> tuple:
    """A value that changes whenever a record of any of ``models_read`` is added,
    changed or removed.

    For each model: the latest ``updated_at`` (set by ``save()`` and by the
    imports' bulk writes) and the latest history entry (every creation, change,
    deletion and change of links, also in bulk). Both are read from an index,
    in one query for all the models, so the stamp costs the same at any size.
    A model with links to stations or events follows those models too.
    """
    with connection.cursor() as cursor:
        cursor.execute(_stamp_sql(tuple(models_read), connection.vendor))
        return tuple(str(value) for value in cursor.fetchone())


@functools.cache
def _stamp_sql(models_read: tuple, vendor: str) -> str:
    """The stamp's query for these models, made once per process.

    Made once because reaching a model's history table goes through
    simple_history's manager descriptor, which costs a millisecond a time:
    more than the query itself, on every public request.
    """
    wanted = []
    for model in models_read:
        wanted.append(model)
        wanted += [
            field.related_model
            for field in model._meta.many_to_many
            if issubclass(field.related_model, Versioned)
        ]
    # Table and column names come from the models, never from a request.
    quote = connection.ops.quote_name
    latest = "(SELECT MAX({}) FROM {})"
    parts = []
    for model in dict.fromkeys(wanted):
        parts.append(latest.format(quote("updated_at"), quote(model._meta.db_table)))
        # A model without history (e.g. a log that is only ever added to) has
        # its updated_at alone.
        if hasattr(model, "history"):
            history = model.history.model._meta.db_table
            parts.append(latest.format(quote("history_date"), quote(history)))
    return "SELECT " + ", ".join(parts)


def data_version(models_read) -> str:
    """A short fingerprint of ``data_stamp()``: names the state of the data a file holds."""
    return hashlib.sha256(repr(data_stamp(models_read)).encode()).hexdigest()[:12]


def cached_while_unchanged(name: str, models_read: tuple, compute, timeout: int = 600):
    """``compute()``, or its cached result while none of ``models_read`` changed.

    The key holds the models' ``data_stamp()``, read from the database on every
    call, so a result is never older than the data, whichever process made it.
    Used for what costs most at scale (facets, headline figures, station pages).
    """
    # The language is part of the key: results hold translated labels and names.
    key_parts = (name, translation.get_language(), data_stamp(models_read))
    digest = hashlib.sha256(repr(key_parts).encode()).hexdigest()
    key = f"tracker:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    return value


def public_models() -> tuple:
    """Every model whose records the public site shows (``TRACKER_PUBLIC_MODELS``)."""
    return _models(tuple(settings.TRACKER_PUBLIC_MODELS))


@functools.cache
def _models(labels: tuple) -> tuple:
    # Looked up once: the app registry's lookups cost more than the stamp's query.
    return tuple(apps.get_model(label) for label in labels)


def public_data_stamp() -> tuple:
    """The stamp of everything public: what a public page's validator is made of."""
    return data_stamp(public_models())
