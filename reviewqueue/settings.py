"""ReviewQueue settings.

Everything comes from the environment, with defaults that give the embedded mode: SQLite, Celery
on a file-system broker (no Redis), an in-memory cache and a generated secret key. Production sets
DATABASE_URL, REDIS_URL, SECRET_KEY and ALLOWED_HOSTS. An invalid value stops start-up with a
message naming the variable.
"""

import re
import secrets
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange
from kombu import Queue as KombuQueue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("RQ_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once per checkout (never committed)."""
    if env.str("SECRET_KEY", default=""):
        return env.str("SECRET_KEY")
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def _bool(name: str, default: bool) -> bool:
    # Strict: a typo such as SECURE_SSL_REDIRECT=ture must not quietly switch a protection off.
    raw = env.str(name, default="1" if default else "0").strip().lower()
    if raw not in _TRUE | _FALSE:
        raise ImproperlyConfigured(f"{name} must be true or false (1/0, yes/no), got {raw!r}")
    return raw in _TRUE


def _int(name: str, default: int, *, minimum: int) -> int:
    try:
        value = env.int(name, default=default)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {env.str(name)!r}") from exc
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def _positive_int(name: str, default: int) -> int:
    return _int(name, default, minimum=1)


def _rate(name: str, default: str, *, may_be_none: bool = False) -> str | None:
    """A request rate such as 30/m or 6000/min, checked now rather than at the first request."""
    raw = env.str(name, default=default).strip()
    if may_be_none and raw.lower() == "none":
        return None
    if not re.fullmatch(r"[1-9]\d*/(s|m|h|d)[a-z]*", raw):
        allowed = "'none' or " if may_be_none else ""
        raise ImproperlyConfigured(
            f"{name} must be {allowed}a count per s, m, h or d such as 30/m, got {raw!r}"
        )
    return raw


SECRET_KEY = _secret_key()
DEBUG = _bool("DEBUG", False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The demo password works only in DEBUG unless this is set (see seed_demo).
RQ_ALLOW_DEMO_PASSWORDS = _bool("RQ_ALLOW_DEMO_PASSWORDS", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files from PyPI, not a CDN at run time
    "guardian",
    "django_ratelimit",
    "audit",
    "workflows",
    "reviewqueue",
]

MIDDLEWARE = [
    "reviewqueue.middleware.RequestIdMiddleware",
    "reviewqueue.middleware.UnstorablePathMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.middleware.ActorMiddleware",
    "audit.middleware.DenialMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "reviewqueue.urls"
WSGI_APPLICATION = "reviewqueue.wsgi.application"

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
            ],
        },
    },
]

try:
    DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
