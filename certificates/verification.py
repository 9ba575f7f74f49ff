"""What an employer is told: a certificate's current status, and whether an uploaded PDF is ours.

A signature is frozen at signing time, so the upload check always ends with the issued
record's current status (revoked, expired, superseded). The order of the checks matters:
pyHanko reports a signature over an earlier revision as intact and trusted even when an
incremental update appended later replaces the page, so coverage of the entire file and
the absence of later modifications are required explicitly.
"""

import asyncio
import datetime
import hashlib
import io
import json
import logging
import re
from dataclasses import dataclass
from enum import StrEnum

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from joserfc import jws
from joserfc.errors import JoseError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import ModificationLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, RevocationCheckingPolicy, RevocationCheckingRule
from pyhanko_certvalidator.registry import SimpleTrustManager

from . import badges, baking, issuer, selectors
from .credential_id import CredentialIdError, credential_id_parse
from .models import Certificate, SigningKey
from .pdf import signed_revision

logger = logging.getLogger(__name__)


class CredentialStatus(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    TEST_MODE = "test_mode"


STATUS_LABELS = {
    CredentialStatus.VALID: gettext_lazy("Valid"),
    CredentialStatus.EXPIRED: gettext_lazy("Expired"),
    CredentialStatus.REVOKED: gettext_lazy("Revoked"),
    CredentialStatus.SUPERSEDED: gettext_lazy("Superseded by a newer certificate"),
    CredentialStatus.TEST_MODE: gettext_lazy("Issued in test mode: not a valid credential"),
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
    return {"status": status.value, "status_label": str(STATUS_LABELS[status])}


class UploadVerdict(StrEnum):
    AUTHENTIC = "authentic"
    ALTERED = "altered"
    NOT_ISSUED = "not_issued"
    REVOKED = "revoked"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"
    TEST_MODE = "test_mode"


UPLOAD_LABELS = {
    UploadVerdict.AUTHENTIC: gettext_lazy("Authentic: this is the certificate we issued, unchanged, and it is valid"),
    UploadVerdict.ALTERED: gettext_lazy("Altered: this file was changed after we signed it"),
    UploadVerdict.NOT_ISSUED: gettext_lazy("Not a certificate signed by us"),
    UploadVerdict.REVOKED: gettext_lazy("Genuine file, but the certificate has been revoked"),
    UploadVerdict.EXPIRED: gettext_lazy("Genuine file, but the certificate has expired"),
    UploadVerdict.SUPERSEDED: gettext_lazy("Genuine file, but the certificate was replaced by a newer one"),
    UploadVerdict.TEST_MODE: gettext_lazy("Issued in test mode: not a valid credential"),
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
        return str(UPLOAD_LABELS[self.verdict])


def _trust_manager() -> SimpleTrustManager:
    return SimpleTrustManager.build(trust_roots=issuer.trust_roots())


def _validation_spec() -> PdfSignatureValidationSpec:
    """PAdES long-term validation trusting only our roots. No fetching: the signature's
    chain and CRL are embedded, and an upload must never make the server reach out to
    addresses named in a stranger's file. The signing certificate needs revocation data
    (embedded at signing, a week fresh); the TSA's is checked when it names a CRL."""
    trust = _trust_manager()
    return PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=_cert_policy(trust, RevocationCheckingRule.CRL_OR_OCSP_REQUIRED),
            ts_cert_validation_policy=_cert_policy(trust, RevocationCheckingRule.CHECK_IF_DECLARED_SOFT),
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
            ),
            key_usage_settings=KeyUsageConstraints(key_usage={"non_repudiation"}),
        )
    )


def _cert_policy(trust: SimpleTrustManager, rule: RevocationCheckingRule) -> CertValidationPolicySpec:
    return CertValidationPolicySpec(
        trust_manager=trust,
        revinfo_policy=CertRevTrustPolicy(
            RevocationCheckingPolicy(ee_certificate_rule=rule, intermediate_ca_cert_rule=rule)
        ),
    )


def _has_signature_timestamp(signature: EmbeddedPdfSignature) -> bool:
    unsigned = signature.signer_info["unsigned_attrs"].native or []
    return any(attribute["type"] == "signature_time_stamp_token" for attribute in unsigned)


@dataclass(frozen=True)
class SignatureCheck:
    """What pyHanko established about the certification signature."""

    intact: bool
    trusted: bool
    unchanged_since: bool  # nothing but validation data and timestamps after signing
    signing_time: datetime.datetime | None


def _check_timestamped(signature: EmbeddedPdfSignature) -> SignatureCheck:
    """B-LTA: the chain is checked at the signing time the timestamps prove (ETSI EN
    319 102-1 past validation), so expiry or rotation of the key changes nothing."""
    result = asyncio.run(ades_lta_validation(signature, _validation_spec()))
    status = result.api_status
    return SignatureCheck(
        intact=bool(status and status.intact and status.valid),
        trusted=result.ades_subindic == AdESPassed.OK,
        unchanged_since=bool(
            status
            and status.docmdp_ok
            and status.modification_level in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)
        ),
        signing_time=result.best_signature_time,
    )


