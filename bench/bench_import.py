"""Import benchmark: the tracker's engine against django-import-export and a bulk_create floor.

    python bench/bench_import.py [--stations 20000] [--events 100000] [--output FILE]

Run by ``make bench`` on SQLite, and on PostgreSQL when ``BENCH_POSTGRES_URL``
names a server database the role may create databases next to. Each case runs
in its own process on a copy of a prepared database (migrated and seeded), so
its peak memory (``ru_maxrss``) is its own. Cases per kind: the tracker's
``import_sheet`` path as a dry run and for real (history included); the same
file through a django-import-export ``ModelResource`` with ``use_bulk=True``
(the library's fast path, history through simple-history's bulk helpers
where it has them: none, so that column says "no history"); and a raw
``bulk_create`` of the parsed rows with no checks and no history (the floor).
Then the backup: ``export_sheet all`` of the result, ``import_sheet all`` into
a freshly migrated database, and the export again, compared byte for byte.
"""

# ruff: noqa: S603 (runs this project's own commands)
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work" / "import"
sys.path.insert(0, str(ROOT))
# Production settings: DEBUG's query log would slow every path and hold its SQL.
BENCH_ENV = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production"}


# --- Data -------------------------------------------------------------------------------


def make_files(stations: int, events: int, sources: int) -> dict[str, Path]:
    """CSV files of new records the seeded database can take (fixed random seed)."""
    import pycountry

    rng = random.Random(2022)
    WORK.mkdir(parents=True, exist_ok=True)
    seed_codes = {row["code"] for row in json.loads((ROOT / "fixtures/stations.json").read_text())}
    seed_sources = [row["key"] for row in json.loads((ROOT / "fixtures/sources.json").read_text())]
    bureaus = [row["slug"] for row in json.loads((ROOT / "fixtures/bureaus.json").read_text())]
    countries = sorted(c.alpha_3 for c in pycountry.countries if c.alpha_3 != "ATA")
    codes = [
        f"{c}{n:02d}" for n in range(100) for c in countries if f"{c}{n:02d}" not in seed_codes
    ]
    files = {}

    def write(name, header, rows):
        path = WORK / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows(rows)
        files[name] = path

    write(
        "stations",
        ["code", "country", "city", "location", "capital", "bureau", "active", "status",
         "host", "summary", "notes", "state", "sources"],  # fmt: skip
        (
            [code, code[:3], f"City {i % 400}", f"Street {i}", "no", rng.choice(bureaus),
             rng.choice(["na.", "2016–?", "2018", "2018–2022"]), "reported", "",
             f"Synthetic benchmark station {i}.", "", "draft", rng.choice(seed_sources)]
            for i, code in enumerate(sorted(codes[:stations]))
        ),
    )  # fmt: skip
    write(
        "events",
        ["slug", "date", "type", "title", "description", "countries", "stations", "state",
         "sources"],  # fmt: skip
        (
            [f"bench-event-{i}", f"20{10 + i % 14}-{1 + i % 12:02d}", "report",
             f"Benchmark event {i}", "Synthetic.", rng.choice(countries), "", "draft",
             ";".join(rng.sample(seed_sources[3:], 2))]
            for i in range(events)
        ),
    )  # fmt: skip
    write(
        "sources",
        ["key", "title", "authors", "publisher", "kind", "language", "published_on", "url",
         "archived_url", "accessed_on", "state"],  # fmt: skip
        (
            [f"bench-source-{i}", f"Benchmark source {i}", "", "Benchmark Wire", "news", "en",
             "2022-11-01", f"https://example.org/{i}", "", "", "draft"]
            for i in range(sources)
        ),
    )  # fmt: skip
    # Citations of the events sheet's events by a third source (run after that import):
    # the first three seed sources, which the events sheet does not cite.
    write(
        "citations",
        ["source", "station", "event", "locator", "quotation"],
        ([seed_sources[i % 3], "", f"bench-event-{i}", f"p. {i % 50}", ""] for i in range(events)),
    )
    return files


# --- One case, in its own process -------------------------------------------------------


def run_case(case: str, kind: str, path: Path) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        rows = CASES[case](kind, path)
        seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # VmHWM: this process's own peak (ru_maxrss would count the parent's at fork).
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    return {"rows": rows, "seconds": seconds, "cpu": cpu, "queries": queries, "peak_mb": peak}


def tracker(kind, path, dry_run=False):
    from tracker.importing.readers import Workbook
    from tracker.importing.run import import_sheet
    from tracker.models import refresh_planner_statistics

    with path.open("rb") as stream, Workbook(stream, "csv") as workbook:
        result = import_sheet(workbook, kind, dry_run=dry_run, reason="bench")
    assert not result.problems, result.problems[:3]
    if not dry_run:
        refresh_planner_statistics()  # as import_sheet does
    return sum(result.counts.values())


