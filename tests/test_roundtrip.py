"""Export, import the file back, export again: nothing changes, the cells are the same."""

from io import StringIO

import pytest
from django.core.management import call_command

from tracker.models import Citation, Event, Source, Station
from tracker.resources import StationResource
from tracker.sheets import read_dataset


def state():
    return [
        list(model.objects.order_by("pk").values()) for model in (Station, Event, Source, Citation)
    ] + [Station.history.count(), Event.history.count(), Citation.history.count()]


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["csv", "xlsx", "ods"])
@pytest.mark.parametrize("kind", ["stations", "events", "sources", "citations"])
def test_export_then_import_changes_nothing(tmp_path, kind, suffix):
    # Awkward cells: a leading dash, a formula, quotes, line breaks, spaces inside.
    Station.objects.filter(code="NLD01").update(
        summary="- first line\n\n  =second line", notes="'quoted'", host="+31  20"
    )
    Event.objects.filter(pk=Event.objects.first().pk).update(description="@mention\ttab")
    first = tmp_path / f"first.{suffix}"
    second = tmp_path / f"second.{suffix}"
    call_command("export_sheet", kind, str(first), stdout=StringIO())
    before = state()

    out = StringIO()
    call_command("import_sheet", kind, str(first), stdout=out)

    assert " 0 new, 0 changed" in " " + out.getvalue()
    assert state() == before
    call_command("export_sheet", kind, str(second), stdout=StringIO())
    a = read_dataset(first.read_bytes(), suffix, kind)
    b = read_dataset(second.read_bytes(), suffix, kind)
    assert a.headers == b.headers
    assert list(a) == list(b)
    assert len(a) > 0


@pytest.mark.django_db
def test_the_public_csv_columns_re_import(tmp_path):
    # /stations.csv drops notes and state; such a file re-imports without changes.
    dataset = StationResource().export()
    del dataset["notes"]
    del dataset["state"]
    path = tmp_path / "public.csv"
    path.write_text(dataset.export("csv"), encoding="utf-8")
    before = state()

    out = StringIO()
    call_command("import_sheet", "stations", str(path), stdout=out)

    assert "0 new, 0 changed, 70 unchanged, 0 rejected" in out.getvalue()
    assert state() == before