except Exception as exc:  # environ raises several types for a malformed URL
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
if DATABASES["default"]["ENGINE"] not in (
    "django.db.backends.postgresql",
    "django.db.backends.sqlite3",
):
    raise ImproperlyConfigured("DATABASE_URL must be a postgres:// (or, embedded, sqlite:///) URL")
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # services open their own transactions
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = _int("DB_CONN_MAX_AGE", 600, minimum=0)
else:
    # SQLite: wait for the writer lock instead of failing at once when the worker also writes.
    # IMMEDIATE takes that lock when a transaction begins: one that began as a reader and then
    # wrote could not wait for it, and failed at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # The cache only backs throttling: when Redis is down, requests go through
            # (fail open for the cache, never for authorisation).
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"  # sessions never live in the cache

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; anonymous callers hold no rights
GUARDIAN_RAISE_403 = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# WhiteNoise serves static files from the web process (admin, API docs, icons); with finders on,
# it works without a collectstatic step, which production may still run for speed.
WHITENOISE_USE_FINDERS = True

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = _bool("CSRF_COOKIE_SECURE", not DEBUG)
# HTTPS only in production: plain HTTP is redirected (load-balancer probes excepted) and browsers
# are told to remember that with HSTS. Behind a TLS-terminating proxy set BEHIND_TLS_PROXY=1.
SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = _int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = _bool("SECURE_HSTS_PRELOAD", False)
# Preloading is a per-domain decision that is slow to undo: opt in with SECURE_HSTS_PRELOAD=1.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
BEHIND_TLS_PROXY = _bool("BEHIND_TLS_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None

# Sign-in attempts (reviewqueue/web/signin.py), counted in the cache like the API throttles.
# Refusals written to the audit log per caller and minute (more are log lines only).
RQ_DENIALS_LOGGED_PER_MINUTE = _positive_int("RQ_DENIALS_LOGGED_PER_MINUTE", 60)
RQ_SIGNIN_RATE_PER_CLIENT = _rate("RQ_SIGNIN_RATE_PER_CLIENT", "30/m")
RQ_SIGNIN_RATE_PER_USERNAME = _rate("RQ_SIGNIN_RATE_PER_USERNAME", "10/m")
RATELIMIT_FAIL_OPEN = True  # Redis down: sign-in still works (the cache fails open, see CACHES)
if not REDIS_URL:
    # The embedded default's in-process cache counts per process; it runs one web process.
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003", "django_ratelimit.W001"]

# Request bodies: a single draft may be 1 MiB, a batch more (see reviewqueue/api/parsers.py).
RQ_MAX_DRAFT_BODY_BYTES = _positive_int("RQ_MAX_DRAFT_BODY_BYTES", 1024 * 1024)
RQ_MAX_BATCH_BODY_BYTES = _positive_int("RQ_MAX_BATCH_BODY_BYTES", 32 * 1024 * 1024)
RQ_MAX_BATCH_ITEMS = _positive_int("RQ_MAX_BATCH_ITEMS", 500)
DATA_UPLOAD_MAX_MEMORY_SIZE = RQ_MAX_BATCH_BODY_BYTES

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "reviewqueue.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["reviewqueue.api.parsers.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "reviewqueue.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        # "none" switches a throttle off (the benchmarks run that way).
        "producer": _rate("RQ_PRODUCER_THROTTLE_RATE", "6000/min", may_be_none=True),
        "person": _rate("RQ_PERSON_THROTTLE_RATE", "1200/min", may_be_none=True),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "URL_FORMAT_OVERRIDE": None,  # ?format= belongs to the audit export, not to DRF
}

SPECTACULAR_SETTINGS = {
    "TITLE": "ReviewQueue API",
    "DESCRIPTION": "Human review for AI output: ingest drafts, route them to queues, decide them.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "PATH_CONVERTER_OVERRIDES": {"draft_id": {"type": "string", "format": "uuid"}},
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "reviewqueue.api.schema.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "DraftStatusEnum": "reviewqueue.models.drafts.Draft.Status",
        "CallbackStatusEnum": "workflows.models.callbacks.CallbackDelivery.Status",
    },
}

# Celery. Embedded mode runs a real worker with an embedded beat on kombu's file-system broker,
# which needs no server; production points both at Redis.
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    _broker_dir = VAR_DIR / "celery-broker"
    for _sub in ("in", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "in"),
        "data_folder_out": str(_broker_dir / "in"),
        "processed_folder": str(_broker_dir / "processed"),
        # Broadcast (pidbox) exchanges; kombu's default is ./control in whatever the cwd is.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than any task's run time or retry countdown, so Redis does not redeliver early.
        "visibility_timeout": 2 * 60 * 60,
        # A request that queues a task after its commit (a callback) must not hang on a Redis
        # that is down: the outbox row is safe and the sweeper sends it later.
        "socket_connect_timeout": 1,
        "socket_timeout": 2,
    }
    CELERY_BROKER_CONNECTION_TIMEOUT = 1
    CELERY_TASK_PUBLISH_RETRY_POLICY = {
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.2,
    }
