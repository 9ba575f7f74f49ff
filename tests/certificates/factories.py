import datetime

import factory
from django.utils import timezone

from certificates.credential_id import credential_id_generate
from certificates.models import Certificate
from courses.models import Course
from tests.accounts.factories import UserFactory

COURSE_TITLE = "Applying xAI Grok 4 for Prompting, Tool Use, Search & Vision"
CERTIFICATE_REQUIREMENTS = {
    "validity_months": 24,
    "requires": {
        "exam": "certification-exam",
        "demos": ["structured-extraction", "function-calling"],
        "all_lessons": False,
    },
}


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    slug = factory.Sequence(lambda n: f"grok4-applied-{n}")
    title = COURSE_TITLE
    version = "2026.11"
    metadata = factory.LazyFunction(lambda: {"certificate": CERTIFICATE_REQUIREMENTS})


class CertificateFactory(factory.django.DjangoModelFactory):
    """A certificate row without real assessment results behind it (no PDF until signed)."""

    class Meta:
        model = Certificate

    credential_id = factory.LazyFunction(credential_id_generate)
    learner = factory.SubFactory(UserFactory)
    course = factory.SubFactory(CourseFactory)
    course_title = factory.LazyAttribute(lambda certificate: certificate.course.title)
    course_version = factory.LazyAttribute(lambda certificate: certificate.course.version)
    holder_name = factory.LazyAttribute(lambda certificate: certificate.learner.certificate_name)
    exam_score = 86.0
    demos_passed = factory.LazyFunction(
        lambda: [
            {"slug": "structured-extraction", "title": "Structured extraction", "score": 0.9},
            {"slug": "function-calling", "title": "Function calling", "score": 0.85},
        ]
    )
    issued_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda certificate: certificate.issued_at + datetime.timedelta(days=730))
