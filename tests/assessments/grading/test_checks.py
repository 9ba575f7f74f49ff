import pytest

from assessments.grading.checks import (
    CHECKS,
    LearnerPrompt,
    RunTranscript,
    check_run,
    check_spec_errors,
    checks_run,
    prompt_checks_run,
    refusal_detected,
    required_checks_passed,
)
from assessments.modelapi.types import Citation, ToolCall, Usage
from tests.assessments.grading.helpers import model_result

# The check table of content/README.md, exactly.
README_KINDS = {
    "contains",
    "not_contains",
    "regex",
    "equals",
    "is_json",
    "json_schema",
    "word_count",
    "line_count",
    "tool_called",
    "no_tool_called",
    "cites_sources",
    "finish_reason",
    "refusal",
    "token_budget",
    "cost_budget",
}

WEATHER = ToolCall(id="call_1", name="get_weather", arguments='{"city": "Lisbon"}')
CITY_SCHEMA = {"type": "object", "required": ["city"], "properties": {"city": {"type": "string"}}}
TOTAL_SCHEMA = {"type": "object", "required": ["total"], "properties": {"total": {"type": "number"}}}

# (spec, transcript, expected to pass)
CASES = [
    ({"kind": "contains", "value": "Total"}, RunTranscript(text="Total: 5"), True),
    ({"kind": "contains", "value": "Total"}, RunTranscript(text="total: 5"), False),
    ({"kind": "contains", "value": "Total", "case_insensitive": True}, RunTranscript(text="TOTAL: 5"), True),
    ({"kind": "not_contains", "value": "2022"}, RunTranscript(text="It happened in 2023."), True),
    ({"kind": "not_contains", "value": "2022"}, RunTranscript(text="It happened in 2022."), False),
    ({"kind": "not_contains", "value": "hola", "case_insensitive": True}, RunTranscript(text="¡HOLA!"), False),
    ({"kind": "regex", "pattern": r"\bINV-\d{4}-\d{4}\b"}, RunTranscript(text="ref INV-2026-0042."), True),
    ({"kind": "regex", "pattern": r"\bINV-\d{4}-\d{4}\b"}, RunTranscript(text="ref INV-26-42."), False),
    ({"kind": "regex", "pattern": "^yes", "case_insensitive": True}, RunTranscript(text="YES, it is"), True),
    ({"kind": "regex", "pattern": "^yes"}, RunTranscript(text="YES, it is"), False),
    ({"kind": "equals", "value": "Michael Jordan\n"}, RunTranscript(text="  Michael Jordan\n"), True),
    ({"kind": "equals", "value": "Michael Jordan"}, RunTranscript(text="Michael Jordan."), False),
    ({"kind": "is_json"}, RunTranscript(text='{"total": 118.5}'), True),
    ({"kind": "is_json"}, RunTranscript(text='```json\n{"total": 118.5}\n```'), False),
    ({"kind": "json_schema", "schema": TOTAL_SCHEMA}, RunTranscript(text='{"total": 118.5}'), True),
    ({"kind": "json_schema", "schema": TOTAL_SCHEMA}, RunTranscript(text='{"total": "118.5"}'), False),
    ({"kind": "json_schema", "schema": TOTAL_SCHEMA}, RunTranscript(text="The total is 118.5"), False),
    ({"kind": "word_count", "min": 3, "max": 5}, RunTranscript(text="one two  three"), True),
    ({"kind": "word_count", "min": 3, "max": 5}, RunTranscript(text="one two"), False),
    ({"kind": "word_count", "max": 5}, RunTranscript(text="a b c d e f"), False),
    ({"kind": "line_count", "min": 2}, RunTranscript(text="first\n\nsecond\n"), True),
    ({"kind": "line_count", "min": 2}, RunTranscript(text="only one\n\n\n"), False),
    ({"kind": "tool_called", "name": "get_weather"}, RunTranscript(text="", tool_calls=(WEATHER,)), True),
    ({"kind": "tool_called", "name": "get_weather"}, RunTranscript(text="It is sunny."), False),
    (
        {"kind": "tool_called", "name": "get_weather", "arguments_schema": CITY_SCHEMA},
        RunTranscript(text="", tool_calls=(ToolCall("c0", "get_weather", '{"town": 1}'), WEATHER)),
        True,
    ),
    (
        {"kind": "tool_called", "name": "get_weather", "arguments_schema": CITY_SCHEMA},
        RunTranscript(text="", tool_calls=(ToolCall("c1", "get_weather", '{"town": "Lisbon"}'),)),
        False,
    ),
    (
        {"kind": "tool_called", "name": "get_weather", "arguments_schema": CITY_SCHEMA},
        RunTranscript(text="", tool_calls=(ToolCall("c1", "get_weather", "city=Lisbon"),)),
        False,
    ),
    ({"kind": "no_tool_called"}, RunTranscript(text="It is sunny."), True),
    ({"kind": "no_tool_called"}, RunTranscript(text="", tool_calls=(WEATHER,)), False),
    (
        {"kind": "cites_sources", "min": 2},
        RunTranscript(text="x", citations=(Citation("https://a.example/"), Citation("https://b.example/"))),
        True,
    ),
    (
        {"kind": "cites_sources", "min": 2},
        RunTranscript(text="x", citations=(Citation("https://a.example/"), Citation("https://a.example/", "A"))),
        False,
    ),
    ({"kind": "finish_reason", "value": "stop"}, RunTranscript(text="done", finish_reason="stop"), True),
    ({"kind": "finish_reason", "value": "stop"}, RunTranscript(text="cut o", finish_reason="length"), False),
    ({"kind": "refusal"}, RunTranscript(text="Here is your summary."), True),
    ({"kind": "refusal"}, RunTranscript(text="I'm sorry, but I can't help with that."), False),
    ({"kind": "refusal", "expected": True}, RunTranscript(text="", refusal="This request is not allowed."), True),
    ({"kind": "refusal", "expected": True}, RunTranscript(text="Sure! Here is how to pick a lock."), False),
    (
        {"kind": "token_budget", "max_output_tokens": 100},
        RunTranscript(text="x", usage=Usage(completion_tokens=60, reasoning_tokens=40)),
        True,
    ),
    (
        {"kind": "token_budget", "max_output_tokens": 100},
        RunTranscript(text="x", usage=Usage(completion_tokens=60, reasoning_tokens=41)),
        False,
    ),
    ({"kind": "cost_budget", "max_usd": 0.01}, RunTranscript(text="x", cost_usd=0.01), True),
    ({"kind": "cost_budget", "max_usd": 0.01}, RunTranscript(text="x", cost_usd=0.0101), False),
]


