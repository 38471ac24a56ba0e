"""Pages about the site itself: the methodology page, robots.txt and security.txt."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.http import HttpResponse
from django.http.request import split_domain_port
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from ..models import Source

#: How long a security.txt stays valid when no expiry is set (RFC 9116 advises under a year).
SECURITY_TXT_VALIDITY = datetime.timedelta(days=364)


@require_safe
def about(request):
    """The methodology: what is counted, where the data comes from, review, statuses, re-use."""
    context = {
        "license_url": settings.TRACKER_DATA_LICENSE_URL,
        # The page promises archived copies only once there are some.
        "archived_sources": Source.objects.published().exclude(archived_url="").exists(),
    }
    return render(request, "tracker/about.html", context)


@require_safe
def robots_txt(request):
    """Crawlers may read the public site, not the admin or the tips form; where the sitemap is."""
    lines = [
        "User-agent: *",
        f"Disallow: {reverse('admin:index')}",
        "Disallow: /tips/",
        *(f"Disallow: /{code}/tips/" for code, _name in settings.LANGUAGES[1:]),
        "Allow: /",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('tracker:sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
def security_txt(request):
    """RFC 9116: whom to tell about a vulnerability, until when this holds."""
    domain, _port = split_domain_port(request.get_host())
    contact = settings.TRACKER_SECURITY_CONTACT or f"mailto:security@{domain}"
    if settings.TRACKER_SECURITY_EXPIRES:
        expires = datetime.datetime.combine(
            settings.TRACKER_SECURITY_EXPIRES, datetime.time(), tzinfo=datetime.UTC
        )
    else:
        # From today's midnight, so the text stays the same all day.
        today = timezone.now().astimezone(datetime.UTC).date()
        expires = datetime.datetime.combine(today, datetime.time(), tzinfo=datetime.UTC)
        expires += SECURITY_TXT_VALIDITY
    lines = [
        f"Contact: {contact}",
        f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "Preferred-Languages: en, zh",
        f"Canonical: {request.build_absolute_uri(request.path)}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
