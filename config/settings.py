"""Settings for the Overseas Station Tracker.

Every knob comes from the environment through the small helpers below, which
refuse values they do not understand. Production safety is the default; local
convenience (``DJANGO_DEBUG=1``) is opt-in, and ``make run`` opts in.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no variable; anything unrecognised is an error, not False."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a yes/no value (use 1 or 0).")


def env_int(name: str, default: int) -> int:
    """Read a whole number; anything else is an error."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated list."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=False)


def local_secret_key(path: Path) -> str:
    """The key kept in ``path`` (readable by its owner only), made on first use."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    import secrets

    key = secrets.token_urlsafe(64)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key + "\n")
    return key


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "local-development-only-key-never-used-in-production-0123456789"  # noqa: S105
    elif os.environ.get("DJANGO_SECRET_KEY_FILE"):
        # manage.py points here (the git-ignored .secret-key that `make serve`
        # also uses), so commands work in a fresh shell; a server started any
        # other way (gunicorn) still needs DJANGO_SECRET_KEY.
        SECRET_KEY = local_secret_key(Path(os.environ["DJANGO_SECRET_KEY_FILE"]))
    else:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it, or set DJANGO_DEBUG=1 for local use."
        )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # /sitemap.xml, built from the published records.
    "django.contrib.sitemaps",
    "django_filters",
    "import_export",
    "simple_history",
    "tracker",
    # Login throttling for the admin: locks a username on an address after repeated failures.
    "axes",
]

MIDDLEWARE = [
    # The views of public URLs get their canonical query (known, non-blank
    # parameters in one order), so that the cache below keys on it too.
    "tracker.canonical.CanonicalQueryMiddleware",
    # Validators, Cache-Control and whole anonymous pages kept per data state,
    # for every public URL. First, so that a kept page, which already carries
    # the headers the middleware below gave it, costs nothing more.
    "tracker.middleware.PublicCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (policy below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The page's language from its URL prefix (/zh-hans/, /zh-hant/; none for English),
    # never from a cookie or Accept-Language, so a cached page is the same for everyone.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

# django-axes checks every login before Django does; the test client's
# ``client.login()`` passes no request, so tests log in with ``force_login``
# (or pass ``request=``) instead of switching throttling off.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("DJANGO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("DJANGO_LOGIN_COOLOFF_MINUTES", 30) / 60  # hours
# Lock the username on the address it was guessed from, so that a guesser
# cannot lock a curator out of the admin from everywhere else.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Failures and lockouts live in the database, so every app server sees them.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"


_BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", default=False)


def client_ip(request) -> str:
    """The reader's address: behind our proxy, the last hop it appended to X-Forwarded-For."""
    if _BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")


AXES_CLIENT_IP_CALLABLE = client_ip

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # Canonical URL, site name and card image for every page's head.
                "tracker.context_processors.page_meta",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "").strip() or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
try:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL cannot be read: {error}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while an import writes; the busy timeout makes a
    # second writer wait instead of failing; IMMEDIATE takes the write lock at
    # the start of a transaction so two writers cannot deadlock mid-way.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache: facet counts, home figures, rendered station pages and whole
# anonymous responses, all keyed by the state of the data, so no process ever
# serves anything older than the data. Unset, each process keeps its own
# memory cache (500 entries, a page at most ~300 KB: a worker stays small);
# DJANGO_CACHE_URL=redis://host:6379/0 puts it in Redis, shared by every app
# server, so a page rendered by one is served by all.
CACHE_URL = os.environ.get("DJANGO_CACHE_URL", "").strip()
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"DJANGO_CACHE_URL={CACHE_URL!r} is not a Redis URL (redis://host:6379/0)."
        )
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "tracker",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": env_int("DJANGO_CACHE_ENTRIES", 500)},
        }
    }

