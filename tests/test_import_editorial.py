"""Imports follow the editorial rules the admin enforces.

A researcher's sheet changing a published record is kept as a proposal for
an editor (the public sees nothing change); an editor's is written. A sheet
may publish a station only if it cites a published source, or one the same
workbook publishes.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.importing import run_import
from tests.test_import_admin import IMPORT_URL, confirm, upload
from tests.test_proposals import public_snapshot
from tracker.importing.readers import Workbook
from tracker.importing.run import import_sheet, import_workbook
from tracker.importing.writers import write_sheets
from tracker.models import Citation, Correction, Event, Proposal, Source, State, Station

pytestmark = pytest.mark.django_db

CODE = "GBR01"
PUBLIC = [f"/stations/{CODE}/", "/stations.csv"]


def run_csv(kind, text, **kwargs):
    with Workbook(io.BytesIO(text.encode()), "csv") as workbook:
        return import_sheet(workbook, kind, reason="test sheet", **kwargs)


def run_workbook(sheets, **kwargs):
    stream = io.BytesIO()
    write_sheets(stream, "xlsx", ((kind, rows[0], iter(rows[1:])) for kind, rows in sheets))
    stream.seek(0)
    with Workbook(stream, "xlsx") as workbook:
        return import_workbook(workbook, reason="test workbook", **kwargs)


def test_a_researchers_change_to_a_published_station_becomes_a_proposal(client, researcher):
    station = Station.objects.get(code=CODE)
    assert station.state == State.PUBLISHED
    before = public_snapshot(client, *PUBLIC)

    result = run_csv("stations", f"code,city\n{CODE},Newtown\n", user=researcher)

    assert result.counts["proposed"] == 1
    assert result.counts["changed"] == 0
    assert "1 proposed" in result.summary()
    assert public_snapshot(client, *PUBLIC) == before
    assert Station.objects.get(code=CODE).city == station.city
    proposal = Proposal.objects.for_record(station).get()
    assert proposal.changes == {"city": "Newtown"}
    assert proposal.base == {"city": station.city}
    assert proposal.proposer == researcher
    assert proposal.status == Proposal.Status.OPEN


def test_an_editors_same_import_is_written(editor):
    result = run_csv("stations", f"code,city\n{CODE},Newtown\n", user=editor)

    assert result.counts["changed"] == 1
    assert result.counts["proposed"] == 0
    assert Station.objects.get(code=CODE).city == "Newtown"
    assert not Proposal.objects.exists()


def test_a_command_line_import_without_a_user_is_trusted():
    run_csv("stations", f"code,city\n{CODE},Newtown\n")

    assert Station.objects.get(code=CODE).city == "Newtown"
    assert not Proposal.objects.exists()


def test_a_researchers_sources_column_on_a_published_station_is_proposed(researcher):
    station = Station.objects.get(code=CODE)
    source = Source.objects.published().exclude(citations__station=station).first()
    citations = Citation.objects.count()

    result = run_csv("stations", f"code,sources\n{CODE},{source.key}\n", user=researcher)

    assert result.counts["proposed"] == 1
    assert Citation.objects.count() == citations
    proposal = Proposal.objects.for_record(station).get()
    assert proposal.citations["added"] == [
        {"source": source.pk, "supports": [], "locator": "", "quotation": ""}
    ]


def test_a_researchers_citations_sheet_on_a_published_station_is_proposed(researcher):
    station = Station.objects.get(code=CODE)
    source = Source.objects.published().exclude(citations__station=station).first()
    citations = Citation.objects.count()

    result = run_csv(
        "citations",
        f"source,station,locator,quotation\n{source.key},{CODE},p. 4,“A quote”\n",
        user=researcher,
    )

    assert result.counts["proposed"] == 1
    assert result.counts["new"] == 0
    assert Citation.objects.count() == citations
    proposal = Proposal.objects.for_record(station).get()
    assert proposal.citations["added"] == [
        {"source": source.pk, "supports": [], "locator": "p. 4", "quotation": "“A quote”"}
    ]
    assert proposal.changes == {}


def test_a_researchers_change_to_a_citation_of_a_published_station_is_proposed(researcher):
    citation = Citation.objects.filter(station__code=CODE).select_related("source").first()

    result = run_csv(
        "citations",
        f"source,station,locator\n{citation.source.key},{CODE},p. 99\n",
        user=researcher,
    )

    assert result.counts["proposed"] == 1
    assert Citation.objects.get(pk=citation.pk).locator == citation.locator
    proposal = Proposal.objects.for_record(citation.station).get()
    assert proposal.citations["changed"][0]["id"] == citation.pk
    assert proposal.citations["changed"][0]["new"] == {"locator": "p. 99"}


def test_a_researchers_rows_on_draft_records_are_written(researcher):
    run_csv("stations", "code,country,bureau\nISL01,ISL,fuzhou\n", user=researcher)

    result = run_csv("stations", "code,city\nISL01,Reykjavik\n", user=researcher)

    assert result.counts["changed"] == 1
    assert Station.objects.get(code="ISL01").city == "Reykjavik"
    assert not Proposal.objects.exists()


def test_a_dry_run_counts_proposals_and_stores_none(researcher):
    result = run_csv("stations", f"code,city\n{CODE},Newtown\n", user=researcher, dry_run=True)

    assert result.counts["proposed"] == 1
    assert not Proposal.objects.exists()


def test_the_admin_preview_shows_the_proposed_rows(researcher_client):
    content = f"code,city\n{CODE},Newtown\n".encode()

    page = upload(researcher_client, "city.csv", content).content.decode()

    assert "0 new, 0 changed, 1 proposed, 0 unchanged, 0 rejected" in page
    assert 'id="import-proposed"' in page
    assert "Newtown" in page


def test_publishing_a_station_citing_only_a_draft_source_is_refused(editor):
    run_csv("sources", "key,title\ndraft-only,A draft source\n", user=editor)
    assert Source.objects.get(key="draft-only").state == State.DRAFT

    result = run_csv(
        "stations",
        "code,country,bureau,state,sources\nISL01,ISL,fuzhou,published,draft-only\n",
        user=editor,
    )

    assert result.dry_run
    [problem] = result.problems
    assert (problem.row, problem.column) == (2, "state")
    assert "cites no published source (only draft-only)" in problem.message
    assert not Station.objects.filter(code="ISL01").exists()


def test_a_workbook_may_publish_the_source_and_the_station_together(editor):
    sheets = [
        ("sources", [["key", "title", "state"], ["fresh-source", "A new source", "published"]]),
        (
            "stations",
            [
                ["code", "country", "bureau", "state", "sources"],
                ["ISL01", "ISL", "fuzhou", "published", "fresh-source"],
            ],
        ),
    ]

    checked = run_workbook(sheets, user=editor, dry_run=True)
    assert not checked["stations"].problems, checked["stations"].problems

    results = run_workbook(sheets, user=editor)

    assert not any(r.problems for r in results.values())
    assert Station.objects.get(code="ISL01").state == State.PUBLISHED


def test_a_researchers_change_to_a_published_events_stations_is_proposed(researcher):
    from tracker.models import Event

    event = Event.objects.published().exclude(stations__code=CODE).first()
    codes = sorted([*event.stations.values_list("code", flat=True), CODE])

    result = run_csv("events", f"slug,stations\n{event.slug},{';'.join(codes)}\n", user=researcher)

    assert result.counts["proposed"] == 1
    assert CODE not in event.stations.values_list("code", flat=True)
    proposal = Proposal.objects.for_record(event).get()
    wanted = Station.objects.filter(code__in=codes).values_list("pk", flat=True)
    assert proposal.changes == {"stations": sorted(str(pk) for pk in wanted)}


# --- An editor's (or the command line's) sheet on published records: the forms' rules ----

NLD_EVENT = "2022-11-netherlands-orders-closure"


def test_an_editors_sheet_withdrawing_a_published_station_needs_a_reason(editor):
    result = run_csv("stations", f"code,state\n{CODE},draft\n", user=editor)

    assert result.dry_run
    [problem] = result.problems
    assert (problem.row, problem.column) == (2, "state")
    assert "public reason" in problem.message
    assert Station.objects.get(code=CODE).state == State.PUBLISHED
    assert not Correction.objects.exists()


def test_an_editors_sheet_withdraws_with_the_imports_note_and_the_page_answers_410(editor, client):
    note = "Two reports were found to describe one site."

    result = run_csv("stations", f"code,state\n{CODE},draft\n", user=editor, note=note)

    assert not result.problems
    response = client.get(f"/stations/{CODE}/")
    assert response.status_code == 410
    assert note in response.content.decode()
    log = client.get(reverse("tracker:changes"), {"record": CODE}).content.decode()
    assert "Withdrawn" in log and note in log


def test_the_command_line_withdraws_a_published_station_only_with_a_note(tmp_path, client):
    sheet = tmp_path / "withdraw.csv"
    sheet.write_text(f"code,state\n{CODE},draft\n")

    code, out, _ = run_import("stations", sheet)

    assert code == 1
    assert "row 2, column state:" in out and "--note" in out
    assert Station.objects.get(code=CODE).state == State.PUBLISHED

    code, out, _ = run_import("stations", sheet, "--note", "A duplicate of GBR02.")

    assert code == 0, out
    assert client.get(f"/stations/{CODE}/").status_code == 410
    assert Correction.objects.get(record_key=CODE, withdrawal=True).note == "A duplicate of GBR02."


def test_an_editors_change_to_a_published_station_is_in_the_corrections_log(editor, client):
    run_csv("stations", f"code,city\n{CODE},Croydon\n", user=editor)

    entry = Correction.objects.get(record_key=CODE)
    assert [(c["field"], c["old"], c["new"]) for c in entry.changes] == [
        ("city", "London", "Croydon")
    ]
    assert entry.editor == editor
    log = client.get(reverse("tracker:changes"), {"record": CODE}).content.decode()
    assert "Croydon" in log


def test_the_imports_note_is_the_public_note_of_its_corrections(editor):
    run_csv("stations", f"code,city\n{CODE},Croydon\n", user=editor, note="The BBC names Croydon.")

    assert Correction.objects.get(record_key=CODE).note == "The BBC names Croydon."


def test_an_editors_citation_row_on_a_published_station_is_logged(editor):
    station = Station.objects.get(code=CODE)
    source = Source.objects.published().exclude(citations__station=station).first()

    run_csv("citations", f"source,station,locator\n{source.key},{CODE},p. 4\n", user=editor)

    [change] = Correction.objects.get(record_key=CODE).changes
    assert change["field"] == "citations"
    assert f"{source.key} (p. 4)" in change["new"]


def test_countries_replaced_by_a_sheet_show_the_removal_and_are_logged(editor, client):
    sheet = f"slug,countries\n{NLD_EVENT},GBR\n"

    preview = run_csv("events", sheet, user=editor, dry_run=True)

    [change] = preview.changes
    cells = {column: (now, after) for column, now, after in change.columns}
    assert cells["countries"] == ("Netherlands", "+ United Kingdom; − Netherlands")

    run_csv("events", sheet, user=editor)

    [logged] = Correction.objects.get(record_key=NLD_EVENT).changes
    assert (logged["field"], logged["old"], logged["new"]) == (
        "countries",
        "Netherlands",
        "United Kingdom",
    )
    log = client.get(reverse("tracker:changes"), {"record": NLD_EVENT}).content.decode()
    assert "United Kingdom" in log


def test_a_station_unlinked_by_a_sheet_is_logged_and_its_version_moves(editor):
    event = Event.objects.get(slug=NLD_EVENT)
    dropped = Station.objects.get(code="NLD03")
    assert event.stations.filter(pk=dropped.pk).exists()

    result = run_csv("events", f"slug,stations\n{NLD_EVENT},NLD01\n", user=editor, dry_run=True)
    [change] = result.changes
    assert ("stations", "NLD01; NLD03", "− NLD03") in change.columns

    run_csv("events", f"slug,stations\n{NLD_EVENT},NLD01\n", user=editor)

    assert not event.stations.filter(pk=dropped.pk).exists()
    [logged] = Correction.objects.get(record_key=NLD_EVENT).changes
    assert logged["field"] == "stations"
    assert "NLD03" in logged["old"] and "NLD03" not in logged["new"]
    # The station's form shows its events: one opened before must not save the link back.
    assert Station.objects.get(pk=dropped.pk).version == dropped.version + 1


def test_the_admin_import_takes_a_public_note_for_a_withdrawal(editor_client, client):
    content = f"code,state\n{CODE},draft\n".encode()

    refused = upload(editor_client, "withdraw.csv", content).content.decode()
    assert "public reason" in refused and "Confirm import" not in refused

    response = editor_client.post(
        IMPORT_URL,
        {
            "import_file": SimpleUploadedFile("withdraw.csv", content),
            "format": "0",
            "resource": "0",
            "public_note": "Merged into GBR02.",
        },
    )
    assert "Merged into GBR02." in response.content.decode()
    confirm(editor_client, response)

    assert Station.objects.get(code=CODE).state == State.DRAFT
    gone = client.get(f"/stations/{CODE}/")
    assert gone.status_code == 410 and "Merged into GBR02." in gone.content.decode()
