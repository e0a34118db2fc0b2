"""Settings, read from the environment.

Every environment variable is read through the helpers below (``env_str``, ``env_bool``,
``env_int``, ``env_float``, ``env_list``) and listed, with its default, in the README's
Configuration table; tests/test_settings_documented.py checks that the two agree.

Sections, in order: reading the environment; core; database; cache; static files, media and
storage; accounts, sessions and sign-in lockout; e-mail; security (proxies, HTTPS, CSP); REST
API; logging; the site's own tunables (MANGAKI_*); Celery and its beat schedule.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------------------------------------
# Reading the environment. An empty value counts as unset for booleans and numbers; strings
# and lists are taken as they are.


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env_str(name)
    if value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    if value == "":
        return default
    if not value.isdigit():
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}")
    return int(value)


def env_float(name: str, default: float) -> float:
    value = env_str(name)
    if value == "":
        return float(default)
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


# ---------------------------------------------------------------------------------------------
# Core: debugging, the secret, hosts, applications, middleware, templates, URLs, time zone.

DEBUG = env_bool("DEBUG")

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (a long random string), "
            "or set DEBUG=1 for a local development server."
        )
    SECRET_KEY = "development-only-insecure-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",  # for clearsessions (sessions are stored by mangaki.sessions)
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_celery_beat",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "mangaki",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "mangaki.middleware.reject_nul_in_path",
    "mangaki.middleware.reject_nul_in_input",
    "mangaki.middleware.DatabaseUnavailable",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "mangaki.middleware.throttle_pages",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the 429 answer
]

ROOT_URLCONF = "mangaki.urls"
# A refused form's page needs no database (the default one reads it through context processors).
CSRF_FAILURE_VIEW = "mangaki.views.errors.csrf_failure"
WSGI_APPLICATION = "mangaki.wsgi.application"

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
                "mangaki.views.context.site",
            ],
        },
    },
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True


# ---------------------------------------------------------------------------------------------
# Database: DATABASE_URL, or a SQLite file in the project.

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,  # a connection broken by a database restart is replaced, not reused
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable database fails a request within seconds (503), instead of hanging it.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 3
# Web requests (the server that loads mangaki/wsgi.py, not Celery workers nor commands) wait at
# most this long for a row lock on PostgreSQL, then answer 503 with Retry-After; 0 waits forever.
MANGAKI_WEB_LOCK_TIMEOUT_MS = env_int("MANGAKI_WEB_LOCK_TIMEOUT_MS", 3000)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server read while a Celery task or a command writes.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# ---------------------------------------------------------------------------------------------
# Cache: shared by every process (throttling counts, for one) when CACHE_URL names a Redis,
# e.g. redis://127.0.0.1:6379/1; otherwise each process keeps its own in memory.

CACHE_URL = env_str("CACHE_URL")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_URL,
        # A cache that is down costs a request at most this long, then throttling fails open.
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    }
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}


# ---------------------------------------------------------------------------------------------
# Static files (served by WhiteNoise), media and storage (model artifacts live in media).

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True


# ---------------------------------------------------------------------------------------------
# Accounts, sessions and sign-in lockout.

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "mangaki.backends.ProfileModelBackend"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# Database sessions that record their user (mangaki/sessions.py), so deleting an account ends all of them.
SESSION_ENGINE = "mangaki.sessions"

# Sign-in lockout (django-axes), for the login page, the admin's and the API's token endpoint:
# after LOGIN_FAILURE_LIMIT wrong passwords for one username from one client address, that
# pair is refused (429) for LOGIN_COOLOFF_MINUTES, even with the right password. A success
# clears the count. Failed attempts are kept in the database (no log of successful ones).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True
AXES_CLIENT_IP_CALLABLE = "mangaki.clients.client_address"
AXES_LOCKOUT_CALLABLE = "mangaki.views.accounts.locked_out"


# ---------------------------------------------------------------------------------------------
# E-mail (password resets). Development prints mails on the console; production sends them by
# SMTP (EMAIL_HOST…) unless EMAIL_BACKEND names another backend explicitly, so a reset link
# never lands in the server log by default. `check --deploy` warns without EMAIL_HOST.

EMAIL_BACKEND = env_str("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Mangaki <noreply@localhost>")


# ---------------------------------------------------------------------------------------------
# Security: reverse proxies, HTTPS, Content-Security-Policy.

# Reverse proxies in front of the server. The client address is taken that many entries from
# the end of X-Forwarded-For (the API's throttles, the lockout), and X-Forwarded-Proto says
# whether the request was HTTPS; 0 (the default) ignores both headers, which any client can
# write (a random address per request would otherwise escape every limit).
NUM_PROXIES = env_int("NUM_PROXIES", 0)
if NUM_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# HTTPS. On by default in production (DEBUG off): HTTP is redirected, cookies are Secure,
# browsers are told to come back over HTTPS only (HSTS, a year). HTTPS=0 turns it all off for a
# server reached over plain HTTP (a test, a benchmark, a private network).
HTTPS = env_bool("HTTPS", not DEBUG)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^api/health/$"]  # load balancers probe over plain HTTP
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)

# Content-Security-Policy (django-csp) on every answer: scripts, styles, fonts, frames and
# images from this site only (covers are stored here and served by views/media.py). Style
# attributes stay allowed (cards colour their placeholder with one); the API docs' own page
# adds its inline style and the data: images of its stylesheet.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}


# ---------------------------------------------------------------------------------------------
# REST API (mangaki/api): token or session authentication, pages of at most 100, throttling
# per anonymous client and per user (stricter for recommendations and tokens), one JSON error
# shape for every 4xx. API_THROTTLING=0 turns throttling off (benchmarks).

_API_THROTTLING = env_bool("API_THROTTLING", True)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous request is answered 401 with WWW-Authenticate: Token.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "mangaki.api.pagination.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["mangaki.api.parsers.JSONParser", "rest_framework.parsers.FormParser"],
    "DEFAULT_THROTTLE_CLASSES": ["mangaki.api.throttles.AnonThrottle", "mangaki.api.throttles.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": "120/min" if _API_THROTTLING else None,
        "user": "600/min" if _API_THROTTLING else None,
        "recommendations": "30/min" if _API_THROTTLING else None,
        "token": "10/min" if _API_THROTTLING else None,
    },
    "NUM_PROXIES": NUM_PROXIES,
    "EXCEPTION_HANDLER": "mangaki.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "mangaki.api.schema.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Mangaki API",
    "DESCRIPTION": "Rate anime and manga, get recommendations that explain themselves. "
    'Authenticate with "Authorization: Token <token>" (POST /api/auth/token/) or a session.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ChoiceEnum": "mangaki.choices.Choice",
        "AlgorithmEnum": "mangaki.models.TrainedModel.Algorithm",
        "TrainedModelStatusEnum": "mangaki.models.TrainedModel.Status",
        "WeekdayEnum": "mangaki.seasonal.WEEKDAYS",
        "WatchStatusEnum": "mangaki.choices.WatchStatus",
    },
    # Swagger UI served from this site (drf-spectacular-sidecar), not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}


# ---------------------------------------------------------------------------------------------
# Logging: everything to the console, at LOG_LEVEL; no SQL queries.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL") or "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}


# ---------------------------------------------------------------------------------------------
# The site's own tunables.

# Pages and search suggestions one client address may ask for a minute (0: no limit), past
# which it is answered 429 with Retry-After (mangaki.middleware.throttle_pages); no limit by
# default with API_THROTTLING=0 (benchmarks). Suggestions are cached this many seconds per
# normalised query and NSFW flag, in the shared cache.
MANGAKI_PAGES_PER_MINUTE = env_int("MANGAKI_PAGES_PER_MINUTE", 120 if _API_THROTTLING else 0)
MANGAKI_SUGGESTIONS_PER_MINUTE = env_int("MANGAKI_SUGGESTIONS_PER_MINUTE", 120 if _API_THROTTLING else 0)
MANGAKI_SUGGESTIONS_CACHE_SECONDS = env_int("MANGAKI_SUGGESTIONS_CACHE_SECONDS", 60)

# Rankings: thresholds of the Work querysets (Mangaki's production values).
MANGAKI_TOP_MIN_RATINGS = 80
MANGAKI_PEARLS_MIN_RATINGS = 30
MANGAKI_PEARLS_MAX_RATINGS = 126
MANGAKI_PEARLS_MAX_DISLIKE_RATE = 5 / 42
MANGAKI_RANDOM_MIN_RATINGS = 20

# Pages. The model report (/models/) is for staff unless MANGAKI_PUBLIC_MODEL_REPORT is on.
MANGAKI_PAGE_SIZE = 24
MANGAKI_PUBLIC_MODEL_REPORT = env_bool("MANGAKI_PUBLIC_MODEL_REPORT", False)
# "Similar works" only shows works with at least this many ratings (their ALS direction is noise below).
MANGAKI_SIMILAR_MIN_RATINGS = 10

# Guest accounts (visitors who rated without signing up): those idle this long are deleted
# nightly, and one client address may create this many per hour. Guests' ratings count in the
# rankings and in training only once the account is claimed, under the members' rule (below).
MANGAKI_GUEST_MAX_IDLE_DAYS = env_int("MANGAKI_GUEST_MAX_IDLE_DAYS", 30)
MANGAKI_GUESTS_PER_ADDRESS_PER_HOUR = env_int("MANGAKI_GUESTS_PER_ADDRESS_PER_HOUR", 20)
# Members: one client address may sign up this many accounts per hour (a guest signing up counts
# too), and a new member's ratings count in the rankings and in training once the account is at
# least MANGAKI_MEMBER_TRUST_HOURS old and holds at least MANGAKI_MEMBER_TRUST_RATINGS ratings
# (checked when they rate, and by beat every MANGAKI_MEMBER_TRUST_CHECK_SECONDS).
MANGAKI_SIGNUPS_PER_ADDRESS_PER_HOUR = env_int("MANGAKI_SIGNUPS_PER_ADDRESS_PER_HOUR", 5)
MANGAKI_MEMBER_TRUST_HOURS = env_float("MANGAKI_MEMBER_TRUST_HOURS", 24)
MANGAKI_MEMBER_TRUST_RATINGS = env_int("MANGAKI_MEMBER_TRUST_RATINGS", 10)
MANGAKI_MEMBER_TRUST_CHECK_SECONDS = env_float("MANGAKI_MEMBER_TRUST_CHECK_SECONDS", 900)

# MyAnimeList list imports: the largest file (after gunzip), the most entries, and how many
# imports one member may start per hour (each can add works to the catalogue).
MANGAKI_IMPORT_MAX_BYTES = env_int("MANGAKI_IMPORT_MAX_BYTES", 30_000_000)
MANGAKI_IMPORT_MAX_ENTRIES = env_int("MANGAKI_IMPORT_MAX_ENTRIES", 20_000)
MANGAKI_IMPORTS_PER_HOUR = env_int("MANGAKI_IMPORTS_PER_HOUR", 10)
# Workers read and write at most this many imports at once on the whole site (the others wait,
# queued, and their task asks again every MANGAKI_IMPORT_RETRY_SECONDS); an import task stops
# after its time limit, and an import stopped (time limit, killed worker) this many times fails.
# One import writing its ratings keeps about a core busy (the worker and the database): on a
# 2-core server, 2 at once put the honest p99 at 3.5x its baseline, 1 at 2.4x
# (bench/site_under_attack.py, uploads). Raise it with the cores.
MANGAKI_IMPORTS_RUNNING_MAX = env_int("MANGAKI_IMPORTS_RUNNING_MAX", 1)
MANGAKI_IMPORT_RETRY_SECONDS = env_int("MANGAKI_IMPORT_RETRY_SECONDS", 15)
MANGAKI_IMPORT_TIME_LIMIT_SECONDS = env_int("MANGAKI_IMPORT_TIME_LIMIT_SECONDS", 600)
MANGAKI_IMPORT_MAX_ATTEMPTS = env_int("MANGAKI_IMPORT_MAX_ATTEMPTS", 3)

# Training. Algorithms the beat schedule retrains; unset (None) means every one of
# TrainedModel.Algorithm.
MANGAKI_RETRAIN_ALGORITHMS = None
# Retrain when at least this many ratings were added or changed since the latest training...
MANGAKI_RETRAIN_MIN_NEW_RATINGS = env_int("MANGAKI_RETRAIN_MIN_NEW_RATINGS", 500)
# ... checked this often (seconds); and retrain all of them every night at this UTC hour.
MANGAKI_RETRAIN_CHECK_SECONDS = env_float("MANGAKI_RETRAIN_CHECK_SECONDS", 600)
MANGAKI_NIGHTLY_RETRAIN_HOUR = env_int("MANGAKI_NIGHTLY_RETRAIN_HOUR", 3)
MANGAKI_TRAINING_TIME_LIMIT_SECONDS = 1800
# Training reads counted members' ratings of confirmed works, and only of works rated by at least
# this many distinct counted members. EASE fits a dense works × works matrix (float32, inverted in
# place: 4 n² bytes): it refuses a training with more works than this (the default: 3.6 GB); see
# the README for larger catalogues.
MANGAKI_TRAINING_MIN_RATERS = env_int("MANGAKI_TRAINING_MIN_RATERS", 2)
MANGAKI_EASE_MAX_WORKS = env_int("MANGAKI_EASE_MAX_WORKS", 30_000)
# Quality gate: a new model whose held-out RMSE exceeds the active one's by more than this
# is kept (status rejected) but not activated.
MANGAKI_QUALITY_GATE_MARGIN = env_float("MANGAKI_QUALITY_GATE_MARGIN", 0.02)
# The ranker's (EASE) gate: held-out NDCG@10 must beat the most-rated list's, and not fall
# below the active version's by more than this.
MANGAKI_QUALITY_GATE_NDCG_MARGIN = env_float("MANGAKI_QUALITY_GATE_NDCG_MARGIN", 0.01)
# Artifacts of the last N versions of each algorithm are kept (the active one always is).
MANGAKI_KEEP_LAST_MODELS = env_int("MANGAKI_KEEP_LAST_MODELS", 5)
# Folder, in Django's default storage, of the model artifacts.
MANGAKI_MODEL_STORAGE_PREFIX = "models"

# The catalogue sync (services/catalogue_sync.py) reads AniList's public GraphQL API at this
# address, waiting at most this long for an answer; a work synced within the last
# MANGAKI_ANILIST_RESYNC_HOURS is not read again by the enrichment passes (the resume cursor);
# the weekly sync takes this many pages (50 each) of AniList's most popular manga, and beat
# runs the syncs at this UTC hour (weekly on Mondays, the current season the other days).
MANGAKI_ANILIST_URL = env_str("MANGAKI_ANILIST_URL", "https://graphql.anilist.co")
MANGAKI_ANILIST_TIMEOUT_SECONDS = env_float("MANGAKI_ANILIST_TIMEOUT_SECONDS", 30)
# Covers are downloaded from these hosts only (AniList's image server).
MANGAKI_ANILIST_COVER_HOSTS = env_list("MANGAKI_ANILIST_COVER_HOSTS", "s4.anilist.co")
MANGAKI_ANILIST_RESYNC_HOURS = env_int("MANGAKI_ANILIST_RESYNC_HOURS", 144)
MANGAKI_ANILIST_MANGA_PAGES = env_int("MANGAKI_ANILIST_MANGA_PAGES", 2)
MANGAKI_CATALOGUE_SYNC_HOUR = env_int("MANGAKI_CATALOGUE_SYNC_HOUR", 5)


# ---------------------------------------------------------------------------------------------
# Celery: a Redis broker when CELERY_BROKER_URL is set, otherwise tasks run eagerly in-process.

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
# No result backend by default: every training records its outcome in the model registry and
# nothing reads task results (a result backend would also be one more service a web request
# waits on when it is down). CELERY_RESULT_BACKEND turns one on.
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Unacknowledged tasks (a worker killed mid-training) go back to the queue after this many
# seconds; it must exceed the longest task (MANGAKI_TRAINING_TIME_LIMIT_SECONDS, above).
# Workers sweep for such tasks every interval × throttle seconds (kombu's defaults: 10 × 10).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("MANGAKI_BROKER_VISIBILITY_TIMEOUT", 3600),
    "unacked_restore_interval": env_int("MANGAKI_BROKER_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": env_int("MANGAKI_BROKER_RESTORE_THROTTLE", 10),
    "socket_connect_timeout": 0.5,  # a broker that is down is known at once
}
# Queuing a task from a web request (a staff retrain) gives up within about 2 s when the broker
# is down, and the request answers 503, instead of retrying for tens of seconds.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}

# Celery beat: a plain schedule, stored by django_celery_beat's database scheduler (no pickled
# shelve file), from the training tunables above.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "retrain-all-nightly": {
        "task": "mangaki.tasks.retrain_all",
        "schedule": crontab(hour=MANGAKI_NIGHTLY_RETRAIN_HOUR, minute=0),
    },
    "purge-idle-guests-nightly": {
        "task": "mangaki.tasks.purge_idle_guests",
        "schedule": crontab(hour=(MANGAKI_NIGHTLY_RETRAIN_HOUR + 1) % 24, minute=30),
    },
    "count-in-trusted-members": {
        "task": "mangaki.tasks.count_in_trusted_members",
        "schedule": MANGAKI_MEMBER_TRUST_CHECK_SECONDS,
    },
    # Imports whose worker was killed, or whose task the broker lost, are handed out again.
    "requeue-stuck-imports": {
        "task": "mangaki.tasks.requeue_stuck_imports",
        "schedule": 300,
    },
    "retrain-when-enough-new-ratings": {
        "task": "mangaki.tasks.retrain_if_enough_new_ratings",
        "schedule": MANGAKI_RETRAIN_CHECK_SECONDS,
    },
    "catalogue-sync-weekly": {
        "task": "mangaki.tasks.sync_catalogue",
        "schedule": crontab(day_of_week=1, hour=MANGAKI_CATALOGUE_SYNC_HOUR, minute=15),
        "kwargs": {"plan": "full"},
    },
    "catalogue-sync-current-season-daily": {
        "task": "mangaki.tasks.sync_catalogue",
        "schedule": crontab(day_of_week="0,2-6", hour=MANGAKI_CATALOGUE_SYNC_HOUR, minute=15),
        "kwargs": {"plan": "current-season"},
    },
}
