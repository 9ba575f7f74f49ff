"""Recertification: renewing a certificate through a short exam on what changed.

A certificate records the course version it was earned on. Once the course moves to a
newer version, or the certificate nears its expiry, the holder is offered the delta
between the two versions (`courses.api.course_version_delta`): the lessons to re-read,
a short exam drawn from the changed questions, and any required demo whose task changed.
Passing them supersedes the certificate with a new one for the current version; the
old one keeps verifying, as superseded, with a link to its replacement.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from assessments import api as assessments_api
from config.emails import recipient_language
from courses import api as courses_api

from . import services
from .models import Certificate, RenewalNotice

logger = logging.getLogger(__name__)

# How long before expiry a certificate is offered (and e-mailed) its renewal.
RENEWAL_WINDOW = datetime.timedelta(days=30)


@dataclass(frozen=True)
class RenewalPlan:
    """What the holder of `credential_id` has to do to renew it, and how far they are."""

    credential_id: str
    course_title: str
    from_version: str
    to_version: str
    # Why a renewal is offered: a newer course version, an expiry within the window, or both.
    new_version: bool
    expiring: bool
    delta: courses_api.CourseVersionDelta | None
    lessons_to_read: tuple[tuple[str, str], ...]  # (title, URL)
    exam: assessments_api.DeltaExamInfo | None
    exam_passed: bool
    demos_to_redo: tuple[str, ...]
    demos_missing: tuple[str, ...]

    @property
    def offered(self) -> bool:
        return self.new_version or self.expiring

    @property
    def ready(self) -> bool:
        return self.offered and (self.exam is None or self.exam_passed) and not self.demos_missing


def _offered_reasons(certificate: Certificate, course: courses_api.CourseInfo, now: datetime.datetime):
    new_version = certificate.course_version != course.version
    expiring = certificate.expires_at is not None and certificate.expires_at <= now + RENEWAL_WINDOW
    return new_version, expiring


def certificate_renewal_plan(*, certificate: Certificate, now: datetime.datetime) -> RenewalPlan | None:
    """The renewal offered for a valid certificate, creating its delta exam on first use; None
    when there is nothing to renew (revoked, superseded, or current and far from expiry) or the
    current version has no snapshot yet (the next content sync records it)."""
    if certificate.status != Certificate.Status.VALID:
        return None
    course = courses_api.course_get_by_id(course_id=certificate.course_id)
    new_version, expiring = _offered_reasons(certificate, course, now)
    if not (new_version or expiring):
        return None
    delta = courses_api.course_version_delta(
        course_id=course.id, from_version=certificate.course_version, to_version=course.version
    )
    if delta is None:
        logger.warning("Course %s version %s has no snapshot; run sync_content.", course.slug, course.version)
        return None
    # An unchanged course (an expiry renewal) gets a refresher over the whole bank instead.
    exam = assessments_api.delta_exam_ensure(
        course_id=course.id,
        from_version=certificate.course_version,
        to_version=course.version,
        question_external_ids=list(delta.exam_question_ids),
        now=now,
    )
    outcome = (
        assessments_api.exam_best_outcome(user_id=certificate.learner_id, course_id=course.id, exam_slug=exam.slug)
        if exam
        else None
    )
    demos_to_redo = tuple(slug for slug in course.certificate.demo_slugs if slug in delta.demos_to_redo)
    passed_demos = assessments_api.demo_slugs_passed_on_current_version(
        user_id=certificate.learner_id, course_id=course.id
    )
    titles = courses_api.lesson_title_map(course_id=course.id)
    return RenewalPlan(
        credential_id=certificate.display_id,
        course_title=course.title,
        from_version=certificate.course_version,
        to_version=course.version,
        new_version=new_version,
        expiring=expiring,
        delta=delta,
        lessons_to_read=tuple(
            (titles.get(ref, ref), courses_api.lesson_reference_url(course_slug=course.slug, reference=ref))
            for ref in delta.lessons_to_read
            if ref in titles
        ),
        exam=exam,
        # Only a pass after this certificate was issued renews it.
        exam_passed=bool(outcome and outcome.passed and outcome.finished_at >= certificate.issued_at),
        demos_to_redo=demos_to_redo,
        demos_missing=tuple(slug for slug in demos_to_redo if slug not in passed_demos),
    )


class RenewalNotReady(ValueError):
    """The delta has not been passed yet; the message says what is left."""


def certificate_renew(*, certificate_id: int, now: datetime.datetime) -> Certificate:
    """Supersede the certificate with one for the current course version and a new expiry,
    once its holder passed the delta. Raises RenewalNotReady otherwise."""
    with transaction.atomic():
        learner_id = Certificate.objects.values_list("learner_id", flat=True).get(pk=certificate_id)
        learner = services._lock_learner(learner_id)
        certificate = services._locked(certificate_id)
        plan = certificate_renewal_plan(certificate=certificate, now=now)
        if plan is None:
            raise RenewalNotReady(_("This certificate has no renewal to take."))
        if not plan.ready:
            left = [_("pass the recertification exam")] if plan.exam and not plan.exam_passed else []
            left += [_("pass the demo “%(demo)s” again") % {"demo": slug} for slug in plan.demos_missing]
            # Translators: joins the steps still to take ("pass the exam and pass the demo again").
            raise RenewalNotReady(_("To renew, %(steps)s.") % {"steps": _(" and ").join(left)})
        course = courses_api.course_get_by_id(course_id=certificate.course_id)
        validity = course.certificate.validity_months
        return services._reissue_locked(
            certificate,
            holder_name=learner.name_for_certificates or certificate.holder_name,
            actor=learner,
            note=f"Renewed for course version {course.version} through the recertification exam.",
            course_title=course.title,
            course_version=course.version,
            expires_at=services._add_months(now, validity) if validity else None,
        )


def certificate_renew_if_ready(*, user_id: int, course_id: int, now: datetime.datetime) -> Certificate | None:
    """After a learner's result: renew their certificate of this course if the delta is now passed."""
    current = Certificate.objects.filter(learner_id=user_id, course_id=course_id, status=Certificate.Status.VALID)
    for certificate in current:
        plan = certificate_renewal_plan(certificate=certificate, now=now)
        if plan is not None and plan.ready:
            try:
                return certificate_renew(certificate_id=certificate.pk, now=now)
            except RenewalNotReady:
                return None  # a concurrent renewal got there first
    return None


