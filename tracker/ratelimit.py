"""Per-client limits that never keep the client's address, and where they keep their counts.

A client is known only by a keyed hash of its address. The key (a random salt)
changes every day and is deleted after it; once a day's salt is gone no one,
not even us, can tell which address a hash came from or link two days' hashes.

Every app process must see the same salt and counts, or each gunicorn worker
would count on its own and a client could send the limit once per worker.
``shared_store()`` says where they live: in the cache when it is Redis
(``DJANGO_CACHE_URL``), counted with Redis's atomic increment; otherwise (each
process's own memory cache) in the database (``ExpiringKey``), counted with an
atomic UPDATE. Either way an entry lasts only as long as it is needed.
"""

import secrets

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import ExpiringKey

#: A day's salt outlives its day by one window, so a count that began at 23:50 still holds.
SALT_LIFETIME = 25 * 3600


class CacheStore:
    """Short-lived keys in the shared cache, with the database store's methods."""

    def value_of(self, key: str):
        return cache.get(key)

    def count_of(self, key: str) -> int:
        return cache.get(key) or 0

    def claim(self, key: str, value: str, seconds: int) -> bool:
        # add() is atomic in Redis (SET NX): of two processes, one wins.
        return cache.add(key, value, seconds)

    def increment(self, key: str, seconds: int, by: int = 1) -> int:
        """Add ``by`` to the count under ``key`` (atomic: Redis INCRBY) and return it."""
        while True:
            cache.add(key, 0, seconds)
            try:
                count = cache.incr(key, by)
            except ValueError:  # expired between add() and incr(): start a new window
                continue
            if count == by:
                # Redis's INCR on a key that expired a moment before makes a new
                # key without an expiry, which would count for ever: set one.
                cache.touch(key, seconds)
            return count


def cache_is_shared() -> bool:
    """Whether every app process sees one cache (Redis), rather than each its own memory."""
    return isinstance(caches["default"], RedisCache)


def shared_store():
    """Where values every app process must see are kept: the shared cache, else the database.

    Both answer ``value_of``, ``count_of``, ``claim`` and ``increment``.
    """
    return CacheStore() if cache_is_shared() else ExpiringKey.objects


def _todays_salt() -> str:
    store = shared_store()
    key = f"ratelimit:salt:{timezone.now().date().isoformat()}"
    if salt := store.value_of(key):
        return salt
    # claim() is atomic: two workers starting the day together end up with one salt.
    store.claim(key, secrets.token_hex(32), SALT_LIFETIME)
    return store.value_of(key)


def client_key(request) -> str:
    """An opaque name for the client, stable for a day; the address itself is never kept."""
    # The one rule for the reader's address (behind the proxy or not) is the one
    # the login throttle uses; see ``client_ip`` in config/settings.py.
    address = settings.AXES_CLIENT_IP_CALLABLE(request)
    return salted_hmac(_todays_salt(), address, algorithm="sha256").hexdigest()[:32]


class RateLimit:
    """At most ``limit`` uses per ``window`` seconds per client, for one named action.

    The window starts at the client's first use.
    """

    def __init__(self, action: str, limit: int, window: int = 3600):
        self.action, self.limit, self.window = action, limit, window

    def _key(self, request) -> str:
        return f"ratelimit:{self.action}:{client_key(request)}"

    def exceeded(self, request) -> bool:
        """Whether this client has used up its allowance (a read: nothing is counted)."""
        return shared_store().count_of(self._key(request)) >= self.limit

    def take(self, request) -> bool:
        """Count one use and say whether it is within the limit.

        Counting and checking are one atomic step, so requests arriving at
        once cannot all see the last free use: past the limit, this is False.
        Call it inside the transaction that stores what is counted, so that
        with the database store a failed save is not counted either.
        """
        return shared_store().increment(self._key(request), self.window) <= self.limit
