"""The language of the page a learner earns a certificate on reaches the worker that issues it:
with no language chosen on the account, that page's language prints the PDF and writes the e-mail."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail
from django.db import transaction
from django.utils import translation

from assessments import api as assessments_api
from certificates.models import Certificate
from config.celery import app
from tests.accounts.factories import UserFactory
from tests.assessments.records import record_passes
from tests.certificates.conftest import signing_issuer  # noqa: F401  (a fixture used below)
from tests.certificates.factories import CourseFactory


@pytest.mark.django_db(transaction=True)
def test_the_page_language_travels_with_the_issuing_task(signing_issuer):  # noqa: F811
    learner = UserFactory(preferred_language="")
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
            # As a request in Korean activates it (LocaleMiddleware) when the last result comes in.
            with translation.override("ko"), transaction.atomic():
                assessments_api.learner_progressed.send(sender=None, user_id=learner.pk, course_id=course.pk)
            deadline = time.monotonic() + 60
            while not finished and time.monotonic() < deadline:
                time.sleep(0.1)
    finally:
        task_postrun.disconnect(count_finished)
    certificate = Certificate.objects.get(learner=learner)
    assert certificate.language == "ko"
    assert certificate.pdf_sha256
    [message] = [m for m in mail.outbox if m.to == [learner.email]]
    assert "인증서가 준비되었습니다" in message.subject
