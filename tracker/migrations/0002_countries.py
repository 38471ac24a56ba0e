"""Every ISO 3166-1 country, so stations can point at any of them."""

from django.db import migrations


def load_countries(apps, schema_editor):
    from tracker.countries import iso_countries

    Country = apps.get_model("tracker", "Country")
    existing = set(Country.objects.values_list("code", flat=True))
    Country.objects.bulk_create(
        Country(code=code, name=name, continent=continent)
        for code, name, continent in iso_countries()
        if code not in existing
    )


class Migration(migrations.Migration):
    dependencies = [("tracker", "0001_initial")]

    operations = [migrations.RunPython(load_countries, migrations.RunPython.noop)]