def baseline(kind, path):
    """django-import-export's ModelResource, use_bulk=True, as its documentation shows."""
    import tablib
    from import_export import fields, resources, widgets

    from tracker.models import Bureau, Citation, Event, Source, Station

    data = tablib.Dataset().load(path.read_text(encoding="utf-8"), format="csv")
    specs = {
        "stations": (
            Station,
            ("code",),
            {"bureau": fields.Field("bureau", "bureau", widgets.ForeignKeyWidget(Bureau, "slug"))},
        ),  # fmt: skip
        "events": (Event, ("slug",), {}),
        "sources": (Source, ("key",), {}),
        "citations": (
            Citation,
            ("source", "event"),
            {
                "source": fields.Field("source", "source", widgets.ForeignKeyWidget(Source, "key")),
                "event": fields.Field("event", "event", widgets.ForeignKeyWidget(Event, "slug")),
            },
        ),  # fmt: skip
    }
    model, ids, declared = specs[kind]
    if kind == "stations":
        del data["active"], data["capital"], data["sources"]
    if kind == "events":
        del data["countries"], data["stations"], data["sources"]
        dates = [f"{d}-01" for d in data["date"]]
        del data["date"]
        data.append_col(dates, header="date")
    if kind == "sources":
        del data["published_on"], data["accessed_on"]
    if kind == "citations":
        del data["station"]
    meta = type("Meta", (), {"model": model, "import_id_fields": ids, "use_bulk": True,
                             "batch_size": 1000, "skip_diff": True,
                             "fields": tuple(data.headers)})  # fmt: skip
    resource_class = type("Baseline", (resources.ModelResource,), {"Meta": meta, **declared})
    result = resource_class().import_data(data, dry_run=False, raise_errors=True)
    return result.total_rows


def floor(kind, path):
    """Parsed rows straight into bulk_create: no checks, no history, no links."""
    from tracker import text
    from tracker.models import Bureau, Citation, Event, Source, Station

    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    if kind == "stations":
        bureaus = dict(Bureau.objects.values_list("slug", "pk"))
        objs = []
        for r in rows:
            start, end = text.parse_active(r["active"])
            objs.append(Station(code=r["code"], country_id=r["country"], city=r["city"],
                                bureau_id=bureaus[r["bureau"]], active_from=start,
                                active_until=end, summary=r["summary"]))  # fmt: skip
    elif kind == "events":
        objs = []
        for r in rows:
            day, precision = text.parse_partial_date(r["date"])
            objs.append(Event(slug=r["slug"], date=day, date_precision=precision,
                              type=r["type"], title=r["title"]))  # fmt: skip
    elif kind == "sources":
        objs = [Source(key=r["key"], title=r["title"], publisher=r["publisher"]) for r in rows]
    else:
        sources = dict(Source.objects.values_list("key", "pk"))
        events = dict(Event.objects.values_list("slug", "pk"))
        objs = [Citation(source_id=sources[r["source"]], event_id=events[r["event"]],
                         locator=r["locator"]) for r in rows]  # fmt: skip
    type(objs[0]).objects.bulk_create(objs, batch_size=1000)
    return len(objs)


CASES = {
    "tracker": tracker,
    "dry-run": lambda kind, path: tracker(kind, path, dry_run=True),
    "import-export use_bulk": baseline,
    "bulk_create floor": floor,
}


# --- Orchestration -------------------------------------------------------------------------


class Database:
    """A prepared database and cheap copies of it (file copy or CREATE DATABASE … TEMPLATE)."""

    def __init__(self, postgres_url: str | None):
        self.postgres_url = postgres_url
        self.copies = 0

    def url(self, name: str) -> str:
        if self.postgres_url:
            return self.postgres_url.rsplit("/", 1)[0] + f"/bench_import_{name}"
        return f"sqlite:///{WORK / (name + '.sqlite3')}"

    def sql(self, statement: str):
        import psycopg

        with psycopg.connect(self.postgres_url, autocommit=True) as conn:
            conn.execute(statement)

    def drop(self, name: str):
        if self.postgres_url:
            self.sql(f"DROP DATABASE IF EXISTS bench_import_{name} WITH (FORCE)")
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(str(WORK / (name + ".sqlite3")) + suffix).unlink(missing_ok=True)

    def copy(self, source: str, name: str) -> str:
        self.drop(name)
        if self.postgres_url:
            self.sql(f"CREATE DATABASE bench_import_{name} TEMPLATE bench_import_{source}")
        else:
            shutil.copy(WORK / (source + ".sqlite3"), WORK / (name + ".sqlite3"))
        return self.url(name)


def manage(url: str, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, **BENCH_ENV}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, capture_output=True,
        text=True, check=False,
    )  # fmt: skip


