import pytest
from django.utils import timezone

from certificates import issuer, services
from certificates.models import Certificate
from tests.certificates.factories import CertificateFactory


@pytest.fixture(scope="session")
def signing_issuer():
    """The development issuer under the test run's VAR_DIR, made once per run."""
    paths = issuer.issuer_paths()
    if not issuer.development_issuer_exists(paths):
        issuer.development_issuer_create(paths, now=timezone.now())
    return paths


@pytest.fixture
def issue(db, signing_issuer):
    """A certificate row rendered and signed for real; keyword arguments go to the factory."""

    def _issue(**kwargs) -> Certificate:
        certificate = CertificateFactory(**kwargs)
        return services.certificate_render_and_sign(certificate_id=certificate.pk)

    return _issue


def issuer_created_at(tmp_path, settings, now):
    """A separate issuer directory whose certificates are valid from `now` on."""
    settings.CERT_SIGNING_KEY_PATH = tmp_path / "signing" / "signing-key.pem"
    settings.CERT_SIGNING_CERT_PATH = tmp_path / "signing" / "signing-cert.pem"
    settings.CERT_ROOT_CERT_PATH = tmp_path / "signing" / "root-cert.pem"
    paths = issuer.issuer_paths()
    issuer.development_issuer_create(paths, now=now)
    return paths


@pytest.fixture
def isolated_issuer(tmp_path, settings):
    """A separate issuer directory for tests that rotate keys, leaving the shared one alone."""
    return issuer_created_at(tmp_path, settings, timezone.now())
