"""Cells: the limits every reader enforces, and a cell's way in and out.

A cell read from any file becomes text (``cell_text``), is checked for
control characters (``clean_cell``) and loses the quote an export put before
a formula start (``unneutralise``). A cell written to any file is made text,
stripped of what no spreadsheet can hold, and only then neutralised
(``export_cell``): neutralising last means no later step can uncover a
formula again.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from ..text import CONTROL_CHARACTERS, control_character_problem

#: Columns a sheet may have (data beyond them is refused; no sheet comes near).
MAX_COLUMNS = 100
#: Characters in one cell: Excel's own limit, so any real cell fits.
MAX_CELL_CHARS = 32_767
#: Characters in one line of a CSV file (a row of long cells fits many times).
MAX_LINE_CHARS = 2 * 1024 * 1024
#: How deep XML in a workbook may nest (a sheet needs about six levels).
MAX_XML_DEPTH = 64
#: A data row repeated more often than this is refused (blank rows are only counted).
MAX_ROW_REPEAT = 1_000
#: Compression ratio beyond which a workbook member is a zip bomb, not a spreadsheet.
MAX_ZIP_RATIO = 200
#: Expanded size a workbook may reach even at a plausible ratio (the command line).
MAX_EXPANDED_BYTES = 4 * 1024**3


class SheetError(Exception):
    """A file that cannot be imported at all: one message for a person, no traceback."""


class StalePreviewError(SheetError):
    """Records changed between the admin preview and its confirmation."""


def cell_text(value) -> str:
    """A cell from any reader as the text the import parses.

    Spreadsheet programs type cells: LibreOffice reads ``2022`` as a number
    and hands over 2022.0; dates arrive as datetimes, booleans as bools.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def clean_cell(value: str) -> str:
    """Normalise line ends; raise ValueError naming a control character in the cell.

    The rule and its words are the models' own (``text.control_character_problem``,
    which the text fields' validator uses too); the import asks it directly
    rather than validating each row's instance, to stay fast.
    """
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if problem := control_character_problem(value):
        raise ValueError(problem)
    return value


# What ``clean_cell`` or ``unneutralise`` may change or refuse (control characters,
# carriage returns, quotes): cells without any are read as they are.
_NEEDS_CARE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f']")


def needs_care(text: str) -> bool:
    """Whether cells (``text``, joined) hold anything ``clean_cell``/``unneutralise`` acts on.

    One search over a row's cells instead of two steps per cell: most rows
    hold none, and an import reads a hundred thousand of them.
    """
    return _NEEDS_CARE.search(text) is not None


# What a spreadsheet would run as a formula (or DDE) when it opens the file.
_DANGEROUS = re.compile(r"^'*[=+\-@\t\r]")
# A cell that carries our protective quote: one or more quotes, then a dangerous start.
_PROTECTED = re.compile(r"^'+[=+\-@\t\r]")


def neutralise(value: str) -> str:
    """Make a cell inert: drop control characters, then quote a formula start.

    Quoting is the last step, so nothing removed afterwards can expose a
    formula (``"\\x01=HYPERLINK(…)"`` becomes ``"'=HYPERLINK(…)"``). Cells
    that already start with quotes before such a character get one more, so
    that ``unneutralise`` can always strip exactly one.
    """
    value = CONTROL_CHARACTERS.sub("", value)
    if value and _DANGEROUS.match(value):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """Undo ``neutralise``: strip the one quote an export put before a formula start."""
    if value.startswith("'") and _PROTECTED.match(value):
        return value[1:]
    return value


def export_cell(value) -> str:
    """Any rendered value as the inert text every export writes."""
    return neutralise(cell_text(value))


def size_text(n: int) -> str:
    """Bytes as people read them: ``3 KB``, ``11.4 MB``."""
    mb = 1024 * 1024
    return f"{n / mb:,.1f} MB" if n >= mb / 10 else f"{n / 1024:,.0f} KB"
