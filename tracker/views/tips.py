"""The readers' tip form and the status page behind a receipt code.

Neither page may be kept by a shared cache (``never_cache``: private, no-store),
the form carries Django's CSRF token, and nothing here writes the reader's
address anywhere: the rate limit knows a client only by a daily-salted hash
(see ``tracker.ratelimit``).
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from ..forms import TipForm
from ..models import Tip, normalise_receipt
from ..ratelimit import RateLimit

logger = logging.getLogger(__name__)

#: What the reader typed, to show again on a page that did not take it.
TYPED_FIELDS = ("record", "text", "links", "contact")


def tip_limit() -> RateLimit:
    return RateLimit("tips", settings.TIPS_PER_HOUR)


def form_page(request, form, status=200, **flags):
    """The form page, with the limits and retention periods its text states."""
    context = {
        "form": form,
        "tips_per_hour": settings.TIPS_PER_HOUR,
        "contact_days": settings.TIPS_CONTACT_RETENTION_DAYS,
        "declined_days": settings.TIPS_DECLINED_RETENTION_DAYS,
        **flags,
    }
    return render(request, "tracker/tip_form.html", context, status=status)


def sent_key(form) -> str:
    """Cache key of the receipt given for this copy of the form with this content.

    A second click sends the same copy with the same text: it gets the first
    receipt. A copy brought back with the browser's Back button and changed is
    a new tip.
    """
    typed = "\x1f".join(str(form.cleaned_data.get(name, "")) for name in TYPED_FIELDS)
    digest = hashlib.sha256(typed.encode()).hexdigest()[:32]
    return f"tips:sent:{form.stamp_nonce}:{digest}"


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def tip_form(request):
    """The tip form; on success, the receipt page. Nothing typed is lost on any refusal."""
    if request.method != "POST":
        # Reached from a record's page: ?station=GBR02 or ?event=<slug>.
        record = request.GET.get("station") or request.GET.get("event") or ""
        form = TipForm(initial={"record": record[: Tip.RECORD_MAX]})
        return form_page(request, form)

    limit = tip_limit()
    if limit.exceeded(request):
        form = TipForm(initial={name: request.POST.get(name, "") for name in TYPED_FIELDS})
        response = form_page(request, form, status=429, limited=True)
        response["Retry-After"] = str(limit.window)
        return response

    form = TipForm(request.POST)
    if not form.is_valid():
        return form_page(request, form, status=400)

    # A double click sends the same form twice: the second gets the first's receipt.
    if receipt := cache.get(sent_key(form)):
        return redirect(f"{Tip(receipt=receipt).get_absolute_url()}?sent=1")
    try:
        with transaction.atomic():
            tip = form.save()
    except DatabaseError:
        # Logged without the request's data; the reader keeps their text and is told to retry.
        logger.exception("A tip could not be saved")
        return form_page(request, form, status=503, save_failed=True)
    limit.count(request)
    cache.set(sent_key(form), tip.receipt, settings.TIPS_FORM_MAX_HOURS * 3600)
    return redirect(f"{tip.get_absolute_url()}?sent=1")


@never_cache
@require_safe
def tip_status(request, receipt):
    """The state of one tip, and nothing else about it."""
    tip = get_object_or_404(
        Tip.objects.only("receipt", "state"), receipt=normalise_receipt(receipt)
    )
    return render(
        request, "tracker/tip_status.html", {"tip": tip, "just_sent": "sent" in request.GET}
    )
