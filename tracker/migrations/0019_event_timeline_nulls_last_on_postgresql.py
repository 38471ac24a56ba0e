"""The public timeline's index in its order on PostgreSQL: undated events last.

The timeline sorts ``date DESC NULLS LAST`` (undated events after the dated
ones). ``event_public_timeline`` on ``(state, -date, slug)`` is ``date DESC``,
which PostgreSQL keeps with NULLs first, so it cannot hand the timeline its
rows in order. SQLite keeps NULLs last in a descending index already, and
refuses ``NULLS LAST`` in an index, so this index is PostgreSQL's alone.
"""

from django.db import migrations

INDEX = "event_public_timeline_nulls_last"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} "
        "ON tracker_event (state, date DESC NULLS LAST, slug)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0018_disagreement_notes_refuse_control_characters"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
