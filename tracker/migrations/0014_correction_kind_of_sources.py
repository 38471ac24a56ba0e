"""Log entries about sources filed under the source's own kind ("news") become "source".

Until records named their kind ``record_kind``, a source's ``kind`` field
(news, NGO report…) was written into the log where the kind of record
belongs, which broke ``/changes/`` and hid a withdrawn source's 410.
"""

from django.db import migrations

RECORD_KINDS = ("station", "event", "source")


def file_under_sources(corrections) -> int:
    """Move entries whose kind is no kind of record to ``source``; only a source wrote such."""
    return corrections.exclude(kind__in=RECORD_KINDS).update(kind="source")


def forwards(apps, schema_editor):
    file_under_sources(apps.get_model("tracker", "Correction").objects)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0013_merge_chinese_texts")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
