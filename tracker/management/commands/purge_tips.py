"""Erase what the tracker no longer needs to keep about readers' tips. Run it daily."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from tracker.models import ExpiringKey, Tip


class Command(BaseCommand):
    help = (
        "Erase the contact details of tips closed (used or declined) more than "
        "TIPS_CONTACT_RETENTION_DAYS days ago (default 30); delete declined tips closed "
        "more than TIPS_DECLINED_RETENTION_DAYS days ago (default 180), and the spam "
        "limits' expired counts, salts and used form stamps. "
        "Run it once a day (e.g. from cron); running it twice changes nothing more."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        contact_days = settings.TIPS_CONTACT_RETENTION_DAYS
        declined_days = settings.TIPS_DECLINED_RETENTION_DAYS
        deleted, _ = Tip.objects.declined_expired(declined_days).delete()
        erased = Tip.objects.contact_expired(contact_days).exclude(contact="").update(contact="")
        # Each new tip deletes them too; this catches the last ones of a quiet day.
        expired, _ = ExpiringKey.objects.expired().delete()
        self.stdout.write(
            f"Contact details erased from {erased} tip(s) closed over {contact_days} days ago; "
            f"{deleted} declined tip(s) closed over {declined_days} days ago deleted; "
            f"{expired} expired spam-limit key(s) deleted."
        )
