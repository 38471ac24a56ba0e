"""Write the full downloads of the present data, as the first request after a change would."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import RequestFactory
from django.urls import Resolver404, resolve, reverse
from django.utils import translation

from tracker.prepared import FULL_DOWNLOADS


class Command(BaseCommand):
    help = (
        "Write the unfiltered downloads (/stations.csv, /stations.json, /stations.geojson, "
        "/events.csv, /events.json) of the present data to DJANGO_DOWNLOAD_DIR, in every "
        "language, for the site's address (TRACKER_SITE_URL). The site runs it by itself, "
        "one address at a time, when a download of new data is first asked for; run it "
        "after a large import so that no reader has to wait."
    )

    def add_arguments(self, parser):
        site = urlsplit(settings.TRACKER_SITE_URL)
        parser.add_argument(
            "paths",
            nargs="*",
            metavar="PATH",
            help="Only these addresses, e.g. /events.json or /zh-hans/events.json.",
        )
        parser.add_argument(
            "--host", default=site.netloc, help="The host readers ask (default: the site's)."
        )
        parser.add_argument(
            "--scheme",
            choices=("http", "https"),
            default=site.scheme or "https",
            help="The scheme readers use (default: the site's).",
        )

    def handle(self, *args, paths, host, scheme, **options):
        paths = paths or [
            _address(name, language)
            for language, _ in settings.LANGUAGES
            for name in FULL_DOWNLOADS
        ]
        factory = RequestFactory()
        for path in paths:
            language = translation.get_language_from_path(path) or settings.LANGUAGE_CODE
            # In a transaction the view writes the file itself, in this process.
            with translation.override(language), transaction.atomic():
                try:
                    match = resolve(path)
                except Resolver404:
                    raise CommandError(f"{path}: no such address.") from None
                if match.url_name not in FULL_DOWNLOADS:
                    raise CommandError(f"{path}: not a full download.")
                request = factory.get(path, HTTP_HOST=host, secure=scheme == "https")
                try:
                    request.get_host()
                except DisallowedHost:
                    raise CommandError(f"{host} is not in DJANGO_ALLOWED_HOSTS.") from None
                response = match.func(request, *match.args, **match.kwargs)
                # Only the file written matters: close the one the response opened,
                # not the response, whose request_finished signal closes connections.
                if file := getattr(response, "file_to_stream", None):
                    file.close()
            if response.status_code != 200:
                raise CommandError(f"{path}: answered {response.status_code}.")
            self.stdout.write(f"{path}: ready")


def _address(name: str, language: str) -> str:
    with translation.override(language):
        return reverse(f"tracker:{name}")
