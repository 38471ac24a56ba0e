"""Stations: the overseas offices the tracker counts, and the queries public pages make of them.

Events have a module of their own (``events``), sources and citations too.
"""

import datetime
from functools import cached_property

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Substr
from django.db.models.lookups import Exact, LessThanOrEqual
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .. import search, text
from .editorial import (
    Editorial,
    PublishableQuerySet,
    editorial_permissions,
)
from .reference import Bureau, Country
from .rules import constraint_message, no_control_characters
from .sourcing import SourcedQuerySet


def page_citations(every_source: bool = False):
    """The citations a record's page lists: ``Citation.objects.public()``, or with
    ``every_source`` those of drafts too, for the staff preview, whose editor checks them all.

    citations.py defines Citation on these models, so it is looked up when a
    query is built rather than imported here.
    """
    from django.apps import apps

    citations = apps.get_model("tracker", "Citation").objects
    if every_source:
        return citations.with_source()
    return citations.public()


def active_in_year(year: int) -> Q:
    """Stations active in ``year``, on a queryset annotated by ``with_closure()``.

    Started by then, and not ended before it: neither by a recorded end year
    nor by a published closure event. A start year without an end is "ongoing
    or end unknown" and counts for every later year, unless the station is
    closed: a closed station with no end year and no closure event matches no
    year after its last known one (its start year), since we know it ended but
    not when. A station with no years is unknown and matches no year.
    """
    closed = Q(status=Station.Status.CLOSED)
    return (
        Q(active_from__lte=year)
        & (Q(active_until__isnull=True) | Q(active_until__gte=year))
        & (Q(closure_date__isnull=True) | Q(closure_date__gte=datetime.date(year, 1, 1)))
        & (
            ~closed
            | Q(active_until__isnull=False)
            | Q(closure_date__isnull=False)
            | Q(active_from=year)
        )
    )


def _events():
    """The Event model: events.py defines it on Station, so it is looked up when a query
    is built rather than imported here."""
    from django.apps import apps

    return apps.get_model("tracker", "Event")


class StationQuerySet(SourcedQuerySet, PublishableQuerySet):
    def with_places(self):
        """Stations with their country and bureau joined, as every list shows them."""
        return self.select_related("country", "bureau")

    def with_closure(self):
        """Annotate ``closure_date``: the date of the earliest published closure event naming
        the station (None without one). The one place a station's closure is read from."""
        if "closure_date" in self.query.annotations:
            return self
        event = _events()
        closures = (
            event.objects.published()
            .filter(stations=OuterRef("pk"), type=event.Type.CLOSURE)
            .oldest_first()
            .values("date")[:1]
        )
        return self.annotate(closure_date=Subquery(closures, output_field=models.DateField()))

    def active_in(self, year: int):
        """Stations active in ``year`` (see ``active_in_year``)."""
        return self.with_closure().filter(active_in_year(year))

    def with_public_citations(self, every_source: bool = False):
        """Stations with ``public_citations``: their citations of published sources
        (of every source with ``every_source``, for the staff preview)."""
        return self.prefetch_related(
            Prefetch("citations", queryset=page_citations(every_source), to_attr="public_citations")
        )

    def for_page(self, every_source: bool = False):
        """Stations loaded with what their public page shows (the staff preview's too)."""
        return self.with_places().with_public_citations(every_source).with_public_events()

    def with_public_events(self):
        """Stations with ``public_events``: their published events, oldest first."""
        return self.prefetch_related(
            Prefetch(
                "events",
                queryset=_events().objects.published().oldest_first(),
                to_attr="public_events",
            )
        )


