"""Admin import and export: preview, confirm, permissions, .ods uploads, stale previews."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tracker.models import Station
from tracker.sheets import CSVSheet, ODSSheet, XLSXSheet

DATA = Path(__file__).parent / "data"
IMPORT_URL = reverse("admin:tracker_station_import")
CONFIRM_URL = reverse("admin:tracker_station_process_import")
FORMAT = {"csv": "0", "xlsx": "1", "ods": "2"}


def upload(client, name, content=None, url=IMPORT_URL):
    content = content if content is not None else (DATA / name).read_bytes()
    suffix = name.rsplit(".", 1)[-1]
    return client.post(
        url,
        {
            "import_file": SimpleUploadedFile(name, content),
            "format": FORMAT[suffix],
            "resource": "0",
        },
    )


def confirm(client, response):
    form = response.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(CONFIRM_URL, data)


@pytest.mark.django_db
def test_preview_summarises_then_confirm_imports_as_the_researcher(researcher_client, researcher):
    response = upload(researcher_client, "stations_new_bom.csv")

    assert response.status_code == 200
    page = response.content.decode()
    assert "3 new, 0 changed, 0 unchanged, 0 rejected" in page
    assert "<td>ISL01</td>" in page
    assert not Station.objects.filter(code="ISL01").exists()  # nothing written by the preview

    response = confirm(researcher_client, response)

    assert response.status_code == 302
    iceland = Station.objects.get(code="ISL01")
    assert iceland.state == "draft"
    record = iceland.history.get()
    assert record.history_user == researcher
    assert record.history_change_reason == "Imported from stations_new_bom.csv"
    assert iceland.citations.get().history.get().history_user == researcher


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["stations_new_libreoffice.ods", "stations_new_libreoffice.xlsx"])
def test_workbooks_upload_through_the_admin(editor_client, name):
    response = upload(editor_client, name)

    assert "3 new, 0 changed, 0 unchanged, 0 rejected" in response.content.decode()
    confirm(editor_client, response)
    assert Station.objects.filter(code__in=["ISL01", "ISL02", "MLT01"]).count() == 3


@pytest.mark.django_db
def test_preview_lists_changed_cells(editor_client):
    content = b"code,city,status\nNLD01,Amsterdam-Noord,confirmed\n"

    response = upload(editor_client, "change.csv", content)

    page = response.content.decode()
    assert "0 new, 1 changed, 0 unchanged, 0 rejected" in page
    assert "Amsterdam-Noord" in page
    assert "confirmed" in page


@pytest.mark.django_db
def test_rejected_rows_are_listed_and_no_confirm_is_offered(editor_client):
    response = upload(editor_client, "stations_errors.csv")

    page = response.content.decode()
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert "Nothing will be imported: 7 rows" in page
    assert "“Narnia” is not a country" in page.replace("&ldquo;", "“").replace("&rdquo;", "”")


@pytest.mark.django_db
def test_preview_text_is_escaped(editor_client):
    content = b"code,summary\nNLD01,<script>alert(1)</script>\nXXX,<b>bold</b>\n"

    page = upload(editor_client, "evil.csv", content).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>bold</b>" not in page


@pytest.mark.django_db
def test_an_unreadable_upload_gives_one_message(editor_client):
    response = upload(editor_client, "stations.xlsx", b"not a workbook")

    assert response.status_code == 200
    assert "This file is not a readable .xlsx workbook." in response.content.decode()


@pytest.mark.django_db
def test_an_oversized_upload_is_refused(editor_client, settings):
    settings.TRACKER_IMPORT_MAX_BYTES = 100

    response = upload(editor_client, "stations_new_bom.csv")

    assert "an import takes" in response.content.decode()


@pytest.mark.django_db
def test_a_researcher_cannot_publish_through_a_sheet(researcher_client):
    content = (
        b"code,country,bureau,state,sources\n"
        b"ISL01,ISL,fuzhou,published,wikipedia-overseas-stations\n"
    )

    page = upload(researcher_client, "publish.csv", content).content.decode()

    assert "only Editors can publish or retract" in page
    assert not Station.objects.filter(code="ISL01").exists()


@pytest.mark.django_db
def test_an_editor_may_publish_through_a_sheet(editor_client):
    content = (
        b"code,country,bureau,state,sources\n"
        b"ISL01,ISL,fuzhou,published,wikipedia-overseas-stations\n"
    )

    confirm(editor_client, upload(editor_client, "publish.csv", content))

    assert Station.objects.get(code="ISL01").state == "published"


@pytest.mark.django_db
def test_confirm_refuses_when_a_record_changed_after_the_preview(editor_client):
    content = b"code,city\nNLD01,Amsterdam-Noord\n"
    response = upload(editor_client, "change.csv", content)
    # Someone edits the station between the preview and the confirmation.
    station = Station.objects.get(code="NLD01")
    station.host = "Edited meanwhile"
    station.save()

    response = confirm(editor_client, response)

    assert response.status_code == 302
    assert response.url == IMPORT_URL
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("NLD01" in m and "changed after this preview" in m for m in messages)
    station.refresh_from_db()
    assert (station.city, station.host) == ("Amsterdam", "Edited meanwhile")


@pytest.mark.django_db
def test_confirm_refuses_a_tampered_token(editor_client):
    response = upload(editor_client, "stations_new_bom.csv")
    form = response.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    data["preview_token"] = data["preview_token"][:-2] + "xx"

    response = editor_client.post(CONFIRM_URL, data)

    assert response.status_code == 302
    assert not Station.objects.filter(code="ISL01").exists()


@pytest.mark.django_db
def test_researchers_import_but_only_editors_export(client, researcher, editor):
    export_url = reverse("admin:tracker_station_export")
    client.force_login(researcher)

    assert client.get(IMPORT_URL).status_code == 200
    assert client.get(export_url).status_code == 403

    client.force_login(editor)
    assert client.get(export_url).status_code == 200


@pytest.mark.django_db
def test_staff_without_the_import_permission_cannot_import(client, django_user_model):
    user = django_user_model.objects.create_user("staff", password="x", is_staff=True)
    client.force_login(user)

    assert client.get(IMPORT_URL).status_code == 403
    assert client.post(CONFIRM_URL, {}).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("sheet_format", [CSVSheet, XLSXSheet, ODSSheet])
def test_editor_export_gives_the_contract_columns(editor_client, sheet_format):
    fmt = str([CSVSheet, XLSXSheet, ODSSheet].index(sheet_format))

    response = editor_client.post(
        reverse("admin:tracker_station_export"), {"format": fmt, "resource": "0"}
    )

    assert response.status_code == 200
    dataset = sheet_format().create_dataset(response.content)
    assert dataset.headers[:3] == ["code", "country", "city"]
    assert len(dataset) == Station.objects.count()
