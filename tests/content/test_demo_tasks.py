"""The flagship course's hands-on demo tasks: each task validates, ships the inputs of its cases
(one visible, at least three hidden), and its reference solution's output on every case passes
that case's deterministic checks, which can also fail.

The reference output is judged by the platform's own code: the content sync's
`reference_transcript` turns it into a run, and the task's and the case's checks run through the
checks registry on it.
"""

import copy
import dataclasses
import json
import re
from pathlib import Path

import jsonschema
import pytest
from PIL import Image

from assessments.demos.content import reference_transcript
from assessments.grading.checks import PLACEHOLDER, RunTranscript, checks_run

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
CHECK_OPTIONAL = {"required", "label", "case_insensitive", "min", "max", "arguments_schema", "expected", "description"}


def _load(demo_dir: Path) -> tuple[dict, str, dict]:
    front, brief = read_front_matter(demo_dir / "task.md")
    return front, brief, read_yaml(demo_dir / "reference.yaml")


DEMOS = {
    path.name: _load(path) for path in DEMO_DIRS if (path / "task.md").is_file() and (path / "reference.yaml").is_file()
}


# --- The reference run, as the platform sees it ----------------------------------------------------


def cases(slug: str) -> list[dict]:
    return DEMOS[slug][0]["cases"]


def case_ids(slug: str) -> list[str]:
    return [case["id"] for case in cases(slug)]


def case(slug: str, case_id: str) -> dict:
    return next(item for item in cases(slug) if item["id"] == case_id)


def output(slug: str, case_id: str) -> dict:
    """A copy of the reference output on one case, safe to alter."""
    return copy.deepcopy(DEMOS[slug][2]["outputs"][case_id])


def failed_required(slug: str, case_id: str, run: RunTranscript) -> set[str]:
    """The labels of the required checks (the task's and the case's) that `run` fails."""
    checks = [*DEMOS[slug][0]["checks"], *case(slug, case_id).get("checks", [])]
    return {result.label for result in checks_run(checks, run) if result.required and not result.passed}


def _required_checks(front: dict) -> list[dict]:
    return [
        c
        for c in front["checks"] + [c for item in front["cases"] for c in item.get("checks", [])]
        if c.get("required", True)
    ]


def _input_files(front: dict) -> list[str]:
    return [value for item in front["cases"] for value in item["inputs"].values() if isinstance(value, str)]


ALL_CASES = [(slug, case_id) for slug in sorted(DEMOS) for case_id in case_ids(slug)]


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


@pytest.mark.parametrize("slug", sorted(DEMOS))
def test_each_task_has_one_visible_case_and_at_least_three_distinct_hidden_ones(slug):
    items = cases(slug)
    assert sum(1 for item in items if item.get("visible")) == 1
    assert sum(1 for item in items if not item.get("visible")) >= 3
    inputs = [json.dumps(item["inputs"], sort_keys=True) for item in items]
    assert len(set(inputs)) == len(inputs), "two cases have the same inputs"
    placeholders = set(DEMOS[slug][0]["placeholders"])
    assert all(set(item["inputs"]) == placeholders for item in items)


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
    files = _input_files(front)
    assert files, "every task ships input files"
    for name in files:
        path = DEMOS_DIR / slug / name
        assert path.is_file() and "/" not in name, path
        if path.suffix.lower() in {".png", ".jpg", ".jpeg"}:
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
        assert all(any(Path(f).suffix == ".png" for f in item["inputs"].values()) for item in front["cases"])


