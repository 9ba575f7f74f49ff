"""Settings for the test suite: the same real services as base, made fast and quiet."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="certify-test-var-"))

from .base import *  # noqa: F403
from .base import CACHES, DATABASES, REDIS_URL

# Live-server threads must not hold connections open past a test, or the test
# database cannot be dropped at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_AUTOREFRESH = True
if REDIS_URL:
    # Keep test keys apart from a development server sharing the same Redis.
    CACHES["default"]["KEY_PREFIX"] = f"test-{os.getpid()}"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

# --- Demos: real concurrency in tests ----------------------------------------------------
# Tests that run a Celery worker or a live server beside the test thread need SQLite's
# busy timeout; the default in-memory test database (shared cache) reports "table is
# locked" instead of waiting, so the SQLite test database is a file under VAR_DIR.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(Path(os.environ["VAR_DIR"]) / "test-db.sqlite3")}

# --- Rate limits ---------------------------------------------------------------------------
# The whole suite calls the verification endpoints from one address within a few minutes;
# the tests of the limit set their own.
CERT_API_RATE_LIMIT = 100_000
