"""Writes: issuing, signing, notifying, revoking and re-issuing certificates."""

import calendar
import datetime
import hashlib
import logging
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.api import OwnRecordAction, own_record_refusal
from assessments import api as assessments_api
from config.emails import email_html, recipient_language
from courses import api as courses_api

from . import badges, issuer, tasks
from .credential_id import credential_id_generate
from .eligibility import Eligibility, eligibility_evaluate
from .models import Certificate, CertificateEvent, SigningKey, Verification, VerificationTally
from .pdf import (
    CertificateDocument,
    newest_timestamp_expiry,
    pdf_render,
    pdf_sign,
    pdf_timestamp_add,
)

logger = logging.getLogger(__name__)


class CertificateStateError(ValueError):
    """The action does not apply to the certificate in its current state."""


def _add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _event(certificate: Certificate, kind: str, *, actor=None, note: str = "") -> None:
    CertificateEvent.objects.create(certificate=certificate, kind=kind, actor=actor, note=note)


def _current_certificate(*, user_id: int, course_id: int, course_version: str) -> Certificate | None:
    return (
        Certificate.objects.filter(learner_id=user_id, course_id=course_id, course_version=course_version)
        .exclude(status=Certificate.Status.SUPERSEDED)
        .first()
    )


def _holds_earlier_version(*, user_id: int, course: courses_api.CourseInfo) -> bool:
    return (
        Certificate.objects.filter(learner_id=user_id, course_id=course.id, status=Certificate.Status.VALID)
        .exclude(course_version=course.version)
        .exists()
    )


def _lock_learner(user_id: int):
    """Serialises every issuance and re-issue for one learner (caller is inside atomic())."""
    return get_user_model().objects.select_for_update().get(pk=user_id)


def _locked(certificate_id: int) -> Certificate:
    return Certificate.objects.select_for_update(of=("self",)).get(pk=certificate_id)


def signing_key_activate(*, signer: issuer.LoadedSigner) -> SigningKey:
    """Registers the key a worker signs with (idempotent) and marks it the active one."""
    with transaction.atomic():
        key, _ = SigningKey.objects.get_or_create(kid=signer.kid, defaults={"certificate_pem": signer.certificate_pem})
        if not key.is_active:
            SigningKey.objects.filter(is_active=True).exclude(pk=key.pk).update(is_active=False)
            key.is_active = True
            key.save(update_fields=["is_active"])
    return key


def certificate_issue(
    *,
    user_id: int,
    course: courses_api.CourseInfo,
    eligibility: Eligibility,
    now: datetime.datetime | None = None,
    language: str = "",
) -> Certificate | None:
    """Issues the learner's certificate for this course version at most once.

    Returns the certificate already issued when there is one, and None when the learner
    has no name to print yet. The learner row lock orders concurrent calls; the partial
    unique constraint makes a duplicate impossible even without it. `language` is the one
    the learner was using when they earned it; their chosen language, when set, wins.
    """
    if not eligibility.eligible:
        raise CertificateStateError(_("The learner has not met the certificate requirements."))
    now = now or timezone.now()
    with transaction.atomic():
        learner = _lock_learner(user_id)
        existing = _current_certificate(user_id=user_id, course_id=course.id, course_version=course.version)
        if existing is not None:
            return existing
        holder_name = learner.name_for_certificates
        if not holder_name:
            logger.warning("Certificate for user %s in course %s waits for a name on certificates.", user_id, course.id)
            return None
        try:
            with transaction.atomic():
                certificate = Certificate.objects.create(
                    credential_id=credential_id_generate(),
                    learner_id=user_id,
                    course_id=course.id,
                    course_title=course.title,
                    course_version=course.version,
                    holder_name=holder_name,
                    exam_score=eligibility.exam_score,
                    demos_passed=[
                        {"slug": demo.slug, "title": demo.title, "score": demo.score}
                        for demo in eligibility.demos_passed
                    ],
                    issued_at=now,
                    expires_at=_add_months(now, eligibility.validity_months) if eligibility.validity_months else None,
                    test_mode=eligibility.test_mode,
                    language=recipient_language(learner, fallback=language),
                )
        except IntegrityError:
            existing = _current_certificate(user_id=user_id, course_id=course.id, course_version=course.version)
            if existing is None:
                raise
            return existing
        _event(certificate, CertificateEvent.Kind.ISSUED, note="Test mode." if eligibility.test_mode else "")
    return certificate


