"""Benchmarks: our pages under gunicorn against Datasette on the same SQLite file.

    python bench/run.py            # 20,000 stations, 200,000 events, 20,000 sources
    python bench/run.py --quick    # a small dataset and short runs, for development
    python bench/run.py --load     # also the load test: 50 connections for 30 s

Writes bench/results.md and prints the same Markdown. The datasets are built
once into bench/work/ (git-ignored) and reused while their sizes match.
Server and client are pinned to different CPUs when the machine has two.
"""

# The commands run are this project's own or the benchmark tools, with arguments we build.
# ruff: noqa: S603, S607, S310

import argparse
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from report import render

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORK = BENCH / "work"
PYTHON = sys.executable
PAGE_SIZE = 50  # tracker.views.pages.PAGE_SIZE; Datasette is given the same
SEED_STATION = "ESP01"  # a seed station: present at both sizes

FULL = {"stations": 20000, "events": 100000, "sources": 20000}
QUICK = {"stations": 300, "events": 2000, "sources": 300}

# (label, our path, Datasette path or None). Datasette's pages are HTML like ours,
# its facet suggestions off; its filter pages carry the same two facets as ours.
DS_FACETS = "_facet=country_id&_facet=bureau_id&_nosuggest=1"
PAGES = [
    ("home", "/", None),
    ("station list", "/stations/", f"/bench/tracker_station?{DS_FACETS}"),
    ("stations: Europe, Fuzhou", "/stations/?continent=europe&bureau=fuzhou", None),
    (
        "stations: search madrid",
        "/stations/?q=madrid",
        f"/bench/tracker_station?search_text__contains=madrid&{DS_FACETS}",
    ),
    ("station page", f"/stations/{SEED_STATION}/", "/bench/tracker_station/{station_pk}"),
    (
        "events in 2023",
        "/events/?year=2023",
        "/bench/tracker_event?date__startswith=2023&_sort_desc=date&_nosuggest=1",
    ),
]
LOAD_PATHS = [
    "/",
    "/stations/",
    "/stations/?continent=europe&bureau=fuzhou",
    "/stations/?q=madrid",
    f"/stations/{SEED_STATION}/",
    "/events/",
    "/events/?year=2023",
    "/sources/",
    "/countries/ESP/",
    "/bureaus/fuzhou/",
    "/stations/?page=2",
    "/events/feed/",
    "/sources/?page=2",
]
#: The unfiltered downloads, prepared once per data state (tracker/prepared.py).
FULL_DOWNLOADS = [
    "/stations.csv",
    "/stations.json",
    "/stations.geojson",
    "/events.csv",
    "/events.json",
]

WRK_REPORT = r"""
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "p50": %f, "p95": %f, "p99": %f, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end
"""
WRK_ROTATE = r"""
local paths = {%s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def cpus() -> tuple[str, str]:
    """CPU lists for the server and the client: apart when there are two or more."""
    count = os.cpu_count() or 1
    return ("0", "1") if count >= 2 else ("0", "0")


def pinned(cpu: str, command: list[str]) -> list[str]:
    return ["taskset", "-c", cpu, *command] if shutil.which("taskset") else command


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with status {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port} after {seconds} s")


def site_env(db_path: Path, **extra) -> dict:
    """Production settings for loopback: no debug, no https redirect, a throwaway key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DATABASE_URL=f"sqlite:///{db_path}",
        DJANGO_STATIC_ROOT=str(WORK / "static"),
        DJANGO_DOWNLOAD_DIR=str(WORK / "downloads"),
    )
    env.update(extra)
    return env


def build(db_path: Path, sizes: dict) -> None:
    """Make the dataset unless a file with these sizes is already there."""
    stamp = db_path.with_suffix(".json")
    if db_path.exists() and stamp.exists() and json.loads(stamp.read_text()) == sizes:
        return
    for stale in db_path.parent.glob(db_path.name + "*"):
        stale.unlink()
    print(f"building {db_path.name}: {sizes}", file=sys.stderr)
    subprocess.run(
        [PYTHON, str(BENCH / "make_data.py")]
        + [f"--{name}={count}" for name, count in sizes.items()],
        env=site_env(db_path, DJANGO_DEBUG="1"),
        cwd=ROOT,
        check=True,
    )
    stamp.write_text(json.dumps(sizes))


COUNT_QUERIES = r"""
import json, sys
import django
django.setup()
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment
setup_test_environment()
client = Client()
counts = {}
for path in json.loads(sys.argv[1]):
    # In a transaction a full download is written by the request itself (not by
    # a thread with its own connection), so the queries that build it are counted.
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        response = client.get(path)
        if hasattr(response, "streaming_content"):
            for _ in response.streaming_content:
                pass
    counts[path] = [response.status_code, len(queries)]
print(json.dumps(counts))
"""


def collect_static(db_path: Path) -> None:
    """Pages name their static files by hashed names: collect them (quick when done)."""
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
        env=site_env(db_path),
        cwd=ROOT,
        check=True,
    )


