"""``python manage.py bench_import``: how fast a large stations sheet imports.

Generates a stations sheet (10,000 rows by default) and times, for .csv and
.xlsx: the tracker's import as a dry run and for real (history recorded), the
same rows through a plain default ``ModelResource`` (the baseline, which saves
row by row and records history through ``save()``), and a raw ``bulk_create``
of the same stations and citations with no checks and no history (the floor).
Every measurement runs in a transaction that is rolled back, so the database
is left as it was. Peak memory is measured in a second, traced run.
"""

import csv
import io
import time
import tracemalloc
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from import_export import resources

from tracker import text
from tracker.models import Bureau, Citation, Country, Source, Station
from tracker.resources import StationResource
from tracker.sheets import read_dataset, write_sheets

COLUMNS = StationResource().column_names
BASELINE_FIELDS = (
    "code",
    "country",
    "city",
    "location",
    "is_capital",
    "bureau",
    "active_from",
    "active_until",
    "status",
    "host",
    "summary",
    "notes",
    "state",
)


class BaselineResource(resources.ModelResource):
    """A plain ModelResource of stations, as the library's documentation would write it."""

    class Meta:
        model = Station
        import_id_fields = ("code",)
        fields = BASELINE_FIELDS


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Benchmark importing a generated stations sheet (.csv and .xlsx): dry run, real "
        "import with history, a default ModelResource baseline and a raw bulk_create floor. "
        "Prints rows per second and peak memory; the database is left unchanged."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=10_000, help="Rows in the sheet.")
        parser.add_argument(
            "--skip-baseline", action="store_true", help="Skip the slow ModelResource baseline."
        )
        parser.add_argument("--output", help="Also write the results as Markdown to this file.")

    def handle(self, *args, rows, skip_baseline, output, **options):
        bureaus = list(Bureau.objects.order_by("slug"))
        source = Source.objects.order_by("key").first()
        if not bureaus or source is None or not Country.objects.exists():
            raise CommandError("No bureaus or sources in the database: run `manage.py seed` first.")
        table, baseline_table = self.generate(rows, bureaus, source)
        files = {
            suffix: (
                write_sheets({"stations": table}, suffix),
                write_sheets({"stations": baseline_table}, suffix),
            )
            for suffix in ("csv", "xlsx")
        }
        results = []
        for suffix, (data, baseline_data) in files.items():
            cases = [
                ("tracker import, dry run", lambda d=data, s=suffix: self.tracker(d, s, True)),
                ("tracker import (history)", lambda d=data, s=suffix: self.tracker(d, s, False)),
            ]
            # Only from .csv: the default resource reads a blank .xlsx text cell as
            # None and fails on the NOT NULL text columns.
            if not skip_baseline and suffix == "csv":
                cases.append(
                    (
                        "default ModelResource (history)",
                        lambda d=baseline_data, s=suffix: self.baseline(d, s),
                    )
                )
            if suffix == "csv":
                cases.append(("raw bulk_create floor", lambda d=data: self.floor(d, bureaus)))
            for label, case in cases:
                seconds, queries = self.measure(case)
                peak = self.peak_memory(case)
                results.append((suffix, label, seconds, rows / seconds, peak, queries))
                self.stdout.write(
                    f"{suffix:5} {label:33} {seconds:7.2f} s {rows / seconds:9,.0f} rows/s "
                    f"{peak / 1024 / 1024:7.1f} MB peak  {queries} queries"
                )
        report = self.report(rows, results)
        self.stdout.write("")
        self.stdout.write(report)
        if output:
            Path(output).parent.mkdir(parents=True, exist_ok=True)
            Path(output).write_text(report + "\n", encoding="utf-8")

    def generate(self, rows, bureaus, source):
        """Rows with unique codes of real countries, in contract and in model columns."""
        taken = set(Station.objects.values_list("code", flat=True))
        countries = list(Country.objects.order_by("code").values_list("code", "name"))
        table, baseline = [], []
        number = 0
        while len(table) < rows:
            iso, name = countries[number % len(countries)]
            code = f"{iso}{number // len(countries):02d}"
            number += 1
            if code in taken:
                continue
            bureau = bureaus[number % len(bureaus)]
            start = 2014 + number % 9
            active = text.format_active(start, None if number % 3 else start + 2)
            summary = f"Generated station {code} in {name} for the import benchmark."
            table.append(
                [
                    code,
                    iso,
                    f"City {number}",
                    "",
                    "no",
                    bureau.slug,
                    active,
                    "reported",
                    "",
                    summary,
                    "",
                    "draft",
                    source.key,
                ]
            )
            start_year, end_year = text.parse_active(active)
            baseline.append(
                [
                    code,
                    iso,
                    f"City {number}",
                    "",
                    "0",
                    bureau.pk,
                    start_year,
                    end_year or "",
                    "reported",
                    "",
                    summary,
                    "",
                    "draft",
                ]
            )
        import tablib

        return (
            tablib.Dataset(*table, headers=COLUMNS, title="stations"),
            tablib.Dataset(*baseline, headers=BASELINE_FIELDS, title="stations"),
        )

    def measure(self, case):
        # A counting wrapper, not CaptureQueriesContext: that keeps only 9,000 queries.
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            self.rolled_back(case)
            seconds = time.perf_counter() - started
        return seconds, count

    def peak_memory(self, case):
        tracemalloc.start()
        try:
            self.rolled_back(case)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    def rolled_back(self, case):
        try:
            with transaction.atomic():
                case()
                raise Rollback
        except Rollback:
            pass

    def tracker(self, data, suffix, dry_run):
        dataset = read_dataset(data, suffix, "stations")
        result = StationResource().import_data(dataset, dry_run=dry_run, file_name="bench")
        assert not result.problems, result.problems[:3]
        assert result.counts["new"] == len(dataset)

    def baseline(self, data, suffix):
        from import_export.formats.base_formats import CSV, XLSX

        if suffix == "csv":
            dataset = CSV(encoding="utf-8-sig").create_dataset(data.decode("utf-8-sig"))
        else:
            dataset = XLSX().create_dataset(data)
        result = BaselineResource().import_data(dataset, dry_run=False)
        assert not result.has_errors() and not result.has_validation_errors()

    def floor(self, data, bureaus):
        """Stations and their citations straight into bulk_create: no checks, no history."""
        by_slug = {b.slug: b.pk for b in bureaus}
        sources = dict(Source.objects.values_list("key", "pk"))
        reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
        stations, cited = [], []
        for row in reader:
            start, end = text.parse_active(row["active"])
            stations.append(
                Station(
                    code=row["code"],
                    country_id=row["country"],
                    city=row["city"],
                    bureau_id=by_slug[row["bureau"]],
                    active_from=start,
                    active_until=end,
                    status=row["status"],
                    summary=row["summary"],
                    state=row["state"],
                )
            )
            cited.append(sources[row["sources"]])
        Station.objects.bulk_create(stations, batch_size=500)
        Citation.objects.bulk_create(
            [Citation(source_id=s, station=st) for s, st in zip(cited, stations, strict=True)],
            batch_size=500,
        )

    def report(self, rows, results) -> str:
        lines = [
            f"## Importing {rows:,} stations ({connection.vendor})",
            "",
            "| file | import | seconds | rows/s | peak memory | queries |",
            "| --- | --- | ---: | ---: | ---: | ---: |",
        ]
        for suffix, label, seconds, rate, peak, queries in results:
            lines.append(
                f"| .{suffix} | {label} | {seconds:.2f} | {rate:,.0f} | "
                f"{peak / 1024 / 1024:.1f} MB | {queries:,} |"
            )
        rates = {(s, label): rate for s, label, _, rate, _, _ in results}
        ours = rates.get(("csv", "tracker import (history)"))
        base = rates.get(("csv", "default ModelResource (history)"))
        floor = rates.get(("csv", "raw bulk_create floor"))
        lines.append("")
        if ours and base:
            lines.append(f"- .csv real import vs baseline: {ours / base:.1f}× the rows per second.")
        if ours and floor:
            lines.append(f"- .csv real import vs bulk_create floor: {floor / ours:.1f}× slower.")
        return "\n".join(lines)
