"""Reads, with their joins applied."""

import datetime

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from accounts.api import PersonalDataSection

from .credential_id import CredentialIdError, credential_id_parse
from .models import Certificate, CertificateEvent, SigningKey, Verification, VerificationTally


def certificate_get_public(*, credential_id: str) -> Certificate | None:
    """`credential_id` in its stored form (see credential_id_parse)."""
    return Certificate.objects.select_related("superseded_by").filter(credential_id=credential_id).first()


def certificate_list_for_learner(*, user_id: int) -> QuerySet[Certificate]:
    """With `verification_count`: how often others verified each one (the recent log plus
    the tallies older looks were folded into)."""
    looks = _per_certificate(Verification, Count("id")) + _per_certificate(VerificationTally, Sum("count"))
    return (
        Certificate.objects.select_related("superseded_by")
        .filter(learner_id=user_id)
        .annotate(verification_count=looks)
    )


def _per_certificate(model, aggregate) -> Coalesce:
    """`aggregate` over `model`'s rows of the certificate in the outer query (0 when none)."""
    rows = model.objects.filter(certificate=OuterRef("pk")).order_by().values("certificate")
    return Coalesce(Subquery(rows.annotate(looks=aggregate).values("looks")), Value(0))


def certificate_list_current_for_learner(*, user_id: int, now: datetime.datetime) -> QuerySet[Certificate]:
    """The learner's valid, unexpired certificates: the ones a name change re-issues."""
    return (
        Certificate.objects.filter(learner_id=user_id, status=Certificate.Status.VALID)
        .exclude(expires_at__lte=now)
        .order_by("issued_at")
    )


SEARCH_MAX_CHARS = 200


def certificate_search(*, query: str) -> QuerySet[Certificate]:
    """Staff search by holder name, e-mail or credential id (typed loosely or in part)."""
    certificates = Certificate.objects.select_related("learner")
    # Longer than any name, e-mail or id; SQLite refuses LIKE patterns beyond 50,000 bytes.
    query = query.strip()[:SEARCH_MAX_CHARS]
    if not query:
        return certificates
    matches = Q(holder_name__icontains=query) | Q(learner__email__icontains=query)
    try:
        matches |= Q(credential_id=credential_id_parse(query))
    except CredentialIdError:
        fragment = query.upper().replace("-", "").replace(" ", "")
        if fragment:
            matches |= Q(credential_id__startswith=fragment)
    return certificates.filter(matches)


def certificate_events(*, certificate: Certificate) -> QuerySet[CertificateEvent]:
    return certificate.events.select_related("actor")


def signing_key_list() -> QuerySet[SigningKey]:
    return SigningKey.objects.all()


def certificate_ids_signed() -> QuerySet:
    return Certificate.objects.exclude(pdf_sha256="").order_by("pk").values_list("pk", flat=True)


def status_list_revoked_indexes() -> list[int]:
    """Bits set in the public status list: revoked, superseded and test-mode credentials."""
    return list(
        Certificate.objects.filter(~Q(status=Certificate.Status.VALID) | Q(test_mode=True)).values_list("pk", flat=True)
    )


def personal_data_sections(*, user_id: int) -> list[PersonalDataSection]:
    """The learner's certificates, superseded and revoked ones included, for their data export."""
    certificates = certificate_list_for_learner(user_id=user_id).order_by("issued_at", "id")
    return [
        PersonalDataSection(
            key="certificates",
            about="Your certificates, with how many times employers verified each one (nothing about who).",
            records=tuple(
                {
                    "credential_id": certificate.display_id,
                    "course_title": certificate.course_title,
                    "course_version": certificate.course_version,
                    "name_printed": certificate.holder_name,
                    "status": certificate.status,
                    "issued_at": certificate.issued_at,
                    "expires_at": certificate.expires_at,
                    "revoked_at": certificate.revoked_at,
                    "revocation_reason": certificate.revocation_reason,
                    "superseded_by": certificate.superseded_by.display_id if certificate.superseded_by else None,
                    "test_mode": certificate.test_mode,
                    "verification_url": certificate.verification_url,
                    "employer_verifications": getattr(certificate, "verification_count", 0),  # annotated above
                }
                for certificate in certificates
            ),
        )
    ]
