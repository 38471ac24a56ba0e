"""Fill the database named by DATABASE_URL with a synthetic dataset for the benchmarks.

    DATABASE_URL=sqlite:////abs/bench.sqlite3 python bench/make_data.py --stations 20000 \
        --events 200000 --sources 20000

The database is migrated and seeded first (the real countries, bureaus and the
70 seed stations), then synthetic published records are added with bulk inserts.
Their stored search text comes from the models' own ``refresh_search_text()``,
so search behaves as on curated records. The synthetic records are clearly
fake (``Benchmark source 17``): this file is never a source of facts.
"""

import argparse
import datetime
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BATCH = 2000

# Made-up place names, plus real capitals so that searches such as "madrid" find
# a realistic share of rows.
SYLLABLES = ["an", "bel", "cor", "dan", "el", "fal", "gar", "hol", "is", "jun", "kal", "lor"]
REAL_CITIES = {"ESP": ["Madrid", "Barcelona", "Valencia"], "ITA": ["Rome", "Milan", "Prato"]}
HOSTS = ["Overseas Chinese association", "Hometown association", "Trade council", ""]
SUMMARY = (
    "Synthetic benchmark station in {city}, associated with the {bureau}; "
    "generated to measure the site at a hundred times its size."
)
PUBLISHERS = ["Benchmark Wire", "Example Daily", "Sample Monitor", "Test Gazette"]


def city_names(rng: random.Random, count: int) -> list[str]:
    names = set()
    while len(names) < count:
        names.add("".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize())
    return sorted(names)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=20000)
    parser.add_argument("--events", type=int, default=200000)
    parser.add_argument("--sources", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=2022, help="random seed, for a repeatable set")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from tracker.models import Bureau, Citation, Country, Event, Source, State, Station

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed", verbosity=0)
    rng = random.Random(args.seed)
    published = State.PUBLISHED

    countries = list(Country.objects.exclude(continent="antarctica").order_by("code"))
    bureaus = list(Bureau.objects.order_by("slug"))
    # Station codes are ISO3 + two digits: at most 100 per country.
    taken = set(Station.objects.values_list("code", flat=True))
    free_codes = [
        f"{country.code}{number:02d}"
        for country in countries
        for number in range(100)
        if f"{country.code}{number:02d}" not in taken
    ]
    # Weighted like the real data: the countries with seed stations get more.
    seeded = set(Station.objects.values_list("country_id", flat=True))
    rng.shuffle(free_codes)
    free_codes.sort(key=lambda code: code[:3] not in seeded)
    wanted = max(0, args.stations - len(taken))
    codes = sorted(free_codes[:wanted])
    by_code = {country.code: country for country in countries}
    names = city_names(rng, 400)

    with transaction.atomic():
        sources = []
        for number in range(args.sources):
            day = datetime.date(2015, 1, 1) + datetime.timedelta(days=rng.randrange(4000))
            source = Source(
                key=f"bench-source-{number}",
                title=f"Benchmark source {number}",
                publisher=rng.choice(PUBLISHERS),
                kind=rng.choice(Source.Kind.values),
                language="en",
                published_on=day,
                published_precision="day",
                state=published,
            )
            source.refresh_search_text()
            sources.append(source)
        Source.objects.bulk_create(sources, batch_size=BATCH)
        source_ids = list(Source.objects.published().values_list("pk", flat=True))

        stations = []
        for code in codes:
            country = by_code[code[:3]]
            bureau = rng.choice(bureaus)
            city = rng.choice(REAL_CITIES.get(country.code, []) + names[:3] + [rng.choice(names)])
            start = rng.choice([None, *range(2016, 2023)])
            station = Station(
                code=code,
                country=country,
                bureau=bureau,
                city=city,
                location=f"{rng.choice(names)} Street",
                host=rng.choice(HOSTS),
                active_from=start,
                active_until=rng.choice([None, 2022, 2023]) if start else None,
                status=rng.choice(Station.Status.values),
                summary=SUMMARY.format(city=city, bureau=bureau.name),
                state=published,
            )
            station.refresh_search_text()
            stations.append(station)
        Station.objects.bulk_create(stations, batch_size=BATCH)
        station_ids = list(
            Station.objects.filter(code__in=codes).values_list("pk", "country_id").iterator()
        )

        citations = []
        for station_id, _ in station_ids:
            for source_id in rng.sample(source_ids, rng.randint(1, 3)):
                citations.append(Citation(source_id=source_id, station_id=station_id))
        Citation.objects.bulk_create(citations, batch_size=BATCH)

        events = []
        for number in range(args.events):
            day = datetime.date(2015, 1, 1) + datetime.timedelta(days=rng.randrange(4000))
            event = Event(
                slug=f"{day:%Y-%m}-benchmark-event-{number}",
                date=day,
                date_precision=rng.choice(["day", "day", "month", "year"]),
                type=rng.choice(Event.Type.values),
                title=f"Benchmark event {number}",
                description="Synthetic event generated for the benchmarks.",
                state=published,
            )
            event.refresh_search_text()
            events.append(event)
        Event.objects.bulk_create(events, batch_size=BATCH)
        event_ids = list(
            Event.objects.filter(slug__contains="-benchmark-event-").values_list("pk", flat=True)
        )

        station_links, country_links, event_citations = [], [], []
        StationLink = Event.stations.through
        CountryLink = Event.countries.through
        for event_id in event_ids:
            linked = rng.sample(station_ids, rng.randint(1, 2)) if station_ids else []
            for station_id, _ in linked:
                station_links.append(StationLink(event_id=event_id, station_id=station_id))
            for country_id in {country_id for _, country_id in linked}:
                country_links.append(CountryLink(event_id=event_id, country_id=country_id))
            for source_id in rng.sample(source_ids, rng.randint(1, 2)):
                event_citations.append(Citation(source_id=source_id, event_id=event_id))
        StationLink.objects.bulk_create(station_links, batch_size=BATCH)
        CountryLink.objects.bulk_create(country_links, batch_size=BATCH)
        Citation.objects.bulk_create(event_citations, batch_size=BATCH)

    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"{Station.objects.published().count()} published stations, "
        f"{Event.objects.published().count()} events, "
        f"{Source.objects.published().count()} sources, {Citation.objects.count()} citations "
        f"in {time.monotonic() - started:.0f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
