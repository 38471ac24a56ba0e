"""The seed dataset: what the article's table and narrative say, nothing more."""

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse

from tracker.models import Bureau, Citation, Event, Source, State, Station

pytestmark = pytest.mark.django_db


def counts(queryset, field):
    return dict(queryset.values_list(field).annotate(n=Count("pk")).order_by())


def test_seed_has_the_tables_70_stations_in_39_countries():
    stations = Station.objects.published()
    assert stations.count() == 70
    assert stations.values("country").distinct().count() == 39


def test_seed_has_the_six_bureaus_with_chinese_names():
    assert set(Bureau.objects.values_list("slug", flat=True)) == {
        "fuzhou",
        "qingtian",
        "nantong",
        "wenzhou",
        "lishui",
        "laiyang",
    }
    assert not Bureau.objects.filter(name_zh="").exists()
    assert not Bureau.objects.filter(pinyin="").exists()
    assert Bureau.objects.get(slug="qingtian").name == "Qingtian County Public Security Bureau"


def test_stations_per_continent_match_the_table():
    assert counts(Station.objects.published(), "country__continent") == {
        "europe": 38,
        "africa": 11,
        "asia": 10,
        "south-america": 6,
        "north-america": 4,
        "oceania": 1,
    }


def test_stations_per_bureau_match_the_table():
    assert counts(Station.objects.published(), "bureau__slug") == {
        "fuzhou": 33,
        "qingtian": 22,
        "nantong": 10,
        "wenzhou": 2,
        "lishui": 2,
        "laiyang": 1,
    }


def test_london_hendon_station():
    station = Station.objects.get(code="GBR02")
    assert (station.city, station.location, station.is_capital) == (
        "London",
        "49 Watford Way, Hendon",
        True,
    )
    assert station.bureau.slug == "fuzhou"


def test_dublin_station_active_2022_and_closed():
    station = Station.objects.get(code="IRL01")
    assert (station.city, station.location, station.active) == ("Dublin", "Capel Street", "2022")
    assert station.status == Station.Status.CLOSED
    assert station.events.filter(type=Event.Type.CLOSURE).exists()


@pytest.mark.parametrize(
    ("code", "city", "active"),
    [
        ("IDN01", "Jakarta", "2016–?"),
        ("BRN01", "Bandar Seri Begawan", "na."),
        ("KHM02", "", "2016–?"),
        ("UZB01", "", "na."),
        ("AUS01", "Sydney", "2018–?"),
        # The reports put Rotterdam on the Fuzhou row, opened in 2022; the article's second
        # Lishui office has no city any source gives (see fixtures/PROVENANCE.md).
        ("NLD03", "Rotterdam", "2022–?"),
        ("NLD04", "", "2018–?"),
        ("USA01", "New York", "na."),
    ],
)
def test_cities_and_years_are_as_the_sources_give_them(code, city, active):
    station = Station.objects.get(code=code)
    assert (station.city, station.active) == (city, active)


def test_places_the_narrative_adds_cite_their_source():
    assert Station.objects.get(code="USA01").host == "American Changle Association"
    for code in ("AUS01", "NLD01", "NLD03", "USA01"):
        keys = set(Station.objects.get(code=code).citations.values_list("source__key", flat=True))
        assert keys - {"wikipedia-overseas-stations"}, f"{code} cites only the table"


def test_unknown_city_and_capital_marker_are_not_copied_into_cities():
    assert not Station.objects.filter(city__icontains="unknown").exists()
    assert not Station.objects.filter(city__endswith="C").exists()
    assert Station.objects.filter(is_capital=True, city="").count() == 0


def test_events_span_2014_to_2024_with_precisions_and_types():
    events = Event.objects.published()
    assert events.count() >= 40
    assert events.oldest_first().first().date.year == 2014
    assert events.filter(date__year=2024).count() >= 2
    assert Event.objects.filter(slug="2022-11-canada-summons-ambassador").exists()
    precisions = set(events.values_list("date_precision", flat=True))
    assert {"year", "month", "day", "undated"} <= precisions


