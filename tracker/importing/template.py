"""A blank sheet to fill in: one kind's header row and what each column accepts.

Researchers cannot export, so the admin's import page offers this workbook:
a sheet named after the kind with the header row (``columns.column_names``),
and a ``reference`` sheet listing, per column, whether a new record needs
it and the values it takes (read from the models, so it never drifts).
"""

from __future__ import annotations

import io

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import SUPPORTABLE_FACTS, Bureau, Event, Source, State, Station
from .columns import COLUMNS, MODELS, column_names
from .writers import write_sheets

#: Each kind's key column (every row needs it) and its form.
_KEYS = {
    ("stations", "code"): gettext_lazy(
        "three letters of the country's ISO3 code and two digits, e.g. NLD01"
    ),
    ("events", "slug"): gettext_lazy(
        "letters, digits and hyphens, e.g. 2022-11-canada-summons-ambassador"
    ),
    ("sources", "key"): gettext_lazy(
        "letters, digits and hyphens, at most 80, e.g. safeguard-2022-09"
    ),
    ("bureaus", "slug"): gettext_lazy("letters, digits and hyphens, e.g. fuzhou"),
}


def _choices(choices) -> str:
    return ", ".join(str(value) for value, _label in choices)


def accepted_values(kind: str, name: str) -> str:
    """What the ``name`` column of a ``kind`` sheet accepts, in a line."""
    if (kind, name) in _KEYS:
        return str(_KEYS[kind, name])
    dates = _("YYYY, YYYY-MM or YYYY-MM-DD")
    fixed = {
        "country": _("an ISO3 code (NLD) or an English name (Netherlands)"),
        "countries": _("ISO3 codes or English names, separated by ;"),
        "capital": _("yes or no"),
        "active": _("2018 (that year only), 2018–2022, 2016–? (ongoing or end unknown), na."),
        "status": _choices(Station.Status.choices),
        "state": _choices(State.choices) + " " + _("(blank: draft; only Editors publish)"),
        "sources": _("source keys, separated by ; (citations are added, none removed)"),
        "stations": _("station codes, separated by ;"),
        "kind": _choices(Source.Kind.choices),
        "type": _choices(Event.Type.choices),
        "published_on": dates,
        "date": _("YYYY, YYYY-MM or YYYY-MM-DD; blank when no source gives a date (undated)"),
        "accessed_on": _("YYYY-MM-DD"),
        "url": _("a web address (http:// or https://)"),
        "archived_url": _("a web address (http:// or https://)"),
        "source": _("a source key"),
        "station": _("a station code (fill in station or event)"),
        "event": _("an event slug (fill in station or event)"),
        "supports": _("fact names separated by ;; stations:")
        + " "
        + ", ".join(SUPPORTABLE_FACTS["station"])
        + "; "
        + _("events:")
        + " "
        + ", ".join(SUPPORTABLE_FACTS["event"]),
    }
    if name == "bureau":
        slugs = ", ".join(Bureau.objects.order_by("slug").values_list("slug", flat=True))
        return _("a bureau's slug (%(slugs)s) or English name") % {"slugs": slugs or _("none yet")}
    if name in fixed:
        return fixed[name]
    try:
        max_length = MODELS[kind]._meta.get_field(name).max_length
    except FieldDoesNotExist:
        max_length = None
    if max_length:
        return _("text, at most %(count)d characters") % {"count": max_length}
    return _("text")


def column_reference(kind: str) -> list[list[str]]:
    """One row per column: its name, whether a new record needs it, what it accepts."""
    rows = []
    for col in COLUMNS[kind]:
        required = col.required or (kind, col.name) in _KEYS
        rows.append([col.name, _("yes") if required else "", accepted_values(kind, col.name)])
    return rows


def blank_template(kind: str) -> bytes:
    """An .xlsx workbook: the ``kind`` sheet with its header row, and a ``reference`` sheet."""
    buffer = io.BytesIO()
    write_sheets(
        buffer,
        "xlsx",
        [
            (kind, column_names(kind), iter(())),
            (
                "reference",
                [_("column"), _("needed for a new record"), _("accepted values")],
                iter(column_reference(kind)),
            ),
        ],
    )
    return buffer.getvalue()
