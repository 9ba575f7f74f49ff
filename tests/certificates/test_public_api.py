"""The public API's manners: CORS on every answer, 405 with Allow, HEAD and OPTIONS, and an
OpenAPI document that states the id pattern and every response."""

import re

import jsonschema
import pytest
from django.test import override_settings

from certificates.credential_id import credential_id_format, credential_id_generate
from certificates.openapi import openapi_document
from tests.certificates.factories import CertificateFactory

pytestmark = pytest.mark.django_db

GET_ENDPOINTS = [
    lambda c: f"/api/v1/credentials/{c.display_id}",
    lambda c: "/api/v1/openapi.json",
    lambda c: "/.well-known/jwks.json",
    lambda c: "/issuer",
    lambda c: "/credentials/status/revocation",
    lambda c: f"/credentials/{c.display_id}.json",
    lambda c: f"/credentials/{c.display_id}.jwt",
    lambda c: f"/credentials/{c.display_id}.png",
]


@pytest.fixture
def certificate(issue):
    return issue()


@pytest.mark.parametrize("endpoint", GET_ENDPOINTS)
def test_every_public_endpoint_answers_get_head_options_with_cors_and_405_otherwise(client, certificate, endpoint):
    url = endpoint(certificate)
    got = client.get(url, REMOTE_ADDR="10.2.0.1")
    assert got.status_code == 200 and got["Access-Control-Allow-Origin"] == "*"
    head = client.head(url, REMOTE_ADDR="10.2.0.1")
    assert head.status_code == 200 and head.content == b"" and head["Content-Type"] == got["Content-Type"]
    options = client.options(url, REMOTE_ADDR="10.2.0.1")
    assert options.status_code == 204 and options["Access-Control-Allow-Origin"] == "*"
    assert set(options["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    for method in (client.post, client.put, client.delete, client.patch):
        refused = method(url, REMOTE_ADDR="10.2.0.1")
        assert refused.status_code == 405
        assert refused["Allow"] == options["Allow"] and refused["Access-Control-Allow-Origin"] == "*"
        assert refused.json()["error"] == "method_not_allowed"


def test_errors_carry_cors_headers(client, db):
    for url, status in [
        ("/api/v1/credentials/nonsense", 400),
        (f"/api/v1/credentials/{credential_id_format(credential_id_generate())}", 404),
        (f"/credentials/{credential_id_format(credential_id_generate())}.json", 404),
    ]:
        response = client.get(url, REMOTE_ADDR="10.2.0.2")
        assert response.status_code == status and response["Access-Control-Allow-Origin"] == "*"
        assert response["Content-Type"] == "application/json"


@override_settings(CERT_API_RATE_LIMIT=1, CERT_API_RATE_WINDOW=60)
def test_a_429_is_readable_cross_origin(client, db):
    url = f"/api/v1/credentials/{CertificateFactory().display_id}"
    client.get(url, REMOTE_ADDR="10.2.0.3")
    limited = client.get(url, REMOTE_ADDR="10.2.0.3")
    assert limited.status_code == 429
    assert limited["Access-Control-Allow-Origin"] == "*" and "Retry-After" in limited["Access-Control-Expose-Headers"]


def test_openapi_states_the_id_pattern_and_every_response(client, certificate):
    document = openapi_document()
    path = document["paths"]["/api/v1/credentials/{credential_id}"]
    (parameter,) = path["parameters"]
    pattern = re.compile(parameter["schema"]["pattern"])
    assert pattern.match(certificate.display_id) and pattern.match(certificate.display_id.lower().replace("-", ""))
    assert not pattern.match("x")
    documented = set(path["get"]["responses"])
    observed = {
        client.get(f"/api/v1/credentials/{certificate.display_id}", REMOTE_ADDR="10.2.0.4").status_code,
        client.get("/api/v1/credentials/nonsense", REMOTE_ADDR="10.2.0.4").status_code,
        client.get(f"/api/v1/credentials/{credential_id_format(credential_id_generate())}").status_code,
        client.post(f"/api/v1/credentials/{certificate.display_id}").status_code,
    }
    assert {str(code) for code in observed} <= documented
    assert "204" in path["options"]["responses"]
    bulk = document["paths"]["/api/v1/credentials:verify"]["post"]
    assert set(bulk["responses"]) == {"200", "400", "405", "413", "429"}
    for schema in document["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)


def test_a_file_we_never_signed_says_so(client, db):
    from tests.certificates.helpers import upload

    stranger = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    stranger += b"trailer<</Root 1 0 R>>\n%%EOF\n"
    response = upload(client, stranger)
    assert response.context["result"].verdict == "not_issued"
    assert "Not a certificate signed by us" in response.content.decode()
    assert "Altered" not in response.content.decode()


def test_a_forged_upload_logs_no_traceback(client, issue, caplog):
    from tests.certificates.helpers import pdf_bytes, upload

    data = pdf_bytes(issue())
    flipped = bytearray(data)
    flipped[data.index(b"/Contents <") + 200] ^= 0x01
    caplog.set_level("DEBUG")
    for forged in (bytes(flipped), data + b"trailing", data[: len(data) // 2]):
        assert upload(client, forged).status_code == 200
    assert caplog.records
    assert not [record for record in caplog.records if record.exc_info or record.stack_info]
    assert "Traceback" not in caplog.text
