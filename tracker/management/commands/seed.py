"""Load the seed dataset in ``fixtures/`` into the database."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tracker import text
from tracker.countries import iso_countries
from tracker.models import (
    Bureau,
    Citation,
    Country,
    Event,
    Source,
    State,
    Station,
    clean_supports,
    refresh_planner_statistics,
)

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
SEED_REASON = "Loaded from the seed dataset"


class Command(BaseCommand):
    help = (
        "Load the seed dataset (fixtures/*.json): bureaus, sources, stations, events "
        "and their citations, all published. Records are matched by natural key and "
        "only changed fields are written, so a second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds stations.",
        )

    def handle(self, *args, **options):
        if options["if_empty"] and Station.objects.exists():
            self.stdout.write("Stations already present: seed skipped.")
            return
        try:
            data = {
                name: json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
                for name in ("bureaus", "sources", "stations", "events")
            }
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read the seed dataset: {error}") from None
        self.changes = 0
        with transaction.atomic():
            self.load_countries()
            bureaus = {row["slug"]: self.load_bureau(row) for row in data["bureaus"]}
            sources = {row["key"]: self.load_source(row) for row in data["sources"]}
            for row in data["stations"]:
                station = self.load_station(row, bureaus)
                self.load_citations(row, sources, station=station)
            for row in data["events"]:
                event = self.load_event(row)
                self.load_citations(row, sources, event=event)
        if self.changes:
            refresh_planner_statistics()
        self.stdout.write(
            self.style.SUCCESS(
                f"Seed dataset: {len(data['stations'])} stations, {len(data['events'])} events, "
                f"{len(data['sources'])} sources; {self.changes} records written."
            )
        )

    def upsert(self, model, lookup: dict, values: dict):
        """Create or update one record, writing only when a value differs."""
        instance = model._base_manager.filter(**lookup).first()
        if instance is None:
            instance = model(**lookup, **values)
        elif all(getattr(instance, field) == value for field, value in values.items()):
            return instance
        else:
            for field, value in values.items():
                setattr(instance, field, value)
        instance._change_reason = SEED_REASON
        instance.full_clean(validate_unique=False, validate_constraints=False)
        instance.save()
        self.changes += 1
        return instance

    def load_countries(self):
        existing = set(Country.objects.values_list("code", flat=True))
        Country.objects.bulk_create(
            Country(code=code, name=name, continent=continent)
            for code, name, continent in iso_countries()
            if code not in existing
        )

    def load_bureau(self, row):
        return self.upsert(
            Bureau,
            {"slug": row["slug"]},
            {"name": row["name"], "name_zh": row["name_zh"], "pinyin": row["pinyin"]},
        )

    def load_source(self, row):
        published_on, precision = text.parse_partial_date(row.get("published_on"))
        accessed_on, _ = text.parse_partial_date(row.get("accessed_on"))
        values = {
            field: row.get(field, "")
            for field in ("title", "title_zh_hans", "title_zh_hant", "authors", "publisher")
            + ("kind", "language", "url")
        }
        values.update(
            archived_url=row.get("archived_url", ""),
            published_on=published_on,
            published_precision=precision,
            accessed_on=accessed_on,
            state=State.PUBLISHED,
        )
        return self.upsert(Source, {"key": row["key"]}, values)

    def load_station(self, row, bureaus):
        active_from, active_until = text.parse_active(row.get("active"))
        values = {
            "country_id": row["country"],
            "city": row.get("city", ""),
            "location": row.get("location", ""),
            "is_capital": bool(row.get("capital")),
            "bureau": bureaus[row["bureau"]],
            "active_from": active_from,
            "active_until": active_until,
            "status": row.get("status") or Station.Status.REPORTED,
            "host": row.get("host", ""),
            "summary": row.get("summary", ""),
            "summary_zh_hans": row.get("summary_zh_hans", ""),
            "summary_zh_hant": row.get("summary_zh_hant", ""),
            "notes": row.get("notes", ""),
            "state": State.PUBLISHED,
        }
        return self.upsert(Station, {"code": row["code"]}, values)

    def load_event(self, row):
        day, precision = text.parse_partial_date(row["date"])
        values = {
            "date": day,
            "date_precision": precision,
            "type": row["type"],
            "title": row["title"],
            "title_zh_hans": row.get("title_zh_hans", ""),
            "title_zh_hant": row.get("title_zh_hant", ""),
            "description": row.get("description", ""),
            "state": State.PUBLISHED,
        }
        event = self.upsert(Event, {"slug": row["slug"]}, values)
        countries = set(row.get("countries", []))
        if set(event.countries.values_list("code", flat=True)) != countries:
            event.countries.set(countries)
            self.changes += 1
        codes = set(row.get("stations", []))
        if set(event.stations.values_list("code", flat=True)) != codes:
            event.stations.set(Station.objects.filter(code__in=codes))
            self.changes += 1
        return event

    def load_citations(self, row, sources, station=None, event=None):
        for cited in row.get("citations", []):
            values = {"locator": cited.get("locator", ""), "quotation": cited.get("quotation", "")}
            if "supports" in cited:
                # The facts this source states, checked and in the order they are
                # stored, so a second run sees no difference.
                kind = "station" if station is not None else "event"
                values["supports"] = clean_supports(cited["supports"], kind)
            self.upsert(
                Citation,
                {"source": sources[cited["source"]], "station": station, "event": event},
                values,
            )
