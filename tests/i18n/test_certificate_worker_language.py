"""The language of the page a learner earns a certificate on reaches the worker that issues it:
with no language chosen on the account, that page's language prints the PDF and writes the e-mail."""

import pytest
from django.core import mail
from django.db import transaction
from django.utils import translation

from assessments import api as assessments_api
from certificates.models import Certificate
from tests.accounts.factories import UserFactory
from tests.assessments.records import record_passes
from tests.certificates.conftest import signing_issuer  # noqa: F401  (a fixture used below)
from tests.certificates.factories import CourseFactory
from tests.certificates.helpers import issuing_worker, wait_for_tasks


@pytest.mark.django_db(transaction=True)
def test_the_page_language_travels_with_the_issuing_task(signing_issuer):  # noqa: F811
    learner = UserFactory(preferred_language="")
    course = CourseFactory()
    record_passes(user=learner, course=course)
    with issuing_worker(learner.pk) as finished:
        # As a request in Korean activates it (LocaleMiddleware) when the last result comes in.
        with translation.override("ko"), transaction.atomic():
            assessments_api.learner_progressed.send(sender=None, user_id=learner.pk, course_id=course.pk)
        wait_for_tasks(finished, 1)
    certificate = Certificate.objects.get(learner=learner)
    assert certificate.language == "ko"
    assert certificate.pdf_sha256
    [message] = [m for m in mail.outbox if m.to == [learner.email]]
    assert "인증서가 준비되었습니다" in message.subject
