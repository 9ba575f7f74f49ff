"""One grade for one demo run: deterministic checks, the injection tripwire and the judge.

`grade_run` is a pure function apart from the judge's model call(s), which go
through `call_model` (see `judge.py` for the exactly-once contract). The decision,
in order of precedence:

1. a required check failed -> "failed" (the judge still runs, for feedback, but
   cannot pass the submission);
2. text aimed at the grader was found -> "needs_review";
3. the judge's verdict could not be used, or the stricter recheck of a perfect
   score disagreed -> "needs_review";
4. otherwise "passed" when the weighted rubric score reaches the task's
   pass threshold, else "failed".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from assessments.grading.checks import CheckResult, RunTranscript, checks_run, required_checks_passed
from assessments.grading.injection import REVIEW_MESSAGE, InjectionFinding, injection_scan
from assessments.grading.judge import Criterion, JudgeCaller, JudgeOutcome, judge_call_model, judge_run

Status = Literal["passed", "failed", "needs_review"]
# Weighted scores are float sums: 0.1 + 0.2 must reach a 0.3 threshold.
_SCORE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class GradingTask:
    """What grading needs from a demo task."""

    title: str
    brief: str  # the brief the learner read, given to the judge as trusted context
    checks: tuple[Mapping[str, Any], ...]
    rubric: tuple[Criterion, ...]
    pass_threshold: float

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], *, brief: str) -> GradingTask:
        """From a task's validated front matter (`title`, `checks`, `rubric`, `pass_threshold`)."""
        return cls(
            title=str(spec["title"]),
            brief=brief,
            checks=tuple(spec.get("checks") or ()),
            rubric=tuple(Criterion.from_spec(item) for item in spec["rubric"]),
            pass_threshold=float(spec["pass_threshold"]),
        )


@dataclass(frozen=True)
class GradeOutcome:
    status: Status
    score: float  # the judge's weighted rubric score (0-1); 0 when its verdict was unusable
    check_results: tuple[CheckResult, ...]
    judge: JudgeOutcome
    injection: InjectionFinding
    reasons: tuple[str, ...]  # why this status, in plain words
    # What the required checks and the rubric score say on their own, whatever sent the
    # submission to review: the default an instructor confirms or overrides.
    would_pass: bool

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "score": self.score,
            "check_results": [result.to_json() for result in self.check_results],
            "judge": self.judge.to_json(),
            "injection": self.injection.to_json(),
            "reasons": list(self.reasons),
            "would_pass": self.would_pass,
        }


def _meets_pass_mark(score: float, task: GradingTask) -> bool:
    return score + _SCORE_TOLERANCE >= task.pass_threshold


def _decide(
    *, task: GradingTask, check_results: tuple[CheckResult, ...], judge: JudgeOutcome, injection: InjectionFinding
) -> tuple[Status, tuple[str, ...]]:
    """The status and its reasons, from the parts (see the module docstring)."""
    failed_required = [result for result in check_results if result.required and not result.passed]
    injection_reason = REVIEW_MESSAGE  # which rule fired is for the reviewer only (see `injection.py`)
    if failed_required:
        reasons = [f"Required check failed: {result.label}. {result.detail}" for result in failed_required]
        return "failed", tuple(reasons + ([injection_reason] if injection.flagged else []))
    if injection.flagged:
        return "needs_review", (injection_reason,)
    if judge.needs_review:
        return "needs_review", (f"{judge.review_reason} An instructor will review this submission.",)
    if _meets_pass_mark(judge.score, task):
        return "passed", (f"Rubric score {judge.score:.0%} reaches the pass mark of {task.pass_threshold:.0%}.",)
    return "failed", (f"Rubric score {judge.score:.0%} is below the pass mark of {task.pass_threshold:.0%}.",)


def grade_run(
    *,
    task: GradingTask,
    transcript: RunTranscript,
    learner_prompt: Mapping[str, str],
    call_model: JudgeCaller = judge_call_model,
) -> GradeOutcome:
    """Grade a finished run. `learner_prompt` maps what the learner wrote to its text
    (`{"system_prompt": ..., "user_prompt": ..., "json_schema": "<JSON text>"}`)."""
    check_results = tuple(checks_run(task.checks, transcript))
    required_ok = required_checks_passed(check_results)
    injection = injection_scan(learner_prompt=learner_prompt, transcript=transcript)
    judge = judge_run(
        title=task.title,
        brief=task.brief,
        rubric=task.rubric,
        learner_prompt=learner_prompt,
        transcript=transcript,
        # A stricter second opinion only matters when the submission could pass.
        recheck_perfect=required_ok and not injection.flagged,
        call_model=call_model,
    )
    status, reasons = _decide(task=task, check_results=check_results, judge=judge, injection=injection)
    return GradeOutcome(
        status=status,
        score=judge.score,
        check_results=check_results,
        judge=judge,
        injection=injection,
        reasons=reasons,
        would_pass=required_ok and _meets_pass_mark(judge.score, task),
    )
