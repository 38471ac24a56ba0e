"""Text helpers shared by the models, the search filter and the imports.

Search works on a stored, normalised copy of each record's text so that the
same comparison runs on SQLite and PostgreSQL: accents stripped, case folded,
and every run of Chinese characters followed by its toneless pinyin.
"""

import re
import unicodedata
from datetime import date
from functools import lru_cache

from django.utils.translation import gettext, gettext_lazy, ngettext_lazy

from .hanzi import to_simplified

#: A run of Chinese characters.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_APOSTROPHES = re.compile(r"['’ʼ`]")
_NON_WORD = re.compile(r"[^\w]+")


class _Marks(dict):
    """A ``str.translate`` table that deletes combining marks, filled as characters come.

    Deleting marks character by character in Python was most of the time an
    import spent on accented text; the table does it in C after a character's
    first sight.
    """

    def __missing__(self, code: int):
        self[code] = None if unicodedata.combining(chr(code)) else code
        return self[code]


_MARKS = _Marks()
#: ``normalise`` of ASCII text: lower case, apostrophes dropped, non-word characters spaces.
_ASCII_FOLD = {
    code: None if chr(code) in "'`" else chr(code).lower() if re.match(r"\w", chr(code)) else " "
    for code in range(128)
}


def normalise(text: str, pinyin: bool = True) -> str:
    """Fold ``text`` for matching: no accents, no case, words split by one space.

    Chinese characters are kept and each run of them is followed by its
    toneless pinyin written together ("海外" gives "海外 haiwai"), so that
    Chinese, pinyin with tone marks and pinyin without them all meet.
    Traditional characters are folded to Simplified first, so a query in
    either script finds a text in either ("荷蘭" finds "荷兰"). A query needs
    no pinyin (``pinyin=False``): its characters meet the stored ones.
    """
    if not text:
        return ""
    if text.isascii():  # most text: every step below in one table, in C
        return " ".join(text.translate(_ASCII_FOLD).split())
    if _HAN.search(text):
        text = to_simplified(text)
        if pinyin:
            text = _HAN.sub(lambda m: f" {m.group(0)} {_pinyin(m.group(0))} ", text)
        else:
            text = _HAN.sub(lambda m: f" {m.group(0)} ", text)
    folded = unicodedata.normalize("NFKD", text).translate(_MARKS).casefold()
    return " ".join(_NON_WORD.sub(" ", _APOSTROPHES.sub("", folded)).split())


#: C0 control characters but tab and line breaks (a carriage return is a line break).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def control_character_problem(value: str) -> str:
    """Why ``value`` cannot be stored, naming its first control character; "" when it has none.

    The one rule for curated text: no record may hold a control character
    other than tabs and line breaks (spreadsheets, feeds and XML refuse them).
    The models' field validator and the spreadsheet import both report it in
    these words.
    """
    found = CONTROL_CHARACTERS.search(value)
    if found is None:
        return ""
    return (
        f"holds the control character U+{ord(found.group()):04X} at character "
        f"{found.start() + 1}: remove it (only tabs and line breaks are kept)."
    )


def has_chinese(value: str) -> bool:
    """Whether ``value`` holds a Chinese character."""
    return _HAN.search(value) is not None


def is_chinese(value: str) -> bool:
    """Whether ``value`` is written in Chinese characters only."""
    return bool(_HAN.fullmatch(value or ""))


@lru_cache(maxsize=4096)
def _pinyin(han: str) -> str:
    """Toneless pinyin of Chinese characters, written together."""
    # The same names (a bureau's) recur in thousands of records: convert each once.
    # pypinyin's dictionaries take ~55 MB: loaded only by a process that meets
    # Chinese text (a write, or a search in Chinese), never by every worker.
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(han))


def search_terms(query: str) -> list[str]:
    """Split a reader's query into normalised terms; every term must match.

    Without the pinyin of Chinese terms: the stored text holds the characters
    themselves, and a worker answering searches need not load pinyin tables.
    """
    return normalise(query, pinyin=False).split()[:12]


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
        if end is not None:
            return gettext("Active until %(end)s; start unknown") % {"end": end}
        return gettext("Years active unknown")
    if end is None:
        return gettext("Active from %(start)s; end unknown or still active") % {"start": start}
    if end == start:
        return gettext("Active in %(year)s") % {"year": start}
    return gettext("Active from %(start)s to %(end)s") % {"start": start, "end": end}


# Dates with a precision -----------------------------------------------------

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def is_partial_date(value: str) -> bool:
    """Whether ``value`` is written as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
    return bool(_PARTIAL_DATE.match(value.strip()))


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
    """A date as a reader would say it at its precision, in the page's language
    ("November 2022", "2022年11月")."""
    from .languages import partial_date

    if value is None:
        return gettext("date unknown")
    return partial_date(value, precision)


#: Counted nouns in words, with each language's plural rules (the catalogues').
_NONE = {
    "station": gettext_lazy("No stations"),
    "event": gettext_lazy("No events"),
    "source": gettext_lazy("No sources"),
    "country": gettext_lazy("No countries"),
}
_SOME = {
    "station": ngettext_lazy("%(count)s station", "%(count)s stations", "n"),
    "event": ngettext_lazy("%(count)s event", "%(count)s events", "n"),
    "source": ngettext_lazy("%(count)s source", "%(count)s sources", "n"),
    "country": ngettext_lazy("%(count)s country", "%(count)s countries", "n"),
}


def count_noun(count: int, singular: str, plural: str | None = None) -> str:
    """ "No stations", "1 station", "1,234 stations", in the page's language for the
    tracker's own nouns (station, event, source, country)."""
    from .languages import number

    if singular in _SOME:
        if count == 0:
            return str(_NONE[singular])
        return _SOME[singular] % {"n": count, "count": number(count)}
    plural = plural or f"{singular}s"
    if count == 0:
        return f"No {plural}"
    return f"{count:,} {singular if count == 1 else plural}"