def _check_untimestamped(signature: EmbeddedPdfSignature, *, issued_at: datetime.datetime) -> SignatureCheck:
    """PAdES B-B from before timestamping: no proof of time inside the file, so the chain
    is checked at the issuance time our database recorded for the certificate it names."""
    context = ValidationContext(trust_roots=issuer.trust_roots(), allow_fetching=False, moment=issued_at)
    status = validate_pdf_signature(
        signature,
        signer_validation_context=context,
        key_usage_settings=KeyUsageConstraints(key_usage={"non_repudiation"}),
    )
    return SignatureCheck(
        intact=status.intact and status.valid,
        trusted=status.trusted,
        unchanged_since=status.docmdp_ok is not False and status.modification_level in (None, ModificationLevel.NONE),
        signing_time=None,
    )


# How the document information of our PDFs starts (see certificate_pdf.html): enough to
# tell a damaged copy of ours from a stranger's file when the PDF cannot be parsed.
_OUR_TITLE_MARK = b"/Title (Certificate "
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
        if _OUR_TITLE_MARK in data:
            return result(UploadVerdict.ALTERED, _("The file is a damaged copy of one of our certificates."))
        return result(
            UploadVerdict.NOT_ISSUED, _("The file cannot be read as a PDF; it is not a certificate we signed.")
        )
    if not signatures:
        claimed = _certificate_named_in(reader)
        if claimed is not None:
            return result(
                UploadVerdict.ALTERED,
                _("The file presents itself as one of our certificates, but our signature is missing from it."),
                claimed,
            )
        return result(UploadVerdict.NOT_ISSUED, _("The file carries no digital signature."))

    signature, later = signatures[0], signatures[1:]
    claimed = _certificate_named_in(reader)
    try:
        signer_der = signature.signer_cert.dump()
        kid = issuer.key_id_der(signer_der)
        if _has_signature_timestamp(signature):
            check = _check_timestamped(signature)
        elif claimed is not None:
            check = _check_untimestamped(signature, issued_at=claimed.issued_at)
        else:
            return result(UploadVerdict.NOT_ISSUED, _("The file is not a certificate signed by us."))
        # The newest signature or timestamp must reach the end of the file: nothing appended.
        last_covers_file = len(signed_revision(data, signatures[-1])) == len(data)
    except Exception as exc:
        logger.info("Unverifiable signature in upload %s: %r", sha256, exc)
        if claimed is None:
            return result(
                UploadVerdict.NOT_ISSUED, _("The file carries a signature we cannot read; we did not sign it.")
            )
        return result(UploadVerdict.ALTERED, _("The signature is damaged and cannot be checked."), claimed)

    key = SigningKey.objects.filter(kid=kid).first()
    # Integrity first: a flipped byte anywhere in the signed content or the signature
    # must read as an edit of our certificate, not as a stranger's signature.
    if not check.intact:
        if key is None and claimed is None:
            return result(UploadVerdict.NOT_ISSUED, _("The signature was not made by us."))
        return result(UploadVerdict.ALTERED, _("The signed content no longer matches its signature."), claimed)
    if key is None:
        return result(UploadVerdict.NOT_ISSUED, _("The signature was not made with any of our signing keys."))
    if not _is_our_certificate(key, signer_der):
        return result(UploadVerdict.ALTERED, _("The signing certificate inside the file was changed."), claimed)
    if (
        not check.unchanged_since
        or not last_covers_file
        or any(timestamp.sig_object_type != "/DocTimeStamp" for timestamp in later)
    ):
        return result(UploadVerdict.ALTERED, _("Content was added to the file after it was signed."), claimed)
    if claimed is not None and sha256 not in claimed.served_pdf_sha256:
        # Our signature still holds, so the change is in bytes it does not cover (the
        # signature containers, timestamps, padding), or this is a rendering we never handed out.
        return result(UploadVerdict.ALTERED, _("The file differs from the one we issued for this credential."), claimed)
    if not check.trusted:
        return result(UploadVerdict.NOT_ISSUED, _("The signing certificate does not chain to a root we trust."))
    if claimed is None:
        return result(
            UploadVerdict.NOT_ISSUED, _("The file is signed with our key but matches no certificate we issued.")
        )
    verdict = _STATUS_TO_VERDICT[credential_status(claimed, now=now)]
    return result(verdict, str(UPLOAD_LABELS[verdict]), claimed)


def _badge_certificate(credential: dict) -> Certificate | None:
    """The certificate a credential's `id` (…/credentials/<display id>.json) names."""
    match = _ID_IN_BADGE.search(str(credential.get("id", "")))
    if match is None:
        return None
    try:
        stored = credential_id_parse(match.group(1))
    except CredentialIdError:
        return None
    return selectors.certificate_get_public(credential_id=stored)


_ID_IN_BADGE = re.compile(r"/credentials/([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z*~$=])\.json$")


