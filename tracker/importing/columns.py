"""The spreadsheet columns of every kind, in one place (DESIGN.md, "Spreadsheet columns").

A ``Col`` says how one column's cell is read into model fields (``parse``)
and written back (``render``). The import engine, the exports, the
django-import-export Resources of the admin, the seed command and the public
CSV downloads all read these lists; no other module knows a column.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Prefetch

from .. import text
from ..models import Bureau, Citation, Event, Source, State, Station, format_supports
from .cells import export_cell

_TRUE = {"yes", "y", "true", "1", "x", "capital"}
_FALSE = {"no", "n", "false", "0", ""}
_URL = URLValidator(schemes=["http", "https"])
SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
STATION_CODE = re.compile(r"^[A-Z]{3}[0-9]{2}$")


def quote(value: str) -> str:
    """A cell's value as messages show it: “…”, shortened past 60 characters."""
    shown = value if len(value) <= 60 else value[:57] + "…"
    return f"“{shown}”"


def split_list(raw: str) -> list[str]:
    """``a; b;;a`` as ``["a", "b"]``: the ``;``-separated lists of keys."""
    seen = []
    for part in raw.split(";"):
        part = part.strip()
        if part and part not in seen:
            seen.append(part)
    return seen


def join_keys(values: Iterable[str]) -> str:
    return ";".join(sorted(values))


def parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{quote(raw)} is not yes or no.")


def parse_choice(raw: str, choices, what: str) -> str:
    """The stored value of a choice written as its value or its label (any case)."""
    wanted = raw.strip().lower()
    # Values first: the usual cell, and no label (translated lazily) to render.
    if any(wanted == value for value, _ in choices):
        return wanted
    for value, label in choices:
        if wanted == str(label).lower():
            return value
    allowed = ", ".join(value for value, _ in choices)
    if not wanted:
        raise ValueError(f"{what} is blank: write one of {allowed}.")
    raise ValueError(f"{quote(raw)} is not a {what}: write one of {allowed}.")


@dataclass(frozen=True)
class Col:
    """One spreadsheet column: how its cell is read into fields and written back.

    ``parse(raw, lookups)`` returns the model fields the cell sets (keys
    starting with ``@`` are relations); ``lookups`` finds countries, bureaus
    and records by their keys (see ``lookups.Lookups``).
    """

    name: str
    parse: Callable[[str, object], dict]
    render: Callable[[object], object]
    #: Model fields the column sets (compared for "changed").
    fields: tuple[str, ...] = ()
    #: A new record needs a non-blank value here.
    required: bool = False


def key_col(name: str, attr: str | None = None) -> Col:
    """The column that identifies a record (read by the engine itself)."""
    attr = attr or name
    return Col(name, lambda raw, lookups: {}, lambda obj: getattr(obj, attr))


def text_col(name: str, model, field_name: str | None = None, required=False) -> Col:
    field_name = field_name or name
    max_length = model._meta.get_field(field_name).max_length

    def parse(raw, lookups):
        if required and not raw:
            raise ValueError(f"{name} is blank.")
        if max_length and len(raw) > max_length:
            raise ValueError(f"is {len(raw)} characters long; at most {max_length} fit.")
        return {field_name: raw}

    return Col(name, parse, lambda obj: getattr(obj, field_name), (field_name,), required)


def url_col(name: str, model) -> Col:
    max_length = model._meta.get_field(name).max_length

    def parse(raw, lookups):
        if raw:
            if len(raw) > max_length:
                raise ValueError(f"is {len(raw)} characters long; at most {max_length} fit.")
            try:
                _URL(raw)
            except ValidationError:
                message = f"{quote(raw)} is not a web address (http:// or https://)."
                raise ValueError(message) from None
        return {name: raw}

    return Col(name, parse, lambda obj: getattr(obj, name), (name,))


def choice_col(name: str, model, what: str, required=False) -> Col:
    choices = list(model._meta.get_field(name).choices)

    def parse(raw, lookups):
        return {name: parse_choice(raw, choices, what)}

    return Col(name, parse, lambda obj: getattr(obj, name), (name,), required)


def state_col() -> Col:
    choices = list(State.choices)

    def parse(raw, lookups):
        # A blank state is the same as no state column: draft for new records.
        return {"state": parse_choice(raw, choices, "state")} if raw else {}

    return Col("state", parse, lambda obj: obj.state, ("state",))


def partial_date_col(name: str, date_field: str, precision_field: str) -> Col:
    def parse(raw, lookups):
        value, precision = text.parse_partial_date(raw)
        return {date_field: value, precision_field: precision}

    def render(obj):
        return text.format_partial_date(getattr(obj, date_field), getattr(obj, precision_field))

    return Col(name, parse, render, (date_field, precision_field))


def event_date_col() -> Col:
    """An event's date: blank when no source gives one, which makes the event undated."""

    def parse(raw, lookups):
        value, precision = text.parse_partial_date(raw)
        return {"date": value, "date_precision": Event.precision_of(value, precision)}

    def render(obj):
        return text.format_partial_date(obj.date, obj.date_precision)

    return Col("date", parse, render, ("date", "date_precision"))


def day_col(name: str) -> Col:
    def parse(raw, lookups):
        value, precision = text.parse_partial_date(raw)
        if value is not None and precision != "day":
            raise ValueError(f"{quote(raw)} needs a day: write YYYY-MM-DD.")
        return {name: value}

    def render(obj):
        value = getattr(obj, name)
        return value.isoformat() if value else ""

    return Col(name, parse, render, (name,))


