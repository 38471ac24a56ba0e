"""Readers' tips: reports and corrections sent through ``/tips/``, never public.

A tip keeps only what the reader typed (the record it concerns, what they saw,
links, an optional contact) and its triage state. It keeps no address, no
browser details and no history table: erasing the contact erases it for good
(see ``purge_tips``).

``ExpiringKey`` holds what the tip form's spam defences must share between
app processes when the cache is each process's own: the day's salt, each
client's count (under its salted hash), the form stamps already used. Rows
expire within hours and are deleted as new ones come and by ``purge_tips``.
"""

import secrets
from datetime import timedelta

from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .events import Event
from .rules import PlainRules
from .stations import Station

#: Letters and digits that cannot be mistaken for one another when copied by hand.
RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
#: Three groups of four: 60 bits of chance, short enough to write down.
RECEIPT_GROUPS = 3


def new_receipt() -> str:
    """A random receipt code such as ``K7QM-3XPA-W9TD``; unguessable, easy to copy."""
    return "-".join(
        "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(4)) for _ in range(RECEIPT_GROUPS)
    )


def normalise_receipt(code: str) -> str:
    """The receipt as stored: capitals, whatever the reader typed."""
    return code.strip().upper()


class TipQuerySet(models.QuerySet):
    def open(self):
        """Tips still waiting for triage or being worked on."""
        return self.filter(state__in=Tip.OPEN_STATES)

    def contact_expired(self, days: int, now=None):
        """Closed tips whose contact has been kept ``days`` days since they closed."""
        cutoff = (now or timezone.now()) - timedelta(days=days)
        return self.exclude(state__in=Tip.OPEN_STATES).filter(closed_at__lt=cutoff)

    def declined_expired(self, days: int, now=None):
        """Declined tips closed more than ``days`` days ago."""
        cutoff = (now or timezone.now()) - timedelta(days=days)
        return self.filter(state=Tip.State.DECLINED, closed_at__lt=cutoff)


class Tip(PlainRules):
    """A reader's report or correction, with its triage state."""

    class State(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        USED = "used", _("Used")
        DECLINED = "declined", _("Declined")

    OPEN_STATES = (State.NEW, State.IN_PROGRESS)

    #: Field limits, stated on the form and enforced by it and the database.
    RECORD_MAX = 120
    TEXT_MAX = 5000
    LINKS_MAX = 5
    LINK_MAX = 1000
    CONTACT_MAX = 200

    receipt = models.CharField(
        _("receipt code"), max_length=20, unique=True, default=new_receipt, editable=False
    )
    record = models.CharField(
        _("record named"),
        max_length=RECORD_MAX,
        blank=True,
        help_text=_("The station code or event slug the reader typed."),
    )
    station = models.ForeignKey(
        Station,
        verbose_name=_("station"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tips",
    )
    event = models.ForeignKey(
        Event,
        verbose_name=_("event"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tips",
    )
    text = models.TextField(_("what the reader saw"), max_length=TEXT_MAX)
    links = models.JSONField(_("links"), default=list, blank=True)
    contact = models.CharField(_("contact"), max_length=CONTACT_MAX, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.NEW, db_index=True
    )
    note = models.TextField(
        _("curators' note"), blank=True, help_text=_("Never shown to the reader.")
    )
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    drafted_stations = models.ManyToManyField(
        Station,
        verbose_name=_("stations started from it"),
        blank=True,
        related_name="source_tips",
    )
    drafted_events = models.ManyToManyField(
        Event,
        verbose_name=_("events started from it"),
        blank=True,
        related_name="source_tips",
    )

    objects = TipQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("tip")
        verbose_name_plural = _("tips")
        permissions = [("view_tip_contact", "Can see the contact details readers give")]
        indexes = [
            # purge_tips: closed tips by the date they closed.
            models.Index(fields=["state", "closed_at"], name="tip_state_closed"),
        ]
        constraints = [
            # A tip is closed exactly when it is used or declined.
            models.CheckConstraint(
                condition=models.Q(state__in=["new", "in_progress"], closed_at__isnull=True)
                | models.Q(state__in=["used", "declined"], closed_at__isnull=False),
                name="tip_closed_when_done",
            ),
        ]

    def __str__(self):
        # Never the contact or the text: this string goes into the admin's log.
        return self.receipt

    def get_absolute_url(self):
        return reverse("tracker:tip_status", args=[self.receipt])

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def about(self):
        """The station or event the tip concerns, if it named one we know."""
        return self.station or self.event

    def save(self, *args, **kwargs):
        # Closing starts the retention clock; reopening stops it.
        if self.is_open:
            self.closed_at = None
        elif self.closed_at is None:
            self.closed_at = timezone.now()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "closed_at"}
        super().save(*args, **kwargs)

    def link_draft(self, record) -> None:
        """Keep the record a curator started from this tip; an untouched tip is now in progress."""
        related = self.drafted_stations if isinstance(record, Station) else self.drafted_events
        related.add(record)
        if self.state == self.State.NEW:
            self.state = self.State.IN_PROGRESS
            self.save(update_fields=["state"])


class ExpiringKeyQuerySet(models.QuerySet):
    """Short-lived keys every app process sees, with the cache's semantics made atomic."""

    def live(self):
        return self.filter(expires_at__gt=timezone.now())

    def expired(self):
        return self.filter(expires_at__lte=timezone.now())

    def value_of(self, key: str) -> str | None:
        """The value kept under ``key``, or None when there is none or it expired."""
        return self.live().filter(key=key).values_list("value", flat=True).first()

    def count_of(self, key: str) -> int:
        """The count kept under ``key`` (0 when there is none or it expired)."""
        return self.live().filter(key=key).values_list("count", flat=True).first() or 0

    def claim(self, key: str, value: str, seconds: int, count: int = 0) -> bool:
        """Keep ``value`` under ``key`` for ``seconds`` unless a live one is there; True if kept.

        Of two processes claiming one key at once exactly one wins: the
        primary key refuses the second insert. Expired keys, this one's and
        any other's, are deleted first, so the table never outgrows an hour
        or so of tips.
        """
        now = timezone.now()
        self.filter(expires_at__lte=now).delete()
        try:
            with transaction.atomic():
                self.create(
                    key=key, value=value, count=count, expires_at=now + timedelta(seconds=seconds)
                )
        except IntegrityError:
            return False
        return True

    def increment(self, key: str, seconds: int) -> int:
        """Add one to the count under ``key`` and return it; a new count lasts ``seconds``.

        One UPDATE adds to a live count, and the row stays locked (PostgreSQL)
        or the database stays locked for writing (SQLite, ``BEGIN IMMEDIATE``)
        until the caller's transaction ends, so concurrent requests count one
        after another and none can read a count another is about to raise.
        """
        with transaction.atomic():
            while True:
                live = self.live().filter(key=key)
                if live.update(count=F("count") + 1):
                    return live.values_list("count", flat=True).get()
                if self.claim(key, "", seconds, count=1):
                    return 1


class ExpiringKey(models.Model):
    """A value or count the tip form's defences keep for a while; never an address."""

    key = models.CharField(max_length=120, primary_key=True)
    value = models.CharField(max_length=100, blank=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField()

    objects = ExpiringKeyQuerySet.as_manager()

    class Meta:
        ordering = ["expires_at"]
        indexes = [
            # The purge of expired keys on every claim and in purge_tips.
            models.Index(fields=["expires_at"], name="expiringkey_expires"),
        ]

    def __str__(self):
        return self.key
