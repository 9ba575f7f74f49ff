"""Issuance through the Celery task, exactly once per learner and course version.

The learner's results are real exam attempts and demo submissions in the database, read
through `assessments.api`; the database, PDF, signing and e-mail are real too.
"""

import datetime

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction

from assessments import api as assessments_api
from certificates import services, tasks
from certificates.eligibility import eligibility_evaluate
from certificates.models import Certificate, CertificateEvent
from courses import api as courses_api
from tests.accounts.factories import UserFactory
from tests.assessments.records import record_passes
from tests.certificates.factories import CERTIFICATE_REQUIREMENTS, CertificateFactory, CourseFactory
from tests.concurrency import all_at_once
from tests.requirements import require_postgresql

NOW = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)


def exam_outcome(*, passed=True, test_mode=False):
    return assessments_api.ExamOutcome(
        exam_slug="certification-exam",
        passed=passed,
        score_percent=91.5,
        attempt_id=7,
        finished_at=NOW,
        test_mode=test_mode,
    )


def demo_outcomes(*, test_mode=False):
    return [
        assessments_api.DemoOutcome(
            demo_slug=slug, title=title, passed=True, score=0.9, submission_id=i, graded_at=NOW, test_mode=test_mode
        )
        for i, (slug, title) in enumerate(
            [("structured-extraction", "Structured extraction"), ("function-calling", "Function calling")]
        )
    ]


@pytest.fixture
def course(db):
    return CourseFactory()


@pytest.fixture
def results(course, learner):
    return record_passes(user=learner, course=course)


def run_issue_task(user, course):
    tasks.certificate_issue.apply(args=(user.pk, course.pk), throw=True)


@pytest.mark.django_db
def test_an_eligible_learner_gets_a_signed_certificate_and_an_email(results, course, learner, signing_issuer):
    run_issue_task(learner, course)
    certificate = Certificate.objects.get(learner=learner)
    assert certificate.holder_name == learner.certificate_name
    assert (certificate.course_title, certificate.course_version) == (course.title, "2026.11")
    assert certificate.exam_score == 91.5
    assert [demo["slug"] for demo in certificate.demos_passed] == ["structured-extraction", "function-calling"]
    assert certificate.status == Certificate.Status.VALID and not certificate.test_mode
    assert certificate.pdf_sha256 and certificate.pdf.name.endswith(f"{certificate.credential_id[:12]}.pdf")
    assert certificate.badge_jwt.count(".") == 2
    expected_expiry = certificate.issued_at.replace(year=certificate.issued_at.year + 2)
    assert abs(certificate.expires_at - expected_expiry) < datetime.timedelta(days=1)
    assert list(certificate.events.values_list("kind", flat=True)) == ["issued", "pdf_signed", "notified"]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [learner.email]
    assert course.title in message.subject
    assert certificate.verification_url in message.body


@pytest.mark.django_db
def test_running_the_task_twice_changes_nothing(results, course, learner, signing_issuer):
    run_issue_task(learner, course)
    first = Certificate.objects.get(learner=learner)
    events_before = CertificateEvent.objects.count()
    run_issue_task(learner, course)
    assert Certificate.objects.filter(learner=learner).count() == 1
    again = Certificate.objects.get(learner=learner)
    assert (again.credential_id, again.pdf_sha256, again.issued_at) == (
        first.credential_id,
        first.pdf_sha256,
        first.issued_at,
    )
    assert CertificateEvent.objects.count() == events_before
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_learner_who_has_not_passed_gets_nothing(results, course, learner):
    results.attempt.passed = False
    results.attempt.save(update_fields=["passed"])
    run_issue_task(learner, course)
    assert not Certificate.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_results_earned_in_test_mode_make_a_test_mode_certificate(results, course, learner, signing_issuer):
    results.set_test_mode()
    run_issue_task(learner, course)
    certificate = Certificate.objects.get(learner=learner)
    assert certificate.test_mode
    assert mail.outbox[0].subject.startswith("[Test mode]")
    assert "not a valid credential" in mail.outbox[0].body


@pytest.mark.django_db
def test_a_new_course_version_is_reached_by_renewal_not_by_old_results(results, course, learner, signing_issuer):
    """The holder renews through the delta exam (tests/recert); the old passes alone do not
    issue the new version, and the old certificate stays valid until then."""
    run_issue_task(learner, course)
    course.version = "2027.05"
    course.save()
    run_issue_task(learner, course)
    versions = dict(Certificate.objects.filter(learner=learner).values_list("course_version", "status"))
    assert versions == {"2026.11": "valid"}