def case(url: str, name: str, kind: str, path: Path) -> dict:
    env = {**os.environ, "DATABASE_URL": url, **BENCH_ENV}
    done = subprocess.run(
        [sys.executable, __file__, "--case", name, "--kind", kind, "--file", str(path)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1][:120]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench(db: Database, files: dict[str, Path], label: str) -> list[tuple]:
    db.drop("base")
    base = db.url("base")
    if db.postgres_url:
        db.sql("CREATE DATABASE bench_import_base")
    for step in (("migrate", "-v0"), ("seed", "-v0")):
        done = manage(base, *step)
        if done.returncode:
            raise SystemExit(done.stderr)
    results = []
    for kind in ("stations", "events", "sources", "citations"):
        source = "with_events" if kind == "citations" else "base"
        for name in CASES:
            url = db.copy(source, "case")
            outcome = case(url, name, kind, files[kind])
            results.append((label, kind, name, outcome))
            print(label, kind, name, outcome, flush=True)
            if kind == "events" and name == "tracker":
                db.drop("with_events")
                db.copy("case", "with_events")
            db.drop("case")
    results.append((label, "backup", "export → import → export", backup(db)))
    print(results[-1], flush=True)
    return results


def backup(db: Database) -> dict:
    """The events database exported, restored into a fresh one, exported again."""
    original = db.url("with_events")
    db.drop("restored")
    if db.postgres_url:
        db.sql("CREATE DATABASE bench_import_restored")
    restored = db.url("restored")
    manage(restored, "migrate", "-v0")
    outcome = {}
    started = time.perf_counter()
    done = manage(original, "export_sheet", "all", str(WORK / "backup.xlsx"))
    outcome["export_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    done = manage(restored, "import_sheet", "all", str(WORK / "backup.xlsx"))
    outcome["import_s"] = round(time.perf_counter() - started, 1)
    if done.returncode:
        outcome["error"] = done.stdout[-300:] + done.stderr[-300:]
        return outcome
    same = True
    for kind in ("bureaus", "sources", "stations", "events", "citations"):
        manage(original, "export_sheet", kind, str(WORK / f"a-{kind}.csv"))
        manage(restored, "export_sheet", kind, str(WORK / f"b-{kind}.csv"))
        same &= (WORK / f"a-{kind}.csv").read_bytes() == (WORK / f"b-{kind}.csv").read_bytes()
    outcome["identical"] = same
    outcome["rows"] = sum(1 for _ in (WORK / "a-events.csv").open()) - 1
    return outcome


def report(results, sizes) -> str:
    lines = [
        f"## Import at scale ({time.strftime('%Y-%m-%d')})",
        "",
        f"New records from CSV: {sizes['stations']:,} stations; {sizes['events']:,} events "
        f"with one country and two sources each ({2 * sizes['events']:,} citations); "
        f"{sizes['sources']:,} sources; {sizes['events']:,} citations of those events. "
        "Each case in its own process; peak memory is its maximum resident size. "
        "*rows/CPU s* divides by the process's own CPU time (SQLite works inside it; "
        "PostgreSQL's server time is not counted): the machine is shared, so wall time "
        "includes waiting for other work.",
        "",
        "| database | kind | path | rows | seconds | rows/s | rows/CPU s | peak memory | queries |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, kind, name, r in results:
        if kind == "backup":
            continue
        if "error" in r:
            lines.append(f"| {label} | {kind} | {name} | failed: {r['error']} | | | | | |")
            continue
        lines.append(
            f"| {label} | {kind} | {name} | {r['rows']:,} | {r['seconds']:.2f} | "
            f"{r['rows'] / r['seconds']:,.0f} | {r['rows'] / r['cpu']:,.0f} | "
            f"{r['peak_mb']:.0f} MB | {r['queries']:,} |"
        )
    lines += [
        "",
        "Backup of the events database (`export_sheet all` .xlsx, `import_sheet all` into a "
        "freshly migrated database, every kind exported again as CSV):",
        "",
    ]
    for label, kind, _, r in results:
        if kind == "backup":
            lines.append(f"- {label}: {json.dumps(r)}")
    lines.append(
        "\nPaths: *tracker* is `import_sheet` (checks, history, links, citations); *dry-run* "
        "checks only; *import-export use_bulk* is a plain `ModelResource` with "
        "`use_bulk=True` over the same file's plain columns (no links, no citations, no "
        "history: the library's bulk mode records none); *bulk_create floor* is the parsed "
        "rows in `bulk_create`, nothing else."
    )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--sources", type=int, default=20_000)
    parser.add_argument("--output", help="Append the results table to this file.")
    parser.add_argument(
        "--postgres-only", action="store_true", help="Skip SQLite (BENCH_POSTGRES_URL needed)."
    )
    parser.add_argument("--case")
    parser.add_argument("--kind")
    parser.add_argument("--file")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.kind, Path(args.file))))
        return
    sizes = {"stations": args.stations, "events": args.events, "sources": args.sources}
    files = make_files(**sizes)
    results = [] if args.postgres_only else bench(Database(None), files, "SQLite")
    postgres = os.environ.get("BENCH_POSTGRES_URL")
    if postgres:
        results += bench(Database(postgres), files, "PostgreSQL")
    text = report(results, sizes)
    print(text)
    if args.output:
        with open(args.output, "a", encoding="utf-8") as out:
            out.write("\n" + text)


if __name__ == "__main__":
    main()
