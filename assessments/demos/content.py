"""The `demos/` section of a course: `demos/<slug>/task.md`, `reference.yaml` and input files.

Parsing validates everything and reports each problem as `path:line: message`; applying
upserts tasks by slug and unpublishes tasks that left the tree (submissions keep them).
"""

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.urls import reverse

from assessments.modelapi import catalog
from courses.api import (
    ChangeLog,
    ContentReport,
    CourseRef,
    CourseSource,
    LineDict,
    LineList,
    load_yaml_file,
    record_upsert,
    records_unpublish_missing,
    render_markdown,
    require_fields,
    split_front_matter,
)

from . import validation

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
    "inputs",
    "model",
    "tools",
    "tool_results",
    "server_tools",
    "checks",
    "rubric",
    "pass_threshold",
    "limits",
}
_MODEL_KEYS = {"name", "temperature", "max_output_tokens", "reasoning_effort"}
_LIMIT_DEFAULTS = {"prompt_max_chars": 4000, "runs_per_hour": 10}
_RUBRIC_KEYS = {"id", "weight", "description"}
# Text inputs are pasted into the prompt; beyond this they crowd out the learner's words.
_TEXT_INPUT_WARN_BYTES = 256 * 1024


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


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _line(data: Any, key: str | None = None) -> int | None:
    if isinstance(data, LineDict):
        return data.line_of(key) if key else data.line
    return getattr(data, "line", None)


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
        inputs, assets, texts = self._inputs(front, modality)
        if "user_prompt" not in learner_writes and learner_writes and not inputs:
            self.error(
                front.line_of("learner_writes"),
                "the learner writes no user prompt and the task has no inputs: the model would get no request",
            )
        model = self._model(front)
        tools = self._tools(front, modality, learner_writes)
        self._server_tools(front, modality)
        self._checks(front)
        rubric = self._rubric(front)
        self._threshold(front)
        limits = self._limits(front)
        reference = self._reference(learner_writes, modality, texts, tools)
        brief_html = self._brief(body, body_line, slug, {item["file"] for item in inputs if item["as"] == "image"})
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
            inputs=[{"file": item["file"], "as": item["as"]} for item in inputs],
            # The brief's Markdown, given to the judge as trusted context.
            brief=body.strip(),
        )
        return DemoTaskSource(
            slug=slug,
            title=front["title"],
            domain=front["domain"],
            modality=modality,
            lesson_ref=lesson_ref,
            version=self._version(inputs),
            spec=spec,
            brief_html=brief_html,
            inputs=tuple(inputs),
            assets=tuple(assets),
            reference=reference,
            source_path=str(self.task_path.relative_to(self.source.directory.parent)),
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

    def _inputs(self, front: LineDict, modality: str) -> tuple[list[dict], list[DemoAssetSource], list[str]]:
        raw = front.get("inputs") or []
        inputs, assets, texts = [], [], []
        if not isinstance(raw, list):
            self.error(front.line_of("inputs"), "'inputs' must be a list of {file, as}")
            return inputs, assets, texts
        seen = set()
        for item in raw:
            line = _line(item) or front.line_of("inputs")
            if not isinstance(item, dict) or set(item) - {"file", "as"} or "file" not in item or "as" not in item:
                self.error(line, "each input must be {file: <name>, as: document | csv | image}")
                continue
            name, kind = str(item["file"]), item["as"]
            if kind not in validation.INPUT_KINDS:
                self.error(line, f"input '{name}': unknown kind '{kind}' (expected document, csv or image)")
                continue
            path = self.folder / name
            if "/" in name or "\\" in name or name.startswith(".") or name in {"task.md", "reference.yaml"}:
                self.error(line, f"input '{name}' must be a plain file name in this folder")
                continue
            if not path.is_file():
                self.error(line, f"input file '{name}' not found in {self.folder.name}/")
                continue
            if name in seen:
                self.error(line, f"input '{name}' is listed twice")
                continue
            seen.add(name)
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            entry = {"file": name, "as": kind, "size": len(data), "sha256": digest}
            if kind == "image":
                if modality != "vision":
                    self.error(line, f"input '{name}': images are only sent in vision tasks")
                    continue
                mime = validation.image_mime(name, data)
                if mime is None:
                    self.error(line, f"input '{name}': an image must be a JPEG (.jpg/.jpeg) or PNG (.png) file")
                    continue
                if len(data) > catalog.IMAGE_MAX_BYTES:
                    self.error(line, f"input '{name}' is {len(data) / 1048576:.1f} MiB; images may be at most 20 MiB")
                    continue
                entry["mime"] = mime
                assets.append(DemoAssetSource(sha256=digest, mime=mime, data=data))
            else:
                try:
                    entry["text"] = data.decode("utf-8")
                except UnicodeDecodeError:
                    self.error(line, f"input '{name}' is not UTF-8 text")
                    continue
                entry["mime"] = "text/csv" if kind == "csv" else "text/plain"
                texts.append(entry["text"])
                if len(data) > _TEXT_INPUT_WARN_BYTES:
                    self.report.warn(self.task_path, line, f"input '{name}' is large for a prompt ({len(data)} bytes)")
            inputs.append(entry)
        if modality == "vision" and not any(item["as"] == "image" for item in inputs):
            self.error(front.line_of("inputs"), "a vision task needs at least one image input")
        listed = {item["file"] for item in inputs} | {"task.md", "reference.yaml"}
        for path in sorted(self.folder.iterdir()):
            if path.is_file() and not path.name.startswith(".") and path.name not in listed:
                self.report.warn(path, None, "file is not listed in the task's inputs and is never sent")
        return inputs, assets, texts

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
                    self.error(results.line_of(name), f"tool_results names '{name}', which is not a task tool")
        return _plain(tools)

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

    def _checks(self, front: LineDict) -> None:
        from assessments.grading.checks import check_spec_errors

        checks = front.get("checks") or []
        if not isinstance(checks, list):
            self.error(front.line_of("checks"), "'checks' must be a list")
            return
        for index, check in enumerate(checks, start=1):
            line = _line(check) or front.line_of("checks")
            if not isinstance(check, dict):
                self.error(line, f"check {index} must be a mapping such as {{kind: is_json}}")
                continue
            for message in check_spec_errors(_plain(check)):
                self.error(line, f"check {index} ({check.get('kind', '?')}): {message}")

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
                self.error(criterion.line_of(key), f"unknown rubric field '{key}'")
            cid, weight, description = criterion.get("id"), criterion.get("weight", 1), criterion.get("description")
            if not isinstance(cid, str) or not re.match(r"^[a-z0-9_-]+$", cid):
                self.error(line, "rubric 'id' must be lowercase letters, digits, '_' or '-'")
            elif cid in ids:
                self.error(line, f"duplicate rubric id '{cid}'")
            ids.add(cid)
            if not _is_number(weight) or weight <= 0:
                self.error(criterion.line_of("weight"), "rubric 'weight' must be a positive number")
            if not isinstance(description, str) or not description.strip():
                self.error(line, "rubric 'description' is required")
            rubric.append({"id": cid, "weight": weight, "description": description})
        return rubric

    def _threshold(self, front: LineDict) -> None:
        value = front.get("pass_threshold")
        if not _is_number(value) or not 0 <= value <= 1:
            self.error(front.line_of("pass_threshold"), "pass_threshold must be a number from 0 to 1")

    def _limits(self, front: LineDict) -> dict:
        raw = front.get("limits") or {}
        if not isinstance(raw, dict):
            self.error(front.line_of("limits"), "'limits' must be {prompt_max_chars, runs_per_hour}")
            return dict(_LIMIT_DEFAULTS)
        limits = dict(_LIMIT_DEFAULTS)
        for key, value in raw.items():
            if key not in _LIMIT_DEFAULTS:
                self.error(raw.line_of(key), f"unknown limit '{key}'")
            elif not isinstance(value, int) or isinstance(value, bool) or value < 1:
                self.error(raw.line_of(key), f"limits.{key} must be a positive whole number")
            else:
                limits[key] = value
        return limits

    def _reference(self, learner_writes: list[str], modality: str, texts: list[str], tools: list) -> dict:
        path = self.reference_path
        if not path.is_file():
            self.error(None, "reference.yaml is missing (the reference solution)", path)
            return {}
        data = load_yaml_file(path, self.report)
        if data is None:
            return {}
        for item in learner_writes:
            value = data.get(item)
            if item in {"system_prompt", "user_prompt"} and (not isinstance(value, str) or not value.strip()):
                self.error(data.line_of(item), f"the reference needs '{item}' (the task's learner_writes has it)", path)
            elif item == "json_schema":
                for message in validation.json_schema_errors(_plain(value)):
                    self.error(data.line_of(item), f"json_schema: {message}", path)
            elif item == "tools":
                for message in validation.tools_errors(_plain(value)):
                    self.error(data.line_of(item), message, path)
        match = data.get("simulator_match")
        if not isinstance(match, str) or not match.strip():
            self.error(
                data.line_of("simulator_match"), "'simulator_match' is required (text the simulator keys on)", path
            )
        else:
            sent = "\n".join(texts + [json.dumps(tools)] + [p.name for p in self.folder.iterdir()])
            if match not in sent:
                self.report.warn(
                    path,
                    data.line_of("simulator_match"),
                    "simulator_match is not in the task's inputs, so the simulator replays the "
                    "reference only when the learner's own prompt contains it",
                )
        responses = data.get("recorded_responses")
        needed = 2 if modality == "function_calling" else 1
        if (
            not isinstance(responses, LineList)
            or len(responses) < needed
            or not all(isinstance(item, dict) for item in responses)
        ):
            self.error(
                data.line_of("recorded_responses"),
                f"'recorded_responses' must list at least {needed} raw API response(s)",
                path,
            )
        return _plain(data)

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
        for item in sorted(inputs, key=lambda entry: entry["file"]):
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
            other = DemoTask.objects.filter(slug=task.slug).exclude(course__slug=source.slug).select_related("course")
            if other.exists():
                report.error(
                    folder / "task.md",
                    front_line,
                    f"demo slug '{task.slug}' is already used by course '{other.first().course.slug}'; "
                    "demo slugs are unique across the platform",
                )
                continue
            slugs[task.slug] = folder / "task.md"
            tasks.append(task)
        return tasks

    def apply(self, value: list[DemoTaskSource], course: CourseRef, changes: ChangeLog) -> None:
        from assessments.models import DemoAsset, DemoTask

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
        records_unpublish_missing(existing, present={source.slug for source in value}, changes=changes, kind="demo")
