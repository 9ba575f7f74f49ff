"""One grade for one demo submission: prompt checks, the cases' checks, two injection
tripwires and the judge.

The learner's prompt is a template run once per case (one visible example, hidden others).
`grade_prompt` runs before any model call; `grade_cases` grades the finished runs. Apart
from the judge's and the classifier's model calls, which go through `call_many` (see
`judge.py` for the exactly-once contract), both are pure functions. The decision, in
order of precedence:

1. a required prompt check failed -> "failed", and no model is called at all;
2. a required output check does not hold on enough cases (every case, or the task's
   `min_cases_passed`) -> "failed"; the judge and the classifier are skipped;
3. text aimed at the grader was found by the rule-based scan or by the classifier call
   -> "needs_review" (the learner is not told which rule fired);
4. the judge's verdict could not be used, or the stricter recheck of a perfect score
   disagreed -> "needs_review";
5. otherwise "passed" when the mean over cases of the weighted rubric score reaches the
   task's pass threshold, else "failed".

What the learner is told about a hidden case is only which checks and criteria failed
("Hidden case 2: check “…” failed"), never its input or the details of a check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from assessments.grading.checks import CheckResult, LearnerPrompt, checks_run, prompt_checks_run
from assessments.grading.classifier import NOT_RUN, ClassifierOutcome, classifier_run
from assessments.grading.injection import REVIEW_MESSAGE, InjectionFinding, injection_scan
from assessments.grading.judge import (
    SKIPPED,
    CaseEvidence,
    Criterion,
    JudgeCaller,
    JudgeConfig,
    JudgeOutcome,
    judge_call_models,
    judge_cases,
)

Status = Literal["passed", "failed", "needs_review"]
# Weighted scores are float sums: 0.1 + 0.2 must reach a 0.3 threshold.
_SCORE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class GradingCase:
    """What grading needs from one case of a task (never shown to the learner when hidden)."""

    id: str
    visible: bool
    checks: tuple[Mapping[str, Any], ...]  # the case's own checks, run after the task's


@dataclass(frozen=True)
class GradingTask:
    """What grading needs from a demo task."""

    title: str
    brief: str  # the brief the learner read, given to the judge as trusted context
    checks: tuple[Mapping[str, Any], ...]  # output checks run on every case
    prompt_checks: tuple[Mapping[str, Any], ...]  # the task's own prompt checks
    rubric: tuple[Criterion, ...]
    pass_threshold: float
    cases: tuple[GradingCase, ...]
    min_cases_passed: int  # how many cases a required check must hold on
    placeholders: Mapping[str, str]  # name -> "text" | "image"
    expected_values: tuple[str, ...]

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], *, brief: str) -> GradingTask:
        """From a task's validated front matter, as the content sync stores it."""
        cases = tuple(
            GradingCase(id=str(case["id"]), visible=bool(case.get("visible")), checks=tuple(case.get("checks") or ()))
            for case in spec["cases"]
        )
        return cls(
            title=str(spec["title"]),
            brief=brief,
            checks=tuple(spec.get("checks") or ()),
            prompt_checks=tuple(spec.get("prompt_checks") or ()),
            rubric=tuple(Criterion.from_spec(item) for item in spec["rubric"]),
            pass_threshold=float(spec["pass_threshold"]),
            cases=cases,
            min_cases_passed=int(spec.get("min_cases_passed") or len(cases)),
            placeholders=dict(spec.get("placeholder_kinds") or {}),
            expected_values=tuple(value for case in spec["cases"] for value in case.get("expected_values") or ()),
        )

    def case_label(self, case_id: str) -> str:
        """ "The example case" or "Hidden case 2": what the learner reads."""
        hidden = [case.id for case in self.cases if not case.visible]
        return "The example case" if case_id not in hidden else f"Hidden case {hidden.index(case_id) + 1}"


@dataclass(frozen=True)
class CaseOutcome:
    case_id: str
    visible: bool
    check_results: tuple[CheckResult, ...]


@dataclass(frozen=True)
class GradeOutcome:
    status: Status
    score: float  # the judge's mean weighted rubric score over the cases (0-1); 0 when not judged
    prompt_checks: tuple[CheckResult, ...]
    cases: tuple[CaseOutcome, ...]  # empty when a prompt check stopped the run
    judge: JudgeOutcome
    injection: InjectionFinding
    classifier: ClassifierOutcome
    reasons: tuple[str, ...]  # why this status, in plain words the learner may read
    # What the required checks and the rubric score say on their own, whatever sent the
    # submission to review: the default an instructor confirms or overrides.
    would_pass: bool

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def check_results_json(self) -> list[dict[str, Any]]:
        """Every check result, each tagged with its case ("prompt" for prompt checks)."""
        rows = [{**result.to_json(), "case": "prompt", "visible": True} for result in self.prompt_checks]
        for case in self.cases:
            rows += [
                {**result.to_json(), "case": case.case_id, "visible": case.visible} for result in case.check_results
            ]
        return rows

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "score": self.score,
            "check_results": self.check_results_json(),
            "judge": self.judge.to_json(),
            "injection": {**self.injection.to_json(), "classifier": self.classifier.to_json()},
            "reasons": list(self.reasons),
            "would_pass": self.would_pass,
        }


_CLEAN = InjectionFinding(flagged=False, reasons=(), excerpts=())


def _meets_pass_mark(score: float, task: GradingTask) -> bool:
    return score + _SCORE_TOLERANCE >= task.pass_threshold


