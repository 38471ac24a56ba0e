"""No curated text holds a control character: one rule for the admin and the import.

A control character (other than tabs and line breaks) breaks the CSV, XML
and Atom the site writes, and hides text from readers. The import always
refused it; the admin forms must refuse it too, in the same words.
"""

import pytest
from django.db import models
from django.urls import reverse

from tests.importing import run_import, snapshot
from tracker.models import Bureau, Citation, Event, Source, Station
from tracker.models.rules import no_control_characters
from tracker.text import control_character_problem

pytestmark = pytest.mark.django_db


def change_url(station):
    return reverse("admin:tracker_station_change", args=[station.pk])


@pytest.mark.parametrize(
    ("field", "typed", "where"),
    [
        ("city", "Rotter\x01dam", "U+0001 at character 7"),
        ("summary", "a\x0bb", "U+000B at character 2"),
    ],
)
def test_admin_refuses_a_control_character_naming_it(
    editor_client, change_form_data, field, typed, where
):
    station = Station.objects.get(code="NLD01")
    before = getattr(station, field)
    data = change_form_data(editor_client.get(change_url(station)))

    response = editor_client.post(change_url(station), {**data, field: typed})

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors[field]
    assert errors == [
        f"This text holds the control character {where}: remove it "
        "(only tabs and line breaks are kept)."
    ]
    station.refresh_from_db()
    assert getattr(station, field) == before


def test_admin_keeps_tabs_and_line_breaks(editor_client, change_form_data):
    station = Station.objects.get(code="NLD01")
    data = change_form_data(editor_client.get(change_url(station)))
    summary = "First line.\r\nSecond line,\tafter a tab."

    response = editor_client.post(change_url(station), {**data, "summary": summary})

    assert response.status_code == 302, response.context["adminform"].form.errors
    station.refresh_from_db()
    assert "\tafter a tab." in station.summary and "Second line" in station.summary


def test_import_refuses_in_the_same_words_with_row_and_column(tmp_path):
    sheet = tmp_path / "control.csv"
    sheet.write_text('code,city\nNLD01,ok\nIRL01,"Dub\x1flin"\n', encoding="utf-8")
    before = snapshot()

    code, out, _ = run_import("stations", sheet)

    assert code == 1
    assert f"row 3, column city: {control_character_problem('Dub' + chr(0x1F) + 'lin')}" in out
    assert snapshot() == before


def curated_text_fields():
    for model in (Station, Event, Source, Citation, Bureau):
        for field in model._meta.get_fields():
            if (
                isinstance(field, models.CharField | models.TextField)
                and field.editable
                and not field.choices
                # Slugs and web addresses have validators that refuse any control character.
                and not isinstance(field, models.SlugField | models.URLField)
                and field.name != "code"  # the station code has its own pattern
            ):
                yield model, field


@pytest.mark.parametrize(
    ("model", "field"),
    list(curated_text_fields()),
    ids=lambda value: getattr(value, "name", getattr(value, "__name__", "")),
)
def test_every_curated_text_field_carries_the_rule(model, field):
    assert no_control_characters in field.validators
