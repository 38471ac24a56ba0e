"""``manage.py import_sheet KIND FILE [--dry-run] [--note TEXT]``: a sheet, all or nothing."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand
from tqdm import tqdm

from tracker.importing.cells import SheetError
from tracker.importing.columns import KINDS
from tracker.importing.readers import Workbook, suffix_of
from tracker.importing.run import import_sheet, import_workbook
from tracker.models import refresh_planner_statistics


class Progress:
    """Rows checked and written, as a tqdm bar on a terminal; nothing otherwise."""

    def __init__(self, stream):
        self.enabled = stream.isatty()
        self.stream = stream
        self.bar = None
        self.label = None

    def __call__(self, kind: str, step: str, done: int):
        if not self.enabled:
            return
        label = f"{kind} {step}"
        if label != self.label:
            self.close()
            self.label = label
            self.bar = tqdm(desc=label, unit=" rows", file=self.stream, leave=True)
        self.bar.update(done - self.bar.n)

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Command(BaseCommand):
    help = (
        "Import bureaus, stations, events, sources or citations from a .csv, .xlsx or .ods "
        "file of any size (KIND all: a workbook with one sheet per kind, named after it). "
        "Every row is checked first; if any row is rejected nothing is imported and each "
        "rejected row is listed with its row number, column and reason. Changes to "
        "published records go into the public corrections log with --note; a row "
        "withdrawing a published record is rejected without it. Exit status: 0 imported "
        "(or would import, with --dry-run), 1 rejected rows, 2 unreadable file."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=[*KINDS, "all"], help="What the sheet holds.")
        parser.add_argument("file", help="A .csv, .xlsx or .ods file.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and report what would change, writing nothing.",
        )
        parser.add_argument(
            "--note",
            default="",
            help=(
                "The public note the corrections log shows for every change the sheet makes "
                "to a published record, and the public reason of every withdrawal (a row "
                "taking a published record off the site needs it)."
            ),
        )

    def handle(self, *args, kind, file, dry_run, note, **options):
        path = Path(file)
        progress = Progress(sys.stderr)
        reason = f"import_sheet {path.name}"
        try:
            suffix = suffix_of(path.name)
            try:
                stream = path.open("rb")
            except OSError as error:
                raise SheetError(f"cannot be read ({error.strerror}).") from None
            with stream, Workbook(stream, suffix) as workbook:
                if kind == "all":
                    results = import_workbook(
                        workbook, dry_run=dry_run, reason=reason, note=note, progress=progress
                    )
                else:
                    results = {
                        kind: import_sheet(
                            workbook,
                            kind,
                            dry_run=dry_run,
                            reason=reason,
                            note=note,
                            progress=progress,
                        )
                    }
        except SheetError as error:
            progress.close()
            self.stderr.write(f"{path.name}: {error}")
            sys.exit(2)
        progress.close()
        rejected = False
        for name, result in results.items():
            prefix = f"{name} " if kind == "all" else ""
            for problem in result.problems:
                self.stdout.write(f"{prefix}{problem}")
            rejected = rejected or bool(result.problems)
        for name, result in results.items():
            prefix = f"{name}: " if kind == "all" else ""
            self.stdout.write(f"{prefix}{result.summary()}")
        if rejected:
            self.stdout.write(
                self.style.ERROR("Nothing was imported: fix the rows above and import again.")
            )
            sys.exit(1)
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
        else:
            refresh_planner_statistics()
            self.stdout.write(self.style.SUCCESS("Imported."))
