"""The flagship course's hands-on demo tasks: each task validates, ships its inputs, and its reference
solution's recorded model output passes the task's deterministic checks.

The recorded output is judged by the platform's own code: each raw xAI body in `reference.yaml`
(Chat Completions, or Responses for the search task) is parsed by the model client into a
`ModelResult`, exactly as a live answer would be, and the task's checks run through the checks
registry on the transcript of those results.
"""

import copy
import dataclasses
import json
import re
from pathlib import Path

import jsonschema
import pytest
from PIL import Image

from assessments.grading.checks import RunTranscript, checks_run
from assessments.modelapi.client import get_client

from .course_files import COURSE_DIR, course_spec, read_front_matter, read_yaml, reference_problem

DEMOS_DIR = COURSE_DIR / "demos"
DEMO_DIRS = sorted(path for path in DEMOS_DIR.iterdir() if path.is_dir())
REQUIRED_DEMOS = {
    "structured-extraction": ("prompting", "structured_output"),
    "role-and-format": ("prompting", "text"),
    "function-calling-weather": ("tool_use", "function_calling"),
    "search-grounded-answer": ("multimodal", "search"),
    "chart-analysis": ("multimodal", "vision"),
    "injection-resistant-assistant": ("fundamentals", "text"),
}
MODALITIES = {"text", "structured_output", "function_calling", "search", "vision"}
LEARNER_WRITES = {"system_prompt", "user_prompt", "json_schema", "tools"}
INPUT_KINDS = {"document", "csv", "image"}
MAX_IMAGE_BYTES = 20 * 1024 * 1024
SERVER_TOOLS = {"web_search", "x_search", "code_interpreter", "file_search", "mcp"}
FINISH_REASONS = {"stop", "length", "tool_calls"}
# Check kind -> the parameters it requires (content/README.md).
CHECK_PARAMS = {
    "contains": {"value"},
    "not_contains": {"value"},
    "regex": {"pattern"},
    "equals": {"value"},
    "is_json": set(),
    "json_schema": {"schema"},
    "word_count": set(),
    "line_count": set(),
    "tool_called": {"name"},
    "no_tool_called": set(),
    "cites_sources": {"min"},
    "finish_reason": {"value"},
    "refusal": set(),
    "token_budget": {"max_output_tokens"},
    "cost_budget": {"max_usd"},
}
CHECK_OPTIONAL = {"required", "label", "case_insensitive", "min", "max", "arguments_schema", "expected"}


def _load(demo_dir: Path) -> tuple[dict, str, dict]:
    front, brief = read_front_matter(demo_dir / "task.md")
    return front, brief, read_yaml(demo_dir / "reference.yaml")


DEMOS = {
    path.name: _load(path) for path in DEMO_DIRS if (path / "task.md").is_file() and (path / "reference.yaml").is_file()
}


# --- The recorded run, as the platform sees it ----------------------------------------------------


def transcript(slug: str, responses: list[dict]) -> RunTranscript:
    """The run of `responses` (raw API bodies), parsed by the model client as live answers are."""
    front = DEMOS[slug][0]
    api = "responses" if front["modality"] == "search" else "chat"
    client = get_client()
    return RunTranscript.from_results(
        [client.result_from_raw(body, api=api, requested_model=front["model"]["name"]) for body in responses]
    )


def recorded(slug: str) -> list[dict]:
    """A copy of the task's recorded responses, safe to alter."""
    return copy.deepcopy(DEMOS[slug][2]["recorded_responses"])


def failed_required(slug: str, run: RunTranscript) -> set[str]:
    """The labels of the task's required checks that `run` fails, by the real checks registry."""
    return {
        result.label for result in checks_run(DEMOS[slug][0]["checks"], run) if result.required and not result.passed
    }


def _required_checks(front: dict) -> list[dict]:
    return [c for c in front["checks"] if c.get("required", True)]


# --- The set of demos ---------------------------------------------------------------------------


def test_every_demo_folder_has_a_task_and_a_reference_solution():
    assert DEMO_DIRS and sorted(DEMOS) == [path.name for path in DEMO_DIRS]


def test_the_required_demos_exist_with_their_domain_and_modality():
    found = {slug: (front["domain"], front["modality"]) for slug, (front, _, _) in DEMOS.items()}
    for slug, expected in REQUIRED_DEMOS.items():
        assert found.get(slug) == expected, slug
    assert set(course_spec()["domains"]) <= {domain for domain, _ in found.values()}


def test_certificate_requires_only_shipped_demos():
    assert set(course_spec()["certificate"]["requires"]["demos"]) <= set(DEMOS)


def test_simulator_matches_are_unique_to_their_own_task():
    """The simulator replays a task's responses for any request containing its match string, so no
    other task's inputs or brief may contain it."""
    for slug, (_front, _brief, reference) in DEMOS.items():
        match = reference["simulator_match"]
        for other, (other_front, other_brief, _) in DEMOS.items():
            if other == slug:
                continue
            texts = [other_brief] + [
                (DEMOS_DIR / other / i["file"]).read_text(encoding="utf-8")
                for i in other_front["inputs"]
                if i["as"] != "image"
            ]
            assert not any(match in text for text in texts), f"{slug}'s match {match!r} appears in {other}"


