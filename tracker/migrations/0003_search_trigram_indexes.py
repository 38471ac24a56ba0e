"""Trigram indexes for the text search on PostgreSQL; nothing on SQLite.

Search filters with ``search_text__contains`` (``LIKE '%term%'``), which a plain
B-tree index cannot serve; a GIN index with ``gin_trgm_ops`` can, so a search
over tens of thousands of records reads the index instead of every row.
SQLite has no such index and scans, which is quick at the tracker's size.
"""

from django.db import migrations

TABLES = ["tracker_station", "tracker_event", "tracker_source"]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table in TABLES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_search_trgm "
            f"ON {table} USING gin (search_text gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extension stays: other objects may have come to use it.
    for table in TABLES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0002_countries"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
