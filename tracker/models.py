"""The tracker's records: countries, bureaus, stations, events, sources, citations.

Stations, events and sources carry an editorial ``state``; the public sees a
record only once it is ``published``, and every public read starts from the
``published()`` queryset method. Stations, events, sources and citations keep
a full history (django-simple-history) and a ``version`` that a save checks,
so that nobody overwrites a change they have not seen.
"""

import hashlib

from django.core.cache import cache
from django.db import connection, models, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import Substr
from django.db.models.lookups import Exact, LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from . import text


class StateChangeRefused(Exception):
    """Raised when a record cannot move to the editorial state asked for; says why."""


class ConcurrentEditError(Exception):
    """Raised when a record was changed by someone else since it was loaded."""

    def __init__(self, instance, changed_by: str):
        self.instance = instance
        self.changed_by = changed_by
        super().__init__(
            f"{instance._meta.verbose_name.capitalize()} “{instance}” was changed by "
            f"{changed_by} after you opened it. Nothing was saved: reload it to see "
            "their change, then make yours again."
        )


class Continent(models.TextChoices):
    AFRICA = "africa", "Africa"
    ASIA = "asia", "Asia"
    EUROPE = "europe", "Europe"
    NORTH_AMERICA = "north-america", "North America"
    OCEANIA = "oceania", "Oceania"
    SOUTH_AMERICA = "south-america", "South America"
    ANTARCTICA = "antarctica", "Antarctica"