# --- Each task ----------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", sorted(DEMOS))
def test_task_front_matter_is_valid(slug):
    front, brief, _ = DEMOS[slug]
    assert front["slug"] == slug and re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug)
    assert str(front["title"]).strip()
    assert front["domain"] in course_spec()["domains"]
    assert front["modality"] in MODALITIES
    problem = reference_problem(front["lesson"])
    assert problem is None, problem
    writes = front["learner_writes"]
    assert writes and set(writes) <= LEARNER_WRITES and "system_prompt" in writes
    model = front["model"]
    assert model["name"] in course_spec()["models_referenced"]
    assert 0 <= model["temperature"] <= 2
    assert isinstance(model["max_output_tokens"], int) and model["max_output_tokens"] > 0
    if "reasoning_effort" in model:
        assert model["name"] == "grok-4.3" and model["reasoning_effort"] in {"none", "low", "medium", "high"}
    limits = front["limits"]
    assert limits["prompt_max_chars"] > 0 and limits["runs_per_hour"] > 0
    for heading in ("## Goal", "## What you write", "## What passes"):
        assert heading in brief, f"the brief needs a '{heading}' section"


@pytest.mark.parametrize("slug", sorted(DEMOS))
def test_inputs_are_shipped_and_images_are_within_limits(slug):
    front, brief, _ = DEMOS[slug]
    assert front["inputs"], "every task ships at least one fixed input"
    for item in front["inputs"]:
        assert item["as"] in INPUT_KINDS
        path = DEMOS_DIR / slug / item["file"]
        assert path.is_file() and "/" not in item["file"], path
        if item["as"] == "image":
            assert path.suffix.lower() in {".png", ".jpg", ".jpeg"}
            assert path.stat().st_size < MAX_IMAGE_BYTES
            with Image.open(path) as image:
                assert image.format in {"PNG", "JPEG"}
                image.verify()
        else:
            assert path.read_text(encoding="utf-8").strip()
    for image in re.findall(r"!\[[^\]]+\]\(([^)]+)\)", brief):
        assert (DEMOS_DIR / slug / image).is_file(), f"the brief shows a missing image {image}"
    if front["modality"] == "vision":
        assert any(item["as"] == "image" for item in front["inputs"])


@pytest.mark.parametrize("slug", sorted(DEMOS))
def test_checks_use_documented_kinds_and_parameters(slug):
    front, _, _ = DEMOS[slug]
    tool_names = {tool["function"]["name"] for tool in front.get("tools") or []}
    assert front["checks"]
    for check in front["checks"]:
        kind = check["kind"]
        assert kind in CHECK_PARAMS, kind
        assert CHECK_PARAMS[kind] <= set(check) <= CHECK_PARAMS[kind] | CHECK_OPTIONAL | {"kind"}, check
        if kind == "regex":
            re.compile(check["pattern"])
        if kind == "json_schema":
            jsonschema.Draft202012Validator.check_schema(check["schema"])
        if kind in {"word_count", "line_count"}:
            assert "min" in check or "max" in check
        if kind == "tool_called":
            assert check["name"] in tool_names
            jsonschema.Draft202012Validator.check_schema(check.get("arguments_schema", {}))
        if kind == "finish_reason":
            assert check["value"] in FINISH_REASONS
        if kind == "cites_sources":
            assert isinstance(check["min"], int) and check["min"] >= 1
    assert _required_checks(front), "at least one check must be required"


@pytest.mark.parametrize("slug", sorted(DEMOS))
def test_rubric_and_threshold_are_sound(slug):
    front, _, _ = DEMOS[slug]
    rubric = front["rubric"]
    assert 3 <= len(rubric) <= 5
    assert len({criterion["id"] for criterion in rubric}) == len(rubric)
    for criterion in rubric:
        assert isinstance(criterion["weight"], (int, float)) and criterion["weight"] > 0
        assert len(str(criterion["description"]).split()) >= 6
    assert 0 < front["pass_threshold"] <= 1


@pytest.mark.parametrize("slug", sorted(DEMOS))
def test_modality_has_what_it_needs(slug):
    front, _, reference = DEMOS[slug]
    tools = front.get("tools") or []
    if front["modality"] == "function_calling":
        assert tools, "a function-calling task provides its tools"
        names = set()
        for tool in tools:
            assert tool["type"] == "function"
            jsonschema.Draft202012Validator.check_schema(tool["function"]["parameters"])
            names.add(tool["function"]["name"])
        assert set(front["tool_results"]) == names, "every task tool needs a fixed result"
    else:
        assert not tools
    if front["modality"] == "search":
        assert front["server_tools"] and {t["type"] for t in front["server_tools"]} <= SERVER_TOOLS
    else:
        assert not front.get("server_tools")
    if "json_schema" in front["learner_writes"]:
        jsonschema.Draft202012Validator.check_schema(reference["json_schema"])


# --- Reference solutions and recorded output ------------------------------------------------------


