"""Text helpers shared by the models, the search filter and the imports.

Search works on a stored, normalised copy of each record's text so that the
same comparison runs on SQLite and PostgreSQL: accents stripped, case folded,
and every run of Chinese characters followed by its toneless pinyin.
"""

import re
import unicodedata
from datetime import date
from functools import lru_cache

from pypinyin import lazy_pinyin

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_APOSTROPHES = re.compile(r"['’ʼ`]")
_NON_WORD = re.compile(r"[^\w]+")


def normalise(text: str) -> str:
    """Fold ``text`` for matching: no accents, no case, words split by one space.

    Chinese characters are kept and each run of them is followed by its
    toneless pinyin written together ("海外" gives "海外 haiwai"), so that
    Chinese, pinyin with tone marks and pinyin without them all meet.
    """
    if not text:
        return ""
    text = _HAN.sub(lambda m: f" {m.group(0)} {_pinyin(m.group(0))} ", text)
    if text.isascii():  # nothing to decompose (most text, and fast at import sizes)
        stripped = text
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = _APOSTROPHES.sub("", stripped.casefold())
    return " ".join(_NON_WORD.sub(" ", stripped).split())


@lru_cache(maxsize=4096)
def _pinyin(han: str) -> str:
    # The same names (a bureau's) recur in thousands of records: convert each once.
    return "".join(lazy_pinyin(han))


def search_terms(query: str) -> list[str]:
    """Split a reader's query into normalised terms; every term must match."""
    return normalise(query).split()[:12]


# Active years -------------------------------------------------------------

UNKNOWN_YEARS = "na."
_YEAR_RANGE = re.compile(r"^(\d{4})\s*(?:[-–—]\s*(\d{4}|\?)\s*)?$")


def parse_active(value: str | None) -> tuple[int | None, int | None]:
    """Read active years as the table writes them.

    ``"na."`` or blank: unknown, ``(None, None)``; ``"2016–?"`` (or ``2016-?``):
    from 2016, end unknown or ongoing, ``(2016, None)``; ``"2018"``: that year
    only, ``(2018, 2018)``; ``"2018–2022"``: a closed range. Raises ValueError
    with a reader's reason for anything else.
    """
    text = (value or "").strip()
    if text.lower() in ("", "na", "na.", "n/a", "unknown"):
        return None, None
    match = _YEAR_RANGE.match(text)
    if not match:
        raise ValueError(f"“{text}” is not a year range: write 2018, 2018–2022, 2016–? or na.")
    start = int(match.group(1))
    end_text = match.group(2)
    if end_text is None:
        end = start
    elif end_text == "?":
        end = None
    else:
        end = int(end_text)
    for year in (start, end):
        if year is not None and not 1949 <= year <= 2100:
            raise ValueError(f"{year} is not a plausible year.")
    if end is not None and end < start:
        raise ValueError(f"the range ends ({end}) before it starts ({start}).")
    return start, end


def format_active(start: int | None, end: int | None) -> str:
    """Write active years back in the table's notation (the inverse of parse_active)."""
    if start is None:
        return UNKNOWN_YEARS
    if end is None:
        return f"{start}–?"
    if end == start:
        return str(start)
    return f"{start}–{end}"


def describe_active(start: int | None, end: int | None) -> str:
    """Active years as a reader would say them."""
    if start is None:
        return "Years active unknown"
    if end is None:
        return f"Active from {start}; end unknown or still active"
    if end == start:
        return f"Active in {start}"
    return f"Active from {start} to {end}"


# Dates with a precision -----------------------------------------------------

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def parse_partial_date(value: str | None) -> tuple[date | None, str]:
    """Read ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` into a date and its precision.

    The date is the first day of the period; the precision is ``year``,
    ``month`` or ``day``. Blank gives ``(None, "")``. Raises ValueError.
    """
    text = (value or "").strip()
    if not text:
        return None, ""
    # Spreadsheets hand over real dates as "2022-11-01 00:00:00".
    text = text.split(" ")[0].split("T")[0]
    match = _PARTIAL_DATE.match(text)
    if not match:
        raise ValueError(f"“{text}” is not a date: write YYYY, YYYY-MM or YYYY-MM-DD.")
    year, month, day = match.groups()
    try:
        parsed = date(int(year), int(month or 1), int(day or 1))
    except ValueError as error:
        raise ValueError(f"“{text}” is not a real date ({error}).") from None
    precision = "day" if day else "month" if month else "year"
    return parsed, precision


def format_partial_date(value: date | None, precision: str) -> str:
    """Write a date with its precision back as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
    if value is None:
        return ""
    if precision == "year":
        return f"{value.year:04d}"
    if precision == "month":
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def describe_partial_date(value: date | None, precision: str) -> str:
    """A date as a reader would say it at its precision ("November 2022")."""
    if value is None:
        return "date unknown"
    if precision == "year":
        return str(value.year)
    if precision == "month":
        return value.strftime("%B %Y")
    return f"{value.day} {value.strftime('%B %Y')}"
