"""bench/results.md's page and load sections, written from bench/run.py's measurements."""

# Runs git and the benchmark's own Datasette for their versions.
# ruff: noqa: S603, S607

import os
import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def commit() -> str:
    result = subprocess.run(
        ["git", "log", "-1", "--format=%h %s"], cwd=ROOT, capture_output=True, text=True
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return result.stdout.strip() + (" (with uncommitted changes)" if dirty else "")


def ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def render(args, sizes, seconds, rows, csv_result, small, large, load, db_path, setup) -> str:
    """The Markdown of bench/results.md's page and load sections."""
    server_cpu, client_cpu = setup["cpus"]
    lines = [
        "# Benchmark results",
        "",
        f"Measured on commit {commit()}, {time.strftime('%Y-%m-%d %H:%M %Z')}, "
        f"{'quick mode' if args.quick else 'full run'}: {sizes['stations']:,} published "
        f"stations, {sizes['events']:,} events, {sizes['sources']:,} sources (synthetic, "
        f"`bench/make_data.py`), SQLite file {db_path.stat().st_size / 2**20:.0f} MiB.",
        "",
        f"Our site: gunicorn, 1 sync worker, `DJANGO_DEBUG=0`, pinned to CPU {server_cpu}. "
        f"Datasette {datasette_version(setup['work'])}: one process on the same CPU, "
        "a copy of the same "
        f"file, `default_page_size` {setup['page_size']} like ours, facet suggestions off. Client: "
        f"{'wrk -t1' if shutil.which('wrk') else 'Python threads'} on CPU {client_cpu}, "
        f"{args.connections} connections, {seconds:g} s per page after a warm-up, loopback. "
        f"{os.cpu_count()} CPUs in all. Latencies in milliseconds; ratio = our median / "
        "Datasette's median (≤ 1.0: we are as fast or faster).",
        "",
        "| page | median | p95 | req/s | Datasette page | its median | its p95 "
        "| its req/s | ratio |",
        "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for label, path, ours, theirs in rows:
        cells = [f"{label} `{path}`", ms(ours["p50"]), ms(ours["p95"]), f"{ours['rps']:.0f}"]
        if theirs:
            ds_url, ds = theirs
            cells += [
                f"`{ds_url}`",
                ms(ds["p50"]),
                ms(ds["p95"]),
                f"{ds['rps']:.0f}",
                f"{ours['p50'] / ds['p50']:.2f}",
            ]
        else:
            cells += ["no equivalent", "", "", "", ""]
        lines.append("| " + " | ".join(cells) + " |")
    errors = sum(row[2]["errors"] + (row[3][1]["errors"] if row[3] else 0) for row in rows)
    lines += [
        "",
        f"Errors during these runs: {errors}.",
        "",
        "## Full CSV export",
        "",
        f"`/stations.csv`: {csv_result['rows']:,} rows, {csv_result['bytes'] / 2**20:.1f} MiB "
        f"in {csv_result['seconds']:.2f} s; the gunicorn worker's resident memory "
        f"{csv_result['rss_before_mib']:.0f} MiB before, {csv_result['rss_peak_mib']:.0f} MiB "
        "at its peak during the download (sampled from /proc every 5 ms).",
        "",
        "## Queries per page",
        "",
        "Counted with Django's test client and `CaptureQueriesContext` on the seed database "
        f"(70 stations) and on the benchmark database ({sizes['stations']:,}).",
        "",
        "| page | at 70 stations | at " + f"{sizes['stations']:,}" + " | same |",
        "| --- | ---: | ---: | --- |",
    ]
    for path in small:
        a, b = small[path][1], large[path][1]
        status = "" if small[path][0] == large[path][0] == 200 else f" (HTTP {large[path][0]})"
        lines.append(f"| `{path}`{status} | {a} | {b} | {'yes' if a == b else '**no**'} |")
    if load:
        lines += [
            "",
            "## Load",
            "",
            f"{args.load_connections} connections for {load['seconds_asked']} s with wrk -t1 "
            f"(CPU {client_cpu}), rotating over {len(setup['load_paths'])} public pages, against "
            f"gunicorn with {load['workers']} sync workers sharing both CPUs with the client: "
            f"**{load['rps']:.0f} requests/s**, median {ms(load['p50'])} ms, "
            f"p99 {ms(load['p99'])} ms, {load['requests']:,} requests, "
            f"**{load['errors']} errors** (connect {load['connect']}, read {load['read']}, "
            f"write {load['write']}, HTTP status ≥ 400 {load['status']}, "
            f"timeout {load['timeout']}).",
            "",
            "Worker resident memory (VmRSS of each gunicorn worker process) after this "
            "warm-up and load: "
            + ", ".join(f"{mib:.0f} MiB" for mib in load["rss_after_load"])
            + "; after the full downloads below: "
            + ", ".join(f"{mib:.0f} MiB" for mib in load["rss_after_downloads"])
            + ".",
            "",
            "## Full downloads",
            "",
            "Unfiltered, written once per data state and then served from the file. First = "
            "seconds from the first request after a change until the file is served (a thread "
            "writes it and its gzip copy; a request that waits longer than "
            "`DJANGO_PREPARE_WAIT` is answered 503 with Retry-After, counted, and asked again "
            "a second later); repeat = median of 5 later requests, whole body read over "
            "loopback.",
            "",
            "| download | size | gzip size | first (s) | 503s | repeat (ms) | repeat, gzip (ms) |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for row in load["downloads"]:
            lines.append(
                f"| `{row['path']}` | {row['bytes'] / 2**20:.1f} MiB "
                f"| {row['gzip_bytes'] / 2**20:.1f} MiB | {row['first_s']:.1f} "
                f"| {row['answers_503']} "
                f"| {ms(row['repeat_ms'])} | {ms(row['repeat_gzip_ms'])} |"
            )
    return "\n".join(lines) + "\n"


def datasette_version(work: Path) -> str:
    datasette = work / "venv-datasette" / "bin" / "datasette"
    result = subprocess.run([str(datasette), "--version"], capture_output=True, text=True)
    return result.stdout.strip().split()[-1] if result.returncode == 0 else "?"
