"""Rewrite every station's stored search text with the other names of its country and city."""

from django.db import migrations


def refresh_station_search_text(apps, schema_editor):
    # The search text is derived data: recompute it with today's rules
    # (tracker.search works on the historical model's fields alike).
    from tracker.search import station_search_text

    Station = apps.get_model("tracker", "Station")
    stations = Station.objects.select_related("country", "bureau")
    changed = []
    for station in stations.iterator(chunk_size=2000):
        new_text = station_search_text(station)
        if new_text != station.search_text:
            station.search_text = new_text
            changed.append(station)
    Station.objects.bulk_update(changed, ["search_text"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0006_source_citation_updated_indexes")]

    operations = [
        migrations.RunPython(refresh_station_search_text, migrations.RunPython.noop),
    ]
