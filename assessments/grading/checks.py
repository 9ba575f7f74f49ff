"""Deterministic checks on a demo run: the binding half of grading.

Every check kind in `content/README.md` is one small function in the `CHECKS`
registry, declared together with the parameters it takes. `check_spec_errors`
validates a check from content against that same registry, so what the content
sync accepts is exactly what `checks_run` can run. A failed check whose spec says
`required` (the default) fails the demo whatever the rubric says
(`required_checks_passed`).

Two scopes share the registry. Output checks read a `RunTranscript`: the final answer
plus everything the run did across its steps (every tool call, every citation, summed
usage and cost), built from the model results of a run with `RunTranscript.from_results`;
they run on every case. Prompt checks read the `LearnerPrompt` (what the learner wrote,
the task's placeholders and the values its cases expect) and run before any model call,
so a prompt that fails one costs nothing. Every task gets the platform's prompt checks
(`PLATFORM_PROMPT_CHECKS`: placeholders used, some substance, no expected value pasted
in) ahead of its own (`prompt_checks` in the front matter).

Refusal detection (`refusal_detected`) is a heuristic, documented here because
learners see its result:
1. the API's own signal: a non-empty `message.refusal` (or a Responses `refusal`
   part) on any step of the run; otherwise
2. the answer *opens* with typical refusal phrasing ("I'm sorry, but I can't ...",
   "I cannot help with ...", "As an AI, I won't ..."). Only the opening counts, so an
   answer that mentions or quotes a refusal later on is not mistaken for one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext, gettext_noop, ngettext
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError, best_match
from jsonschema.validators import validator_for

from assessments import json_limits
from assessments.json_limits import MAX_DEPTH as JSON_MAX_DEPTH
from assessments.json_limits import nesting_depth_exceeds
from assessments.modelapi.types import Citation, ModelResult, ToolCall, Usage

FINISH_REASONS = ("stop", "length", "tool_calls")
# Grading stores English whatever the reader's language: `finish_reason_meaning` is marked with
# gettext_noop so the result pages translate it when they show it; check labels are written by
# `check_label`, in English when stored and in the reader's language when shown.
_FINISH_MEANING = {
    "stop": gettext_noop("the model finished its answer"),
    "length": gettext_noop("the output-token cap cut the answer off"),
    "tool_calls": gettext_noop("the model stopped to call a tool"),
}
_FINISH_LABEL = {
    "stop": gettext_noop("The model finished its answer"),
    "length": gettext_noop("The output-token cap cut the answer off"),
    "tool_calls": gettext_noop("The model stopped to call a tool"),
}


def finish_reason_meaning(reason: str | None) -> str:
    """How a run ended, in words (the API's finish_reason is jargon to a learner)."""
    return _FINISH_MEANING.get(reason or "", gettext_noop("the run ended in an unusual way"))


# --- the run being checked ---------------------------------------------------------------


@dataclass(frozen=True)
class RunTranscript:
    """What a (possibly multi-step) run produced, as the checks and the judge see it."""

    text: str  # the final answer
    tool_calls: tuple[ToolCall, ...] = ()  # every call, from every step, in order
    citations: tuple[Citation, ...] = ()
    finish_reason: str = "stop"  # of the last step
    refusal: str | None = None  # the API's refusal message, when a step carried one
    usage: Usage = Usage()  # summed over the steps
    cost_usd: float = 0.0  # summed over the steps

    @classmethod
    def from_results(cls, results: Sequence[ModelResult]) -> RunTranscript:
        if not results:
            raise ValueError("a run has at least one model result")
        final = results[-1]
        return cls(
            text=final.text,
            tool_calls=tuple(call for result in results for call in result.tool_calls),
            citations=tuple(citation for result in results for citation in result.citations),
            finish_reason=final.finish_reason,
            refusal=next((result.refusal for result in reversed(results) if result.refusal), None),
            usage=Usage(
                **{name: sum(getattr(result.usage, name) for result in results) for name in Usage.__dataclass_fields__}
            ),
            cost_usd=sum(result.cost_usd for result in results),
        )

    @property
    def output_tokens(self) -> int:
        """Visible plus reasoning tokens: what an output-token budget is spent on."""
        return self.usage.completion_tokens + self.usage.reasoning_tokens


_CANNOT = r"(?:can'?t|cannot|won'?t|will\s+not|am\s+unable|'?m\s+unable|am\s+not\s+able|'?m\s+not\s+able)"
_REFUSAL_OPENING = re.compile(
    rf"""^(?:
        (?:(?:i'?m|i\s+am)\s+(?:so\s+|very\s+|really\s+|truly\s+)?sorry|sorry|apologies|unfortunately)
            ,?\s+(?:but\s+)?i\s+{_CANNOT}
      | i\s+{_CANNOT}(?:\s+to)?\s+(?:help|assist|comply|provide|do\s+that|fulfil|fulfill|answer|share|create|
            generate|complete|support|engage)
      | i\s+(?:must|have\s+to|need\s+to)\s+(?:respectfully\s+)?(?:decline|refuse)
      | as\s+an\s+ai(?:\s+language\s+model|\s+assistant|\s+model)?,?\s+i\s+{_CANNOT}
    )""",
    re.IGNORECASE | re.VERBOSE,
)


def refusal_detected(transcript: RunTranscript) -> bool:
    """See the module docstring for the heuristic."""
    if transcript.refusal and transcript.refusal.strip():
        return True
    opening = transcript.text.lstrip(" \t\r\n*_#>\"'").replace("\u2019", "'")[:300]
    return bool(_REFUSAL_OPENING.match(opening))


# --- the prompt being checked --------------------------------------------------------------

# `{{document}}` (spaces inside the braces are allowed): where a case's input goes.
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_-]*)\s*\}\}")
_PROMPT_FIELDS = ("system_prompt", "user_prompt")
_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class LearnerPrompt:
    """What the learner wrote, with what the task expects of a template."""

    fields: Mapping[str, str]  # system_prompt, user_prompt, json_schema and tools (as JSON text)
    placeholders: Mapping[str, str]  # name -> "text" or "image"
    expected_values: tuple[str, ...] = ()  # every case's expected values, which no prompt may contain

    def template(self) -> str:
        return "\n".join(self.fields.get(name, "") for name in _PROMPT_FIELDS)

    def words(self) -> list[str]:
        return _WORD.findall(PLACEHOLDER.sub(" ", self.template()))


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    kind: str
    label: str
    required: bool
    passed: bool
    detail: str  # for the learner: what was found, and why it passed or failed

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def required_checks_passed(results: Iterable[CheckResult]) -> bool:
    return all(result.passed for result in results if result.required)


