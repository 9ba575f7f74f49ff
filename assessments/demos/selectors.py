"""Reads for demos: task lists, a learner's submissions, what a result page shows, the review queue."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from accounts.api import PersonalDataSection
from assessments.models import (
    DemoAuditEvent,
    DemoTask,
    GradeRecord,
    ModelCallRecord,
    ReviewDecision,
    Submission,
    SubmissionState,
)


def task_list_published() -> QuerySet[DemoTask]:
    return (
        DemoTask.objects.filter(is_published=True, course__is_published=True)
        .select_related("course")
        .order_by("course__title", "title")
    )


def task_get_published(*, slug: str) -> DemoTask:
    return task_list_published().get(slug=slug)


def quota_used(*, learner, task: DemoTask, now: datetime.datetime | None = None) -> int:
    since = (now or timezone.now()) - datetime.timedelta(hours=1)
    return Submission.objects.filter(learner=learner, task=task, created_at__gt=since).count()


def quota_remaining(*, learner, task: DemoTask) -> int:
    return max(0, task.limits["runs_per_hour"] - quota_used(learner=learner, task=task))


# A submission's snapshot of its task (the spec with the brief, the text of every input
# file) is only read to run, grade and show that one submission; lists leave it behind.
_SNAPSHOT_FIELDS = ("task_spec", "task_inputs")


def submission_list_for_learner(*, learner, task: DemoTask) -> QuerySet[Submission]:
    return Submission.objects.filter(learner=learner, task=task).defer(*_SNAPSHOT_FIELDS)


def best_by_task(*, learner) -> dict[int, Submission]:
    """The learner's best result per task: passed first, then the highest score, then the latest."""
    best: dict[int, Submission] = {}
    for submission in Submission.objects.filter(learner=learner).only(
        "id", "task_id", "state", "score", "passed", "created_at"
    ):
        current = best.get(submission.task_id)
        key = (bool(submission.passed), submission.score or 0, submission.created_at)
        if current is None or key > (bool(current.passed), current.score or 0, current.created_at):
            best[submission.task_id] = submission
    return best


def submission_get_for_learner(*, submission_id: int, learner) -> Submission:
    return Submission.objects.select_related("task", "task__course").get(pk=submission_id, learner=learner)


def submission_get(*, submission_id: int) -> Submission:
    return Submission.objects.select_related("task", "task__course", "learner").get(pk=submission_id)


@dataclass(frozen=True)
class SubmissionView:
    """Everything a result page shows, read in a few queries."""

    submission: Submission
    calls: list[ModelCallRecord]
    run_calls: list[ModelCallRecord]  # the visible case's run, the one output the learner sees
    grade: GradeRecord | None
    review: ReviewDecision | None
    prompt_tokens: int
    output_tokens: int
    cost_usd: Decimal

    @property
    def fingerprint(self) -> str:
        """Changes whenever the page would: lets a poll answer "nothing new" without a body."""
        grade = self.grade.round if self.grade else "-"
        return f"{self.submission.state}.{len(self.calls)}.{grade}.{self.review.pk if self.review else '-'}"


def case_run_calls(calls: Iterable[ModelCallRecord], case_id: str) -> list[ModelCallRecord]:
    """One case's run steps among `calls` ("case:<id>:run:0", "case:<id>:run:1", ... as
    `requests.run_cases` keys them), in step order: "run:10" after "run:9". A submission
    made before tasks had cases ran once, as "run:0", "run:1" ...; `case_id` "" reads those."""
    prefix = f"case:{case_id}:run:" if case_id else "run:"
    return sorted((c for c in calls if c.step.startswith(prefix)), key=lambda c: int(c.step.rsplit(":", 1)[1]))


def run_calls(calls: Iterable[ModelCallRecord]) -> list[ModelCallRecord]:
    """Every case's run steps among `calls`."""
    return [c for c in calls if c.step.startswith("case:")]


def visible_case_id(submission: Submission) -> str:
    return next((case["id"] for case in submission.task_spec.get("cases", []) if case.get("visible")), "")


def submission_view(*, submission: Submission) -> SubmissionView:
    calls = list(ModelCallRecord.objects.filter(submission=submission))
    run_calls = case_run_calls(calls, visible_case_id(submission))
    grade = GradeRecord.objects.filter(submission=submission).order_by("-round").first()
    return SubmissionView(
        submission=submission,
        calls=calls,
        run_calls=run_calls,
        grade=grade,
        review=ReviewDecision.objects.filter(submission=submission).first(),
        prompt_tokens=sum(c.prompt_tokens for c in calls),
        output_tokens=sum(c.completion_tokens + c.reasoning_tokens for c in calls),
        cost_usd=sum((c.cost_usd for c in calls), Decimal(0)),
    )


def review_queue(*, reviewer_id: int) -> QuerySet[Submission]:
    """Runs waiting for a decision, oldest first; the reviewer's own runs are left out, since
    another instructor has to decide them."""
    return (
        Submission.objects.filter(state=SubmissionState.NEEDS_REVIEW)
        .exclude(learner_id=reviewer_id)
        .select_related("task", "learner")
        .defer(*_SNAPSHOT_FIELDS, "task__spec", "task__brief_html", "task__inputs", "task__reference")
        .order_by("finished_at", "id")
    )


def audit_events(*, submission: Submission) -> QuerySet[DemoAuditEvent]:
    return submission.audit_events.select_related("actor")


def task_list_for_regrade() -> QuerySet[DemoTask]:
    return DemoTask.objects.select_related("course").order_by("course__title", "title")


def personal_data_sections(*, user_id: int) -> list[PersonalDataSection]:
    """The learner's demo runs with their prompts and outcome, for their data export. The
    model's answers and the grading details stay on each run's result page, which shows the
    hidden cases only as far as the learner may see them."""
    submissions = (
        Submission.objects.filter(learner_id=user_id)
        .select_related("task")
        .prefetch_related("reviews")
        .order_by("created_at", "id")
    )
    return [
        PersonalDataSection(
            key="demo_runs",
            about="Your demo runs: the prompts you wrote, the run's state, score and result, and any instructor review.",
            records=tuple(
                {
                    "demo": submission.task.slug,
                    "demo_title": submission.task.title,
                    "created_at": submission.created_at,
                    "finished_at": submission.finished_at,
                    "system_prompt": submission.system_prompt,
                    "user_prompt": submission.user_prompt,
                    "json_schema": submission.json_schema,
                    "tools": submission.tools,
                    "state": submission.state,
                    "score": submission.score,
                    "passed": submission.passed,
                    "test_mode": submission.test_mode,
                    "reviews": [
                        {
                            "decision": review.decision,
                            "score": review.score,
                            "passed": review.passed,
                            "reason": review.reason,
                            "at": review.created_at,
                        }
                        for review in submission.reviews.all()
                    ],
                }
                for submission in submissions
            ),
        )
    ]
