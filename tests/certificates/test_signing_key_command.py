import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import CommandError, call_command

from certificates import issuer
from certificates.models import SigningKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def empty_issuer_dir(tmp_path, settings):
    settings.CERT_SIGNING_KEY_PATH = tmp_path / "signing-key.pem"
    settings.CERT_SIGNING_CERT_PATH = tmp_path / "signing-cert.pem"
    settings.CERT_ROOT_CERT_PATH = tmp_path / "root-cert.pem"
    return tmp_path


def test_create_makes_a_root_and_an_ec_p256_signing_certificate(empty_issuer_dir):
    call_command("create_signing_key")
    root = x509.load_pem_x509_certificate((empty_issuer_dir / "root-cert.pem").read_bytes())
    signing = x509.load_pem_x509_certificate((empty_issuer_dir / "signing-cert.pem").read_bytes())
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert signing.issuer == root.subject
    assert isinstance(signing.public_key(), ec.EllipticCurvePublicKey)
    assert signing.public_key().curve.name == "secp256r1"
    signing.verify_directly_issued_by(root)
    assert oct((empty_issuer_dir / "signing-key.pem").stat().st_mode & 0o777) == "0o600"
    key = SigningKey.objects.get()
    assert key.is_active and key.kid == issuer.key_id((empty_issuer_dir / "signing-cert.pem").read_text())


def test_create_makes_a_timestamp_authority_and_a_crl_under_the_root_and_adds_them_when_missing(empty_issuer_dir):
    call_command("create_signing_key")
    root = x509.load_pem_x509_certificate((empty_issuer_dir / "root-cert.pem").read_bytes())
    tsa = x509.load_pem_x509_certificate((empty_issuer_dir / "tsa-cert.pem").read_bytes())
    tsa.verify_directly_issued_by(root)
    usage = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert usage.critical and list(usage.value) == [x509.oid.ExtendedKeyUsageOID.TIME_STAMPING]
    crl = x509.load_der_x509_crl((empty_issuer_dir / "root.crl").read_bytes())
    assert crl.is_signature_valid(root.public_key()) and len(crl) == 0
    for name in ("tsa-cert.pem", "tsa-key.pem", "root.crl"):
        (empty_issuer_dir / name).unlink()
    call_command("create_signing_key", "--if-missing")  # an issuer from before timestamping
    assert issuer.development_timestamping_exists(issuer.issuer_paths())


def test_create_refuses_to_overwrite_and_if_missing_keeps_the_key(empty_issuer_dir):
    call_command("create_signing_key")
    before = (empty_issuer_dir / "signing-key.pem").read_bytes()
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_signing_key")
    call_command("create_signing_key", "--if-missing")
    assert (empty_issuer_dir / "signing-key.pem").read_bytes() == before
    assert SigningKey.objects.count() == 1


def test_rotate_registers_a_new_active_key_and_keeps_the_old_one(empty_issuer_dir):
    call_command("create_signing_key")
    old = SigningKey.objects.get()
    call_command("create_signing_key", "--rotate")
    new = SigningKey.objects.get(is_active=True)
    assert new.kid != old.kid
    old.refresh_from_db()
    assert not old.is_active
    assert (empty_issuer_dir / "retired" / f"{old.kid}-cert.pem").exists()


def test_the_signing_key_is_loaded_once_per_process_and_again_after_a_rotation(empty_issuer_dir):
    call_command("create_signing_key")
    loaded = issuer.signer_load()
    assert issuer.signer_load() is loaded  # not re-read per document
    call_command("create_signing_key", "--rotate")
    rotated = issuer.signer_load()
    assert rotated is not loaded and rotated.kid != loaded.kid
    assert rotated.kid == SigningKey.objects.get(is_active=True).kid


def test_rotate_without_an_issuer_is_an_error(empty_issuer_dir):
    with pytest.raises(CommandError, match="no issuer"):
        call_command("create_signing_key", "--rotate")


def test_production_settings_refuse_to_start_without_signing_paths(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "example.com",
        "DATABASE_URL": "sqlite:///" + str(tmp_path / "db"),
        "XAI_API_KEY": "test",
        "MFA_ENCRYPTION_KEY": "cw_0x689RpI-jtRR7oE8h7Eg2d5hZzHRpMXhY7XZ-Mo=",
        "VAR_DIR": str(tmp_path),
        "SITE_URL": "https://example.com",
    }
    code = "import django; django.setup()"
    root = Path(__file__).resolve().parents[2]
    missing = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, timeout=60)
    assert missing.returncode != 0
    assert b"CERT_SIGNING_KEY_PATH" in missing.stderr
    for name in ("k.pem", "c.pem", "r.pem"):
        (tmp_path / name).write_text("placeholder")
    env.update(
        CERT_SIGNING_KEY_PATH=str(tmp_path / "k.pem"),
        CERT_SIGNING_CERT_PATH=str(tmp_path / "c.pem"),
        CERT_ROOT_CERT_PATH=str(tmp_path / "r.pem"),
    )
    no_tsa = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, timeout=60)
    assert no_tsa.returncode != 0 and b"CERT_TSA_URL" in no_tsa.stderr
    env.update(CERT_TSA_URL="https://tsa.example.com/")
    configured = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, timeout=60)
    assert configured.returncode == 0, configured.stderr.decode()
