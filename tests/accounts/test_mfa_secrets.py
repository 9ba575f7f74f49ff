"""Second-factor secrets are stored encrypted; the files under var/ are the owner's only."""

import importlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from cryptography.fernet import Fernet
from django.apps import apps as django_apps
from django.core.exceptions import ImproperlyConfigured

from accounts.mfa import CIPHERTEXT_PREFIX

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
migration = importlib.import_module("accounts.migrations.0003_encrypt_mfa_secrets")


def _current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def test_a_totp_secret_is_stored_encrypted_and_still_verifies_codes(learner):
    secret = generate_totp_secret()
    TOTP.activate(learner, secret)
    stored = Authenticator.objects.get(user=learner, type=Authenticator.Type.TOTP)
    assert secret not in json.dumps(stored.data)
    assert stored.data["secret"].startswith(CIPHERTEXT_PREFIX)
    assert TOTP(stored).validate_code(_current_code(secret))
    assert not TOTP(stored).validate_code("000000" if _current_code(secret) != "000000" else "111111")


def test_recovery_codes_are_generated_from_an_encrypted_seed(learner):
    codes = RecoveryCodes.activate(learner).get_unused_codes()
    stored = Authenticator.objects.get(user=learner, type=Authenticator.Type.RECOVERY_CODES)
    assert stored.data["seed"].startswith(CIPHERTEXT_PREFIX)
    assert RecoveryCodes(stored).validate_code(codes[0])
    assert not RecoveryCodes(stored).validate_code("not-a-code")


def test_the_migration_encrypts_existing_secrets_once_and_reverses(learner):
    secret = generate_totp_secret()
    totp = Authenticator.objects.create(user=learner, type=Authenticator.Type.TOTP, data={"secret": secret})
    recovery = Authenticator.objects.create(
        user=learner,
        type=Authenticator.Type.RECOVERY_CODES,
        data={"seed": "ab" * 40, "used_mask": 0, "migrated_codes": ["12345678", "87654321"]},
    )
    migration.encrypt_secrets(django_apps, None)
    totp.refresh_from_db()
    recovery.refresh_from_db()
    assert secret not in json.dumps(totp.data) and "ab" * 40 not in json.dumps(recovery.data)
    assert "12345678" not in json.dumps(recovery.data)
    assert TOTP(totp).validate_code(_current_code(secret))
    assert RecoveryCodes(recovery).get_unused_codes() == ["12345678", "87654321"]

    encrypted_once = totp.data
    migration.encrypt_secrets(django_apps, None)
    totp.refresh_from_db()
    assert totp.data == encrypted_once  # a second run changes nothing

    migration.decrypt_secrets(django_apps, None)
    totp.refresh_from_db()
    recovery.refresh_from_db()
    assert totp.data == {"secret": secret} and recovery.data["seed"] == "ab" * 40


def test_a_rotated_key_still_decrypts_old_secrets(learner, settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.MFA_ENCRYPTION_KEY = old_key
    secret = generate_totp_secret()
    TOTP.activate(learner, secret)
    stored = Authenticator.objects.get(user=learner, type=Authenticator.Type.TOTP)
    settings.MFA_ENCRYPTION_KEY = f"{new_key},{old_key}"
    assert TOTP(stored).validate_code(_current_code(secret))
    settings.MFA_ENCRYPTION_KEY = new_key
    with pytest.raises(ImproperlyConfigured, match="does not decrypt with MFA_ENCRYPTION_KEY"):
        TOTP(stored).validate_code(_current_code(secret))


def _mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


def test_var_files_are_the_owners_only(tmp_path):
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    var.chmod(0o755)
    code = """
import os
import django
django.setup()
from django.core.mail import send_mail
from django.db import connection
from accounts.mfa import mfa_secret_encrypt
mfa_secret_encrypt("a secret")
send_mail("Confirm", "https://example.com/confirm/abc/", "from@example.com", ["to@example.com"])
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE written (x integer)")
    # SQLite removes the write-ahead log when the last connection closes: read its mode now.
    print(oct(os.stat(connection.settings_dict["NAME"] + "-wal").st_mode & 0o777))
"""
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings.base", "VAR_DIR": str(var)}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert _mode(var) == "0o700"
    assert _mode(var / "db.sqlite3") == "0o600"
    assert result.stdout.splitlines()[-1] == "0o600"  # the write-ahead log
    assert _mode(var / "mfa-encryption.key") == "0o600"
    assert _mode(var / "mail") == "0o700"
    mail_files = list((var / "mail").iterdir())
    assert mail_files and all(_mode(path) == "0o600" for path in mail_files)
