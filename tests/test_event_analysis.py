"""Events for analysis: several types and countries, years, a summary, labelled dates."""

import csv
import io

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = reverse("tracker:event_list")


def slugs(response):
    return [e.slug for e in response.context["page"].paginator.object_list]


def test_type_repeats_in_the_form_as_in_the_url(client):
    response = client.get(URL, {"type": ["raid", "closure"]})
    types = {e.type for e in response.context["page"].paginator.object_list}
    assert types == {"raid", "closure"}
    page = response.content.decode()
    # Both are ticked in the form, which sends them back as repeated parameters.
    assert 'type="checkbox" name="type" value="raid" checked' in page
    assert 'type="checkbox" name="type" value="closure" checked' in page


def test_country_repeats_in_the_form(client):
    response = client.get(URL, {"country": ["NLD", "IRL"]})
    page = response.content.decode()
    assert 'name="country" value="NLD" checked' in page
    assert 'name="country" value="IRL" checked' in page
    for event in response.context["page"].paginator.object_list:
        assert {"NLD", "IRL"} & {c.code for c in event.countries.all()}


def test_from_and_to_years_bound_the_timeline(client):
    response = client.get(URL, {"from": 2022, "to": 2023, "type": "investigation"})
    years = {e.date.year for e in response.context["page"].paginator.object_list}
    assert years and years <= {2022, 2023}
    assert client.get(URL, {"from": "soon"}).context["errors"]


def test_summary_counts_events_by_country_and_type(client):
    response = client.get(URL, {"type": "investigation", "from": 2022, "to": 2023})
    summary = response.context["summary"]
    assert [value for value, _ in summary["types"]] == ["investigation"]
    countries = {row["code"]: row["total"] for row in summary["rows"]}
    assert countries["CAN"] == 2  # the 2022 announcements and the 2023 RCMP investigations
    table = client.get("/events/summary.csv", {"type": "investigation"})
    rows = list(csv.reader(io.StringIO(table.content.decode())))
    assert rows[0] == ["country", "country_name", "investigation", "total"]
    assert ["CAN", "Canada", "2", "2"] in rows
    assert "events_by_country_investigation_" in table["Content-Disposition"]


def test_vague_dates_are_labelled_and_come_after_precise_ones(client):
    response = client.get(URL, {"from": 2022, "to": 2022})
    page = response.content.decode()
    assert "2022 (year only)" in page
    assert "October 2022 (month only)" in page
    order = slugs(response)
    # Newest first: the year-only event, which may be any day of 2022, closes the year.
    assert order[-1] == "2022-several-countries-announce-investigations"


def test_station_timeline_puts_a_year_only_event_after_that_year(client):
    # Oldest first on a station's page; "2022 (year only)" (NLD03's opening) after the
    # October and November 2022 events, since it could be any day of the year.
    page = client.get("/stations/NLD03/").content.decode()
    assert page.index("October 2022 (month only)") < page.index("2022 (year only)")
    assert page.index("November 2022 (month only)") < page.index("2022 (year only)")


def test_the_feed_follows_the_filters(client):
    feed = client.get("/events/feed/", {"type": "raid"}).content.decode()
    assert "Tokyo" in feed and "Dublin" not in feed
    link = 'href="/events/feed/?type=raid"'
    assert link in client.get(URL, {"type": "raid"}).content.decode()
