"""Writes for demo submissions: create, run and grade exactly once, retry, review, re-grade.

Exactly once: every model call of a submission is a step ("case:<id>:run:0",
"classify", "judge:<case>", "judge:strict:<case>", "judge:<case>#2" ...) stored in
ModelCallRecord under a unique constraint; a step with a stored result is never asked of
the model again, whatever crashed or was delivered twice. Before any call, the learner's
prompt is checked (a failed required prompt check costs nothing); the calls of all the
submission's cases together stay within the task's cost budget. A grading round is a GradeRecord unique per (submission, round), so
it is never written twice either.
"""

import datetime
import functools
import json
import logging
import random
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Q, Subquery
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.translation import gettext

from accounts.api import OwnRecordAction, own_record_refusal
from assessments import json_limits
from assessments.grading.grade import GradeOutcome
from assessments.json_limits import MAX_DEPTH as JSON_MAX_DEPTH
from assessments.json_limits import JSONTooDeep
from assessments.modelapi.client import get_client
from assessments.modelapi.types import ModelAPIError, ModelResult
from assessments.models import (
    FINAL_STATES,
    DemoAuditEvent,
    DemoTask,
    GradeRecord,
    ModelCallRecord,
    ReviewDecision,
    Submission,
    SubmissionState,
)
from assessments.signals import learner_progressed
from courses import api as courses_api

from . import grader, limits, validation
from .requests import run_cases, stored_case_results
from .selectors import quota_used, run_calls

logger = logging.getLogger(__name__)

# What a learner may paste as a JSON schema or tool list, whatever the task's prompt limit.
_JSON_FIELD_MAX_CHARS = 20_000


