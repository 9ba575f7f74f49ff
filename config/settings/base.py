"""Settings shared by every environment, read from the environment.

Defaults are the embedded development setup that `make run` uses: SQLite, a
file-system Celery broker, e-mail to the console and to files, all under `var/`.
`DATABASE_URL` and `REDIS_URL` switch to PostgreSQL and Redis.
"""

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
# The embedded database, mail with sign-in links and development keys live here: owner only.
VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
if VAR_DIR.stat().st_uid == os.getuid():
    VAR_DIR.chmod(0o700)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
# Only the development default: production.py refuses to start without SECRET_KEY, or with this one.
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-change-me"
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "config.admin.MfaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "courses",
    "assessments",
    "certificates",
    "instructor",
    "sharing",
    "playground",
]

MIDDLEWARE = [
    "config.middleware.MalformedRequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.RestoredLanguageCookieMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.csp.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.RequireMfaForPrivilegedRolesMiddleware",
]

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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "config.context_processors.platform",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Made 0600 before SQLite opens it: SQLite gives its -wal and -shm files the same mode.
    _sqlite_file = Path(DATABASES["default"]["NAME"])
    if _sqlite_file.parent.is_dir() and not _sqlite_file.exists():
        os.close(os.open(_sqlite_file, os.O_WRONLY | os.O_CREAT, 0o600))
    elif _sqlite_file.is_file() and _sqlite_file.stat().st_uid == os.getuid():
        _sqlite_file.chmod(0o600)
    # WAL and a busy timeout let the web server and the workers share one file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (allauth rate limits and quotas need one shared across processes) ----
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.SharedClientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "certify"),
        }
    }