def learner_prompt_for(task: GradingTask, fields: Mapping[str, str]) -> LearnerPrompt:
    return LearnerPrompt(fields=fields, placeholders=task.placeholders, expected_values=task.expected_values)


def grade_prompt(*, task: GradingTask, learner_prompt: Mapping[str, str]) -> GradeOutcome | None:
    """The prompt checks, before any model call: a failed outcome when a required one
    fails, else None (run the cases). Its check results are part of `grade_cases` too."""
    results = tuple(prompt_checks_run(task.prompt_checks, learner_prompt_for(task, learner_prompt)))
    failed = [result for result in results if result.required and not result.passed]
    if not failed:
        return None
    return GradeOutcome(
        status="failed",
        score=0.0,
        prompt_checks=results,
        cases=(),
        judge=SKIPPED,
        injection=_CLEAN,
        classifier=NOT_RUN,
        reasons=tuple(
            f"Required check on your prompt failed: {result.label}. {result.detail} No model was called, "
            "so this run cost nothing."
            for result in failed
        ),
        would_pass=False,
    )


def _failed_required(task: GradingTask, cases: Sequence[CaseOutcome]) -> list[str]:
    """Learner-facing reasons for every required check that holds on too few cases."""
    reasons = []
    for case in cases:
        label = task.case_label(case.case_id)
        for result in case.check_results:
            if result.required and not result.passed:
                detail = f" {result.detail}" if case.visible else ""
                reasons.append(f"{label}: check “{result.label}” failed.{detail}")
    passing_cases = sum(all(result.passed for result in case.check_results if result.required) for case in cases)
    return reasons if passing_cases < task.min_cases_passed else []


def _scan(learner_prompt: Mapping[str, str], cases: Sequence[CaseEvidence]) -> InjectionFinding:
    findings = [injection_scan(learner_prompt=learner_prompt, transcript=case.transcript) for case in cases]
    return InjectionFinding(
        flagged=any(finding.flagged for finding in findings),
        reasons=tuple(dict.fromkeys(reason for finding in findings for reason in finding.reasons)),
        excerpts=tuple(dict.fromkeys(excerpt for finding in findings for excerpt in finding.excerpts)),
    )


def _classifier_texts(learner_prompt: Mapping[str, str], cases: Sequence[CaseEvidence]) -> list[tuple[str, str]]:
    texts = [(f"learner {field.replace('_', ' ')}", text) for field, text in learner_prompt.items()]
    for case in cases:
        texts.append((f"model output, case {case.case_id}", case.transcript.text))
        texts += [
            (f"model tool call, case {case.case_id}", f"{call.name}({call.arguments})")
            for call in case.transcript.tool_calls
        ]
    return texts


def grade_cases(
    *,
    task: GradingTask,
    cases: Sequence[CaseEvidence],
    learner_prompt: Mapping[str, str],
    call_many: JudgeCaller = judge_call_models,
    judge_config: JudgeConfig | None = None,
) -> GradeOutcome:
    """Grade the finished runs of every case. `learner_prompt` maps what the learner wrote
    to its text (`{"system_prompt": ..., "user_prompt": ..., "json_schema": "<JSON text>"}`);
    `judge_config` says which judge grades (the settings' when None)."""
    prompt_results = tuple(prompt_checks_run(task.prompt_checks, learner_prompt_for(task, learner_prompt)))
    specs = {case.id: case for case in task.cases}
    outcomes = tuple(
        CaseOutcome(
            case_id=case.case_id,
            visible=case.visible,
            check_results=tuple(checks_run((*task.checks, *specs[case.case_id].checks), case.transcript)),
        )
        for case in cases
    )
    injection = _scan(learner_prompt, cases)
    failed = _failed_required(task, outcomes)
    if failed:
        # The submission cannot pass: the judge and the classifier would cost money for nothing.
        return GradeOutcome(
            status="failed",
            score=0.0,
            judge=SKIPPED,
            classifier=NOT_RUN,
            reasons=tuple(failed + ([REVIEW_MESSAGE] if injection.flagged else [])),
            would_pass=False,
            prompt_checks=prompt_results,
            cases=outcomes,
            injection=injection,
        )
    classifier = classifier_run(texts=_classifier_texts(learner_prompt, cases), call_many=call_many)
    flagged = injection.flagged or classifier.flagged
    judge = judge_cases(
        title=task.title,
        brief=task.brief,
        rubric=task.rubric,
        learner_prompt=learner_prompt,
        cases=cases,
        # A stricter second opinion only matters when the submission could pass.
        recheck_perfect=not flagged,
        call_many=call_many,
        config=judge_config,
    )
    would_pass = _meets_pass_mark(judge.score, task)
    status: Status
    reasons: tuple[str, ...]
    if flagged:
        status, reasons = "needs_review", (REVIEW_MESSAGE,)
    elif judge.needs_review:
        status, reasons = "needs_review", (f"{judge.review_reason} An instructor will review this submission.",)
    elif would_pass:
        status = "passed"
        reasons = (f"Mean rubric score {judge.score:.0%} reaches the pass mark of {task.pass_threshold:.0%}.",)
    else:
        status = "failed"
        reasons = (f"Mean rubric score {judge.score:.0%} is below the pass mark of {task.pass_threshold:.0%}.",)
    return GradeOutcome(
        status=status,
        score=judge.score,
        judge=judge,
        classifier=classifier,
        reasons=reasons,
        would_pass=would_pass,
        prompt_checks=prompt_results,
        cases=outcomes,
        injection=injection,
    )
