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


# --- Progress toward a certificate: what the learner has tried, named for people --------------


@dataclass(frozen=True)
class ExamProgress:
    slug: str
    title: str
    # "passed", "in_progress", "failed" (tried, not passed yet) or "not_started"
    state: str
    best_score_percent: float | None
    attempts_used: int
    attempts_allowed: int
    open_attempt_public_id: str | None


@dataclass(frozen=True)
class DemoProgress:
    slug: str
    title: str
    # "passed", "waiting" (queued, running or with a reviewer), "failed" (tried, not passed) or "not_started"
    state: str
    latest_submission_id: int | None


@dataclass(frozen=True)
class PracticeProgress:
    modules_total: int
    modules_practised: int
    next_module_slug: str | None


def exam_progress(*, user_id: int | None, course_id: int, exam_slug: str) -> ExamProgress | None:
    from .models.exams import Attempt, AttemptState, Exam

    exam = Exam.objects.filter(course_id=course_id, slug=exam_slug).first()
    if exam is None:
        return None
    # A visitor (no user_id) has tried nothing yet.
    attempts = (
        list(Attempt.objects.filter(user_id=user_id, exam=exam).only("state", "passed", "score_percent"))
        if user_id is not None
        else []
    )
    finished = [a for a in attempts if a.state != AttemptState.OPEN and a.score_percent is not None]
    open_attempt = next((a for a in attempts if a.state == AttemptState.OPEN), None)
    if any(a.passed for a in finished):
        state = "passed"
    elif open_attempt:
        state = "in_progress"
    elif finished:
        state = "failed"
    else:
        state = "not_started"
    return ExamProgress(
        slug=exam.slug,
        title=exam.title,
        state=state,
        best_score_percent=max((float(a.score_percent or 0) for a in finished), default=None),
        attempts_used=len(attempts),
        attempts_allowed=exam.attempts_allowed,
        open_attempt_public_id=str(open_attempt.public_id) if open_attempt else None,
    )


def demo_progress_list(*, user_id: int | None, course_id: int, slugs: list[str]) -> list[DemoProgress]:
    """The named demos, in the order given, with where the learner stands in each."""
    from assessments.models import DemoTask, Submission, SubmissionState

    tasks = {task.slug: task for task in DemoTask.objects.filter(course_id=course_id, slug__in=slugs)}
    latest: dict[int, Submission] = {}
    passed: set[int] = set()
    for submission in Submission.objects.filter(learner_id=user_id, task__in=tasks.values()).order_by("-id"):
        latest.setdefault(submission.task_id, submission)
        if submission.state == SubmissionState.GRADED and submission.passed:
            passed.add(submission.task_id)
    waiting = {SubmissionState.QUEUED, SubmissionState.RUNNING, SubmissionState.NEEDS_REVIEW}
    rows = []
    for slug in slugs:
        task = tasks.get(slug)
        if task is None:
            # Declared by the course but not synced yet: named from its slug until it is.
            rows.append(
                DemoProgress(
                    slug=slug, title=slug.replace("-", " ").capitalize(), state="not_started", latest_submission_id=None
                )
            )
            continue
        last = latest.get(task.pk)
        if task.pk in passed:
            state = "passed"
        elif last is not None and last.state in waiting:
            state = "waiting"
        elif last is not None:
            state = "failed"
        else:
            state = "not_started"
        rows.append(
            DemoProgress(slug=slug, title=task.title, state=state, latest_submission_id=last.pk if last else None)
        )
    return rows


def practice_progress(*, user_id: int | None, course_id: int) -> PracticeProgress:
    """Modules with a practice quiz, and how many the learner has answered at least one question of."""
    from courses.api import module_list

    from .models.exams import PracticeAnswer

    modules = sorted(
        (module for module in module_list(course_id=course_id) if module.practice_questions), key=lambda m: m.order
    )
    practised = (
        set(
            PracticeAnswer.objects.filter(
                question__attempt__user_id=user_id, question__attempt__module_id__in=[module.id for module in modules]
            ).values_list("question__attempt__module_id", flat=True)
        )
        if user_id is not None
        else set()
    )
    upcoming = next((module.slug for module in modules if module.id not in practised), None)
    return PracticeProgress(modules_total=len(modules), modules_practised=len(practised), next_module_slug=upcoming)


# --- Cohort figures for the instructor home ------------------------------------------------------


@dataclass(frozen=True)
class DemoCohortRow:
    slug: str
    title: str
    learners_tried: int
    learners_passed: int
    median_best_score_percent: float | None


@dataclass(frozen=True)
class CohortAssessments:
    exam_title: str
    exam_slug: str
    exam_taken: int
    exam_passed: int
    median_best_exam_percent: float | None
    items_flagged: int
    demos: tuple[DemoCohortRow, ...]
    learners_passed_every_demo: int
    review_queue: int