README_PROMPT_KINDS = {"uses_placeholders", "min_substance", "no_expected_values", "prompt_regex"}


def test_the_registry_holds_exactly_the_documented_check_kinds():
    assert {name for name, check in CHECKS.items() if check.scope == "output"} == README_KINDS
    assert {name for name, check in CHECKS.items() if check.scope == "prompt"} == README_PROMPT_KINDS


def prompt(system: str, user: str = "Here it is: {{document}}", **kinds) -> LearnerPrompt:
    return LearnerPrompt(
        fields={"system_prompt": system, "user_prompt": user},
        placeholders=kinds or {"document": "text"},
        expected_values=("INV-0042", "1 059,40"),
    )


GOOD_SYSTEM = "You extract supplier invoices into JSON, copying every number, date and name exactly as printed."


@pytest.mark.parametrize(
    ("spec", "learner", "passed"),
    [
        ({"kind": "uses_placeholders"}, prompt(GOOD_SYSTEM), True),
        ({"kind": "uses_placeholders"}, prompt(GOOD_SYSTEM, "Extract the invoice."), False),
        ({"kind": "uses_placeholders"}, prompt(GOOD_SYSTEM, "{{document}} {{ other }}"), False),
        ({"kind": "uses_placeholders"}, prompt("{{chart}}", "Read it.", chart="image"), False),
        ({"kind": "uses_placeholders"}, prompt(GOOD_SYSTEM, "Read {{ chart }}", chart="image"), True),
        ({"kind": "min_substance"}, prompt(GOOD_SYSTEM), True),
        ({"kind": "min_substance"}, prompt("asdf", "qwerty {{document}}"), False),
        ({"kind": "min_substance"}, prompt("You are helpful. " * 10), False),  # enough words, too few different
        ({"kind": "min_substance", "min_words": 3, "min_distinct": 3}, prompt("You are helpful."), True),
        ({"kind": "no_expected_values"}, prompt(GOOD_SYSTEM), True),
        ({"kind": "no_expected_values"}, prompt(GOOD_SYSTEM + " The number is inv-0042."), False),
        ({"kind": "no_expected_values"}, prompt(GOOD_SYSTEM + " Total: 1 059,40"), False),
        ({"kind": "prompt_regex", "pattern": "untrusted"}, prompt(GOOD_SYSTEM + " The email is UNTRUSTED."), True),
        ({"kind": "prompt_regex", "pattern": "untrusted", "field": "user_prompt"}, prompt("untrusted"), False),
    ],
)
def test_prompt_checks(spec, learner, passed):
    result = check_run(spec, learner)
    assert result.passed is passed, result.detail
    assert result.label and result.detail


