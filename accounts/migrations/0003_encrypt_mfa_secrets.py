"""Encrypt the TOTP keys and recovery-code seeds stored before accounts.mfa encrypted them."""

from django.db import migrations

from accounts.mfa import CIPHERTEXT_PREFIX, mfa_secret_decrypt, mfa_secret_encrypt

SECRET_FIELDS = ("secret", "seed")


def _convert(apps, convert, applies) -> None:
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.filter(type__in=["totp", "recovery_codes"]).iterator():
        data = dict(authenticator.data)
        for field in SECRET_FIELDS:
            if isinstance(data.get(field), str) and applies(data[field]):
                data[field] = convert(data[field])
        if isinstance(data.get("migrated_codes"), list):
            data["migrated_codes"] = [convert(code) if applies(code) else code for code in data["migrated_codes"]]
        if data != authenticator.data:
            authenticator.data = data
            authenticator.save(update_fields=["data"])


def encrypt_secrets(apps, schema_editor) -> None:
    _convert(apps, mfa_secret_encrypt, lambda value: not value.startswith(CIPHERTEXT_PREFIX))


def decrypt_secrets(apps, schema_editor) -> None:
    _convert(apps, mfa_secret_decrypt, lambda value: value.startswith(CIPHERTEXT_PREFIX))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_account_events"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_secrets, decrypt_secrets)]
