"""What other apps may call in `certificates`."""

import datetime
from dataclasses import dataclass

from accounts.api import AffectedCredential

from . import selectors, services


def _affected(certificate) -> AffectedCredential:
    return AffectedCredential(credential_id=certificate.display_id, course_title=certificate.course_title)


def certificate_reissue_for_name_change(*, user_id: int) -> list[AffectedCredential]:
    """Call after the learner's name on certificates changed (inside or outside a
    transaction): current certificates with the old name are superseded by new ones,
    rendered and signed by the worker once the change commits."""
    return [_affected(certificate) for certificate in services.certificate_reissue_for_name_change(user_id=user_id)]


def certificates_withdraw_for_closed_account(*, user_id: int, now: datetime.datetime) -> list[AffectedCredential]:
    """The holder is closing their account (inside that transaction): withdraws their certificates."""
    return [
        _affected(certificate)
        for certificate in services.certificates_withdraw_for_closed_account(user_id=user_id, now=now)
    ]


def certificate_list_current(*, user_id: int, now: datetime.datetime) -> list[AffectedCredential]:
    """The certificates a change of the learner's name would re-issue under new ids."""
    return [_affected(c) for c in selectors.certificate_list_current_for_learner(user_id=user_id, now=now)]


def certificate_counts_by_status() -> dict[str, int]:
    """How many certificates are in each status (valid, revoked, superseded), for /metrics."""
    from django.db.models import Count

    from .models import Certificate

    counted = dict(Certificate.objects.values_list("status").annotate(n=Count("id")).order_by())
    return {status: counted.get(status, 0) for status in Certificate.Status.values}


def signing_key_available() -> bool:
    """Whether the signing key and its certificate are readable files, for /readyz."""
    import os

    from django.conf import settings

    return all(os.access(path, os.R_OK) for path in (settings.CERT_SIGNING_KEY_PATH, settings.CERT_SIGNING_CERT_PATH))


def certificate_count_valid(*, course_id: int) -> int:
    """Learners holding a valid certificate for the course (the last step of the cohort funnel)."""
    from .models import Certificate

    return (
        Certificate.objects.filter(course_id=course_id, status=Certificate.Status.VALID)
        .values("learner_id")
        .distinct()
        .count()
    )


@dataclass(frozen=True)
class CertificateSummary:
    """What a public profile page may show about one certificate."""

    credential_id: str
    display_id: str
    learner_id: int
    holder_name: str
    course_title: str
    course_version: str
    issued_at: datetime.datetime
    expires_at: datetime.datetime | None
    status: str
    status_label: str
    exam_score: float | None
    demos_passed: tuple[str, ...]
    test_mode: bool
    verification_url: str
    linkedin_url: str


def certificate_summary(*, credential_id: str) -> CertificateSummary | None:
    """`credential_id` as printed or stored (hyphens and case do not matter); None if unknown."""
    from django.utils import timezone

    from .badges import linkedin_add_url
    from .credential_id import CredentialIdError, credential_id_parse
    from .selectors import certificate_get_public
    from .verification import credential_status_display

    try:
        stored = credential_id_parse(credential_id)
    except CredentialIdError:
        return None
    certificate = certificate_get_public(credential_id=stored)
    if certificate is None:
        return None
    status = credential_status_display(certificate, now=timezone.now())
    return CertificateSummary(
        credential_id=certificate.credential_id,
        display_id=certificate.display_id,
        learner_id=certificate.learner_id,
        holder_name=certificate.holder_name,
        course_title=certificate.course_title,
        course_version=certificate.course_version,
        issued_at=certificate.issued_at,
        expires_at=certificate.expires_at,
        status=status["status"],
        status_label=status["status_label"],
        exam_score=certificate.exam_score,
        demos_passed=tuple(demo.get("title") or demo.get("slug", "") for demo in certificate.demos_passed),
        test_mode=certificate.test_mode,
        verification_url=certificate.verification_url,
        linkedin_url=linkedin_add_url(certificate),
    )


def certificate_pdf_for_learner(*, credential_id: str, user_id: int) -> bytes | None:
    """The signed PDF of one of the learner's own certificates, or None (not theirs, or not rendered yet)."""
    from .credential_id import CredentialIdError, credential_id_parse
    from .models import Certificate

    try:
        stored = credential_id_parse(credential_id)
    except CredentialIdError:
        return None
    certificate = Certificate.objects.filter(credential_id=stored, learner_id=user_id).exclude(pdf="").first()
    if certificate is None:
        return None
    with certificate.pdf.open("rb") as handle:
        return handle.read()