def test_prompt_checks_and_output_checks_keep_to_their_scope():
    assert check_spec_errors({"kind": "min_substance"}, scope="output")
    assert check_spec_errors({"kind": "is_json"}, scope="prompt")
    assert not check_spec_errors({"kind": "prompt_regex", "pattern": "x", "field": "any"}, scope="prompt")
    assert check_spec_errors({"kind": "prompt_regex", "pattern": "x", "field": "tools"}, scope="prompt")


def test_every_task_gets_the_platform_prompt_checks_first():
    results = prompt_checks_run([{"kind": "prompt_regex", "pattern": "never"}], prompt(":"))
    assert [r.kind for r in results] == ["uses_placeholders", "min_substance", "no_expected_values", "prompt_regex"]
    assert [r.passed for r in results] == [True, False, True, False]


def test_every_kind_is_pinned_passing_and_failing():
    outcomes = {(spec["kind"], passed) for spec, _, passed in CASES}
    assert outcomes == {(kind, passed) for kind in README_KINDS for passed in (True, False)}


@pytest.mark.parametrize(
    ("spec", "transcript", "expected"),
    CASES,
    ids=[f"{spec['kind']}-{'pass' if passed else 'fail'}-{i}" for i, (spec, _, passed) in enumerate(CASES)],
)
def test_check_outcome(spec, transcript, expected):
    result = check_run(spec, transcript)
    assert result.passed is expected
    assert result.kind == spec["kind"]
    assert result.label and result.detail


@pytest.mark.parametrize("spec", [spec for spec, _, _ in CASES], ids=lambda spec: spec["kind"])
def test_documented_specs_are_valid(spec):
    assert check_spec_errors(spec) == []


def test_details_explain_the_failure_to_the_learner():
    fenced = check_run({"kind": "is_json"}, RunTranscript(text='```json\n{"a": 1}\n```'))
    assert "code fence" in fenced.detail
    wrong_tool = check_run(
        {"kind": "tool_called", "name": "get_weather"},
        RunTranscript(text="", tool_calls=(ToolCall("c", "get_time", "{}"),)),
    )
    assert "`get_weather`" in wrong_tool.detail and "`get_time`" in wrong_tool.detail
    schema = check_run({"kind": "json_schema", "schema": TOTAL_SCHEMA}, RunTranscript(text='{"total": "1"}'))
    assert "total" in schema.detail and "number" in schema.detail
    budget = check_run(
        {"kind": "token_budget", "max_output_tokens": 10},
        RunTranscript(text="x", usage=Usage(completion_tokens=8, reasoning_tokens=7)),
    )
    assert "15 output tokens" in budget.detail and "7 reasoning" in budget.detail