def renewal_reminders_send(*, now: datetime.datetime) -> int:
    """E-mail each holder whose certificate expires within the window or was earned on an
    older course version, once per certificate and kind; returns how many e-mails were sent."""
    sent = 0
    due = (
        Certificate.objects.filter(status=Certificate.Status.VALID)
        .filter(Q(expires_at__gt=now, expires_at__lte=now + RENEWAL_WINDOW) | ~Q(course_version=F("course__version")))
        .select_related("learner", "course")
    )
    for certificate in due:
        plan = certificate_renewal_plan(certificate=certificate, now=now)
        if plan is None:
            continue
        kind = RenewalNotice.Kind.NEW_VERSION if plan.new_version else RenewalNotice.Kind.EXPIRING
        with transaction.atomic():
            _, created = RenewalNotice.objects.get_or_create(
                certificate=certificate, kind=kind, defaults={"sent_at": now}
            )
            if not created:
                continue
            context = {
                "certificate": certificate,
                "plan": plan,
                "renew_url": settings.SITE_URL + reverse("certificates:renew", args=[certificate.display_id]),
            }
            with translation.override(recipient_language(certificate.learner, fallback=certificate.language)):
                subject = render_to_string("certificates/email/renewal_subject.txt", context).strip()
                body = render_to_string("certificates/email/renewal_body.txt", context)
            # Sent inside the transaction: if the mail relay fails, the notice is not recorded
            # and the next run sends it.
            send_mail(subject=subject, message=body, from_email=None, recipient_list=[certificate.learner.email])
            sent += 1
    return sent


@dataclass(frozen=True)
class VersionHolders:
    version: str
    recorded_at: datetime.datetime | None  # when a sync first saw the version; None if never recorded
    is_current: bool
    # Valid certificates of this version: (holder name, credential id, expires_at, expired).
    holders: tuple[tuple[str, str, datetime.datetime | None, bool], ...]

    @property
    def expired(self) -> int:
        return sum(1 for *_, expired in self.holders if expired)

    @property
    def in_force(self) -> int:
        return len(self.holders) - self.expired


@dataclass(frozen=True)
class RenewalOverview:
    versions: tuple[VersionHolders, ...]  # newest first
    current: int  # holders on the current version, not expired
    older: int  # holders on an older version, not expired
    expired: int
    reminders_sent: int


def renewal_overview(*, course_id: int, now: datetime.datetime) -> RenewalOverview:
    """For instructors: per course version, who holds a valid certificate and whether it is current."""
    course = courses_api.course_get_by_id(course_id=course_id)
    recorded = {info.version: info.created_at for info in courses_api.course_version_list(course_id=course_id)}
    by_version: dict[str, list[tuple[str, str, datetime.datetime | None, bool]]] = {}
    valid = Certificate.objects.filter(course_id=course_id, status=Certificate.Status.VALID).order_by("holder_name")
    for certificate in valid:
        expired = certificate.expires_at is not None and certificate.expires_at <= now
        by_version.setdefault(certificate.course_version, []).append(
            (certificate.holder_name, certificate.display_id, certificate.expires_at, expired)
        )
    versions = sorted(
        set(recorded) | set(by_version),
        key=lambda v: (recorded.get(v) is not None, recorded.get(v) or now, v),
        reverse=True,
    )
    rows = tuple(
        VersionHolders(
            version=version,
            recorded_at=recorded.get(version),
            is_current=version == course.version,
            holders=tuple(by_version.get(version, ())),
        )
        for version in versions
    )
    return RenewalOverview(
        versions=rows,
        current=sum(row.in_force for row in rows if row.is_current),
        older=sum(row.in_force for row in rows if not row.is_current),
        expired=sum(row.expired for row in rows),
        reminders_sent=RenewalNotice.objects.filter(certificate__course_id=course_id).count(),
    )
