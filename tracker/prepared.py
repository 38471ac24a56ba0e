"""The full, unfiltered downloads, written to files once per state of the data.

``/stations.csv``, ``/stations.json``, ``/stations.geojson``, ``/events.csv``
and ``/events.json`` without a filter are the same for every reader until the
data changes, and at scale take seconds to build. The first request after a
change writes the file (and a gzip copy beside it) under
``TRACKER_DOWNLOAD_DIR``, named after the data stamp; every later request is
served from disk by ``FileResponse`` (the server's ``sendfile``), compressed
when the client accepts gzip. A lock file makes concurrent first requests
wait for one build instead of each building its own.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.http import FileResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

from .middleware import accepts_gzip, code_fingerprint
from .models import public_data_stamp


def _path(request, name: str) -> Path:
    """Where the file ``name`` of the present data state (and host) is kept."""
    stamp = getattr(request, "public_data_stamp", None) or public_data_stamp()
    # Record URLs in the files name the host they were asked from.
    # The JSON texts follow the language of the address.
    basis = (stamp, code_fingerprint(), request.scheme, request.get_host(), get_language())
    digest = hashlib.sha256(repr(basis).encode()).hexdigest()[:24]
    stem, suffix = name.rsplit(".", 1)
    return Path(settings.TRACKER_DOWNLOAD_DIR) / f"{stem}-{digest}.{suffix}"


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
    """Delete the files of earlier data states (a reader still sending one keeps its copy)."""
    stem = path.name.rsplit("-", 1)[0]
    for old in path.parent.glob(f"{stem}-*"):
        if old.name not in (path.name, path.name + ".gz") and not old.name.endswith(".lock"):
            old.unlink(missing_ok=True)


def prepared_file(request, name: str, chunks: Callable[[], Iterable[str]]) -> Path:
    """The path of the download ``name`` for the present data, written by ``chunks()`` if new."""
    path = _path(request, name)
    if path.exists():
        return path
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
    return path


def prepared_response(
    request, name: str, content_type: str, chunks, attachment: bool, filename: str = ""
):
    """Serve the prepared ``name`` (saved as ``filename``), gzip-compressed when the
    client accepts it."""
    path = prepared_file(request, name, chunks)
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
