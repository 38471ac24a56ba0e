"""The uploaded file kept between an admin import's preview and its confirmation.

It waits in a folder of its own; every confirmation removes it, whatever the
outcome; a preview never confirmed is removed by the next preview once it is
too old to be confirmed (``PREVIEW_MAX_AGE``).
"""

import os
import time

import pytest

from tests.test_import_admin import CONFIRM_URL, DATA, confirm, upload
from tracker import admin_sheets
from tracker.models import Station

NEW_STATIONS = "stations_new_bom.csv"


@pytest.fixture
def folder(settings, tmp_path):
    settings.TRACKER_IMPORT_PREVIEW_DIR = str(tmp_path / "previews")
    return tmp_path / "previews"


def previewed_file(response, folder):
    return folder / response.context["confirm_form"].initial["import_file_name"]


@pytest.mark.django_db
def test_a_preview_waits_in_its_own_folder_readable_by_its_owner_only(editor_client, folder):
    response = upload(editor_client, NEW_STATIONS)

    path = previewed_file(response, folder)
    assert path.read_bytes() == (DATA / NEW_STATIONS).read_bytes()
    assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.django_db
def test_a_confirmed_preview_leaves_no_file(editor_client, folder):
    response = upload(editor_client, NEW_STATIONS)
    path = previewed_file(response, folder)

    confirm(editor_client, response)

    assert Station.objects.filter(code="ISL01").exists()
    assert not path.exists()


@pytest.mark.django_db
def test_a_confirmation_refused_because_a_record_changed_leaves_no_file(editor_client, folder):
    response = upload(editor_client, "change.csv", b"code,city\nNLD01,Amsterdam-Noord\n")
    path = previewed_file(response, folder)
    Station.objects.filter(code="NLD01").update(host="Edited meanwhile")
    Station.objects.get(code="NLD01").save()

    confirm(editor_client, response)

    assert Station.objects.get(code="NLD01").city == "Amsterdam"
    assert not path.exists()


@pytest.mark.django_db
def test_a_confirmation_too_late_is_refused_and_leaves_no_file(editor_client, folder, monkeypatch):
    response = upload(editor_client, NEW_STATIONS)
    path = previewed_file(response, folder)
    monkeypatch.setattr(admin_sheets, "PREVIEW_MAX_AGE", -1)  # every preview is too old

    response = confirm(editor_client, response)

    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["This preview has expired: upload the file again."]
    assert not Station.objects.filter(code="ISL01").exists()
    assert not path.exists()


@pytest.mark.django_db
def test_previews_never_confirmed_are_removed_once_too_old_to_confirm(editor_client, folder):
    forgotten = previewed_file(upload(editor_client, NEW_STATIONS), folder)
    recent = previewed_file(upload(editor_client, NEW_STATIONS), folder)
    hours_ago = time.time() - admin_sheets.PREVIEW_MAX_AGE - 60
    os.utime(forgotten, (hours_ago, hours_ago))

    latest = previewed_file(upload(editor_client, NEW_STATIONS), folder)

    assert not forgotten.exists()
    assert recent.exists() and latest.exists()


@pytest.mark.django_db
def test_a_confirmation_naming_another_file_is_refused_and_removes_nothing(editor_client, folder):
    own = previewed_file(response := upload(editor_client, NEW_STATIONS), folder)
    other = folder / ("0" * 32)
    other.write_bytes(b"someone else's preview")
    form = response.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    data["import_file_name"] = other.name

    response = editor_client.post(CONFIRM_URL, data)

    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["This is not the file that was previewed: upload it again."]
    assert other.exists() and own.exists()
    assert not Station.objects.filter(code="ISL01").exists()