# --- parameter validators (each returns a problem, or None) --------------------------------

Validator = Callable[[Any], str | None]


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) and value else "must be non-empty text (quote numbers in YAML)"


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def _count(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return None if ok else "must be a whole number, 0 or more"


def _positive_count(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
    return None if ok else "must be a whole number, 1 or more"


def _amount(value: Any) -> str | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
    return None if ok else "must be a number, 0 or more"


def _pattern(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return "must be a non-empty regular expression"
    try:
        re.compile(value)
    except re.error as exc:
        return f"is not a valid regular expression: {exc}"
    return None


def schema_error(schema: dict) -> tuple[str, str] | None:
    """(where, message) when `schema` is not a valid JSON Schema, checked against the
    draft it declares (2020-12 when it declares none); None when it is valid. The one
    rule for every schema the platform accepts: a check's, a tool's parameters, a
    learner's answer schema (`assessments.demos.validation`)."""
    if nesting_depth_exceeds(schema):
        # Checked first: validating a schema nested hundreds of levels deep recurses until Python gives up.
        return "the top level", f"it is nested more than {JSON_MAX_DEPTH} levels deep"
    # validator_for crashes on a non-text "$schema"; the 2020-12 metaschema reports it instead.
    validator = validator_for(schema) if isinstance(schema.get("$schema", ""), str) else Draft202012Validator
    try:
        validator.check_schema(schema)
    except SchemaError as exc:
        return "/".join(str(part) for part in exc.path) or "the top level", exc.message
    return None


def _schema(value: Any) -> str | None:
    if not isinstance(value, dict):
        return "must be a JSON Schema object"
    if error := schema_error(value):
        where, message = error
        return f"is not a valid JSON Schema (at {where}): {message}"
    return None


def _finish(value: Any) -> str | None:
    return None if value in FINISH_REASONS else f"must be one of {', '.join(FINISH_REASONS)}"


@dataclass(frozen=True)
class Param:
    validate: Validator
    required: bool = False


# --- the registry ----------------------------------------------------------------------------

Outcome = tuple[bool, str]  # (passed, detail)
CheckFunction = Callable[[Mapping[str, Any], Any], Outcome]  # (spec, RunTranscript or LearnerPrompt)


@dataclass(frozen=True)
class CheckKind:
    name: str
    params: Mapping[str, Param]
    run: CheckFunction
    label: Callable[[Mapping[str, Any]], str]  # the default label, from the parameters
    rule: Callable[[Mapping[str, Any]], str | None] | None = None  # a rule across parameters
    scope: str = "output"  # "output": reads a RunTranscript; "prompt": reads a LearnerPrompt


CHECKS: dict[str, CheckKind] = {}
_COMMON_PARAMS = {"kind": Param(_text, required=True), "required": Param(_flag), "label": Param(_text)}


def _register(
    name: str,
    *,
    label: Callable[[Mapping[str, Any]], str],
    params: Mapping[str, Param] | None = None,
    rule: Callable[[Mapping[str, Any]], str | None] | None = None,
    scope: str = "output",
) -> Callable[[CheckFunction], CheckFunction]:
    def add(run: CheckFunction) -> CheckFunction:
        CHECKS[name] = CheckKind(name=name, params=params or {}, run=run, label=label, rule=rule, scope=scope)
        return run

    return add


def _quote(value: str, limit: int = 80) -> str:
    value = " ".join(value.split())
    return f"“{value if len(value) <= limit else value[: limit - 1] + '…'}”"


def _range_rule(spec: Mapping[str, Any]) -> str | None:
    if "min" not in spec and "max" not in spec:
        return "give 'min', 'max' or both"
    if "min" in spec and "max" in spec and spec["min"] > spec["max"]:
        return "'min' must not be greater than 'max'"
    return None


def _range_title(spec: Mapping[str, Any], unit: str) -> str:
    """The label of a word or line count check, in the active language."""
    words = {
        "words": (
            gettext("Exactly %(count)s words"),
            gettext("Between %(min)s and %(max)s words"),
            gettext("At least %(min)s words"),
            gettext("At most %(max)s words"),
        ),
        "lines": (
            gettext("Exactly %(count)s lines"),
            gettext("Between %(min)s and %(max)s lines"),
            gettext("At least %(min)s lines"),
            gettext("At most %(max)s lines"),
        ),
    }[unit]
    exactly, between, at_least, at_most = words
    if "min" in spec and "max" in spec:
        if spec["min"] == spec["max"]:
            return exactly % {"count": spec["min"]}
        return between % {"min": spec["min"], "max": spec["max"]}
    return at_least % {"min": spec["min"]} if "min" in spec else at_most % {"max": spec["max"]}


def _range_label(spec: Mapping[str, Any], unit: str) -> str:
    if "min" in spec and "max" in spec:
        if spec["min"] == spec["max"]:
            return f"Exactly {spec['min']} {unit}"
        return f"Between {spec['min']} and {spec['max']} {unit}"
    return f"At least {spec['min']} {unit}" if "min" in spec else f"At most {spec['max']} {unit}"


def _range_outcome(count: int, spec: Mapping[str, Any], unit: str) -> Outcome:
    low, high = spec.get("min", 0), spec.get("max")
    passed = count >= low and (high is None or count <= high)
    expected = _range_label(spec, unit).lower()
    return passed, f"The answer has {count} {unit}; it should have {expected}."


def _contains(spec: Mapping[str, Any], text: str) -> bool:
    if spec.get("case_insensitive", False):
        return spec["value"].casefold() in text.casefold()
    return spec["value"] in text


_CONTAINS_PARAMS = {"value": Param(_text, required=True), "case_insensitive": Param(_flag)}


def _ignoring_case(spec: Mapping[str, Any]) -> str:
    return " (ignoring case)" if spec.get("case_insensitive", False) else ""


@_register(
    "contains",
    params=_CONTAINS_PARAMS,
    label=lambda spec: gettext("Contains %(value)s") % {"value": _quote(spec["value"])},
)
def _check_contains(spec: Mapping[str, Any], run: RunTranscript) -> Outcome:
    if _contains(spec, run.text):
        return True, f"The answer contains {_quote(spec['value'])}{_ignoring_case(spec)}."
    return False, f"The answer does not contain {_quote(spec['value'])}{_ignoring_case(spec)}."


@_register(
    "not_contains",
    params=_CONTAINS_PARAMS,
    label=lambda spec: gettext("Does not contain %(value)s") % {"value": _quote(spec["value"])},
)
def _check_not_contains(spec: Mapping[str, Any], run: RunTranscript) -> Outcome:
    if _contains(spec, run.text):
        return False, f"The answer contains {_quote(spec['value'])}{_ignoring_case(spec)}, which it must not."
    return True, f"The answer does not contain {_quote(spec['value'])}{_ignoring_case(spec)}."


def _sought(spec: Mapping[str, Any]) -> str:
    """What a pattern check looks for, in the words of the task's author: learners read advice, not regexes."""
    return spec.get("description") or "the text this check looks for"


@_register(
    "regex",
    params={"pattern": Param(_pattern, required=True), "case_insensitive": Param(_flag), "description": Param(_text)},
    label=lambda spec: spec.get("description") or gettext("The answer has the expected form"),
)
def _check_regex(spec: Mapping[str, Any], run: RunTranscript) -> Outcome:
    flags = re.IGNORECASE if spec.get("case_insensitive", False) else 0
    found = re.search(spec["pattern"], run.text, flags)
    if found:
        return True, f"Found in the answer: {_quote(found.group(0), 60)}."
    return False, f"Not found in the answer: {_sought(spec)}."


@_register(
    "equals",
    params={"value": Param(_text, required=True)},
    label=lambda spec: gettext("Equals %(value)s") % {"value": _quote(spec["value"])},
)
def _check_equals(spec: Mapping[str, Any], run: RunTranscript) -> Outcome:
    # Both sides are trimmed: YAML block scalars end with a newline.
    if run.text.strip() == spec["value"].strip():
        return True, "The answer is exactly the expected text."
    return False, f"The answer (trimmed) is {_quote(run.text.strip())}, not {_quote(spec['value'].strip())}."


def _parse_json(text: str) -> tuple[Any, str | None]:
    """(value, None) or (None, a learner-facing reason the text is not JSON)."""
    try:
        return json_limits.loads(text), None
    except json.JSONDecodeError as exc:
        hint = (
            " It is wrapped in a Markdown code fence; the answer must be the JSON alone."
            if (text.lstrip().startswith("```"))
            else ""
        )
        return None, f"The answer is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.{hint}"


@_register("is_json", label=lambda spec: gettext("Answer is JSON"))
def _check_is_json(spec: Mapping[str, Any], run: RunTranscript) -> Outcome:
    _, problem = _parse_json(run.text)
    return (False, problem) if problem else (True, "The answer is valid JSON.")


def _schema_problem(value: Any, schema: dict) -> str | None:
    validator = validator_for(schema)(schema, format_checker=FormatChecker())
    error = best_match(validator.iter_errors(value))
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path) or "the top level"
    return f"at {where}: {error.message}"


@_register(
    "json_schema",
    params={"schema": Param(_schema, required=True)},
    label=lambda spec: gettext("Answer matches the JSON Schema"),
)
def _check_json_schema(spec: Mapping[str, Any], run: RunTranscript) -> Outcome:
    value, problem = _parse_json(run.text)
    if problem:
        return False, problem
    mismatch = _schema_problem(value, spec["schema"])
    if mismatch:
        return False, f"The JSON does not match the schema {mismatch}."
    return True, "The JSON matches the schema."


_RANGE_PARAMS = {"min": Param(_count), "max": Param(_count)}


@_register("word_count", params=_RANGE_PARAMS, rule=_range_rule, label=lambda spec: _range_title(spec, "words"))
def _check_word_count(spec: Mapping[str, Any], run: RunTranscript) -> Outcome:
    return _range_outcome(len(run.text.split()), spec, "words")


@_register("line_count", params=_RANGE_PARAMS, rule=_range_rule, label=lambda spec: _range_title(spec, "lines"))
def _check_line_count(spec: Mapping[str, Any], run: RunTranscript) -> Outcome:
    # Blank lines separate; they are not lines of content.
    return _range_outcome(sum(1 for line in run.text.splitlines() if line.strip()), spec, "lines")


def _called_names(run: RunTranscript) -> str:
    names = ", ".join(dict.fromkeys(f"`{call.name}`" for call in run.tool_calls))
    return f"It called {names}." if names else "It called no tool."


def _arguments_problem(call: ToolCall, schema: dict) -> str | None:
    try:
        arguments = call.arguments_json()
    except ValueError:
        return f"its arguments are not JSON: {_quote(call.arguments, 60)}"
    return _schema_problem(arguments, schema)


@_register(
    "tool_called",
    params={"name": Param(_text, required=True), "arguments_schema": Param(_schema)},
    label=lambda spec: (
        (
            gettext("Calls `%(name)s` with valid arguments")
            if "arguments_schema" in spec
            else gettext("Calls `%(name)s`")
        )
        % {"name": spec["name"]}
    ),
)
def _check_tool_called(spec: Mapping[str, Any], run: RunTranscript) -> Outcome:
    name = spec["name"]
    calls = [call for call in run.tool_calls if call.name == name]
    if not calls:
        return False, f"The model did not call `{name}`. {_called_names(run)}"
    if "arguments_schema" not in spec:
        return True, f"The model called `{name}` ({len(calls)} time{'s' if len(calls) > 1 else ''})."
    problems = [_arguments_problem(call, spec["arguments_schema"]) for call in calls]
    if None in problems:
        return True, f"The model called `{name}` with arguments that match the schema."
    return False, f"The model called `{name}`, but its arguments do not match the schema: {problems[0]}."


@_register("no_tool_called", label=lambda spec: gettext("Calls no tool"))
def _check_no_tool_called(spec: Mapping[str, Any], run: RunTranscript) -> Outcome:
    if run.tool_calls:
        return False, f"The model was not to call any tool. {_called_names(run)}"
    return True, "The model called no tool."


@_register(
    "cites_sources",
    params={"min": Param(_positive_count, required=True)},
    label=lambda spec: (
        ngettext("Cites at least %(count)s source", "Cites at least %(count)s sources", spec["min"])
        % {"count": spec["min"]}
    ),
)
def _check_cites_sources(spec: Mapping[str, Any], run: RunTranscript) -> Outcome:
    urls = {citation.url.strip() for citation in run.citations if citation.url.strip()}
    passed = len(urls) >= spec["min"]
    found = f"{len(urls)} distinct source URL{'s' if len(urls) != 1 else ''}"
    return passed, f"The answer cites {found}; at least {spec['min']} needed."


@_register(
    "finish_reason",
    params={"value": Param(_finish, required=True)},
    label=lambda spec: gettext(_FINISH_LABEL[spec["value"]]),
)
def _check_finish_reason(spec: Mapping[str, Any], run: RunTranscript) -> Outcome:
    actual = run.finish_reason or "none"
    meaning = finish_reason_meaning(actual)
    if actual == spec["value"]:
        return True, f"As required, {meaning}."
    return False, f"Here {meaning}; the task needs this instead: {_FINISH_MEANING[spec['value']]}."


@_register(
    "refusal",
    params={"expected": Param(_flag)},
    label=lambda spec: gettext("Refuses the request") if spec.get("expected", False) else gettext("Does not refuse"),
)
def _check_refusal(spec: Mapping[str, Any], run: RunTranscript) -> Outcome:
    refused = refusal_detected(run)
    expected = spec.get("expected", False)
    if refused:
        said = _quote(run.refusal or run.text, 100)
        return expected, (
            f"The model refused, as the task requires: {said}." if expected else f"The model refused: {said}."
        )
    return not expected, ("The model did not refuse; the task expects it to." if expected else "No refusal detected.")


@_register(
    "token_budget",
    params={"max_output_tokens": Param(_positive_count, required=True)},
    label=lambda spec: gettext("At most %(count)s output tokens") % {"count": spec["max_output_tokens"]},
)
def _check_token_budget(spec: Mapping[str, Any], run: RunTranscript) -> Outcome:
    used, budget = run.output_tokens, spec["max_output_tokens"]
    spent = (
        f"The run used {used} output tokens ({run.usage.completion_tokens} visible + "
        f"{run.usage.reasoning_tokens} reasoning)"
    )
    return (
        (True, f"{spent}, within the budget of {budget}.")
        if used <= budget
        else (False, f"{spent}, over the budget of {budget}.")
    )


@_register(
    "cost_budget",
    params={"max_usd": Param(_amount, required=True)},
    label=lambda spec: gettext("Costs at most $%(amount)s") % {"amount": spec["max_usd"]},
)
def _check_cost_budget(spec: Mapping[str, Any], run: RunTranscript) -> Outcome:
    cost, budget = run.cost_usd, spec["max_usd"]
    if cost <= budget:
        return True, f"The run cost ${cost:.6f}, within the ${budget} budget."
    return False, f"The run cost ${cost:.6f}, over the ${budget} budget."


# --- prompt checks (run before any model call) ------------------------------------------------


@_register("uses_placeholders", scope="prompt", label=lambda spec: gettext("The prompt places every input of the task"))
def _check_uses_placeholders(spec: Mapping[str, Any], prompt: LearnerPrompt) -> Outcome:
    used = {match.group(1) for match in PLACEHOLDER.finditer(prompt.template())}
    in_user = {match.group(1) for match in PLACEHOLDER.finditer(prompt.fields.get("user_prompt", ""))}
    unknown = sorted(used - set(prompt.placeholders))
    if unknown:
        known = ", ".join(f"{{{{{name}}}}}" for name in prompt.placeholders) or "none"
        names = ", ".join(f"{{{{{name}}}}}" for name in unknown)
        return False, f"The prompt uses {names}, which this task does not define (its placeholders: {known})."
    missing = [name for name in prompt.placeholders if name not in used]
    if missing:
        names = ", ".join(f"{{{{{name}}}}}" for name in missing)
        return False, (
            f"The prompt never places {names}. Each case's input is put where its placeholder stands; "
            "without it the model never sees that input."
        )
    images = [name for name, kind in prompt.placeholders.items() if kind == "image" and name not in in_user]
    if images:
        names = ", ".join(f"{{{{{name}}}}}" for name in images)
        return False, f"Images go in the user prompt: move {names} there."
    return True, "Every placeholder of the task is used."


@_register(
    "min_substance",
    scope="prompt",
    params={"min_words": Param(_positive_count), "min_distinct": Param(_positive_count)},
    label=lambda spec: gettext("The prompt says what the task needs"),
)
def _check_min_substance(spec: Mapping[str, Any], prompt: LearnerPrompt) -> Outcome:
    words = prompt.words()
    distinct = {word.casefold() for word in words}
    need_words, need_distinct = spec.get("min_words", 15), spec.get("min_distinct", 10)
    if len(words) < need_words or len(distinct) < need_distinct:
        return False, (
            f"Your prompts have {len(words)} words ({len(distinct)} different), not counting placeholders; "
            f"a prompt that does this task needs at least {need_words} ({need_distinct} different): say what "
            "the model must do, with what, and in what form."
        )
    return True, f"Your prompts have {len(words)} words ({len(distinct)} different)."


@_register("no_expected_values", scope="prompt", label=lambda spec: gettext("The prompt does not contain the answers"))
def _check_no_expected_values(spec: Mapping[str, Any], prompt: LearnerPrompt) -> Outcome:
    written = _fold("\n".join(prompt.fields.values()))
    if any(_fold(value) in written for value in prompt.expected_values if value.strip()):
        return False, (
            "Your prompt contains a value that the answer for one of the cases must contain. The prompt "
            "runs on other inputs too: it must make the model find the values, not state them."
        )
    return True, "The prompt states none of the expected values."


def _field_name(value: Any) -> str | None:
    return None if value in (*_PROMPT_FIELDS, "any") else "must be system_prompt, user_prompt or any"


@_register(
    "prompt_regex",
    scope="prompt",
    params={
        "pattern": Param(_pattern, required=True),
        "field": Param(_field_name),
        "hint": Param(_text),
        "description": Param(_text),
    },
    label=lambda spec: spec.get("description") or gettext("The prompt covers what this task requires"),
)
def _check_prompt_regex(spec: Mapping[str, Any], prompt: LearnerPrompt) -> Outcome:
    field = spec.get("field", "any")
    text = prompt.template() if field == "any" else prompt.fields.get(field, "")
    where = "your prompts" if field == "any" else f"your {field.replace('_', ' ')}"
    if re.search(spec["pattern"], PLACEHOLDER.sub(" ", text), re.IGNORECASE):
        return True, f"Found in {where}."
    return False, spec.get("hint") or f"Not found in {where}: {_sought(spec)}."


PLATFORM_PROMPT_CHECKS: tuple[Mapping[str, Any], ...] = (
    {"kind": "uses_placeholders"},
    {"kind": "min_substance"},
    {"kind": "no_expected_values"},
)


def prompt_checks_run(specs: Iterable[Mapping[str, Any]], prompt: LearnerPrompt) -> list[CheckResult]:
    """The platform's prompt checks, then the task's own, in order."""
    return [check_run(spec, prompt) for spec in (*PLATFORM_PROMPT_CHECKS, *specs)]


# --- validating and running specs ----------------------------------------------------------------


def check_spec_errors(spec: Any, *, scope: str | None = None) -> list[str]:
    """Problems with one check spec from content, as messages without a location
    (the content sync adds `path:line`). An empty list means the spec can run.
    `scope` ("output" or "prompt") limits the kinds accepted."""
    if not isinstance(spec, Mapping):
        return ["a check must be a mapping such as {kind: contains, value: total}"]
    kind = spec.get("kind")
    kinds = sorted(name for name, check in CHECKS.items() if scope in (None, check.scope))
    if kind not in kinds:
        return [f"unknown check kind {kind!r}; expected one of: {', '.join(kinds)}"]
    check = CHECKS[kind]
    allowed = {**_COMMON_PARAMS, **check.params}
    errors = [
        f"unknown parameter {name!r}; {kind} takes: {', '.join(sorted(set(allowed) - {'kind'}))}"
        for name in spec
        if name not in allowed
    ]
    for name, param in allowed.items():
        if name not in spec:
            if param.required:
                errors.append(f"missing parameter {name!r}")
        elif problem := param.validate(spec[name]):
            errors.append(f"{name!r} {problem}")
    if not errors and check.rule and (problem := check.rule(spec)):
        errors.append(problem)
    return errors


def check_label(spec: Mapping[str, Any]) -> str:
    """What a valid check spec is called, in the active language (a label from content as written)."""
    return spec.get("label") or CHECKS[spec["kind"]].label(spec)


def _stored_label(spec: Mapping[str, Any]) -> str:
    """The label a result stores: English whatever language the grading runs under."""
    with translation.override("en"):
        return check_label(spec)


def check_run(spec: Mapping[str, Any], subject: RunTranscript | LearnerPrompt) -> CheckResult:
    """Run one check on a run (output checks) or on the learner's prompt (prompt checks).
    Specs are validated when content is synced; an invalid one here is a platform bug,
    so it raises ValueError rather than failing the learner."""
    scope = "prompt" if isinstance(subject, LearnerPrompt) else "output"
    if errors := check_spec_errors(spec, scope=scope):
        raise ValueError(f"invalid check spec {dict(spec)!r}: {'; '.join(errors)}")
    check = CHECKS[spec["kind"]]
    passed, detail = check.run(spec, subject)
    return CheckResult(
        kind=check.name,
        label=_stored_label(spec),
        required=spec.get("required", True),
        passed=passed,
        detail=detail,
    )


def checks_run(specs: Iterable[Mapping[str, Any]], transcript: RunTranscript) -> list[CheckResult]:
    """Every check of a task, in the task's order."""
    return [check_run(spec, transcript) for spec in specs]
