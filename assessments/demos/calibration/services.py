"""Writes for judge calibration: the labelled examples, staging a judge configuration,
running it on the calibration set and the gate that promotes or holds it.

A staged configuration's judge is run on every active example of every published task
through the same judge code grading uses (`grading.judge.judge_cases`, model calls
through the one model client), so it asks the simulator in tests and the API in live
mode. Each example's verdict is stored once (unique per configuration and example): a
run that is delivered twice or retried after an API error judges only what is left.
The configuration goes live only when, on every task, kappa reaches the threshold in
force when it was staged and no example labelled "attack" gets a false pass.
"""

import logging
import random

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.api import OwnRecordAction, own_record_refusal
from assessments.grading.judge import PROMPT_VERSIONS, JudgeConfig, JudgeOutcome, judge_cases
from assessments.modelapi import catalog
from assessments.modelapi.types import ModelAPIError, ModelResult
from assessments.models import (
    FINAL_STATES,
    CalibrationAuditEvent,
    CalibrationExample,
    CalibrationVerdict,
    DemoTask,
    GradeRecord,
    JudgeConfiguration,
    ModelCallRecord,
    Submission,
)

from .. import grader
from ..requests import case_evidence, stored_case_results
from ..selectors import run_calls
from . import selectors
from .agreement import gate_reasons
from .content import KINDS, LABELS

logger = logging.getLogger(__name__)