def _median(values: list[float]) -> float | None:
    import statistics

    return round(statistics.median(values), 1) if values else None


def cohort_assessments(*, course_id: int, exam_slug: str | None, demo_slugs: list[str]) -> CohortAssessments:
    """Counts of learners (not attempts) at each assessment step of one course."""
    from assessments.models import DemoTask, Submission, SubmissionState

    from .exams.selectors import FINALIZED, item_statistics
    from .models.exams import Attempt, Exam

    exam = Exam.objects.filter(course_id=course_id, slug=exam_slug).first() if exam_slug else None
    best_exam: dict[int, tuple[float, bool]] = {}
    if exam is not None:
        finished = Attempt.objects.filter(exam=exam, state__in=FINALIZED, score_percent__isnull=False)
        for user_id, percent, passed in finished.values_list("user_id", "score_percent", "passed"):
            score, ever_passed = best_exam.get(user_id, (0.0, False))
            best_exam[user_id] = (max(score, float(percent or 0)), ever_passed or bool(passed))

    tasks = {task.slug: task for task in DemoTask.objects.filter(course_id=course_id, slug__in=demo_slugs)}
    best_demo: dict[tuple[int, int], float] = {}
    passed_demo: dict[int, set[int]] = {}
    graded = Submission.objects.filter(task__in=tasks.values(), state=SubmissionState.GRADED)
    for task_id, learner_id, demo_score, passed in graded.values_list("task_id", "learner_id", "score", "passed"):
        key = (task_id, learner_id)
        best_demo[key] = max(best_demo.get(key, 0.0), float(demo_score or 0))
        if passed:
            passed_demo.setdefault(task_id, set()).add(learner_id)
    tried = Submission.objects.filter(task__in=tasks.values()).values_list("task_id", "learner_id").distinct()
    tried_by_task: dict[int, int] = {}
    for task_id, _learner in tried:
        tried_by_task[task_id] = tried_by_task.get(task_id, 0) + 1
    rows = []
    for slug in demo_slugs:
        task = tasks.get(slug)
        if task is None:
            continue
        scores = [100 * score for (task_id, _), score in best_demo.items() if task_id == task.pk]
        rows.append(
            DemoCohortRow(
                slug=slug,
                title=task.title,
                learners_tried=tried_by_task.get(task.pk, 0),
                learners_passed=len(passed_demo.get(task.pk, set())),
                median_best_score_percent=_median(scores),
            )
        )
    every_demo = set.intersection(*(passed_demo.get(task.pk, set()) for task in tasks.values())) if tasks else set()
    return CohortAssessments(
        exam_title=exam.title if exam else "",
        exam_slug=exam.slug if exam else "",
        exam_taken=len(best_exam),
        exam_passed=sum(1 for _, passed in best_exam.values() if passed),
        median_best_exam_percent=_median([score for score, _ in best_exam.values()]),
        items_flagged=sum(1 for stat in item_statistics(exam=exam) if stat.is_poor) if exam else 0,
        demos=tuple(rows),
        learners_passed_every_demo=len(every_demo),
        review_queue=Submission.objects.filter(task__course_id=course_id, state=SubmissionState.NEEDS_REVIEW).count(),
    )


# --- Ungraded playground calls (lessons' "try it" boxes) ------------------------------------------


@dataclass(frozen=True)
class PlaygroundReply:
    text: str
    model: str
    prompt_tokens: int
    output_tokens: int
    cost_usd: float
    refusal: str | None


class PlaygroundBusy(Exception):
    """The platform's model-call slots are all taken; try again in a moment."""


class PlaygroundFailed(Exception):
    """The model API failed for good (after the client's retries)."""


def playground_complete(*, prompt: str, system_prompt: str, model: str, max_output_tokens: int) -> PlaygroundReply:
    """One chat call through the platform's model client, under the same concurrency and rate
    limits as the demos. Nothing is graded or stored here; the caller keeps the run."""
    from .demos.limits import ModelCallsBusy, model_call_slot
    from .modelapi.client import get_client
    from .modelapi.types import ModelAPIError

    messages = ([{"role": "system", "content": system_prompt}] if system_prompt else []) + [
        {"role": "user", "content": prompt}
    ]
    try:
        with model_call_slot():
            result = get_client().chat(model=model, messages=messages, max_output_tokens=max_output_tokens)
    except ModelCallsBusy as busy:
        raise PlaygroundBusy(str(busy)) from busy
    except ModelAPIError as error:
        raise PlaygroundFailed(error.message) from error
    return PlaygroundReply(
        text=result.text,
        model=result.resolved_model,
        prompt_tokens=result.usage.prompt_tokens,
        output_tokens=result.usage.completion_tokens + result.usage.reasoning_tokens,
        cost_usd=result.cost_usd,
        refusal=result.refusal,
    )