class SubmissionRefused(Exception):
    """The learner's input is invalid or over a limit; `errors` maps a field (or "__all__") to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(message for messages in errors.values() for message in messages))
        self.errors = errors


class RetryLater(Exception):
    """The execution stopped without a result; run the task again after `countdown` seconds.

    `resume`, when set, is the token of the lease this execution keeps for its retry:
    pass it back to `submission_run_and_grade` so the retry, and no other delivery, may
    claim the submission before that lease ends."""

    def __init__(self, countdown: float, reason: str, *, resume: str | None = None):
        super().__init__(reason)
        self.countdown = countdown
        self.resume = resume


@dataclass(frozen=True)
class RunOutcome:
    state: str
    skipped: bool = False


def _audit(submission: Submission, kind: str, *, actor=None, **detail) -> None:
    DemoAuditEvent.objects.create(submission=submission, kind=kind, actor=actor, detail=detail)


def _notify_progress(submission: Submission) -> None:
    user_id, course_id = submission.learner_id, submission.task.course_id
    transaction.on_commit(lambda: learner_progressed.send(sender=Submission, user_id=user_id, course_id=course_id))


def _enqueue_run(submission_id: int) -> None:
    from .tasks import demo_run_and_grade

    transaction.on_commit(lambda: demo_run_and_grade.delay(submission_id))


# --- creating a submission -----------------------------------------------------------


def _parse_json_field(name: str, text: str, errors: dict[str, list[str]], check) -> object | None:
    if len(text) > _JSON_FIELD_MAX_CHARS:
        errors.setdefault(name, []).append(
            gettext("Keep this under %(limit)s characters.") % {"limit": f"{_JSON_FIELD_MAX_CHARS:,}"}
        )
        return None
    try:
        value = json_limits.loads(text)
    except JSONTooDeep:
        errors.setdefault(name, []).append(
            gettext("Keep this JSON to at most %(depth)s levels of nesting.") % {"depth": JSON_MAX_DEPTH}
        )
        return None
    except json.JSONDecodeError as exc:
        errors.setdefault(name, []).append(
            gettext("This is not valid JSON: %(problem)s (line %(line)s, column %(column)s).")
            % {"problem": exc.msg, "line": exc.lineno, "column": exc.colno}
        )
        return None
    problems = check(value)
    if problems:
        errors.setdefault(name, []).extend(problems)
        return None
    return value


def submission_create(
    *,
    learner,
    task: DemoTask,
    system_prompt: str = "",
    user_prompt: str = "",
    json_schema: str = "",
    tools: str = "",
    form_key: uuid.UUID | None = None,
) -> Submission:
    """Validate what the learner wrote against the task, enforce the hourly quota, store
    the submission as queued and enqueue its run once the transaction commits.

    `form_key` identifies the form the learner posted. The same form sent again with the same
    content (a double click, a browser's resend after a web node failed mid-request) returns the
    run it already made, which costs neither a run of the hourly quota nor a model call. Edited
    and sent again (after Back), it is a new run.

    Raises SubmissionRefused with per-field messages.
    """
    if not task.is_published:
        raise SubmissionRefused({"__all__": [gettext("This demo is no longer available.")]})
    writes = task.learner_writes
    errors: dict[str, list[str]] = {}
    system_prompt = system_prompt.strip() if "system_prompt" in writes else ""
    user_prompt = user_prompt.strip() if "user_prompt" in writes else ""
    if "user_prompt" in writes and not user_prompt:
        errors["user_prompt"] = [gettext("Write the user prompt.")]
    if "system_prompt" in writes and "user_prompt" not in writes and not system_prompt:
        errors["system_prompt"] = [gettext("Write the system prompt.")]
    limit = task.limits["prompt_max_chars"]
    if len(system_prompt) + len(user_prompt) > limit:
        errors.setdefault("__all__", []).append(
            gettext("Your prompts are %(length)s characters; this demo allows %(limit)s.")
            % {"length": f"{len(system_prompt) + len(user_prompt):,}", "limit": f"{limit:,}"}
        )
    schema_value = tools_value = None
    if "json_schema" in writes:
        if not json_schema.strip():
            errors["json_schema"] = [gettext("Write the JSON Schema the answer must follow.")]
        else:
            schema_value = _parse_json_field("json_schema", json_schema, errors, validation.json_schema_errors)
    if "tools" in writes:
        if not tools.strip():
            errors["tools"] = [gettext("Define at least one function tool.")]
        else:
            tools_value = _parse_json_field("tools", tools, errors, validation.tools_errors)
            task_tools = task.spec.get("tools")
            task_names = set(validation.tool_names(task_tools if isinstance(task_tools, list) else None))
            clash = task_names & set(validation.tool_names(tools_value)) if isinstance(tools_value, list) else set()
            if clash:
                errors.setdefault("tools", []).append(
                    gettext("The task already provides %(names)s.") % {"names": ", ".join(sorted(clash))}
                )
    if errors:
        raise SubmissionRefused(errors)
    sent_key = _submission_key(
        form_key or uuid.uuid4(),
        task=task,
        prompts=(system_prompt, user_prompt),
        json_values=(schema_value, tools_value),
    )
    with transaction.atomic():
        # Lock the learner's row so that two submissions at once cannot both take the last run of
        # the hour, nor both store the same form (SQLite's immediate transactions serialize alike).
        get_user_model().objects.select_for_update().filter(pk=learner.pk).first()
        if sent_before := Submission.objects.filter(learner=learner, form_key=sent_key).first():
            return sent_before
        now = timezone.now()
        per_hour = task.limits["runs_per_hour"]
        if quota_used(learner=learner, task=task, now=now) >= per_hour:
            raise SubmissionRefused(
                {
                    "__all__": [
                        gettext("You have used this demo's %(count)s runs for the last hour. Try again later.")
                        % {"count": per_hour}
                    ]
                }
            )
        submission = Submission.objects.create(
            learner=learner,
            task=task,
            form_key=sent_key,
            task_version=task.version,
            task_spec=task.spec,
            task_inputs=task.inputs,
            system_prompt=system_prompt,
            user_prompt=user_prompt,
            json_schema=schema_value,
            tools=tools_value,
            test_mode=settings.PLATFORM_TEST_MODE,
        )
        _audit(submission, DemoAuditEvent.Kind.SUBMITTED, actor=learner, task_version=task.version)
        courses_api.enrollment_ensure(user_id=learner.pk, course_id=task.course_id)
        _enqueue_run(submission.pk)
    return submission


def _submission_key(form_key: uuid.UUID, *, task: DemoTask, prompts: tuple[str, str], json_values: tuple) -> uuid.UUID:
    """The stored key: the form's key together with what was sent in it, so that only an
    identical resend of the same form matches."""
    content = json.dumps([task.pk, *prompts, *json_values], sort_keys=True, ensure_ascii=False)
    return uuid.uuid5(form_key, content)


# --- the step store --------------------------------------------------------------------


def run_lease_seconds() -> float:
    """How long an execution holds a submission past the start of a model step: the
    longest a step can take (a wait for a call slot, then the client's every attempt
    timing out) plus a margin. Shorter, and a redelivered task could take over a live run
    and pay for its step twice."""
    return (
        settings.DEMO_LIMIT_WAIT_SECONDS + get_client().longest_call_seconds() + settings.DEMO_RUN_LEASE_MARGIN_SECONDS
    )


def _renew_lease(submission_id: int) -> None:
    expires = timezone.now() + datetime.timedelta(seconds=run_lease_seconds())
    Submission.objects.filter(pk=submission_id, state=SubmissionState.RUNNING).update(lease_expires_at=expires)


def _release_db_connection() -> None:
    """Give this thread's database connection back before waiting seconds on the model.

    A thread-pool worker holds a hundred model calls in flight; if each thread kept an
    idle connection through its call, PostgreSQL's default of 100 connections would run
    out. Reconnecting after the call costs milliseconds against seconds of waiting.
    (Inside a transaction, as in tests, the connection is left alone.)
    """
    if not connection.in_atomic_block:
        connection.close()


class _StepStore:
    """The submission's stored steps; `run_batch` is the `requests.BatchRunner` over them."""

    def __init__(self, submission: Submission, *, renew_lease: bool):
        self.submission = submission
        self.renew_lease = renew_lease
        self.budget = grader.budget_usd(submission.task_spec)
        records = ModelCallRecord.objects.filter(submission=submission)
        self.stored = {record.step: ModelResult.from_json(record.result) for record in records}
        self.spent = sum((record.cost_usd for record in records), Decimal(0))

    def run_batch(self, batch) -> list[ModelResult]:
        missing = [(key, call) for key, call in batch if key not in self.stored]
        if missing:
            if self.spent >= Decimal(str(self.budget)):
                raise grader.BudgetExceeded(self.spent, self.budget)
            if self.renew_lease:
                _renew_lease(self.submission.pk)
            _release_db_connection()
            outcomes = grader.run_in_parallel([call for _, call in missing], guard=limits.model_call_slot)
            errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
            for (key, _), outcome in zip(missing, outcomes, strict=True):
                if not isinstance(outcome, Exception):
                    self._record(key, outcome)
            if errors:
                raise errors[0]
        return [self.stored[key] for key, _ in batch]

    def _record(self, key: str, result: ModelResult) -> None:
        submission, usage = self.submission, result.usage
        cost = Decimal(str(round(result.cost_usd, 8)))
        try:
            with transaction.atomic():
                ModelCallRecord.objects.create(
                    submission=submission,
                    step=key,
                    result=result.to_json(),
                    resolved_model=result.resolved_model,
                    prompt_tokens=usage.prompt_tokens,
                    completion_tokens=usage.completion_tokens,
                    reasoning_tokens=usage.reasoning_tokens,
                    cached_tokens=usage.cached_tokens,
                    cost_usd=cost,
                    latency_ms=result.latency_ms,
                )
                _audit(
                    submission,
                    DemoAuditEvent.Kind.MODEL_CALL,
                    step=key,
                    model=result.resolved_model,
                    latency_ms=result.latency_ms,
                    total_tokens=usage.total_tokens,
                    cost_usd=result.cost_usd,
                )
            self.spent += cost
        except IntegrityError:
            # Another execution stored this step first; the submission keeps that answer.
            result = ModelResult.from_json(ModelCallRecord.objects.get(submission=submission, step=key).result)
        self.stored[key] = result


def _budget_message(exc: grader.BudgetExceeded) -> str:
    return (
        f"This run reached the demo's cost limit (${exc.budget:g} for all cases and grading; ${exc.spent:.4f} "
        "spent), so it was stopped. Your prompt is saved; a shorter prompt or output costs less."
    )


# --- running and grading ----------------------------------------------------------------


def _claim(submission_id: int, *, resume: str | None = None, holder: str = "") -> Submission | None:
    """Mark the submission running for this execution, or say why not; `holder` (the
    worker process, see `submission_requeue_orphaned`) is kept in the audit log.

    Returns None when there is nothing to do (already graded, in review or failed);
    raises RetryLater while another execution holds an unexpired lease, unless `resume`
    is the token of that lease (this is the retry it was kept for).
    """
    now = timezone.now()
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission_id)
        if submission.state in FINAL_STATES or submission.state == SubmissionState.FAILED:
            return None
        if (
            submission.state == SubmissionState.RUNNING
            and submission.lease_expires_at
            and submission.lease_expires_at > now
            and submission.lease_expires_at.isoformat() != resume
        ):
            wait = (submission.lease_expires_at - now).total_seconds()
            raise RetryLater(min(wait, 60) + random.uniform(0, 5), "another execution is running this submission")
        submission.state = SubmissionState.RUNNING
        submission.attempts += 1
        submission.started_at = submission.started_at or now
        submission.lease_expires_at = now + datetime.timedelta(seconds=run_lease_seconds())
        submission.save(update_fields=["state", "attempts", "started_at", "lease_expires_at", "updated_at"])
        _audit(submission, DemoAuditEvent.Kind.STARTED, attempt=submission.attempts, holder=holder)
    return Submission.objects.select_related("task").get(pk=submission_id)


