"""Load the seed dataset in ``fixtures/`` into the database."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from tracker.countries import iso_countries
from tracker.importing.columns import column_names
from tracker.importing.engine import ImportRun
from tracker.models import Country, State, Station, refresh_planner_statistics

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
SEED_REASON = "Loaded from the seed dataset"


def _cells(row: dict, names, **extra) -> list[str]:
    """A fixture entry as a sheet row: lists joined by ``;``, True as yes, unknown keys ignored."""
    values = {**row, **extra}
    cells = []
    for name in names:
        value = values.get(name, "")
        if isinstance(value, list):
            value = ";".join(value)
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        elif value is None:
            value = ""
        cells.append(str(value))
    return cells


def seed_sheets(data: dict) -> dict[str, list[list[str]]]:
    """The fixtures as the sheets of an ``all`` workbook: the import reads them."""
    published = State.PUBLISHED.value
    sheets = {kind: [column_names(kind)] for kind in data} | {"citations": []}
    sheets["citations"].append(column_names("citations"))
    for row in data["bureaus"]:
        sheets["bureaus"].append(_cells(row, sheets["bureaus"][0]))
    for row in data["sources"]:
        # A source no record cites stays a draft when its fixture says so.
        state = row.get("state", published)
        sheets["sources"].append(_cells(row, sheets["sources"][0], state=state))
    for kind, target in (("stations", "code"), ("events", "slug")):
        for row in data[kind]:
            cited = [c["source"] for c in row.get("citations", [])]
            extra = {"state": published, "sources": cited}
            if kind == "stations":
                extra["status"] = row.get("status") or Station.Status.REPORTED
                extra["capital"] = bool(row.get("capital"))
            sheets[kind].append(_cells(row, sheets[kind][0], **extra))
            for cited in row.get("citations", []):
                link = {kind[:-1]: row[target]}
                sheets["citations"].append(_cells(cited, sheets["citations"][0], **link))
    return sheets


class Command(BaseCommand):
    help = (
        "Load the seed dataset (fixtures/*.json): bureaus, sources, stations, events "
        "and their citations, published (a source whose fixture says draft stays one), "
        "through the spreadsheet import. Records are "
        "matched by natural key and only changed fields are written, so a second run "
        "changes nothing."
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
            sheets = seed_sheets(data)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise CommandError(f"Cannot read the seed dataset: {error}") from None
        changes = 0
        # The records this load creates: their citations sheet fills them in, unlogged.
        created: set = set()
        with transaction.atomic():
            self.load_countries()
            for kind in ("bureaus", "sources", "stations", "events", "citations"):
                rows = iter(enumerate(sheets[kind], 1))
                run = ImportRun(kind, rows, reason=SEED_REASON, created=created)
                result = run.check()
                if result.problems:
                    transaction.set_rollback(True)
                    problems = "; ".join(str(p) for p in result.problems[:5])
                    raise CommandError(f"The seed dataset's {kind} are refused: {problems}")
                run.write(timezone.now())
                changes += result.counts["new"] + result.counts["changed"]
        if changes:
            refresh_planner_statistics()
        self.stdout.write(
            self.style.SUCCESS(
                f"Seed dataset: {len(data['stations'])} stations, {len(data['events'])} events, "
                f"{len(data['sources'])} sources; {changes} records written."
            )
        )

    def load_countries(self):
        existing = set(Country.objects.values_list("code", flat=True))
        Country.objects.bulk_create(
            Country(code=code, name=name, continent=continent)
            for code, name, continent in iso_countries()
            if code not in existing
        )