@pytest.mark.django_db
def test_a_requirement_added_to_course_yaml_holds_back_the_certificate(results, course, learner):
    course.metadata = {
        "certificate": {
            **CERTIFICATE_REQUIREMENTS,
            "requires": {
                **CERTIFICATE_REQUIREMENTS["requires"],
                "demos": ["structured-extraction", "function-calling", "vision-ocr"],
            },
        }
    }
    course.save()
    run_issue_task(learner, course)
    assert not Certificate.objects.exists()


@pytest.mark.django_db
def test_a_course_without_a_validity_period_issues_certificates_that_do_not_expire(learner, signing_issuer):
    course = CourseFactory(metadata={"certificate": {"requires": CERTIFICATE_REQUIREMENTS["requires"]}})
    record_passes(user=learner, course=course)
    run_issue_task(learner, course)
    assert Certificate.objects.get(learner=learner).expires_at is None


@pytest.mark.django_db
def test_a_learner_without_any_name_waits_for_one(course):
    nameless = UserFactory(certificate_name="", first_name="", last_name="")
    record_passes(user=nameless, course=course)
    run_issue_task(nameless, course)
    assert not Certificate.objects.exists()


@pytest.mark.django_db
def test_validity_is_counted_in_calendar_months(course, learner):
    info = courses_api.course_get_by_id(course_id=course.pk)
    eligibility = eligibility_evaluate(
        courses_api.CertificateRequirements.from_spec({**CERTIFICATE_REQUIREMENTS, "validity_months": 1}),
        exam_outcome(),
        demo_outcomes(),
        None,
    )
    certificate = services.certificate_issue(
        user_id=learner.pk,
        course=info,
        eligibility=eligibility,
        now=datetime.datetime(2026, 1, 31, 12, tzinfo=datetime.UTC),
    )
    assert certificate.expires_at == datetime.datetime(2026, 2, 28, 12, tzinfo=datetime.UTC)


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuance_makes_exactly_one_certificate(course, learner):
    require_postgresql(connection.vendor, "the row lock under test is PostgreSQL's; SQLite serialises writers itself")
    info = courses_api.course_get_by_id(course_id=course.pk)
    eligibility = eligibility_evaluate(
        courses_api.CertificateRequirements.from_spec(CERTIFICATE_REQUIREMENTS), exam_outcome(), demo_outcomes(), None
    )
    issued = all_at_once(
        lambda: services.certificate_issue(user_id=learner.pk, course=info, eligibility=eligibility), threads=6
    )
    assert all(isinstance(certificate, Certificate) for certificate in issued), issued
    assert len({certificate.pk for certificate in issued}) == 1
    assert Certificate.objects.filter(learner=learner).count() == 1
    assert CertificateEvent.objects.filter(kind="issued").count() == 1


@pytest.mark.django_db
def test_learner_progress_enqueues_the_issue_task_only_on_commit(django_capture_on_commit_callbacks, course, learner):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assessments_api.learner_progressed.send(sender=None, user_id=learner.pk, course_id=course.pk)
        assessments_api.learner_progressed.send(sender=None, user_id=learner.pk, course_id=course.pk)
    assert len(callbacks) == 2
    assert not Certificate.objects.exists()  # the receiver itself did no work


@pytest.mark.django_db
def test_the_database_refuses_a_second_current_certificate_for_one_course_version(course, learner):
    CertificateFactory(learner=learner, course=course)
    with pytest.raises(IntegrityError), transaction.atomic():
        CertificateFactory(learner=learner, course=course)
    CertificateFactory(learner=learner, course=course, status=Certificate.Status.SUPERSEDED)  # history is allowed
    assert Certificate.objects.filter(learner=learner).count() == 2


@pytest.mark.django_db
def test_changing_the_name_on_the_profile_reissues_the_certificate(
    results, course, learner, client, signing_issuer, django_capture_on_commit_callbacks
):
    run_issue_task(learner, course)
    old = Certificate.objects.get(learner=learner)
    client.force_login(learner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/profile/", {"certificate_name": "王小明"}, follow=True)
    assert "being re-issued with the new name" in response.content.decode()
    old.refresh_from_db()
    new = Certificate.objects.get(learner=learner, status=Certificate.Status.VALID)
    assert old.status == Certificate.Status.SUPERSEDED and old.superseded_by == new
    assert new.holder_name == "王小明"
