import pytest

from ops import checks


@pytest.mark.django_db
def test_healthz_answers_without_a_known_host_or_https(client, settings):
    settings.ALLOWED_HOSTS = ["certify.example"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.0.0.7")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_database_cache_broker_and_signing_key(client, settings, tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    key.write_text("k")
    cert.write_text("c")
    settings.CERT_SIGNING_KEY_PATH, settings.CERT_SIGNING_CERT_PATH = key, cert
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "ok", "signing_key": "ok"}


@pytest.mark.django_db
def test_readyz_is_unavailable_without_the_signing_key(client, settings, tmp_path):
    settings.CERT_SIGNING_KEY_PATH = tmp_path / "missing.pem"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["signing_key"] == "failed"


@pytest.mark.django_db
def test_live_mode_readiness_includes_the_model_api(settings, model_simulator):
    settings.PLATFORM_TEST_MODE = False
    assert checks.readiness()["model_api"] == "ok"
    settings.XAI_BASE_URL = "http://127.0.0.1:9/v1"  # nothing listens on the discard port
    assert checks.readiness()["model_api"] == "failed"
