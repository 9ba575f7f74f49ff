"""Open Badges 3.0: each certificate as a W3C Verifiable Credential secured as a VC-JWT.

Following OB 3.0 §8.2 and VC-JOSE-COSE, the JWT payload is the credential itself with the
registered claims that mirror it (iss, sub, jti, nbf, exp); the header is `typ: JWT` and
names the key by a `kid` URI that resolves in the issuer profile at /issuer. A credential is
signed once, at issuance, by the worker that signs the PDF; test-mode credentials are never
signed. Revocation is public through a W3C Bitstring Status List.
"""

import base64
import datetime
import gzip
import json
import uuid
from collections.abc import Iterable
from urllib.parse import urlencode

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from joserfc import jws

from courses.api import CourseInfo

from .issuer import LoadedSigner
from .models import Certificate

MEDIA_TYPE_JWT = "application/vc+jwt"
CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
# JWT claims that mirror the credential (VC-JOSE-COSE); the .json view strips them.
REGISTERED_CLAIMS = ("iss", "sub", "jti", "nbf", "exp")
# The Bitstring Status List spec's minimum size (16 KB), so one bit does not single anyone out.
STATUS_LIST_MIN_BITS = 131072


def _timestamp(value) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def issuer_profile_url() -> str:
    return f"{settings.SITE_URL}/issuer"


def key_uri(kid: str) -> str:
    """The JOSE `kid`: a URI that dereferences to the issuer profile, whose verification
    method with this id holds the public key (and /.well-known/jwks.json lists it too)."""
    return f"{issuer_profile_url()}#key-{kid}"


def status_list_url() -> str:
    return f"{settings.SITE_URL}/credentials/status/revocation"


def subject_id(certificate: Certificate) -> str:
    """A stable, opaque id for the holder of this credential: no account id or e-mail."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, certificate.verification_url)}"


def criteria_narrative(course: CourseInfo) -> str:
    requires = course.certificate
    parts = []
    if requires.exam_slug:
        parts.append(_("Pass the timed certification exam at its pass mark."))
    if requires.demo_slugs:
        parts.append(
            ngettext(
                "Pass %(count)d model-graded hands-on prompt demo.",
                "Pass %(count)d model-graded hands-on prompt demos.",
                len(requires.demo_slugs),
            )
            % {"count": len(requires.demo_slugs)}
        )
    if requires.all_lessons:
        parts.append(_("Complete every lesson of the course."))
    return " ".join(parts) or _("Meet the course's certification requirements.")


def _issuer() -> dict:
    site = settings.SITE_URL
    return {"id": issuer_profile_url(), "type": ["Profile"], "name": settings.CERT_ISSUER_NAME, "url": f"{site}/"}


def credential_build(certificate: Certificate, *, course: CourseInfo) -> dict:
    """`course` is the certificate's course, read through courses.api. Its words are in the
    certificate's language, like the PDF signed with it."""
    with translation.override(certificate.language):
        return _credential_build(certificate, course=course)


def _credential_build(certificate: Certificate, *, course: CourseInfo) -> dict:
    site = settings.SITE_URL
    credential_url = f"{site}/credentials/{certificate.display_id}.json"
    credential = {
        "@context": CONTEXTS,
        "id": credential_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": _("%(course)s (version %(version)s)") % {"course": course.title, "version": certificate.course_version},
        "issuer": _issuer(),
        "validFrom": _timestamp(certificate.issued_at),
        "credentialSubject": {
            "id": subject_id(certificate),
            "type": ["AchievementSubject"],
            # No e-mail or account id: the subject is the name printed on the certificate.
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": certificate.holder_name,
                }
            ],
            "achievement": {
                "id": f"{site}/courses/{course.slug}/#certificate-{certificate.course_version}",
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": certificate.course_title,
                "description": _("Certificate for the course %(course)s, version %(version)s.")
                % {"course": certificate.course_title, "version": certificate.course_version},
                "criteria": {"narrative": criteria_narrative(course)},
                "version": certificate.course_version,
            },
        },
        # Revocation and supersession flip this bit in the public status list.
        "credentialStatus": {
            "id": f"{status_list_url()}#{certificate.status_list_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(certificate.status_list_index),
            "statusListCredential": status_list_url(),
        },
    }
    if certificate.expires_at:
        credential["validUntil"] = _timestamp(certificate.expires_at)
    if certificate.test_mode:
        # Never signed, and its status bit is always set: every verifier rejects it.
        credential["description"] = _("Issued in test mode: not a valid credential. It is unsigned and marked revoked.")
    return credential