def _defer(submission_id: int, countdown: float, reason: str) -> RetryLater:
    """Keep the submission for the Celery retry due in `countdown` seconds: the lease ends
    when the retry is due and only the retry (holding its token) may claim it earlier; if
    the retry is lost (a worker killed while holding its message) the sweep re-queues the
    submission soon after."""
    expires = timezone.now() + datetime.timedelta(seconds=countdown)
    Submission.objects.filter(pk=submission_id, state=SubmissionState.RUNNING).update(lease_expires_at=expires)
    return RetryLater(countdown, reason, resume=expires.isoformat())


def _retry_countdown(failures: int, retry_after: float | None) -> float:
    """Celery's wait before retry number `failures` (1, 2, ...): exponential backoff with
    equal jitter (half the backoff, plus up to as much again at random), never shorter
    than a wait the API asked for."""
    backoff = min(settings.DEMO_RETRY_BACKOFF_MAX_SECONDS, settings.DEMO_RETRY_BACKOFF_SECONDS * 2 ** (failures - 1))
    return max(retry_after or 0, random.uniform(backoff / 2, backoff))


def _fail(submission_id: int, message: str, **detail) -> None:
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission_id)
        if submission.state != SubmissionState.RUNNING:
            return
        submission.state = SubmissionState.FAILED
        submission.error_message = message
        submission.lease_expires_at = None
        submission.finished_at = timezone.now()
        submission.save(update_fields=["state", "error_message", "lease_expires_at", "finished_at", "updated_at"])
        _audit(submission, DemoAuditEvent.Kind.FAILED, message=message, **detail)


