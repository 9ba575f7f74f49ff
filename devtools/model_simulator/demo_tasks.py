"""The simulated model's behaviour on the course's demo tasks.

For each `demos/<slug>/` folder the simulator reads the task's cases (`task.md`), what a
model answers to a prompt that does the job (`reference.yaml` `outputs`, per case) and
what such a prompt must show (`simulator.yaml` `needs`). A request is matched to a case
when every input of that case (text, or image bytes) is in it; the simulated model then
gives the case's reference output when every need holds, and a plausible failing reply
otherwise (the case's `failing` reply, or a generated answer). A prompt that dictates a
case's whole answer gets that answer, on every case. Grading never reads these
declarations: they only make the simulator behave like a model that follows prompts.

Needs, checked on the learner's part of the request (the request's text with the case's
inputs taken out):
    {prompt_matches: REGEX}          the prompt text matches (case-insensitive)
    {system_matches: REGEX}          the system prompt (instructions) matches
    {schema_requires: [field, ...]}  the requested JSON Schema requires these fields

The judge (a request whose `response_format` is the `judge_verdict` schema) and the
grader-address classifier (`grader_address_check`) are answered here too:
- "honest": output criteria pass only when the judged output is the case's reference
  output, prompt criteria only when the learner's prompt meets every need; the
  classifier flags text that speaks to a grader. A judge request for a task it does not
  know gets a verdict built from the schema (every criterion passes).
- "fooled": every criterion passes and the classifier never flags anything, as a judge
  talked into it would answer. The grading-integrity benchmark runs in this mode.
A judge request to one of LENIENT_JUDGE_MODELS is answered "fooled" whatever the mode: the
simulator plays a small model as a judge too gullible to grade, the deliberately worse
judge configuration the calibration gate must refuse.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .conversation import model_turns, request_text

JUDGE_MODES = ("honest", "fooled")
LENIENT_JUDGE_MODELS = frozenset({"grok-3-mini"})
JUDGE_SCHEMA_NAME = "judge_verdict"
CLASSIFIER_SCHEMA_NAME = "grader_address_check"
_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}
_BLOCK = re.compile(r"<<<BEGIN (\w+) ([^>]*)>>>\n(.*?)\n<<<END \1 \2>>>", re.DOTALL)
# What the honest classifier takes for text addressed to a grader: a sentence that speaks of
# grading and does not forbid it (a rough approximation of a model's reading).
_TO_GRADER = re.compile(
    r"\b(?:grader|grading|evaluator|judge|assessor|examiner|reviewer|rubric|full\s+marks|score\s+this|"
    r"verdict|pass\s+this\s+submission)\b",
    re.IGNORECASE,
)
_FORBIDS = re.compile(r"\b(?:never|not|don'?t|ignore|refuse|no|without)\b", re.IGNORECASE)
_SENTENCE = re.compile(r"[^.!?\n]+")


def _speaks_to_grader(text: str) -> bool:
    return any(_TO_GRADER.search(sentence) and not _FORBIDS.search(sentence) for sentence in _SENTENCE.findall(text))


@dataclass(frozen=True)
class Case:
    id: str
    texts: tuple[str, ...]  # the case's text inputs, stripped, as substituted into the prompt
    images: tuple[str, ...]  # base64 of each image input, as sent in a data URL
    output: dict  # the reference output: {content} | {steps: [...]} | {content, citations}
    failing: dict | None

    def steps(self) -> list[dict]:
        return list(self.output.get("steps") or [self.output])

    def final_text(self) -> str:
        return str(self.steps()[-1].get("content", ""))


@dataclass(frozen=True)
class DemoBehaviour:
    slug: str
    cases: tuple[Case, ...]
    needs: tuple[dict, ...]
    prompt_criteria: frozenset[str] = field(default_factory=frozenset)

    def case_in(self, text: str, images: str) -> Case | None:
        for case in self.cases:
            if all(piece in text for piece in case.texts) and all(image in images for image in case.images):
                return case
        return None

    def needs_met(self, *, prompt: str, system: str, schema: Any) -> bool:
        for need in self.needs:
            if "prompt_matches" in need and not re.search(need["prompt_matches"], prompt, re.IGNORECASE):
                return False
            if "system_matches" in need and not re.search(need["system_matches"], system, re.IGNORECASE):
                return False
            if "schema_requires" in need:
                required = set(schema.get("required") or ()) if isinstance(schema, dict) else set()
                if not set(need["schema_requires"]) <= required:
                    return False
        return True

    def learner_text(self, case: Case, text: str) -> str:
        for piece in case.texts:
            text = text.replace(piece, " ")
        return text


def _front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    _, front, _ = text.split("---", 2)
    return yaml.safe_load(front) or {}


def _case(folder: Path, spec: dict, reference: dict, simulated: dict) -> Case:
    texts, images = [], []
    for value in (spec.get("inputs") or {}).values():
        if isinstance(value, dict):
            texts.append(str(value.get("text", "")).strip())
        elif Path(value).suffix.lower() in _IMAGE_SUFFIXES:
            images.append(base64.b64encode((folder / value).read_bytes()).decode())
        else:
            texts.append((folder / value).read_text(encoding="utf-8").strip())
    case_id = str(spec["id"])
    return Case(
        id=case_id,
        texts=tuple(texts),
        images=tuple(images),
        output=(reference.get("outputs") or {}).get(case_id) or {},
        failing=(simulated.get("failing") or {}).get(case_id),
    )


def load_demo_behaviours(content_dir: str | Path) -> list[DemoBehaviour]:
    """Every `demos/<slug>/` under `content_dir` that has a `simulator.yaml`."""
    behaviours = []
    for declared in sorted(Path(content_dir).rglob("demos/*/simulator.yaml")):
        folder = declared.parent
        front = _front_matter(folder / "task.md")
        reference = yaml.safe_load((folder / "reference.yaml").read_text(encoding="utf-8")) or {}
        simulated = yaml.safe_load(declared.read_text(encoding="utf-8")) or {}
        behaviours.append(
            DemoBehaviour(
                slug=str(front.get("slug", folder.name)),
                cases=tuple(_case(folder, spec, reference, simulated) for spec in front.get("cases") or ()),
                needs=tuple(simulated.get("needs") or ()),
                prompt_criteria=frozenset(
                    str(item["id"]) for item in front.get("rubric") or () if item.get("about") == "prompt"
                ),
            )
        )
    return behaviours


# --- the model under test ------------------------------------------------------------------------


def _image_data(endpoint: str, body: dict) -> str:
    return json.dumps(body.get("messages") if endpoint == "chat" else body.get("input"))


def _system_text(endpoint: str, body: dict) -> str:
    if endpoint == "responses":
        return str(body.get("instructions") or "")
    return "\n".join(
        str(m.get("content")) for m in body.get("messages") or () if isinstance(m, dict) and m.get("role") == "system"
    )


def _requested_schema(endpoint: str, body: dict) -> Any:
    if endpoint == "chat":
        return ((body.get("response_format") or {}).get("json_schema") or {}).get("schema")
    fmt = (body.get("text") or {}).get("format") or {}
    return fmt.get("schema")


def _as_script(step: dict) -> dict:
    script: dict[str, Any] = {}
    if step.get("tool_calls"):
        script["tool_calls"] = [
            {"name": call["name"], "arguments": call.get("arguments") or {}} for call in step["tool_calls"]
        ]
    else:
        script["content"] = str(step.get("content", ""))
        if step.get("citations"):
            script["citations"] = list(step["citations"])
    return script


def _dictated(behaviour: DemoBehaviour, learner_text: str) -> str | None:
    """A case's whole answer pasted into the prompt: a model asked to say it says it."""
    flat = _normal(learner_text)
    return next(
        (
            case.final_text()
            for case in behaviour.cases
            if len(case.final_text()) >= 20 and _normal(case.final_text()) in flat
        ),
        None,
    )