# HTTP caching of the public site (tracker/middleware.py): how long a shared
# cache (proxy, CDN) or browser may reuse an anonymous page without asking.
TRACKER_PUBLIC_MAX_AGE = env_int("DJANGO_CACHE_MAX_AGE", 60)
# Paths never cached by anyone: the admin's pages are each curator's own.
TRACKER_UNCACHED_PREFIXES = ("/admin/",)
# Whole anonymous responses kept in the cache per data state, up to this size each.
TRACKER_PAGE_CACHE_MAX_BYTES = env_int("DJANGO_PAGE_CACHE_MAX_BYTES", 300_000)
TRACKER_PAGE_TTL = 600
# At most this many query strings of one path are kept per data state (a search
# box takes any text): with the size above, a bound on what one path can fill.
TRACKER_PAGE_VARIANTS = env_int("DJANGO_PAGE_CACHE_VARIANTS", 50)
# The full downloads, written once per data state (tracker/prepared.py). Each
# server keeps its own; nothing there needs a backup.
TRACKER_DOWNLOAD_DIR = Path(os.environ.get("DJANGO_DOWNLOAD_DIR") or BASE_DIR / "var" / "downloads")
# Seconds a request waits for a download being written before answering 503 with
# Retry-After (the writing goes on): below gunicorn's timeout (GUNICORN_TIMEOUT, 30 s).
TRACKER_PREPARE_WAIT = env_int("DJANGO_PREPARE_WAIT", 20)
# Records one client may receive in filtered downloads (built for their request)
# in an hour; the full downloads are prepared once and not counted.
TRACKER_DOWNLOAD_RECORDS_PER_HOUR = env_int("DJANGO_DOWNLOAD_RECORDS_PER_HOUR", 500_000)
# The models whose records the public site shows: their changes make new validators.
TRACKER_PUBLIC_MODELS = ["tracker.Station", "tracker.Event", "tracker.Source", "tracker.Citation"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# English at the unprefixed URLs, Chinese under /zh-hans/ and /zh-hant/ (config/urls.py).
# The names are each language's own, as the language switcher shows them.
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文"), ("zh-hant", "繁體中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Where collectstatic writes (make serve runs it); a deployment may put it elsewhere.
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Tracker data is public; the site itself leaks nothing about its readers.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading is a promise to browser makers that is slow to undo: only on request.
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # Not preloading is the deliberate default, not an oversight to warn about.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    if env_bool("DJANGO_BEHIND_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# django-import-export: admin import and export need their own permissions,
# otherwise any staff user may use them.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# Content-Security-Policy: the site loads only from itself (readers include people the
# stations target: no CDN, font, tile server or analytics), with no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# manage.py check_sources contacts public addresses only; these networks are
# allowed besides (tests: "127.0.0.1/32"). Comma-separated, e.g. "10.1.2.0/24".
TRACKER_LINKCHECK_ALLOWED_NETWORKS = env_list("DJANGO_LINKCHECK_ALLOWED_NETWORKS", [])

# Numbered data releases (`manage.py release`), served at /data/; never rewritten.
TRACKER_RELEASES_DIR = Path(os.environ.get("TRACKER_RELEASES_DIR", BASE_DIR / "releases"))
# The site's address, for the record links inside release files (written without a request).
TRACKER_SITE_URL = os.environ.get("TRACKER_SITE_URL", "http://127.0.0.1:8000")
# Public site: a research database licence note shown with every download.
TRACKER_DATA_LICENSE = "CC BY 4.0: cite the Overseas Station Tracker and the sources it names."
TRACKER_DATA_LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"

# /.well-known/security.txt (RFC 9116): where to report a vulnerability, and
# until when that holds (an ISO date; blank: a year from the day it is read).
# A blank contact becomes mailto:security@<the site's host>.
TRACKER_SECURITY_CONTACT = os.environ.get("DJANGO_SECURITY_CONTACT", "").strip()
if TRACKER_SECURITY_CONTACT and not TRACKER_SECURITY_CONTACT.startswith(("mailto:", "https://")):
    raise ImproperlyConfigured("DJANGO_SECURITY_CONTACT must be a mailto: or https:// URI.")
_expires = os.environ.get("DJANGO_SECURITY_EXPIRES", "").strip()
try:
    TRACKER_SECURITY_EXPIRES = datetime.date.fromisoformat(_expires) if _expires else None
except ValueError:
    raise ImproperlyConfigured(f"DJANGO_SECURITY_EXPIRES={_expires!r} is not a date.") from None

# Readers' tips (/tips/). Contact details are erased this many days after a tip
# is closed, and declined tips deleted after the longer period, by `manage.py
# purge_tips` run daily. A client may send TIPS_PER_HOUR tips an hour; the form
# is refused when sent sooner than TIPS_FORM_MIN_SECONDS after it was shown
# (a script) or later than TIPS_FORM_MAX_HOURS (ask the reader to send it again).
TIPS_CONTACT_RETENTION_DAYS = env_int("DJANGO_TIPS_CONTACT_RETENTION_DAYS", 30)
TIPS_DECLINED_RETENTION_DAYS = env_int("DJANGO_TIPS_DECLINED_RETENTION_DAYS", 180)
TIPS_PER_HOUR = env_int("DJANGO_TIPS_PER_HOUR", 5)
TIPS_FORM_MIN_SECONDS = 3
TIPS_FORM_MAX_HOURS = 6
