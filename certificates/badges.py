"""Open Badges 3.0: each certificate as a W3C Verifiable Credential secured as a VC-JWT.

Following OB 3.0 §8.2 and VC-JOSE-COSE, the JWT payload is the credential itself with the
registered claims that mirror it (iss, sub, jti, nbf, exp); the JOSE header names the key
by `kid`, which `/.well-known/jwks.json` resolves. It is signed once, at issuance, by the
worker that signs the PDF; web processes only serve it.
"""

import json
from urllib.parse import urlencode

from django.conf import settings
from joserfc import jws

from courses.api import CourseInfo

from .issuer import LoadedSigner
from .models import Certificate

MEDIA_TYPE_JWT = "application/vc+jwt"
CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def _timestamp(value) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def criteria_narrative(course: CourseInfo) -> str:
    requires = (course.metadata.get("certificate") or {}).get("requires") or {}
    parts = []
    if requires.get("exam"):
        parts.append("Pass the timed certification exam at its pass mark.")
    if requires.get("demos"):
        parts.append(f"Pass {len(requires['demos'])} model-graded hands-on prompt demos.")
    if requires.get("all_lessons"):
        parts.append("Complete every lesson of the course.")
    return " ".join(parts) or "Meet the course's certification requirements."


def credential_build(certificate: Certificate, *, course: CourseInfo) -> dict:
    """`course` is the certificate's course, read through courses.api."""
    site = settings.SITE_URL
    credential_url = f"{site}/credentials/{certificate.display_id}.json"
    credential = {
        "@context": CONTEXTS,
        "id": credential_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{course.title} (version {certificate.course_version})",
        "issuer": {
            "id": f"{site}/",
            "type": ["Profile"],
            "name": settings.CERT_ISSUER_NAME,
            "url": f"{site}/",
        },
        "validFrom": _timestamp(certificate.issued_at),
        "credentialSubject": {
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
                "description": (
                    f"Certificate for the course {certificate.course_title}, version {certificate.course_version}."
                ),
                "criteria": {"narrative": criteria_narrative(course)},
                "version": certificate.course_version,
            },
        },
        "credentialStatus": {
            "id": f"{site}/api/v1/credentials/{certificate.display_id}",
            "type": "CertificateStatusApi",
        },
    }
    if certificate.expires_at:
        credential["validUntil"] = _timestamp(certificate.expires_at)
    if certificate.test_mode:
        credential["description"] = "Issued in test mode: not a valid credential."
    return credential


def credential_token(certificate: Certificate, *, course: CourseInfo, signer: LoadedSigner) -> str:
    """The credential signed as a compact JWS; nbf/exp mirror validFrom/validUntil.

    No `sub`: the subject has no identifier of its own (we publish no account ids).
    """
    credential = credential_build(certificate, course=course)
    claims = {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "nbf": int(certificate.issued_at.timestamp()),
    }
    if certificate.expires_at:
        claims["exp"] = int(certificate.expires_at.timestamp())
    header = {"alg": "ES256", "kid": signer.kid, "typ": "vc+jwt", "cty": "vc"}
    payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":"))
    return jws.serialize_compact(header, payload, signer.jwk, algorithms=["ES256"])


def credential_payload(token: str) -> dict:
    """The credential inside a stored token (already ours; no signature check needed to display it)."""
    return json.loads(jws.extract_compact(token.encode()).payload)


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
