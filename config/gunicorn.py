"""gunicorn settings for ``make serve``; each one can be overridden from the environment.

Run behind a reverse proxy (nginx, Caddy) that terminates TLS; gunicorn itself
listens on the loopback address unless ``GUNICORN_BIND`` says otherwise.
"""

import multiprocessing
import os
import sys

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Synchronous workers: every page is a few short queries, and the proxy in
# front buffers slow clients so a worker is never held by one.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Recycle workers now and then, so that no slow leak can grow for ever; seldom,
# since a new worker starts with an empty memory cache and a cold start costs
# a second of CPU (at 2,000 requests/s, 2,000 requests went by every second).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "200000"))
max_requests_jitter = max_requests // 10
# Trust X-Forwarded-* only from the proxy on this machine.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# "-" logs each request to standard output; an empty value logs none.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
# No client address and no browser string: readers who send tips may be the people
# these stations watch, and the log must not say who asked for what.
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
wsgi_app = "config.wsgi:application"
# No runtime control socket (gunicorn 25.1+): nothing needs it, and two servers
# on one machine (the site and a benchmark) would contend for its one path.
control_socket_disable = True


def on_starting(server):
    """Refuse to start, in one line, when the settings or the database are not usable.

    Without this check the workers would start and answer every request with an
    error page; the operator would learn of it from the readers.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as error:
        sys.exit(f"Error: {error}")
    from config.startup import database_unreachable

    # database_unreachable() closes its connection: forked workers open their own.
    if reason := database_unreachable():
        sys.exit(f"Error: {reason}")
