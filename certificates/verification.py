"""What an employer is told: a certificate's current status, and whether an uploaded PDF is ours.

A signature is frozen at signing time, so the upload check always ends with the issued
record's current status (revoked, expired, superseded). The order of the checks matters:
pyHanko reports a signature over an earlier revision as intact and trusted even when an
incremental update appended later replaces the page, so coverage of the entire file and
the absence of later modifications are required explicitly.
"""

import datetime
import hashlib
import io
import logging
import re
from dataclasses import dataclass
from enum import StrEnum

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import ModificationLevel, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from . import issuer, selectors
from .credential_id import CredentialIdError, credential_id_parse
from .models import Certificate, SigningKey

logger = logging.getLogger(__name__)


class CredentialStatus(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    TEST_MODE = "test_mode"


STATUS_LABELS = {
    CredentialStatus.VALID: "Valid",
    CredentialStatus.EXPIRED: "Expired",
    CredentialStatus.REVOKED: "Revoked",
    CredentialStatus.SUPERSEDED: "Superseded by a newer certificate",
    CredentialStatus.TEST_MODE: "Issued in test mode: not a valid credential",
}


def credential_status(certificate: Certificate, *, now: datetime.datetime) -> CredentialStatus:
    """Revocation outranks everything; a test-mode certificate never reads as valid."""
    if certificate.status == Certificate.Status.REVOKED:
        return CredentialStatus.REVOKED
    if certificate.status == Certificate.Status.SUPERSEDED:
        return CredentialStatus.SUPERSEDED
    if certificate.test_mode:
        return CredentialStatus.TEST_MODE
    if certificate.expires_at is not None and certificate.expires_at <= now:
        return CredentialStatus.EXPIRED
    return CredentialStatus.VALID


def credential_status_display(certificate: Certificate, *, now: datetime.datetime) -> dict[str, str]:
    """The status as pages and the API show it: {"status": "expired", "status_label": "Expired"}."""
    status = credential_status(certificate, now=now)
    return {"status": status.value, "status_label": STATUS_LABELS[status]}


class UploadVerdict(StrEnum):
    AUTHENTIC = "authentic"
    ALTERED = "altered"
    NOT_ISSUED = "not_issued"
    REVOKED = "revoked"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"
    TEST_MODE = "test_mode"


UPLOAD_LABELS = {
    UploadVerdict.AUTHENTIC: "Authentic: this is the certificate we issued, unchanged, and it is valid",
    UploadVerdict.ALTERED: "Altered: this file was changed after we signed it",
    UploadVerdict.NOT_ISSUED: "Not issued by us",
    UploadVerdict.REVOKED: "Genuine file, but the certificate has been revoked",
    UploadVerdict.EXPIRED: "Genuine file, but the certificate has expired",
    UploadVerdict.SUPERSEDED: "Genuine file, but the certificate was replaced by a newer one",
    UploadVerdict.TEST_MODE: "Issued in test mode: not a valid credential",
}

_STATUS_TO_VERDICT = {
    CredentialStatus.VALID: UploadVerdict.AUTHENTIC,
    CredentialStatus.EXPIRED: UploadVerdict.EXPIRED,
    CredentialStatus.REVOKED: UploadVerdict.REVOKED,
    CredentialStatus.SUPERSEDED: UploadVerdict.SUPERSEDED,
    CredentialStatus.TEST_MODE: UploadVerdict.TEST_MODE,
}


@dataclass(frozen=True)
class UploadResult:
    verdict: UploadVerdict
    detail: str
    sha256: str
    certificate: Certificate | None = None

    @property
    def label(self) -> str:
        return UPLOAD_LABELS[self.verdict]


def _validation_context() -> ValidationContext:
    # No fetching: our certificates carry no revocation URLs, and an upload must never
    # make the server reach out to addresses named in a stranger's file.
    return ValidationContext(trust_roots=issuer.trust_roots(), allow_fetching=False)


_ID_IN_TITLE = re.compile(r"^Certificate ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z*~$=])")


def _certificate_named_in(reader: PdfFileReader) -> Certificate | None:
    """The certificate whose id the document's title names (see certificate_pdf.html)."""
    try:
        title = str(reader.trailer_view["/Info"].get("/Title", ""))
    except Exception:  # a damaged file: it names nothing
        return None
    match = _ID_IN_TITLE.match(title)
    if match is None:
        return None
    try:
        stored = credential_id_parse(match.group(1))
    except CredentialIdError:
        return None
    return selectors.certificate_get_public(credential_id=stored)


def _is_our_certificate(key: SigningKey, certificate_der: bytes) -> bool:
    return x509.load_pem_x509_certificate(key.certificate_pem.encode()).public_bytes(Encoding.DER) == certificate_der


def upload_verify(data: bytes, *, now: datetime.datetime) -> UploadResult:
    """Caller has checked the size limit and that `data` starts like a PDF."""
    sha256 = hashlib.sha256(data).hexdigest()

    def result(verdict: UploadVerdict, detail: str, certificate: Certificate | None = None) -> UploadResult:
        return UploadResult(verdict=verdict, detail=detail, sha256=sha256, certificate=certificate)

    # Parsing and validating a stranger's file can fail in any part of the PDF, zlib or
    # ASN.1 stack (we have seen zlib, decimal, Key and NotImplemented errors from single
    # flipped bytes); whatever the failure, the file is not one we issued intact.
    try:
        # strict=False tolerates cosmetic damage so that the signature check decides;
        # pyHanko's decompression limits stay at their defaults for untrusted input.
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:
        logger.info("Unreadable upload %s: %r", sha256, exc)
        return result(UploadVerdict.ALTERED, "The file is damaged and cannot be read as a PDF.")
    if not signatures:
        claimed = _certificate_named_in(reader)
        if claimed is not None:
            return result(
                UploadVerdict.ALTERED,
                "The file presents itself as one of our certificates, but our signature is missing from it.",
                claimed,
            )
        return result(UploadVerdict.NOT_ISSUED, "The file carries no digital signature.")

    signature = signatures[0]
    try:
        status = validate_pdf_signature(
            signature,
            signer_validation_context=_validation_context(),
            key_usage_settings=KeyUsageConstraints(key_usage={"non_repudiation"}),
        )
        signer_der = signature.signer_cert.dump()
        kid = issuer.key_id_der(signer_der)
    except Exception as exc:
        logger.info("Unverifiable signature in upload %s: %r", sha256, exc)
        return result(UploadVerdict.ALTERED, "The signature is damaged and cannot be checked.")

    # Integrity first: a flipped byte anywhere in the signed content or the signature
    # must read as an edit, not as a stranger's signature.
    if not (status.intact and status.valid):
        return result(UploadVerdict.ALTERED, "The signed content no longer matches its signature.")
    key = SigningKey.objects.filter(kid=kid).first()
    if key is None:
        return result(UploadVerdict.NOT_ISSUED, "The signature was not made with any of our signing keys.")
    if not _is_our_certificate(key, signer_der):
        return result(UploadVerdict.ALTERED, "The signing certificate inside the file was changed.")
    if not status.trusted:
        return result(UploadVerdict.NOT_ISSUED, "The signing certificate does not chain to a root we trust.")
    if (
        len(signatures) != 1
        or status.coverage != SignatureCoverageLevel.ENTIRE_FILE
        or status.modification_level not in (None, ModificationLevel.NONE)
        or not status.bottom_line
    ):
        return result(UploadVerdict.ALTERED, "Content was added to the file after it was signed.")

    certificate = _certificate_named_in(reader)
    if certificate is None:
        return result(UploadVerdict.NOT_ISSUED, "The file is signed with our key but matches no certificate we issued.")
    if certificate.pdf_sha256 != sha256:
        # Our signature still holds, so the change is in bytes it does not cover (the
        # signature container itself), or this is a rendering we never handed out.
        detail = "The file differs from the one we issued for this credential."
        return result(UploadVerdict.ALTERED, detail, certificate)
    verdict = _STATUS_TO_VERDICT[credential_status(certificate, now=now)]
    return result(verdict, UPLOAD_LABELS[verdict], certificate)


def credential_public_record(certificate: Certificate, *, now: datetime.datetime) -> dict:
    """The API's answer: only what the certificate itself prints, plus its current status.

    No e-mail, account id or exam score; the demos are the ones printed on the PDF.
    """
    shown = credential_status_display(certificate, now=now)
    revoked = shown["status"] == CredentialStatus.REVOKED
    return {
        "credential_id": certificate.display_id,
        **shown,
        "valid": shown["status"] == CredentialStatus.VALID,
        "holder_name": certificate.holder_name,
        "course": {"title": certificate.course_title, "version": certificate.course_version},
        "issued_on": certificate.issued_at.date().isoformat(),
        "expires_on": certificate.expires_at.date().isoformat() if certificate.expires_at else None,
        "revoked_on": certificate.revoked_at.date().isoformat() if revoked and certificate.revoked_at else None,
        "revocation_reason": certificate.revocation_reason if revoked else None,
        "superseded_by": certificate.superseded_by.display_id if certificate.superseded_by else None,
        "test_mode": certificate.test_mode,
        "demos_passed": [demo["title"] for demo in certificate.demos_passed],
        "pdf_sha256": certificate.pdf_sha256 or None,
        "verification_url": certificate.verification_url,
        "issuer": {"name": settings.CERT_ISSUER_NAME, "url": f"{settings.SITE_URL}/"},
    }
