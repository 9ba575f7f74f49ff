"""What other apps may use from `assessments`: frozen data and one event, never models.

`certificates` asks these functions whether a learner met a course's requirements,
and listens to `learner_progressed` to re-check after an exam or demo result.
"""

import datetime
from dataclasses import dataclass

from .signals import learner_progressed  # noqa: F401


@dataclass(frozen=True)
class ExamOutcome:
    exam_slug: str
    passed: bool
    score_percent: float
    attempt_id: int
    finished_at: datetime.datetime
    test_mode: bool


@dataclass(frozen=True)
class DemoOutcome:
    demo_slug: str
    title: str
    passed: bool
    score: float
    submission_id: int
    graded_at: datetime.datetime
    test_mode: bool


def exam_best_outcome(*, user_id: int, course_id: int, exam_slug: str) -> ExamOutcome | None:
    """The learner's best finalized attempt at the exam (best attempt counts), or None."""
    from .exams.selectors import attempt_best
    from .models.exams import Exam

    exam = Exam.objects.filter(course_id=course_id, slug=exam_slug).first()
    attempt = attempt_best(user_id=user_id, exam=exam) if exam else None
    if exam is None or attempt is None:
        return None
    assert attempt.finished_at is not None  # attempt_best returns finalized attempts only
    return ExamOutcome(
        exam_slug=exam.slug,
        passed=bool(attempt.passed),
        score_percent=float(attempt.score_percent or 0),
        attempt_id=attempt.id,
        finished_at=attempt.finished_at,
        test_mode=attempt.test_mode,
    )


def demo_passed_outcomes(*, user_id: int, course_id: int) -> list[DemoOutcome]:
    """The learner's best passing submission for each demo task of the course.

    Only graded submissions count (one waiting for review has not passed yet); among
    passes the highest score wins, then the earliest.
    """
    from assessments.models import Submission, SubmissionState

    best: dict[int, Submission] = {}
    passes = (
        Submission.objects.filter(
            learner_id=user_id, task__course_id=course_id, state=SubmissionState.GRADED, passed=True
        )
        .select_related("task")
        .order_by("-score", "finished_at", "id")
    )
    for submission in passes:
        best.setdefault(submission.task_id, submission)
    return [
        DemoOutcome(
            demo_slug=s.task.slug,
            title=s.task.title,
            passed=True,
            score=s.score or 0.0,
            submission_id=s.pk,
            graded_at=s.finished_at or s.created_at,
            test_mode=s.test_mode,
        )
        for s in sorted(best.values(), key=lambda s: s.task.slug)
    ]


@dataclass(frozen=True)
class ModelFreshness:
    """The last `check_models` result, for instructor pages."""

    checked_at: datetime.datetime
    test_mode: bool
    listed_count: int
    findings: tuple[dict, ...]
    error: str


def model_freshness_latest() -> ModelFreshness | None:
    from .modelapi.freshness import model_freshness_latest as latest

    record = latest()
    if record is None:
        return None
    return ModelFreshness(
        checked_at=record.checked_at,
        test_mode=record.test_mode,
        listed_count=len(record.listed),
        findings=tuple(record.findings),
        error=record.error,
    )
