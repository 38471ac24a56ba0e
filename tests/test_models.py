"""The data model's rules, enforced by the database and the model layer."""

import pytest
from django.db import DatabaseError, IntegrityError, transaction

from tracker.models import (
    Bureau,
    Citation,
    ConcurrentEditError,
    Country,
    Event,
    Source,
    State,
    Station,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def bureau():
    return Bureau.objects.create(slug="testbureau", name="Test City Public Security Bureau")


def make_station(bureau, **fields):
    values = {"code": "ATA01", "country_id": "ATA", "bureau": bureau, **fields}
    with transaction.atomic():
        return Station.objects.create(**values)


def test_every_iso_country_exists_with_a_continent():
    assert Country.objects.count() == 249
    assert not Country.objects.filter(continent="").exists()
    assert Country.objects.get(code="KOR").name == "South Korea"
    assert Country.objects.get(code="NLD").continent == "europe"
    assert Country.objects.get(code="ECU").continent == "south-america"


@pytest.mark.parametrize("code", ["ata01", "AT01", "ATA1", "ATA001", "AT-01", "ATAX1"])
def test_station_code_must_be_three_letters_and_two_digits(bureau, code):
    # PostgreSQL refuses the over-long code for its length, SQLite by the pattern.
    with pytest.raises(DatabaseError):
        make_station(bureau, code=code)


def test_station_code_letters_must_match_its_country(bureau):
    with pytest.raises(IntegrityError):
        make_station(bureau, code="NLD99")


def test_station_code_is_unique(bureau):
    make_station(bureau)
    with pytest.raises(IntegrityError):
        make_station(bureau)


def test_active_range_cannot_end_before_it_starts(bureau):
    with pytest.raises(IntegrityError):
        make_station(bureau, active_from=2022, active_until=2018)


def test_end_year_needs_a_start_year(bureau):
    with pytest.raises(IntegrityError):
        make_station(bureau, active_until=2018)


@pytest.mark.parametrize(
    ("start", "end", "table", "words"),
    [
        (None, None, "na.", "Years active unknown"),
        (2016, None, "2016–?", "Active from 2016; end unknown or still active"),
        (2022, 2022, "2022", "Active in 2022"),
        (2018, 2022, "2018–2022", "Active from 2018 to 2022"),
    ],
)
def test_active_years_keep_unknown_open_and_closed_apart(bureau, start, end, table, words):
    station = make_station(bureau, active_from=start, active_until=end)
    assert station.active == table
    assert station.active_display == words


def test_citation_supports_exactly_one_record(bureau):
    source = Source.objects.create(key="test-source", title="A report")
    station = make_station(bureau)
    event = Event.objects.create(slug="e", date="2022-01-01", type="report", title="E")
    with pytest.raises(IntegrityError), transaction.atomic():
        Citation.objects.create(source=source, station=station, event=event)
    with pytest.raises(IntegrityError), transaction.atomic():
        Citation.objects.create(source=source)


def test_published_is_the_only_public_door(bureau):
    draft = make_station(bureau)
    assert draft.state == State.DRAFT
    assert not Station.objects.published().filter(pk=draft.pk).exists()
    draft.state = State.PUBLISHED
    draft.save()
    assert Station.objects.published().filter(pk=draft.pk).exists()


def test_a_stale_copy_cannot_overwrite_a_newer_save(bureau):
    station = make_station(bureau, city="First")
    stale = Station.objects.get(pk=station.pk)
    station.city = "Second"
    station.save()
    stale.city = "Stale"
    with pytest.raises(ConcurrentEditError, match="was changed by"):
        stale.save()
    station.refresh_from_db()
    assert station.city == "Second"


def test_every_save_is_recorded_in_history(bureau):
    station = make_station(bureau, city="Before")
    station.city = "After"
    station.save()
    assert [h.city for h in station.history.all()] == ["After", "Before"]


@pytest.mark.parametrize(
    "query", ["LONDON", "london", "Fuzhou", "福州", "fuzhou shi", "gonganju", "gong'anju"]
)
def test_search_is_case_accent_and_pinyin_insensitive(query):
    bureau = Bureau.objects.create(
        slug="fz", name="Fz City Bureau", name_zh="福州市公安局", pinyin="Fúzhōu Shì Gōng'ānjú"
    )
    station = make_station(bureau, city="Lóndon")
    # The seed has London and Fuzhou stations too: look among this one's country only.
    assert list(Station.objects.filter(country="ATA").search(query)) == [station]


def test_search_finds_accented_text_from_plain_letters(bureau):
    station = make_station(bureau, city="Hǎiwài Town")
    antarctic = Station.objects.filter(country="ATA")
    assert list(antarctic.search("haiwai")) == [station]
    # A lone term of three letters or fewer matches whole words only ("UK" is not
    # "Ukraine"), so "HAI" alone does not find "Hǎiwài"; with other terms it may.
    assert list(antarctic.search("HAI")) == []
    assert list(antarctic.search("hai town")) == [station]
    assert list(antarctic.search("海外")) == []