def count_queries(db_path: Path, paths: list[str]) -> dict:
    """Queries per page on the database at ``db_path``, as [status, count] per path."""
    collect_static(db_path)
    result = subprocess.run(
        [PYTHON, "-c", COUNT_QUERIES, json.dumps(paths)],
        env=site_env(db_path),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def start_gunicorn(db_path: Path, port: int, workers: int, cpu: str) -> subprocess.Popen:
    env = site_env(
        db_path,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY=str(workers),
        GUNICORN_ACCESS_LOG="",  # none: logging every request is not what we measure
        GUNICORN_LOG_LEVEL="warning",
        # The full CSV export is measured, however long it takes.
        GUNICORN_TIMEOUT="600",
    )
    env["DJANGO_SECRET_KEY"] = os.environ.get("BENCH_SECRET_KEY", env["DJANGO_SECRET_KEY"])
    server = subprocess.Popen(
        pinned(cpu, [PYTHON, "-m", "gunicorn", "--config", "config/gunicorn.py"]),
        env=env,
        cwd=ROOT,
    )
    wait_for(port, server)
    return server


def start_datasette(db_path: Path, port: int, cpu: str) -> subprocess.Popen | None:
    datasette = WORK / "venv-datasette" / "bin" / "datasette"
    if not datasette.exists():
        print("Datasette missing: installing it into bench/work/venv-datasette", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(WORK / "venv-datasette")], check=True)
        subprocess.run(
            [str(WORK / "venv-datasette" / "bin" / "pip"), "install", "-q", "datasette>=0.65"],
            check=True,
        )
    server = subprocess.Popen(
        pinned(
            cpu,
            [
                str(datasette),
                "serve",
                str(db_path),
                "--port",
                str(port),
                "--setting",
                "default_page_size",
                str(PAGE_SIZE),
                "--setting",
                "sql_time_limit_ms",
                "20000",
                "--setting",
                "facet_time_limit_ms",
                "20000",
            ],
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(port, server)
    return server


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def measure(base: str, path: str, seconds: float, connections: int, cpu: str) -> dict:
    """Median, p95 and p99 latency (ms), requests/s and errors of one path."""
    for _ in range(5):  # warm-up: caches, lazy imports, SQLite pages
        status, _ = get(base + path)
    if status != 200:
        raise SystemExit(f"{base}{path} answered {status}")
    if shutil.which("wrk"):
        script = WORK / "report.lua"
        script.write_text(WRK_REPORT)
        return run_wrk(base + path, script, seconds, connections, cpu)
    return python_client(base + path, seconds, connections)


def run_wrk(url: str, script: Path, seconds: float, connections: int, cpu: str) -> dict:
    result = subprocess.run(
        pinned(
            cpu,
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "60s",
                "-s",
                str(script),
                url,
            ],
        ),
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    report["rps"] = report["requests"] / report["seconds"]
    report["errors"] = sum(report[k] for k in ("connect", "read", "write", "status", "timeout"))
    return report


def python_client(url: str, seconds: float, connections: int) -> dict:
    """A plain client for machines without wrk: one thread per connection."""
    latencies, errors = [], 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker():
        nonlocal errors
        while time.monotonic() < deadline:
            started = time.monotonic()
            status, _ = get(url)
            with lock:
                latencies.append((time.monotonic() - started) * 1000)
                errors += status >= 400

    started = time.monotonic()
    with ThreadPoolExecutor(connections) as pool:
        for _ in range(connections):
            pool.submit(worker)
    elapsed = time.monotonic() - started
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p95": cuts[94],
        "p99": cuts[98],
        "errors": errors,
    }


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def download(url: str, server: subprocess.Popen) -> dict:
    """Time a full download and sample the worker's memory meanwhile."""
    workers = children(server.pid) or [server.pid]
    before = max(rss_kib(pid) for pid in workers)
    peak = before
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, *(rss_kib(pid) for pid in workers))
            time.sleep(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.monotonic()
    status, body = get(url)
    seconds = time.monotonic() - started
    done.set()
    sampler.join()
    return {
        "status": status,
        "seconds": seconds,
        "bytes": len(body),
        "rows": body.count(b"\n") - 1,
        "rss_before_mib": before / 1024,
        "rss_peak_mib": peak / 1024,
    }


def timed_get(url: str, gzip: bool = False) -> tuple[float, int]:
    """Seconds to read the whole response, and its size as sent."""
    headers = {"Accept-Encoding": "gzip"} if gzip else {}
    request = urllib.request.Request(url, headers=headers)
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310 (loopback)
        size = len(response.read())
    return time.monotonic() - started, size


def first_download(url: str) -> tuple[float, int, int]:
    """Seconds until the file of a new data state is served, its size, and how many
    ``503 Retry-After`` answers came first (the file is written by a thread)."""
    started, answers_503 = time.monotonic(), 0
    while True:
        try:
            _, size = timed_get(url)
        except urllib.error.HTTPError as error:
            if error.code != 503:
                raise
            answers_503 += 1
            time.sleep(1)
            continue
        return time.monotonic() - started, size, answers_503


def full_downloads(base: str) -> list[dict]:
    """Each full download: its first request (which writes the file) and repeats."""
    results = []
    for path in FULL_DOWNLOADS:
        first, size, answers_503 = first_download(base + path)
        plain = sorted(timed_get(base + path)[0] for _ in range(5))
        packed = [timed_get(base + path, gzip=True) for _ in range(5)]
        results.append(
            {
                "path": path,
                "first_s": first,
                "answers_503": answers_503,
                "bytes": size,
                "repeat_ms": plain[2] * 1000,
                "repeat_gzip_ms": sorted(t for t, _ in packed)[2] * 1000,
                "gzip_bytes": packed[0][1],
            }
        )
    return results


def worker_rss_mib(server: subprocess.Popen) -> list[float]:
    """Resident memory of each gunicorn worker (its own process), in MiB."""
    return [rss_kib(pid) / 1024 for pid in children(server.pid)]


def station_pk(db_path: Path) -> int:
    import sqlite3

    with sqlite3.connect(db_path) as db:
        row = db.execute("SELECT id FROM tracker_station WHERE code = ?", (SEED_STATION,))
        return row.fetchone()[0]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, short runs")
    parser.add_argument("--load", action="store_true", help="also run the load test")
    parser.add_argument("--seconds", type=float, help="per measured page (default 10; quick 1)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections")
    parser.add_argument("--load-seconds", type=int, default=30)
    parser.add_argument("--load-connections", type=int, default=50)
    parser.add_argument("--output", type=Path, default=BENCH / "results.md")
    args = parser.parse_args(argv)
    seconds = args.seconds or (1 if args.quick else 10)
    sizes = QUICK if args.quick else FULL

    WORK.mkdir(parents=True, exist_ok=True)
    db_path = WORK / ("bench-quick.sqlite3" if args.quick else "bench.sqlite3")
    small_path = WORK / "seed.sqlite3"
    build(small_path, {"stations": 70, "events": 0, "sources": 0})
    build(db_path, sizes)
    # Datasette names the database after the file: serve a copy called bench.sqlite3.
    ds_dir = WORK / ("ds-quick" if args.quick else "ds")
    ds_dir.mkdir(exist_ok=True)
    ds_path = ds_dir / "bench.sqlite3"
    if not ds_path.exists() or ds_path.stat().st_mtime < db_path.stat().st_mtime:
        shutil.copyfile(db_path, ds_path)
    collect_static(db_path)

    paths = [path for _, path, _ in PAGES] + ["/stations.csv"]
    queries_small = count_queries(small_path, paths)
    queries_large = count_queries(db_path, paths)

    server_cpu, client_cpu = cpus()
    ours_port, ds_port = free_port(), free_port()
    ours = start_gunicorn(db_path, ours_port, 1, server_cpu)
    theirs = None
    rows, load = [], None
    try:
        base = f"http://127.0.0.1:{ours_port}"
        get(base + "/stations.csv?country=ESP")  # warm-up: the same code, few rows
        csv_result = download(base + "/stations.csv", ours)
        for label, path, _ in PAGES:
            rows.append([label, path, measure(base, path, seconds, args.connections, client_cpu)])
        ours.terminate()
        ours.wait(timeout=30)

        theirs = start_datasette(ds_path, ds_port, server_cpu)
        ds_base = f"http://127.0.0.1:{ds_port}"
        pk = station_pk(db_path)
        for row, (_, _, ds_path_template) in zip(rows, PAGES, strict=True):
            if ds_path_template:
                ds_url = ds_path_template.format(station_pk=pk)
                row.append(
                    [ds_url, measure(ds_base, ds_url, seconds, args.connections, client_cpu)]
                )
            else:
                row.append(None)
        theirs.terminate()
        theirs.wait(timeout=30)
        theirs = None

        if args.load:
            workers = max(2, (os.cpu_count() or 1))
            ours = start_gunicorn(db_path, ours_port, workers, "0-1" if workers > 1 else "0")
            script = WORK / "load.lua"
            script.write_text(
                WRK_ROTATE % ", ".join(f'"{path}"' for path in LOAD_PATHS) + WRK_REPORT
            )
            for path in LOAD_PATHS:  # warm every worker's caches a little
                for _ in range(workers):
                    get(base + path)
            load_seconds = 5 if args.quick else args.load_seconds
            load = run_wrk(base + "/", script, load_seconds, args.load_connections, client_cpu)
            load["workers"] = workers
            load["seconds_asked"] = load_seconds
            load["rss_after_load"] = worker_rss_mib(ours)
            load["downloads"] = full_downloads(base)
            load["rss_after_downloads"] = worker_rss_mib(ours)
    finally:
        for server in (ours, theirs):
            if server is not None and server.poll() is None:
                server.terminate()
                server.wait(timeout=30)

    report = render(
        args,
        sizes,
        seconds,
        rows,
        csv_result,
        queries_small,
        queries_large,
        load,
        db_path,
        setup={"cpus": cpus(), "page_size": PAGE_SIZE, "load_paths": LOAD_PATHS, "work": WORK},
    )
    print(report)
    args.output.write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
