"""The whole path with a real Celery worker and the configured broker (file system on
SQLite runs, Redis with REDIS_URL): a learner_progressed signal committed in one
transaction ends with a signed certificate and one e-mail."""

import time
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.core import mail
from django.db import transaction

from assessments import api as assessments_api
from certificates.models import Certificate
from config.celery import app
from tests.accounts.factories import UserFactory
from tests.certificates.factories import CourseFactory
from tests.certificates.test_issuance import demo_outcomes, exam_outcome


@pytest.fixture
def broker_folders(monkeypatch):
    """The file-system broker needs its folders; its exchange table goes under VAR_DIR too
    (kombu's default is ./control, relative to wherever the tests run)."""
    options = app.conf.broker_transport_options
    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        monkeypatch.setitem(options, "control_folder", str(settings.CELERY_BROKER_DIR / "control"))
        for folder in ("data_folder_in", "processed_folder", "control_folder"):
            Path(options[folder]).mkdir(parents=True, exist_ok=True)


@pytest.mark.django_db(transaction=True)
def test_progress_signal_leads_to_one_signed_certificate_through_the_worker(monkeypatch, broker_folders, signing_issuer):
    monkeypatch.setattr(assessments_api, "exam_best_outcome", lambda **kwargs: exam_outcome(), raising=False)
    monkeypatch.setattr(assessments_api, "demo_passed_outcomes", lambda **kwargs: demo_outcomes(), raising=False)
    learner = UserFactory()
    course = CourseFactory()
    finished = []

    def count_finished(sender=None, **kwargs):
        if sender.name == "certificates.tasks.certificate_issue":
            finished.append(kwargs["task_id"])

    task_postrun.connect(count_finished, weak=False)
    try:
        with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=10,
                          queues=["default"]):
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
