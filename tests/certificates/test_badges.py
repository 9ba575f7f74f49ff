import base64
import gzip
import io
import json
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.utils import timezone
from joserfc import jws, jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet
from PIL import Image

from certificates import baking, issuer, services
from certificates.models import Certificate
from tests.certificates.factories import CertificateFactory
from tests.certificates.helpers import upload

pytestmark = pytest.mark.django_db

SCHEMA = json.loads(
    (Path(__file__).resolve().parent.parent / "fixtures/openbadges/achievement_credential.schema.json").read_text()
)


def jwks_of(client) -> KeySet:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    return KeySet.import_key_set(response.json())


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify_independently(client, token: str) -> dict:
    """Resolves the header's `kid` URI to the issuer profile and checks the ES256 signature
    with `cryptography` alone (no JOSE library), as an outside verifier would."""
    header_part, payload_part, signature_part = token.split(".")
    header = json.loads(_b64decode(header_part))
    assert header["typ"] == "JWT" and header["alg"] == "ES256" and "cty" not in header
    kid_url = urlsplit(header["kid"])
    profile = client.get(kid_url.path).json()
    (method,) = [method for method in profile["verificationMethod"] if method["id"] == header["kid"]]
    jwk = method["publicKeyJwk"]
    public_key = ec.EllipticCurvePublicNumbers(
        int.from_bytes(_b64decode(jwk["x"]), "big"), int.from_bytes(_b64decode(jwk["y"]), "big"), ec.SECP256R1()
    ).public_key()
    raw = _b64decode(signature_part)
    signature = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public_key.verify(signature, f"{header_part}.{payload_part}".encode(), ec.ECDSA(hashes.SHA256()))
    return json.loads(_b64decode(payload_part))