def task_reply(behaviours: list[DemoBehaviour], endpoint: str, body: dict) -> dict | None:
    """A script item for the model's answer to a demo case, or None for any other request."""
    text = request_text(endpoint, body)
    images = _image_data(endpoint, body)
    for behaviour in behaviours:
        case = behaviour.case_in(text, images)
        if case is None or not case.output:
            continue
        if dictated := _dictated(behaviour, behaviour.learner_text(case, text)):
            return {"content": dictated}
        met = behaviour.needs_met(
            prompt=behaviour.learner_text(case, text),
            system=behaviour.learner_text(case, _system_text(endpoint, body)),
            schema=_requested_schema(endpoint, body),
        )
        if not met:
            return dict(case.failing) if case.failing else None
        steps = case.steps()
        return _as_script(steps[min(model_turns(endpoint, body), len(steps) - 1)])
    return None


# --- the judge and the classifier ------------------------------------------------------------------


def _schema_name(body: dict) -> str:
    return str(((body.get("response_format") or {}).get("json_schema") or {}).get("name", ""))


def _blocks(text: str) -> dict[str, str]:
    return {name.strip(): content for _, name, content in _BLOCK.findall(text)}


def _criterion_ids(body: dict) -> list[str]:
    schema = body["response_format"]["json_schema"]["schema"]
    return list(schema["properties"]["criteria"]["items"]["properties"]["id"]["enum"])


