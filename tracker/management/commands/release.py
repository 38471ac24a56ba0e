"""Write the next numbered data release of the published data."""

from django.core.management.base import BaseCommand

from ...releases import releases_dir, write_release


class Command(BaseCommand):
    help = (
        "Write the next numbered release (1, 2, …) of the published data: CSV and JSON of "
        "stations, events, sources and citations with a manifest of counts and SHA-256 "
        "checksums. A release is never changed once written."
    )

    def handle(self, *args, **options):
        manifest = write_release()
        counts = ", ".join(f"{n} {kind}" for kind, n in manifest["counts"].items())
        self.stdout.write(
            f"Release {manifest['release']} written to "
            f"{releases_dir() / str(manifest['release'])}: {counts}."
        )