class Station(Editorial):
    """An overseas police service station, as reported by its sources."""

    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported")
        CONFIRMED = "confirmed", _("Confirmed")
        CLOSED = "closed", _("Closed")
        UNKNOWN = "unknown", _("Unknown")

    code = models.CharField(
        max_length=5, unique=True, help_text="ISO 3166-1 alpha-3 of the country and two digits."
    )
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="stations")
    city = models.CharField(
        max_length=100,
        blank=True,
        help_text="Blank when unknown.",
        validators=[no_control_characters],
    )
    location = models.CharField(
        "location in the city",
        max_length=200,
        blank=True,
        help_text="e.g. Capel Street",
        validators=[no_control_characters],
    )
    is_capital = models.BooleanField("city is the capital", default=False)
    bureau = models.ForeignKey(Bureau, on_delete=models.PROTECT, related_name="stations")
    host = models.CharField(
        "host organisation", max_length=300, blank=True, validators=[no_control_characters]
    )
    active_from = models.PositiveSmallIntegerField(null=True, blank=True)
    active_until = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Blank with a start year: end unknown or ongoing."
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.REPORTED, db_index=True
    )
    summary = models.TextField(blank=True, validators=[no_control_characters])
    summary_zh_hans = models.TextField(
        _("summary (Simplified Chinese)"), blank=True, validators=[no_control_characters]
    )
    summary_zh_hant = models.TextField(
        _("summary (Traditional Chinese)"), blank=True, validators=[no_control_characters]
    )
    notes = models.TextField(
        blank=True,
        help_text="Curators' notes; never public. Where the sources contradict each other, "
        "write “Sources disagree:” and what each says: What needs work lists the station.",
        validators=[no_control_characters],
    )
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    search_text = models.TextField(blank=True, editable=False)
    # Where maps and the GeoJSON put the station, worked out on every write
    # (tracker.places.locate), never on a request.
    point_longitude = models.FloatField(null=True, blank=True, editable=False)
    point_latitude = models.FloatField(null=True, blank=True, editable=False)
    point_source = models.CharField(
        max_length=8,
        blank=True,
        editable=False,
        choices=[("station", "Station"), ("city", "City"), ("country", "Country")],
        help_text="Where the point comes from: the station's coordinates, its city, its country.",
    )

    objects = StationQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["search_text", "point_longitude", "point_latitude", "point_source"]
    )
    requires_citation = True
    KEY_FIELD = "code"

    DERIVED_FIELDS = ("search_text", "point_longitude", "point_latitude", "point_source")

    class Meta:
        permissions = editorial_permissions("station", "stations")
        ordering = ["code"]
        constraints = [
            # NLD01: three capital letters and two digits.
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z]{3}[0-9]{2}$"), name="station_code_pattern"
            ),
            # The code's letters are the country's ISO3 code.
            models.CheckConstraint(
                condition=Exact(Substr("code", 1, 3), F("country_id")),
                name="station_code_matches_country",
            ),
            # An end year needs a start year, and cannot come before it.
            models.CheckConstraint(
                condition=Q(active_until__isnull=True)
                | (
                    Q(active_from__isnull=False)
                    & LessThanOrEqual(F("active_from"), F("active_until"))
                ),
                name="station_active_range",
            ),
            # Coordinates come as a pair, on the globe.
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="station_coordinates",
            ),
            # Years before the People's Republic cannot be a station's.
            models.CheckConstraint(
                condition=Q(active_from__isnull=True) | Q(active_from__gte=1949),
                name="station_active_from_plausible",
            ),
        ]
        indexes = [
            # /stations/?country=…&bureau=… and the country and continent facets.
            models.Index(fields=["state", "country", "bureau"], name="station_public_facets"),
            # The latest change, read from the index for the data stamp.
            models.Index(fields=["updated_at"], name="station_updated"),
            # The public list in its default order, read without sorting.
            models.Index(fields=["state", "code"], name="station_public_code"),
            # The bureau and status facets, counted from the index alone.
            models.Index(fields=["state", "bureau"], name="station_public_bureau"),
            models.Index(fields=["state", "status"], name="station_public_status"),
            # The "active in" facet and its first year.
            models.Index(
                fields=["state", "active_from", "active_until"], name="station_public_active"
            ),
        ]

    def __str__(self):
        place = ", ".join(part for part in (self.city, self.country.name) if part)
        return f"{self.code} ({place})" if place else self.code

    def get_absolute_url(self):
        return reverse("tracker:station_detail", args=[self.code])

    def clean(self):
        super().clean()
        # station_code_matches_country compares expressions that Django's Python-side
        # check cannot evaluate (it passes them): say the rule here, in its words.
        if self.code and self.country_id and not self.code.startswith(self.country_id):
            raise ValidationError({"code": constraint_message("station_code_matches_country")})

    @classmethod
    def next_free_code(cls, country) -> str:
        """The country's next unused code: one above its highest (ISL01 for the first)."""
        codes = cls._base_manager.filter(code__startswith=country.pk).values_list("code", flat=True)
        numbers = [int(code[3:]) for code in codes if code[3:].isdigit()]
        following = max(numbers, default=0) + 1
        if following > 99:
            # Every number above the highest is taken: use the first gap.
            following = min(set(range(1, 100)) - set(numbers), default=99)
        return f"{country.pk}{following:02d}"

    @property
    def active(self) -> str:
        """Active years in the table's notation: ``na.``, ``2016–?``, ``2018–2022``."""
        return text.format_active(self.active_from, self.active_until)

    # One story per station: status, years and closure, derived here only ----

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    @cached_property
    def closure(self):
        """The earliest published closure event naming this station, or None.

        Read from the prefetched ``public_events`` (the station page has them)
        or, failing that, with one query.
        """
        closure = _events().Type.CLOSURE
        events = getattr(self, "public_events", None)
        if events is None:
            events = _events().objects.published().filter(stations=self, type=closure)
            events = events.oldest_first()[:1]
        return next((event for event in events if event.type == closure), None)

    def _closure_date(self):
        # Lists annotate ``closure_date`` (with_closure) rather than load events.
        if "closure_date" in self.__dict__:
            return self.__dict__["closure_date"]
        return self.closure.date if self.closure else None

    @property
    def end_year(self) -> int | None:
        """The last year it was active: the recorded end year, else its closure's year."""
        if self.active_until is not None:
            return self.active_until
        closed_on = self._closure_date()
        return closed_on.year if closed_on else None

    @property
    def years_display(self) -> str:
        """Active years, short, for tables: "2018–2022", "from 2016", "Unknown"."""
        start, end = self.active_from, self.end_year
        if start is None:
            return gettext("until %(end)s") % {"end": end} if end else gettext("Unknown")
        if end is None:
            return gettext("from %(start)s") % {"start": start}
        return str(start) if start == end else f"{start}–{end}"

    @property
    def active_display(self) -> str:
        """Active years in a sentence that never contradicts the status."""
        start, end = self.active_from, self.end_year
        if self.is_closed and end is None:
            if start is None:
                return gettext("Years active unknown; closing date unknown")
            return gettext("Active from %(start)s; closing date unknown") % {"start": start}
        return text.describe_active(start, end)

    @property
    def status_line(self) -> str:
        """The status as a sentence: "Closed November 2022", "Closed (date unknown)"."""
        if not self.is_closed:
            return self.get_status_display()
        if self.closure and self.closure.date:
            return gettext("Closed %(date)s") % {"date": self.closure.date_display}
        if self.end_year:
            return gettext("Closed (by %(year)s)") % {"year": self.end_year}
        return gettext("Closed (date unknown)")

    @property
    def timeline(self) -> list:
        """Its published events, oldest first; a year- or month-only date after the
        precise dates of its period (it could be any day of it)."""
        return sorted(getattr(self, "public_events", []), key=lambda event: event.sort_key)

    def refresh_search_text(self) -> None:
        """Store the text search reads, with the other names of its country and city."""
        self.search_text = search.station_search_text(self)
        # Every write path (save, the imports' bulk writes, seed) refreshes the
        # derived fields here, so the map point is kept with them.
        self.refresh_point()

    def refresh_point(self) -> None:
        """Work out and store where maps put the station (see tracker.places.locate)."""
        from ..places import locate

        self.point_longitude, self.point_latitude, self.point_source = locate(
            self.latitude, self.longitude, self.city, self.country_id
        )
