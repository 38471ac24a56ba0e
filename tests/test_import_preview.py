"""The import preview: new rows' resolved values, warnings, near-miss hints, the blank template."""

import io
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from tracker.importing.lookups import Lookups
from tracker.models import Bureau

IMPORT_URL = reverse("admin:tracker_station_import")
TEMPLATE_URL = reverse("admin:tracker_station_import_template")


def preview(client, content: bytes):
    response = client.post(
        IMPORT_URL,
        {
            "import_file": SimpleUploadedFile("stations.csv", content),
            "format": "0",
            "resource": "0",
        },
    )
    assert response.status_code == 200
    return unescape(response.content.decode())


@pytest.mark.django_db
def test_preview_shows_a_new_rows_resolved_country_bureau_and_state(researcher_client):
    bureau = Bureau.objects.get(slug="qingtian")

    page = preview(
        researcher_client,
        b"code,country,bureau,state,sources\nISL01,iceland,qingtian,review,"
        b"wikipedia-overseas-stations\n",
    )

    assert "1 new, 0 changed, 0 unchanged, 0 rejected" in page
    assert "Iceland (ISL)" in page
    assert bureau.name in page
    assert "In review" in page
    # A citation made from the sources column has no locator yet.
    assert "wikipedia-overseas-stations will have no locator or quotation" in page


@pytest.mark.django_db
def test_preview_warns_about_a_row_that_will_stay_an_uncited_draft(researcher_client):
    page = preview(
        researcher_client,
        b"code,country,bureau,sources\nISL01,ISL,qingtian,wikipedia-overseas-stations\n"
        b"ISL02,ISL,qingtian,\n",
    )

    assert "2 new, 0 changed, 0 unchanged, 0 rejected" in page
    assert "cites no source: it will stay an uncited draft" in page
    assert page.count("cites no source") == 1


@pytest.mark.django_db
def test_a_near_miss_country_suggests_the_closest_code_and_the_row_names_its_key(editor_client):
    page = preview(editor_client, b"code,country,bureau\nISL01,ICL,qingtian\n")

    assert "“ICL” is not a country" in page
    assert "Did you mean ISL (Iceland)?" in page
    assert "<td>ISL01</td>" in page  # the rejected row's key, next to its row and column


@pytest.mark.django_db
def test_lookups_suggest_bureau_slugs_and_source_keys_for_the_command_line_too():
    lookups = Lookups()

    with pytest.raises(ValueError, match="Did you mean qingtian"):
        lookups.bureau("qingtain")
    with pytest.raises(ValueError, match="Did you mean wikipedia-overseas-stations"):
        lookups.source("wikipedia-overseas-station")
    with pytest.raises(ValueError, match=r"Did you mean ISL \(Iceland\)"):
        lookups.country("Icelnad")
    with pytest.raises(ValueError) as error:
        lookups.country("Atlantis")
    assert "Did you mean" not in str(error.value)


@pytest.mark.django_db
def test_a_researcher_downloads_a_blank_template_with_the_header_and_accepted_values(
    researcher_client,
):
    page = researcher_client.get(IMPORT_URL).content.decode()
    assert TEMPLATE_URL in page

    response = researcher_client.get(TEMPLATE_URL)

    assert response.status_code == 200
    assert "stations-template.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    header = next(book["stations"].iter_rows(values_only=True))
    assert list(header[:3]) == ["code", "country", "city"]
    assert "sources" in header
    reference = {row[0]: row[2] for row in book["reference"].iter_rows(values_only=True)}
    assert "2016–?" in reference["active"]
    assert "qingtian" in reference["bureau"]
    assert reference["capital"] == "yes or no"


@pytest.mark.django_db
def test_the_template_needs_the_import_permission(client, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x", is_staff=True)
    client.force_login(nobody)

    assert client.get(TEMPLATE_URL).status_code == 403
