"""The full, unfiltered downloads, written to files once per state of the data.

``/stations.csv``, ``/stations.json``, ``/stations.geojson``, ``/events.csv``
and ``/events.json`` without a filter are the same for every reader until the
data changes, and at scale take seconds to build. The first request after a
change writes the file (and a gzip copy beside it) under
``TRACKER_DOWNLOAD_DIR``, named after the data stamp; every later request is
served from disk by ``FileResponse`` (the server's ``sendfile``), compressed
when the client accepts gzip. A lock file makes concurrent first requests
wait for one build instead of each building its own.

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
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.http import FileResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language

from .middleware import accepts_gzip, code_fingerprint
from .models import public_data_stamp

logger = logging.getLogger(__name__)

#: Threads of this process watching a file being written, by the file's path.
_building: dict[Path, threading.Thread] = {}
_building_lock = threading.Lock()


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
        if old.name not in (path.name, path.name + ".gz") and not old.name.endswith(".tmp"):
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
    with _building_lock:
        thread = _building.get(path)
        if thread is None:
            arguments = [
                request.path_info,
                "--host",
                request.get_host(),
                "--scheme",
                request.scheme,
            ]
            thread = threading.Thread(
                target=_watch_build,
                args=(path, arguments),
                name=f"prepare {path.name}",
                daemon=True,
            )
            _building[path] = thread
            thread.start()
    thread.join(settings.TRACKER_PREPARE_WAIT)
    return path if path.exists() else None


def _watch_build(path: Path, arguments: list[str]) -> None:
    try:
        _build_elsewhere(arguments)
    finally:
        # A connection this thread may have opened: nothing else would close it.
        connections.close_all()
        with _building_lock:
            _building.pop(path, None)


def _build_elsewhere(arguments: list[str]) -> None:
    """``manage.py prepare_downloads`` with ``arguments``, in a process of its own."""
    manage = Path(settings.BASE_DIR) / "manage.py"
    done = subprocess.run(  # noqa: S603 -- this project's own command, arguments from a request it validated
        [sys.executable, str(manage), "prepare_downloads", *arguments],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        logger.error("Writing the download %s failed: %s", arguments[0], done.stderr[-2000:])


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