@pytest.mark.parametrize("slug", sorted(DEMOS))
def test_reference_solution_fills_what_the_learner_writes(slug):
    front, _, reference = DEMOS[slug]
    for field in front["learner_writes"]:
        assert reference.get(field), f"the reference solution needs {field}"
    total = sum(
        len(str(reference[field])) for field in front["learner_writes"] if field in {"system_prompt", "user_prompt"}
    )
    assert total <= front["limits"]["prompt_max_chars"]


@pytest.mark.parametrize("slug", sorted(DEMOS))
def test_simulator_match_appears_in_every_request(slug):
    front, _, reference = DEMOS[slug]
    match = reference["simulator_match"]
    assert isinstance(match, str) and len(match) >= 6
    sent = [
        (DEMOS_DIR / slug / item["file"]).read_text(encoding="utf-8")
        for item in front["inputs"]
        if item["as"] != "image"
    ]
    assert any(match in text for text in sent), "the match must be in an input sent with every request"


@pytest.mark.parametrize("slug", sorted(DEMOS))
def test_recorded_responses_are_realistic_xai_bodies(slug):
    front, _, reference = DEMOS[slug]
    responses = reference["recorded_responses"]
    assert responses
    for body in responses:
        assert body["model"] == front["model"]["name"]
        usage = body["usage"]
        if front["modality"] == "search":
            assert body["object"] == "response" and body["status"] == "completed"
            assert any(item["type"] == "web_search_call" and item["call_id"] == "" for item in body["output"])
            assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
            assert usage["output_tokens_details"]["reasoning_tokens"] <= usage["output_tokens"]
            assert usage["num_server_side_tools_used"] == sum(usage["server_side_tool_usage_details"].values())
        else:
            assert body["object"] == "chat.completion"
            choice = body["choices"][0]
            assert choice["finish_reason"] in FINISH_REASONS
            reasoning = usage["completion_tokens_details"]["reasoning_tokens"]
            assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] + reasoning
            assert usage["prompt_tokens_details"]["cached_tokens"] <= usage["prompt_tokens"]
            assert isinstance(usage["cost_in_usd_ticks"], int) and usage["cost_in_usd_ticks"] > 0
            if choice["finish_reason"] == "tool_calls":
                for call in choice["message"]["tool_calls"]:
                    assert call["type"] == "function" and call["id"]
                    assert isinstance(json.loads(call["function"]["arguments"]), dict)
    if front["modality"] == "function_calling":
        assert len(responses) >= 2, "a tool call, then the final answer"
        assert responses[0]["choices"][0]["finish_reason"] == "tool_calls"
        assert responses[-1]["choices"][0]["finish_reason"] == "stop"
    else:
        assert len(responses) == 1


@pytest.mark.parametrize("slug", sorted(DEMOS))
def test_recorded_output_passes_every_required_check(slug):
    run = transcript(slug, recorded(slug))
    assert failed_required(slug, run) == set()
    # Parsed by the client, not taken on trust: the checks saw the run's final answer.
    assert run.text and run.finish_reason == "stop"


@pytest.mark.parametrize("slug", sorted(DEMOS))
def test_required_checks_reject_an_empty_answer(slug):
    """The checks must be able to fail: a run that answers nothing, calls nothing and cites nothing."""
    empty = dataclasses.replace(transcript(slug, recorded(slug)[-1:]), text="", tool_calls=(), citations=())
    assert failed_required(slug, empty)


def _final_message(responses: list[dict]) -> dict:
    """The assistant message of the last Chat Completions body."""
    return responses[-1]["choices"][0]["message"]


def test_injection_demo_fails_when_the_secret_leaks():
    slug = "injection-resistant-assistant"
    secret = re.search(r"TRAIL-STAFF-\w+", (DEMOS_DIR / slug / "store-policy.txt").read_text(encoding="utf-8")).group(0)
    responses = recorded(slug)
    message = _final_message(responses)
    message["content"] = f"Your code is {secret}.\n\n{message['content']}"
    failed = failed_required(slug, transcript(slug, responses))
    assert failed == {"Does not reveal the staff discount code", "Does not mention the staff code's prefix"}


def test_function_calling_demo_fails_on_the_wrong_tool_or_unit():
    slug = "function-calling-weather"
    label = "Called get_weather for Oslo in Fahrenheit"
    assert label not in failed_required(slug, transcript(slug, recorded(slug)))
    for name, arguments in [
        ("get_weather", {"city": "Oslo", "unit": "celsius"}),
        ("get_forecast", {"city": "Oslo", "days": 1, "unit": "fahrenheit"}),
    ]:
        responses = recorded(slug)
        (call,) = responses[0]["choices"][0]["message"]["tool_calls"]
        call["function"] = {"name": name, "arguments": json.dumps(arguments)}
        assert failed_required(slug, transcript(slug, responses)) == {label}, name


def test_chart_demo_fails_on_a_misread_bar():
    slug = "chart-analysis"
    responses = recorded(slug)
    message = _final_message(responses)
    answer = json.loads(message["content"])
    answer["monthly_mwh"]["Jun"] = 98
    message["content"] = json.dumps(answer)
    assert failed_required(slug, transcript(slug, responses)) == {"The figures match the chart"}
