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


# --- operations (ops reads these for /metrics) -------------------------------------------
# Upper bounds of the model-call latency histogram, in seconds.
MODEL_CALL_LATENCY_BUCKETS = (0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300)


@dataclass(frozen=True)
class OperationsSnapshot:
    attempts_open: int
    demo_submissions_by_state: dict[str, int]
    demo_oldest_waiting_at: datetime.datetime | None  # the oldest queued or running submission
    model_calls: int
    model_call_cost_usd: float
    model_call_latency_seconds_sum: float
    # Calls at or under each bound of MODEL_CALL_LATENCY_BUCKETS, cumulative as Prometheus wants.
    model_call_latency_buckets: tuple[int, ...]
    model_call_tokens: int
    demo_transient_failures: int


def operations_snapshot() -> OperationsSnapshot:
    """Figures counted in the database, so every web node reports the same, whichever ran the work."""
    from django.db.models import Count, F, Min, Q, Sum

    from .models.demos import ModelCallRecord, Submission, SubmissionState
    from .models.exams import Attempt, AttemptState

    by_state = dict(Submission.objects.values_list("state").annotate(n=Count("id")).order_by())
    waiting = SubmissionState.QUEUED, SubmissionState.RUNNING
    submissions = Submission.objects.aggregate(
        oldest=Min("created_at", filter=Q(state__in=waiting)), failures=Sum("transient_failures")
    )
    calls = ModelCallRecord.objects.aggregate(
        n=Count("id"),
        cost=Sum("cost_usd"),
        latency=Sum("latency_ms"),
        tokens=Sum(F("prompt_tokens") + F("completion_tokens")),
        **{
            f"le{index}": Count("id", filter=Q(latency_ms__lte=bound * 1000))
            for index, bound in enumerate(MODEL_CALL_LATENCY_BUCKETS)
        },
    )
    return OperationsSnapshot(
        attempts_open=Attempt.objects.filter(state=AttemptState.OPEN).count(),
        demo_submissions_by_state={state: by_state.get(state, 0) for state in SubmissionState.values},
        demo_oldest_waiting_at=submissions["oldest"],
        model_calls=calls["n"],
        model_call_cost_usd=float(calls["cost"] or 0),
        model_call_latency_seconds_sum=(calls["latency"] or 0) / 1000,
        model_call_latency_buckets=tuple(calls[f"le{i}"] for i in range(len(MODEL_CALL_LATENCY_BUCKETS))),
        model_call_tokens=calls["tokens"] or 0,
        demo_transient_failures=submissions["failures"] or 0,
    )


def model_api_reachable(*, timeout: float) -> bool:
    """Whether the configured model API answers at all (any HTTP status below 500)."""
    from .modelapi.client import api_reachable

    return api_reachable(timeout=timeout)


@dataclass(frozen=True)
class DeltaExamInfo:
    slug: str
    title: str
    question_count: int
    time_limit_minutes: int
    pass_mark_percent: float
    url: str


def delta_exam_ensure(
    *, course_id: int, from_version: str, to_version: str, question_external_ids: list[str], now: datetime.datetime
) -> DeltaExamInfo | None:
    """The short recertification exam over `question_external_ids` (the whole bank when
    empty), created on first use; None when the course has no question to ask."""
    from django.urls import reverse

    from .exams.delta import delta_exam_ensure as ensure

    exam = ensure(
        course_id=course_id,
        from_version=from_version,
        to_version=to_version,
        question_external_ids=question_external_ids,
        now=now,
    )
    if exam is None:
        return None
    return DeltaExamInfo(
        slug=exam.slug,
        title=exam.title,
        question_count=exam.question_count,
        time_limit_minutes=exam.time_limit_minutes,
        pass_mark_percent=float(exam.pass_mark_percent),
        url=reverse("exams:exam", args=[exam.course.slug, exam.slug]),
    )


def demo_slugs_passed_on_current_version(*, user_id: int, course_id: int) -> frozenset[str]:
    """Demo tasks the learner passed with the task as it is now (same task version)."""
    from django.db.models import F

    from assessments.models import Submission, SubmissionState

    return frozenset(
        Submission.objects.filter(
            learner_id=user_id,
            task__course_id=course_id,
            task__is_published=True,
            state=SubmissionState.GRADED,
            passed=True,
            task_version=F("task__version"),
        ).values_list("task__slug", flat=True)
    )
