"""Grading a submission's stored run, with the judge's calls going through the step store."""

import json
from collections.abc import Callable

from assessments.grading.checks import RunTranscript
from assessments.grading.grade import GradeOutcome, GradingTask, grade_run
from assessments.grading.judge import JudgeRequest, judge_call_model
from assessments.modelapi.types import ModelResult
from assessments.models import Submission


def judge_step_key(step: str, round_: int) -> str:
    """ "judge" and "judge:strict" for the first grade; a re-grade round n gets "judge#n", "judge:strict#n"."""
    return step if round_ == 0 else f"{step}#{round_}"


def learner_prompt(submission: Submission) -> dict[str, str]:
    written = {"system_prompt": submission.system_prompt, "user_prompt": submission.user_prompt}
    if submission.json_schema is not None:
        written["json_schema"] = json.dumps(submission.json_schema, indent=2)
    if submission.tools is not None:
        written["tools"] = json.dumps(submission.tools, indent=2)
    return {key: value for key, value in written.items() if value}


def grade(
    *,
    submission: Submission,
    results: list[ModelResult],
    spec: dict,
    round_: int,
    step: Callable[[str, Callable[[], ModelResult]], ModelResult],
) -> GradeOutcome:
    """Checks, injection scan and judge on `results`, graded against `spec` (the task's
    checks, rubric, pass threshold and the Markdown brief the content sync stores in it,
    which the judge reads as the task). Each judge call is stored as its own step."""

    def call_model(request: JudgeRequest) -> ModelResult:
        return step(judge_step_key(request.step, round_), lambda: judge_call_model(request))

    task = GradingTask.from_spec(spec, brief=spec["brief"])
    return grade_run(
        task=task,
        transcript=RunTranscript.from_results(results),
        learner_prompt=learner_prompt(submission),
        call_model=call_model,
    )
