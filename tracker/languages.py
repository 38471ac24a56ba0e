"""The page's language: its address in each language, and records' texts, country names,
dates and numbers written in it.

English lives at the plain addresses, Chinese under ``/zh-hans/`` and ``/zh-hant/``
(``i18n_patterns`` in config/urls.py). Dates, numbers and country names come from
CLDR through Babel rather than hand-written tables; the interface's own sentences
come from the catalogues in ``locale/``.
"""

from __future__ import annotations

import datetime
import functools
from typing import NamedTuple

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from django.conf import settings
from django.urls import get_script_prefix
from django.utils.html import format_html
from django.utils.translation import get_language, gettext

#: BCP 47 tags for ``lang`` and ``hreflang`` (Django's codes are lower case).
LANGUAGE_TAGS = {"en": "en", "zh-hans": "zh-Hans", "zh-hant": "zh-Hant"}

#: The CLDR locale whose data writes each language's dates, numbers and names.
BABEL_LOCALES = {"en": "en", "zh-hans": "zh_Hans_CN", "zh-hant": "zh_Hant_TW"}

#: The suffix of a record's translated fields per language (``title_zh_hans``).
FIELD_SUFFIXES = {"zh-hans": "zh_hans", "zh-hant": "zh_hant"}

#: CLDR date patterns per precision; the skeletons give "2023年6月" and "June 2023".
_DATE_SKELETONS = {"year": "y", "month": "yMMMM", "day": "yMMMMd"}


def current() -> str:
    """The active language's code as settings.LANGUAGES spells it (``en`` by default)."""
    code = (get_language() or settings.LANGUAGE_CODE).lower()
    return code if code in LANGUAGE_TAGS else settings.LANGUAGE_CODE


def tag(code: str | None = None) -> str:
    """The BCP 47 tag of a language (the active one by default): ``zh-Hans``."""
    return LANGUAGE_TAGS[code or current()]


def babel_locale(code: str | None = None) -> Locale:
    return _locale(BABEL_LOCALES[code or current()])


@functools.cache
def _locale(name: str) -> Locale:
    return Locale.parse(name)


# Addresses ---------------------------------------------------------------------


def strip_prefix(path: str) -> str:
    """The path without its script prefix and language prefix: ``/stations/GBR02/``."""
    prefix = get_script_prefix()
    if path.startswith(prefix):
        path = path[len(prefix) - 1 :]
    for code in LANGUAGE_TAGS:
        if code != settings.LANGUAGE_CODE and (path == f"/{code}" or path.startswith(f"/{code}/")):
            return path[len(code) + 1 :] or "/"
    return path


def path_in(code: str, path: str) -> str:
    """The same page's path in language ``code`` (English takes no prefix)."""
    bare = strip_prefix(path)
    prefix = get_script_prefix().rstrip("/")
    if code == settings.LANGUAGE_CODE:
        return f"{prefix}{bare}"
    return f"{prefix}/{code}{bare}"


class LanguageLink(NamedTuple):
    code: str
    tag: str
    name: str
    url: str
    current: bool


def language_links(request, query: str = "") -> list[LanguageLink]:
    """This page in every language, its query string kept: for the switcher and hreflang."""
    query = f"?{query}" if query else ""
    here = current()
    return [
        LanguageLink(
            code, LANGUAGE_TAGS[code], name, path_in(code, request.path) + query, code == here
        )
        for code, name in settings.LANGUAGES
    ]


# Record texts ------------------------------------------------------------------


class Localized(NamedTuple):
    """A record's text in the page's language, or the English one when none is written."""

    text: str
    tag: str
    fallback: bool

    def __str__(self) -> str:
        return self.text

    def html(self):
        """The text, and where it stands in for a missing translation, marked as English."""
        if not self.fallback or not self.text:
            return format_html("{}", self.text)
        return format_html(
            '<span lang="en">{}</span> <span class="lang-note">{}</span>',
            self.text,
            gettext("(English)"),
        )


def localized(record, field: str, code: str | None = None) -> Localized:
    """``record.<field>`` in the page's language: ``title_zh_hant`` on a Traditional page.

    Traditional falls back to Simplified only through the curator (they may
    fill both); otherwise the English field shows, flagged as a fallback.
    """
    code = code or current()
    english = getattr(record, field, "") or ""
    suffix = FIELD_SUFFIXES.get(code)
    if suffix is None:
        return Localized(english, "en", False)
    translated = getattr(record, f"{field}_{suffix}", "") or ""
    if translated.strip():
        return Localized(translated, LANGUAGE_TAGS[code], False)
    return Localized(english, "en", bool(english))


# Country names, dates, numbers -------------------------------------------------


def country_name(iso3: str, english: str = "", code: str | None = None) -> str:
    """A country's name in the page's language from CLDR, the English name otherwise."""
    code = code or current()
    if code == settings.LANGUAGE_CODE:
        return english or iso3
    from .places import iso2

    alpha_2 = iso2(iso3)
    return (alpha_2 and babel_locale(code).territories.get(alpha_2)) or english or iso3


def partial_date(value: datetime.date | None, precision: str, code: str | None = None) -> str:
    """A date at its precision in the page's language: "June 2023", "2023年6月", "2023"."""
    if value is None:
        return ""
    locale = babel_locale(code)
    skeleton = _DATE_SKELETONS.get(precision or "day", "yMMMMd")
    if (code or current()) == "en":
        # English readers of the tracker write day-month-year: "4 June 2023".
        pattern = {"year": "y", "month": "MMMM y", "day": "d MMMM y"}[precision or "day"]
        return format_date(value, pattern, locale=locale)
    return format_date(value, locale.datetime_skeletons[skeleton], locale=locale)


def long_date(value: datetime.date | datetime.datetime | None, code: str | None = None) -> str:
    """A full date ("4 June 2023", "2023年6月4日") for stamps such as "last changed"."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    return partial_date(value, "day", code)


def number(value: int | float, code: str | None = None) -> str:
    """A number with the language's grouping: 1,234."""
    return format_decimal(value, locale=babel_locale(code))
