"""Stored results turned into what the pages show: escaped text, sanitized Markdown, tidy JSON."""

import json
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy

from assessments import json_limits
from assessments.grading.checks import PLATFORM_PROMPT_CHECKS, check_label, finish_reason_meaning
from assessments.modelapi.types import ModelResult
from assessments.models import DemoTask, GradeRecord, ModelCallRecord, Submission
from courses.api import http_url, render_untrusted_markdown


@dataclass(frozen=True)
class InputView:
    placeholder: str
    description: str
    file: str  # "" for inline text
    kind: str
    url: str  # "" for inline text
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
    ending: str = ""  # how the run ended, in words
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
class HiddenCaseView:
    label: str  # "Hidden case 2"
    failures: list[str]  # "check “…” failed", "criterion “…” not met": never the case's input or details
    judged: bool


@dataclass(frozen=True)
class ResultView:
    output: OutputView | None  # the visible example case's run
    checks: list[dict]  # the prompt checks, then the example case's checks, in full
    criteria: list[CriterionView]  # the example case's verdicts
    hidden_cases: list[HiddenCaseView]
    reasons: list[str]
    judge_model: str
    judge_prompt_version: str


def task_inputs(task: DemoTask) -> list[InputView]:
    """The visible example case's inputs, one per placeholder (hidden cases' inputs are never shown)."""
    descriptions = task.spec.get("placeholders") or {}
    return [
        InputView(
            placeholder=item.get("placeholder", ""),
            description=descriptions.get(item.get("placeholder", ""), ""),
            file=item["file"],
            kind=item["as"],
            url=reverse("demos:input", args=[task.slug, item["file"]]) if item["file"] else "",
            text=item.get("text", ""),
        )
        for item in task.inputs
    ]


_REFERENCE_LABELS = {
    "system_prompt": gettext_lazy("System prompt"),
    "user_prompt": gettext_lazy("User prompt"),
    "json_schema": gettext_lazy("JSON Schema"),
    "tools": gettext_lazy("Tools"),
    "outputs": gettext_lazy("Output on each case"),
}


def reference_view(task: DemoTask) -> list[tuple[str, str]]:
    """The reference solution for instructors, with its output on every case."""
    shown = []
    for key, value in task.reference.items():
        if value in (None, ""):
            continue
        text = value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)
        shown.append((str(_REFERENCE_LABELS.get(key, key.replace("_", " ").capitalize())), text))
    return shown


def learner_json(submission: Submission) -> list[tuple[str, str]]:
    shown = [(gettext("JSON Schema"), submission.json_schema), (gettext("Function tools"), submission.tools)]
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
        ending=gettext(finish_reason_meaning(final.finish_reason)),
        model=final.resolved_model,
        tool_calls=tool_calls,
        citations=[{"url": c.url, "href": http_url(c.url), "title": c.title} for _, r in results for c in r.citations],
    )


def _check_specs(task_spec: dict) -> dict[str, list[dict]]:
    """The check specs each stored result was run from, per case, in the order grading runs them."""
    specs = {"prompt": [*PLATFORM_PROMPT_CHECKS, *(task_spec.get("prompt_checks") or ())]}
    for case in task_spec.get("cases", []):
        specs[str(case["id"])] = [*(task_spec.get("checks") or ()), *(case.get("checks") or ())]
    return specs


def _translated_checks(checks: list[dict], task_spec: dict) -> list[dict]:
    """The stored results with their labels in the reader's language. Grades store English
    labels; each is rewritten from its spec when that spec still gives the stored label (a
    re-grade may have run against a changed task), and otherwise shown as stored."""
    specs = _check_specs(task_spec)
    seen: dict[str, int] = {}
    shown = []
    for check in checks:
        case = str(check.get("case"))
        position = seen[case] = seen.get(case, -1) + 1
        case_specs = specs.get(case, [])
        spec = case_specs[position] if position < len(case_specs) else None
        label = check["label"]
        if spec is not None and spec.get("kind") == check.get("kind"):
            with translation.override("en"):
                same = check_label(spec) == label
            label = check_label(spec) if same else label
        shown.append({**check, "label": label})
    return shown


