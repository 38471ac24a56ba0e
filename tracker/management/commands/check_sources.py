"""Check every source's URL and archived URL and record what each answered."""

import sys
import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, transaction
from django.utils import timezone

from tracker.linkcheck import LinkChecker, allowed_networks
from tracker.models import Source

#: The two links of a source and the fields their health is kept in.
LINKS = {
    "url": ("url_checked_at", "url_result", "url_ok"),
    "archived_url": ("archived_checked_at", "archived_result", "archived_ok"),
}


def positive(kind):
    def parse(value):
        number = kind(value)
        if number <= 0:
            raise ValueError
        return number

    parse.__name__ = kind.__name__
    return parse


class Command(BaseCommand):
    help = (
        "Check every source's URL and archived URL over HTTP (HEAD, then GET where HEAD is "
        "refused; redirects followed to public addresses only), record the result and when, "
        "and print a summary. Exit status 0: all reachable; 1: some broken or left unchecked; "
        "2: could not run."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale-days",
            type=int,
            metavar="N",
            help="Only check links not checked in the last N days (default: every link).",
        )
        parser.add_argument(
            "--time-limit",
            type=positive(float),
            default=300,
            metavar="SECONDS",
            help="Stop after this many seconds and report what was not checked (default 300).",
        )
        parser.add_argument(
            "--timeout",
            type=positive(float),
            default=10,
            metavar="SECONDS",
            help="Give up on one request after this many seconds (default 10).",
        )
        parser.add_argument(
            "--workers",
            type=positive(int),
            default=8,
            help="Hosts checked at once (default 8); each host gets one request at a time.",
        )

    def handle(self, *args, **options):
        stale_days = options["stale_days"]
        if stale_days is not None and stale_days < 0:
            self.fail("--stale-days must be 0 or more.")
        try:
            allowed = allowed_networks(settings.TRACKER_LINKCHECK_ALLOWED_NETWORKS)
        except ValueError as error:
            self.fail(f"TRACKER_LINKCHECK_ALLOWED_NETWORKS: {error}")
        try:
            due = self.links_due(stale_days)
        except DatabaseError as error:
            self.fail(f"Cannot read the sources: {error}")
        checker = LinkChecker(
            timeout=options["timeout"],
            time_limit=options["time_limit"],
            workers=options["workers"],
            allowed=allowed,
        )
        started = time.monotonic()
        results, unchecked = checker.check_all(url for _, _, url in due)
        elapsed = time.monotonic() - started
        try:
            self.record(due, results)
        except DatabaseError as error:
            self.fail(f"Cannot record the results: {error}")
        self.report(due, results, unchecked, elapsed, options["time_limit"])
        broken = any(not result.ok for result in results.values())
        sys.exit(1 if broken or unchecked else 0)

    def fail(self, message):
        self.stderr.write(message)
        sys.exit(2)

    def links_due(self, stale_days):
        """(source, field, url) for every link to check now."""
        cutoff = None if stale_days is None else timezone.now() - timedelta(days=stale_days)
        due = []
        for source in Source.objects.order_by("key"):
            for field, (checked_field, _, _) in LINKS.items():
                url = getattr(source, field).strip()
                checked = getattr(source, checked_field)
                if url and (cutoff is None or checked is None or checked < cutoff):
                    due.append((source, field, url))
        return due

    def record(self, due, results):
        """Store each link's result on its source, in one transaction.

        Written with ``update()``: a check is not an edit (no version, no history
        entry), but a source whose link changed between working and broken gets a
        new ``updated_at`` so cached public pages show it.
        """
        changes: dict[int, dict] = {}
        for source, field, url in due:
            result = results.get(url)
            if result is None:
                continue
            checked_field, result_field, ok_field = LINKS[field]
            values = changes.setdefault(source.pk, {})
            values.update(
                {
                    checked_field: result.checked_at,
                    result_field: result.result,
                    ok_field: result.ok,
                }
            )
            # Only "found broken" shows on public pages: bump when it flips.
            if (getattr(source, ok_field) is False) != (not result.ok):
                values["updated_at"] = result.checked_at
        with transaction.atomic():
            for pk, values in changes.items():
                Source.objects.filter(pk=pk).update(**values)

    def report(self, due, results, unchecked, elapsed, time_limit):
        sources = {source.pk for source, _, _ in due}
        reachable = sum(1 for result in results.values() if result.ok)
        broken = [(s, f, u) for s, f, u in due if u in results and not results[u].ok]
        self.stdout.write(
            f"Checked {len(results)} of {len({u for _, _, u in due})} links "
            f"({len(sources)} sources) in {elapsed:.1f} s: {reachable} reachable, "
            f"{len(results) - reachable} broken or refused."
        )
        for source, field, url in broken:
            self.stdout.write(f"  broken  {source.key} {field}: {url} ({results[url].result})")
        if unchecked:
            self.stdout.write(
                self.style.WARNING(
                    f"Stopped at the time limit ({time_limit:g} s): "
                    f"{len(unchecked)} links not checked:"
                )
            )
            for url in unchecked:
                self.stdout.write(f"  not checked  {url}")
        elif not broken:
            self.stdout.write(self.style.SUCCESS("Every link answered."))
