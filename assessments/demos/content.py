"""The `demos/` section of a course: `demos/<slug>/task.md`, `reference.yaml` and input files.

A task defines placeholders (`{{document}}`) and cases: one visible example and at least
three hidden ones, each binding every placeholder to an input file or inline text. The
learner's prompt is a template run once per case. Parsing validates everything and
reports each problem as `path:line: message`, including a reference solution that fails
a prompt check, or whose output on a case (`reference.yaml` `outputs`) fails that case's
checks. Applying upserts tasks by slug and unpublishes tasks that left the tree
(submissions keep them). Only the visible case's inputs are stored where pages can show
or serve them.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.urls import reverse

from assessments.grading.checks import RunTranscript
from assessments.grading.judge import CRITERION_KINDS
from assessments.modelapi import catalog
from assessments.modelapi.types import Citation, ToolCall
from courses.api import (
    ChangeLog,
    ContentReport,
    CourseRef,
    CourseSource,
    LineDict,
    load_yaml_file,
    record_upsert,
    records_unpublish_missing,
    render_markdown,
    require_fields,
    split_front_matter,
)

from . import validation
from .calibration.content import calibration_parse

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Paths under /demos/ that a task's URL (/demos/<slug>/) must not shadow.
_RESERVED_SLUGS = {"submissions", "review"}
_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^":/?#][^"]*)(")')
_FRONT_KEYS = {
    "slug",
    "title",
    "domain",
    "modality",
    "lesson",
    "learner_writes",
    "placeholders",
    "cases",
    "min_cases_passed",
    "model",
    "tools",
    "tool_results",
    "server_tools",
    "checks",
    "prompt_checks",
    "rubric",
    "pass_threshold",
    "limits",
}
_CASE_KEYS = {"id", "visible", "inputs", "checks", "expected_values", "tool_results"}
_MIN_HIDDEN_CASES = 3
_PLACEHOLDER_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_CASE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CASE_ID_MAX = 16  # step keys such as "judge:strict:<case>#<round>" must fit in 40 characters
_MODEL_KEYS = {"name", "temperature", "max_output_tokens", "reasoning_effort"}
_LIMIT_DEFAULTS = {"prompt_max_chars": 4000, "runs_per_hour": 10, "budget_usd": 0.5}
_RUBRIC_KEYS = {"id", "weight", "description", "about"}
# Text inputs are pasted into the prompt; beyond this they crowd out the learner's words.
_TEXT_INPUT_WARN_BYTES = 256 * 1024
# Files of a demo folder that are never inputs (simulator.yaml is read only by the development simulator).
_NOT_INPUTS = {"task.md", "reference.yaml", "simulator.yaml", "calibration.yaml"}


@dataclass(frozen=True)
class DemoAssetSource:
    sha256: str
    mime: str
    data: bytes


@dataclass(frozen=True)
class DemoTaskSource:
    slug: str
    title: str
    domain: str
    modality: str
    lesson_ref: str
    version: str
    spec: dict
    brief_html: str
    inputs: tuple[dict, ...]
    assets: tuple[DemoAssetSource, ...]
    reference: dict
    source_path: str
    calibration: tuple[dict, ...] = ()  # the labelled examples of calibration.yaml (see calibration.content)


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _line_of(mapping: Any, key: Any) -> int | None:
    """The line of `key` in a mapping read from YAML (the loader makes every mapping a LineDict)."""
    return mapping.line_of(key) if isinstance(mapping, LineDict) else None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _line(data: Any, key: str | None = None) -> int | None:
    if isinstance(data, LineDict):
        return data.line_of(key) if key else data.line
    return getattr(data, "line", None)


def reference_transcript(output: dict) -> RunTranscript:
    """A run as the reference output describes it: `{content}`, `{content, citations}` or
    `{steps: [{tool_calls: [{name, arguments}]}, ..., {content}]}`."""
    steps = output.get("steps") or [output]
    calls = tuple(
        ToolCall(id=f"reference_{index}", name=str(call["name"]), arguments=json.dumps(call.get("arguments") or {}))
        for index, call in enumerate(call for step in steps for call in step.get("tool_calls") or ())
    )
    return RunTranscript(
        text=str(steps[-1].get("content", "")),
        tool_calls=calls,
        citations=tuple(Citation(url=str(url)) for url in output.get("citations") or ()),
        finish_reason="stop",
    )


class _TaskParser:
    """Validates one `demos/<folder>/`; every method reports problems and carries on."""

    def __init__(self, folder: Path, source: CourseSource, report: ContentReport, parsed: dict):
        self.folder = folder
        self.source = source
        self.report = report
        self.parsed = parsed
        self.task_path = folder / "task.md"
        self.reference_path = folder / "reference.yaml"
        self.errors_before = len(report.errors)
        self.slug_line: int | None = None

    def error(self, line: int | None, message: str, path: Path | None = None) -> None:
        self.report.error(path or self.task_path, line, message)

    def parse(self) -> DemoTaskSource | None:
        split = split_front_matter(self.task_path, self.report)
        if split is None:
            return None
        front, body, body_line = split
        if not require_fields(
            front,
            {
                "slug": str,
                "title": str,
                "domain": str,
                "modality": str,
                "model": dict,
                "learner_writes": list,
                "rubric": list,
            },
            path=self.task_path,
            report=self.report,
        ):
            return None
        for key in front:
            if key not in _FRONT_KEYS:
                self.error(front.line_of(key), f"unknown field '{key}'")
        slug = front["slug"]
        self.slug_line = front.line_of("slug")
        if not _SLUG.match(slug):
            self.error(front.line_of("slug"), f"slug '{slug}' must be lowercase letters, digits and single hyphens")
        elif slug in _RESERVED_SLUGS:
            self.error(front.line_of("slug"), f"slug '{slug}' is reserved for a platform page under /demos/")
        self._domain(front)
        modality = front["modality"]
        if modality not in validation.MODALITIES:
            self.error(
                front.line_of("modality"),
                f"unknown modality '{modality}' (expected one of {', '.join(validation.MODALITIES)})",
            )
        lesson_ref = self._lesson(front)
        learner_writes = self._learner_writes(front, modality)
        placeholders = self._placeholders(front)
        cases, assets = self._cases(front, modality, placeholders)
        visible: list = next((case["inputs"] for case in cases if case["visible"]), [])
        model = self._model(front)
        tools = self._tools(front, modality, learner_writes)
        self._case_tool_results(front, cases, tools, learner_writes)
        self._server_tools(front, modality)
        self._checks(front, "checks", scope="output")
        self._checks(front, "prompt_checks", scope="prompt")
        rubric = self._rubric(front)
        self._threshold(front)
        limits = self._limits(front)
        min_cases = self._min_cases(front, cases)
        kinds = {
            name: "image"
            if any(i["placeholder"] == name and i["as"] == "image" for c in cases for i in c["inputs"])
            else "text"
            for name in placeholders
        }
        reference = self._reference(learner_writes, front, tools, cases, kinds)
        brief_html = self._brief(body, body_line, slug, {item["file"] for item in visible if item["as"] == "image"})
        if len(self.report.errors) > self.errors_before:
            return None
        calibration = self._calibration(rubric, cases, learner_writes, reference)
        if len(self.report.errors) > self.errors_before:
            return None
        spec = _plain(dict(front))
        spec.update(
            model=model,
            limits=limits,
            rubric=rubric,
            learner_writes=learner_writes,
            tools=tools,
            tool_results=_plain(front.get("tool_results") or {}),
            server_tools=_plain(front.get("server_tools") or []),
            checks=_plain(front.get("checks") or []),
            prompt_checks=_plain(front.get("prompt_checks") or []),
            placeholders=placeholders,
            placeholder_kinds=kinds,
            cases=cases,
            min_cases_passed=min_cases,
            # The brief's Markdown, given to the judge as trusted context.
            brief=body.strip(),
        )
        inputs = [item for case in cases for item in case["inputs"]]
        return DemoTaskSource(
            slug=slug,
            title=front["title"],
            domain=front["domain"],
            modality=modality,
            lesson_ref=lesson_ref,
            version=self._version(inputs),
            spec=spec,
            brief_html=brief_html,
            inputs=tuple(visible),
            assets=tuple(assets),
            reference=reference,
            source_path=str(self.task_path.relative_to(self.source.directory.parent)),
            calibration=tuple(calibration),
        )

    def _calibration(self, rubric: list[dict], cases: list[dict], learner_writes: list[str], reference: dict) -> list:
        path = self.folder / "calibration.yaml"
        if not path.is_file():
            self.report.warn(path, None, "no calibration set: the judge is not calibrated on this task")
            return []
        return calibration_parse(
            path,
            self.report,
            rubric_ids=[criterion["id"] for criterion in rubric],
            cases=cases,
            learner_writes=learner_writes,
            reference=reference,
        )

    def _domain(self, front: LineDict) -> None:
        domains = self.source.spec.get("domains")
        if not isinstance(domains, dict) or front["domain"] not in domains:
            known = ", ".join(domains) if isinstance(domains, dict) else "none declared in course.yaml"
            self.error(front.line_of("domain"), f"unknown domain '{front['domain']}' (known: {known})")

    def _lesson(self, front: LineDict) -> str:
        reference = front.get("lesson")
        if reference is None:
            return ""
        lessons = self.parsed.get("lessons")
        anchors = lessons.anchors() if lessons is not None else {}
        path, _, anchor = str(reference).partition("#")
        if path not in anchors:
            self.error(front.line_of("lesson"), f"lesson '{path}' does not exist (expected module-slug/lesson-slug)")
        elif anchor and anchor not in anchors[path]:
            self.error(front.line_of("lesson"), f"lesson '{path}' has no heading '#{anchor}'")
        return str(reference)

    def _learner_writes(self, front: LineDict, modality: str) -> list[str]:
        items = front["learner_writes"]
        if not all(isinstance(item, str) for item in items):
            self.error(front.line_of("learner_writes"), "learner_writes is a list of names such as [user_prompt]")
            return []
        for item in items:
            if item not in validation.LEARNER_WRITES:
                self.error(
                    front.line_of("learner_writes"),
                    f"unknown learner_writes item '{item}' (expected any of {', '.join(validation.LEARNER_WRITES)})",
                )
        if not {"system_prompt", "user_prompt"} & set(items):
            self.error(front.line_of("learner_writes"), "learner_writes must include system_prompt or user_prompt")
        if "json_schema" in items and modality != "structured_output":
            self.error(front.line_of("learner_writes"), "json_schema is only written in structured_output tasks")
        if "tools" in items and modality != "function_calling":
            self.error(front.line_of("learner_writes"), "tools are only written in function_calling tasks")
        if len(set(items)) != len(items):
            self.error(front.line_of("learner_writes"), "learner_writes lists an item twice")
        return [item for item in validation.LEARNER_WRITES if item in items]

    def _placeholders(self, front: LineDict) -> dict[str, str]:
        raw = front.get("placeholders") or {}
        if not isinstance(raw, dict) or not raw:
            self.error(
                front.line_of("placeholders"),
                "'placeholders' must map each name the learner's template uses ({{name}}) to what it holds",
            )
            return {}
        for name, description in raw.items():
            if not _PLACEHOLDER_NAME.match(str(name)):
                self.error(_line_of(raw, name), f"placeholder '{name}' must be lowercase letters, digits and '_'")
            if not isinstance(description, str) or not description.strip():
                self.error(_line_of(raw, name), f"placeholder '{name}' needs a description of what it holds")
        return {str(name): str(description) for name, description in raw.items()}

    def _input_file(self, name: str, line: int | None, modality: str) -> tuple[dict, DemoAssetSource | None] | None:
        """A case's input file: its entry (with text for text files) and, for an image, its asset."""
        path = self.folder / name
        if "/" in name or "\\" in name or name.startswith(".") or name in _NOT_INPUTS:
            self.error(line, f"input '{name}' must be a plain file name in this folder")
            return None
        if not path.is_file():
            self.error(line, f"input file '{name}' not found in {self.folder.name}/")
            return None
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        suffix = path.suffix.lower()
        kind = "image" if suffix in validation.IMAGE_MIME else "csv" if suffix == ".csv" else "document"
        entry: dict[str, Any] = {"file": name, "as": kind, "size": len(data), "sha256": digest}
        if kind == "image":
            if modality != "vision":
                self.error(line, f"input '{name}': images are only sent in vision tasks")
                return None
            mime = validation.image_mime(name, data)
            if mime is None:
                self.error(line, f"input '{name}': an image must be a JPEG (.jpg/.jpeg) or PNG (.png) file")
                return None
            if len(data) > catalog.IMAGE_MAX_BYTES:
                self.error(line, f"input '{name}' is {len(data) / 1048576:.1f} MiB; images may be at most 20 MiB")
                return None
            entry["mime"] = mime
            return entry, DemoAssetSource(sha256=digest, mime=mime, data=data)
        try:
            entry["text"] = data.decode("utf-8").strip()
        except UnicodeDecodeError:
            self.error(line, f"input '{name}' is not UTF-8 text")
            return None
        entry["mime"] = "text/csv" if kind == "csv" else "text/plain"
        if len(data) > _TEXT_INPUT_WARN_BYTES:
            self.report.warn(self.task_path, line, f"input '{name}' is large for a prompt ({len(data)} bytes)")
        return entry, None

    def _case_inputs(self, case: dict, line: int | None, modality: str, placeholders: dict) -> tuple[list, list]:
        raw = case.get("inputs") or {}
        inputs: list = []
        assets: list = []
        if not isinstance(raw, dict):
            self.error(line, "a case's 'inputs' maps each placeholder to a file name or {text: ...}")
            return inputs, assets
        for name in placeholders:
            if name not in raw:
                self.error(line, f"case '{case.get('id')}' gives no input for placeholder '{name}'")
        for name, value in raw.items():
            where = _line_of(raw, name) or line
            if name not in placeholders:
                self.error(where, f"case input '{name}' is not one of the task's placeholders")
            elif isinstance(value, dict) and set(value) == {"text"} and isinstance(value["text"], str):
                text = value["text"].strip()
                inputs.append({"placeholder": name, "file": "", "as": "document", "mime": "text/plain", "text": text})
            elif isinstance(value, str):
                loaded = self._input_file(value, where, modality)
                if loaded is not None:
                    entry, asset = loaded
                    inputs.append({"placeholder": name, **entry})
                    assets += [asset] if asset else []
            else:
                self.error(where, f"input '{name}' must be a file name in this folder or {{text: ...}}")
        return inputs, assets

    def _cases(self, front: LineDict, modality: str, placeholders: dict) -> tuple[list[dict], list[DemoAssetSource]]:
        from assessments.grading.checks import check_spec_errors

        raw = front.get("cases")
        if not isinstance(raw, list) or not raw:
            self.error(
                front.line_of("cases"),
                f"'cases' is required: one visible example and at least {_MIN_HIDDEN_CASES} hidden cases",
            )
            return [], []
        cases, assets, ids = [], [], set()
        for item in raw:
            line = _line(item) or front.line_of("cases")
            if not isinstance(item, dict):
                self.error(line, "each case is a mapping {id, visible, inputs, checks, expected_values}")
                continue
            for key in set(item) - _CASE_KEYS:
                self.error(_line_of(item, key), f"unknown case field '{key}'")
            cid = item.get("id")
            if not isinstance(cid, str) or not _CASE_ID.match(cid) or len(cid) > _CASE_ID_MAX:
                self.error(line, f"case id must be lowercase letters, digits and hyphens, at most {_CASE_ID_MAX}")
                continue
            if cid in ids:
                self.error(line, f"duplicate case id '{cid}'")
            ids.add(cid)
            inputs, case_assets = self._case_inputs(item, line, modality, placeholders)
            assets += case_assets
            checks = item.get("checks") or []
            if not isinstance(checks, list):
                self.error(_line_of(item, "checks"), f"case '{cid}': 'checks' must be a list")
                checks = []
            for index, check in enumerate(checks, start=1):
                for message in check_spec_errors(_plain(check), scope="output"):
                    self.error(
                        _line(check) or line, f"case '{cid}' check {index} ({check.get('kind', '?')}): {message}"
                    )
            expected = item.get("expected_values") or []
            if not isinstance(expected, list) or not all(isinstance(v, str) and v.strip() for v in expected):
                self.error(_line_of(item, "expected_values"), f"case '{cid}': expected_values is a list of texts")
                expected = []
            results = item.get("tool_results") or {}
            if not isinstance(results, dict):
                self.error(
                    _line_of(item, "tool_results"), f"case '{cid}': 'tool_results' maps a tool name to its result"
                )
                results = {}
            cases.append(
                {
                    "id": cid,
                    "visible": item.get("visible") is True,
                    "inputs": inputs,
                    "checks": _plain(checks),
                    "expected_values": list(expected),
                    "tool_results": _plain(results),
                }
            )
        visible = [case["id"] for case in cases if case["visible"]]
        if len(visible) != 1:
            self.error(front.line_of("cases"), f"exactly one case must be visible: true (found {len(visible)})")
        hidden = len(cases) - len(visible)
        if hidden < _MIN_HIDDEN_CASES:
            self.error(
                front.line_of("cases"),
                f"the task has {hidden} hidden case(s); at least {_MIN_HIDDEN_CASES} are needed so that a prompt "
                "that hard-codes the example's answer fails",
            )
        used = {item["file"] for case in cases for item in case["inputs"] if item["file"]} | _NOT_INPUTS
        for path in sorted(self.folder.iterdir()):
            if path.is_file() and not path.name.startswith(".") and path.name not in used:
                self.report.warn(path, None, "file is not an input of any case and is never sent")
        return cases, assets

    def _min_cases(self, front: LineDict, cases: list[dict]) -> int:
        value = front.get("min_cases_passed", len(cases))
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= max(len(cases), 1):
            self.error(front.line_of("min_cases_passed"), "min_cases_passed must be a whole number from 1 to the cases")
            return len(cases)
        return value

    def _model(self, front: LineDict) -> dict:
        model = front["model"]
        for key in model:
            if key not in _MODEL_KEYS:
                self.error(model.line_of(key), f"unknown model setting '{key}'")
        if not isinstance(model.get("name"), str) or not model.get("name"):
            self.error(model.line, "model.name is required")
        temperature = model.get("temperature", 0)
        if not _is_number(temperature) or not 0 <= temperature <= 2:
            self.error(model.line_of("temperature"), "model.temperature must be a number from 0 to 2")
        tokens = model.get("max_output_tokens", 1024)
        if not isinstance(tokens, int) or isinstance(tokens, bool) or tokens < 1:
            self.error(model.line_of("max_output_tokens"), "model.max_output_tokens must be a positive whole number")
        effort = model.get("reasoning_effort")
        if effort is not None and effort not in validation.REASONING_EFFORTS:
            self.error(
                model.line_of("reasoning_effort"),
                f"model.reasoning_effort must be one of {', '.join(validation.REASONING_EFFORTS)}",
            )
        return {
            "name": model.get("name"),
            "temperature": temperature,
            "max_output_tokens": tokens,
            "reasoning_effort": effort,
        }

    def _tools(self, front: LineDict, modality: str, learner_writes: list[str]) -> list:
        tools = front.get("tools") or []
        if tools:
            if modality != "function_calling":
                self.error(front.line_of("tools"), "function tools are only provided in function_calling tasks")
            for message in validation.tools_errors(_plain(tools)):
                self.error(front.line_of("tools"), message)
        elif modality == "function_calling" and "tools" not in learner_writes:
            self.error(
                front.line_of("modality"), "a function_calling task needs task 'tools' or 'tools' in learner_writes"
            )
        results = front.get("tool_results") or {}
        if not isinstance(results, dict):
            self.error(front.line_of("tool_results"), "'tool_results' must map a tool name to its result")
        elif tools and "tools" not in learner_writes and not validation.tools_errors(_plain(tools)):
            # When the learner writes the tools, the names are theirs to choose and cannot be checked here.
            names = set(validation.tool_names(_plain(tools)))
            for name in results:
                if name not in names:
                    self.error(_line_of(results, name), f"tool_results names '{name}', which is not a task tool")
        return _plain(tools)

    def _case_tool_results(self, front: LineDict, cases: list[dict], tools: list, learner_writes: list[str]) -> None:
        # When the learner writes the tools, the names are theirs to choose and cannot be checked here.
        if not tools or "tools" in learner_writes or validation.tools_errors(tools):
            return
        names = set(validation.tool_names(tools))
        for case in cases:
            for name in case["tool_results"]:
                if name not in names:
                    self.error(
                        front.line_of("cases"), f"case '{case['id']}': tool_results names '{name}', not a task tool"
                    )

    def _server_tools(self, front: LineDict, modality: str) -> None:
        tools = front.get("server_tools") or []
        if not isinstance(tools, list):
            self.error(front.line_of("server_tools"), "'server_tools' must be a list such as [{type: web_search}]")
            return
        for tool in tools:
            if not isinstance(tool, dict) or tool.get("type") not in validation.SERVER_TOOLS:
                self.error(
                    _line(tool) or front.line_of("server_tools"),
                    f"server tool type must be one of {', '.join(validation.SERVER_TOOLS)}",
                )
        if modality == "search" and not tools:
            self.error(front.line_of("modality"), "a search task needs server_tools (web_search or x_search)")
        if tools and modality != "search":
            self.error(front.line_of("server_tools"), "server_tools are only used in search tasks")

    def _checks(self, front: LineDict, key: str, *, scope: str) -> None:
        from assessments.grading.checks import check_spec_errors

        checks = front.get(key) or []
        if not isinstance(checks, list):
            self.error(front.line_of(key), f"'{key}' must be a list")
            return
        for index, check in enumerate(checks, start=1):
            line = _line(check) or front.line_of(key)
            if not isinstance(check, dict):
                self.error(line, f"{key} {index} must be a mapping such as {{kind: is_json}}")
                continue
            for message in check_spec_errors(_plain(check), scope=scope):
                self.error(line, f"{key} {index} ({check.get('kind', '?')}): {message}")

    def _rubric(self, front: LineDict) -> list[dict]:
        rubric, ids = [], set()
        if not front["rubric"]:
            self.error(front.line_of("rubric"), "the rubric needs at least one criterion")
        for criterion in front["rubric"]:
            line = _line(criterion) or front.line_of("rubric")
            if not isinstance(criterion, dict):
                self.error(line, "each rubric criterion is {id, weight, description}")
                continue
            for key in set(criterion) - _RUBRIC_KEYS:
                self.error(_line_of(criterion, key), f"unknown rubric field '{key}'")
            cid, weight, description = criterion.get("id"), criterion.get("weight", 1), criterion.get("description")
            if not isinstance(cid, str) or not re.match(r"^[a-z0-9_-]+$", cid):
                self.error(line, "rubric 'id' must be lowercase letters, digits, '_' or '-'")
            elif cid in ids:
                self.error(line, f"duplicate rubric id '{cid}'")
            ids.add(cid)
            if not _is_number(weight) or weight <= 0:
                self.error(_line_of(criterion, "weight"), "rubric 'weight' must be a positive number")
            if not isinstance(description, str) or not description.strip():
                self.error(line, "rubric 'description' is required")
            about = criterion.get("about", "output")
            if about not in CRITERION_KINDS:
                self.error(_line_of(criterion, "about"), f"rubric 'about' must be one of {', '.join(CRITERION_KINDS)}")
            rubric.append({"id": cid, "weight": weight, "description": description, "about": about})
        return rubric

    def _threshold(self, front: LineDict) -> None:
        value = front.get("pass_threshold")
        if not (isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1):
            self.error(front.line_of("pass_threshold"), "pass_threshold must be a number from 0 to 1")

    def _limits(self, front: LineDict) -> dict:
        raw = front.get("limits") or {}
        if not isinstance(raw, dict):
            self.error(front.line_of("limits"), "'limits' must be {prompt_max_chars, runs_per_hour, budget_usd}")
            return dict(_LIMIT_DEFAULTS)
        limits = dict(_LIMIT_DEFAULTS)
        for key, value in raw.items():
            if key not in _LIMIT_DEFAULTS:
                self.error(_line_of(raw, key), f"unknown limit '{key}'")
            elif key == "budget_usd":
                if not _is_number(value) or value <= 0:
                    self.error(_line_of(raw, key), "limits.budget_usd must be a positive number of US dollars")
                else:
                    limits[key] = value
            elif not isinstance(value, int) or isinstance(value, bool) or value < 1:
                self.error(_line_of(raw, key), f"limits.{key} must be a positive whole number")
            else:
                limits[key] = value
        return limits

    def _reference(self, learner_writes: list[str], front: LineDict, tools: list, cases: list, kinds: dict) -> dict:
        """The reference solution, which must pass the prompt checks, and its output on
        every case (`outputs`), which must pass every check of that case."""
        path = self.reference_path
        if not path.is_file():
            self.error(None, "reference.yaml is missing (the reference solution)", path)
            return {}
        data = load_yaml_file(path, self.report)
        if data is None:
            return {}
        fields: dict[str, str] = {}
        for item in learner_writes:
            value = data.get(item)
            if item in {"system_prompt", "user_prompt"}:
                if not isinstance(value, str) or not value.strip():
                    self.error(
                        data.line_of(item), f"the reference needs '{item}' (the task's learner_writes has it)", path
                    )
                else:
                    fields[item] = value.strip()
            elif item == "json_schema":
                for message in validation.json_schema_errors(_plain(value)):
                    self.error(data.line_of(item), f"json_schema: {message}", path)
                fields[item] = json.dumps(_plain(value), indent=2)
            elif item == "tools":
                for message in validation.tools_errors(_plain(value)):
                    self.error(data.line_of(item), message, path)
                fields[item] = json.dumps(_plain(value), indent=2)
        if len(self.report.errors) > self.errors_before:
            return _plain(data)
        self._reference_passes(data, front, cases, kinds, fields)
        return _plain(data)

    def _reference_passes(self, data: LineDict, front: LineDict, cases: list, kinds: dict, fields: dict) -> None:
        from assessments.grading.checks import LearnerPrompt, checks_run, prompt_checks_run

        path = self.reference_path
        prompt = LearnerPrompt(
            fields=fields,
            placeholders=kinds,
            expected_values=tuple(value for case in cases for value in case["expected_values"]),
        )
        for result in prompt_checks_run(_plain(front.get("prompt_checks") or []), prompt):
            if result.required and not result.passed:
                self.error(
                    None, f"the reference solution fails the prompt check '{result.label}': {result.detail}", path
                )
        outputs = data.get("outputs")
        if not isinstance(outputs, dict):
            self.error(data.line_of("outputs"), "'outputs' must give the reference's output on every case", path)
            return
        for case in cases:
            output = outputs.get(case["id"])
            if not isinstance(output, dict):
                self.error(data.line_of("outputs"), f"'outputs' has no output for case '{case['id']}'", path)
                continue
            transcript = reference_transcript(_plain(output))
            for result in checks_run([*_plain(front.get("checks") or []), *case["checks"]], transcript):
                if result.required and not result.passed:
                    self.error(
                        _line_of(outputs, case["id"]),
                        f"the reference output for case '{case['id']}' fails check '{result.label}': {result.detail}",
                        path,
                    )

    def _brief(self, body: str, body_line: int, slug: str, images: set[str]) -> str:
        html = render_markdown(body).html

        def replace(match: re.Match) -> str:
            name = match.group(2)
            if name not in images:
                line = next((body_line + i for i, text in enumerate(body.splitlines()) if name in text), None)
                self.error(line, f"the brief shows '{name}', which is not an image input of this task")
                return match.group(0)
            return f"{match.group(1)}{reverse('demos:input', args=[slug, name])}{match.group(3)}"

        return _IMG_SRC.sub(replace, html)

    def _version(self, inputs: list[dict]) -> str:
        digest = hashlib.sha256()
        for path in [self.task_path, self.reference_path]:
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        for item in inputs:
            if item["file"]:
                digest.update(f"{item['file']}\0{item['as']}\0{item['sha256']}\0".encode())
        return digest.hexdigest()