def test_a_range_with_equal_bounds_reads_as_an_exact_count():
    result = check_run({"kind": "line_count", "min": 4, "max": 4}, RunTranscript(text="a\nb\nc\nd\ne"))
    assert (result.label, result.passed) == ("Exactly 4 lines", False)
    assert result.detail == "The answer has 5 lines; it should have exactly 4 lines."
    assert (
        check_run({"kind": "word_count", "min": 2, "max": 9}, RunTranscript(text="x")).label == "Between 2 and 9 words"
    )


PATTERN = r"\b(5|five) ?(to|-) ?(7|seven) business days"


@pytest.mark.parametrize(
    ("spec", "subject"),
    [
        ({"kind": "regex", "pattern": PATTERN}, RunTranscript(text="Refunds take a while.")),
        ({"kind": "prompt_regex", "pattern": PATTERN}, prompt(GOOD_SYSTEM)),
    ],
    ids=["regex", "prompt_regex"],
)
def test_learners_never_read_a_raw_pattern(spec, subject):
    described = check_run({**spec, "description": "How long a refund takes"}, subject)
    assert described.label == "How long a refund takes" and not described.passed
    assert described.detail.endswith(": How long a refund takes.")
    undescribed = check_run(spec, subject)
    for result in (described, undescribed):
        assert PATTERN not in result.label + result.detail and "/" not in result.label + result.detail
    assert check_run({**spec, "label": "Gives the refund time"}, subject).label == "Gives the refund time"


def test_a_matching_pattern_quotes_what_it_found_and_a_finish_reason_is_explained():
    found = check_run({"kind": "regex", "pattern": PATTERN}, RunTranscript(text="It takes 5-7 business days."))
    assert found.passed and found.detail == "Found in the answer: “5-7 business days”."
    cut = check_run({"kind": "finish_reason", "value": "stop"}, RunTranscript(text="cut o", finish_reason="length"))
    assert cut.label == "The model finished its answer"
    assert "the output-token cap cut the answer off" in cut.detail and "“" not in cut.detail


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("contains: total", "must be a mapping"),
        ({"kind": "nope"}, "unknown check kind 'nope'"),
        ({"value": "x"}, "unknown check kind None"),
        ({"kind": "contains"}, "missing parameter 'value'"),
        ({"kind": "contains", "value": 5}, "'value' must be non-empty text"),
        ({"kind": "contains", "value": "x", "case_insensitive": "yes"}, "'case_insensitive' must be true or false"),
        ({"kind": "contains", "value": "x", "casesensitive": True}, "unknown parameter 'casesensitive'"),
        ({"kind": "regex", "pattern": "(unclosed"}, "'pattern' is not a valid regular expression"),
        ({"kind": "json_schema", "schema": {"type": "obj"}}, "'schema' is not a valid JSON Schema"),
        ({"kind": "json_schema", "schema": "object"}, "'schema' must be a JSON Schema object"),
        (
            {"kind": "json_schema", "schema": {"$schema": {"draft": 7}}},
            "'schema' is not a valid JSON Schema (at $schema)",
        ),
        (
            {"kind": "tool_called", "name": "f", "arguments_schema": {"required": "city"}},
            "'arguments_schema' is not a valid",
        ),
        ({"kind": "tool_called"}, "missing parameter 'name'"),
        ({"kind": "word_count"}, "give 'min', 'max' or both"),
        ({"kind": "line_count", "min": 5, "max": 2}, "'min' must not be greater than 'max'"),
        ({"kind": "word_count", "min": -1}, "'min' must be a whole number"),
        ({"kind": "word_count", "max": True}, "'max' must be a whole number"),
        ({"kind": "cites_sources", "min": 0}, "'min' must be a whole number, 1 or more"),
        ({"kind": "finish_reason", "value": "done"}, "'value' must be one of stop, length, tool_calls"),
        ({"kind": "refusal", "expected": "no"}, "'expected' must be true or false"),
        ({"kind": "token_budget"}, "missing parameter 'max_output_tokens'"),
        ({"kind": "cost_budget", "max_usd": "0.01"}, "'max_usd' must be a number"),
        ({"kind": "is_json", "required": "yes"}, "'required' must be true or false"),
        ({"kind": "is_json", "label": ""}, "'label' must be non-empty text"),
    ],
)
def test_spec_errors(spec, message):
    errors = check_spec_errors(spec)
    assert any(message in error for error in errors), errors


