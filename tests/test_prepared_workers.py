"""Under gunicorn with several workers, a burst of readers starts one build, not one each.

A real server on a SQLite file of its own: every ``manage.py
prepare_downloads`` process its workers start is seen in ``/proc`` while
readers ask for a full download of new data all at once, and while they ask
for the summary table, which is no prepared file and must start none.
"""

# The commands run are this project's own, with arguments the tests build.
# ruff: noqa: S603, S310

import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.test_two_servers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 3

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces: the fields after its closing parenthesis.
    return int(stat.rsplit(")", 1)[1].split()[1])


def builds_of(master: int) -> set[int]:
    """The prepare_downloads processes started by the workers of ``master`` now."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"prepare_downloads" in command and parent_of(parent_of(pid) or 0) == master:
            found.add(pid)
    return found


def status(url: str) -> int:
    request = urllib.request.Request(url, headers={"Host": "127.0.0.1"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("workers")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # Debug only for the static file names (no collectstatic here).
        "DJANGO_DEBUG": "1",
        "DJANGO_SECRET_KEY": "test-key-" + "x" * 50,
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "DJANGO_DOWNLOAD_DIR": str(tmp / "downloads"),
        # Every reader is answered at once (503) while the file is written.
        "DJANGO_PREPARE_WAIT": "0",
        "GUNICORN_ACCESS_LOG": "",
        "WEB_CONCURRENCY": str(WORKERS),
    }
    for step in (["migrate", "-v0"], ["seed", "-v0"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *step], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.py"],
        cwd=ROOT,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_port(port, process)
    yield process.pid, f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=20)


class BuildWatcher(threading.Thread):
    """Collects the build processes of a server until stopped."""

    def __init__(self, master: int):
        super().__init__(daemon=True)
        self.master, self.seen, self.stopped = master, set(), threading.Event()

    def run(self):
        while not self.stopped.is_set():
            self.seen |= builds_of(self.master)
            time.sleep(0.02)

    def stop(self) -> set[int]:
        self.stopped.set()
        self.join(10)
        return self.seen


def test_a_burst_of_first_readers_starts_one_build(server):
    master, base = server
    watcher = BuildWatcher(master)
    watcher.start()
    answers = []
    readers = [
        threading.Thread(target=lambda: answers.append(status(base + "/stations.csv")))
        for _ in range(8 * WORKERS)
    ]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join(60)
    deadline = time.monotonic() + 60
    while status(base + "/stations.csv") != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)
    assert len(watcher.stop()) == 1
    assert set(answers) <= {200, 503}


def test_the_summary_table_starts_no_build(server):
    master, base = server
    # A build an earlier test started may still be finishing its other files.
    deadline = time.monotonic() + 60
    while builds_of(master) and time.monotonic() < deadline:
        time.sleep(0.1)
    watcher = BuildWatcher(master)
    watcher.start()
    answers = [status(base + "/events/summary.csv" + query) for query in ("", "?_=1", "?_=2")]
    time.sleep(1)
    assert watcher.stop() == set()
    assert answers == [200, 200, 200]