def status_bit(client, credential: dict) -> int:
    """Fetches the credential's Bitstring Status List, checks its signature and reads the bit."""
    entry = credential["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry" and entry["statusPurpose"] == "revocation"
    response = client.get(urlsplit(entry["statusListCredential"]).path)
    assert response.status_code == 200 and response["Content-Type"] == "application/vc+jwt"
    status_list = verify_independently(client, response.content.decode())
    assert "BitstringStatusListCredential" in status_list["type"]
    subject = status_list["credentialSubject"]
    assert subject["statusPurpose"] == "revocation" and subject["encodedList"].startswith("u")
    bits = gzip.decompress(_b64decode(subject["encodedList"][1:]))
    assert len(bits) * 8 >= 131072
    index = int(entry["statusListIndex"])
    return (bits[index // 8] >> (7 - index % 8)) & 1


def test_badge_jwt_header_and_claims_follow_open_badges_3(client, issue):
    certificate = issue()
    response = client.get(f"/credentials/{certificate.display_id}.jwt")
    assert response["Content-Type"] == "application/vc+jwt"
    token = response.content.decode()
    header = jws.extract_compact(token.encode()).headers()
    assert header == {
        "alg": "ES256",
        "typ": "JWT",
        "kid": f"http://127.0.0.1:8000/issuer#key-{certificate.signing_key.kid}",
    }
    claims = jwt.decode(token, jwks_of(client), algorithms=["ES256"]).claims
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["jti"] == claims["id"] == f"http://127.0.0.1:8000/credentials/{certificate.display_id}.json"
    assert claims["sub"] == claims["credentialSubject"]["id"] and claims["sub"].startswith("urn:uuid:")
    assert claims["iss"] == claims["issuer"]["id"] == "http://127.0.0.1:8000/issuer"
    assert claims["nbf"] == int(certificate.issued_at.timestamp())
    assert claims["exp"] == int(certificate.expires_at.timestamp())


def test_every_issued_badge_passes_the_schema_verifies_independently_and_resolves_its_status(client, issue):
    issued = [issue(), issue(expires_at=None), issue(learner__certificate_name="王小明")]
    for certificate in issued:
        payload = verify_independently(client, certificate.badge_jwt)
        credential = {name: value for name, value in payload.items() if name not in {"iss", "sub", "jti", "nbf", "exp"}}
        jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(credential)
        assert status_bit(client, credential) == 0


def test_revoking_superseding_and_reinstating_flip_the_public_status_bit(client, issue, instructor):
    certificate = issue()
    credential = client.get(f"/credentials/{certificate.display_id}.json").json()
    assert status_bit(client, credential) == 0
    services.certificate_revoke(certificate_id=certificate.pk, actor=instructor, reason="other", note="test")
    assert status_bit(client, credential) == 1
    services.certificate_reinstate(certificate_id=certificate.pk, actor=instructor, note="")
    assert status_bit(client, credential) == 0
    replacement = services.certificate_reissue(certificate_id=certificate.pk, actor=instructor, note="")
    assert status_bit(client, credential) == 1
    fresh = services.certificate_render_and_sign(certificate_id=replacement.pk)
    assert status_bit(client, client.get(f"/credentials/{fresh.display_id}.json").json()) == 0


def test_a_test_mode_credential_is_never_signed_and_reads_revoked(client, issue):
    certificate = issue(test_mode=True)
    assert certificate.badge_jwt == ""
    assert client.get(f"/credentials/{certificate.display_id}.jwt").status_code == 404
    credential = client.get(f"/credentials/{certificate.display_id}.json").json()
    assert "proof" not in credential and "test mode" in credential["description"]
    assert status_bit(client, credential) == 1


def test_the_json_endpoint_serves_the_credential_alone(client, issue):
    certificate = issue()
    response = client.get(f"/credentials/{certificate.display_id}.json")
    assert response["Content-Type"] == "application/json"
    credential = response.json()
    assert not {"iss", "sub", "jti", "nbf", "exp", "proof_jwt", "credential"} & set(credential)
    assert credential["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert credential["@context"][1].startswith("https://purl.imsglobal.org/spec/ob/v3p0/context")
    assert credential["issuer"]["name"] == "Grok 4 Certification"
    assert credential["validFrom"] == certificate.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert credential["validUntil"] == certificate.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["name"] == certificate.course_title
    assert "2 model-graded hands-on prompt demos" in achievement["criteria"]["narrative"]
    assert credential["credentialSubject"]["identifier"][0]["identityHash"] == certificate.holder_name
    assert certificate.learner.email not in response.content.decode()
    assert (
        jwt.decode(certificate.badge_jwt, jwks_of(client)).claims["credentialSubject"]
        == (credential["credentialSubject"])
    )


def test_a_tampered_badge_fails_verification(client, issue):
    certificate = issue()
    header, payload, signature = certificate.badge_jwt.split(".")
    forged_payload = jws.extract_compact(certificate.badge_jwt.encode()).payload.replace(
        certificate.holder_name.encode(), b"Mallory"
    )
    forged = ".".join([header, base64.urlsafe_b64encode(forged_payload).rstrip(b"=").decode(), signature])
    with pytest.raises(BadSignatureError):
        jwt.decode(forged, jwks_of(client), algorithms=["ES256"])
    with pytest.raises(InvalidSignature):
        verify_independently(client, forged)


def test_a_credential_not_yet_signed_is_not_served(client, db):
    certificate = CertificateFactory()
    response = client.get(f"/credentials/{certificate.display_id}.json")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_jwks_and_issuer_profile_list_every_key_so_badges_from_before_a_rotation_verify(client, isolated_issuer):
    before = services.certificate_render_and_sign(certificate_id=CertificateFactory().pk)
    issuer.development_signing_key_rotate(isolated_issuer, now=timezone.now())
    after = services.certificate_render_and_sign(certificate_id=CertificateFactory().pk)
    keys = client.get("/.well-known/jwks.json").json()["keys"]
    assert {key["kid"] for key in keys} == {
        f"http://127.0.0.1:8000/issuer#key-{certificate.signing_key.kid}" for certificate in (before, after)
    }
    assert all(set(key) >= {"kty", "crv", "x", "y", "kid", "alg", "use"} and "d" not in key for key in keys)
    for certificate in (before, after):
        assert (
            jwt.decode(certificate.badge_jwt, jwks_of(client)).claims["jti"].endswith(f"{certificate.display_id}.json")
        )
        assert verify_independently(client, certificate.badge_jwt)["jti"].endswith(f"{certificate.display_id}.json")


# --- Baked badge ------------------------------------------------------------------------------


def test_the_baked_badge_carries_the_signed_credential_and_verifies_by_upload(client, issue):
    certificate = issue()
    response = client.get(f"/credentials/{certificate.display_id}.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG" and image.text["openbadgecredential"] == certificate.badge_jwt
    result = upload(client, response.content, name="badge.png").context["result"]
    assert result.verdict == "authentic" and result.certificate == certificate


def test_a_badge_image_with_an_edited_credential_is_altered_and_a_revoked_one_revoked(client, issue, instructor):
    certificate = issue()
    header, payload, signature = certificate.badge_jwt.split(".")
    edited = json.loads(_b64decode(payload)) | {"name": "Something else"}
    forged_payload = base64.urlsafe_b64encode(json.dumps(edited).encode()).rstrip(b"=").decode()
    forged = baking.badge_bake(".".join([header, forged_payload, signature]))
    assert upload(client, forged, name="badge.png").context["result"].verdict == "altered"
    services.certificate_revoke(certificate_id=certificate.pk, actor=instructor, reason="other", note="test")
    genuine = client.get(f"/credentials/{certificate.display_id}.png").content
    assert upload(client, genuine, name="badge.png").context["result"].verdict == "revoked"


def test_a_png_without_a_credential_or_with_an_unsigned_one_is_not_ours(client, issue):
    plain = io.BytesIO()
    Image.new("RGB", (8, 8)).save(plain, format="PNG")
    assert upload(client, plain.getvalue(), name="x.png").context["result"].verdict == "not_issued"
    certificate = issue()
    unsigned = baking.badge_bake(json.dumps(client.get(f"/credentials/{certificate.display_id}.json").json()))
    assert upload(client, unsigned, name="x.png").context["result"].verdict == "not_issued"
    test_mode = issue(test_mode=True)
    baked = client.get(f"/credentials/{test_mode.display_id}.png").content
    assert upload(client, baked, name="x.png").context["result"].verdict == "test_mode"


def test_the_learner_page_offers_the_badge_image(client, issue):
    certificate = issue()
    client.force_login(certificate.learner)
    page = client.get("/certificates/").content.decode()
    assert f"/credentials/{certificate.display_id}.png" in page
    assert Certificate.objects.get(pk=certificate.pk).badge_jwt
