"""The full, unfiltered downloads, written to files once per state of the data.

``/stations.csv``, ``/stations.json``, ``/stations.geojson``, ``/events.csv``
and ``/events.json`` without a filter are the same for every reader until the
data changes, and at scale take seconds to build. The first request after a
change writes the file (and a gzip copy beside it) under
``TRACKER_DOWNLOAD_DIR``, named after the data stamp; every later request is
served from disk by ``FileResponse`` (the server's ``sendfile``), compressed
when the client accepts gzip. A lease (``BuildLease``) makes concurrent
first requests, in any worker, wait for one build instead of each starting
its own.

The file is written by a process of its own (``manage.py
prepare_downloads``, watched by a thread of the worker), and the request
waits for it up to ``TRACKER_PREPARE_WAIT`` seconds (below the server's
timeout): at 100,000 events the first build takes about a minute, longer than
a worker may stay silent, and would leave the worker's memory 50 MB larger.
A request that stops waiting answers ``503`` with ``Retry-After``; the build
carries on, and the next request after it finished is served from the file.
A file of an earlier data state is never served instead, since it may hold a
withdrawn record.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import logging
import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from django.http import FileResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language

from .middleware import accepts_gzip, code_fingerprint
from .models import public_data_stamp

logger = logging.getLogger(__name__)

#: The data URLs whose unfiltered file is written once per data state (their names
#: in tracker/urls.py); ``prepare_downloads`` writes these and nothing else.
FULL_DOWNLOADS = ("stations_csv", "stations_json", "stations_geojson", "events_csv", "events_json")

#: Seconds a build's lease in the cache lasts unless renewed (renewed every third of it).
LEASE_SECONDS = 60

#: Seconds between looks at a file that another worker or server is writing.
POLL_SECONDS = 0.5


def _path(request, name: str) -> Path:
    """Where the file ``name`` of the present data state is kept for this kind of request."""
    stamp = getattr(request, "public_data_stamp", None) or public_data_stamp()
    # Record URLs in the files name the host they were asked from, and the JSON
    # texts follow the language of the address: each combination has its file.
    reader = _digest((request.scheme, request.get_host(), get_language()))[:12]
    state = _digest((stamp, code_fingerprint()))[:16]
    stem, suffix = name.rsplit(".", 1)
    return Path(settings.TRACKER_DOWNLOAD_DIR) / f"{stem}-{reader}-{state}.{suffix}"


def _digest(parts: tuple) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _write(path: Path, chunks: Iterable[str]) -> None:
    """Write ``chunks`` to ``path`` and ``path.gz`` at once, each appearing whole or not at all."""
    plain_tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    packed_tmp = path.with_name(path.name + f".gz.{os.getpid()}.tmp")
    try:
        with (
            open(plain_tmp, "wb") as plain,
            gzip.open(packed_tmp, "wb", compresslevel=6) as packed,
        ):
            for chunk in chunks:
                data = chunk.encode()
                plain.write(data)
                packed.write(data)
        os.replace(packed_tmp, path.with_name(path.name + ".gz"))
        os.replace(plain_tmp, path)
    finally:
        for leftover in (plain_tmp, packed_tmp):
            leftover.unlink(missing_ok=True)


def _remove_older(path: Path) -> None:
    """Delete the files of earlier data states for the same host and language (a reader
    still sending one keeps its copy)."""
    kind_and_reader = path.name.rsplit("-", 1)[0]
    # The suffix too: /stations.csv and /stations.json are different files of one state.
    for old in path.parent.glob(f"{kind_and_reader}-*{path.suffix}*"):
        if not old.name.startswith(path.name) and not old.name.endswith(".tmp"):
            old.unlink(missing_ok=True)


def prepared_file(request, name: str, chunks: Callable[[], Iterable[str]]) -> Path | None:
    """The path of the download ``name`` for the present data, written by ``chunks()`` if
    new; None when it is still being written after ``TRACKER_PREPARE_WAIT`` seconds."""
    path = _path(request, name)
    if path.exists():
        return path
    if connection.in_atomic_block:
        # Another connection would not see what this transaction sees: write it here.
        _build(path, name, chunks)
        return path
    match = request.resolver_match
    if match is None or match.url_name not in FULL_DOWNLOADS:
        # prepare_downloads writes only these: a process started for anything
        # else would fail, and the next request would start another.
        raise ValueError(f"{request.path_info} is not a prepared download.")
    deadline = time.monotonic() + settings.TRACKER_PREPARE_WAIT
    while not path.exists():
        watcher = _start_build(request, path)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        if watcher is not None:
            watcher.join(remaining)
        else:
            # Being written by another worker, or by another server sharing the
            # cache (for its own folder): look again shortly.
            time.sleep(min(POLL_SECONDS, remaining))
    return path


def _start_build(request, path: Path) -> threading.Thread | None:
    """Start ``prepare_downloads`` for ``path`` in a process of its own, watched by a
    thread of this worker, unless one is under way; the thread, or None."""
    lease = BuildLease(path)
    if not lease.acquire():
        return None
    arguments = [request.path_info, "--host", request.get_host(), "--scheme", request.scheme]
    thread = threading.Thread(
        target=_watch_build, args=(lease, arguments), name=f"prepare {path.name}", daemon=True
    )
    thread.start()
    return thread


class BuildLease:
    """The right to write one file of one data state: one build at a time.

    Two locks, so that no reader's request starts a second build wherever it
    lands. A lock in the cache (an atomic ``add`` with an expiry) is held
    across every worker and server sharing the cache (Redis): one server
    builds while another waits for its own copy, so the database reads one
    full download at a time. Its worker renews it while the build runs; one
    left by a worker that died expires within ``LEASE_SECONDS``. The memory
    cache is each process's own, so an exclusive ``flock`` on a file beside
    the download also holds the build across the workers of one server; the
    system frees it when its holder dies. After a failed build the cache lock
    is kept for ``RETRY_AFTER`` seconds, so that readers do not start a
    failing build again and again.
    """

    def __init__(self, path: Path):
        self.path = path
        self.key = "tracker:building:" + path.name
        self.token = secrets.token_hex(8)
        self._file = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path.with_name(self.path.name + ".building"), "a")  # noqa: SIM115 -- held until release()
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        if not cache.add(self.key, self.token, LEASE_SECONDS):
            handle.close()
            return False
        self._file = handle
        return True

    def renew(self) -> None:
        cache.touch(self.key, LEASE_SECONDS)

    def release(self, failed: bool = False) -> None:
        if failed:
            cache.set(self.key, self.token, RETRY_AFTER)
        elif cache.get(self.key) == self.token:
            cache.delete(self.key)
        if self._file is not None:
            self._file.close()  # frees the flock
            self._file = None


def _watch_build(lease: BuildLease, arguments: list[str]) -> None:
    succeeded = False
    try:
        succeeded = _build_elsewhere(arguments, lease.renew)
    finally:
        # A connection this thread may have opened: nothing else would close it.
        connections.close_all()
        lease.release(failed=not succeeded)


def _build_elsewhere(arguments: list[str], renew: Callable[[], None]) -> bool:
    """``manage.py prepare_downloads`` with ``arguments``, in a process of its own;
    ``renew()`` is called now and then while it runs. Whether it succeeded."""
    manage = Path(settings.BASE_DIR) / "manage.py"
    process = subprocess.Popen(  # noqa: S603 -- this project's own command, arguments from a request it validated
        [sys.executable, str(manage), "prepare_downloads", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    while True:
        try:
            _, errors = process.communicate(timeout=LEASE_SECONDS / 3)
            break
        except subprocess.TimeoutExpired:
            renew()
    if process.returncode:
        logger.error("Writing the download %s failed: %s", arguments[0], errors[-2000:])
    return process.returncode == 0


def _build(path: Path, name: str, chunks) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.parent / f"{name}.lock", "w") as lock:
        # Blocks while another process builds the same file, then finds it made.
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not path.exists():
                _write(path, chunks())
                _remove_older(path)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def prepared_response(
    request, name: str, content_type: str, chunks, attachment: bool, filename: str = ""
):
    """Serve the prepared ``name`` (saved as ``filename``), gzip-compressed when the
    client accepts it."""
    path = prepared_file(request, name, chunks)
    if path is None:
        return preparing(request)
    if accepts_gzip(request):
        response = FileResponse(
            open(path.with_name(path.name + ".gz"), "rb"),  # noqa: SIM115 -- FileResponse closes it
            content_type=content_type,
            as_attachment=attachment,
            filename=filename or name,
        )
        response["Content-Encoding"] = "gzip"
    else:
        response = FileResponse(
            open(path, "rb"),  # noqa: SIM115 -- FileResponse closes it
            content_type=content_type,
            as_attachment=attachment,
            filename=filename or name,
        )
    patch_vary_headers(response, ("Accept-Encoding",))
    return response


def preparing(request):
    """``503``: the file of the present data is being written; try again shortly."""
    response = render(request, "tracker/preparing.html", {"retry_after": RETRY_AFTER}, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    patch_cache_control(response, no_store=True)
    return response


#: Seconds a client is asked to wait before asking again for a file being written.
RETRY_AFTER = 30
