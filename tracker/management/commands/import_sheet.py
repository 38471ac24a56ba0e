"""``python manage.py import_sheet KIND FILE [--dry-run]``: import a spreadsheet, all or nothing."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from tracker.models import refresh_planner_statistics
from tracker.resources import KINDS, RESOURCES, import_workbook, read_workbook
from tracker.sheets import SheetError, read_dataset, suffix_of


class ProgressBar:
    """A one-line progress bar, drawn only when the output is a terminal."""

    WIDTH = 30

    def __init__(self, stream):
        self.stream = stream
        self.enabled = stream.isatty()
        self.drawn = False

    def __call__(self, label: str, done: int, total: int):
        if not self.enabled or not total:
            return
        filled = self.WIDTH * done // total
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(f"\r{label:<10} [{bar}] {done:,}/{total:,} rows")
        self.stream.flush()
        self.drawn = True

    def finish(self):
        if self.drawn:
            self.stream.write("\n")
            self.drawn = False


class Command(BaseCommand):
    help = (
        "Import stations, events, sources or citations from a .csv, .xlsx or .ods file "
        "(KIND all: a workbook with one sheet per kind, named after it). Every row is "
        "checked first; if any row is rejected nothing is imported and each rejected row "
        "is listed with its row number, column and reason. Exit status: 0 imported (or "
        "would import, with --dry-run), 1 rejected rows, 2 unreadable file."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=[*KINDS, "all"], help="What the sheet holds.")
        parser.add_argument("file", help="A .csv, .xlsx or .ods file.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and report what would change, writing nothing.",
        )

    def handle(self, *args, kind, file, dry_run, **options):
        path = Path(file)
        bar = ProgressBar(sys.stderr)
        try:
            suffix = suffix_of(path.name)
            data = self.read_file(path)
            reason_name = path.name
            if kind == "all":
                sheets = read_workbook(data, suffix)
                results = import_workbook(
                    sheets, dry_run=dry_run, file_name=reason_name, progress=bar
                )
            else:
                dataset = read_dataset(data, suffix, kind)
                resource = RESOURCES[kind]()
                results = {
                    kind: resource.import_data(
                        dataset,
                        dry_run=dry_run,
                        file_name=reason_name,
                        user=None,
                        progress=lambda done, total: bar(kind, done, total),
                    )
                }
        except SheetError as error:
            bar.finish()
            self.stderr.write(f"{path.name}: {error}")
            sys.exit(2)
        bar.finish()
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

    def read_file(self, path: Path) -> bytes:
        try:
            return path.read_bytes()
        except OSError as error:
            raise SheetError(f"cannot be read ({error.strerror}).") from None
