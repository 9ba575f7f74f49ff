"""Stored results turned into what the pages show: escaped text, sanitized Markdown, tidy JSON."""

import json
from dataclasses import dataclass, field

from django.urls import reverse

from assessments import json_limits
from assessments.modelapi.types import ModelResult
from assessments.models import DemoTask, GradeRecord, ModelCallRecord, Submission
from courses.api import http_url, render_untrusted_markdown


@dataclass(frozen=True)
class InputView:
    file: str
    kind: str
    url: str
    text: str = ""


@dataclass(frozen=True)
class ToolCallView:
    step: str
    name: str
    arguments: str
    result: str


@dataclass(frozen=True)
class OutputView:
    html: str = ""  # sanitized Markdown, or empty when `json` is set
    json: str = ""  # pretty-printed JSON answer, shown in a <pre> (escaped by the template)
    refusal: str = ""
    finish_reason: str = ""
    model: str = ""
    tool_calls: list[ToolCallView] = field(default_factory=list)
    citations: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class CriterionView:
    id: str
    description: str
    weight: float
    verdict: str
    rationale: str
    met: bool | None


@dataclass(frozen=True)
class ResultView:
    output: OutputView | None
    checks: list[dict]
    criteria: list[CriterionView]
    reasons: list[str]
    judge_model: str
    judge_prompt_version: str


def task_inputs(task: DemoTask) -> list[InputView]:
    return [
        InputView(
            file=item["file"],
            kind=item["as"],
            url=reverse("demos:input", args=[task.slug, item["file"]]),
            text=item.get("text", ""),
        )
        for item in task.inputs
    ]


_REFERENCE_LABELS = {
    "system_prompt": "System prompt",
    "user_prompt": "User prompt",
    "json_schema": "JSON Schema",
    "tools": "Tools",
    "simulator_match": "Simulator match",
}


def reference_view(task: DemoTask) -> list[tuple[str, str]]:
    """The reference solution for instructors; the recorded raw responses stay out of the page."""
    shown = []
    for key, value in task.reference.items():
        if key == "recorded_responses" or value in (None, ""):
            continue
        text = value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)
        shown.append((_REFERENCE_LABELS.get(key, key.replace("_", " ").capitalize()), text))
    return shown


def learner_json(submission: Submission) -> list[tuple[str, str]]:
    shown = [("JSON Schema", submission.json_schema), ("Function tools", submission.tools)]
    return [(label, json.dumps(value, indent=2, ensure_ascii=False)) for label, value in shown if value]


def _pretty(text: str) -> str:
    try:
        return json.dumps(json_limits.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, TypeError):
        return text


def output_view(submission: Submission, run_calls: list[ModelCallRecord]) -> OutputView | None:
    if not run_calls:
        return None
    results = [(call.step, ModelResult.from_json(call.result)) for call in run_calls]
    final = results[-1][1]
    tool_results = submission.task_spec.get("tool_results") or {}
    tool_calls = [
        ToolCallView(
            step=step,
            name=call.name,
            arguments=_pretty(call.arguments),
            result=_pretty(json.dumps(tool_results[call.name])) if call.name in tool_results else "",
        )
        for step, result in results
        for call in result.tool_calls
    ]
    text = final.text or ""
    try:
        parsed = json_limits.loads(text)
    except ValueError:
        parsed = None
    structured = isinstance(parsed, (dict, list))
    return OutputView(
        html="" if structured else render_untrusted_markdown(text),
        json=json.dumps(parsed, indent=2, ensure_ascii=False) if structured else "",
        refusal=final.refusal or "",
        finish_reason=final.finish_reason,
        model=final.resolved_model,
        tool_calls=tool_calls,
        citations=[{"url": c.url, "href": http_url(c.url), "title": c.title} for _, r in results for c in r.citations],
    )


def criteria_view(grade: GradeRecord) -> list[CriterionView]:
    verdicts = {item.get("id"): item for item in (grade.judge or {}).get("verdicts", [])}
    views = []
    for criterion in grade.rubric:
        verdict = verdicts.get(criterion["id"])
        met = verdict.get("passed") if verdict else None
        views.append(
            CriterionView(
                id=criterion["id"],
                description=criterion["description"],
                weight=criterion["weight"],
                verdict="Met" if met else "Not met" if met is False else "No verdict",
                rationale=verdict.get("reasoning", "") if verdict else "",
                met=met,
            )
        )
    return views


def result(view) -> ResultView:
    """`view` is a selectors.SubmissionView; criteria are shown from the rubric the grade was judged on."""
    submission, grade = view.submission, view.grade
    if grade is None:
        return ResultView(
            output=output_view(submission, view.run_calls),
            checks=[],
            criteria=[],
            reasons=[],
            judge_model="",
            judge_prompt_version="",
        )
    judge = grade.judge or {}
    return ResultView(
        output=output_view(submission, view.run_calls),
        checks=list(grade.check_results),
        criteria=criteria_view(grade),
        reasons=list(grade.reasons),
        judge_model=judge.get("model", ""),
        judge_prompt_version=str(judge.get("prompt_version", "")),
    )
