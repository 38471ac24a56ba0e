#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys
from pathlib import Path


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Without DJANGO_SECRET_KEY, commands use the project's own git-ignored key
    # file (made on first use), so they work in a fresh shell as the README shows.
    os.environ.setdefault("DJANGO_SECRET_KEY_FILE", str(Path(__file__).with_name(".secret-key")))
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        # The settings refuse a missing or unreadable variable with a message
        # written for the person starting the site: show just that.
        sys.exit(f"Error: {error}")
    except OperationalError:
        # An unreachable database is a set-up problem, not a bug: say so in one
        # line. Any other database error keeps its traceback.
        from config.startup import database_unreachable

        reason = database_unreachable()
        if reason is None:
            raise
        sys.exit(f"Error: {reason}")


if __name__ == "__main__":
    main()
