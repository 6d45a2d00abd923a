"""Biostat settings, read from the environment.

With nothing set, Biostat runs embedded: SQLite, encrypted blobs and the
generated master key under ``var/``, the in-memory channel layer, a local
memory cache and the database task queue. ``DATABASE_URL`` and ``REDIS_URL``
move the same code onto PostgreSQL and Redis.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name, default):
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# The test suite (pytest) and `make run` on a workstation relax the production-only
# requirements: a generated SECRET_KEY, plain-HTTP cookies, no HTTPS redirect.
TESTING = env_bool("BIOSTAT_TESTING", "pytest" in sys.modules)
LOCAL = DEBUG or TESTING or env_bool("BIOSTAT_LOCAL", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not LOCAL:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (or set BIOSTAT_LOCAL=1 for a local run)."
        )
    # Local runs only: a fixed, obviously insecure key so sessions survive restarts.
    SECRET_KEY = "django-insecure-local-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

DATA_DIR = Path(os.environ.get("BIOSTAT_DATA_DIR") or BASE_DIR / "var")
# SQLite, the blob store and the generated master key live here; a fresh clone has none yet.
DATA_DIR.mkdir(parents=True, exist_ok=True)

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "guardian",
    "simple_history",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_tasks",
    "django_tasks_db",
    "biostat",
    "accounts",
    "audit",
    "datasets",
    "cohorts",
    "analyses",
    "messaging",
    "graphql_api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "biostat.middleware.security_headers",
    "biostat.outage.OutageMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Refuses bodies over BIOSTAT_MAX_UPLOAD_MB before CSRF or a view reads them.
    "datasets.uploads.UploadLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "biostat.urls"
WSGI_APPLICATION = "biostat.wsgi.application"
ASGI_APPLICATION = "biostat.asgi.application"

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
                "biostat.context_processors.site",
                "messaging.context_processors.unread_count",
            ],
        },
    },
]

# Database: DATABASE_URL in any form dj-database-url parses; SQLite under var/ otherwise.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue behind each other instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory, for the test database: tests start real worker and server
    # processes that must share it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-db-{os.getpid()}.sqlite3")}
else:
    # One test database per test run, so runs on a shared server never collide.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
    # An unreachable host (packets dropped, not refused) answers 503 after this, not minutes later.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5)
    )
    # Under ASGI every running request has a thread of its own (reused by later requests, up to
    # 64 parked a process: biostat.asgi), so persistent thread-local connections would number as
    # many as the threads. Each process instead keeps a pool of up to DATABASE_POOL_SIZE
    # connections (Django's psycopg pool); 0 turns the pool off and falls back to CONN_MAX_AGE,
    # which Django refuses alongside a pool.
    pool_size = env_int("DATABASE_POOL_SIZE", 8)
    if pool_size:
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": 1,
            "max_size": pool_size,
            "timeout": 10,  # a request waits this long for a connection, then answers 503
            # A reconnection attempt backs off exponentially (1, 2, 4, ... s) and, while it lasts,
            # no other starts: with psycopg_pool's default of 5 minutes, after a 40 s outage the
            # next try came 20 s after the database was back, and requests kept failing. Giving up
            # when a request would stop waiting lets the next request start a fresh attempt.
            "reconnect_timeout": 10,
        }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    # redis-py's pool refuses (rather than waits for) a connection past max_connections, 100
    # by default: a burst of socket handshakes, each joining its group, needs more.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "max_connections": env_int("REDIS_MAX_CONNECTIONS", 1000)}]
            },
        }
    }
else:
    # One process only: the in-memory layer does not cross processes, which is why
    # `make run` runs the task worker inside the Daphne process. Any deployment with
    # more than one process must set REDIS_URL.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# --- REST API -----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "biostat.api.Pagination",
    # orjson-based, same output as DRF's (biostat.renderers); the browsable API for a browser.
    "DEFAULT_RENDERER_CLASSES": [
        "biostat.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "biostat.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "biostat.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "biostat.api.exception_handler",
    # Rate limits count per REMOTE_ADDR, never per a client-supplied X-Forwarded-For (which would
    # give every forged value a fresh budget). Behind a proxy, Daphne's --proxy-headers sets
    # REMOTE_ADDR from the header the proxy writes (docs/deployment.md).
    "NUM_PROXIES": 0,
    "DEFAULT_THROTTLE_RATES": {
        "auth": os.environ.get("BIOSTAT_AUTH_RATE", "30/min"),
        "messages": os.environ.get("BIOSTAT_MESSAGE_RATE", "60/min"),
    },
}
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env_int("BIOSTAT_TOKEN_TTL_HOURS", 24 * 7)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Biostat API",
    "DESCRIPTION": "Research datasets, cohorts, analyses, messages and the audit log.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Login throttling (django-axes) -----------------------------------------------
AXES_FAILURE_LIMIT = env_int("BIOSTAT_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("BIOSTAT_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout"
AXES_VERBOSE = False
# The audit log records every login and logout; axes' own access log would duplicate it
# and open a throwaway session for each API token login.
AXES_DISABLE_ACCESS_LOG = True

# --- Object permissions and history -------------------------------------------------
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user object
GUARDIAN_RAISE_403 = False
SIMPLE_HISTORY_REVERT_DISABLED = False

# --- Biostat ------------------------------------------------------------------------
BIOSTAT_MASTER_KEY = os.environ.get("BIOSTAT_MASTER_KEY", "")
BIOSTAT_BLOB_URL = os.environ.get("BIOSTAT_BLOB_URL", "")
BIOSTAT_MIN_CELL_COUNT = env_int("BIOSTAT_MIN_CELL_COUNT", 5)
BIOSTAT_MAX_UPLOAD_MB = env_int("BIOSTAT_MAX_UPLOAD_MB", 512)
BIOSTAT_ALLOW_REGISTRATION = env_bool("BIOSTAT_ALLOW_REGISTRATION", True)
BIOSTAT_ANALYSIS_TIME_LIMIT = env_int("BIOSTAT_ANALYSIS_TIME_LIMIT", 600)  # seconds
# A running analysis renews its lease every third of this; one whose lease lapses
# (its worker died) is re-queued once, then failed.
BIOSTAT_ANALYSIS_LEASE = env_int("BIOSTAT_ANALYSIS_LEASE", 30)  # seconds

# Uploaded rows must never reach disk in plaintext: uploads stay in memory (no temporary
# files), up to the upload limit, which datasets.uploads enforces (docs/decisions.md).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_HANDLERS = ["datasets.uploads.MemoryOnlyUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = BIOSTAT_MAX_UPLOAD_MB * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10000

# --- Security ----------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the small JS module reads it for fetch() calls
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not LOCAL:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# LOG_FORMAT=json writes one JSON object per line (biostat.logging) for log shippers.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"text": {}, "json": {"()": "biostat.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
