"""Helpers shared by the import tests: run the command, photograph the database."""

from io import StringIO
from pathlib import Path

from django.core.management import call_command

from tracker.models import Citation, Station

#: Real spreadsheet samples, some saved by LibreOffice (see data/README).
DATA = Path(__file__).parent / "data"


def run_import(*args):
    """``import_sheet`` with ``args``: (exit status, standard output, standard error)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("import_sheet", *map(str, args), stdout=out, stderr=err)
        code = 0
    except SystemExit as exit:
        code = exit.code
    return code, out.getvalue(), err.getvalue()


def snapshot():
    """Everything an import could touch, to prove a refused import wrote nothing."""
    return (
        list(Station.objects.order_by("code").values()),
        list(Citation.objects.order_by("pk").values()),
        Station.history.count(),
        Citation.history.count(),
    )