def _model_error(submission_id: int, exc: ModelAPIError) -> RetryLater | None:
    """Count a failed model call; returns when to retry, or None after marking the submission failed."""
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission_id)
        submission.transient_failures += 1
        submission.save(update_fields=["transient_failures", "updated_at"])
        failures = submission.transient_failures
    if exc.retryable and failures <= settings.DEMO_MAX_RETRIES:
        countdown = _retry_countdown(failures, exc.retry_after)
        return _defer(
            submission_id, countdown, f"model API error, retry {failures} of {settings.DEMO_MAX_RETRIES}: {exc}"
        )
    if exc.retryable:
        message = (
            "The model service did not answer after several tries. Your prompt is saved and nothing "
            "is lost: press Retry to run it again."
        )
    else:
        message = f"The model API refused the request: {exc.message}"
    _fail(submission_id, message, status=exc.status, code=exc.code, error=exc.message, failures=failures)
    return None


def submission_run_and_grade(*, submission_id: int, resume: str | None = None, holder: str = "") -> RunOutcome:
    """Run the learner's prompt on the model and grade the output, exactly once.

    Safe to call any number of times for the same submission: a graded, in-review or
    failed submission is left alone, stored steps are reused, a grade is written once.
    Raises RetryLater when the caller should run it again later (transient model API
    error, platform at its call limit, or another execution holding the submission);
    its `resume` token, passed back here, lets the retry claim the submission at once.
    """
    submission = _claim(submission_id, resume=resume, holder=holder)
    if submission is None:
        return RunOutcome(state=Submission.objects.values_list("state", flat=True).get(pk=submission_id), skipped=True)
    try:
        outcome = grader.prompt_gate(submission, submission.task_spec)
        if outcome is None:
            store = _StepStore(submission, renew_lease=True)
            runs = run_cases(submission, get_client(), store.run_batch)
            outcome = grader.grade(
                submission=submission, runs=runs, spec=submission.task_spec, round_=0, run_batch=store.run_batch
            )
    except grader.BudgetExceeded as exc:
        _fail(submission_id, _budget_message(exc), spent_usd=str(exc.spent), budget_usd=exc.budget)
        return RunOutcome(state=SubmissionState.FAILED)
    except limits.ModelCallsBusy as exc:
        raise _defer(submission_id, exc.retry_after, str(exc)) from exc
    except ModelAPIError as exc:
        retry = _model_error(submission_id, exc)
        if retry is not None:
            raise retry from exc
        return RunOutcome(state=SubmissionState.FAILED)
    except Exception as exc:
        logger.exception("demo submission %s: unexpected error", submission_id)
        _fail(
            submission_id,
            "Something went wrong on our side while running your prompt. Your prompt is saved: "
            "press Retry to run it again.",
            error=f"{type(exc).__name__}: {exc}",
        )
        raise
    return _store_grade(
        submission_id, outcome, rubric=submission.task_spec["rubric"], round_=0, task_version=submission.task_version
    )


