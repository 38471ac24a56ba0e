"""``purge_tips``: contacts erased after the retention period, declined tips deleted later."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tracker.models import ExpiringKey, Tip

pytestmark = pytest.mark.django_db


def closed_tip(state, days_ago, contact="me@example.org"):
    tip = Tip.objects.create(text="seen", contact=contact, state=state)
    Tip.objects.filter(pk=tip.pk).update(closed_at=timezone.now() - timedelta(days=days_ago))
    return tip


def purge():
    out = StringIO()
    call_command("purge_tips", stdout=out)
    return out.getvalue()


def test_contacts_of_tips_closed_long_ago_are_erased_recent_ones_kept():
    old_used = closed_tip(Tip.State.USED, 31)
    old_declined = closed_tip(Tip.State.DECLINED, 40)
    recent = closed_tip(Tip.State.USED, 29)
    open_tip = Tip.objects.create(text="open", contact="keep@example.org")
    Tip.objects.filter(pk=open_tip.pk).update(created_at=timezone.now() - timedelta(days=400))
    output = purge()
    assert "erased from 2 tip(s)" in output
    assert Tip.objects.get(pk=old_used.pk).contact == ""
    assert Tip.objects.get(pk=old_used.pk).text == "seen"  # the tip itself stays
    assert Tip.objects.get(pk=old_declined.pk).contact == ""
    assert Tip.objects.get(pk=recent.pk).contact == "me@example.org"
    assert Tip.objects.get(pk=open_tip.pk).contact == "keep@example.org"


def test_declined_tips_are_deleted_after_the_longer_period():
    old = closed_tip(Tip.State.DECLINED, 181)
    used = closed_tip(Tip.State.USED, 400)
    recent = closed_tip(Tip.State.DECLINED, 179)
    assert "1 declined tip(s)" in purge()
    assert not Tip.objects.filter(pk=old.pk).exists()
    assert Tip.objects.filter(pk__in=[used.pk, recent.pk]).count() == 2


def test_periods_come_from_the_settings(settings):
    settings.TIPS_CONTACT_RETENTION_DAYS = 7
    tip = closed_tip(Tip.State.USED, 8)
    purge()
    assert Tip.objects.get(pk=tip.pk).contact == ""


def test_running_twice_changes_nothing_more():
    closed_tip(Tip.State.USED, 31)
    purge()
    assert "erased from 0 tip(s)" in purge()


def test_spam_limit_counts_are_deleted_once_their_window_has_passed(client, monkeypatch):
    from tests.test_tips import send

    send(client)
    kept = set(ExpiringKey.objects.values_list("key", flat=True))
    prefixes = {key.rsplit(":", 1)[0] for key in kept}
    assert prefixes == {"ratelimit:salt", "ratelimit:tips", "tips:stamp"}
    assert "0 expired spam-limit key(s) deleted" in purge()
    # An hour later the count is gone; the day's salt stays until the day is over.
    later = timezone.now() + timedelta(hours=1, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert "1 expired spam-limit key(s) deleted" in purge()
    assert not ExpiringKey.objects.filter(key__startswith="ratelimit:tips:").exists()
    # Past the form's six hours its stamp is forgotten, and after a day the salt.
    monkeypatch.setattr(timezone, "now", lambda: later + timedelta(hours=25))
    purge()
    assert not ExpiringKey.objects.exists()
