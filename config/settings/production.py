"""Production: no defaults for secrets; refuses to start without them."""

import os
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

for required in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "XAI_API_KEY", "MFA_ENCRYPTION_KEY"):
    if not os.environ.get(required):
        raise ImproperlyConfigured(f"Production settings need the environment variable {required}.")
os.environ.setdefault("DJANGO_DEBUG", "false")

from .base import *  # noqa: E402,F403
from .base import ALLOWED_HOSTS, DEVELOPMENT_SECRET_KEY, PLATFORM_TEST_MODE, SECRET_KEY  # noqa: E402

if DEBUG:  # noqa: F405
    raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")
if PLATFORM_TEST_MODE:
    raise ImproperlyConfigured("Production refuses test mode: set XAI_API_KEY.")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.storage.RememberingManifestStaticFilesStorage"},
}
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")

# Certificates are signed with the platform's key and timestamped by a real TSA; no development fallback.
for required in ("CERT_SIGNING_KEY_PATH", "CERT_SIGNING_CERT_PATH", "CERT_ROOT_CERT_PATH", "CERT_TSA_URL"):
    if not os.environ.get(required):
        raise ImproperlyConfigured(f"Production settings need the environment variable {required}.")

# Set is not enough: values that start but leave the site open are refused too.
if SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SECRET_KEY is the public development key or shorter than 50 characters; set a random one, e.g. "
        '`python -c "import secrets; print(secrets.token_urlsafe(50))"`.'
    )
if "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS='*' accepts any Host header; list the site's host names instead.")
for required in ("CERT_SIGNING_KEY_PATH", "CERT_SIGNING_CERT_PATH", "CERT_ROOT_CERT_PATH"):
    if not os.access(os.environ[required], os.R_OK) or not os.path.isfile(os.environ[required]):
        raise ImproperlyConfigured(
            f"{required}={os.environ[required]} is not a readable file; create the issuer with "
            "`manage.py create_signing_key` or point the variable at the existing file."
        )
try:
    for _key in os.environ["MFA_ENCRYPTION_KEY"].split(","):
        Fernet(_key.strip().encode())
except ValueError as exc:
    raise ImproperlyConfigured(
        "MFA_ENCRYPTION_KEY must be Fernet keys separated by commas; make one with "
        '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.'
    ) from exc

# SITE_URL is signed into every certificate (its verification link and QR code) and used in
# e-mails: it must be the public https address, never the development default.
_site = urlsplit(os.environ.get("SITE_URL", ""))
if _site.scheme != "https" or not _site.hostname:
    raise ImproperlyConfigured(
        "SITE_URL must be the site's public https:// address (e.g. https://certify.example.org): "
        "it is printed in every certificate's verification link and QR code."
    )
