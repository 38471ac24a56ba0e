"""Sources: the publications and bodies every station and event is believed on."""

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .. import text
from .editorial import (
    Editorial,
    PublishableQuerySet,
    State,
    editorial_permissions,
)
from .rules import no_control_characters
from .sourcing import ENCYCLOPEDIA_KIND

#: The fields ``check_sources`` writes on a source.
LINK_HEALTH_FIELDS = [
    "url_checked_at",
    "url_result",
    "url_ok",
    "archived_checked_at",
    "archived_result",
    "archived_ok",
]


class Source(Editorial):
    """A publication or body that a station or event is believed on."""

    class Kind(models.TextChoices):
        STATEMENT = "statement", _("Official statement")
        COURT = "court", _("Court record")
        GOVERNMENT = "government", _("Government")
        NGO_REPORT = "ngo-report", _("NGO report")
        NEWS = "news", _("News")
        ACADEMIC = "academic", _("Academic")
        ENCYCLOPEDIA = ENCYCLOPEDIA_KIND, _("Encyclopedia")
        BOOK = "book", _("Book")
        OTHER = "other", _("Other")

    class Precision(models.TextChoices):
        DAY = "day", _("Day")
        MONTH = "month", _("Month")
        YEAR = "year", _("Year")

    key = models.SlugField(max_length=80, unique=True, help_text="Short stable handle.")
    title = models.CharField(max_length=500, blank=True, validators=[no_control_characters])
    # Readers' texts in Chinese (blank: the English one shows, marked as English).
    title_zh_hans = models.CharField(
        _("title (Simplified Chinese)"),
        max_length=500,
        blank=True,
        validators=[no_control_characters],
    )
    title_zh_hant = models.CharField(
        _("title (Traditional Chinese)"),
        max_length=500,
        blank=True,
        validators=[no_control_characters],
    )
    authors = models.CharField(
        "author(s)", max_length=500, blank=True, validators=[no_control_characters]
    )
    publisher = models.CharField(max_length=300, blank=True, validators=[no_control_characters])
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NEWS)
    language = models.CharField(
        max_length=10,
        blank=True,
        help_text="ISO 639-1 code, e.g. en, nl, zh.",
        validators=[no_control_characters],
    )
    published_on = models.DateField("publication date", null=True, blank=True)
    published_precision = models.CharField(max_length=5, choices=Precision.choices, blank=True)
    url = models.URLField("URL", max_length=1000, blank=True)
    archived_url = models.URLField("archived URL", max_length=1000, blank=True)
    accessed_on = models.DateField("accessed", null=True, blank=True)
    search_text = models.TextField(blank=True, editable=False)
    # Link health, written by ``manage.py check_sources`` (never by a public request).
    url_checked_at = models.DateTimeField(_("URL last checked"), null=True, editable=False)
    url_result = models.CharField(_("URL check result"), max_length=200, blank=True, editable=False)
    url_ok = models.BooleanField(_("URL reachable"), null=True, editable=False)
    archived_checked_at = models.DateTimeField(
        _("archived URL last checked"), null=True, editable=False
    )
    archived_result = models.CharField(
        _("archived URL check result"), max_length=200, blank=True, editable=False
    )
    archived_ok = models.BooleanField(_("archived URL reachable"), null=True, editable=False)

    objects = PublishableQuerySet.as_manager()
    # Link checks are not edits: they stay out of the history and the corrections log.
    history = HistoricalRecords(excluded_fields=["search_text", *LINK_HEALTH_FIELDS])
    KEY_FIELD = "key"

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

    @classmethod
    def suggest_key(cls, publisher: str, published_on, precision: str, title: str = "") -> str:
        """A free key from the publisher (or title) and date: ``bbc-2022-11``, ``bbc-2022-11-2``."""
        name = slugify(publisher or title)[:50].strip("-")
        if not name:
            return ""
        dated = text.format_partial_date(published_on, precision or "day")
        base = "-".join(part for part in (name, dated) if part)
        taken = set(cls._base_manager.filter(key__startswith=base).values_list("key", flat=True))
        key, n = base, 1
        while key in taken:
            n += 1
            key = f"{base}-{n}"
        return key

    @property
    def published_display(self) -> str:
        if self.published_on is None:
            return ""
        return text.describe_partial_date(self.published_on, self.published_precision)

    def refresh_search_text(self) -> None:
        self.search_text = text.normalise(
            " ".join(
                [self.key, self.title, self.title_zh_hans, self.title_zh_hant]
                + [self.authors, self.publisher]
            )
        )

    def withdrawal_blocker(self) -> str:
        """Refused when a published station or event cites no other published source."""
        # Citations, stations and events are defined on sources, so reached through them.
        citation = self.citations.model
        others = citation.objects.filter(source__state=State.PUBLISHED).exclude(source=self)
        stranded = []
        for kind in ("station", "event"):
            model = citation._meta.get_field(kind).related_model
            records = model.objects.published().filter(citations__source=self)
            records = records.exclude(Exists(others.filter(**{kind: OuterRef("pk")})))
            stranded += [str(record) for record in records.distinct()[:5]]
        if not stranded:
            return ""
        return gettext(
            "Source “%(source)s” is the only published source of %(records)s: cite another "
            "published source there first, or withdraw them."
        ) % {"source": self, "records": ", ".join(stranded)}

    @property
    def url_broken(self) -> bool:
        """The original link was last found broken (not merely unchecked)."""
        return bool(self.url) and self.url_ok is False
