"""Reads for judge calibration: the live judge, configurations, examples and agreement reports."""

import hashlib
import json
from dataclasses import dataclass

from django.db.models import QuerySet

from assessments.grading.judge import PROMPT_VERSIONS, JudgeConfig, judge_config_from_settings
from assessments.models import (
    CalibrationAuditEvent,
    CalibrationExample,
    CalibrationVerdict,
    DemoTask,
    JudgeConfiguration,
)

from .agreement import AgreementReport, JudgedExample, agreement_report


def judge_config_live() -> JudgeConfig:
    """The judge grading uses: the live calibrated configuration, else the settings'."""
    live = JudgeConfiguration.objects.filter(status=JudgeConfiguration.Status.LIVE).first()
    if live is None or live.prompt_version not in PROMPT_VERSIONS:
        return judge_config_from_settings()
    return JudgeConfig(model=live.model, prompt_version=live.prompt_version)


def configuration_live() -> JudgeConfiguration | None:
    return JudgeConfiguration.objects.filter(status=JudgeConfiguration.Status.LIVE).first()


def calibrated_tasks() -> QuerySet[DemoTask]:
    return DemoTask.objects.filter(is_published=True).select_related("course").order_by("course__title", "title")


def rubric_digest() -> str:
    """A digest of every published task's rubric: a rubric change makes a new configuration."""
    published = DemoTask.objects.filter(is_published=True).only("slug", "spec")
    rubrics = {task.slug: task.spec.get("rubric", []) for task in published}
    return hashlib.sha256(json.dumps(rubrics, sort_keys=True).encode()).hexdigest()


def examples_to_judge() -> QuerySet[CalibrationExample]:
    """Every active example of a published task: what a staged configuration is run on."""
    return CalibrationExample.objects.filter(is_active=True, task__is_published=True).select_related("task")


def examples_for_task(*, task: DemoTask) -> QuerySet[CalibrationExample]:
    return CalibrationExample.objects.filter(task=task, is_active=True).select_related("labelled_by")


def configuration_list() -> QuerySet[JudgeConfiguration]:
    return JudgeConfiguration.objects.select_related("staged_by")


def configuration_get(*, configuration_id: int) -> JudgeConfiguration:
    return JudgeConfiguration.objects.select_related("staged_by").get(pk=configuration_id)


def configuration_progress(*, configuration: JudgeConfiguration) -> int:
    """How many examples the configuration's judge has given a verdict on."""
    return CalibrationVerdict.objects.filter(configuration=configuration).count()


def configuration_audit(*, configuration: JudgeConfiguration) -> QuerySet[CalibrationAuditEvent]:
    return configuration.audit_events.select_related("actor")


@dataclass(frozen=True)
class TaskReport:
    task: DemoTask
    report: AgreementReport
    judge_errors: int  # examples whose verdict could not be used (counted as fail on every criterion)


def _as_bools(values: dict) -> dict[str, bool]:
    return {criterion: value == "pass" for criterion, value in values.items()}


def configuration_reports(*, configuration: JudgeConfiguration) -> list[TaskReport]:
    """The agreement report of every task the configuration judged, in task order."""
    verdicts = (
        CalibrationVerdict.objects.filter(configuration=configuration)
        .select_related("example", "example__task", "example__task__course")
        .order_by("example__task__course__title", "example__task__title", "example__key")
    )
    grouped: dict[int, list[CalibrationVerdict]] = {}
    tasks: dict[int, DemoTask] = {}
    for verdict in verdicts:
        grouped.setdefault(verdict.example.task_id, []).append(verdict)
        tasks[verdict.example.task_id] = verdict.example.task
    reports = []
    for task_id, rows in grouped.items():
        task = tasks[task_id]
        criteria = [criterion["id"] for criterion in task.spec.get("rubric", [])]
        judged = [
            JudgedExample(
                key=row.example.key,
                kind=row.example.kind,
                labels=_as_bools(row.example.labels),
                verdicts=_as_bools(row.verdicts),
            )
            for row in rows
        ]
        reports.append(
            TaskReport(
                task=task,
                report=agreement_report(judged, criteria),
                judge_errors=sum(bool(row.error) for row in rows),
            )
        )
    return reports