# Callbacks wait on other people's servers: their own queue, so a slow receiver never holds
# back audit sealing, the SLA sweep or lease expiry. A worker without -Q consumes both; in
# production run one per queue (README).
# Each queue its own routing key: two queues bound with the same key would each get every task.
CELERY_TASK_QUEUES = (
    KombuQueue("celery", Exchange("celery"), routing_key="celery"),
    KombuQueue("callbacks", Exchange("callbacks"), routing_key="callbacks"),
)
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "workflows.deliver_callback": {"queue": "callbacks"},
    "workflows.sweep_callbacks": {"queue": "callbacks"},
}
CELERY_TASK_ALWAYS_EAGER = _bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
RQ_AUDIT_SEAL_SECONDS = _positive_int("RQ_AUDIT_SEAL_SECONDS", 5)
RQ_AUDIT_MAX_UNSEALED_SECONDS = _positive_int("RQ_AUDIT_MAX_UNSEALED_SECONDS", 300)
RQ_SLA_SWEEP_SECONDS = _positive_int("RQ_SLA_SWEEP_SECONDS", 60)
RQ_CALLBACK_SWEEP_SECONDS = _positive_int("RQ_CALLBACK_SWEEP_SECONDS", 30)
RQ_CALLBACK_GIVE_UP_HOURS = _positive_int("RQ_CALLBACK_GIVE_UP_HOURS", 24)
# Callbacks to loopback / private addresses: refused in production, allowed in the local demo.
RQ_CALLBACK_ALLOW_PRIVATE = _bool("RQ_CALLBACK_ALLOW_PRIVATE", DEBUG)
RQ_LEASE_REAPER_SECONDS = _positive_int("RQ_LEASE_REAPER_SECONDS", 60)
# A day's metrics are stored once it is this long over (late commits are still counted).
RQ_METRICS_ROLLUP_GRACE_SECONDS = _positive_int("RQ_METRICS_ROLLUP_GRACE_SECONDS", 3600)
CELERY_BEAT_SCHEDULE = {
    "escalate-overdue-drafts": {
        "task": "reviewqueue.escalate_overdue",
        "schedule": RQ_SLA_SWEEP_SECONDS,
    },
    "expire-leases": {"task": "reviewqueue.expire_leases", "schedule": RQ_LEASE_REAPER_SECONDS},
    "seal-audit-log": {"task": "audit.seal", "schedule": RQ_AUDIT_SEAL_SECONDS},
    "sweep-callbacks": {"task": "workflows.sweep_callbacks", "schedule": RQ_CALLBACK_SWEEP_SECONDS},
    "audit-checkpoint": {"task": "audit.checkpoint", "schedule": crontab(hour=0, minute=5)},
    "audit-verify-nightly": {
        "task": "audit.verify_nightly",
        "schedule": crontab(hour=0, minute=20),
    },
    "start-unclaimed-verifications": {
        "task": "audit.start_unclaimed_verifications",
        "schedule": 30,
    },
    "metrics-rollup": {
        "task": "workflows.roll_up_metrics",
        "schedule": crontab(hour=1, minute=15),
    },
    "weekly-digest": {
        "task": "workflows.send_digests",
        "schedule": crontab(day_of_week="mon", hour=7, minute=0),
    },
}

# Mail (audit checkpoints and failures, owners' digests and automation notices): printed to the
# console unless EMAIL_URL is set,
# e.g. smtp+tls://user:password@mail.example.com:587
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="reviewqueue@localhost")
# A scraper of /metrics from outside loopback sends it as a bearer token (reviewqueue/ops.py).
RQ_METRICS_TOKEN = env.str("RQ_METRICS_TOKEN", default="")
# How long one reading of /metrics's figures serves later scrapes (0: count at every scrape).
RQ_METRICS_CACHE_SECONDS = _int("RQ_METRICS_CACHE_SECONDS", 15, minimum=0)
# Where links in mail point (the digest's example drafts, a verification's page).
RQ_BASE_URL = env.str("RQ_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured(
        f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {LOG_LEVEL!r}"
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # One JSON line per event (structlog renders both structlog and stdlib records).
        "json": {"()": "reviewqueue.logs.json_formatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