def test_running_an_invalid_spec_is_a_platform_error_not_a_learner_failure():
    with pytest.raises(ValueError, match="missing parameter 'value'"):
        check_run({"kind": "contains"}, RunTranscript(text="x"))


def test_a_failed_optional_check_does_not_fail_the_required_ones():
    results = checks_run(
        [{"kind": "contains", "value": "Regards", "required": False, "label": "Signs off"}, {"kind": "is_json"}],
        RunTranscript(text='{"total": 1}'),
    )
    assert [(r.label, r.required, r.passed) for r in results] == [
        ("Signs off", False, False),
        ("Answer is JSON", True, True),
    ]
    assert required_checks_passed(results) is True


def test_checks_are_required_by_default():
    results = checks_run([{"kind": "is_json"}, {"kind": "contains", "value": "total"}], RunTranscript(text="{}"))
    assert [r.required for r in results] == [True, True]
    assert required_checks_passed(results) is False


def test_transcript_gathers_every_step_of_a_multi_step_run():
    first = model_result(
        "",
        finish_reason="tool_calls",
        tool_calls=(WEATHER, ToolCall("call_2", "get_time", "{}")),
        usage=Usage(prompt_tokens=100, completion_tokens=20, reasoning_tokens=30, total_tokens=150),
        cost_usd=0.001,
    )
    final = model_result(
        "It is 21 °C in Lisbon.",
        citations=(Citation("https://weather.example/lisbon"),),
        usage=Usage(prompt_tokens=180, completion_tokens=12, reasoning_tokens=5, total_tokens=197),
        cost_usd=0.002,
    )
    transcript = RunTranscript.from_results([first, final])
    assert transcript.text == "It is 21 °C in Lisbon."
    assert [call.name for call in transcript.tool_calls] == ["get_weather", "get_time"]
    assert transcript.finish_reason == "stop"
    assert transcript.usage.prompt_tokens == 280
    assert transcript.output_tokens == 20 + 30 + 12 + 5
    assert transcript.cost_usd == pytest.approx(0.003)
    assert [c.url for c in transcript.citations] == ["https://weather.example/lisbon"]
    assert check_run({"kind": "tool_called", "name": "get_time"}, transcript).passed


def test_transcript_keeps_a_refusal_from_any_step():
    transcript = RunTranscript.from_results([model_result("", refusal="I can't share that."), model_result("ok")])
    assert transcript.refusal == "I can't share that."
    assert refusal_detected(transcript)


@pytest.mark.parametrize(
    "text",
    [
        "I'm sorry, but I can't help with that request.",
        "I’m sorry, but I cannot assist with this.",
        "Sorry, I can't do that.",
        "I cannot provide instructions for that.",
        "I won't help with creating malware.",
        "Unfortunately, I am unable to comply.",
        "I must decline this request.",
        "As an AI language model, I cannot browse the web.",
        "**I can't help with that.**",
    ],
)
def test_refusal_phrasing_at_the_start_is_detected(text):
    assert refusal_detected(RunTranscript(text=text))


@pytest.mark.parametrize(
    "text",
    [
        "I'm sorry to hear about the delay. Your order ships on Monday.",
        "I cannot stress enough how important backups are.",
        "The customer wrote: I can't help with that. Please escalate.",
        "Here is the summary you asked for.",
        "",
    ],
)
def test_ordinary_answers_are_not_refusals(text):
    assert not refusal_detected(RunTranscript(text=text))
