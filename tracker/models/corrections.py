"""The public corrections log: every published change to a published record, and withdrawals.

An entry is written when an editor publishes a change to the public facts of
a published station, event or source (their own edit or a proposal they
accept) and when they withdraw a published record. Entries keep the record's
kind, key and label as they were, so the log still reads after a record is
renamed, withdrawn or deleted. Curators' notes and changes to drafts never
reach it.
"""

from django.conf import settings
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: Longer values are summarised as "changed" in the log rather than quoted.
SHORT_VALUE = 200


class CorrectionQuerySet(models.QuerySet):
    def of_kind(self, kind: str):
        """Entries about ``station``, ``event`` or ``source`` records."""
        return self.filter(kind=kind)

    def for_record(self, kind: str, key: str):
        return self.filter(kind=kind, record_key=key)

    def withdrawal_of(self, kind: str, key: str):
        """The latest withdrawal of a record, or None (a draft never published has none)."""
        return self.for_record(kind, key).filter(withdrawal=True).first()

    def log_change(self, record, user, note: str, changes: list[dict]):
        """Log a published change of ``record``'s public facts and stamp the record."""
        now = timezone.now()
        entry = self.create(
            kind=record.record_kind,
            record_key=record.public_key,
            record_label=str(record),
            date=now,
            changes=changes,
            note=note.strip(),
            editor=user,
        )
        # A plain UPDATE: the record was just saved, and its version must not move again.
        type(record)._base_manager.filter(pk=record.pk).update(last_corrected_at=now)
        record.last_corrected_at = now
        return entry

    def log_withdrawal(self, record, user, reason: str):
        """Log that ``record`` was taken off the public site, and why."""
        return self.create(
            kind=record.record_kind,
            record_key=record.public_key,
            record_label=str(record),
            date=timezone.now(),
            note=reason.strip(),
            withdrawal=True,
            editor=user,
        )


class Correction(models.Model):
    """One entry of the public corrections log (``/changes/``)."""

    class Kind(models.TextChoices):
        STATION = "station", _("Station")
        EVENT = "event", _("Event")
        SOURCE = "source", _("Source")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    record_key = models.CharField(_("record"), max_length=120)
    record_label = models.CharField(_("record as it was named"), max_length=500)
    date = models.DateTimeField(_("date"), default=timezone.now)
    #: ``[{"field", "label", "old", "new"}]``; ``old``/``new`` are None for long texts.
    changes = models.JSONField(_("fields changed"), default=list, blank=True)
    note = models.TextField(_("public note"), blank=True)
    withdrawal = models.BooleanField(_("withdrawal"), default=False)
    # Who made it stays in the admin: the log names no curator.
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("correction")
        verbose_name_plural = _("corrections log")
        indexes = [
            # /changes/ newest first, and the data stamp's latest change.
            models.Index(fields=["-date", "-id"], name="correction_newest"),
            # /changes/?record=GBR02 and a record's own entries and withdrawal.
            models.Index(fields=["kind", "record_key", "-date"], name="correction_record"),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.record_key}"

    def get_absolute_url(self):
        return f"{reverse('tracker:changes')}?record={self.record_key}#change-{self.pk}"

    @property
    def record_url(self) -> str:
        """The record's public URL (it answers 410 once withdrawn)."""
        name = {"station": "station_detail", "event": "event_detail", "source": "source_detail"}
        if self.kind not in name:
            return ""
        try:
            return reverse(f"tracker:{name[self.kind]}", args=[self.record_key])
        except NoReverseMatch:
            return ""