class CalibrationRefused(Exception):
    """Invalid input; `errors` maps a field (or "__all__") to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(message for messages in errors.values() for message in messages))
        self.errors = errors


class RetryLater(Exception):
    def __init__(self, countdown: float, reason: str):
        super().__init__(reason)
        self.countdown = countdown


def _audit(kind: str, *, actor=None, configuration=None, example=None, **detail) -> None:
    CalibrationAuditEvent.objects.create(
        kind=kind, actor=actor, configuration=configuration, example=example, detail=detail
    )


def _require_instructor(user) -> None:
    if not getattr(user, "is_instructor", False):
        raise PermissionError("Only instructors calibrate the judge.")


# --- examples -------------------------------------------------------------------------------


def calibration_examples_sync(*, slug: str, course_id: int, examples: tuple[dict, ...]) -> None:
    """Upsert a task's examples from its calibration.yaml; content examples that left the
    file stop being run (past verdicts keep them)."""
    task = DemoTask.objects.get(course_id=course_id, slug=slug)
    keys = []
    for example in examples:
        key = f"content:{example['id']}"
        keys.append(key)
        CalibrationExample.objects.update_or_create(
            task=task,
            key=key,
            defaults={
                "source": CalibrationExample.Source.CONTENT,
                "kind": example["kind"],
                "learner_prompt": example["learner_prompt"],
                "cases": example["cases"],
                "outputs": example["outputs"],
                "labels": example["labels"],
                "note": example["note"],
                "is_active": True,
            },
            create_defaults={
                "source": CalibrationExample.Source.CONTENT,
                "kind": example["kind"],
                "learner_prompt": example["learner_prompt"],
                "cases": example["cases"],
                "outputs": example["outputs"],
                "labels": example["labels"],
                "note": example["note"],
                "labelled_at": timezone.now(),
            },
        )
    CalibrationExample.objects.filter(task=task, source=CalibrationExample.Source.CONTENT).exclude(key__in=keys).update(
        is_active=False
    )


def _stored_outputs(submission: Submission) -> dict[str, list[dict]]:
    runs = stored_case_results(submission, run_calls(ModelCallRecord.objects.filter(submission=submission)))
    # The raw API answer is not needed to judge the run again.
    return {case_id: [{**result.to_json(), "raw": {}} for result in results] for case_id, results in runs.items()}


def calibration_example_add_from_review(
    *, submission_id: int, instructor, labels: dict[str, str], kind: str, note: str = ""
) -> CalibrationExample:
    """Add a reviewed submission to its task's calibration set (or relabel it), with the
    instructor's label per criterion and the submission's stored case outputs."""
    _require_instructor(instructor)
    submission = Submission.objects.select_related("task").get(pk=submission_id)
    errors: dict[str, list[str]] = {}
    if submission.state not in FINAL_STATES or not GradeRecord.objects.filter(submission=submission).exists():
        errors["__all__"] = [_("Only a graded submission can join the calibration set.")]
    criteria = [criterion["id"] for criterion in submission.task.spec.get("rubric", [])]
    for criterion in criteria:
        if labels.get(criterion) not in LABELS:
            errors.setdefault(criterion, []).append(_("Label this criterion pass or fail."))
    if kind not in KINDS:
        errors["kind"] = [_("Choose what kind of example this is.")]
    outputs = _stored_outputs(submission)
    if not outputs and "__all__" not in errors:
        errors["__all__"] = [_("This submission has no stored case output to calibrate on.")]
    refusal = own_record_refusal(
        actor_id=instructor.pk, learner_id=submission.learner_id, action=OwnRecordAction.CALIBRATE_ON_SUBMISSION
    )
    if refusal:
        errors["__all__"] = [refusal]
    if errors:
        raise CalibrationRefused(errors)
    cases = [case for case in submission.task_spec.get("cases", []) if case["id"] in outputs]
    with transaction.atomic():
        example, created = CalibrationExample.objects.update_or_create(
            task=submission.task,
            key=f"review:{submission.pk}",
            defaults={
                "source": CalibrationExample.Source.REVIEW,
                "submission": submission,
                "kind": kind,
                "learner_prompt": {
                    "system_prompt": submission.system_prompt,
                    "user_prompt": submission.user_prompt,
                    "json_schema": submission.json_schema,
                    "tools": submission.tools,
                },
                "cases": cases,
                "outputs": outputs,
                "labels": {criterion: labels[criterion] for criterion in criteria},
                "note": note.strip(),
                "labelled_by": instructor,
                "labelled_at": timezone.now(),
                "is_active": True,
            },
        )
        _audit(
            CalibrationAuditEvent.Kind.EXAMPLE_ADDED,
            actor=instructor,
            example=example,
            submission=submission.pk,
            example_kind=kind,
            labels=example.labels,
            relabelled=not created,
        )
    return example


def labels_suggested(submission: Submission) -> dict[str, str]:
    """A starting point for the instructor's labels: the latest grade's judge verdict per
    criterion (pass only when it passed on every case); "" where the judge gave none."""
    grade = GradeRecord.objects.filter(submission=submission).order_by("-round").first()
    cases = (grade.judge.get("cases") if grade else None) or []
    suggested: dict[str, str] = {}
    for criterion in submission.task.spec.get("rubric", []):
        verdicts = [v["passed"] for case in cases for v in case.get("verdicts", []) if v.get("id") == criterion["id"]]
        suggested[criterion["id"]] = ("pass" if all(verdicts) else "fail") if verdicts else ""
    return suggested


# --- staging and the gate ---------------------------------------------------------------------


def judge_configuration_stage(*, model: str, prompt_version: str, actor=None) -> JudgeConfiguration:
    """Stage a judge configuration and queue its run on the calibration set once the
    transaction commits. Staging one that is already staged or running returns it."""
    if actor is not None:
        _require_instructor(actor)
    model, prompt_version = model.strip(), prompt_version.strip()
    errors: dict[str, list[str]] = {}
    if model not in catalog.known_models():
        errors["model"] = [_("This is not a model the platform knows.")]
    if prompt_version not in PROMPT_VERSIONS:
        errors["prompt_version"] = [_("This is not a judge prompt version the platform has.")]
    if errors:
        raise CalibrationRefused(errors)
    from .tasks import calibration_run

    rubric_hash = selectors.rubric_digest()
    with transaction.atomic():
        pending = JudgeConfiguration.objects.filter(
            model=model,
            prompt_version=prompt_version,
            rubric_hash=rubric_hash,
            status__in=[JudgeConfiguration.Status.STAGED, JudgeConfiguration.Status.RUNNING],
        ).first()
        if pending is not None:
            return pending
        configuration = JudgeConfiguration.objects.create(
            model=model,
            prompt_version=prompt_version,
            rubric_hash=rubric_hash,
            staged_by=actor,
            staged_at=timezone.now(),
            min_kappa=settings.CALIBRATION_MIN_KAPPA,
            examples_total=selectors.examples_to_judge().count(),
        )
        _audit(
            CalibrationAuditEvent.Kind.STAGED,
            actor=actor,
            configuration=configuration,
            model=model,
            prompt_version=prompt_version,
            rubric_hash=rubric_hash,
            min_kappa=configuration.min_kappa,
        )
        transaction.on_commit(lambda: calibration_run.delay(configuration.pk))
    return configuration


def _criterion_verdicts(outcome: JudgeOutcome, criteria: list[str]) -> tuple[dict[str, str], str]:
    """Pass on a criterion only when every pass of the judge on every case passed it, as
    grading would let it stand; an unusable answer fails every criterion."""
    errors = [judge_pass.error for case in outcome.cases for judge_pass in case.passes if judge_pass.error]
    if errors:
        return dict.fromkeys(criteria, "fail"), errors[0]
    passed = {
        criterion: all(
            verdict.passed
            for case in outcome.cases
            for judge_pass in case.passes
            for verdict in judge_pass.verdicts
            if verdict.id == criterion
        )
        for criterion in criteria
    }
    return {criterion: "pass" if ok else "fail" for criterion, ok in passed.items()}, ""


def _judge_example(example: CalibrationExample, config: JudgeConfig) -> tuple[dict[str, str], dict, str]:
    task = example.task
    written = example.learner_prompt
    # The example as a submission that ran its cases: grading's own code builds what the judge sees.
    submission = Submission(
        task=task,
        task_spec={**task.spec, "cases": example.cases},
        system_prompt=written.get("system_prompt") or "",
        user_prompt=written.get("user_prompt") or "",
        json_schema=written.get("json_schema"),
        tools=written.get("tools"),
    )
    spec = grader.grading_task(task.spec)
    cases = [
        case_evidence(submission, case, [ModelResult.from_json(result) for result in example.outputs[case["id"]]])
        for case in example.cases
        if case["id"] in example.outputs
    ]
    outcome = judge_cases(
        title=spec.title,
        brief=spec.brief,
        rubric=spec.rubric,
        learner_prompt=grader.learner_prompt(submission),
        cases=cases,
        config=config,
    )
    verdicts, error = _criterion_verdicts(outcome, [criterion.id for criterion in spec.rubric])
    return verdicts, outcome.to_json(), error


def _retry_countdown(retries: int, retry_after: float | None) -> float:
    backoff = min(settings.DEMO_RETRY_BACKOFF_MAX_SECONDS, settings.DEMO_RETRY_BACKOFF_SECONDS * 2**retries)
    return max(retry_after or 0.0, backoff / 2 + random.uniform(0, backoff / 2))


def judge_configuration_run(*, configuration_id: int, retries: int = 0) -> str:
    """Judge every calibration example not judged yet under this configuration, then
    decide. Idempotent: a decided configuration is left as it is. Returns its status."""
    with transaction.atomic():
        configuration = JudgeConfiguration.objects.select_for_update().get(pk=configuration_id)
        if configuration.status not in (JudgeConfiguration.Status.STAGED, JudgeConfiguration.Status.RUNNING):
            return configuration.status
        configuration.status = JudgeConfiguration.Status.RUNNING
        configuration.save(update_fields=["status"])
    config = JudgeConfig(model=configuration.model, prompt_version=configuration.prompt_version)
    done = set(CalibrationVerdict.objects.filter(configuration=configuration).values_list("example_id", flat=True))
    for example in selectors.examples_to_judge().exclude(pk__in=done).order_by("task_id", "key"):
        try:
            verdicts, judged, error = _judge_example(example, config)
        except ModelAPIError as exc:
            if exc.retryable and retries < settings.DEMO_MAX_RETRIES:
                raise RetryLater(_retry_countdown(retries, exc.retry_after), str(exc)) from exc
            return _hold(configuration_id, [{"code": "judge_unavailable", "task": example.task.slug}], str(exc))
        try:
            CalibrationVerdict.objects.create(
                configuration=configuration, example=example, verdicts=verdicts, judge=judged, error=error
            )
        except IntegrityError:
            logger.info("calibration %s: example %s was judged by another execution", configuration_id, example.pk)
    return judge_configuration_decide(configuration_id=configuration_id)


def _hold(configuration_id: int, reasons: list[dict], error: str = "") -> str:
    with transaction.atomic():
        configuration = JudgeConfiguration.objects.select_for_update().get(pk=configuration_id)
        if configuration.status != JudgeConfiguration.Status.RUNNING:
            return configuration.status
        configuration.status = JudgeConfiguration.Status.HELD
        configuration.decided_at = timezone.now()
        configuration.result = {**configuration.result, "reasons": reasons, "error": error}
        configuration.save(update_fields=["status", "decided_at", "result"])
        _audit(CalibrationAuditEvent.Kind.HELD, configuration=configuration, reasons=reasons, error=error)
    return configuration.status


def judge_configuration_decide(*, configuration_id: int) -> str:
    """Promote the configuration to live, retiring the one before, or hold it with its reasons."""
    configuration = JudgeConfiguration.objects.get(pk=configuration_id)
    reports = selectors.configuration_reports(configuration=configuration)
    reasons = gate_reasons(
        {entry.task.slug: entry.report for entry in reports},
        min_kappa=configuration.min_kappa,
        judge_errors={entry.task.slug: entry.judge_errors for entry in reports},
    )
    tasks = {entry.task.slug: {**entry.report.to_json(), "judge_errors": entry.judge_errors} for entry in reports}
    if reasons:
        JudgeConfiguration.objects.filter(pk=configuration_id).update(result={"tasks": tasks})
        return _hold(configuration_id, [reason.to_json() for reason in reasons])
    with transaction.atomic():
        configuration = JudgeConfiguration.objects.select_for_update().get(pk=configuration_id)
        if configuration.status != JudgeConfiguration.Status.RUNNING:
            return configuration.status
        now = timezone.now()
        for previous in JudgeConfiguration.objects.select_for_update().filter(status=JudgeConfiguration.Status.LIVE):
            previous.status = JudgeConfiguration.Status.RETIRED
            previous.save(update_fields=["status"])
            _audit(CalibrationAuditEvent.Kind.RETIRED, configuration=previous, replaced_by=configuration.pk)
        configuration.status = JudgeConfiguration.Status.LIVE
        configuration.decided_at = now
        configuration.result = {"tasks": tasks, "reasons": []}
        configuration.save(update_fields=["status", "decided_at", "result"])
        _audit(CalibrationAuditEvent.Kind.PROMOTED, configuration=configuration, tasks=tasks)
    return configuration.status
