"""The done-when flow: a certificate of version 1 is renewed through the delta exam after
version 2 is released, and the old one verifies as superseded."""

import datetime

import pytest
from django.core import mail

from assessments.exams import services as exam_services
from assessments.models import Exam
from certificates import recertification, services, tasks
from certificates.models import Certificate, RenewalNotice
from courses.models import Course
from tests.accounts.factories import UserFactory
from tests.assessments.exams.conftest import START, sync
from tests.certificates.factories import CertificateFactory
from tests.recert.conftest import bump_version, release_version_2

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def pass_exam(user, exam: Exam, now: datetime.datetime, *, correct: bool = True):
    attempt = exam_services.attempt_start(user=user, exam=exam, now=now)
    for slot in attempt.questions.all():
        exam_services.attempt_answer_save(
            attempt_id=attempt.id, position=slot.position, raw="b" if correct else "a", now=now
        )
    exam_services.attempt_submit(attempt_id=attempt.id, now=now + datetime.timedelta(minutes=1))
    attempt.refresh_from_db()
    return attempt


@pytest.fixture
def version_1_holder(course_root, time_machine):
    """A learner certified on version 1 through the real exam and issuance, then version 2 released."""
    time_machine.move_to(START, tick=False)
    learner = UserFactory()
    course = Course.objects.get(slug="demo-course")
    pass_exam(learner, Exam.objects.get(slug="final-exam"), START)
    certificate = services.certificate_issue_if_eligible(user_id=learner.pk, course_id=course.pk)
    assert certificate is not None and certificate.course_version == "1"
    time_machine.move_to(START + 30 * DAY, tick=False)
    release_version_2(course_root)
    sync(course_root)
    return certificate


def test_a_version_1_certificate_renews_through_the_delta_exam_and_verifies_as_superseded(
    version_1_holder,
    client,
    signing_issuer,
    time_machine,
):
    old = version_1_holder
    learner = old.learner
    now = START + 31 * DAY
    time_machine.move_to(now, tick=False)
    # The old full-exam pass does not hand out version 2: renewal goes through the delta.
    assert services.certificate_issue_if_eligible(user_id=learner.pk, course_id=old.course_id) is None
    plan = recertification.certificate_renewal_plan(certificate=old, now=now)
    assert plan is not None and plan.new_version and not plan.ready
    assert plan.exam is not None and plan.exam.question_count == 4
    assert [title for title, _ in plan.lessons_to_read] == ["Calls"]
    with pytest.raises(recertification.RenewalNotReady, match="recertification exam"):
        recertification.certificate_renew(certificate_id=old.pk, now=now)

    attempt = pass_exam(learner, Exam.objects.get(slug=plan.exam.slug), now)
    assert attempt.passed
    # The worker's task after the result renews it (learner_progressed -> certificate_issue).
    tasks.certificate_issue.apply(args=(learner.pk, old.course_id), throw=True)
    old.refresh_from_db()
    new = old.superseded_by
    assert old.status == Certificate.Status.SUPERSEDED and new is not None
    assert new.status == Certificate.Status.VALID and new.course_version == "2"
    assert new.credential_id != old.credential_id
    assert new.expires_at == now.replace(year=now.year + 2)  # a fresh validity period from the renewal
    tasks.certificate_finalize.apply(args=(new.pk,), throw=True)
    page = client.get(f"/verify/{old.display_id}/")
    assert page.status_code == 200 and page.context["status"] == "superseded"
    assert new.display_id in page.content.decode()
    expected = "test_mode" if new.test_mode else "valid"  # earned against the simulator in tests
    assert client.get(f"/verify/{new.display_id}/").context["status"] == expected
    # Renewed once: a second run changes nothing.
    assert recertification.certificate_renew_if_ready(user_id=learner.pk, course_id=old.course_id, now=now) is None
    assert Certificate.objects.filter(learner=learner).count() == 2


def test_the_renewal_page_lists_the_delta_refuses_early_and_renews_after_the_pass(
    version_1_holder, client, time_machine
):
    old = version_1_holder
    client.force_login(old.learner)
    url = f"/certificates/{old.display_id}/renew/"
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Take the recertification exam" in body and "Calls" in body
    refused = client.post(url)
    assert refused.status_code == 400 and "pass the recertification exam" in refused.content.decode()
    old.refresh_from_db()
    assert old.status == Certificate.Status.VALID
    plan = page.context["plan"]
    exam_page = client.get(plan.exam.url)
    assert exam_page.status_code == 200 and "Recertification exam" in exam_page.content.decode()
    pass_exam(old.learner, Exam.objects.get(slug=plan.exam.slug), START + 31 * DAY)
    done = client.post(url)
    assert done.status_code == 302
    old.refresh_from_db()
    assert old.status == Certificate.Status.SUPERSEDED and old.superseded_by.course_version == "2"
    # Someone else's certificate is not found, not renewed.
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