def sources_col() -> Col:
    """``a;b``: sources the record cites. Missing citations are added, none removed."""

    def parse(raw, lookups):
        return {"@sources": [lookups.source(key) for key in split_list(raw)]}

    def render(obj):
        return join_keys(c.source.key for c in obj.citations.all())

    return Col("sources", parse, render)


def _active(raw, lookups):
    start, end = text.parse_active(raw)
    return {"active_from": start, "active_until": end}


BUREAU_COLUMNS = (
    key_col("slug"),
    text_col("name", Bureau, required=True),
    text_col("name_zh", Bureau),
    text_col("pinyin", Bureau),
)

SOURCE_COLUMNS = (
    key_col("key"),
    text_col("title", Source),
    text_col("title_zh_hans", Source),
    text_col("title_zh_hant", Source),
    text_col("authors", Source),
    text_col("publisher", Source),
    choice_col("kind", Source, "kind of source"),
    text_col("language", Source),
    partial_date_col("published_on", "published_on", "published_precision"),
    url_col("url", Source),
    url_col("archived_url", Source),
    day_col("accessed_on"),
    state_col(),
)

STATION_COLUMNS = (
    key_col("code"),
    Col(
        "country",
        lambda raw, lookups: {"country": lookups.country(raw)},
        lambda s: s.country_id,
        ("country",),
        required=True,
    ),
    text_col("city", Station),
    text_col("location", Station),
    Col(
        "capital",
        lambda raw, lookups: {"is_capital": parse_bool(raw)},
        lambda s: "yes" if s.is_capital else "no",
        ("is_capital",),
    ),
    Col(
        "bureau",
        lambda raw, lookups: {"bureau": lookups.bureau(raw)},
        lambda s: s.bureau.slug,
        ("bureau",),
        required=True,
    ),
    Col(
        "active",
        _active,
        lambda s: text.format_active(s.active_from, s.active_until),
        ("active_from", "active_until"),
    ),
    choice_col("status", Station, "status"),
    text_col("host", Station),
    text_col("summary", Station),
    text_col("summary_zh_hans", Station),
    text_col("summary_zh_hant", Station),
    text_col("notes", Station),
    state_col(),
    sources_col(),
)

EVENT_COLUMNS = (
    key_col("slug"),
    event_date_col(),
    choice_col("type", Event, "type of event", required=True),
    text_col("title", Event, required=True),
    text_col("title_zh_hans", Event),
    text_col("title_zh_hant", Event),
    text_col("description", Event),
    text_col("description_zh_hans", Event),
    text_col("description_zh_hant", Event),
    Col(
        "countries",
        lambda raw, lookups: {"@countries": [lookups.country(p) for p in split_list(raw)]},
        lambda e: join_keys(c.code for c in e.countries.all()),
    ),
    Col(
        "stations",
        lambda raw, lookups: {"@stations": [lookups.station(p.upper()) for p in split_list(raw)]},
        lambda e: join_keys(s.code for s in e.stations.all()),
    ),
    state_col(),
    sources_col(),
)

CITATION_COLUMNS = (
    Col("source", lambda raw, lookups: {}, lambda c: c.source.key),
    Col("station", lambda raw, lookups: {}, lambda c: c.station.code if c.station_id else ""),
    Col("event", lambda raw, lookups: {}, lambda c: c.event.slug if c.event_id else ""),
    Col(
        "supports",
        # Checked against the record's kind of facts by the citations' check_row.
        lambda raw, lookups: {"supports": split_list(raw)},
        lambda c: format_supports(c.supports),
        ("supports",),
    ),
    text_col("locator", Citation),
    text_col("quotation", Citation),
)

#: Every kind's columns, in the order a workbook imports cleanly: what a
#: sheet refers to comes before it.
COLUMNS: dict[str, tuple[Col, ...]] = {
    "bureaus": BUREAU_COLUMNS,
    "sources": SOURCE_COLUMNS,
    "stations": STATION_COLUMNS,
    "events": EVENT_COLUMNS,
    "citations": CITATION_COLUMNS,
}
KINDS = tuple(COLUMNS)
MODELS = {
    "bureaus": Bureau,
    "sources": Source,
    "stations": Station,
    "events": Event,
    "citations": Citation,
}


def column_names(kind: str) -> list[str]:
    return [col.name for col in COLUMNS[kind]]


def export_queryset(kind: str, queryset=None):
    """Records of ``kind`` (all by default) in a stable order, with what the columns read."""
    model = MODELS[kind]
    queryset = model._base_manager.all() if queryset is None else queryset
    cited = Prefetch("citations", queryset=Citation.objects.select_related("source"))
    if kind == "stations":
        return queryset.select_related("bureau").prefetch_related(cited).order_by("code")
    if kind == "events":
        return queryset.prefetch_related("countries", "stations", cited).order_by("slug")
    if kind == "citations":
        return queryset.select_related("source", "station", "event").order_by(
            "source__key", "station__code", "event__slug", "pk"
        )
    return queryset.order_by("slug" if kind == "bureaus" else "key")


def export_rows(columns: Iterable[Col], records: Iterable) -> Iterable[list[str]]:
    """Each record as the inert cells every export writes."""
    columns = list(columns)
    for record in records:
        yield [export_cell(col.render(record)) for col in columns]


#: Import columns the public downloads leave out: the curators' own.
PRIVATE_COLUMNS = frozenset({"notes", "state"})


def public_columns(kind: str) -> list[Col]:
    """The import columns of ``kind`` less ``notes`` and ``state``: the public CSV's.

    Render them with ``export_rows(columns, records)`` so a download re-imports.
    """
    return [col for col in COLUMNS[kind] if col.name not in PRIVATE_COLUMNS]
