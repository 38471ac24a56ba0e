"""Imports follow the editorial rules the admin enforces.

A researcher's sheet changing a published record is kept as a proposal for
an editor (the public sees nothing change); an editor's is written. A sheet
may publish a station only if it cites a published source, or one the same
workbook publishes.
"""

import io

import pytest

from tests.test_import_admin import upload
from tests.test_proposals import public_snapshot
from tracker.importing.readers import Workbook
from tracker.importing.run import import_sheet, import_workbook
from tracker.importing.writers import write_sheets
from tracker.models import Citation, Proposal, Source, State, Station

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
