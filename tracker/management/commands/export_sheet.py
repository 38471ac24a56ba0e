"""``python manage.py export_sheet KIND FILE``: write the columns the import reads."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.resources import KINDS, RESOURCES, export_workbook
from tracker.sheets import SheetError, suffix_of, write_sheets


class Command(BaseCommand):
    help = (
        "Export stations, events, sources or citations (KIND all: a workbook with one sheet "
        "per kind) to a .csv, .xlsx or .ods file, chosen by the file's suffix, in the columns "
        "import_sheet reads. Every record is exported, whatever its editorial state; cells a "
        "spreadsheet would run as a formula are prefixed with a quote."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=[*KINDS, "all"], help="What to export.")
        parser.add_argument("file", help="The file to write: .csv, .xlsx or .ods.")

    def handle(self, *args, kind, file, **options):
        path = Path(file)
        try:
            suffix = suffix_of(path.name)
            if kind == "all":
                if suffix == "csv":
                    raise SheetError("KIND all writes a workbook: name the file .xlsx or .ods.")
                datasets = export_workbook()
            else:
                datasets = {kind: RESOURCES[kind]().export()}
            data = write_sheets(datasets, suffix)
            path.write_bytes(data)
        except SheetError as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f"{path}: cannot be written ({error.strerror}).") from None
        counts = ", ".join(f"{len(dataset)} {name}" for name, dataset in datasets.items())
        self.stdout.write(self.style.SUCCESS(f"Wrote {counts} to {path}."))
