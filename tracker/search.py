"""Search as readers write it: other names of places, whole words for short queries,
and why each result matched.

A station's stored search text (``Station.search_text``, written on save and
import, never per request) holds its own fields and the other names of its
country and city: the English short forms people use (UK, Britain, Holland),
CLDR's Simplified and Traditional Chinese country names (from Babel) and the
Chinese names of its city (from the GeoNames cities vendored for the maps).
The query side stays simple: every term must occur, and a term of three
letters or fewer must occur as a whole word, so "UK" does not find "Ukraine"
or UKR01.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from django.db.models import Q
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

from . import text

#: Names readers use that the ISO and CLDR names leave out. Kept small: CLDR
#: supplies the Chinese names, pycountry and country-converter the formal ones.
COUNTRY_ALIASES = {
    "GBR": ["UK", "U.K.", "Britain", "Great Britain", "United Kingdom", "England", "Scotland"],
    "USA": ["US", "U.S.", "USA", "United States", "United States of America", "America"],
    "NLD": ["Holland", "Netherlands", "The Netherlands"],
    "KOR": ["South Korea", "Korea"],
    "CZE": ["Czech Republic", "Czechia"],
}

#: City names the gazetteer lacks or readers shorten.
CITY_ALIASES = {
    "New York": ["NYC", "纽约", "紐約"],
    "Amsterdam": ["阿姆斯特丹"],
    "Rotterdam": ["鹿特丹"],
}

#: Chinese names of the GeoNames cities that have some (tools/vendor_cities.py).
CHINESE_CITY_NAMES = Path(__file__).with_name("data") / "city_names_zh.tsv"

#: Terms this short match whole words only ("UK" is not "Ukraine").
WHOLE_WORD_MAX = 3


@functools.cache
def country_aliases(iso3: str) -> tuple[str, ...]:
    """Other names of a country: English short forms and its Chinese names from CLDR."""
    from babel import Locale

    from .places import iso2

    names = list(COUNTRY_ALIASES.get(iso3, []))
    code = iso2(iso3)
    if code:
        for locale in ("en", "zh_Hans", "zh_Hant"):
            name = Locale.parse(locale).territories.get(code)
            if name:
                names.append(name)
    return tuple(dict.fromkeys(names))


@functools.cache
def city_aliases(city: str, iso3: str) -> tuple[str, ...]:
    """Chinese names of a city from the vendored cities table, and the small table above."""
    from .places import iso2

    names = list(CITY_ALIASES.get(city, []))
    code = iso2(iso3)
    if code:
        # Folded without pinyin: the table's keys are Latin names, and a worker
        # explaining a match need not load the pinyin tables for a Chinese city.
        names += _chinese_city_names().get((code, text.normalise(city, pinyin=False)), ())
    return tuple(dict.fromkeys(names))


@functools.cache
def _chinese_city_names() -> dict[tuple[str, str], tuple[str, ...]]:
    """Chinese names of cities by (ISO2, folded name), from ``data/city_names_zh.tsv``.

    Search explains its matches with them on requests: a small table of its
    own, so that neither a worker nor an import reads the whole gazetteer for them.
    """
    names: dict[tuple[str, str], tuple[str, ...]] = {}
    with CHINESE_CITY_NAMES.open(encoding="utf-8") as table:
        for line in table:
            if not line.startswith("#"):
                code, folded, chinese = line.rstrip("\n").split("\t")
                names.setdefault((code, folded), tuple(chinese.split("|")))
    return names


@functools.lru_cache(maxsize=4096)
def _shared_text(*parts: str) -> str:
    # The names of a station's country, city and bureau recur across thousands of
    # stations (and the Chinese ones need pinyin): normalise each set once.
    return text.normalise(" ".join(p for p in parts if p))


def station_search_text(station) -> str:
    """The normalised text a station is found by (works on historical models too).

    Normalising parts apart and joining them gives the same text as
    normalising them joined: ``normalise`` folds each word on its own.
    """
    parts = [station.code, station.city, station.location, station.host, station.summary]
    # getattr: historical models from before the Chinese summaries lack them.
    parts += [getattr(station, f"summary_{suffix}", "") for suffix in ("zh_hans", "zh_hant")]
    folded = [text.normalise(" ".join(p for p in parts if p))]
    if station.country_id:
        country = station.country
        folded.append(_shared_text(country.code, country.name, *country_aliases(country.code)))
        if station.city:
            folded.append(_shared_text(*city_aliases(station.city, country.code)))
    if station.bureau_id:
        bureau = station.bureau
        folded.append(_shared_text(bureau.name, bureau.name_zh, bureau.pinyin))
    return " ".join(f for f in folded if f)


def is_short(term: str) -> bool:
    """A short Latin term (UK, US, 110) that must match a whole word when searched alone."""
    return len(term) <= WHOLE_WORD_MAX and term.isascii()


def whole_words_only(terms: list[str]) -> bool:
    """A query of one short term matches whole words ("UK" is not "Ukraine"); in a longer
    query short terms may be parts of words, as toneless pinyin syllables ("hai wai") are."""
    return len(terms) == 1 and is_short(terms[0])


def term_filter(term: str, whole_word: bool = False, field: str = "search_text") -> Q:
    """The condition for one normalised term on a stored normalised text."""
    if not whole_word:
        return Q(**{f"{field}__contains": term})
    # Words are separated by single spaces in the stored text.
    return (
        Q(**{field: term})
        | Q(**{f"{field}__startswith": f"{term} "})
        | Q(**{f"{field}__endswith": f" {term}"})
        | Q(**{f"{field}__contains": f" {term} "})
    )


def word_matches(term: str, word: str, whole_word: bool = False, pinyin: bool = False) -> bool:
    """Whether a normalised ``term`` finds one word of a record (whole or part);
    with ``pinyin``, Chinese words are met by their toneless pinyin too."""
    folded = text.normalise(word, pinyin=pinyin).split()
    if whole_word:
        return term in folded
    return any(term in part for part in folded) or term in " ".join(folded)


def highlight(
    value: str, terms: list[str], whole_word: bool = False, limit: int = 160, pinyin=False
):
    """``value`` with each word a term matches in <mark>, escaped; long text cut
    around the first match. None when no term matches a word of it."""
    pieces = re.split(r"(\w+)", value)
    marked = [
        bool(i % 2) and any(word_matches(t, piece, whole_word, pinyin) for t in terms)
        for i, piece in enumerate(pieces)
    ]
    if not any(marked):
        return None
    first = marked.index(True)
    start = 0
    if len(value) > limit:
        offset = len("".join(pieces[:first]))
        start_char = max(0, offset - limit // 3)
        # Cut at a piece boundary before the window, so no word is split.
        length = 0
        for index, piece in enumerate(pieces):
            if length + len(piece) > start_char:
                start = index
                break
            length += len(piece)
    shown, size = [], 0
    for index in range(start, len(pieces)):
        shown.append((pieces[index], marked[index]))
        size += len(pieces[index])
        if size > limit and index > first:
            break
    html = format_html_join(
        "", "{}", ((format_html("<mark>{}</mark>", p) if m else p,) for p, m in shown)
    )
    before = "… " if start else ""
    after = " …" if start + len(shown) < len(pieces) else ""
    return format_html("{}{}{}", before, html, after)


def match_reasons(station, query: str) -> list:
    """Why ``station`` matched ``query``: each field with its matching words marked."""
    terms = text.search_terms(query)
    if not terms:
        return []
    whole = whole_words_only(terms)
    country = station.country
    fields = [
        (gettext("Code"), station.code),
        (gettext("City"), station.city),
        (gettext("Location"), station.location),
        (gettext("Country"), f"{country.name} ({country.code})"),
        (
            gettext("Bureau"),
            " ".join(
                filter(None, [station.bureau.name, station.bureau.name_zh, station.bureau.pinyin])
            ),
        ),
        (gettext("Host organisation"), station.host),
        (gettext("Summary"), station.summary),
        (gettext("Country, also called"), " · ".join(country_aliases(country.code))),
        (
            gettext("City, also called"),
            " · ".join(city_aliases(station.city, country.code)) if station.city else "",
        ),
        # After the names: a place's own name explains a match better than a summary.
        (gettext("Summary (Simplified Chinese)"), station.summary_zh_hans),
        (gettext("Summary (Traditional Chinese)"), station.summary_zh_hant),
    ]
    reasons, found = [], set()
    # Pinyin last: a term that is pinyin ("haiwai") meets Chinese words only
    # through it, and its tables (~55 MB) are loaded only for such a term.
    for pinyin in (False, True):
        for label, value in fields:
            if not value or found >= set(terms):
                continue
            matching = [
                t
                for t in terms
                if t not in found
                and any(word_matches(t, w, whole, pinyin) for w in re.findall(r"\w+", value))
            ]
            if matching:
                found.update(matching)
                reasons.append(
                    format_html("{}: {}", label, highlight(value, matching, whole, pinyin=pinyin))
                )
        unexplained = set(terms) - found
        if not any(term.isascii() for term in unexplained):
            break
    return reasons
