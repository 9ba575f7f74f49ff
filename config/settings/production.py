"""Production: no defaults for secrets; refuses to start without them."""

import os

from django.core.exceptions import ImproperlyConfigured

for required in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "XAI_API_KEY"):
    if not os.environ.get(required):
        raise ImproperlyConfigured(f"Production settings need the environment variable {required}.")
os.environ.setdefault("DJANGO_DEBUG", "false")

from .base import *  # noqa: E402,F403
from .base import PLATFORM_TEST_MODE  # noqa: E402

if DEBUG:  # noqa: F405
    raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")
if PLATFORM_TEST_MODE:
    raise ImproperlyConfigured("Production refuses test mode: set XAI_API_KEY.")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")

# Certificates are signed with the platform's key and timestamped by a real TSA; no development fallback.
for required in ("CERT_SIGNING_KEY_PATH", "CERT_SIGNING_CERT_PATH", "CERT_ROOT_CERT_PATH", "CERT_TSA_URL"):
    if not os.environ.get(required):
        raise ImproperlyConfigured(f"Production settings need the environment variable {required}.")
