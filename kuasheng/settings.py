"""Settings for the 跨省通办 portal, read from environment variables.

Every variable is listed in `.env.example`. The defaults are for development on one machine:
SQLite under `var/`, tasks run in-process, DEBUG on. Production (DEBUG=0) refuses the
development secret key.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from import_export.formats import base_formats
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # the SQLite file, collected static files and uploads in development
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


DEVELOPMENT_SECRET_KEY = "dev-only-kuasheng-secret-key-change-me"  # noqa: S105 (refused in production)

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "simple_history",
    "axes",
    "csp",
    "catalogue",
    "cases",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the request (session, auth, axes, views): refuses NUL characters,
    # too deep or too large bodies; see kuasheng/middleware.py.
    "kuasheng.middleware.EdgeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous catalogue reads answered from the stored answer of the current catalogue version,
    # before session, locale, auth and the views run; see catalogue/middleware.py.
    "catalogue.middleware.CatalogueCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last: it answers a locked-out login
]

# Brute-force protection of every login (admin, session, API token): after AXES_FAILURE_LIMIT
# failures for a username from an address, that pair is locked out for AXES_COOLOFF_TIME.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # lockouts are still logged as warnings
# Axes records the typed username before any form checks it: cut it to a username's length.
AXES_USERNAME_CALLABLE = "kuasheng.middleware.axes_username"
# A locked-out login gets the site's page (status 429) saying so in the reader's language; the API
# keeps its JSON answer.
AXES_LOCKOUT_CALLABLE = "cases.views.accounts.lockout_response"

ROOT_URLCONF = "kuasheng.urls"
WSGI_APPLICATION = "kuasheng.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kuasheng.context_processors.site_footer",
            ],
        },
    },
]

# DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/kuasheng; default a SQLite file under var/.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'kuasheng.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: at a million cases the planner's cost estimates for a scoped list cross PostgreSQL 15's
    # jit_above_cost, and compiling then took 300–450 ms of a query that runs in a few (docs/benchmarks.md).
    # Joins planned in the order the ORM writes them (the listed table first, then what it refers to):
    # searching every order of a list's six tables took 3.7 ms to plan a query that runs in 5; in the
    # written order, 1.4 ms. Subqueries are still flattened and each join still picks its side and
    # method. Measured on every staff page at 1 M cases: none slower, lists 30–40 % faster.
    # A random read costed as SSD or cached data cost it (1.1, PostgreSQL's default 4 is for spinning
    # disks): a few dozen rows are then joined to their offices and items by index, not by reading and
    # hashing both whole tables (the inbox's cases: 2.1 → 1.5 ms). Measured on every staff page at 1 M:
    # the API inbox's p95 18–23 → 14–17 ms, none slower beyond the noise (docs/benchmarks.md).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", "-c jit=off -c join_collapse_limit=1 -c random_page_cost=1.1"
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take the write lock when a transaction begins and wait for another writer (up to 20 s),
    # instead of failing at once with "database is locked" when a reader tries to write.
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")
    # A file, not memory, so the Celery worker the handoff tests start can open the same database;
    # beside the database it tests (var/test-kuasheng.sqlite3 by default), so two checkouts or
    # two DATABASE_URLs never share one test file.
    _db_file = Path(DATABASES["default"]["NAME"])
    DATABASES["default"]["TEST"] = {"NAME": str(_db_file.with_name(f"test-{_db_file.name}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# The language switch (kuasheng/views.py) sets only this cookie, and only when a reader chooses.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = not DEBUG
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or VAR_DIR / "media")
# Production (DEBUG=0) links hashed, compressed files once `collectstatic` has run (the start command
# in docs/deploy.md runs it) and the plain files before that, which WhiteNoise then serves from the
# source folders (WHITENOISE_USE_FINDERS): no page fails because a manual step was forgotten.
PRODUCTION_STATIC_STORAGE = "kuasheng.staticfiles.CollectedOrSourceStaticFilesStorage"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": PRODUCTION_STATIC_STORAGE
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True

# One login page for every role (cases/views/accounts.py); after it each role lands on its own start
# page (accounts.start_page_for), so LOGIN_REDIRECT_URL is only the fallback of Django's own views.
LOGIN_URL = "cases:login"
LOGIN_REDIRECT_URL = "catalogue:home"

# Security headers; the deployment checklist (manage.py check --deploy) passes with DEBUG=0.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # INFO logs one line per task.
        "celery.app.trace": {"level": os.environ.get("TASK_LOG_LEVEL", "WARNING")},
    },
}

# Content-Security-Policy on every response (django-csp): everything comes from this portal, so
# no other host is named anywhere; no plugins, no framing (as X_FRAME_OPTIONS). The API docs load
# their start-up script from a URL (SpectacularSwaggerSplitView), so scripts need no 'unsafe-inline'.
# Third-party templates we do not override need three allowances, each checked against the
# rendered page by tests/test_security_headers.py (an upgrade that changes them fails there):
CSP_THIRD_PARTY_STYLES = [
    "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='",  # drf-spectacular's <style> in /api/docs/
    "'sha256-1kn+agGaGZdaFPNbx228buXQB9KXcy9RVE6NMUiW4SQ='",  # DRF browsable API: Pygments' <style>
]
CSP_THIRD_PARTY_HANDLERS = [
    "'sha256-wid4zL8fR53ZYy1ljOepzR77Dn6vWUUxuNnnWWBP3I8='",  # import-export: "select all" on export
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "script-src-attr": ["'unsafe-hashes'", *CSP_THIRD_PARTY_HANDLERS],  # only that one handler
        "style-src": [SELF, *CSP_THIRD_PARTY_STYLES],
        # style="…" attributes in simple-history's, import-export's and DRF's templates (Django's own
        # admin has none); an attribute cannot load anything from elsewhere.
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],  # Swagger UI's and the admin's icons are data: URIs in their CSS
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Cache -----------------------------------------------------------------------------------
# CACHE_URL, e.g. redis://127.0.0.1:6379/1: one cache shared by every web process and worker (the
# catalogue's cached answers, API throttling). Unset: each process keeps its own in local memory.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_URL,
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kuasheng"}
}
# Catalogue answers stored under the catalogue version (catalogue/cache.py); 0 turns that off.
CATALOGUE_CACHE = env_bool("CATALOGUE_CACHE", True)

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an anonymous request to a protected endpoint gets 401 with
    # `WWW-Authenticate: Token` (session authentication has no such header, so DRF would say 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cases.authentication.TokenAuthentication",  # knox's, without its per-request sweep
        "rest_framework.authentication.SessionAuthentication",
    ],
    "EXCEPTION_HANDLER": "cases.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.ScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "track": os.environ.get("THROTTLE_TRACK", "10/min"),  # public lookup: no guessing ID tails
        "token": os.environ.get("THROTTLE_TOKEN", "10/min"),  # password guessing
    },
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "catalogue.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
# API tokens (django-rest-knox): stored as digests, expire after TOKEN_TTL_HOURS like a staff
# session, revocable one by one (POST /api/v1/auth/logout/) or all at once (…/logoutall/).
TOKEN_TTL_HOURS = int(os.environ.get("TOKEN_TTL_HOURS", "8"))
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=TOKEN_TTL_HOURS),
    "AUTH_HEADER_PREFIX": "Token",  # the header clients already send: `Authorization: Token <token>`
    "AUTO_REFRESH": False,  # a token ends when it expires, however much it is used
}
SPECTACULAR_SETTINGS = {
    "TITLE": "跨省通办 API (kuasheng)",
    "DESCRIPTION": "The national 跨省通办 item list (国办发〔2020〕35号), departments and regions.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI is served from this portal's static files, not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "IdTypeEnum": "cases.models.IdType",
        "ItemStatusEnum": "catalogue.models.ServiceItem.Status",
        "HandoffStatusEnum": "cases.handoff_models.HandoffMessage.Status",
    },
}

# --- Celery ---------------------------------------------------------------------------------
# CELERY_BROKER_URL unset: no broker; tasks run in-process (eagerly) through the same code path.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# Safe only because every task is idempotent: a task is acknowledged after it ran, and
# re-queued if its worker dies.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Well below Redis' visibility timeout (1 h), so a slow task is never delivered twice by it.
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 120
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Publishing happens after commit; if the broker is down the message stays in the outbox, so
# fail fast instead of holding the user's request.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    # Publishing gives up after one quick retry (kombu's default sleeps 2 s, 4 s, …): the outbox
    # keeps the message and the sweep publishes it when the broker is back.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# The worker's consumer reconnects every second (Celery's waits up to 30 s), for as long as the
# broker is away (Celery's 100 attempts would end the worker after 100 s), and queues a relay
# each time it is connected again (kuasheng/celery.py).
CELERY_WORKER_CONSUMER = "kuasheng.celery:PromptConsumer"
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Two queues, so a backlog in one never delays the other: handoff delivery and the outbox relay on
# `handoffs`; the deadline sweep (and any later notification or housekeeping task) on `default`.
# In production each queue has workers of its own (`celery -A kuasheng worker -Q handoffs`, and
# `-Q default`; docs/deploy.md); a worker started without -Q takes both (development, tests).
HANDOFF_QUEUE = "handoffs"
CELERY_TASK_DEFAULT_QUEUE = "default"
# Each queue with an exchange and routing key of its own: two queues bound to one key would each
# get a copy of every message.
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name) for name in (HANDOFF_QUEUE, CELERY_TASK_DEFAULT_QUEUE)
]
CELERY_TASK_ROUTES = {
    "cases.deliver_handoff": {"queue": HANDOFF_QUEUE},
    "cases.relay_handoffs": {"queue": HANDOFF_QUEUE},
    "cases.flag_deadlines": {"queue": CELERY_TASK_DEFAULT_QUEUE},
    "cases.clear_expired_tokens": {"queue": CELERY_TASK_DEFAULT_QUEUE},
}
CELERY_BEAT_SCHEDULE = {
    # Publish outbox messages that are still pending (broker refused or troubled at commit), are
    # due again after a failed delivery, or were sent but never delivered (broker restart, killed
    # worker). Workers also queue it when they reconnect; this catches what nobody triggered.
    "relay-handoffs": {"task": "cases.relay_handoffs", "schedule": 5.0},
    # Near-due and overdue cases, transfers and legs: notify the responsible office.
    "flag-deadlines": {"task": "cases.flag_deadlines", "schedule": 15 * 60.0},
    # Expired API tokens (refused already): deleted here, not on each request (cases.tokens).
    "clear-expired-tokens": {"task": "cases.clear_expired_tokens", "schedule": 3600.0},
}

# --- Cases ---------------------------------------------------------------------------------
HANDOFF_MAX_ATTEMPTS = int(os.environ.get("HANDOFF_MAX_ATTEMPTS", "5"))
HANDOFF_BACKOFF_SECONDS = int(os.environ.get("HANDOFF_BACKOFF_SECONDS", "30"))  # doubles per failure, ≤ 1 h
# Seconds: a request waits at most HANDOFF_PUBLISH_WAIT for the broker (then the outbox row is the
# safety net); a publishing connection gives up after HANDOFF_PUBLISH_TIMEOUT, connecting or answering.
HANDOFF_PUBLISH_WAIT = float(os.environ.get("HANDOFF_PUBLISH_WAIT", "0.1"))
HANDOFF_PUBLISH_TIMEOUT = float(os.environ.get("HANDOFF_PUBLISH_TIMEOUT", "1"))
# A relay run publishes until nothing is due or this many seconds passed (well below the 60 s soft limit).
HANDOFF_RELAY_SECONDS = float(os.environ.get("HANDOFF_RELAY_SECONDS", "20"))
# Rows a relay claimed are its own this long (one batch takes well under a second to publish).
HANDOFF_LEASE_SECONDS = int(os.environ.get("HANDOFF_LEASE_SECONDS", "10"))
# Sent, not delivered this long, and the broker's queue empty: presumed lost, published again.
HANDOFF_REDELIVER_AFTER_SECONDS = int(os.environ.get("HANDOFF_REDELIVER_AFTER_SECONDS", "15"))
# No national rule sets these (DOMAIN.md): working days to sign for a transfer or a leg, and
# how many working days before a due date a case counts as near due.
SIGN_FOR_WORKING_DAYS = int(os.environ.get("SIGN_FOR_WORKING_DAYS", "1"))
NEAR_DUE_WORKING_DAYS = int(os.environ.get("NEAR_DUE_WORKING_DAYS", "3"))
MATERIAL_MAX_BYTES = int(os.environ.get("MATERIAL_MAX_BYTES", str(20 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- The edge (kuasheng/middleware.py) -------------------------------------------------------
# A request body larger than this (multipart: MATERIAL_MAX_BYTES more) is a 413; JSON nested
# deeper than REQUEST_JSON_MAX_DEPTH is a 400 before it is parsed (Python's parser recurses).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
REQUEST_JSON_MAX_DEPTH = 32
# The schema says what the edge may answer (400 on every operation, 413 where there is a body).
SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"] = [
    *SPECTACULAR_SETTINGS.get("POSTPROCESSING_HOOKS", ["drf_spectacular.hooks.postprocess_schema_enums"]),
    "kuasheng.middleware.document_edge_responses",
]

# --- The public site's footer (templates/base.html) ------------------------------------------
# What a government website shows at the foot of every page: who runs it (主办单位), who operates it
# (承办单位), how to reach them, and its ICP filing number (ICP备案号, linked to the MIIT register).
# Empty values are left out; the default names no real body.
SITE_OWNER = os.environ.get("SITE_OWNER", "跨省通办门户（演示站点）")
SITE_OPERATOR = os.environ.get("SITE_OPERATOR", "")
SITE_CONTACT = os.environ.get("SITE_CONTACT", "")
SITE_ICP = os.environ.get("SITE_ICP", "")

# --- The catalogue --------------------------------------------------------------------------
# Used for an item whose statutory or promised limit is empty (行政许可法 第四十二条: 20 working days).
DEFAULT_TIME_LIMIT_DAYS = 20

# --- Admin import/export (django-import-export) ---------------------------------------------
IMPORT_EXPORT_USE_TRANSACTIONS = True  # an import with any bad row writes nothing
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_FORMATS = EXPORT_FORMATS = [base_formats.CSV, base_formats.XLSX]

# --- Web server (gunicorn) -------------------------------------------------------------------
# Read by gunicorn.conf.py: `gunicorn -c gunicorn.conf.py` is the production server (docs/deploy.md);
# runserver is for development only.
# Worker processes: each serves one request at a time per thread. Gunicorn's rule of thumb is
# 2 × cores + 1; behind a reverse proxy on a machine shared with PostgreSQL, fewer do as well.
GUNICORN_WORKERS = int(os.environ.get("GUNICORN_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
# Threads per worker (the gthread worker): requests wait on the database, not on Python, so a few
# threads add throughput; the gthread worker also keeps idle keep-alive connections cheaply.
GUNICORN_THREADS = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request taking longer than this (seconds) has its worker killed and restarted; every request
# here is short (the broker is waited for at most HANDOFF_PUBLISH_WAIT), so 30 s means a fault.
GUNICORN_TIMEOUT = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On a restart or deploy (SIGHUP/SIGTERM), requests in flight get this long to finish.
GUNICORN_GRACEFUL_TIMEOUT = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Seconds an idle keep-alive connection stays open. Behind nginx (which reuses its upstream
# connections) it must be LONGER than nginx's upstream keepalive_timeout (4 s in deploy/cluster.sh):
# the proxy drops an idle connection first, never sends a request into one gunicorn is closing.
GUNICORN_KEEPALIVE = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# A worker is replaced after this many requests (± the jitter, so they do not all restart at
# once): a bound on any slow memory growth. 0 turns it off.
GUNICORN_MAX_REQUESTS = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
GUNICORN_MAX_REQUESTS_JITTER = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
# Where to listen: behind a reverse proxy on the same machine, the loopback address.
GUNICORN_BIND = env_list("GUNICORN_BIND", "127.0.0.1:8000")
