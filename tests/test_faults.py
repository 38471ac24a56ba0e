"""Faults: a killed import, a long write next to readers, an unreachable database.

Each test runs real processes against a SQLite file of its own, whatever database
the rest of the suite uses: these are the failures of a single-file deployment.
"""

# The commands run are this project's own, with arguments the tests build.
# ruff: noqa: S603

import csv
import hashlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_env(db_path: Path, **extra) -> dict:
    """The environment of a production process on the SQLite file ``db_path``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "PYTEST_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="1",
        DATABASE_URL=f"sqlite:///{db_path}",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def manage(db_path: Path, *args, check=True, timeout=120, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=run_env(db_path, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )


@pytest.fixture(scope="module")
def seeded_file(tmp_path_factory) -> Path:
    """A migrated SQLite file holding the seed dataset, made once for the module."""
    db_path = tmp_path_factory.mktemp("faults") / "seeded.sqlite3"
    manage(db_path, "migrate", "--noinput", "-v0")
    manage(db_path, "seed", "-v0")
    return db_path


def fingerprint(db_path: Path) -> dict[str, str]:
    """A digest of every row of every table, to tell whether anything changed."""
    with sqlite3.connect(db_path) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        digests = {}
        for table in tables:
            digest = hashlib.sha256()
            for row in db.execute(f'SELECT * FROM "{table}" ORDER BY 1'):  # noqa: S608
                digest.update(repr(row).encode())
            digests[table] = digest.hexdigest()
    return digests


def write_stations_sheet(path: Path, db_path: Path, rows: int) -> None:
    """A valid stations sheet of ``rows`` new draft stations in existing countries."""
    with sqlite3.connect(db_path) as db:
        countries = [code for (code,) in db.execute("SELECT code FROM tracker_country")]
        bureaus = [slug for (slug,) in db.execute("SELECT slug FROM tracker_bureau")]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "country", "city", "bureau", "active", "status", "state"])
        made = 0
        for number in range(50, 100):
            for country in countries:
                if made == rows:
                    return
                bureau = bureaus[made % len(bureaus)]
                writer.writerow(
                    [f"{country}{number}", country, f"City {made}", bureau, "2019–?", "reported"]
                    + ["draft"]
                )
                made += 1


def test_an_import_killed_mid_way_leaves_the_database_as_it_was(seeded_file, tmp_path):
    db_path = tmp_path / "import.sqlite3"
    db_path.write_bytes(seeded_file.read_bytes())
    sheet = tmp_path / "stations.csv"
    write_stations_sheet(sheet, db_path, rows=5000)
    before = fingerprint(db_path)

    wal = Path(f"{db_path}-wal")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "import_sheet", "stations", str(sheet)],
        cwd=ROOT,
        env=run_env(db_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # Kill it once it has written well into its transaction: the write-ahead
    # log holds the pages it changed but has not committed.
    deadline = time.monotonic() + 90
    while process.poll() is None and time.monotonic() < deadline:
        if wal.exists() and wal.stat().st_size > 256 * 1024:
            break
        time.sleep(0.02)
    finished = process.poll() is not None
    process.send_signal(signal.SIGKILL)
    output = process.communicate()[0]
    assert not finished, f"the import ended before it could be interrupted:\n{output}"

    assert fingerprint(db_path) == before
    with sqlite3.connect(db_path) as db:
        # The integrity check evaluates the CHECK constraints, some of which use
        # the REGEXP function that Django gives its own connections.
        db.create_function("REGEXP", 2, lambda pattern, value: bool(re.search(pattern, value)))
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


# Runs in its own process with the project's settings on a scratch SQLite file:
# a writer holds a transaction open while a reader and a second writer try.
WAL_SCRIPT = r"""
import threading, time
import django
django.setup()
from django.db import connection, transaction

results = {}
connection.ensure_connection()
results["journal_mode"] = connection.cursor().execute("PRAGMA journal_mode").fetchone()[0]
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS t (n INTEGER)")
    cursor.execute("INSERT INTO t VALUES (1)")

def read():
    from django.db import connection
    started = time.monotonic()
    with connection.cursor() as cursor:
        results["read"] = cursor.execute("SELECT count(*) FROM t").fetchone()[0]
    results["read_seconds"] = time.monotonic() - started
    connection.close()

def write():
    from django.db import connection
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO t VALUES (3)")
    results["second_write_seconds"] = time.monotonic() - started
    connection.close()

with transaction.atomic():
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO t VALUES (2)")
    reader = threading.Thread(target=read)
    writer = threading.Thread(target=write)
    reader.start()
    writer.start()
    reader.join(timeout=10)
    time.sleep(1.5)  # a long import goes on writing
writer.join(timeout=30)
with connection.cursor() as cursor:
    results["final"] = cursor.execute("SELECT count(*) FROM t").fetchone()[0]
print(results)
"""


def test_readers_are_not_blocked_by_a_long_write_and_a_second_writer_waits(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", WAL_SCRIPT],
        cwd=ROOT,
        env=run_env(tmp_path / "wal.sqlite3"),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    results = eval(result.stdout.strip().splitlines()[-1])  # noqa: S307 (our own dict)
    assert results["journal_mode"] == "wal"
    # The reader sees the last committed state at once, not the open transaction.
    assert results["read"] == 1
    assert results["read_seconds"] < 1
    # The second writer waited for the first (busy timeout) instead of failing.
    assert results["second_write_seconds"] >= 1
    assert results["final"] == 3


def test_an_unreachable_database_is_reported_in_one_line_by_manage_py(tmp_path):
    result = manage(
        tmp_path / "unused.sqlite3",
        "migrate",
        check=False,
        DATABASE_URL="postgres://nobody@127.0.0.1:1/x",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x" * 60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: Cannot reach the postgresql database 'x' on 127.0.0.1:1")


def test_a_sqlite_file_that_cannot_be_opened_is_reported_in_one_line(tmp_path):
    result = manage(
        tmp_path / "missing-folder" / "db.sqlite3", "migrate", check=False, DJANGO_DEBUG="1"
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"Error: Cannot reach the SQLite file {tmp_path / 'missing-folder' / 'db.sqlite3'}: "
        "unable to open database file. Check DATABASE_URL and that its folder exists and "
        "is writable."
    ]


def test_gunicorn_refuses_to_start_on_an_unreachable_database_with_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.py"],
        cwd=ROOT,
        env=run_env(
            tmp_path / "unused.sqlite3",
            DATABASE_URL="postgres://nobody@127.0.0.1:1/x",
            DJANGO_DEBUG="0",
            DJANGO_SECRET_KEY="x" * 60,
            GUNICORN_BIND="127.0.0.1:0",
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1
    assert "Cannot reach the postgresql database 'x' on 127.0.0.1:1" in errors[0]