def _store_grade(
    submission_id: int,
    outcome: GradeOutcome,
    *,
    rubric: list[dict],
    round_: int,
    task_version: str,
    regrade: bool = False,
) -> RunOutcome:
    """Write round `round_`'s grade, judged against `rubric`, once; a second call changes nothing."""
    with transaction.atomic():
        submission = Submission.objects.select_for_update().select_related("task").get(pk=submission_id)
        if GradeRecord.objects.filter(submission=submission, round=round_).exists():
            return RunOutcome(state=submission.state, skipped=True)
        if regrade and (submission.grade_round != round_ or submission.state not in FINAL_STATES):
            return RunOutcome(state=submission.state, skipped=True)
        if not regrade and submission.state != SubmissionState.RUNNING:
            return RunOutcome(state=submission.state, skipped=True)
        data = outcome.to_json()
        GradeRecord.objects.create(
            submission=submission,
            round=round_,
            task_version=task_version,
            status=outcome.status,
            score=outcome.score,
            passed=outcome.would_pass,
            rubric=list(rubric),
            check_results=data["check_results"],
            judge=data["judge"],
            injection=data["injection"],
            reasons=data["reasons"],
        )
        review = outcome.status == "needs_review"
        submission.state = SubmissionState.NEEDS_REVIEW if review else SubmissionState.GRADED
        submission.score = outcome.score
        submission.passed = None if review else outcome.status == "passed"
        submission.error_message = ""
        submission.lease_expires_at = None
        submission.transient_failures = 0
        submission.finished_at = timezone.now()
        submission.save()
        kind = (
            DemoAuditEvent.Kind.REGRADED
            if regrade
            else (DemoAuditEvent.Kind.NEEDS_REVIEW if review else DemoAuditEvent.Kind.GRADED)
        )
        _audit(submission, kind, round=round_, status=outcome.status, score=outcome.score, reasons=data["reasons"])
        _notify_progress(submission)
    return RunOutcome(state=submission.state)