def certificate_issue_if_eligible(*, user_id: int, course_id: int, language: str = "") -> Certificate | None:
    """Gathers the learner's results through the other apps' api modules, then issues."""
    course = courses_api.course_get_by_id(course_id=course_id)
    if _holds_earlier_version(user_id=user_id, course=course):
        # Holders of an earlier version renew through the delta exam (recertification.py);
        # their old results must not hand them the new version without it.
        return None
    requirements = course.certificate
    exam_outcome = (
        assessments_api.exam_best_outcome(user_id=user_id, course_id=course_id, exam_slug=requirements.exam_slug)
        if requirements.exam_slug
        else None
    )
    demo_outcomes = assessments_api.demo_passed_outcomes(user_id=user_id, course_id=course_id)
    lessons = courses_api.lessons_summary(user_id=user_id, course_id=course_id) if requirements.all_lessons else None
    eligibility = eligibility_evaluate(requirements, exam_outcome, demo_outcomes, lessons)
    if not eligibility.eligible:
        return None
    return certificate_issue(user_id=user_id, course=course, eligibility=eligibility, language=language)


def certificate_issue_enqueue(*, user_id: int, course_id: int) -> None:
    """Once the transaction commits, the worker checks eligibility and issues. The language the
    learner is using now goes along: the worker has no request to read it from."""
    language = translation.get_language() or ""
    transaction.on_commit(partial(tasks.certificate_issue.delay, user_id, course_id, language))


def certificate_issue_pending_enqueue(*, user_id: int) -> None:
    """Check again every course offering a certificate that the learner does not hold. For a
    learner who met the requirements before giving a name, no certificate could be issued
    (there was nothing to print); now that there is a name, it is."""
    held = set(
        Certificate.objects.filter(learner_id=user_id, status=Certificate.Status.VALID).values_list(
            "course_id", flat=True
        )
    )
    for course in courses_api.course_list():
        if course.certificate.awards_certificate and course.id not in held:
            certificate_issue_enqueue(user_id=user_id, course_id=course.id)


def certificate_document(*, certificate: Certificate) -> CertificateDocument:
    return CertificateDocument(
        display_id=certificate.display_id,
        holder_name=certificate.holder_name,
        course_title=certificate.course_title,
        course_version=certificate.course_version,
        issued_on=certificate.issued_at.date(),
        expires_on=certificate.expires_at.date() if certificate.expires_at else None,
        demos=tuple(demo["title"] for demo in certificate.demos_passed),
        test_mode=certificate.test_mode,
        issuer_name=settings.CERT_ISSUER_NAME,
        verify_url=certificate.verification_url,
        language=certificate.language,
    )


def certificate_render_and_sign(*, certificate_id: int) -> Certificate:
    """Renders, signs and stores the PDF and the Open Badges credential, once."""
    signer = issuer.signer_load()
    with transaction.atomic():
        certificate = _locked(certificate_id)
        if certificate.pdf_sha256 or certificate.holder_erased:
            return certificate  # signed already, or its holder closed their account before the worker came
        key = signing_key_activate(signer=signer)
        signed = pdf_sign(
            pdf_render(certificate_document(certificate=certificate)), signer=signer, location=settings.SITE_URL
        )
        # The body alone names the file: storage strips check symbols such as $ and *, and
        # the body is unique because the check symbol is derived from it.
        certificate.pdf.save(f"{certificate.credential_id[:12]}.pdf", ContentFile(signed), save=False)
        certificate.pdf_sha256 = hashlib.sha256(signed).hexdigest()
        certificate.signing_key = key
        if not certificate.test_mode:  # a test-mode badge is never signed (see badges)
            course = courses_api.course_get_by_id(course_id=certificate.course_id)
            certificate.badge_jwt = badges.credential_token(certificate, course=course, signer=signer)
        certificate.save(update_fields=["pdf", "pdf_sha256", "signing_key", "badge_jwt"])
        _event(certificate, CertificateEvent.Kind.PDF_SIGNED, note=f"Signed with key {signer.kid}.")
    return certificate