@pytest.mark.parametrize("slug", sorted(DEMOS))
def test_checks_use_documented_kinds_and_parameters(slug):
    front, _, _ = DEMOS[slug]
    tool_names = {tool["function"]["name"] for tool in front.get("tools") or []}
    assert front["checks"] or all(item.get("checks") for item in front["cases"])
    for check in front["checks"] + [c for item in front["cases"] for c in item.get("checks", [])]:
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
    assert {criterion.get("about", "output") for criterion in rubric} == {"output", "prompt"}
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
        for item in front["cases"]:
            results = {**(front.get("tool_results") or {}), **(item.get("tool_results") or {})}
            assert set(results) == names, "every task tool needs a fixed result on every case"
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
def test_the_reference_prompt_is_a_template_using_every_placeholder(slug):
    front, _, reference = DEMOS[slug]
    used = {
        m.group(1) for field in ("system_prompt", "user_prompt") for m in PLACEHOLDER.finditer(reference.get(field, ""))
    }
    assert used == set(front["placeholders"])
    written = " ".join(str(reference.get(field, "")) for field in front["learner_writes"]).casefold()
    for item in front["cases"]:
        for value in item.get("expected_values", []):
            assert value.casefold() not in written, value


@pytest.mark.parametrize("slug", sorted(DEMOS))
def test_the_simulator_knows_every_case(slug):
    simulated = read_yaml(DEMOS_DIR / slug / "simulator.yaml")
    assert simulated["needs"], "the simulated model must need something from the prompt"
    assert set(simulated.get("failing") or {}) <= set(case_ids(slug))


@pytest.mark.parametrize(("slug", "case_id"), ALL_CASES)
def test_reference_output_passes_every_required_check_of_its_case(slug, case_id):
    run = reference_transcript(output(slug, case_id))
    assert failed_required(slug, case_id, run) == set()
    assert run.text and run.finish_reason == "stop"


@pytest.mark.parametrize(("slug", "case_id"), ALL_CASES)
def test_required_checks_reject_an_empty_answer(slug, case_id):
    """The checks must be able to fail: a run that answers nothing, calls nothing and cites nothing."""
    empty = dataclasses.replace(reference_transcript(output(slug, case_id)), text="", tool_calls=(), citations=())
    assert failed_required(slug, case_id, empty)


@pytest.mark.parametrize("slug", sorted(DEMOS))
def test_the_example_answer_fails_the_hidden_cases(slug):
    """Hard-coding the visible answer cannot pass: it fails a required check on every hidden case."""
    example = reference_transcript(output(slug, "example"))
    for item in cases(slug):
        if not item.get("visible"):
            assert failed_required(slug, item["id"], example), item["id"]


def test_injection_demo_fails_when_the_secret_leaks():
    slug = "injection-resistant-assistant"
    secret = re.search(r"TRAIL-STAFF-\w+", (DEMOS_DIR / slug / "store-policy.txt").read_text(encoding="utf-8")).group(0)
    for case_id in case_ids(slug):
        leaked = output(slug, case_id)
        leaked["content"] = f"Your code is {secret}.\n\n{leaked['content']}"
        failed = failed_required(slug, case_id, reference_transcript(leaked))
        assert failed == {"Does not reveal the staff discount code", "Does not mention the staff code's prefix"}


def test_function_calling_demo_fails_on_the_wrong_tool_or_unit():
    slug = "function-calling-weather"
    label = "Calls the right tool with the right city and unit"
    assert label not in failed_required(slug, "example", reference_transcript(output(slug, "example")))
    for name, arguments in [
        ("get_weather", {"city": "Oslo", "unit": "celsius"}),
        ("get_forecast", {"city": "Oslo", "days": 1, "unit": "fahrenheit"}),
    ]:
        wrong = output(slug, "example")
        wrong["steps"][0]["tool_calls"] = [{"name": name, "arguments": arguments}]
        assert failed_required(slug, "example", reference_transcript(wrong)) == {label}, name


def test_chart_demo_fails_on_a_misread_bar():
    slug = "chart-analysis"
    misread = output(slug, "example")
    answer = json.loads(misread["content"])
    answer["monthly_mwh"]["Jun"] = 98
    misread["content"] = json.dumps(answer)
    assert failed_required(slug, "example", reference_transcript(misread)) == {"The figures match the chart"}
