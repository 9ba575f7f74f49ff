"""The whole path with a real Celery worker and the configured broker (file system on
SQLite runs, Redis with REDIS_URL): a learner_progressed signal committed in one
transaction ends with a signed certificate and one e-mail."""

import pytest
from django.core import mail
from django.db import transaction

from assessments import api as assessments_api
from certificates.models import Certificate
from tests.accounts.factories import UserFactory
from tests.assessments.records import record_passes
from tests.certificates.factories import CourseFactory
from tests.certificates.helpers import issuing_worker, wait_for_tasks


@pytest.mark.django_db(transaction=True)
def test_progress_signal_leads_to_one_signed_certificate_through_the_worker(signing_issuer):
    learner = UserFactory()
    course = CourseFactory()
    record_passes(user=learner, course=course)
    with issuing_worker(learner.pk) as finished:
        with transaction.atomic():
            # Sent twice, as two graded results would be: still one certificate.
            assessments_api.learner_progressed.send(sender=None, user_id=learner.pk, course_id=course.pk)
            assessments_api.learner_progressed.send(sender=None, user_id=learner.pk, course_id=course.pk)
        wait_for_tasks(finished, 2)
    assert len(finished) == 2
    certificate = Certificate.objects.get(learner=learner)
    assert certificate.pdf_sha256
    assert len([m for m in mail.outbox if m.to == [learner.email]]) == 1


@pytest.mark.django_db(transaction=True)
def test_a_learner_who_passed_before_giving_a_name_gets_the_certificate_once_they_give_one(signing_issuer):
    from django.utils import timezone

    from accounts.services import user_update_certificate_name

    learner = UserFactory(certificate_name="", first_name="", last_name="")
    course = CourseFactory()
    record_passes(user=learner, course=course)
    with issuing_worker(learner.pk) as finished:
        with transaction.atomic():
            assessments_api.learner_progressed.send(sender=None, user_id=learner.pk, course_id=course.pk)
        wait_for_tasks(finished, 1)
        assert not Certificate.objects.filter(learner=learner).exists()  # no name to print yet
        user_update_certificate_name(user=learner, certificate_name="Ada Lovelace", now=timezone.now())
        wait_for_tasks(finished, 2)
    certificate = Certificate.objects.get(learner=learner)
    assert certificate.holder_name == "Ada Lovelace" and certificate.pdf_sha256
    assert len([m for m in mail.outbox if m.to == [learner.email]]) == 1