def certificate_notify(*, certificate_id: int) -> bool:
    """E-mails the learner once the PDF exists; the on-page notice waits on /certificates/.
    A certificate revoked or superseded before this runs is not announced."""
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update(of=("self",)).select_related("learner").get(pk=certificate_id)
        )
        if (
            certificate.notified_at is not None
            or not certificate.pdf_sha256
            or certificate.status != Certificate.Status.VALID
        ):
            return False
        context = {"certificate": certificate, "site_url": settings.SITE_URL}
        with translation.override(recipient_language(certificate.learner, fallback=certificate.language)):
            subject = render_to_string("certificates/email/issued_subject.txt", context).strip()
            body = render_to_string("certificates/email/issued_body.txt", context)
            html = email_html(
                subject=subject,
                text=body,
                action_url=f"{settings.SITE_URL}/certificates/",
                action_label=_("See and share your certificate"),
            )
        send_mail(
            subject=subject,
            message=body,
            html_message=html,
            from_email=None,
            recipient_list=[certificate.learner.email],
        )
        certificate.notified_at = timezone.now()
        certificate.save(update_fields=["notified_at"])
        _event(certificate, CertificateEvent.Kind.NOTIFIED)
    return True


def certificate_finalize(*, certificate_id: int) -> Certificate:
    certificate = certificate_render_and_sign(certificate_id=certificate_id)
    certificate_notify(certificate_id=certificate_id)
    return certificate


def certificate_notices_take(*, certificates: Iterable[Certificate]) -> list[Certificate]:
    """The "your certificate is ready" notices due among `certificates` (signed, not yet
    seen), marked seen so that each shows once. Only these rows are marked: a certificate
    signed after the caller read them keeps its notice for the next visit."""
    due = [certificate for certificate in certificates if certificate.pdf_sha256 and certificate.notice_seen_at is None]
    if due:
        Certificate.objects.filter(pk__in=[certificate.pk for certificate in due], notice_seen_at__isnull=True).update(
            notice_seen_at=timezone.now()
        )
    return due


def _refuse_own_certificate(certificate_id: int, actor, action: OwnRecordAction) -> int:
    """Staff do not revoke, reinstate or re-issue their own certificate. Checked before the
    action's transaction, so that the refusal's audit entry is kept. Returns the holder's id
    (a certificate never changes holder)."""
    learner_id = Certificate.objects.values_list("learner_id", flat=True).get(pk=certificate_id)
    refusal = own_record_refusal(actor_id=getattr(actor, "pk", None), learner_id=learner_id, action=action)
    if refusal:
        raise CertificateStateError(refusal)
    return learner_id


def certificate_revoke(*, certificate_id: int, actor, reason: str, note: str) -> Certificate:
    if reason not in Certificate.RevocationReason.values:
        raise CertificateStateError(f"Unknown revocation reason {reason!r}.")
    _refuse_own_certificate(certificate_id, actor, OwnRecordAction.REVOKE_CERTIFICATE)
    with transaction.atomic():
        certificate = _locked(certificate_id)
        if certificate.status != Certificate.Status.VALID:
            raise CertificateStateError(_("Only a current certificate can be revoked."))
        certificate.status = Certificate.Status.REVOKED
        certificate.revocation_reason = reason
        certificate.revocation_note = note
        certificate.revoked_at = timezone.now()
        certificate.save(update_fields=["status", "revocation_reason", "revocation_note", "revoked_at"])
        with translation.override(settings.LANGUAGE_CODE):  # the audit trail is kept in one language
            reason_label = certificate.get_revocation_reason_display()
        _event(certificate, CertificateEvent.Kind.REVOKED, actor=actor, note=f"{reason_label}: {note}")
    return certificate


