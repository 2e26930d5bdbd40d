"""Settings shared by every environment; the environment supplies the rest.

Variables (django-environ): DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS,
EMAIL_URL, DEFAULT_FROM_EMAIL, MEDIA_ROOT, STATIC_ROOT, ATTACHMENT_MAX_BYTES; for object storage
AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_S3_REGION_NAME, AWS_S3_ADDRESSING_STYLE, AWS_LOCATION (see ``file_storage``).
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "csp",
    "health_check",
    "omstilling",
    "applications",
    "projects",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "omstilling.middleware.PreferredLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "omstilling.urls"
WSGI_APPLICATION = "omstilling.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "omstilling.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, with the e-mail address compared without regard to case.
    "omstilling.auth.EmailBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The portal's own log-in; the admin keeps its own.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "my_applications"
LOGOUT_REDIRECT_URL = "front_page"

# Brute-force protection: lock the username/IP pair after five failures for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Django's log-in forms (admin and portal) call the e-mail field "username"; axes would otherwise look
# for "email" (the USERNAME_FIELD), find nothing and lock by IP address alone.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "omstilling.auth.axes_username"
# The client's address for the lock-out (omstilling.client_ip): how many reverse proxies, each appending
# to X-Forwarded-For, stand in front of the web server. 0 (no proxy) trusts no header: the socket address
# counts. Set it to the real number (docker-compose.yml: 1, for Caddy) or a client could forge its address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "omstilling.client_ip.client_ip"

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norsk bokmål")), ("en", _("Engelsk"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# Files browsers ask for at the site's root (/favicon.ico), served by WhiteNoise.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
# Uploaded files are private: there is no MEDIA_URL route; a permission-checked view serves them.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))


def file_storage(
    bucket="", *, endpoint_url="", access_key="", secret_key="", region="", addressing_style="", location=""
):
    """Where uploads, letters and report files are kept: ``STORAGES["default"]``.

    Without a bucket, MEDIA_ROOT on the local disk (one machine). With one, an S3-compatible object
    store through django-storages, so that every web and worker host reads and writes the same files.
    The objects stay private (no ACL, so the bucket's own, private by default); they are read
    through the storage and streamed by the access-checked views, never linked to. A file name is
    never reused (no overwrite): two report jobs' ``arsrapport.pdf`` are two objects.
    """
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    options = {
        "bucket_name": bucket,
        "default_acl": None,
        "file_overwrite": False,
        "querystring_auth": True,
        "signature_version": "s3v4",
        "location": location,
    }
    if endpoint_url:
        options["endpoint_url"] = endpoint_url
        # MinIO, moto and most S3-compatible servers answer on one host name, not one per bucket.
        options["addressing_style"] = addressing_style or "path"
    elif addressing_style:
        options["addressing_style"] = addressing_style
    if access_key:
        options["access_key"] = access_key
        options["secret_key"] = secret_key
    if region:
        options["region_name"] = region
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": file_storage(
        env("AWS_STORAGE_BUCKET_NAME", default=""),
        endpoint_url=env("AWS_S3_ENDPOINT_URL", default=""),
        access_key=env("AWS_ACCESS_KEY_ID", default=""),
        secret_key=env("AWS_SECRET_ACCESS_KEY", default=""),
        region=env("AWS_S3_REGION_NAME", default=""),
        addressing_style=env("AWS_S3_ADDRESSING_STYLE", default=""),
        location=env("AWS_LOCATION", default=""),
    ),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Omstilling <ikke-svar@omstilling.no>")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# Celery. Without REDIS_URL (the embedded default) tasks run in-process, in the web request.
REDIS_URL = env("REDIS_URL", default="")


def cache_settings(redis_url, key_prefix="omstilling"):
    """The caches: Redis beside the broker (shared by every web process), else this process's memory.

    ``sessions`` holds the logged-in sessions (``cached_db``: read from the cache, written through
    to the database, so a restarted Redis logs nobody out). A Redis that cannot be reached within
    half a second is a cache miss (``omstilling.cache.FailSoftRedisCache``), not an error page.
    """
    if not redis_url:
        return {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
            "sessions": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sessions"},
        }
    options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    backend = "omstilling.cache.FailSoftRedisCache"
    return {
        "default": {"BACKEND": backend, "LOCATION": redis_url, "KEY_PREFIX": key_prefix, "OPTIONS": options},
        "sessions": {
            "BACKEND": backend,
            "LOCATION": redis_url,
            "KEY_PREFIX": f"{key_prefix}.sessions",
            # A cached copy lives at most ten minutes (see omstilling.cache); the database keeps the rest.
            "OPTIONS": {**options, "MAX_TIMEOUT": 10 * 60},
        },
    }


CACHES = cache_settings(REDIS_URL)
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_CACHE_ALIAS = "sessions"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = REDIS_URL or "memory://"
# The web process reads task results from the same Redis; job state of record is in the database.
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_RESULT_EXPIRES = timedelta(days=1)
# Nobody reads a task's return value: the state of record (report jobs, letters, e-mails sent) is in
# the database. Not storing results also means a request that enqueues while Redis is down is not
# held up while Celery retries the result store.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
CELERY_TASK_SOFT_TIME_LIMIT = 9 * 60
CELERY_TASK_TIME_LIMIT = 10 * 60
# Redis redelivers an unacknowledged task after the visibility timeout; it must exceed the
# hard time limit or a long task would run twice at once.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Periodic work (run `celery -A omstilling beat` beside the worker; each task is also a management
# command, so cron can do the same where there is no beat process).
# How long personal data is kept (the privacy statement at /personvern/ prints these). Decisions,
# letters, grants, payouts and the audit trail are kept as the Archives Act requires and are never
# deleted by these rules.
# - A draft never submitted is deleted this many days after its call's deadline ...
RETENTION_DRAFT_DAYS = env.int("RETENTION_DRAFT_DAYS", default=180)
# ... after an e-mail warning its creator this many days before.
RETENTION_DRAFT_WARNING_DAYS = env.int("RETENTION_DRAFT_WARNING_DAYS", default=30)
# - A rejected or withdrawn application loses its personal data (contact person, attachments, the
#   contact fields of its frozen copy) this many years after the decision or the withdrawal.
RETENTION_ANONYMISE_YEARS = env.int("RETENTION_ANONYMISE_YEARS", default=5)
# - A personal data export (the ZIP a user downloads of what is held about her) is deleted after this
#   many days.
PERSONAL_DATA_EXPORT_DAYS = env.int("PERSONAL_DATA_EXPORT_DAYS", default=7)
# - The log of log-ins and failed log-ins (django-axes: e-mail address, IP address, browser) is
#   deleted after this many days.
RETENTION_LOGIN_LOG_DAYS = env.int("RETENTION_LOGIN_LOG_DAYS", default=90)

CELERY_BEAT_SCHEDULE = {
    # Offers not accepted by their deadline lapse and their money returns to the budget.
    "grants-lapse-overdue": {
        "task": "projects.tasks.grants_lapse_overdue",
        "schedule": timedelta(hours=1),
    },
    # Grant holders are reminded of the final report deadline 60 and 14 days before it and when it
    # has passed; each reminder is recorded and sent once.
    "grants-remind-deadlines": {
        "task": "projects.tasks.grant_deadline_reminders",
        "schedule": timedelta(hours=1),
    },
    # Report jobs the database says are unfinished but no live task is building get re-enqueued.
    "report-jobs-requeue-stale": {
        "task": "reports.tasks.report_jobs_requeue_stale",
        "schedule": timedelta(minutes=5),
    },
    # Submission receipts still unsent five minutes after the submit (broker down, message lost)
    # are enqueued again; the notify task sends each one once.
    "receipts-resend-unsent": {
        "task": "applications.tasks.receipts_resend_unsent",
        "schedule": timedelta(minutes=5),
    },
    # The retention rules above: warn, delete old drafts, anonymise old rejected/withdrawn applications,
    # remove expired personal data exports. Also the `apply_retention` command (with --dry-run).
    "retention-apply": {
        "task": "projects.tasks.retention_apply",
        "schedule": timedelta(hours=24),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own default handler on "django" printed each of its lines a second time beside the
        # root's (in DEBUG: the dev server); its lines reach the root handler, once.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # The dev server's request lines, as Django formats them (configuring "django" above resets it).
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        # WeasyPrint reports every rendering step at INFO; only its warnings (e.g. refused URLs) matter.
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# De minimis (bagatellstøtte): the EEA ceiling per undertaking over three fiscal years, in euro,
# and the NOK per EUR rate (a decimal string, read with Decimal) the portal converts it with when it
# warns the case handler and the board.
DE_MINIMIS_CEILING_EUR = env.int("DE_MINIMIS_CEILING_EUR", default=300000)
DE_MINIMIS_EUR_RATE = env.str("DE_MINIMIS_EUR_RATE", default="11.75")