class DemoSection:
    name = "demos"

    def parse(self, source: CourseSource, report: ContentReport, parsed: dict) -> list[DemoTaskSource]:
        from assessments.models import DemoTask

        root = source.directory / "demos"
        if not root.is_dir():
            return []
        tasks: list[DemoTaskSource] = []
        slugs: dict[str, Path] = {}
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            if not (folder / "task.md").is_file():
                report.error(folder, None, "a demo folder needs a task.md")
                continue
            parser = _TaskParser(folder, source, report, parsed)
            task = parser.parse()
            if task is None:
                continue
            front_line = parser.slug_line
            if task.slug in slugs:
                report.error(
                    folder / "task.md", front_line, f"duplicate demo slug '{task.slug}' (also in {slugs[task.slug]})"
                )
                continue
            other = (
                DemoTask.objects.filter(slug=task.slug)
                .exclude(course__slug=source.slug)
                .select_related("course")
                .first()
            )
            if other is not None:
                report.error(
                    folder / "task.md",
                    front_line,
                    f"demo slug '{task.slug}' is already used by course '{other.course.slug}'; "
                    "demo slugs are unique across the platform",
                )
                continue
            slugs[task.slug] = folder / "task.md"
            tasks.append(task)
        return tasks

    def apply(self, value: list[DemoTaskSource], course: CourseRef, changes: ChangeLog) -> None:
        from assessments.models import DemoAsset, DemoTask

        from .calibration.services import calibration_examples_sync

        existing = {task.slug: task for task in DemoTask.objects.filter(course_id=course.id)}
        for source in value:
            for asset in source.assets:
                DemoAsset.objects.get_or_create(
                    sha256=asset.sha256, defaults={"mime": asset.mime, "data": asset.data, "size": len(asset.data)}
                )
            record_upsert(
                DemoTask,
                existing.get(source.slug),
                identity={"course_id": course.id, "slug": source.slug},
                fields={
                    "title": source.title,
                    "domain": source.domain,
                    "modality": source.modality,
                    "lesson_ref": source.lesson_ref,
                    "version": source.version,
                    "spec": source.spec,
                    "brief_html": source.brief_html,
                    "inputs": list(source.inputs),
                    "reference": source.reference,
                    "source_path": source.source_path,
                    "is_published": True,
                },
                changes=changes,
                kind="demo",
                label=source.slug,
            )
            calibration_examples_sync(slug=source.slug, course_id=course.id, examples=source.calibration)
        records_unpublish_missing(existing, present={source.slug for source in value}, changes=changes, kind="demo")
