from html import escape

import jsonschema
import pytest
from django.test import override_settings

from certificates import services
from certificates.credential_id import credential_id_format, credential_id_generate
from certificates.openapi import openapi_document
from tests.accounts.factories import UserFactory
from tests.certificates.factories import CertificateFactory
from tests.certificates.helpers import days_ago

pytestmark = pytest.mark.django_db


def mistype(display_id: str) -> str:
    """Changes one character of the body, keeping the check character."""
    replacement = "A" if display_id[0] != "A" else "B"
    return replacement + display_id[1:]


def test_verify_form_redirects_a_loosely_typed_id_to_its_page(client):
    certificate = CertificateFactory()
    typed = certificate.display_id.lower().replace("-", " ").replace("1", "l").replace("0", "o")
    response = client.get("/verify/", {"credential_id": typed})
    assert response.status_code == 302
    assert response["Location"] == f"/verify/{certificate.display_id}/"


def test_verify_form_explains_unknown_and_malformed_ids(client, db):
    unknown = credential_id_format(credential_id_generate())
    response = client.get("/verify/", {"credential_id": unknown})
    assert response.status_code == 400
    assert "No certificate has this id" in response.content.decode()
    response = client.get("/verify/", {"credential_id": "ABC"})
    assert "13 characters" in response.content.decode()
    assert client.get("/verify/").status_code == 200


def test_a_mistyped_id_in_the_url_asks_did_you_mistype(client):
    certificate = CertificateFactory()
    response = client.get(f"/verify/{mistype(certificate.display_id)}/")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Did you mistype the ID?" in body
    assert "check character" in body


def test_verification_page_shows_what_the_certificate_prints_and_its_hash(client, issue):
    certificate = issue(learner=UserFactory(certificate_name="王小明", email="private.person@example.com"))
    response = client.get(f"/verify/{certificate.display_id}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["status"] == "valid"
    for expected in (
        "王小明",
        certificate.course_title,
        "2026.11",
        "Structured extraction",
        "Function calling",
        certificate.pdf_sha256,
        certificate.issued_at.strftime("%-d %B %Y"),
        certificate.expires_at.strftime("%-d %B %Y"),
        "/verify/upload/",
        "sha256sum",
    ):
        assert escape(expected) in body
    assert "private.person@example.com" not in body
    assert "86%" not in body  # the exam score is the learner's, not the employer's


@pytest.mark.parametrize(
    "fields, status, text",
    [
        ({"issued_at": days_ago(800), "expires_at": days_ago(5)}, "expired", "expired on"),
        ({"test_mode": True}, "test_mode", "Issued in test mode: not a valid credential"),
        (
            {"status": "revoked", "revocation_reason": "identity_mismatch", "revoked_at": days_ago(2)},
            "revoked",
            "Reason: Identity mismatch.",
        ),
    ],
)
def test_verification_page_states_each_status(client, fields, status, text):
    certificate = CertificateFactory(**fields)
    response = client.get(f"/verify/{certificate.display_id}/")
    assert response.context["status"] == status
    assert text in response.content.decode()


def test_an_unknown_id_with_a_good_check_character_is_404(client, db):
    response = client.get(f"/verify/{credential_id_format(credential_id_generate())}/")
    assert response.status_code == 404
    assert "No certificate has this id" in response.content.decode()


def _id_ending_in(symbol: str) -> str:
    while True:
        candidate = credential_id_generate()
        if candidate.endswith(symbol):
            return candidate


@pytest.mark.parametrize("check", ["*", "~", "$", "=", "U", "7"])
def test_the_qr_code_target_is_the_verification_page_for_every_check_symbol(client, check):
    certificate = CertificateFactory(credential_id=_id_ending_in(check))
    assert certificate.verification_url.endswith(f"/verify/{certificate.display_id}/")
    path = certificate.verification_url.split("://", 1)[1].split("/", 1)[1]
    assert client.get(f"/{path}").status_code == 200


# --- API ---------------------------------------------------------------------------------------


def _schema(name):
    document = openapi_document()
    return {**document["components"]["schemas"][name], "components": document["components"]}


def test_api_returns_the_documented_shape_without_personal_data(client, issue, instructor):
    certificate = issue(learner=UserFactory(email="hidden.learner@example.com", certificate_name="José Núñez"))
    services.certificate_revoke(
        certificate_id=certificate.pk, actor=instructor, reason="issued_in_error", note="secret note"
    )
    response = client.get(f"/api/v1/credentials/{certificate.display_id.lower()}", REMOTE_ADDR="10.1.0.1")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    data = response.json()
    jsonschema.validate(data, _schema("CredentialRecord"), format_checker=jsonschema.FormatChecker())
    assert data["status"] == "revoked" and data["valid"] is False
    assert data["revocation_reason"] == "issued_in_error"
    assert data["holder_name"] == "José Núñez"
    assert data["pdf_sha256"] == certificate.pdf_sha256
    raw = response.content.decode()
    for private in ("hidden.learner@example.com", "secret note", "86.0", str(certificate.learner.pk) + ","):
        assert private not in raw


@pytest.mark.parametrize(
    "make_id, status, error",
    [
        (lambda: "nonsense", 400, "invalid_credential_id"),
        (lambda: mistype(CertificateFactory().display_id), 400, "invalid_credential_id"),
        (lambda: credential_id_format(credential_id_generate()), 404, "not_found"),
    ],
)
def test_api_errors_follow_the_document(client, db, make_id, status, error):
    response = client.get(f"/api/v1/credentials/{make_id()}", REMOTE_ADDR="10.1.0.2")
    assert response.status_code == status
    jsonschema.validate(response.json(), _schema("Error"))
    assert response.json()["error"] == error


@override_settings(CERT_API_RATE_LIMIT=3, CERT_API_RATE_WINDOW=60)
def test_api_is_rate_limited_per_ip_with_retry_after(client):
    certificate = CertificateFactory()
    url = f"/api/v1/credentials/{certificate.display_id}"
    codes = [client.get(url, REMOTE_ADDR="10.9.9.9").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get(url, REMOTE_ADDR="10.9.9.9")
    assert limited.json()["error"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert client.get(url, REMOTE_ADDR="10.9.9.10").status_code == 200  # another address is unaffected


def test_openapi_document_is_served_and_valid_openapi_31(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"] == "3.1.0"
    operation = document["paths"]["/api/v1/credentials/{credential_id}"]["get"]
    assert set(operation["responses"]) == {"200", "400", "404", "405", "429"}
    for schema in document["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)


def test_root_certificate_is_downloadable_for_pdf_readers(client, signing_issuer):
    response = client.get("/verify/root-certificate.pem")
    assert response.status_code == 200
    assert response.content.startswith(b"-----BEGIN CERTIFICATE-----")
