"""Hostile files: each ends with exit status 2 and one line, quickly, in little memory.

Each file of ``bench/hostile_sheets.py`` goes through ``manage.py import_sheet``
in a process of its own (against a database migrated once for this module), so
its peak memory, read from ``wait4``, is its own; the wall time covers the
whole process, Python's and Django's start included. Times are printed and
held only to a ceiling that catches a hang: the machine may be busy.
"""

import json
import sqlite3
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import hostile_sheets  # noqa: E402 (bench/hostile_sheets.py, not a package)

MAX_PEAK_MB = 300
HANG_SECONDS = 10


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A migrated SQLite database of its own (the subprocess cannot see the test one)."""
    folder = tmp_path_factory.mktemp("hostile")
    return folder / "db.sqlite3", hostile_sheets.migrated_database(folder)


def counts(path):
    with sqlite3.connect(path) as db:
        tables = ("tracker_station", "tracker_historicalstation", "tracker_citation")
        return [db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables]  # noqa: S608


@pytest.mark.parametrize("name", list(hostile_sheets.HOSTILE))
def test_a_hostile_file_ends_quickly_with_one_line_and_writes_nothing(database, tmp_path, name):
    path, env = database
    before = counts(path)

    result = hostile_sheets.run_file(name, tmp_path, env)

    print(json.dumps({"file": name, "bytes": result["bytes"], "exit": result["code"],
                      "seconds": round(result["seconds"], 2),
                      "peak_mb": round(result["peak_mb"], 1)}))  # fmt: skip
    lines = result["stderr"].strip().splitlines()
    assert result["code"] == 2, result["stderr"][-2000:]
    assert len(lines) == 1 and hostile_sheets.HOSTILE[name][2] in lines[0], lines[:5]
    assert lines[0].startswith(f"{name}: ")
    assert "Traceback" not in result["stderr"] + result["stdout"]
    assert result["peak_mb"] <= MAX_PEAK_MB
    assert result["seconds"] < HANG_SECONDS
    assert counts(path) == before