def test_a_failed_delta_exam_does_not_renew(version_1_holder, time_machine):
    old = version_1_holder
    now = START + 31 * DAY
    plan = recertification.certificate_renewal_plan(certificate=old, now=now)
    assert not pass_exam(old.learner, Exam.objects.get(slug=plan.exam.slug), now, correct=False).passed
    assert recertification.certificate_renew_if_ready(user_id=old.learner_id, course_id=old.course_id, now=now) is None
    old.refresh_from_db()
    assert old.status == Certificate.Status.VALID


def test_reminders_go_once_per_certificate_and_reason(course_root, time_machine):
    course = Course.objects.get(slug="demo-course")
    now = START + 10 * DAY
    time_machine.move_to(now, tick=False)
    expiring = CertificateFactory(course=course, course_version="1", issued_at=START, expires_at=now + 20 * DAY)
    far = CertificateFactory(course=course, course_version="1", issued_at=START, expires_at=now + 400 * DAY)
    assert recertification.renewal_reminders_send(now=now) == 1
    assert [m.to for m in mail.outbox] == [[expiring.learner.email]]
    assert (
        "expires on" in mail.outbox[0].subject and f"/certificates/{expiring.display_id}/renew/" in mail.outbox[0].body
    )
    assert recertification.renewal_reminders_send(now=now + DAY) == 0  # never twice
    bump_version(course_root, "2")
    sync(course_root)
    assert tasks.certificate_renewal_reminders.apply(throw=True).get() == 2  # both now predate version 2
    assert {m.to[0] for m in mail.outbox[1:]} == {expiring.learner.email, far.learner.email}
    assert "version 2" in mail.outbox[-1].subject
    assert set(RenewalNotice.objects.values_list("certificate_id", "kind")) == {
        (expiring.pk, "expiring"),
        (expiring.pk, "new_version"),
        (far.pk, "new_version"),
    }
    assert recertification.renewal_reminders_send(now=now + 2 * DAY) == 0


def test_an_expiring_certificate_of_the_current_version_renews_through_a_refresher(course_root, time_machine):
    course = Course.objects.get(slug="demo-course")
    now = START + 10 * DAY
    time_machine.move_to(now, tick=False)
    certificate = CertificateFactory(course=course, course_version="1", issued_at=START, expires_at=now + 5 * DAY)
    plan = recertification.certificate_renewal_plan(certificate=certificate, now=now)
    assert plan is not None and plan.expiring and not plan.new_version and plan.delta.is_empty
    assert plan.exam.question_count == 6  # nothing changed: a refresher over the whole bank
    pass_exam(certificate.learner, Exam.objects.get(slug=plan.exam.slug), now)
    renewed = recertification.certificate_renew(certificate_id=certificate.pk, now=now)
    assert renewed.course_version == "1" and renewed.expires_at == now.replace(year=now.year + 2)
    current = CertificateFactory(course=course, course_version="1", issued_at=START, expires_at=now + 400 * DAY)
    assert recertification.certificate_renewal_plan(certificate=current, now=now) is None


def test_instructors_see_per_version_who_is_current(course_root, instructor_client, learner, time_machine):
    course = Course.objects.get(slug="demo-course")
    now = START + 10 * DAY
    time_machine.move_to(now, tick=False)
    CertificateFactory(course=course, course_version="1", holder_name="Old Holder", expires_at=now + 300 * DAY)
    CertificateFactory(course=course, course_version="1", holder_name="Lapsed Holder", expires_at=now - DAY)
    bump_version(course_root, "2")
    sync(course_root)
    CertificateFactory(course=course, course_version="2", holder_name="New Holder", expires_at=now + 700 * DAY)
    page = instructor_client.get("/certificates/versions/demo-course/")
    assert page.status_code == 200
    overview = page.context["overview"]
    assert (overview.current, overview.older, overview.expired) == (1, 1, 1)
    assert [row.version for row in overview.versions] == ["2", "1"]
    body = page.content.decode()
    assert "New Holder" in body and "Older version: renewal offered" in body and "Expired" in body
    assert instructor_client.get("/certificates/versions/no-such-course/").status_code == 404
    instructor_client.force_login(learner)
    assert instructor_client.get("/certificates/versions/demo-course/").status_code == 403
