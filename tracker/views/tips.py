"""The readers' tip form and the status page behind a receipt code.

Neither page may be kept by a shared cache (``never_cache``: private, no-store),
the form carries Django's CSRF token, and nothing here writes the reader's
address anywhere: the rate limit knows a client only by a daily-salted hash
(see ``tracker.ratelimit``).
"""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from ..forms import TipForm
from ..models import Tip, normalise_receipt
from ..ratelimit import RateLimit

logger = logging.getLogger(__name__)


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


def limited_page(request, limit):
    """429, with what the reader typed kept on the page."""
    typed = {name: request.POST.get(name, "") for name in TipForm.TYPED_FIELDS}
    response = form_page(request, TipForm(initial=typed), status=429, limited=True)
    response["Retry-After"] = str(limit.window)
    return response


def sent_page(receipt):
    return redirect(f"{Tip(receipt=receipt).get_absolute_url()}?sent=1")


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
        return limited_page(request, limit)

    form = TipForm(request.POST)
    if not form.is_valid():
        return form_page(request, form, status=400)
    # A double click sends the same form twice: the second gets the first's receipt.
    if form.earlier_receipt:
        return sent_page(form.earlier_receipt)
    try:
        # One transaction: with the database store, the count, the tip and the
        # stamp's use are kept together or not at all.
        with transaction.atomic():
            if not limit.take(request):
                return limited_page(request, limit)
            tip = form.save()
            receipt = form.use_stamp(tip.receipt)
            if receipt != tip.receipt:
                # Sent twice at the same moment: the first copy's tip stands.
                transaction.set_rollback(True)
    except ValidationError as refusal:  # the stamp was used meanwhile, for other text
        form.add_error(None, refusal)
        return form_page(request, form, status=400)
    except DatabaseError:
        # Logged without the request's data; the reader keeps their text and is told to retry.
        logger.exception("A tip could not be saved")
        return form_page(request, form, status=503, save_failed=True)
    return sent_page(receipt)


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
