"""Citations: one source supporting one station or event, and the facts it backs."""

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .editorial import (
    State,
    StateChangeRefused,
    Versioned,
    editorial_permissions,
)
from .events import Event
from .rules import no_control_characters
from .sources import Source
from .sourcing import clean_supports
from .stations import Station


class CitationQuerySet(models.QuerySet):
    def with_source(self):
        """Citations with their source, in the order record pages list them."""
        return self.select_related("source").order_by("station", "event", "source__key", "pk")

    def public(self):
        """Citations of published sources, with their source: a draft source is never shown."""
        # The source's state is checked per citation (EXISTS on its primary key)
        # and the order leads with the record: both keep SQLite starting from the
        # records' citations rather than walking every source, which made a
        # 20,000-station download take minutes.
        return self.filter(
            Exists(Source.objects.published().filter(pk=OuterRef("source_id")))
        ).with_source()


class Citation(Versioned):
    """One source supporting one station or one event."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    locator = models.CharField(
        max_length=200,
        blank=True,
        help_text="Page, paragraph or section.",
        validators=[no_control_characters],
    )
    quotation = models.TextField(blank=True, validators=[no_control_characters])
    supports = models.JSONField(
        _("facts it supports"),
        default=list,
        blank=True,
        help_text=_("The facts of the record this source states; none: the record as a whole."),
    )

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
        try:
            return f"{self.source.key} → {self.record}"
        except ObjectDoesNotExist:
            # A copy from the history whose station or event was deleted since.
            return gettext("Citation %(pk)s (its record was deleted)") % {"pk": self.pk}

    @property
    def record_kind(self) -> str | None:
        """``"station"`` or ``"event"``: whose facts ``supports`` names."""
        if self.station_id is not None:
            return "station"
        if self.event_id is not None:
            return "event"
        return None

    def clean(self):
        super().clean()
        # The allowed names depend on the record, so a database constraint cannot
        # say it portably (JSON containment is not on SQLite); the form, the sheet
        # and the seed all come through here.
        kind = self.record_kind
        if kind is not None:
            try:
                self.supports = clean_supports(self.supports, kind)
            except ValidationError as error:
                raise ValidationError({"supports": error}) from None

    @property
    def record(self):
        """The station or event this citation supports."""
        return self.station or self.event

    def removal_blocker(self, moving_to=None) -> str:
        """Why this saved citation may not leave its record now, or "" when it may.

        A published station or event keeps at least one citation, whatever the
        path (a move, a delete, an import, a published proposal).
        """
        if self.pk is None:
            return ""
        saved = Citation._base_manager.filter(pk=self.pk).select_related(
            "station", "event", "source"
        )
        saved = saved.first()
        if saved is None:
            return ""
        record = saved.record
        if moving_to is not None and moving_to == record:
            return ""
        if record.state != State.PUBLISHED:
            return ""
        others = record.citations.exclude(pk=self.pk)
        if not others.exists():
            return (
                f"{record._meta.verbose_name.capitalize()} “{record}” is published and "
                "this is its only citation: cite another source first, or withdraw it."
            )
        # Its public page always shows a published source.
        if (
            saved.source.state == State.PUBLISHED
            and not others.filter(source__state=State.PUBLISHED).exists()
        ):
            return gettext(
                "%(kind)s “%(record)s” is published and this is its only citation of a "
                "published source: publish another of its sources first, or withdraw it."
            ) % {"kind": record._meta.verbose_name.capitalize(), "record": record}
        return ""

    def save(self, *args, **kwargs):
        # The last line of defence for every path; forms and the admin ask first.
        if reason := self.removal_blocker(moving_to=self.station or self.event):
            raise StateChangeRefused(reason)
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if reason := self.removal_blocker():
            raise StateChangeRefused(reason)
        return super().delete(*args, **kwargs)