def _sign(claims: dict, *, signer: LoadedSigner) -> str:
    header = {"alg": "ES256", "typ": "JWT", "kid": key_uri(signer.kid)}
    payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":"))
    return jws.serialize_compact(header, payload, signer.jwk, algorithms=["ES256"])


def credential_token(certificate: Certificate, *, course: CourseInfo, signer: LoadedSigner) -> str:
    """The credential signed as a VC-JWT (OB 3.0 §8.2): the payload is the credential with
    the registered claims that mirror it; iss/sub/jti/nbf/exp as the spec lists them."""
    credential = credential_build(certificate, course=course)
    claims = {
        **credential,
        "iss": credential["issuer"]["id"],
        "sub": credential["credentialSubject"]["id"],
        "jti": credential["id"],
        "nbf": int(certificate.issued_at.timestamp()),
    }
    if certificate.expires_at:
        claims["exp"] = int(certificate.expires_at.timestamp())
    return _sign(claims, signer=signer)


def credential_payload(token: str) -> dict:
    """The credential inside a stored token, without the JWT claims (already ours: no
    signature check is needed to display it)."""
    claims = json.loads(jws.extract_compact(token.encode()).payload)
    return {name: value for name, value in claims.items() if name not in REGISTERED_CLAIMS}


def status_list_encode(set_bits: Iterable[int]) -> str:
    """W3C Bitstring Status List encoding: GZIP, then multibase base64url (prefix "u");
    bit 0 is the most significant bit of the first byte."""
    set_bits = list(set_bits)
    size = max(STATUS_LIST_MIN_BITS, -(-(max(set_bits, default=0) + 1) // 8) * 8)
    bits = bytearray(size // 8)
    for index in set_bits:
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode()


def status_list_credential(*, revoked_indexes: Iterable[int], now: datetime.datetime) -> dict:
    url = status_list_url()
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": _issuer(),
        "validFrom": _timestamp(now),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": status_list_encode(revoked_indexes),
        },
    }


def status_list_token(credential: dict, *, signer: LoadedSigner) -> str:
    """Signed on each request: a revocation must show at once, and one ES256 signature is
    cheaper than keeping a cache coherent."""
    return _sign({**credential, "iss": credential["issuer"]["id"], "jti": credential["id"]}, signer=signer)


def issuer_profile(*, signing_keys: Iterable[tuple[str, dict]]) -> dict:
    """The issuer's public profile: every key we have signed with, by its `kid` URI."""
    profile_url = issuer_profile_url()
    return {
        "@context": CONTEXTS,
        **_issuer(),
        "description": f"Issuer of the certificates of {settings.CERT_ISSUER_NAME}.",
        "verificationMethod": [
            {"id": key_uri(kid), "type": "JsonWebKey", "controller": profile_url, "publicKeyJwk": jwk}
            for kid, jwk in signing_keys
        ],
    }


def linkedin_add_url(certificate: Certificate) -> str:
    query = {
        "startTask": "CERTIFICATION_NAME",
        "name": certificate.course_title,
        "organizationName": settings.CERT_ISSUER_NAME,
        "issueYear": certificate.issued_at.year,
        "issueMonth": certificate.issued_at.month,
        "certUrl": certificate.verification_url,
        "certId": certificate.display_id,
    }
    if certificate.expires_at:
        query["expirationYear"] = certificate.expires_at.year
        query["expirationMonth"] = certificate.expires_at.month
    return "https://www.linkedin.com/profile/add?" + urlencode(query)