def certificate_reinstate(*, certificate_id: int, actor, note: str) -> Certificate:
    _refuse_own_certificate(certificate_id, actor, OwnRecordAction.REINSTATE_CERTIFICATE)
    with transaction.atomic():
        certificate = _locked(certificate_id)
        if certificate.status != Certificate.Status.REVOKED:
            raise CertificateStateError(_("Only a revoked certificate can be reinstated."))
        if certificate.holder_erased:
            raise CertificateStateError(
                _("The holder withdrew this certificate when they closed their account; it cannot be reinstated.")
            )
        certificate.status = Certificate.Status.VALID
        certificate.revocation_reason = ""
        certificate.revocation_note = ""
        certificate.revoked_at = None
        certificate.save(update_fields=["status", "revocation_reason", "revocation_note", "revoked_at"])
        _event(certificate, CertificateEvent.Kind.REINSTATED, actor=actor, note=note)
    return certificate


def _reissue_locked(certificate: Certificate, *, holder_name: str, actor, note: str, **renewed) -> Certificate:
    """Caller holds the learner lock and has checked the certificate is current.

    The replacement keeps the original expiry: a re-issue corrects the document, it does
    not extend the credential. Only a renewal (see `recertification.py`) passes `renewed`
    fields: the course version and title it now covers and its new expiry.
    """
    certificate.status = Certificate.Status.SUPERSEDED
    certificate.save(update_fields=["status"])
    copied = {
        "course_title": certificate.course_title,
        "course_version": certificate.course_version,
        "exam_score": certificate.exam_score,
        "demos_passed": certificate.demos_passed,
        "expires_at": certificate.expires_at,
        "test_mode": certificate.test_mode,
        "language": recipient_language(certificate.learner, fallback=certificate.language),
    }
    replacement = Certificate.objects.create(
        credential_id=credential_id_generate(),
        learner_id=certificate.learner_id,
        course_id=certificate.course_id,
        holder_name=holder_name,
        issued_at=timezone.now(),
        **(copied | renewed),
    )
    certificate.superseded_by = replacement
    certificate.save(update_fields=["superseded_by"])
    _event(
        certificate,
        CertificateEvent.Kind.SUPERSEDED,
        actor=actor,
        note=f"Replaced by {replacement.display_id}. {note}".strip(),
    )
    _event(
        replacement,
        CertificateEvent.Kind.REISSUED,
        actor=actor,
        note=f"Replaces {certificate.display_id}. {note}".strip(),
    )
    transaction.on_commit(partial(tasks.certificate_finalize.delay, replacement.id))
    return replacement


def certificate_reissue(*, certificate_id: int, actor, note: str) -> Certificate:
    """Staff re-issue: a new credential id and PDF with the learner's current name."""
    learner_id = _refuse_own_certificate(certificate_id, actor, OwnRecordAction.REISSUE_CERTIFICATE)
    with transaction.atomic():
        learner = _lock_learner(learner_id)
        certificate = _locked(certificate_id)
        if certificate.status != Certificate.Status.VALID:
            raise CertificateStateError(_("Only a current certificate can be re-issued; reinstate it first."))
        holder_name = learner.name_for_certificates or certificate.holder_name
        return _reissue_locked(certificate, holder_name=holder_name, actor=actor, note=note)


def certificate_reissue_for_name_change(*, user_id: int) -> list[Certificate]:
    """After the learner changes the name on certificates: every current, unexpired
    certificate printed with another name is superseded by one with the new name."""
    now = timezone.now()
    with transaction.atomic():
        learner = _lock_learner(user_id)
        holder_name = learner.name_for_certificates
        if not holder_name:
            return []
        current = (
            Certificate.objects.select_for_update(of=("self",))
            .filter(learner_id=user_id, status=Certificate.Status.VALID)
            .exclude(holder_name=holder_name)
            .exclude(expires_at__lte=now)
        )
        return [
            _reissue_locked(certificate, holder_name=holder_name, actor=learner, note="Name on certificates changed.")
            for certificate in current
        ]