def _verdict(ids: list[str], passed: set[str], why: str) -> str:
    return json.dumps(
        {
            "criteria": [
                {
                    "id": cid,
                    "reasoning": why if cid in passed else "The evidence does not meet this criterion.",
                    "verdict": "pass" if cid in passed else "fail",
                }
                for cid in ids
            ]
        }
    )


def _normal(text: str) -> str:
    return " ".join(text.split())


def grader_reply(behaviours: list[DemoBehaviour], mode: str, body: dict) -> dict | None:
    """A script item answering a judge or classifier request, or None for other requests."""
    name = _schema_name(body)
    if name not in {JUDGE_SCHEMA_NAME, CLASSIFIER_SCHEMA_NAME}:
        return None
    if name == CLASSIFIER_SCHEMA_NAME:
        screened = request_text("chat", {"messages": body["messages"][1:]})  # the data, not the instructions
        flagged = mode == "honest" and _speaks_to_grader(screened)
        evidence = "Some text speaks to whoever grades the work." if flagged else "No text addresses a grader."
        return {"content": json.dumps({"addressed_to_grader": flagged, "evidence": evidence})}
    text = request_text("chat", body)
    blocks = _blocks(text)
    ids = _criterion_ids(body)
    if mode == "fooled" or body.get("model") in LENIENT_JUDGE_MODELS:
        return {"content": _verdict(ids, set(ids), "Full marks.")}
    images = _image_data("chat", body)
    for behaviour in behaviours:
        case = behaviour.case_in(text, images)
        if case is None or not case.output:
            continue
        prompt = "\n".join(content for key, content in blocks.items() if key.startswith("learner"))
        schema_text = blocks.get("learner json schema", "")
        try:
            schema = json.loads(schema_text) if schema_text else None
        except ValueError:
            schema = None
        system = blocks.get("learner system prompt", "")
        prompt_ok = behaviour.needs_met(prompt=prompt, system=system, schema=schema)
        output_ok = _normal(blocks.get("model final answer", "")) == _normal(case.final_text())
        passed = {cid for cid in ids if (prompt_ok if cid in behaviour.prompt_criteria else output_ok)}
        return {"content": _verdict(ids, passed, "The evidence meets this criterion.")}
    return None