class State(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"


class PublishableQuerySet(models.QuerySet):
    """The one door for public reads: ``Model.objects.published()``."""

    def published(self):
        return self.filter(state=State.PUBLISHED)

    def search(self, query: str):
        """Records whose stored search text holds every term of ``query``."""
        qs = self
        for term in text.search_terms(query):
            qs = qs.filter(search_text__contains=term)
        return qs

    def with_citation_count(self):
        """Annotate ``citation_count``: citations of a station or event, uses of a source."""
        return self.annotate(citation_count=Count("citations", distinct=True))

    def without_citations(self):
        """Records no citation points at (unsupported stations and events, unused sources)."""
        field = self.model._meta.model_name
        return self.exclude(Exists(Citation.objects.filter(**{field: OuterRef("pk")})))


class Versioned(models.Model):
    """Timestamps and an optimistic-locking version checked on every save."""

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def last_changed_by(self) -> str:
        """Who made the latest recorded change, for conflict messages."""
        latest = self.history.select_related("history_user").first()
        if latest is None or latest.history_user is None:
            return "another process"
        return latest.history_user.get_username()

    def refresh_search_text(self) -> None:
        """Recompute the stored search text (models with one override it)."""

    def save(self, *args, **kwargs):
        """Save, refusing to overwrite a change made since this copy was loaded.

        The check and the bump of ``version`` happen in one conditional UPDATE,
        so two concurrent saves cannot both pass it.
        """
        self.refresh_search_text()
        if self._state.adding or self.pk is None:
            return super().save(*args, **kwargs)
        with transaction.atomic():
            loaded = self.version
            claimed = (
                type(self)
                ._base_manager.filter(pk=self.pk, version=loaded)
                .update(version=loaded + 1)
            )
            if not claimed:
                current = type(self)._base_manager.get(pk=self.pk)
                raise ConcurrentEditError(self, current.last_changed_by())
            self.version = loaded + 1
            return super().save(*args, **kwargs)


def editorial_permissions(name: str, plural: str, publish=True) -> list[tuple[str, str]]:
    """Permissions beyond add/change/delete/view that the roles are built from.

    The codenames are those django-import-export checks (``import_station``,
    ``export_station``) and the publishing one the admin checks.
    """
    names = [
        (f"import_{name}", f"Can import {plural} from spreadsheets"),
        (f"export_{name}", f"Can export {plural} to spreadsheets"),
    ]
    if publish:
        names.append((f"publish_{name}", f"Can publish and retract {plural}"))
    return names


class Tracked(Versioned):
    """A record with an editorial state: draft, in review or published."""

    state = models.CharField(
        max_length=10, choices=State.choices, default=State.DRAFT, db_index=True
    )

    class Meta:
        abstract = True

    #: Stations and events must cite a source before they are published.
    requires_citation = False

    #: The editorial workflow: which state may follow which.
    TRANSITIONS = {
        State.DRAFT: {State.REVIEW, State.PUBLISHED},
        State.REVIEW: {State.PUBLISHED, State.DRAFT},
        State.PUBLISHED: {State.DRAFT},
    }

    def publish_blocker(self) -> str:
        """Why this record cannot be published now, or "" when it can."""
        if self.requires_citation and (self.pk is None or not self.citations.exists()):
            return (
                f"{self._meta.verbose_name.capitalize()} “{self}” has no citation: "
                "cite at least one source before publishing it."
            )
        return ""

    def move_to(self, state: str) -> None:
        """Move to another editorial state and save, recording the change in the history.

        Raises ``StateChangeRefused`` for a move the workflow does not allow (or a
        publication without a citation) and ``ConcurrentEditError`` when the record
        changed since it was loaded. Who may ask for which move is the caller's
        concern (the admin checks the ``publish_<model>`` permission).
        """
        old = State(self.state)
        new = State(state)
        if new not in self.TRANSITIONS[old]:
            raise StateChangeRefused(
                f"{self._meta.verbose_name.capitalize()} “{self}” is {old.label.lower()}: "
                f"it cannot move to {new.label.lower()}."
            )
        if new == State.PUBLISHED and (reason := self.publish_blocker()):
            raise StateChangeRefused(reason)
        self.state = new
        self._change_reason = f"State: {old.label} → {new.label}"
        self.save()


class Country(models.Model):
    """An ISO 3166-1 country; every country exists, with stations or not."""

    code = models.CharField("ISO 3166-1 alpha-3", max_length=3, primary_key=True)
    name = models.CharField(max_length=100)
    continent = models.CharField(max_length=20, choices=Continent.choices, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"
        constraints = [
            # Codes are written as ISO gives them, three capital letters.
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z]{3}$"), name="country_code_iso3"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("tracker:country_detail", args=[self.code])


class Bureau(models.Model):
    """A Chinese public security bureau that runs stations abroad."""

    slug = models.SlugField(unique=True)
    name = models.CharField("English name", max_length=200, unique=True)
    name_zh = models.CharField("Chinese name", max_length=100, blank=True)
    pinyin = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("tracker:bureau_detail", args=[self.slug])

    @property
    def short_name(self) -> str:
        """ "Fuzhou" for "Fuzhou City Public Security Bureau"."""
        return self.name.split(" ")[0]

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # Stations are found by their bureau's names: keep their text current.
        # updated_at moves too, so cached facet counts see the new name.
        now = timezone.now()
        for station in self.stations.select_related("country", "bureau"):
            station.refresh_search_text()
            Station.objects.filter(pk=station.pk).update(
                search_text=station.search_text, updated_at=now
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

    objects = PublishableQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_text"])
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

    objects = PublishableQuerySet.as_manager()
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

    @property
    def target(self):
        return self.station or self.event


def refresh_planner_statistics() -> None:
    """Let SQLite's query planner see the data as it now is (after bulk loads).

    Without statistics SQLite takes an equality on ``state`` for a selective
    one and walks whole tables for pages that need a handful of rows.
    PostgreSQL keeps its statistics itself (autovacuum).
    """
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def data_stamp(models_read) -> tuple:
    """A value that changes whenever a record of any of ``models_read`` is added,
    changed or removed.

    For each model: the latest ``updated_at`` (set by ``save()`` and by the
    imports' bulk writes) and the latest history entry (every creation, change,
    deletion and change of links, also in bulk). Both are read from an index,
    in one query for all the models, so the stamp costs the same at any size.
    A model with links to stations or events follows those models too.
    """
    wanted = []
    for model in models_read:
        wanted.append(model)
        wanted += [
            field.related_model
            for field in model._meta.many_to_many
            if issubclass(field.related_model, Versioned)
        ]
    # Table and column names come from the models, never from a request.
    quote = connection.ops.quote_name
    latest = "(SELECT MAX({}) FROM {})"
    parts = []
    for model in dict.fromkeys(wanted):
        parts.append(latest.format(quote("updated_at"), quote(model._meta.db_table)))
        history = model.history.model._meta.db_table
        parts.append(latest.format(quote("history_date"), quote(history)))
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return tuple(str(value) for value in cursor.fetchone())


def cached_while_unchanged(name: str, models_read: tuple, compute, timeout: int = 600):
    """``compute()``, or its cached result while none of ``models_read`` changed.

    The key holds the models' ``data_stamp()``, read from the database on every
    call, so a result is never older than the data, whichever process made it.
    Used for what costs most at scale (facets, headline figures, station pages).
    """
    digest = hashlib.sha256(repr((name, data_stamp(models_read))).encode()).hexdigest()
    key = f"tracker:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    return value
