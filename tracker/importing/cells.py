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
#: Cells an .ods file may produce by repeating rows that hold data (a row's cells times
#: its copies, summed over the file, so over each sheet too). Blank rows are only
#: counted, never produced; a repeated data row is a duplicate the import rejects anyway,
#: and an export writes none, so any real sheet stays far below.
MAX_REPEATED_CELLS = 10_000
#: Elements inside one .ods cell (its paragraphs, spans and spaces), read whole.
MAX_CELL_ELEMENTS = 10_000
#: Compression ratio beyond which a workbook member is a zip bomb, not a spreadsheet.
MAX_ZIP_RATIO = 200
#: Parts smaller than this are not held to MAX_ZIP_RATIO (a tiny part may pack tightly).
RATIO_FLOOR = 64 * 1024
#: Expanded size a workbook may reach even at a plausible ratio (the command line).
MAX_EXPANDED_BYTES = 4 * 1024**3
#: Parts (files) in a workbook's zip: an .xlsx of many sheets has a few hundred.
MAX_PARTS = 1_000
#: Sheets in an .ods (an .xlsx has a part per sheet): a tracker workbook has five.
MAX_SHEETS = 1_000
#: Excel's own limits on a sheet: rows, and columns (XFD).
MAX_SHEET_ROWS = 1_048_576
MAX_SHEET_COLUMNS = 16_384
#: Elements openpyxl builds for one .xlsx row or shared string before it lets go of them.
MAX_ROW_ELEMENTS = 4 * MAX_SHEET_COLUMNS
#: Rows without any value an .xlsx may hold: openpyxl keeps each one (and its
#: attributes) until the sheet ends; a sheet holds a few between its data rows.
MAX_BLANK_ROWS = 100_000
#: What openpyxl holds whole while it reads an .xlsx: every element of the XML parts
#: other than the sheets' rows and the shared texts (styles, workbook, relationships,
#: properties, ...) and of the sheets outside their rows, summed. An export needs
#: about 400; Excel's own cap of 64,000 cell formats fits; each element costs
#: openpyxl up to 1 KB.
MAX_LOADED_ELEMENTS = 200_000
#: Size of one part read whole: an export's largest is 10 KB, a bloated styles.xml a few MB.
MAX_LOADED_PART_BYTES = 32 * 1024**2
#: The shared-strings table of an .xlsx (every distinct text, which openpyxl holds whole
#: before the first row). `export_sheet all` of 100,000 events, saved the way Excel and
#: LibreOffice save it, has a table of 405,353 texts in 24 MB (our own exports have
#: none: their cells hold their text). Two and a half times that leaves room for such
#: files and bounds what openpyxl takes for the table (75 MB for a million texts of 40
#: characters).
MAX_SHARED_STRINGS = 1_000_000
MAX_SHARED_STRINGS_BYTES = 64 * 1024**2
#: Texts the table may hold beyond the cells that use one (a table lists only what its
#: cells use; a few left over from edits are tolerated).
SHARED_STRINGS_SLACK = 1_000


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
