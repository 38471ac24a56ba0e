"""The curated records: sources, stations, events and the citations that tie them."""

from django.db import models
from django.db.models import Exists, F, OuterRef, Prefetch, Q
from django.db.models.functions import Substr
from django.db.models.lookups import Exact, LessThanOrEqual
from django.urls import reverse
from simple_history.models import HistoricalRecords

from .. import text
from .editorial import PublishableQuerySet, Tracked, Versioned, editorial_permissions
from .reference import Bureau, Country


class StationQuerySet(PublishableQuerySet):
    def with_places(self):
        """Stations with their country and bureau joined, as every list shows them."""
        return self.select_related("country", "bureau")

    def with_public_citations(self):
        """Stations with ``public_citations``: their citations of published sources."""
        return self.prefetch_related(
            Prefetch("citations", queryset=Citation.objects.public(), to_attr="public_citations")
        )


class EventQuerySet(PublishableQuerySet):
    def with_public_details(self):
        """Events with ``country_list``, ``public_stations`` and ``public_citations``."""
        return self.prefetch_related(
            Prefetch(
                "countries", queryset=Country.objects.order_by("name"), to_attr="country_list"
            ),
            Prefetch(
                "stations",
                queryset=Station.objects.published().with_places().order_by("code"),
                to_attr="public_stations",
            ),
            Prefetch("citations", queryset=Citation.objects.public(), to_attr="public_citations"),
        )


class CitationQuerySet(models.QuerySet):
    def public(self):
        """Citations of published sources, with their source: a draft source is never shown."""
        # The source's state is checked per citation (EXISTS on its primary key)
        # and the order leads with the record: both keep SQLite starting from the
        # records' citations rather than walking every source, which made a
        # 20,000-station download take minutes.
        return (
            self.filter(Exists(Source.objects.published().filter(pk=OuterRef("source_id"))))
            .select_related("source")
            .order_by("station", "event", "source__key", "pk")
        )


class Source(Tracked):
    """A publication or body that a station or event is believed on."""

    class Kind(models.TextChoices):
        NGO_REPORT = "ngo-report", "NGO report"
        NEWS = "news", "News"
        GOVERNMENT = "government", "Government"
        COURT = "court", "Court"
        ACADEMIC = "academic", "Academic"
        BOOK = "book", "Book"
        OTHER = "other", "Other"

    class Precision(models.TextChoices):
        DAY = "day", "Day"
        MONTH = "month", "Month"
        YEAR = "year", "Year"

    key = models.SlugField(max_length=80, unique=True, help_text="Short stable handle.")
    title = models.CharField(max_length=500, blank=True)
    authors = models.CharField("author(s)", max_length=500, blank=True)
    publisher = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NEWS)
    language = models.CharField(
        max_length=10, blank=True, help_text="ISO 639-1 code, e.g. en, nl, zh."
    )
    published_on = models.DateField("publication date", null=True, blank=True)
    published_precision = models.CharField(max_length=5, choices=Precision.choices, blank=True)
    url = models.URLField("URL", max_length=1000, blank=True)
    archived_url = models.URLField("archived URL", max_length=1000, blank=True)
    accessed_on = models.DateField("accessed", null=True, blank=True)
    search_text = models.TextField(blank=True, editable=False)

    objects = PublishableQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta:
        permissions = editorial_permissions("source", "sources")
        ordering = ["key"]
        indexes = [
            # The latest change, read from the index for the data stamp.
            models.Index(fields=["updated_at"], name="source_updated"),
        ]
        constraints = [
            # A date and its precision come together or not at all.
            models.CheckConstraint(
                condition=Q(published_on__isnull=True, published_precision="")
                | Q(published_on__isnull=False, published_precision__in=["day", "month", "year"]),
                name="source_date_has_precision",
            ),
        ]

    def __str__(self):
        return self.title or self.publisher or self.key

    def get_absolute_url(self):
        return reverse("tracker:source_detail", args=[self.key])

    @property
    def published_display(self) -> str:
        if self.published_on is None:
            return ""
        return text.describe_partial_date(self.published_on, self.published_precision)

    def refresh_search_text(self) -> None:
        self.search_text = text.normalise(
            " ".join([self.key, self.title, self.authors, self.publisher])
        )


