"""Running imports and exports: one sheet, a whole workbook, a file of any size.

The commands, the admin and the seed call these functions; they open the
transaction, pick the sheet of a workbook, and stream exports to a file.
"""

from __future__ import annotations

import gc
import itertools
from collections.abc import Callable
from contextlib import contextmanager

from django.db import DatabaseError, transaction
from django.utils import timezone

from .cells import SheetError, StalePreviewError
from .columns import COLUMNS, KINDS, column_names, export_queryset, export_rows
from .engine import ImportRun, SheetResult
from .readers import Workbook
from .writers import write_sheets

Progress = Callable[[str, str, int], None] | None


@contextmanager
def collector_paused():
    """Pause Python's cycle collector during an import (use it to decorate the import).

    An import holds every checked row until it writes, and builds millions
    of short-lived tuples on the way: each time the collector ran it walked
    all the rows held so far again, a third of a 100,000-row import's time.
    The rows hold no reference cycles, so nothing waits for the collector.
    Around the import's function, the collector resumes once the function
    has returned and what it held is freed, so its next run walks little.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def sheet_name(workbook: Workbook, kind: str) -> str | None:
    """The sheet of ``kind`` in a workbook: the one named after it, else the first."""
    for name in workbook.names():
        if name.strip().lower() == kind:
            return name
    return None


@collector_paused()
def import_sheet(workbook: Workbook, kind: str, *, dry_run=False, user=None, reason="", note="",
                 progress: Progress = None, expected_digest="",
                 problem_limit=None) -> SheetResult:  # fmt: skip
    """Import one kind from a workbook (or CSV) file, all or nothing.

    ``reason`` goes to the records' history; ``note`` is the public note of
    the corrections log for the published records the sheet changes (and the
    reason of a withdrawal; without it a row withdrawing one is rejected).
    ``expected_digest``: the preview's fingerprint of the matched records; if
    they changed since, ``StalePreviewError`` and nothing is written.
    ``problem_limit``: keep only the first problems (``SheetResult.problem_limit``).
    """
    rows = workbook.rows(sheet_name(workbook, kind))
    with transaction.atomic():
        run = _check(kind, rows, user, reason, note, progress, pending=None, lock=not dry_run,
                     keep_plans=not dry_run, problem_limit=problem_limit)  # fmt: skip
        result = run.result
        if expected_digest and expected_digest != result.version_digest:
            raise StalePreviewError(
                f"Some {kind} changed after this preview was made. Nothing was imported: "
                "upload the file again to see the differences against the current records."
            )
        _finish(run, dry_run, progress)
    return result


@collector_paused()
def import_workbook(workbook: Workbook, *, dry_run=False, user=None, reason="", note="",
                    progress: Progress = None) -> dict[str, SheetResult]:  # fmt: skip
    """Import the sheets of an ``all`` workbook in dependency order, all or nothing.

    ``reason`` and ``note`` as for ``import_sheet``.

    Each sheet is written inside one outer transaction so the next can refer
    to it; in a dry run, or after a sheet with rejected rows, the rest are only
    checked (with the keys it would have created counted as known, and the
    sources it would publish counted as published), and all is rolled back.
    """
    if workbook.suffix == "csv":
        raise SheetError("KIND all needs a workbook (.xlsx or .ods) with one sheet per kind.")
    found, unknown = {}, []
    for name in workbook.names():
        kind = name.strip().lower()
        if kind in KINDS:
            found[kind] = name
        elif workbook.filled(name):
            unknown.append(f"“{name}”")
    if unknown:
        listed = ", ".join(unknown[:10])
        if len(unknown) > 10:
            listed += f" and {len(unknown) - 10:,} more"
        raise SheetError(
            f"The workbook has sheet{'s' if len(unknown) > 1 else ''} {listed}: "
            f"name each sheet after its kind ({', '.join(KINDS)})."
        )
    if not found:
        raise SheetError(f"The workbook has no sheet named {', '.join(KINDS)}.")
    results: dict[str, SheetResult] = {}
    pending: dict[str, set] = {}
    created: set = set()
    failed = False
    with transaction.atomic():
        for kind in KINDS:
            if kind not in found:
                continue
            rows = workbook.rows(found[kind])
            first = next(rows, None)
            if first is None:  # an empty sheet: nothing of that kind
                results[kind] = SheetResult(kind)
                continue
            rows = itertools.chain([first], rows)
            run = _check(kind, rows, user, reason, note, progress, pending, lock=not dry_run,
                         created=created)  # fmt: skip
            results[kind] = run.result
            if kind == "sources":
                # Stations and events may cite the sources this sheet publishes.
                pending["published_sources"] = set(run.published_keys)
            if run.result.problems:
                failed = True
            elif not failed:
                _finish(run, dry_run, progress, rollback=False)
            if dry_run or failed:
                # Not written: later sheets count the keys it would have created as known.
                pending[kind] = set(run.keys)
        if dry_run or failed:
            transaction.set_rollback(True)
    for result in results.values():
        result.dry_run = dry_run or failed
    return results


def _check(kind, rows, user, reason, note, progress, pending, lock, keep_plans=True,
           created=None, problem_limit=None) -> ImportRun:  # fmt: skip
    def checked(done):
        progress(kind, "checked", done)

    run = ImportRun(kind, rows, user=user, reason=reason, note=note, pending=pending, lock=lock,
                    created=created, progress=checked if progress else None,
                    keep_plans=keep_plans, problem_limit=problem_limit)  # fmt: skip
    run.check()
    return run


def _finish(run: ImportRun, dry_run: bool, progress, rollback=True) -> None:
    """Write a checked run unless it is a dry run or has problems (then roll back)."""
    result = run.result
    result.dry_run = dry_run or bool(result.problems)
    if result.dry_run:
        if rollback:
            transaction.set_rollback(True)
        return
    try:
        run.write(
            timezone.now(), (lambda n: progress(run.kind, "written", n)) if progress else None
        )
    except DatabaseError as error:
        # A rule the checks above missed: one message, and the transaction rolls back.
        raise SheetError(f"The database refused the {run.kind}: {error}") from None


def export_sheets(stream, suffix: str, kinds, querysets=None) -> dict[str, int]:
    """Stream every record of ``kinds`` (one sheet each) to ``stream``; rows per sheet.

    Records are read in chunks with their links prefetched, so memory stays
    constant whatever the number of rows.
    """
    querysets = querysets or {}

    def sheets():
        for kind in kinds:
            records = export_queryset(kind, querysets.get(kind)).iterator(chunk_size=2_000)
            yield kind, column_names(kind), export_rows(COLUMNS[kind], records)

    return write_sheets(stream, suffix, sheets())
