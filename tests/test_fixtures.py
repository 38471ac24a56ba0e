"""The seed files in fixtures/ can be defended line by line.

Read straight from the JSON, without the database, so a curator who edits a
fixture learns at once that a source lost its address, that a record lost its
last citation, or that a citation claims support for a fact the record does not
state.
"""

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# The facts a citation may name, per kind of record (DESIGN.md, Data: `supports`).
STATION_FACTS = {"city", "location", "capital", "bureau", "active", "status", "host"}
EVENT_FACTS = {"date", "type", "title", "countries", "stations"}


def load(name):
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def published(rows):
    """Seed rows carry no state of their own: the seed publishes them all."""
    return [row for row in rows if row.get("state", "published") == "published"]


def blank_station_facts(station):
    """Facts a station row leaves blank, which no citation may claim to support."""
    fields = ("city", "location", "host", "bureau", "status")
    blank = {field for field in fields if not station.get(field)}
    # "na." is the table's "years unknown": there is no year to support.
    if station.get("active", "") in ("", "na."):
        blank.add("active")
    # Without a city there is nothing to be, or not be, the capital.
    if not station.get("city"):
        blank.add("capital")
    return blank


def blank_event_facts(event):
    """Facts an event row leaves blank, which no citation may claim to support."""
    return {field for field in EVENT_FACTS if not event.get(field)}


SOURCES = load("sources")
STATIONS = load("stations")
EVENTS = load("events")
RECORDS = [("station", row["code"], row) for row in STATIONS] + [
    ("event", row["slug"], row) for row in EVENTS
]


@pytest.mark.parametrize("source", published(SOURCES), ids=lambda source: source["key"])
def test_a_published_source_has_a_url_or_a_title(source):
    assert source.get("url") or source.get("title"), (
        f"source {source['key']} is published but names neither URL nor title"
    )


def test_source_keys_are_unique():
    keys = [source["key"] for source in SOURCES]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(("kind", "name", "record"), RECORDS, ids=[r[1] for r in RECORDS])
def test_a_published_record_cites_an_existing_source(kind, name, record):
    keys = {source["key"] for source in published(SOURCES)}
    citations = record.get("citations", [])
    assert citations, f"{kind} {name} is published without a citation"
    for citation in citations:
        unknown = citation["source"]
        assert unknown in keys, f"{kind} {name} cites unknown source {unknown}"


@pytest.mark.parametrize(("kind", "name", "record"), RECORDS, ids=[r[1] for r in RECORDS])
def test_supports_name_facts_the_record_states(kind, name, record):
    allowed = STATION_FACTS if kind == "station" else EVENT_FACTS
    blank = blank_station_facts(record) if kind == "station" else blank_event_facts(record)
    for citation in record.get("citations", []):
        supports = citation.get("supports", [])
        assert isinstance(supports, list), f"{kind} {name}: supports must be a list"
        unknown = set(supports) - allowed
        assert not unknown, f"{kind} {name} / {citation['source']}: not a {kind} fact: {unknown}"
        claimed_blank = set(supports) & blank
        assert not claimed_blank, (
            f"{kind} {name} / {citation['source']} supports {claimed_blank}, "
            "which the record leaves blank"
        )


def test_a_source_cites_each_record_once():
    # The seed matches a citation by source and record: a second one would be lost.
    for kind, name, record in RECORDS:
        cited = [citation["source"] for citation in record.get("citations", [])]
        assert len(cited) == len(set(cited)), f"{kind} {name} cites a source twice"


def test_the_checks_catch_what_they_promise():
    station = {"city": "", "active": "na.", "bureau": "fuzhou", "status": "reported"}
    assert {"city", "capital", "active", "location", "host"} <= blank_station_facts(station)
    event = {"date": "2022", "type": "report", "title": "x", "countries": [], "stations": []}
    assert blank_event_facts(event) == {"countries", "stations"}
