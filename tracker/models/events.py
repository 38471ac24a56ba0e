"""Events: the dated happenings around the stations, and the orders of the timeline."""

import datetime

from django.db import models
from django.db.models import Case, F, Prefetch, Q, Value, When
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .. import text
from .editorial import (
    Editorial,
    PublishableQuerySet,
    editorial_permissions,
)
from .reference import Country
from .rules import no_control_characters
from .sourcing import SourcedQuerySet
from .stations import Station, page_citations

#: Precise dates before vague ones of the same period; undated events after all others.
PRECISION_RANK = {"day": 0, "month": 1, "year": 2, "undated": 3}

#: Newest first with undated events last: NULL sorts first in a descending
#: PostgreSQL order and last in SQLite's, so the place is said explicitly.
NEWEST_FIRST = (F("date").desc(nulls_last=True),)


def _precision_rank():
    return Case(
        *[When(date_precision=key, then=Value(n)) for key, n in PRECISION_RANK.items()],
        default=Value(0),
    )


class EventQuerySet(SourcedQuerySet, PublishableQuerySet):
    def with_public_details(self, every_source: bool = False):
        """Events with ``country_list``, ``public_stations`` and ``public_citations``: what
        their public page shows (with the citations of every source for the staff preview,
        ``every_source``)."""
        return self.prefetch_related(
            Prefetch(
                "countries", queryset=Country.objects.order_by("name"), to_attr="country_list"
            ),
            Prefetch(
                "stations",
                queryset=Station.objects.published().with_places().order_by("code"),
                to_attr="public_stations",
            ),
            Prefetch(
                "citations", queryset=page_citations(every_source), to_attr="public_citations"
            ),
        )

    def newest_first(self):
        """Newest first; in a period, precise dates before the month- or year-only one;
        undated events last."""
        return self.order_by(*NEWEST_FIRST, _precision_rank().asc(), "slug")

    def oldest_first(self):
        """Oldest first, undated events last (both databases put NULL where they like)."""
        return self.order_by(F("date").asc(nulls_last=True), "slug")

    def count_by_country_and_type(self) -> dict:
        """These events counted per country and type, for the summary table.

        ``{"types": [(value, label), ...], "rows": [{"code", "name", "counts":
        [n per type], "total"}, ...]}``, countries by most events. An event
        naming two countries counts once for each. Two queries whatever the size.
        """
        pairs = (
            Event.countries.through.objects.filter(event__in=self.order_by().values("pk"))
            .order_by()
            .values_list("country_id", "event__type")
            .annotate(n=models.Count("event_id"))
        )
        counts: dict[str, dict[str, int]] = {}
        for code, kind, n in pairs:
            counts.setdefault(code, {})[kind] = n
        names = dict(Country.objects.filter(code__in=counts).values_list("code", "name"))
        present = {kind for row in counts.values() for kind in row}
        types = [(value, label) for value, label in Event.Type.choices if value in present]
        rows = [
            {
                "code": code,
                "name": names.get(code, code),
                "counts": [row.get(value, 0) for value, _ in types],
                "total": sum(row.values()),
            }
            for code, row in counts.items()
        ]
        rows.sort(key=lambda row: (-row["total"], row["name"]))
        return {"types": types, "rows": rows}