class Station(Tracked):
    """An overseas police service station, as reported by its sources."""

    class Status(models.TextChoices):
        REPORTED = "reported", "Reported"
        CONFIRMED = "confirmed", "Confirmed"
        CLOSED = "closed", "Closed"
        UNKNOWN = "unknown", "Unknown"

    code = models.CharField(
        max_length=5, unique=True, help_text="ISO 3166-1 alpha-3 of the country and two digits."
    )
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="stations")
    city = models.CharField(max_length=100, blank=True, help_text="Blank when unknown.")
    location = models.CharField(
        "location in the city", max_length=200, blank=True, help_text="e.g. Capel Street"
    )
    is_capital = models.BooleanField("city is the capital", default=False)
    bureau = models.ForeignKey(Bureau, on_delete=models.PROTECT, related_name="stations")
    host = models.CharField("host organisation", max_length=300, blank=True)
    active_from = models.PositiveSmallIntegerField(null=True, blank=True)
    active_until = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Blank with a start year: end unknown or ongoing."
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.REPORTED, db_index=True
    )
    summary = models.TextField(blank=True)
    notes = models.TextField(blank=True, help_text="Curators' notes; never public.")
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

    @property
    def active(self) -> str:
        """Active years in the table's notation: ``na.``, ``2016–?``, ``2018–2022``."""
        return text.format_active(self.active_from, self.active_until)

    @property
    def active_display(self) -> str:
        return text.describe_active(self.active_from, self.active_until)

    def refresh_search_text(self) -> None:
        bureau = self.bureau if self.bureau_id else None
        country = self.country if self.country_id else None
        parts = [self.code, self.city, self.location, self.host, self.summary]
        if country:
            parts += [country.code, country.name]
        if bureau:
            parts += [bureau.name, bureau.name_zh, bureau.pinyin]
        self.search_text = text.normalise(" ".join(p for p in parts if p))
        # Every write path (save, the imports' bulk writes, seed) refreshes the
        # derived fields here, so the map point is kept with them.
        self.refresh_point()

    def refresh_point(self) -> None:
        """Work out and store where maps put the station (see tracker.places.locate)."""
        from ..places import locate

        self.point_longitude, self.point_latitude, self.point_source = locate(
            self.latitude, self.longitude, self.city, self.country_id
        )


class Event(Tracked):
    """A dated happening around the stations: a report, raid, closure, trial…"""

    class Type(models.TextChoices):
        OPENING = "opening", "Opening"
        REPORT = "report", "Report"
        INVESTIGATION = "investigation", "Investigation"
        RAID = "raid", "Raid"
        CLOSURE = "closure", "Closure"
        ARREST = "arrest", "Arrest"
        INDICTMENT = "indictment", "Indictment"
        DIPLOMATIC = "diplomatic", "Diplomatic"
        STATEMENT = "statement", "Statement"
        LAWSUIT = "lawsuit", "Lawsuit"
        LEGISLATION = "legislation", "Legislation"
        OTHER = "other", "Other"

    Precision = Source.Precision

    slug = models.SlugField(max_length=120, unique=True)
    date = models.DateField(help_text="First day of the period at the given precision.")
    date_precision = models.CharField(
        max_length=5, choices=Precision.choices, default=Precision.DAY
    )
    type = models.CharField(max_length=15, choices=Type.choices)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    countries = models.ManyToManyField(Country, blank=True, related_name="events")
    stations = models.ManyToManyField(Station, blank=True, related_name="events")
    search_text = models.TextField(blank=True, editable=False)

    objects = EventQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_text"], m2m_fields=[countries, stations])
    requires_citation = True

    class Meta:
        permissions = editorial_permissions("event", "events")
        ordering = ["-date", "slug"]
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

    @property
    def date_display(self) -> str:
        return text.describe_partial_date(self.date, self.date_precision)

    def refresh_search_text(self) -> None:
        self.search_text = text.normalise(" ".join([self.slug, self.title, self.description]))


class Citation(Versioned):
    """One source supporting one station or one event."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    locator = models.CharField(max_length=200, blank=True, help_text="Page, paragraph or section.")
    quotation = models.TextField(blank=True)

    objects = CitationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        permissions = editorial_permissions("citation", "citations", publish=False)
        ordering = ["source__key", "pk"]
        indexes = [
            # The latest change, read from the index for the data stamp.
            models.Index(fields=["updated_at"], name="citation_updated"),
        ]
        constraints = [
            # A citation supports exactly one record.
            models.CheckConstraint(
                condition=Q(station__isnull=False, event__isnull=True)
                | Q(station__isnull=True, event__isnull=False),
                name="citation_one_target",
            ),
            # A source is cited once per record; the locator says where.
            models.UniqueConstraint(
                fields=["source", "station"],
                condition=Q(station__isnull=False),
                name="citation_unique_station",
            ),
            models.UniqueConstraint(
                fields=["source", "event"],
                condition=Q(event__isnull=False),
                name="citation_unique_event",
            ),
        ]

    def __str__(self):
        target = self.station or self.event
        return f"{self.source.key} → {target}"