def certificates_withdraw_for_closed_account(*, user_id: int, now: datetime.datetime) -> list[Certificate]:
    """The holder closed their account, inside that transaction: each valid certificate is
    revoked as withdrawn at their request, and every certificate of theirs, whatever its
    status, loses the name, the signed badge and the PDF file (deleted once the closure
    commits). The PDF's hashes stay, so that a copy an employer uploads is still recognised,
    as withdrawn. Returns the certificates withdrawn."""
    _lock_learner(user_id)
    withdrawn = []
    for certificate in Certificate.objects.select_for_update().filter(learner_id=user_id):
        if certificate.status == Certificate.Status.VALID:
            certificate.status = Certificate.Status.REVOKED
            certificate.revocation_reason = Certificate.RevocationReason.HOLDER_REQUEST
            certificate.revocation_note = ""
            certificate.revoked_at = now
            withdrawn.append(certificate)
            _event(certificate, CertificateEvent.Kind.REVOKED, note="Withdrawn: the holder closed their account.")
        if certificate.pdf.name:
            transaction.on_commit(partial(certificate.pdf.storage.delete, certificate.pdf.name))
        certificate.holder_name = certificate.badge_jwt = ""
        certificate.pdf = ""
        certificate.save(
            update_fields=[
                "status",
                "revocation_reason",
                "revocation_note",
                "revoked_at",
                "holder_name",
                "badge_jwt",
                "pdf",
            ]
        )
    return withdrawn


def certificate_timestamp_refresh(*, certificate_id: int, renew_before: datetime.datetime) -> bool:
    """The B-LTA archive step: when the newest timestamp's TSA certificate expires before
    `renew_before`, append fresh validation data and a new document timestamp. The signed
    revision is untouched, so copies downloaded earlier keep verifying. True when renewed."""
    with transaction.atomic():
        certificate = _locked(certificate_id)
        if not certificate.pdf:
            return False
        with certificate.pdf.open("rb") as handle:
            current = handle.read()
        expiry = newest_timestamp_expiry(current)
        if expiry is None or expiry > renew_before:
            return False  # signed before timestamping (nothing to extend), or not due yet
        renewed = pdf_timestamp_add(current)
        old_name = certificate.pdf.name or ""
        certificate.pdf.save(f"{certificate.credential_id[:12]}.pdf", ContentFile(renewed), save=False)
        certificate.earlier_pdf_sha256 = [*certificate.earlier_pdf_sha256, certificate.pdf_sha256]
        certificate.pdf_sha256 = hashlib.sha256(renewed).hexdigest()
        certificate.save(update_fields=["pdf", "pdf_sha256", "earlier_pdf_sha256"])
        # Removed only after the row points at the new file; a crash leaves a spare, not a gap.
        transaction.on_commit(partial(certificate.pdf.storage.delete, old_name))
        _event(certificate, CertificateEvent.Kind.TIMESTAMPED, note="Document timestamp renewed.")
    return True


def verifications_record(*, certificate_ids: Iterable[int], channel: str) -> None:
    """Counts one verification of each certificate (no data about the verifier)."""
    Verification.objects.bulk_create(
        [Verification(certificate_id=certificate_id, channel=channel) for certificate_id in set(certificate_ids)]
    )


def verifications_roll_up(*, now: datetime.datetime) -> int:
    """Folds verifications older than CERT_VERIFICATION_LOG_DAYS into the per-channel tallies
    and deletes them; returns how many were folded.

    Each certificate and channel is one transaction that adds exactly the rows its DELETE
    removed, so a second run (or one racing this) finds nothing left to add: no look is
    counted twice or lost. Newer rows, including those arriving meanwhile, are not touched."""
    cutoff = now - datetime.timedelta(days=settings.CERT_VERIFICATION_LOG_DAYS)
    old = Verification.objects.filter(created_at__lt=cutoff)
    groups = old.order_by().values_list("certificate_id", "channel").distinct()
    folded = 0
    for certificate_id, channel in list(groups):
        with transaction.atomic():
            deleted, _per_model = old.filter(certificate_id=certificate_id, channel=channel).delete()
            if not deleted:
                continue
            tally, _created = VerificationTally.objects.get_or_create(certificate_id=certificate_id, channel=channel)
            VerificationTally.objects.filter(pk=tally.pk).update(count=F("count") + deleted)
            folded += deleted
    return folded
