"""Per-client limits that never keep the client's address.

A client is known only by a keyed hash of its address. The key (a random salt)
lives in the cache and changes every day; once a day's salt has expired no one,
not even us, can tell which address a hash came from or link two days' hashes.
Counts and salts live in Django's cache, so several app servers share them
when the cache is Redis (``DJANGO_CACHE_URL``) and each process keeps its own
otherwise.
"""

import secrets

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.crypto import salted_hmac

#: A day's salt outlives its day by one window, so a count that began at 23:50 still holds.
SALT_LIFETIME = 25 * 3600


def _todays_salt() -> str:
    key = f"ratelimit:salt:{timezone.now().date().isoformat()}"
    # add() is atomic: two workers starting the day together end up with one salt.
    cache.add(key, secrets.token_hex(32), SALT_LIFETIME)
    return cache.get(key)


def client_key(request) -> str:
    """An opaque name for the client, stable for a day; the address itself is never kept."""
    # The one rule for the reader's address (behind the proxy or not) is the one
    # the login throttle uses; see ``client_ip`` in config/settings.py.
    address = settings.AXES_CLIENT_IP_CALLABLE(request)
    return salted_hmac(_todays_salt(), address, algorithm="sha256").hexdigest()[:32]


class RateLimit:
    """At most ``limit`` uses per ``window`` seconds per client, for one named action."""

    def __init__(self, action: str, limit: int, window: int = 3600):
        self.action, self.limit, self.window = action, limit, window

    def _key(self, request) -> str:
        return f"ratelimit:{self.action}:{client_key(request)}"

    def exceeded(self, request) -> bool:
        """Whether this client has used up its allowance."""
        return (cache.get(self._key(request)) or 0) >= self.limit

    def count(self, request) -> None:
        """Count one use; the window starts at the client's first use."""
        key = self._key(request)
        if not cache.add(key, 1, self.window):
            try:
                cache.incr(key)
            except ValueError:  # expired between add() and incr()
                cache.add(key, 1, self.window)
