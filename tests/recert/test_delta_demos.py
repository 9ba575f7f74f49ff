"""A required demo whose task changed between versions must be passed again, on the new task."""

import datetime

import pytest

from certificates import recertification
from certificates.models import Certificate
from courses.models import CourseVersion
from tests.assessments.records import demo_submission_graded
from tests.certificates.factories import CertificateFactory, CourseFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 6, 1, 9, 0, tzinfo=datetime.UTC)


def snapshot(course, version: str, demos: dict) -> None:
    CourseVersion.objects.create(
        course=course,
        version=version,
        manifest={"lessons": {}, "questions": {}, "demos": demos},
        created_at=NOW - datetime.timedelta(days=30),
    )


def test_a_changed_required_demo_is_retaken_on_the_new_task_version(learner):
    course = CourseFactory(version="2027.05")
    snapshot(course, "2026.11", {"structured-extraction": "a1", "function-calling": "b1"})
    snapshot(course, "2027.05", {"structured-extraction": "a1", "function-calling": "b2"})
    certificate = CertificateFactory(
        learner=learner, course=course, course_version="2026.11", issued_at=NOW - datetime.timedelta(days=200)
    )
    old_pass = demo_submission_graded(user=learner, course=course, slug="function-calling", title="Function calling")
    task = old_pass.task
    task.version = "b2"  # what the sync of version 2027.05 wrote
    task.save(update_fields=["version"])
    plan = recertification.certificate_renewal_plan(certificate=certificate, now=NOW)
    assert plan is not None and plan.exam is None  # no question changed and the bank is empty
    assert plan.demos_to_redo == ("function-calling",)
    assert plan.demos_missing == ("function-calling",)  # the pass was on the task as it was
    with pytest.raises(recertification.RenewalNotReady, match="function-calling"):
        recertification.certificate_renew(certificate_id=certificate.pk, now=NOW)
    demo_submission_graded(user=learner, course=course, slug="function-calling", title="Function calling")
    plan = recertification.certificate_renewal_plan(certificate=certificate, now=NOW)
    assert plan.ready
    renewed = recertification.certificate_renew(certificate_id=certificate.pk, now=NOW)
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.SUPERSEDED and certificate.superseded_by == renewed
    assert renewed.course_version == "2027.05"
