"""Start-up checks shared by ``manage.py`` and gunicorn: fail with one clear line."""

from django.db import connections
from django.db.utils import OperationalError


def describe_database(alias: str = "default") -> str:
    """The database as a reader can recognise it, without its password."""
    settings_dict = connections[alias].settings_dict
    vendor = connections[alias].vendor
    if vendor == "sqlite":
        return f"SQLite file {settings_dict['NAME']}"
    host = settings_dict.get("HOST") or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"{vendor} database {settings_dict['NAME']!r} on {host}{port}"


def database_unreachable(alias: str = "default") -> str | None:
    """Why the database cannot be reached, in one line; None when it can be."""
    connection = connections[alias]
    try:
        # A connection that failed before may be half-open: start afresh.
        connection.close()
        connection.ensure_connection()
    except OperationalError as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        advice = (
            "Check DATABASE_URL and that its folder exists and is writable."
            if connection.vendor == "sqlite"
            else "Check DATABASE_URL and that the database server is running."
        )
        return f"Cannot reach the {describe_database(alias)}: {reason}. {advice}"
    finally:
        connection.close()
    return None
