"""Which facts a citation supports, and how strongly a record is sourced.

A citation's ``supports`` names the facts of its record it backs (empty: the
record as a whole). The allowed names per kind of record, their labels, the
one message a wrong name gets (from the admin form and the citations sheet
alike) and the summaries the public pages show all live here, next to the
data they describe.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

#: The facts a citation may support, per kind of record, in display order.
SUPPORTABLE_FACTS = {
    "station": {
        "city": _("city"),
        "location": _("location"),
        "capital": _("capital"),
        "bureau": _("bureau"),
        "active": _("active years"),
        "status": _("status"),
        "host": _("host organisation"),
    },
    "event": {
        "date": _("date"),
        "type": _("type"),
        "title": _("title"),
        "countries": _("countries"),
        "stations": _("stations"),
    },
}

#: When a published record holds a value for each fact, so that a missing
#: specific citation is a gap ("What needs work" lists those records).
FACT_HAS_VALUE = {
    "station": {
        "city": ~Q(city=""),
        "location": ~Q(location=""),
        "capital": Q(is_capital=True),
        "bureau": Q(bureau__isnull=False),
        "active": Q(active_from__isnull=False),
        "status": ~Q(status="unknown"),
        "host": ~Q(host=""),
    },
    "event": {
        "date": Q(date__isnull=False),
        "type": Q(type__isnull=False),
        "title": ~Q(title=""),
        "countries": Q(countries__isnull=False),
        "stations": Q(stations__isnull=False),
    },
}

#: The kind of source (``Source.Kind``) of general reference works: a fact
#: backed by these alone is shown as such.
ENCYCLOPEDIA_KIND = "encyclopedia"

#: The separator of the citations sheet's ``supports`` column.
SHEET_SEPARATOR = ";"


def supports_choices(kind: str | None = None) -> list:
    """Choices for a form: one kind's facts, or both kinds grouped when it is not known."""
    if kind is not None:
        return list(SUPPORTABLE_FACTS[kind].items())
    return [
        (_("Station facts"), list(SUPPORTABLE_FACTS["station"].items())),
        (_("Event facts"), list(SUPPORTABLE_FACTS["event"].items())),
    ]


def clean_supports(names, kind: str) -> list[str]:
    """``names`` checked against ``kind``'s facts, without repeats, in display order.

    Raises ``ValidationError`` with the one message the admin and the sheet both show.
    """
    if names is None or names == "":
        return []
    if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
        raise ValidationError(
            _("List the facts as names, e.g. %(example)s."),
            code="supports_not_list",
            params={"example": '["city", "status"]'},
        )
    allowed = SUPPORTABLE_FACTS[kind]
    wrong = [name for name in names if name not in allowed]
    if wrong:
        raise ValidationError(
            _(
                "%(wrong)s is not a fact of a %(kind)s: use %(allowed)s, "
                "or leave it blank for the whole record."
            ),
            code="supports_unknown_fact",
            params={"wrong": ", ".join(wrong), "kind": kind, "allowed": ", ".join(allowed)},
        )
    chosen = set(names)
    return [name for name in allowed if name in chosen]


def parse_supports(cell, kind: str) -> list[str]:
    """The citations sheet's ``supports`` cell (``city; status``) as a checked list.

    Blank means the whole record. Raises ``ValidationError`` as ``clean_supports``.
    """
    text = "" if cell is None else str(cell)
    names = [part.strip() for part in text.split(SHEET_SEPARATOR) if part.strip()]
    return clean_supports(names, kind)


def format_supports(names) -> str:
    """A ``supports`` list as the sheet writes it: ``city; status``."""
    return f"{SHEET_SEPARATOR} ".join(names or [])


#: The words a curator writes where a record's sources contradict each other, so that
#: "What needs work" lists the record: in a station's notes, or in an event's description
#: (events keep no notes; a reader may as well know).
SOURCES_DISAGREE = "Sources disagree"
DISAGREEMENT_FIELD = {"station": "notes", "event": "description"}


class SourcedQuerySet(models.QuerySet):
    """Queries about which facts of stations or events the citations support."""

    def sources_disagree(self):
        """Records whose curator wrote that their sources disagree (``SOURCES_DISAGREE``)."""
        field_name = DISAGREEMENT_FIELD[self.model._meta.model_name]
        return self.filter(**{f"{field_name}__contains": SOURCES_DISAGREE})

    def unsupported(self, fact: str):
        """Records that hold a value for ``fact`` but no citation that names it."""
        kind = self.model._meta.model_name
        condition = FACT_HAS_VALUE[kind][fact]
        citations = self.model._meta.get_field("citations").related_model
        # A JSON list is text on SQLite and jsonb on PostgreSQL; the quoted name
        # matches one element on both (``contains`` on JSON is not on SQLite).
        naming = citations.objects.filter(
            **{kind: OuterRef("pk"), "supports__icontains": f'"{fact}"'}
        )
        matching = self.model._base_manager.filter(condition).values("pk")
        return self.filter(pk__in=matching).exclude(Exists(naming))


@dataclass
class FactSupport:
    """What backs one fact on a public page."""

    numbers: list[int] = field(default_factory=list)
    #: True when only citations of the whole record back it (no specific one).
    general_only: bool = True
    #: True when every citation that backs it is of the encyclopedia article kind.
    encyclopedia_only: bool = False


@dataclass
class Sourcing:
    """How strongly a record is sourced: the counts the citations give, no score."""

    facts: dict[str, FactSupport]
    source_count: int
    publisher_count: int
    kinds: list[tuple[str, int]]
    encyclopedia_only: bool

    @property
    def summary(self) -> str:
        sources = ngettext("%(n)d source", "%(n)d sources", self.source_count) % {
            "n": self.source_count
        }
        publishers = ngettext(
            "%(n)d distinct publisher", "%(n)d distinct publishers", self.publisher_count
        ) % {"n": self.publisher_count}
        return f"{sources}, {publishers}"


def sourcing(citations, kind: str) -> Sourcing:
    """Per-fact citation numbers and the record's source counts, from its citations.

    ``citations`` are the record's public citations in the order the page
    numbers them (1, 2, …), already loaded: no query is made here.
    """
    citations = list(citations)
    general = [n for n, c in enumerate(citations, 1) if not c.supports]
    is_encyclopedia = {n: c.source.kind == ENCYCLOPEDIA_KIND for n, c in enumerate(citations, 1)}
    facts = {}
    for name in SUPPORTABLE_FACTS[kind]:
        numbers = [n for n, c in enumerate(citations, 1) if name in (c.supports or [])]
        backing = numbers or general
        facts[name] = FactSupport(
            numbers=numbers,
            general_only=not numbers,
            encyclopedia_only=bool(backing) and all(is_encyclopedia[n] for n in backing),
        )
    sources = [c.source for c in citations]
    publishers = {" ".join(s.publisher.split()).casefold() for s in sources if s.publisher}
    kind_counts: dict[str, int] = {}
    for source in sources:
        kind_counts[source.get_kind_display()] = kind_counts.get(source.get_kind_display(), 0) + 1
    return Sourcing(
        facts=facts,
        source_count=len({s.pk for s in sources}),
        publisher_count=len(publishers),
        kinds=sorted(kind_counts.items(), key=lambda item: (-item[1], str(item[0]))),
        encyclopedia_only=bool(sources) and all(s.kind == ENCYCLOPEDIA_KIND for s in sources),
    )