def _judged_cases(grade: GradeRecord) -> list[dict]:
    return list((grade.judge or {}).get("cases", []))


def criteria_view(grade: GradeRecord) -> list[CriterionView]:
    """The rubric with the example case's verdicts."""
    visible = next((case for case in _judged_cases(grade) if case.get("visible")), {})
    verdicts = {item.get("id"): item for item in visible.get("verdicts", [])}
    views = []
    for criterion in grade.rubric:
        verdict = verdicts.get(criterion["id"])
        met = verdict.get("passed") if verdict else None
        views.append(
            CriterionView(
                id=criterion["id"],
                description=criterion["description"],
                weight=criterion["weight"],
                verdict=gettext("Met") if met else gettext("Not met") if met is False else gettext("No verdict"),
                rationale=verdict.get("reasoning", "") if verdict else "",
                met=met,
            )
        )
    return views


def hidden_cases_view(grade: GradeRecord, submission: Submission) -> list[HiddenCaseView]:
    """What the learner may know of each hidden case: which checks failed and which criteria
    were not met. Neither the case's input nor a check's details (which quote it) are shown."""
    hidden = [case["id"] for case in submission.task_spec.get("cases", []) if not case.get("visible")]
    failures: dict[str, list[str]] = {case_id: [] for case_id in hidden}
    for check in _translated_checks(grade.check_results, submission.task_spec):
        if check.get("case") in failures and not check.get("passed"):
            failures[check["case"]].append(gettext("check “%(label)s” failed") % {"label": check["label"]})
    for case in _judged_cases(grade):
        if case.get("case") in failures:
            failures[case["case"]] += [
                gettext("criterion “%(id)s” not met") % {"id": item["id"]}
                for item in case.get("verdicts", [])
                if not item.get("passed")
            ]
    ran = {check.get("case") for check in grade.check_results}
    judged = {case.get("case") for case in _judged_cases(grade)}
    return [
        HiddenCaseView(
            label=gettext("Hidden case %(number)s") % {"number": number},
            failures=failures[case_id],
            judged=case_id in judged,
        )
        for number, case_id in enumerate(hidden, start=1)
        if case_id in ran
    ]


def result(view) -> ResultView:
    """`view` is a selectors.SubmissionView; criteria are shown from the rubric the grade was judged on."""
    submission, grade = view.submission, view.grade
    if grade is None:
        return ResultView(
            output=output_view(submission, view.run_calls),
            checks=[],
            criteria=[],
            hidden_cases=[],
            reasons=[],
            judge_model="",
            judge_prompt_version="",
        )
    judge = grade.judge or {}
    return ResultView(
        output=output_view(submission, view.run_calls),
        checks=_translated_checks(
            [check for check in grade.check_results if check.get("visible", True)], submission.task_spec
        ),
        criteria=criteria_view(grade),
        hidden_cases=hidden_cases_view(grade, submission),
        reasons=list(grade.reasons),
        judge_model=judge.get("model", ""),
        judge_prompt_version=str(judge.get("prompt_version", "")),
    )


@dataclass(frozen=True)
class CaseReviewView:
    """One case in full, for an instructor: every check with its details and the judge's verdicts."""

    case: str
    visible: bool
    checks: list[dict]
    verdicts: list[dict]
    output: str


def cases_for_review(view) -> list[CaseReviewView]:
    """Every case of a graded submission, hidden ones included (`view` is a selectors.SubmissionView)."""
    grade = view.grade
    if grade is None:
        return []
    judged = {case.get("case"): case for case in _judged_cases(grade)}
    outputs = {}
    for call in sorted(view.calls, key=lambda record: record.step):
        if call.step.startswith("case:"):
            outputs[call.step.split(":")[1]] = ModelResult.from_json(call.result).text
    return [
        CaseReviewView(
            case=case["id"],
            visible=bool(case.get("visible")),
            checks=_translated_checks(
                [check for check in grade.check_results if check.get("case") == case["id"]],
                view.submission.task_spec,
            ),
            verdicts=list(judged.get(case["id"], {}).get("verdicts", [])),
            output=outputs.get(case["id"], ""),
        )
        for case in view.submission.task_spec.get("cases", [])
    ]