# --- learner's retry ----------------------------------------------------------------------


def submission_retry(*, submission_id: int, learner) -> Submission:
    """Queue a failed submission again; its stored model steps are kept and reused."""
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission_id, learner=learner)
        if submission.state != SubmissionState.FAILED:
            raise SubmissionRefused({"__all__": [gettext("Only a failed run can be retried.")]})
        submission.state = SubmissionState.QUEUED
        submission.error_message = ""
        submission.transient_failures = 0
        submission.finished_at = None
        submission.save(update_fields=["state", "error_message", "transient_failures", "finished_at", "updated_at"])
        _audit(submission, DemoAuditEvent.Kind.RETRIED, actor=learner)
        _enqueue_run(submission.pk)
    return submission


# --- instructor review and re-grade ---------------------------------------------------------


def review_decide(
    *,
    submission_id: int,
    instructor,
    confirm: bool,
    reason: str,
    score: float | None = None,
    passed: bool | None = None,
) -> ReviewDecision:
    """Confirm the automatic grade or override it; the reason is required and audit-logged.

    `score` (0-1) and `passed` are required when overriding.
    """
    reason = reason.strip()
    errors: dict[str, list[str]] = {}
    if not getattr(instructor, "is_instructor", False):
        raise PermissionError("Only instructors review demo submissions.")
    if not reason:
        errors["reason"] = [gettext("Give the reason for your decision; it is kept in the audit log.")]
    if not confirm:
        if score is None or not 0 <= score <= 1:
            errors["score"] = [gettext("Give a score between 0 and 100%.")]
        if passed is None:
            errors["passed"] = [gettext("Say whether the submission passes.")]
    if errors:
        raise SubmissionRefused(errors)
    refusal = own_record_refusal(
        actor_id=instructor.pk,
        learner_id=Submission.objects.values_list("learner_id", flat=True).get(pk=submission_id),
        action=OwnRecordAction.REVIEW_SUBMISSION,
    )
    if refusal:
        raise SubmissionRefused({"__all__": [refusal]})
    with transaction.atomic():
        submission = Submission.objects.select_for_update().select_related("task").get(pk=submission_id)
        if submission.state not in FINAL_STATES:
            raise SubmissionRefused(
                {"__all__": [gettext("Only graded submissions or submissions in review can be reviewed.")]}
            )
        # The latest grade written: a re-grade that is still queued has none for its round yet.
        grade = GradeRecord.objects.filter(submission=submission).order_by("-round").first()
        if grade is None:
            raise SubmissionRefused({"__all__": [gettext("This submission has no grade to review.")]})
        before = {"state": submission.state, "score": submission.score, "passed": submission.passed}
        if confirm:
            score, passed = grade.score, grade.passed
        assert score is not None and passed is not None  # an override without them was refused above
        decision = ReviewDecision.objects.create(
            submission=submission,
            grade=grade,
            instructor=instructor,
            decision=ReviewDecision.Decision.CONFIRMED if confirm else ReviewDecision.Decision.OVERRIDDEN,
            score=score,
            passed=passed,
            reason=reason,
        )
        submission.state = SubmissionState.GRADED
        submission.score = score
        submission.passed = passed
        submission.save(update_fields=["state", "score", "passed", "updated_at"])
        _audit(
            submission,
            DemoAuditEvent.Kind.REVIEW_CONFIRMED if confirm else DemoAuditEvent.Kind.REVIEW_OVERRIDDEN,
            actor=instructor,
            reason=reason,
            before=before,
            score=score,
            passed=passed,
            round=grade.round,
        )
        _notify_progress(submission)
    return decision


