"""Grading a submission's stored runs, with every model call going through the step store.

The step store is the exactly-once ledger (see `services`): a batch of steps returns
the stored result of each step that has one and asks the model for the others, in
parallel threads that only wait on HTTP; the results are written from the calling
thread, so the database is only touched where the task runs. It also holds the task's
cost budget: once the submission's calls have spent it, no further call is made.
"""

import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from decimal import Decimal
from functools import partial

from assessments.grading.grade import GradeOutcome, GradingTask, grade_cases, grade_prompt
from assessments.grading.judge import JudgeRequest
from assessments.modelapi.client import get_client
from assessments.modelapi.types import ModelResult
from assessments.models import Submission

from .calibration.selectors import judge_config_live
from .requests import case_evidence

DEFAULT_BUDGET_USD = 0.5


class BudgetExceeded(Exception):
    """The submission's model calls have spent the task's budget; no more calls are made."""

    def __init__(self, spent: Decimal, budget: float):
        super().__init__(f"spent ${spent:.4f} of a ${budget:g} budget")
        self.spent = spent
        self.budget = budget


def judge_step_key(step: str, round_: int) -> str:
    """The first grade keys its steps as the judge names them ("judge:<case>", "classify");
    a re-grade round n appends "#n"."""
    return step if round_ == 0 else f"{step}#{round_}"


def learner_prompt(submission: Submission) -> dict[str, str]:
    written = {"system_prompt": submission.system_prompt, "user_prompt": submission.user_prompt}
    if submission.json_schema is not None:
        written["json_schema"] = json.dumps(submission.json_schema, indent=2)
    if submission.tools is not None:
        written["tools"] = json.dumps(submission.tools, indent=2)
    return {key: value for key, value in written.items() if value}


def grading_task(spec: dict) -> GradingTask:
    """The task as grading sees it; `spec["brief"]` is the Markdown the judge reads as the task."""
    return GradingTask.from_spec(spec, brief=spec["brief"])


def budget_usd(spec: dict) -> float:
    return float((spec.get("limits") or {}).get("budget_usd", DEFAULT_BUDGET_USD))


def run_in_parallel(
    calls: Sequence[Callable[[], ModelResult]], *, guard: Callable[[], AbstractContextManager]
) -> list[ModelResult | Exception]:
    """Each call's result, or the exception it raised; `guard()` is entered around every call."""

    def one(call: Callable[[], ModelResult]) -> ModelResult | Exception:
        try:
            with guard():
                return call()
        except Exception as exc:
            return exc

    if len(calls) == 1:
        return [one(calls[0])]
    with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="demo-case") as pool:
        return list(pool.map(one, calls))


def _judge_call(request: JudgeRequest) -> ModelResult:
    return get_client().chat(**request.chat_arguments())


def judge_batch(
    run_batch: Callable[[Sequence[tuple[str, Callable[[], ModelResult]]]], list[ModelResult]], round_: int
) -> Callable[[Sequence[JudgeRequest]], list[ModelResult]]:
    """The judge's and classifier's `call_many`, through the step store."""

    def call_many(requests: Sequence[JudgeRequest]) -> list[ModelResult]:
        return run_batch(
            [(judge_step_key(request.step, round_), partial(_judge_call, request)) for request in requests]
        )

    return call_many


def prompt_gate(submission: Submission, spec: dict) -> GradeOutcome | None:
    """A failed outcome when the learner's prompt fails a required prompt check (no model call)."""
    return grade_prompt(task=grading_task(spec), learner_prompt=learner_prompt(submission))


def grade(
    *,
    submission: Submission,
    runs: dict[str, list[ModelResult]],
    spec: dict,
    round_: int,
    run_batch: Callable[[Sequence[tuple[str, Callable[[], ModelResult]]]], list[ModelResult]],
) -> GradeOutcome:
    """Checks on every case, the injection scan, the classifier and the judge (the live
    calibrated configuration's), graded against `spec` (the task's cases, checks, rubric
    and pass threshold)."""
    cases = [case_evidence(submission, case, runs[case["id"]]) for case in spec["cases"] if case["id"] in runs]
    return grade_cases(
        task=grading_task(spec),
        cases=cases,
        learner_prompt=learner_prompt(submission),
        call_many=judge_batch(run_batch, round_),
        judge_config=judge_config_live(),
    )