else:
    CACHES = {
        "default": {
            # Django's file cache with add() and incr() made atomic, for the rate limits.
            "BACKEND": "config.cache.AtomicFileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Parts of the layout that depend only on the language and the kind of visitor (navigation,
# the script's words, the language menu), rendered once per process: `{% cache ... using="fragments" %}`.
# They change only with a release, which restarts the processes.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "template-fragments",
    "TIMEOUT": None,
    "OPTIONS": {"MAX_ENTRIES": 2000},
}

# --- Auth and accounts ------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's backends, loading the signed-in user with precompiled SQL (see the module).
AUTHENTICATION_BACKENDS = [
    "accounts.auth_backends.ModelBackend",
    "accounts.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_RATE_LIMITS_ENABLED = env_bool("ACCOUNT_RATE_LIMITS_ENABLED", True)
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Grok 4 Certification] "
# Links in allauth's e-mails (confirmation, password reset) use the scheme the site is served
# on: `make run` serves plain HTTP with DEBUG off, and production requires an https SITE_URL.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = urlsplit(SITE_URL).scheme
# E-mails and pages name the site from settings, never from the host a request came in on.
SITE_NAME = os.environ.get("SITE_NAME", "Grok 4 Certification")
ACCOUNT_ADAPTER = "config.account_adapter.AccountAdapter"
ACCOUNT_USER_DISPLAY = "config.emails.display_name"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Grok 4 Certification"
# TOTP keys and recovery-code seeds are stored encrypted (accounts.mfa). Production requires
# MFA_ENCRYPTION_KEY; development makes a key once in MFA_ENCRYPTION_KEY_FILE.
MFA_ADAPTER = "accounts.mfa.EncryptingMFAAdapter"
MFA_ENCRYPTION_KEY = os.environ.get("MFA_ENCRYPTION_KEY", "")
MFA_ENCRYPTION_KEY_FILE = VAR_DIR / "mfa-encryption.key"

# --- E-mail ---------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "config.mail.ConsoleAndFileEmailBackend")
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Grok 4 Certification <no-reply@certify.localhost>")
if os.environ.get("EMAIL_URL"):
    # smtp://user:password@host:port, for production relays.
    from urllib.parse import unquote, urlparse

    _smtp = urlparse(os.environ["EMAIL_URL"])
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _smtp.hostname or "localhost"
    EMAIL_PORT = _smtp.port or 587
    EMAIL_HOST_USER = unquote(_smtp.username or "")
    EMAIL_HOST_PASSWORD = unquote(_smtp.password or "")
    EMAIL_USE_TLS = _smtp.scheme in {"smtp", "submission"}

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en"
# The course's seeds exist in these three languages; each name is written in its own language
# so that a reader finds theirs in the switcher whatever the page's current language.
LANGUAGES = [("en", "English"), ("ja", "日本語"), ("ko", "한국어")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Course content (titles, summaries, lessons) is written in English whatever the interface
# language; pages mark it with this `lang` so that screen readers switch voice for it.
COURSE_CONTENT_LANGUAGE = "en"
# A visitor's language choice lasts a year in the cookie (Django's default ends with the browser
# session); a signed-in person's choice is also kept on the account and restored at sign-in.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static, media and content ------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
CONTENT_DIR = Path(os.environ.get("CONTENT_DIR", BASE_DIR / "content"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.storage.RememberingStaticFilesStorage"},
}

# --- Security baseline ----------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Error pages and reports mask credentials inside URLs (DATABASE_URL, REDIS_URL, EMAIL_URL, ...), DEBUG or not.
DEFAULT_EXCEPTION_REPORTER_FILTER = "config.exception_filter.CredentialMaskingFilter"
DEFAULT_EXCEPTION_REPORTER = "config.exception_filter.CredentialMaskingReporter"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Celery ---------------------------------------------------------------------
# Without Redis, kombu's file-system transport keeps the queue under var/ so that
# `make run` needs no server; tasks survive a restart of the worker either way.
CELERY_BROKER_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A message a worker took and never acknowledged (it died) is redelivered after this long;
    # longer than any task runs. The multi-node bench shortens it to see redelivery in seconds.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        # Broadcast exchanges (worker control) would otherwise land in the working directory.
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    # kombu's file-system transport fails, rather than creating them, on missing folders.
    for _folder in ("queue", "processed", "control"):
        (CELERY_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Apps add their periodic tasks and queue routes here.
CELERY_BEAT_SCHEDULE: dict = {}
CELERY_TASK_ROUTES: dict = {}

# --- Platform mode ------------------------------------------------------------------
XAI_BASE_URL = os.environ.get("XAI_BASE_URL", "https://api.x.ai/v1").rstrip("/")
XAI_API_KEY = os.environ.get("XAI_API_KEY", "")
MODEL_SIMULATOR_PORT = int(os.environ.get("MODEL_SIMULATOR_PORT", "8765"))
# Test mode: no API key, so demos run against the bundled model simulator and
# nothing earned counts as a real credential.
PLATFORM_TEST_MODE = not XAI_API_KEY
if PLATFORM_TEST_MODE and "XAI_BASE_URL" not in os.environ:
    XAI_BASE_URL = f"http://127.0.0.1:{MODEL_SIMULATOR_PORT}/v1"

# --- Exams ----------------------------------------------------------------------------
# Each attempt schedules its own finalization at deadline + grace; this sweep closes any
# attempt whose scheduled task was lost.
CELERY_BEAT_SCHEDULE["exam-attempt-sweep"] = {
    "task": "assessments.exams.tasks.attempt_sweep_overdue",
    "schedule": float(os.environ.get("EXAM_SWEEP_SECONDS", "60")),
}

# The model freshness check (`check_models`) runs daily against the real API only: in test
# mode there is nothing new to learn from the simulator's fixed list.
if XAI_API_KEY:
    CELERY_BEAT_SCHEDULE["model-freshness-check"] = {
        "task": "assessments.modelapi.tasks.model_freshness_check",
        "schedule": float(os.environ.get("MODEL_CHECK_SECONDS", str(24 * 60 * 60))),
    }
# --- Recertification -------------------------------------------------------------------
# Daily: e-mail holders whose certificate expires within 30 days or predates the course
# version, once per certificate and reason.
CELERY_BEAT_SCHEDULE["certificate-renewal-reminders"] = {
    "task": "certificates.tasks.certificate_renewal_reminders",
    "schedule": float(os.environ.get("RENEWAL_REMINDER_SECONDS", str(24 * 3600))),
}

# Employers' verifications are logged one row per look (certificate, channel, time) and, after
# this many days, folded daily into per-channel counts: the holder's total stays whole.
CERT_VERIFICATION_LOG_DAYS = int(os.environ.get("CERT_VERIFICATION_LOG_DAYS", "90"))
CELERY_BEAT_SCHEDULE["certificate-verification-roll-up"] = {
    "task": "certificates.tasks.verifications_roll_up",
    "schedule": float(os.environ.get("CERT_VERIFICATION_ROLL_UP_SECONDS", str(24 * 3600))),
}

# --- Model API client (assessments.modelapi) ------------------------------------------
# Timeouts, retries and prices for every call to the model API. XAI_BASE_URL and
# XAI_API_KEY are read above, under "Platform mode".
XAI_TIMEOUT_SECONDS = float(os.environ.get("XAI_TIMEOUT_SECONDS", "300"))  # reasoning models think slowly
XAI_CONNECT_TIMEOUT_SECONDS = float(os.environ.get("XAI_CONNECT_TIMEOUT_SECONDS", "10"))
# The client makes only short retries (connection errors, 429, 5xx, timeouts), a few
# seconds apart at most; longer waits belong to Celery (DEMO_RETRY_* below), which holds
# no thread while it waits.
XAI_MAX_RETRIES = int(os.environ.get("XAI_MAX_RETRIES", "2"))
XAI_BACKOFF_BASE_SECONDS = float(os.environ.get("XAI_BACKOFF_BASE_SECONDS", "0.5"))
XAI_BACKOFF_MAX_SECONDS = float(os.environ.get("XAI_BACKOFF_MAX_SECONDS", "2"))
# A Retry-After longer than this is not waited out in-line: the call fails as
# retryable and carries the wait, so a Celery task can retry later without holding a thread.
XAI_RETRY_AFTER_MAX_SECONDS = float(os.environ.get("XAI_RETRY_AFTER_MAX_SECONDS", "10"))
# USD per 1M tokens (input / cached input / output), used when a response carries no
# `usage.cost_in_usd_ticks`. Reasoning tokens are billed as output. Slugs retired on
# 15 May 2026 are served and billed as grok-4.3; names match their family's entry
# ("grok-4-fast-reasoning" takes "grok-4"). Override with a JSON object.
XAI_PRICE_TABLE = (
    json.loads(os.environ["XAI_PRICE_TABLE"])
    if os.environ.get("XAI_PRICE_TABLE")
    else {
        "grok-4.3": {"input": 1.25, "cached_input": 0.20, "output": 2.50},
        "grok-4": {"input": 1.25, "cached_input": 0.20, "output": 2.50},
        "grok-code-fast-1": {"input": 1.25, "cached_input": 0.20, "output": 2.50},
        "grok-3": {"input": 1.25, "cached_input": 0.20, "output": 2.50},
        "grok-3-mini": {"input": 0.30, "cached_input": 0.075, "output": 0.50},
        "grok-2-vision-1212": {"input": 2.00, "cached_input": 2.00, "output": 10.00},
        "grok-4.20": {"input": 2.00, "cached_input": 0.20, "output": 6.00},
        "grok-4.5": {"input": 2.00, "cached_input": 0.50, "output": 6.00},
        "grok-4.6": {"input": 2.00, "cached_input": 0.50, "output": 6.00},
        "grok-4.7": {"input": 2.00, "cached_input": 0.50, "output": 6.00},
    }
)
# Server-side tools (web_search, x_search, code execution), USD per 1,000 calls.
XAI_SERVER_TOOL_PRICE_PER_1K = float(os.environ.get("XAI_SERVER_TOOL_PRICE_PER_1K", "5.0"))
# The judge's model is pinned: a model change is a re-grade decision, not a silent drift.
JUDGE_MODEL = os.environ.get("JUDGE_MODEL", "grok-4.3")
# Judge calibration (assessments.demos.calibration): a staged judge configuration goes live
# only when its Cohen's kappa against the instructors' labels reaches this on every task
# (0.6: "substantial" agreement) and it passes no example labelled as an attack.
CALIBRATION_MIN_KAPPA = float(os.environ.get("CALIBRATION_MIN_KAPPA", "0.6"))

# --- Hands-on demos (assessments.demos) -------------------------------------------------
# Model calls wait on the network, so they run on their own queue, consumed by a
# thread-pool worker (`celery -A config worker -Q model_calls -P threads -c 100`);
# CPU work (PDFs) stays on the prefork `default` queue.
CELERY_TASK_ROUTES.update(
    {
        "assessments.demos.tasks.demo_run_and_grade": {"queue": "model_calls"},
        "assessments.demos.tasks.demo_regrade": {"queue": "model_calls"},
        "assessments.demos.calibration.tasks.calibration_run": {"queue": "model_calls"},
    }
)
# Platform-wide limits on model calls, shared through Redis when REDIS_URL is set.
DEMO_MAX_CONCURRENT_CALLS = int(os.environ.get("DEMO_MAX_CONCURRENT_CALLS", "100"))
DEMO_CALLS_PER_SECOND = float(os.environ.get("DEMO_CALLS_PER_SECOND", "50"))  # 0 turns the rate limit off
DEMO_LIMIT_WAIT_SECONDS = float(os.environ.get("DEMO_LIMIT_WAIT_SECONDS", "5"))
# A slot held longer than this (a worker that died mid-call) is freed on its own.
DEMO_CALL_SLOT_TTL_SECONDS = float(os.environ.get("DEMO_CALL_SLOT_TTL_SECONDS", "900"))
# An execution holds a submission (its lease) from one model step to the next. The lease
# lasts the worst case of one step (a wait for a call slot, then every attempt of the
# client timing out, with its pauses) plus this margin, so a redelivered task never takes
# over a live run; `services.run_lease_seconds()` computes it from the settings above.
DEMO_RUN_LEASE_MARGIN_SECONDS = float(os.environ.get("DEMO_RUN_LEASE_MARGIN_SECONDS", "60"))
# Celery's retries after the client gave up: exponential backoff with jitter, the same for
# runs and re-grades. A model step that keeps failing costs at most
# (XAI_MAX_RETRIES + 1) x (DEMO_MAX_RETRIES + 1) requests: 3 x 4 = 12 with the defaults.
DEMO_MAX_RETRIES = int(os.environ.get("DEMO_MAX_RETRIES", "3"))
DEMO_RETRY_BACKOFF_SECONDS = float(os.environ.get("DEMO_RETRY_BACKOFF_SECONDS", "10"))
DEMO_RETRY_BACKOFF_MAX_SECONDS = float(os.environ.get("DEMO_RETRY_BACKOFF_MAX_SECONDS", "300"))
# A beat sweep re-queues running submissions whose lease expired (a killed worker, a
# lost message) this long ago, and again only if no worker claimed it within this grace;
# each keeps its stored steps, so no step is paid for twice.
DEMO_LEASE_SWEEP_SECONDS = float(os.environ.get("DEMO_LEASE_SWEEP_SECONDS", "60"))
DEMO_LEASE_SWEEP_GRACE_SECONDS = float(os.environ.get("DEMO_LEASE_SWEEP_GRACE_SECONDS", "60"))
CELERY_BEAT_SCHEDULE["demo-lease-sweep"] = {
    "task": "assessments.demos.tasks.demo_sweep_expired_leases",
    "schedule": DEMO_LEASE_SWEEP_SECONDS,
}
# Model calls a function-calling run may make (tool calls answered, then the final answer).
DEMO_MAX_TOOL_STEPS = int(os.environ.get("DEMO_MAX_TOOL_STEPS", "4"))

# --- Certificates ---------------------------------------------------------------------
# The signing key, its certificate and the root(s) that verification trusts. Development
# defaults live under var/signing/ (`manage.py create_signing_key --if-missing`);
# production.py refuses to start unless all three paths come from the environment.
CERT_SIGNING_DIR = VAR_DIR / "signing"
CERT_SIGNING_KEY_PATH = Path(os.environ.get("CERT_SIGNING_KEY_PATH", CERT_SIGNING_DIR / "signing-key.pem"))
CERT_SIGNING_CERT_PATH = Path(os.environ.get("CERT_SIGNING_CERT_PATH", CERT_SIGNING_DIR / "signing-cert.pem"))
CERT_ROOT_CERT_PATH = Path(os.environ.get("CERT_ROOT_CERT_PATH", CERT_SIGNING_DIR / "root-cert.pem"))
CERT_SIGNING_KEY_PASSPHRASE = os.environ.get("CERT_SIGNING_KEY_PASSPHRASE", "")
CERT_ISSUER_NAME = os.environ.get("CERT_ISSUER_NAME", "Grok 4 Certification")
# Uploaded PDFs are read in memory, checked and discarded; ours are about 30-80 KB.
CERT_UPLOAD_MAX_BYTES = int(os.environ.get("CERT_UPLOAD_MAX_BYTES", str(5 * 1024 * 1024)))
# Public verification API: requests per IP per window (seconds), counted in the cache.
CERT_API_RATE_LIMIT = int(os.environ.get("CERT_API_RATE_LIMIT", "60"))
CERT_API_RATE_WINDOW = int(os.environ.get("CERT_API_RATE_WINDOW", "60"))
# How many proxies of ours add to X-Forwarded-For in front of the app: 0 (the default) reads
# the client address from the connection only, since anyone can send the header; n reads the
# n-th address from its right end, the one our outermost proxy saw. allauth's own rate limits
# (login, sign-up) use the same number.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# Bulk verification (up to 100 ids or 20 PDFs per request): requests per IP per window.
CERT_BULK_RATE_LIMIT = int(os.environ.get("CERT_BULK_RATE_LIMIT", "10"))
CERT_BULK_RATE_WINDOW = int(os.environ.get("CERT_BULK_RATE_WINDOW", "60"))
CERT_BULK_MAX_IDS = 100
CERT_BULK_MAX_FILES = 20
# Celery limits for rendering and signing one certificate (normally well under a second).
CERT_TASK_SOFT_TIME_LIMIT = 60
CERT_TASK_TIME_LIMIT = 90
# RFC 3161 timestamp authority for PAdES B-LTA. Empty: the development TSA under the dev
# root signs in-process (var/signing/tsa-*.pem); `make run` serves the same TSA over HTTP.
CERT_TSA_URL = os.environ.get("CERT_TSA_URL", "")
# The root's revocation list (DER) embedded in each PDF; default var/signing/root.crl.
CERT_CRL_PATH = os.environ.get("CERT_CRL_PATH", "")
# `refresh_timestamps` adds a document timestamp when the newest one's TSA certificate
# expires within this many days.
CERT_TIMESTAMP_RENEW_DAYS = int(os.environ.get("CERT_TIMESTAMP_RENEW_DAYS", "365"))
CELERY_TASK_ROUTES["certificates.tasks.*"] = {"queue": "default"}

# --- Operations: health probes, metrics, structured logs (ops) --------------------------------
# /healthz and /readyz for load balancers and /metrics for Prometheus are answered first, before
# host checks and HTTPS redirects; every other request gets an id, one JSON log line and counts.
INSTALLED_APPS += ["ops"]
MIDDLEWARE = ["ops.middleware.OperationsEndpointsMiddleware", "ops.middleware.RequestLogMiddleware", *MIDDLEWARE]
# /metrics answers direct calls from these networks, or anyone with METRICS_TOKEN as a bearer token.
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# LOG_FORMAT=plain for human-readable lines instead of JSON.
from ops.logs import logging_config  # noqa: E402

LOGGING = logging_config(
    level=os.environ.get("LOG_LEVEL", "INFO"), json_logs=os.environ.get("LOG_FORMAT", "json") != "plain"
)

# Sessions are read from the cache (Redis in production) and written through to the database,
# so a signed-in request costs no session query and a cache flush logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Serving over plain HTTP with DEBUG off ------------------------------------------------------
# `make run` serves production settings on loopback without TLS; SECURE_COOKIES=false (with
# SECURE_SSL_REDIRECT=false) lets its cookies work there. Never set it behind a public host.
if not DEBUG and not env_bool("SECURE_COOKIES", True):
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
    SECURE_HSTS_SECONDS = 0

# --- Lesson playground ("Try it" boxes): ungraded runs with a small hourly quota ----------
PLAYGROUND_RUNS_PER_HOUR = int(os.environ.get("PLAYGROUND_RUNS_PER_HOUR", "10"))
PLAYGROUND_PROMPT_MAX_CHARS = int(os.environ.get("PLAYGROUND_PROMPT_MAX_CHARS", "4000"))
PLAYGROUND_MAX_OUTPUT_TOKENS = int(os.environ.get("PLAYGROUND_MAX_OUTPUT_TOKENS", "600"))
PLAYGROUND_MODEL = os.environ.get("PLAYGROUND_MODEL", "grok-4.3")
# Finished runs (the learner's prompt and the model's answer) are deleted after this many days, daily.
PLAYGROUND_RUN_RETENTION_DAYS = int(os.environ.get("PLAYGROUND_RUN_RETENTION_DAYS", "30"))
CELERY_BEAT_SCHEDULE["playground-run-pruning"] = {
    "task": "playground.tasks.playground_runs_prune",
    "schedule": float(os.environ.get("PLAYGROUND_PRUNE_SECONDS", str(24 * 3600))),
}
CELERY_TASK_ROUTES["playground.tasks.*"] = {"queue": "model_calls"}
CELERY_TASK_ROUTES["playground.tasks.playground_runs_prune"] = {"queue": "default"}  # no model call