def task_regrade(*, task_id: int, instructor) -> int:
    """Queue a judge-only re-grade of every graded or in-review submission of a task.

    Each gets a new grading round; its judge steps are new (keyed by the round) while the
    learner's run is reused as stored. Returns how many were queued.
    """
    from .tasks import demo_regrade

    if not getattr(instructor, "is_instructor", False):
        raise PermissionError("Only instructors re-grade demos.")
    queued = 0
    with transaction.atomic():
        for submission in Submission.objects.select_for_update().filter(task_id=task_id, state__in=FINAL_STATES):
            submission.grade_round += 1
            submission.save(update_fields=["grade_round", "updated_at"])
            _audit(submission, DemoAuditEvent.Kind.REGRADE_QUEUED, actor=instructor, round=submission.grade_round)
            transaction.on_commit(functools.partial(demo_regrade.delay, submission.pk, submission.grade_round))
            queued += 1
    return queued


def submission_regrade(*, submission_id: int, round_: int) -> RunOutcome:
    """Re-run the judge (and the deterministic checks) on the stored output, against the
    task as it is now. Never calls the model for the learner's run again."""
    submission = Submission.objects.select_related("task").get(pk=submission_id)
    if submission.grade_round != round_ or GradeRecord.objects.filter(submission=submission, round=round_).exists():
        return RunOutcome(state=submission.state, skipped=True)
    if "cases" not in submission.task_spec:
        # Run before tasks had cases: there is no case to judge it on, so its grade stands.
        _audit(submission, DemoAuditEvent.Kind.FAILED, round=round_, message="re-grade skipped: no cases")
        return RunOutcome(state=submission.state, skipped=True)
    runs = stored_case_results(submission, run_calls(ModelCallRecord.objects.filter(submission=submission)))
    task = submission.task
    # The cases the submission ran with; their checks, the rubric and the brief as they are now.
    current = {case["id"]: case for case in task.spec.get("cases", [])}
    cases = [{**case, "checks": current.get(case["id"], case)["checks"]} for case in submission.task_spec["cases"]]
    spec = dict(
        submission.task_spec,
        cases=cases,
        checks=task.spec.get("checks", []),
        prompt_checks=task.spec.get("prompt_checks", []),
        rubric=task.spec["rubric"],
        pass_threshold=task.spec["pass_threshold"],
        brief=task.spec["brief"],
    )
    try:
        outcome = grader.prompt_gate(submission, spec) or grader.grade(
            submission=submission,
            runs=runs,
            spec=spec,
            round_=round_,
            run_batch=_StepStore(submission, renew_lease=False).run_batch,
        )
    except grader.BudgetExceeded as exc:
        _audit(submission, DemoAuditEvent.Kind.FAILED, round=round_, message="re-grade over budget", error=str(exc))
        return RunOutcome(state=submission.state, skipped=True)
    except limits.ModelCallsBusy as exc:
        raise RetryLater(exc.retry_after, str(exc)) from exc
    except ModelAPIError as exc:
        with transaction.atomic():
            locked = Submission.objects.select_for_update().get(pk=submission_id)
            locked.transient_failures += 1
            locked.save(update_fields=["transient_failures", "updated_at"])
        if exc.retryable and locked.transient_failures <= settings.DEMO_MAX_RETRIES:
            raise RetryLater(_retry_countdown(locked.transient_failures, exc.retry_after), str(exc)) from exc
        # The previous grade stays in force; the instructor can queue the re-grade again.
        Submission.objects.filter(pk=submission_id).update(transient_failures=0)
        _audit(submission, DemoAuditEvent.Kind.FAILED, round=round_, message="re-grade failed", error=exc.message)
        return RunOutcome(state=submission.state, skipped=True)
    return _store_grade(
        submission_id, outcome, rubric=spec["rubric"], round_=round_, task_version=task.version, regrade=True
    )


