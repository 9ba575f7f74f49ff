"""Exam attempts in a learner's data export show their answers exactly as far as the result
page does: an export must not reveal what the exam's review policy keeps back."""

import pytest
from django.urls import reverse

from assessments.exams.selectors import personal_data_sections
from assessments.models.exams import Exam

from .test_views import correct, start

pytestmark = pytest.mark.django_db


def exported_attempt(learner) -> dict:
    sections = {section.key: section for section in personal_data_sections(user_id=learner.pk)}
    (attempt,) = sections["exam_attempts"].records
    return dict(attempt)


@pytest.mark.parametrize(
    ("policy", "shows_answers", "shows_points"),
    [("score_only", False, False), ("own_answers", True, False), ("correct_answers", True, True)],
)
def test_a_submitted_attempt_exports_what_its_review_policy_shows(
    learner_client, learner, exam, policy, shows_answers, shows_points
):
    Exam.objects.filter(pk=exam.pk).update(review=policy)
    attempt = start(learner_client, exam)
    slot = attempt.questions.select_related("version__question").get(position=1)
    learner_client.post(reverse("exams:answer", args=[attempt.public_id]), {"position": 1, "answer": correct(slot)})

    while_open = exported_attempt(learner)
    assert while_open["state"] == "open"
    first = while_open["answers"][0]
    assert first["question"] == slot.version.question.external_id and first["answer"] is not None
    assert "points" not in first  # nothing is graded before submitting

    learner_client.post(reverse("exams:submit", args=[attempt.public_id]))
    submitted = exported_attempt(learner)
    assert submitted["state"] == "submitted" and submitted["score_percent"] is not None
    assert (submitted["answers"] is not None) is shows_answers
    if shows_answers:
        assert ("points" in submitted["answers"][0]) is shows_points
