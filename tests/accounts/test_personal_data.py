"""A person downloads everything the platform keeps about them: the account here, then each
feature app's part, answered through accounts.api.personal_data_requested."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountEvent
from assessments.models import ModelCallRecord
from courses.models import Enrollment, LessonCompletion
from playground.models import PlaygroundRun
from sharing.models import CertificateProfile
from tests.accounts.factories import UserFactory
from tests.assessments.records import demo_submission_graded, exam_attempt_finished
from tests.certificates.factories import CertificateFactory
from tests.courses.factories import LessonFactory, ModuleFactory

pytestmark = pytest.mark.django_db

SECTIONS = {
    "course_enrollments",
    "lesson_completions",
    "exam_attempts",
    "practice_quizzes",
    "exam_accommodations",
    "demo_runs",
    "certificates",
    "lesson_playground_runs",
    "public_profiles",
}


def records_of(person, course, lesson, *, prompt: str) -> None:
    """One record of each kind the export covers."""
    Enrollment.objects.create(user=person, course=course, last_lesson=lesson)
    LessonCompletion.objects.create(user=person, lesson=lesson)
    exam_attempt_finished(user=person, course=course, score_percent=85)
    submission = demo_submission_graded(user=person, course=course, slug="structured-extraction", title="Extract")
    submission.system_prompt = prompt
    submission.save(update_fields=["system_prompt"])
    ModelCallRecord.objects.create(submission=submission, step="case:hidden-1:run:0", result={"text": "HIDDEN OUTPUT"})
    certificate = CertificateFactory(learner=person, course=course, holder_name=f"{prompt} holder")
    CertificateProfile.objects.create(credential_id=certificate.credential_id, learner=person, is_public=True)
    PlaygroundRun.objects.create(user=person, lesson_path="/l/", prompt=f"{prompt} try", created_at=timezone.now())


@pytest.fixture
def course():
    lesson = LessonFactory(module=ModuleFactory(slug="basics"), slug="first-steps")
    return lesson.module.course, lesson


def download(client) -> tuple[dict, object]:
    response = client.post(reverse("personal_data"))
    assert response.status_code == 200
    return json.loads(response.content), response


def test_the_download_holds_every_part_with_the_persons_records_only(client, course):
    course, lesson = course
    person, other = UserFactory(certificate_name="Ada Lovelace"), UserFactory()
    records_of(person, course, lesson, prompt="MINE")
    records_of(other, course, lesson, prompt="THEIRS")
    client.force_login(person)

    document, response = download(client)

    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="grok4-certification-data-')
    assert response["Cache-Control"].startswith("max-age=0")
    assert document["account"]["record"]["email"] == person.email
    assert document["account"]["record"]["name_on_certificates"] == "Ada Lovelace"
    assert set(document) >= SECTIONS
    for key in SECTIONS - {"practice_quizzes", "exam_accommodations"}:
        assert len(document[key]["records"]) == 1, key
        assert document[key]["about"], key
    assert document["demo_runs"]["records"][0]["system_prompt"] == "MINE"
    assert document["certificates"]["records"][0]["name_printed"] == "MINE holder"
    assert document["lesson_playground_runs"]["records"][0]["prompt"] == "MINE try"
    assert document["lesson_completions"]["records"][0]["lesson"] == "first-steps"
    assert document["exam_attempts"]["records"][0]["score_percent"] == "85.00"
    text = response.content.decode()
    assert "THEIRS" not in text and other.email not in text
    # The model's answers stay on the result page, which hides the hidden cases.
    assert "HIDDEN OUTPUT" not in text


def test_each_download_is_in_the_audit_log_and_the_next_one_lists_it(client, learner):
    client.force_login(learner)
    first, _ = download(client)
    assert AccountEvent.objects.filter(user=learner, kind="personal_data_exported", actor=learner).count() == 1
    assert first["account_events"]["records"] == [
        {
            "kind": "personal_data_exported",
            "at": first["account_events"]["records"][0]["at"],
            "by_you": True,
            "detail": {},
        }
    ]
    second, _ = download(client)
    assert len(second["account_events"]["records"]) == 2


def test_the_page_says_what_is_kept_and_the_account_page_links_to_it(learner_client):
    page = learner_client.get(reverse("personal_data")).content.decode()
    assert "What the platform keeps about you" in page
    assert f'action="{reverse("personal_data")}"' in page and 'method="post"' in page
    assert not AccountEvent.objects.exists()  # looking at the page downloads nothing
    assert reverse("personal_data") in learner_client.get(reverse("profile")).content.decode()


def test_signed_out_visitors_are_sent_to_sign_in_and_other_methods_are_refused(client, learner):
    for method in (client.get, client.post):
        response = method(reverse("personal_data"))
        assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    client.force_login(learner)
    assert client.put(reverse("personal_data")).status_code == 405


def test_the_download_makes_the_same_queries_however_many_records_there_are(client, course):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    course, lesson = course
    person = UserFactory()
    records_of(person, course, lesson, prompt="ONE")
    client.force_login(person)
    with CaptureQueriesContext(connection) as few:
        download(client)
    for number in range(3):
        exam_attempt_finished(user=person, course=course, score_percent=70 + number, passed=False)
        demo_submission_graded(user=person, course=course, slug="structured-extraction", title="Extract")
        CertificateFactory(learner=person, holder_name=f"Name {number}")
        PlaygroundRun.objects.create(user=person, lesson_path="/l/", prompt=f"try {number}", created_at=timezone.now())
    with CaptureQueriesContext(connection) as many:
        document, _ = download(client)
    assert len(document["exam_attempts"]["records"]) == 4 and len(document["certificates"]["records"]) == 4
    assert len(many.captured_queries) == len(few.captured_queries)
