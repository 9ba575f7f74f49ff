import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k7Qd-2vLx9_pW4mZ8sN1rT6yB3hJ5cF0gA-eU7iO2qX9wV4nM8"


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    """An environment production settings accept; each test spoils one part of it."""
    for name in ("signing-key.pem", "signing-cert.pem", "root-cert.pem"):
        (tmp_path / name).write_text("-----BEGIN PLACEHOLDER-----\n")
    return {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": STRONG_KEY,
        "ALLOWED_HOSTS": "certify.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "XAI_API_KEY": "xai-production-key",
        "MFA_ENCRYPTION_KEY": "cw_0x689RpI-jtRR7oE8h7Eg2d5hZzHRpMXhY7XZ-Mo=",
        "VAR_DIR": str(tmp_path / "var"),
        "CERT_SIGNING_KEY_PATH": str(tmp_path / "signing-key.pem"),
        "CERT_SIGNING_CERT_PATH": str(tmp_path / "signing-cert.pem"),
        "CERT_ROOT_CERT_PATH": str(tmp_path / "root-cert.pem"),
        "CERT_TSA_URL": "https://tsa.example.com/",
        "SITE_URL": "https://certify.example.com",
    }


def _start(env: dict[str, str]) -> subprocess.CompletedProcess:
    code = "import django; django.setup()"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_production_settings_start_with_a_complete_environment(production_env):
    started = _start(production_env)
    assert started.returncode == 0, started.stderr


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SECRET_KEY": "dev-only-insecure-key-change-me"}, "SECRET_KEY is the public development key"),
        ({"SECRET_KEY": "short-but-not-the-default"}, "shorter than 50 characters"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS='*' accepts any Host header"),
        ({"ALLOWED_HOSTS": "certify.example.com,*"}, "ALLOWED_HOSTS='*' accepts any Host header"),
        (
            {"CERT_SIGNING_KEY_PATH": "/nonexistent/signing-key.pem"},
            "CERT_SIGNING_KEY_PATH=/nonexistent/signing-key.pem is not a readable file",
        ),
        ({"MFA_ENCRYPTION_KEY": ""}, "Production settings need the environment variable MFA_ENCRYPTION_KEY"),
        ({"MFA_ENCRYPTION_KEY": "not-a-fernet-key"}, "MFA_ENCRYPTION_KEY must be Fernet keys"),
        ({"CERT_ROOT_CERT_PATH": "/tmp"}, "CERT_ROOT_CERT_PATH=/tmp is not a readable file"),
        ({"SITE_URL": ""}, "SITE_URL must be the site's public https:// address"),
        ({"SITE_URL": "http://127.0.0.1:8000"}, "SITE_URL must be the site's public https:// address"),
        ({"SITE_URL": "https://"}, "SITE_URL must be the site's public https:// address"),
    ],
)
def test_production_settings_refuse_unsafe_values(production_env, change, message):
    refused = _start({**production_env, **change})
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr and message in refused.stderr
