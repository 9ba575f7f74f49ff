"""Finished assessment records written straight to the database, for tests of the apps
that read results through `assessments.api` (certificates) without replaying an exam."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from assessments.models import DemoTask, Submission, SubmissionState
from assessments.models.exams import Attempt, AttemptState, Exam

REQUIRED_DEMOS = (("structured-extraction", "Structured extraction"), ("function-calling", "Function calling"))


@dataclass
class RecordedPasses:
    attempt: Attempt
    submissions: list[Submission]

    def set_test_mode(self) -> None:
        for submission in self.submissions:
            submission.test_mode = True
            submission.save(update_fields=["test_mode"])


def exam_attempt_finished(
    *,
    user,
    course,
    exam_slug: str = "certification-exam",
    score_percent: float = 91.5,
    passed: bool = True,
    test_mode: bool = False,
) -> Attempt:
    exam, _ = Exam.objects.get_or_create(
        course=course,
        slug=exam_slug,
        defaults={
            "title": "Certification exam",
            "question_count": 20,
            "time_limit_minutes": 30,
            "blueprint": {},
            "pass_mark_percent": 80,
            "attempts_allowed": 3,
            "cooldown_hours": 24,
            "grace_seconds": 60,
            "review": "correct_answers",
        },
    )
    started = timezone.now() - datetime.timedelta(hours=1)
    return Attempt.objects.create(
        user=user,
        exam=exam,
        number=exam.attempts.filter(user=user).count() + 1,
        state=AttemptState.SUBMITTED,
        seed=1,
        started_at=started,
        deadline=started + datetime.timedelta(minutes=30),
        closes_at=started + datetime.timedelta(minutes=31),
        pass_mark_percent=80,
        finished_at=started + datetime.timedelta(minutes=20),
        score_percent=score_percent,
        passed=passed,
        test_mode=test_mode,
    )


def demo_submission_graded(
    *, user, course, slug: str, title: str, score: float = 0.9, test_mode: bool = False
) -> Submission:
    task, _ = DemoTask.objects.get_or_create(
        slug=slug,
        defaults={
            "course": course,
            "title": title,
            "domain": "prompting",
            "modality": "text",
            "version": "v1",
            "spec": {},
            "brief_html": "<p>Brief</p>",
            "source_path": f"demos/{slug}/task.md",
        },
    )
    return Submission.objects.create(
        learner=user,
        task=task,
        task_version=task.version,
        task_spec=task.spec,
        user_prompt="A prompt",
        state=SubmissionState.GRADED,
        score=score,
        passed=True,
        test_mode=test_mode,
        finished_at=timezone.now(),
    )


def record_passes(*, user, course, test_mode: bool = False) -> RecordedPasses:
    """A passed certification exam and the two demos the test course requires."""
    return RecordedPasses(
        attempt=exam_attempt_finished(user=user, course=course, test_mode=test_mode),
        submissions=[
            demo_submission_graded(user=user, course=course, slug=slug, title=title, test_mode=test_mode)
            for slug, title in REQUIRED_DEMOS
        ],
    )