class Event(Editorial):
    """A dated happening around the stations: a report, raid, closure, trial…"""

    class Type(models.TextChoices):
        OPENING = "opening", _("Opening")
        REPORT = "report", _("Report")
        INVESTIGATION = "investigation", _("Investigation")
        RAID = "raid", _("Raid")
        CLOSURE = "closure", _("Closure")
        ARREST = "arrest", _("Arrest")
        INDICTMENT = "indictment", _("Indictment")
        DIPLOMATIC = "diplomatic", _("Diplomatic")
        STATEMENT = "statement", _("Statement")
        LAWSUIT = "lawsuit", _("Lawsuit")
        LEGISLATION = "legislation", _("Legislation")
        OTHER = "other", _("Other")

    class Precision(models.TextChoices):
        DAY = "day", _("Day")
        MONTH = "month", _("Month")
        YEAR = "year", _("Year")
        # No source gives a date: the date stays blank rather than guessed.
        UNDATED = "undated", _("Undated")

    slug = models.SlugField(max_length=120, unique=True)
    date = models.DateField(
        null=True,
        blank=True,
        help_text="First day of the period at the given precision; blank when no source "
        "gives a date.",
    )
    date_precision = models.CharField(
        max_length=7, choices=Precision.choices, default=Precision.DAY
    )
    type = models.CharField(max_length=15, choices=Type.choices)
    title = models.CharField(max_length=300, validators=[no_control_characters])
    title_zh_hans = models.CharField(
        _("title (Simplified Chinese)"),
        max_length=300,
        blank=True,
        validators=[no_control_characters],
    )
    title_zh_hant = models.CharField(
        _("title (Traditional Chinese)"),
        max_length=300,
        blank=True,
        validators=[no_control_characters],
    )
    description = models.TextField(
        blank=True,
        help_text="Where the sources contradict each other, say “Sources disagree” and what "
        "each says: What needs work lists the event.",
        validators=[no_control_characters],
    )
    description_zh_hans = models.TextField(
        _("description (Simplified Chinese)"), blank=True, validators=[no_control_characters]
    )
    description_zh_hant = models.TextField(
        _("description (Traditional Chinese)"), blank=True, validators=[no_control_characters]
    )
    countries = models.ManyToManyField(Country, blank=True, related_name="events")
    stations = models.ManyToManyField(Station, blank=True, related_name="events")
    search_text = models.TextField(blank=True, editable=False)

    objects = EventQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_text"], m2m_fields=[countries, stations])
    requires_citation = True
    KEY_FIELD = "slug"

    class Meta:
        permissions = editorial_permissions("event", "events")
        ordering = [*NEWEST_FIRST, "slug"]
        constraints = [
            # An event has a date exactly when its precision is not "undated".
            models.CheckConstraint(
                condition=Q(date__isnull=True, date_precision="undated")
                | (Q(date__isnull=False) & ~Q(date_precision="undated")),
                name="event_undated_has_no_date",
            ),
        ]
        indexes = [
            # The public timeline in its order (newest first, then slug), read
            # without sorting; the year facet is counted from it alone.
            models.Index(fields=["state", "-date", "slug"], name="event_public_timeline"),
            # The latest change, read from the index for the data stamp.
            models.Index(fields=["updated_at"], name="event_updated"),
            # The type facet, grouped straight from the index.
            models.Index(fields=["state", "type"], name="event_public_type"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("tracker:event_detail", args=[self.slug])

    @classmethod
    def precision_of(cls, value: datetime.date | None, precision: str) -> str:
        """The precision stored with ``value``: a blank date is an undated event.

        The one place a missing date becomes "undated", for the form and the import alike.
        """
        return precision if value is not None else cls.Precision.UNDATED

    @property
    def is_undated(self) -> bool:
        return self.date is None

    @property
    def date_display(self) -> str:
        return text.describe_partial_date(self.date, self.date_precision)

    @property
    def date_label(self) -> str:
        """The date, saying when the sources give only its month or year."""
        if self.date_precision == self.Precision.YEAR:
            return gettext("%(date)s (year only)") % {"date": self.date_display}
        if self.date_precision == self.Precision.MONTH:
            return gettext("%(date)s (month only)") % {"date": self.date_display}
        return self.date_display

    @property
    def period_end(self) -> datetime.date | None:
        """The last day the event may have happened on, at its precision (None: undated)."""
        if self.date is None:
            return None
        if self.date_precision == self.Precision.YEAR:
            return datetime.date(self.date.year, 12, 31)
        if self.date_precision == self.Precision.MONTH:
            following = datetime.date(
                self.date.year + self.date.month // 12, self.date.month % 12 + 1, 1
            )
            return following - datetime.timedelta(days=1)
        return self.date

    @property
    def sort_key(self) -> tuple:
        """Oldest first, a vaguer date after the precise dates of its period, undated last."""
        end = self.period_end or datetime.date.max
        return (end, PRECISION_RANK[self.date_precision], self.slug)

    def refresh_search_text(self) -> None:
        self.search_text = text.normalise(
            " ".join(
                [self.slug, self.title, self.title_zh_hans, self.title_zh_hant, self.description]
                + [self.description_zh_hans, self.description_zh_hant]
            )
        )