def test_tokyo_search_is_dated_when_it_happened():
    # Jiji Press: the search took place in May 2023 and became public in February 2024.
    tokyo = Event.objects.get(slug="2023-05-tokyo-police-search")
    assert (tokyo.type, tokyo.date.isoformat(), tokyo.date_precision) == (
        Event.Type.RAID,
        "2023-05-01",
        "month",
    )
    assert "May 2023" in tokyo.description and "February 2024" in tokyo.description


def test_japan_and_korea_reports_are_handled_alike():
    # Neither source names the table row, so neither event is linked to JPN01 or KOR01.
    for slug in ("2023-05-tokyo-police-search", "2023-05-south-korea-nis-restaurant-finding"):
        assert not Event.objects.get(slug=slug).stations.exists()


def test_narrative_facts_have_events():
    for slug in (
        "2022-09-safeguard-230000-persuaded-to-return",
        "2023-12-montreal-groups-threaten-to-sue-rcmp",
        "2022-laiyang-station-myanmar-notice",
    ):
        assert Event.objects.published().filter(slug=slug).exists()
    laiyang = Event.objects.get(slug="2022-laiyang-station-myanmar-notice")
    assert list(laiyang.stations.values_list("code", flat=True)) == ["MMR02"]
    # No source dates the notice: it is undated, not filed under a guessed year.
    assert (laiyang.date, laiyang.date_precision) == (None, "undated")


def test_every_published_station_and_event_cites_a_source():
    assert not Station.objects.published().filter(citations__isnull=True).exists()
    assert not Event.objects.published().filter(citations__isnull=True).exists()


def test_cited_sources_include_the_narratives_publications():
    keys = set(Source.objects.published().values_list("key", flat=True))
    for key in ("safeguard-2022-09", "safeguard-2022-12", "jamestown-schrader", "nyt-2023-01"):
        assert key in keys


def test_seed_publishes_every_station_and_event_and_every_cited_source():
    for model in (Station, Event):
        assert not model.objects.exclude(state=State.PUBLISHED).exists()
    # The fixtures keep a source no record cites as a draft (fixtures/PROVENANCE.md).
    drafts = Source.objects.exclude(state=State.PUBLISHED)
    assert set(drafts.values_list("key", flat=True)) == {
        "globe-2022-toronto",
        "il-foglio-2022-10-29",
        "politico-2022-12-germany",
        "repubblica-2022-12-08",
    }
    assert not Citation.objects.filter(source__in=drafts).exists()


def test_seed_twice_changes_nothing():
    before = {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (Station, Event, Source, Citation, Bureau)
    }
    history_before = Station.history.count() + Event.history.count() + Citation.history.count()
    call_command("seed", verbosity=0)
    after = {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (Station, Event, Source, Citation, Bureau)
    }
    assert after == before
    history_after = Station.history.count() + Event.history.count() + Citation.history.count()
    assert history_after == history_before


def test_seed_if_empty_skips_a_database_with_stations(capsys):
    call_command("seed", "--if-empty")
    assert "skipped" in capsys.readouterr().out


def test_stations_and_events_whose_sources_disagree_are_listed_in_needs_work(editor_client):
    # NLD04: the article's second Lishui office against the reports that give Rotterdam to
    # Fuzhou; the Manhattan search: October 2022, "last fall" or January 2023.
    response = editor_client.get(reverse("admin-needs-work"))
    items = {item["label"]: item for item in response.context["items"]}
    stations = items["Stations whose sources disagree (their notes say so)"]
    events = items["Events whose sources disagree (their description says so)"]
    listed = editor_client.get(stations["url"]).context["cl"].result_list
    assert [station.code for station in listed] == ["NLD04"]
    listed = editor_client.get(events["url"]).context["cl"].result_list
    assert [event.slug for event in listed] == ["2022-10-fbi-search-manhattan-station"]
    assert (stations["count"], events["count"]) == (1, 1)
