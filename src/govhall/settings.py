"""govhall settings: one module, configured by environment variables (see core/env.py)."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from govhall.core.env import env, env_bool, env_list

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = (BASE_DIR / env("GOVHALL_VAR_DIR")).resolve()

DEBUG = env_bool("DEBUG")
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=0")
    SECRET_KEY = "django-insecure-govhall-development-key-only-for-local-use"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("GOVHALL_SITE_URL").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "govhall.core",
    "govhall.audit",
    "govhall.accounts",
    "govhall.catalog",
    "govhall.workdays",
    "govhall.notify",
    "govhall.licences",
    "govhall.delivery",
    "govhall.cases",
    "govhall.lockers",
    "govhall.stations",
    "govhall.bundles",
    "govhall.supervision",
    "govhall.evaluations",
    "govhall.appointments",
    "govhall.queues",
    "govhall.construction",
    "govhall.prechecks",
    "govhall.stats",
]

MIDDLEWARE = [
    # requests by route name, status and time, for /metrics (core/metrics.py)
    "govhall.core.metrics.middleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # unusable text, oversized and unparsable bodies are refused before any view
    "govhall.core.middleware.request_guard",
    "govhall.core.middleware.session_idle_timeout",
    # request.user.is_verified(): has this session confirmed a second factor (django-otp)
    "django_otp.middleware.OTPMiddleware",
    # with GOVHALL_STAFF_2FA, staff reach nothing but the two-factor pages until it has
    "govhall.accounts.twofactor_middleware.staff_second_factor",
    # who and from where, for security events recorded from signals
    "govhall.audit.middleware.audit_context",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "govhall.urls"
WSGI_APPLICATION = "govhall.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "govhall.notify.context_processors.unread",
                "govhall.core.context_processors.display",
            ],
        },
    },
]

# SQLite by default (WAL, synchronous=FULL: an acknowledged write survives a crash;
# IMMEDIATE transactions take the write lock up front so concurrent writers queue
# instead of failing with "database is locked" on lock upgrade).
_database_url = env("DATABASE_URL")
if _database_url:
    # CONN_MAX_AGE: connections kept between requests (0 behind a transaction-mode pgbouncer);
    # pooling in front of several nodes: docs/deployment.md, "Connections".
    _conn_max_age = int(env("DATABASE_CONN_MAX_AGE"))
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=_conn_max_age, conn_health_checks=True)}
    if env("DATABASE_REPLICA_URL"):
        # Read by report selectors marked read-only only (core/dbrouter.py); never written,
        # never migrated, and its test database is the primary's (a mirror).
        DATABASES["replica"] = dj_database_url.parse(
            env("DATABASE_REPLICA_URL"), conn_max_age=_conn_max_age, conn_health_checks=True
        )
        DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["govhall.core.dbrouter.ReplicaRouter"]
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            # Django's SQLite backend with writers queued (see govhall/core/sqlite/base.py).
            "ENGINE": "govhall.core.sqlite",
            "NAME": VAR_DIR / "govhall.sqlite3",
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # One test database per process: parallel runs on one checkout must not share it.
            "TEST": {"NAME": VAR_DIR / f"test-govhall-{os.getpid()}.sqlite3"},
            # Keep connections (one per thread): opening one and running the PRAGMAs costs
            # about 1 ms, more than a whole cached search.
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "govhall.accounts.validators.MinimumLengthValidator"},  # Django's, with a Chinese message
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT")) if env("STATIC_ROOT") else VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT")) if env("MEDIA_ROOT") else VAR_DIR / "media"
# Uploaded files: this node's disk by default; with GOVHALL_STORAGE=s3 a private bucket shared
# by every node (core/storage.py: no ACL, no public URL; the views that check who asks serve
# every file, as on disk).
_storage = env("GOVHALL_STORAGE")
if _storage == "s3":
    if not env("GOVHALL_S3_BUCKET"):
        raise ImproperlyConfigured("GOVHALL_STORAGE=s3 needs GOVHALL_S3_BUCKET")
    _default_storage = {
        "BACKEND": "govhall.core.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": env("GOVHALL_S3_BUCKET"),
            "endpoint_url": env("GOVHALL_S3_ENDPOINT_URL") or None,
            "region_name": env("GOVHALL_S3_REGION") or None,
            "access_key": env("GOVHALL_S3_ACCESS_KEY") or None,
            "secret_key": env("GOVHALL_S3_SECRET_KEY") or None,
            "location": env("GOVHALL_S3_PREFIX").strip("/"),
        },
    }
elif _storage:
    raise ImproperlyConfigured(f"GOVHALL_STORAGE must be empty or s3, not {_storage!r}")
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

# The cache holds the SMS codes and django-ninja's throttles; with several server processes
# it must be shared (core.checks warns at deploy otherwise). Its table is made by migrate.
# Rate limits and the login lock count where GOVHALL_LIMITS says (core.limits): in the
# database, or in Redis (the default when the cache is Redis).
GOVHALL_REDIS_URL = env("GOVHALL_REDIS_URL")
_cache = env("GOVHALL_CACHE")
if _cache == "db":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "govhall_cache"}}
elif _cache == "redis":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": GOVHALL_REDIS_URL,
            "KEY_PREFIX": "govhall",
            # bounded waits: an unreachable Redis fails a request in seconds, not a hung worker
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
elif _cache:
    raise ImproperlyConfigured(f"GOVHALL_CACHE must be empty, db or redis, not {_cache!r}")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
GOVHALL_LIMITS = env("GOVHALL_LIMITS") or ("redis" if _cache == "redis" else "db")
if GOVHALL_LIMITS not in {"db", "redis"}:
    raise ImproperlyConfigured(f"GOVHALL_LIMITS must be empty, db or redis, not {GOVHALL_LIMITS!r}")

# Background work (notifications, deadline sweeps) through the Django tasks API.
# "db": django-tasks-db, run `manage.py db_worker`; "immediate": run in-process at
# enqueue time (tests, single-process demos). Any other value is a backend path.
_TASKS_BACKENDS = {
    "db": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS = {"default": {"BACKEND": _TASKS_BACKENDS.get(env("GOVHALL_TASKS"), env("GOVHALL_TASKS"))}}
if env("GOVHALL_TASKS") == "rq":
    # django-tasks-rq: the queue lives in Redis; `manage.py rqworker default --with-scheduler`
    # runs it on any node (the scheduler moves deferred tasks in when due).
    TASKS["default"]["BACKEND"] = "django_tasks_rq.RQBackend"
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": env("GOVHALL_TASKS_REDIS_URL") or GOVHALL_REDIS_URL, "DEFAULT_TIMEOUT": 600}}
    RQ_SHOW_ADMIN_LINK = False
    # the worker runs django-tasks' jobs (a plain rq Job would call the Task object and fail)
    RQ = {"JOB_CLASS": "django_tasks_rq.backend.Job"}

# /metrics (core/metrics.py): a Prometheus scraper with this bearer token, or from these
# addresses (the connecting one).
GOVHALL_METRICS_TOKEN = env("GOVHALL_METRICS_TOKEN")
GOVHALL_METRICS_ALLOW = env_list("GOVHALL_METRICS_ALLOW")

GOVHALL_DEMO_PASSWORD = env("GOVHALL_DEMO_PASSWORD")
GOVHALL_PDF_FONT = env("GOVHALL_PDF_FONT")
GOVHALL_SMS_BACKEND = env("GOVHALL_SMS_BACKEND")
GOVHALL_SMS_URL = env("GOVHALL_SMS_URL")
GOVHALL_SMS_KEY = env("GOVHALL_SMS_KEY")
GOVHALL_SMS_SIGN = env("GOVHALL_SMS_SIGN")
GOVHALL_UPLOAD_MAX_MB = int(env("GOVHALL_UPLOAD_MAX_MB"))
GOVHALL_TOKEN_TTL_HOURS = int(env("GOVHALL_TOKEN_TTL_HOURS"))
GOVHALL_STATS_CACHE_SECONDS = int(env("GOVHALL_STATS_CACHE_SECONDS"))
GOVHALL_IDENTITY_BACKEND = env("GOVHALL_IDENTITY_BACKEND")
GOVHALL_IDENTITY_URL = env("GOVHALL_IDENTITY_URL")
GOVHALL_IDENTITY_KEY = env("GOVHALL_IDENTITY_KEY")
GOVHALL_ENTERPRISE_BACKEND = env("GOVHALL_ENTERPRISE_BACKEND")
GOVHALL_ENTERPRISE_URL = env("GOVHALL_ENTERPRISE_URL")
GOVHALL_ENTERPRISE_KEY = env("GOVHALL_ENTERPRISE_KEY")
GOVHALL_DELIVERY_PROVIDERS = env_list("GOVHALL_DELIVERY_PROVIDERS")
GOVHALL_EMS_URL = env("GOVHALL_EMS_URL")
GOVHALL_EMS_KEY = env("GOVHALL_EMS_KEY")
GOVHALL_EMS_TRACK_URL = env("GOVHALL_EMS_TRACK_URL")
GOVHALL_EMS_CANCEL_URL = env("GOVHALL_EMS_CANCEL_URL")
# The service-point finder (govhall.stations, docs/stations.md): address search and the map.
GOVHALL_GEOCODER = env("GOVHALL_GEOCODER")
GOVHALL_GEOCODER_URL = env("GOVHALL_GEOCODER_URL")
GOVHALL_GEOCODER_KEY = env("GOVHALL_GEOCODER_KEY")
GOVHALL_GAZETTEER = env("GOVHALL_GAZETTEER")
GOVHALL_MAP_PROVIDER = env("GOVHALL_MAP_PROVIDER")
GOVHALL_MAP_TILE_URL = env("GOVHALL_MAP_TILE_URL")
GOVHALL_MAP_ATTRIBUTION = env("GOVHALL_MAP_ATTRIBUTION")
# 24-hour lockers (govhall.lockers, docs/lockers.md): codes, lockout, the locker network.
GOVHALL_LOCKER_KEY = env("GOVHALL_LOCKER_KEY")
GOVHALL_LOCKER_CODE_DIGITS = int(env("GOVHALL_LOCKER_CODE_DIGITS"))
GOVHALL_LOCKER_CODE_HOURS = int(env("GOVHALL_LOCKER_CODE_HOURS"))

# 好差评 (evaluations/config.py), 审前服务, 预约, 取号叫号: each app reads its own
GOVHALL_EVALUATION_REPORTER = env("GOVHALL_EVALUATION_REPORTER")
GOVHALL_EVALUATION_REPORT_FILE = env("GOVHALL_EVALUATION_REPORT_FILE")
GOVHALL_EVALUATION_REPORT_URL = env("GOVHALL_EVALUATION_REPORT_URL")
GOVHALL_EVALUATION_REPORT_KEY = env("GOVHALL_EVALUATION_REPORT_KEY")
GOVHALL_EVALUATION_CALLBACK_DAYS = int(env("GOVHALL_EVALUATION_CALLBACK_DAYS"))
GOVHALL_EVALUATION_RECTIFICATION_DAYS = int(env("GOVHALL_EVALUATION_RECTIFICATION_DAYS"))
GOVHALL_EVALUATION_FOLLOW_UP_DAYS = int(env("GOVHALL_EVALUATION_FOLLOW_UP_DAYS"))
GOVHALL_EVALUATION_WINDOW_DAYS = int(env("GOVHALL_EVALUATION_WINDOW_DAYS"))
GOVHALL_EVALUATION_SCREEN_MINUTES = int(env("GOVHALL_EVALUATION_SCREEN_MINUTES"))
GOVHALL_EVALUATION_CALLBACK_ATTEMPTS = int(env("GOVHALL_EVALUATION_CALLBACK_ATTEMPTS"))
GOVHALL_PRECHECK_REPLY_WORKDAYS = int(env("GOVHALL_PRECHECK_REPLY_WORKDAYS"))
GOVHALL_APPOINTMENT_NO_SHOW_LIMIT = int(env("GOVHALL_APPOINTMENT_NO_SHOW_LIMIT"))
GOVHALL_APPOINTMENT_NO_SHOW_WINDOW_DAYS = int(env("GOVHALL_APPOINTMENT_NO_SHOW_WINDOW_DAYS"))
GOVHALL_APPOINTMENT_NO_SHOW_BLOCK_DAYS = int(env("GOVHALL_APPOINTMENT_NO_SHOW_BLOCK_DAYS"))
GOVHALL_QUEUE_MAX_CALLS = int(env("GOVHALL_QUEUE_MAX_CALLS"))
GOVHALL_QUEUE_REMIND_AHEAD = int(env("GOVHALL_QUEUE_REMIND_AHEAD"))
GOVHALL_QUEUE_ELDERLY_AGE = int(env("GOVHALL_QUEUE_ELDERLY_AGE"))
GOVHALL_LOCKER_CABINET_LOCKOUT = env("GOVHALL_LOCKER_CABINET_LOCKOUT")
GOVHALL_LOCKER_SOURCE_LOCKOUT = env("GOVHALL_LOCKER_SOURCE_LOCKOUT")
GOVHALL_LOCKER_NETWORK_URL = env("GOVHALL_LOCKER_NETWORK_URL")
GOVHALL_LOCKER_NETWORK_KEY = env("GOVHALL_LOCKER_NETWORK_KEY")
GOVHALL_LOCKER_NETWORK_CALLBACK_KEY = env("GOVHALL_LOCKER_NETWORK_CALLBACK_KEY")

# Staff two-factor sign-in (accounts/twofactor.py, docs/security.md). Wrong codes are
# counted by accounts.twofactor through core.limits (one count over codes and recovery
# codes), so django-otp's own per-device back-off is off: it would count a recovery code
# tried against the authenticator as the authenticator's failure.
GOVHALL_STAFF_2FA = env_bool("GOVHALL_STAFF_2FA")
OTP_TOTP_ISSUER = env("GOVHALL_OTP_ISSUER")
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# Security audit log (govhall.audit): kept at least six months (audit/checks.py).
GOVHALL_AUDIT_RETENTION_DAYS = int(env("GOVHALL_AUDIT_RETENTION_DAYS"))

# Security: strict defaults whenever DEBUG is off (manage.py check --deploy is clean).
SESSION_COOKIE_HTTPONLY = True
# Idle timeout: the session expires this long after its last save, and
# core.middleware.session_idle_timeout saves it at most once a minute while in use.
SESSION_COOKIE_AGE = int(env("GOVHALL_SESSION_IDLE_MINUTES")) * 60
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT")
    # a load balancer's health checks and the scraper talk plain HTTP to each node
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env_bool("SECURE_PROXY_SSL_HEADER"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

NINJA_PAGINATION_PER_PAGE = 20
# Whom rate limits and the login lock count (govhall.core.http.client_address); without
# it django-ninja would trust the whole X-Forwarded-For header, which any client can set.
NINJA_NUM_PROXIES = int(env("GOVHALL_PROXIES"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_personal_data": {"()": "govhall.core.masking.MaskingFilter"},
        # 4xx lines sampled (core/logfilters.py): a guessing attack cannot flood the log
        "sample_client_errors": {"()": "govhall.core.logfilters.ClientErrorSampler"},
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_personal_data"]}
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "govhall": {"handlers": ["console"], "level": env("LOG_LEVEL"), "propagate": False},
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {
            "handlers": ["console"],
            "level": "INFO",
            "propagate": False,
            "filters": ["sample_client_errors"],
        },
    },
}
