"""Second-factor secrets (TOTP keys, recovery-code seeds) are stored encrypted.

allauth passes every such secret through its MFA adapter's `encrypt()`/`decrypt()`. The
key is `MFA_ENCRYPTION_KEY`: one or more Fernet keys separated by commas, the first
encrypting and all of them decrypting, so a key can be rotated by putting the new one
first. Production requires it; in development a key is made once under VAR_DIR (0600).
"""

import functools
import os
from pathlib import Path

from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Marks a value as ours; the data migration encrypts exactly the values without it.
CIPHERTEXT_PREFIX = "fernet:"


def _development_key(path: Path) -> str:
    """The key under VAR_DIR, created 0600 on first use; concurrent first uses agree on one."""
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as draft_file:
            draft_file.write(Fernet.generate_key().decode())
        try:
            os.link(draft, path)  # fails if another process got there first; theirs is kept
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


@functools.cache
def _cipher(keys: str, key_file: str) -> MultiFernet:
    text = keys or _development_key(Path(key_file))
    try:
        return MultiFernet([Fernet(key.strip().encode()) for key in text.split(",") if key.strip()])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "MFA_ENCRYPTION_KEY must be Fernet keys (32 url-safe base64-encoded bytes), separated by commas; "
            'make one with `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.'
        ) from exc


def _current_cipher() -> MultiFernet:
    return _cipher(settings.MFA_ENCRYPTION_KEY, str(settings.MFA_ENCRYPTION_KEY_FILE))


def mfa_secret_encrypt(text: str) -> str:
    return CIPHERTEXT_PREFIX + _current_cipher().encrypt(text.encode()).decode()


def mfa_secret_decrypt(stored: str) -> str:
    if not stored.startswith(CIPHERTEXT_PREFIX):
        raise ImproperlyConfigured("An MFA secret is stored unencrypted: run `manage.py migrate`.")
    try:
        return _current_cipher().decrypt(stored[len(CIPHERTEXT_PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "An MFA secret does not decrypt with MFA_ENCRYPTION_KEY; after a rotation, keep the old key "
            "after the new one."
        ) from exc


class EncryptingMFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return mfa_secret_encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return mfa_secret_decrypt(encrypted_text)
