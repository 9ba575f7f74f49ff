"""The whole path with a real Celery worker and the configured broker (file system on
SQLite runs, Redis with REDIS_URL): a learner_progressed signal committed in one
transaction ends with a signed certificate and one e-mail."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail
from django.db import transaction

from assessments import api as assessments_api
from certificates.models import Certificate
from config.celery import app
from tests.accounts.factories import UserFactory
from tests.assessments.records import record_passes
from tests.certificates.factories import CourseFactory


@pytest.mark.django_db(transaction=True)
def test_progress_signal_leads_to_one_signed_certificate_through_the_worker(signing_issuer):
    learner = UserFactory()
    course = CourseFactory()
    record_passes(user=learner, course=course)
    finished = []

    def count_finished(sender=None, **kwargs):
        # Earlier tests leave their own tasks in the shared broker; count this learner's only.
        if sender.name == "certificates.tasks.certificate_issue" and kwargs["args"][0] == learner.pk:
            finished.append(kwargs["task_id"])

    task_postrun.connect(count_finished, weak=False)
    try:
        with start_worker(
            app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=10, queues=["default"]
        ):
            with transaction.atomic():
                # Sent twice, as two graded results would be: still one certificate.
                assessments_api.learner_progressed.send(sender=None, user_id=learner.pk, course_id=course.pk)
                assessments_api.learner_progressed.send(sender=None, user_id=learner.pk, course_id=course.pk)
            deadline = time.monotonic() + 60
            while len(finished) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
    finally:
        task_postrun.disconnect(count_finished)
    assert len(finished) == 2
    certificate = Certificate.objects.get(learner=learner)
    assert certificate.pdf_sha256
    assert len([m for m in mail.outbox if m.to == [learner.email]]) == 1