# --- recovery -------------------------------------------------------------------------------


def submission_requeue_expired(*, now: datetime.datetime | None = None) -> int:
    """Queue again every submission whose run has nobody to carry it, more than the sweep's
    grace after its last sign of life:

    - running, with its lease ended: its execution died (a killed worker) or its retry
      message was lost;
    - queued and never claimed: its message never reached the broker (the web process died
      between committing the submission and publishing the task, or the broker was down).

    The run picks up at the first step not stored, so no model call already paid for is made
    again, and a duplicate message finds the run claimed or finished and does nothing.
    Returns how many were queued; running it twice in a row queues each at most once more."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.DEMO_LEASE_SWEEP_GRACE_SECONDS)
    # `lease_expires_at` doubles as "queued again at" for a submission no worker has claimed:
    # `_claim` reads it only on running submissions.
    not_requeued_lately = Q(lease_expires_at__lt=cutoff) | Q(lease_expires_at__isnull=True)
    with transaction.atomic():
        stale = list(
            Submission.objects.select_for_update(skip_locked=True)
            .filter(
                Q(state=SubmissionState.RUNNING) | Q(state=SubmissionState.QUEUED, updated_at__lt=cutoff),
                not_requeued_lately,
            )
            .values_list("pk", "state")
        )
        # Expired still (the re-queued run can claim it), but recently: the next sweep
        # queues it again only if no worker has claimed it within the grace.
        Submission.objects.filter(pk__in=[pk for pk, _ in stale]).update(lease_expires_at=now)
        for submission_id, state in stale:
            logger.warning("demo submission %s: %s with nobody running it; queued again", submission_id, state)
            _enqueue_run(submission_id)
    return len(stale)


def submission_requeue_orphaned(*, worker: str, holder: str) -> int:
    """Queue again, at once, every running submission last claimed by an earlier process
    of this worker: `holder` is "<worker node name>/<process id>", and a worker that
    starts under a node name it had before was killed or restarted in the meantime, so
    those runs have no execution left, whatever their lease says. (Two live workers must
    not share a node name; Celery warns when they do.) Returns how many were queued."""
    last_holder = Subquery(
        DemoAuditEvent.objects.filter(submission=OuterRef("pk"), kind=DemoAuditEvent.Kind.STARTED)
        .order_by("-created_at", "-id")
        .values(holder=KT("detail__holder"))[:1]  # as text: PostgreSQL would compare JSON
    )
    with transaction.atomic():
        orphaned = list(
            Submission.objects.select_for_update(skip_locked=True)
            .filter(state=SubmissionState.RUNNING)
            .annotate(last_holder=last_holder)
            .filter(last_holder__startswith=f"{worker}/")
            .exclude(last_holder=holder)
            .values_list("pk", flat=True)
        )
        Submission.objects.filter(pk__in=orphaned).update(lease_expires_at=timezone.now())
        for submission_id in orphaned:
            logger.warning("demo submission %s: its worker %s restarted mid-run; queued again", submission_id, worker)
            _enqueue_run(submission_id)
    return len(orphaned)
