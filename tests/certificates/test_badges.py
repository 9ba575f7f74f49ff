import base64

import pytest
from django.utils import timezone
from joserfc import jws, jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from certificates import issuer, services
from tests.certificates.factories import CertificateFactory

pytestmark = pytest.mark.django_db


def jwks_of(client) -> KeySet:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    return KeySet.import_key_set(response.json())


def test_badge_jwt_verifies_with_the_published_jwks(client, issue):
    certificate = issue()
    response = client.get(f"/credentials/{certificate.display_id}.jwt")
    assert response["Content-Type"] == "application/vc+jwt"
    token = response.content.decode()
    header = jws.extract_compact(token.encode()).headers()
    assert header["alg"] == "ES256" and header["kid"] == certificate.signing_key.kid and header["typ"] == "vc+jwt"
    verified = jwt.decode(token, jwks_of(client), algorithms=["ES256"])
    claims = verified.claims
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["jti"] == claims["id"] == f"http://127.0.0.1:8000/credentials/{certificate.display_id}.json"
    assert claims["nbf"] == int(certificate.issued_at.timestamp())
    assert claims["exp"] == int(certificate.expires_at.timestamp())


def test_a_tampered_badge_fails_verification(client, issue):
    certificate = issue()
    header, payload, signature = certificate.badge_jwt.split(".")
    forged_payload = jws.extract_compact(certificate.badge_jwt.encode()).payload.replace(
        certificate.holder_name.encode(), b"Mallory"
    )
    forged = ".".join([header, base64.urlsafe_b64encode(forged_payload).rstrip(b"=").decode(), signature])
    with pytest.raises(BadSignatureError):
        jwt.decode(forged, jwks_of(client), algorithms=["ES256"])


def test_badge_json_holds_an_open_badges_3_credential(client, issue):
    certificate = issue()
    response = client.get(f"/credentials/{certificate.display_id}.json")
    assert response["Content-Type"] == "application/json"
    data = response.json()
    credential = data["credential"]
    assert credential["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert credential["@context"][1].startswith("https://purl.imsglobal.org/spec/ob/v3p0/context")
    assert credential["issuer"]["name"] == "Grok 4 Certification"
    assert credential["validFrom"] == certificate.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert credential["validUntil"] == certificate.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["name"] == certificate.course_title
    assert "certification exam" in achievement["criteria"]["narrative"]
    assert "2 model-graded hands-on prompt demos" in achievement["criteria"]["narrative"]
    assert credential["credentialStatus"]["id"].endswith(f"/api/v1/credentials/{certificate.display_id}")
    assert credential["credentialSubject"]["identifier"][0]["identityHash"] == certificate.holder_name
    assert certificate.learner.email not in response.content.decode()
    assert data["proof_jwt"] == certificate.badge_jwt
    assert jwt.decode(data["proof_jwt"], jwks_of(client)).claims["credentialSubject"] == credential["credentialSubject"]


def test_a_credential_not_yet_signed_is_not_served(client, db):
    certificate = CertificateFactory()
    assert client.get(f"/credentials/{certificate.display_id}.json").status_code == 404


def test_jwks_lists_every_key_so_badges_from_before_a_rotation_verify(client, isolated_issuer):
    before = services.certificate_render_and_sign(certificate_id=CertificateFactory().pk)
    issuer.development_signing_key_rotate(isolated_issuer, now=timezone.now())
    after = services.certificate_render_and_sign(certificate_id=CertificateFactory().pk)
    keys = client.get("/.well-known/jwks.json").json()["keys"]
    assert {key["kid"] for key in keys} == {before.signing_key.kid, after.signing_key.kid}
    assert all(set(key) >= {"kty", "crv", "x", "y", "kid", "alg", "use"} and "d" not in key for key in keys)
    for certificate in (before, after):
        assert (
            jwt.decode(certificate.badge_jwt, jwks_of(client)).claims["jti"].endswith(f"{certificate.display_id}.json")
        )
