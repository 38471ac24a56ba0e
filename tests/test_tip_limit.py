"""The tip limit (5 an hour per connection) holds across app processes and at once.

Without Redis every gunicorn worker has its own memory cache, so the count is
kept in the database; with Redis it is kept there. Either way counting and
checking are one atomic step, so tips sent at the same moment cannot all see
the last free place.
"""

# The commands run are this project's own, with arguments the tests build.
# ruff: noqa: S603

import ast
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.cache import cache, caches

from tests.test_faults import run_env
from tests.test_tips import READER, send
from tracker import ratelimit
from tracker.models import Tip

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def as_worker(settings, name):
    """Answer the next requests as another app process: a memory cache of its own."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": name}
    }


def test_two_app_processes_share_one_count(client, settings):
    for worker in ["first", "second", "first", "second", "first"]:
        as_worker(settings, worker)
        assert send(client).status_code == 302
    as_worker(settings, "second")
    sixth = send(client)
    assert sixth.status_code == 429
    assert Tip.objects.count() == 5


# Runs in its own process on a scratch SQLite file, as gunicorn's workers do:
# twelve readers' browsers behind one address press "Send" at the same moment.
AT_ONCE = r"""
import threading, time
import django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment
from tracker.forms import form_stamp
from tracker.models import Tip

setup_test_environment()
SENDERS = 12
barrier = threading.Barrier(SENDERS)
statuses = []

def send(n):
    data = {
        "record": "", "links": "", "contact": "", "website": "",
        "text": f"Tip number {n}, sent with the others.",
        "stamp": form_stamp(issued=time.time() - 10),
    }
    client = Client()
    barrier.wait()
    statuses.append(client.post("/tips/", data, REMOTE_ADDR="203.0.113.77").status_code)
    connection.close()

threads = [threading.Thread(target=send, args=(n,)) for n in range(SENDERS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(timeout=60)
print({"statuses": sorted(statuses), "stored": Tip.objects.count()})
"""


@pytest.mark.django_db(databases=[])
def test_tips_sent_at_once_never_pass_the_limit(tmp_path):
    env = run_env(tmp_path / "at-once.sqlite3", DJANGO_TIPS_PER_HOUR="5")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120
    )
    result = subprocess.run(
        [sys.executable, "-c", AT_ONCE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    outcome = ast.literal_eval(result.stdout.strip().splitlines()[-1])
    assert outcome == {"statuses": [302] * 5 + [429] * 7, "stored": 5}


# --- With Redis (DJANGO_CACHE_URL): counted there, atomically, and always expiring ----------


@pytest.fixture
def redis_cache(settings):
    """Django's cache on a Redis of the test's own (TRACKER_TEST_REDIS_URL, or one started)."""
    server = None
    url = os.environ.get("TRACKER_TEST_REDIS_URL")
    if not url:
        binary = shutil.which("redis-server")
        if not binary:
            if os.environ.get("CI"):
                pytest.fail("Redis is needed for the shared-cache limit test in CI")
            pytest.skip("redis-server is not available")
        from tests.test_two_servers import free_port, wait_for_port

        port = free_port()
        server = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        wait_for_port(port, server)
        url = f"redis://127.0.0.1:{port}/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"tip-limit-test-{os.getpid()}",
        }
    }
    assert ratelimit.cache_is_shared()
    cache.clear()
    yield cache
    cache.clear()
    if server is not None:
        server.terminate()
        server.wait(timeout=10)


def test_with_redis_threads_at_once_never_pass_the_limit(redis_cache, rf):
    limit = ratelimit.RateLimit("tips", 5)
    request = rf.post("/tips/", REMOTE_ADDR=READER)
    barrier = threading.Barrier(20)
    allowed = []

    def take():
        barrier.wait()
        allowed.append(limit.take(request))

    threads = [threading.Thread(target=take) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(allowed) == [False] * 15 + [True] * 5
    assert limit.exceeded(request)
    # Nothing about the limit is written to the database when the cache is shared.
    assert not ratelimit.ExpiringKey.objects.exists()


def test_with_redis_a_count_always_expires(redis_cache, rf, monkeypatch):
    limit = ratelimit.RateLimit("tips", 5, window=60)
    request = rf.post("/tips/", REMOTE_ADDR=READER)
    key = redis_cache.make_key(limit._key(request))
    redis = redis_cache._cache.get_client(key)
    assert limit.take(request)
    assert 0 < redis.ttl(key) <= 60
    redis.delete(key)

    def incr_just_after_expiry(name, delta=1, version=None):
        # The key expires after Django saw it exist and before Redis's INCR, which
        # then makes a new key without an expiry: a count that would last for ever.
        redis.delete(key)
        return redis.incr(key, delta)

    monkeypatch.setattr(caches["default"], "incr", incr_just_after_expiry)
    assert limit.take(request)
    assert 0 < redis.ttl(key) <= 60