def badge_verify(data: bytes, *, now: datetime.datetime) -> UploadResult:
    """A baked badge image: its VC-JWT must carry our signature and be the one we issued."""
    sha256 = hashlib.sha256(data).hexdigest()

    def result(verdict: UploadVerdict, detail: str, certificate: Certificate | None = None) -> UploadResult:
        return UploadResult(verdict=verdict, detail=detail, sha256=sha256, certificate=certificate)

    baked = baking.badge_extract(data)
    if baked is None:
        return result(UploadVerdict.NOT_ISSUED, _("The image carries no Open Badges credential."))
    if baked.lstrip().startswith("{"):
        # Only test-mode credentials are baked unsigned; anything else unsigned is not ours.
        try:
            certificate = _badge_certificate(json.loads(baked))
        except ValueError:
            certificate = None
        if certificate is not None and certificate.test_mode:
            return result(UploadVerdict.TEST_MODE, str(UPLOAD_LABELS[UploadVerdict.TEST_MODE]), certificate)
        return result(UploadVerdict.NOT_ISSUED, _("The credential in the image is not signed by us."))
    try:
        compact = jws.extract_compact(baked.encode())
        claims = json.loads(compact.payload)
        kid = str(compact.headers().get("kid", ""))
    except (JoseError, ValueError):
        return result(UploadVerdict.NOT_ISSUED, _("The credential in the image is not one we signed."))
    claimed = _badge_certificate(claims) if isinstance(claims, dict) else None
    key = SigningKey.objects.filter(kid=kid.removeprefix(badges.key_uri(""))).first()
    if key is None:
        return result(UploadVerdict.NOT_ISSUED, _("The credential was not signed with any of our keys."))
    try:
        jws.deserialize_compact(baked, issuer.public_key(key.certificate_pem), algorithms=["ES256"])
    except JoseError:
        return result(UploadVerdict.ALTERED, _("The credential in the image no longer matches its signature."), claimed)
    if claimed is None:
        return result(UploadVerdict.NOT_ISSUED, _("The credential is signed with our key but names no certificate."))
    # A withdrawn credential's stored copy is erased with the holder's name; our signature and
    # the credential it names are then the whole answer.
    if baked != claimed.badge_jwt and not claimed.holder_erased:
        return result(UploadVerdict.ALTERED, _("The credential differs from the one we issued."), claimed)
    verdict = _STATUS_TO_VERDICT[credential_status(claimed, now=now)]
    return result(verdict, str(UPLOAD_LABELS[verdict]), claimed)


# What an upload may start with: a PDF, or a PNG (a baked badge).
VERIFIABLE_PREFIXES = (b"%PDF-", baking.PNG_SIGNATURE)


def file_verify(data: bytes, *, now: datetime.datetime) -> UploadResult:
    """An uploaded certificate PDF or baked badge PNG (the caller checked size and type)."""
    if data.startswith(baking.PNG_SIGNATURE):
        return badge_verify(data, now=now)
    return upload_verify(data, now=now)


# --- Bulk verification ----------------------------------------------------------------------


@dataclass(frozen=True)
class BulkRow:
    """One line of a bulk answer: what was asked, what we found, the verdict."""

    submitted: str
    verdict: str
    verdict_label: str
    certificate: Certificate | None = None
    status: str = ""

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[CredentialStatus(self.status)]) if self.status else ""

    def as_record(self) -> dict:
        certificate = self.certificate
        return {
            "submitted": self.submitted,
            "credential_id": certificate.display_id if certificate else None,
            "holder_name": certificate.holder_name if certificate else None,
            "course": certificate.course_title if certificate else None,
            "status": self.status or None,
            "verdict": self.verdict,
            "verdict_label": self.verdict_label,
        }


BULK_COLUMNS = ("submitted", "credential_id", "holder_name", "course", "status", "verdict", "verdict_label")


def bulk_verify_ids(submitted: list[str], *, now: datetime.datetime) -> list[BulkRow]:
    """Each submitted id's certificate and status, in the order given, in one query."""
    parsed: dict[str, str | CredentialIdError] = {}
    for raw in submitted:
        try:
            parsed[raw] = credential_id_parse(raw)
        except CredentialIdError as exc:
            parsed[raw] = exc
    wanted = [value for value in parsed.values() if isinstance(value, str)]
    found = {
        certificate.credential_id: certificate
        for certificate in Certificate.objects.select_related("superseded_by").filter(credential_id__in=wanted)
    }
    rows = []
    for raw in submitted:
        value = parsed[raw]
        if isinstance(value, CredentialIdError):
            rows.append(BulkRow(raw, "invalid_credential_id", str(value)))
        elif value not in found:
            rows.append(BulkRow(raw, "not_found", _("No certificate has this id.")))
        else:
            shown = credential_status_display(found[value], now=now)
            rows.append(BulkRow(raw, shown["status"], shown["status_label"], found[value], shown["status"]))
    return rows


def bulk_verify_files(files: list[tuple[str, bytes]], *, now: datetime.datetime) -> list[BulkRow]:
    """Each uploaded PDF (or badge image) checked as /verify/upload/ checks one."""
    rows = []
    for name, data in files:
        outcome = file_verify(data, now=now)
        certificate = outcome.certificate
        status = credential_status(certificate, now=now).value if certificate is not None else ""
        rows.append(BulkRow(name, outcome.verdict.value, outcome.label, certificate, status))
    return rows


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
