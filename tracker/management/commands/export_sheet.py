"""``python manage.py export_sheet KIND FILE``: write the columns the import reads."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.importing.cells import SheetError
from tracker.importing.columns import KINDS
from tracker.importing.readers import suffix_of
from tracker.importing.run import export_sheets


class Command(BaseCommand):
    help = (
        "Export bureaus, stations, events, sources or citations (KIND all: a workbook with "
        "one sheet per kind, in the order that imports cleanly) to a .csv, .xlsx or .ods "
        "file, chosen by the file's suffix, in the columns import_sheet reads. Every record "
        "is exported, whatever its editorial state; cells a spreadsheet would run as a "
        "formula are prefixed with a quote. The file is written as it is read, in constant "
        "memory."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=[*KINDS, "all"], help="What to export.")
        parser.add_argument("file", help="The file to write: .csv, .xlsx or .ods.")

    def handle(self, *args, kind, file, **options):
        path = Path(file)
        try:
            suffix = suffix_of(path.name)
            if kind == "all" and suffix == "csv":
                raise SheetError("KIND all writes a workbook: name the file .xlsx or .ods.")
            with path.open("wb") as stream:
                counts = export_sheets(stream, suffix, KINDS if kind == "all" else [kind])
        except SheetError as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f"{path}: cannot be written ({error.strerror}).") from None
        written = ", ".join(f"{n} {name}" for name, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Wrote {written} to {path}."))
