"""What the platform sends to the model for each case of a submission, per modality.

The learner's prompts are templates: `{{name}}` stands for the case's input bound to the
placeholder `name` (its text; for an image placeholder in the user prompt, the image
itself, at that place). Every request is rebuilt from the submission's stored snapshot
(task spec, the learner's fields) and the stored results of earlier steps, so an
execution that resumes after a crash sends exactly what the first one would have sent.

The cases run side by side in rounds: round n asks every case still running for its
step n (`case:<id>:run:<n>`) in one batch, which the caller runs in parallel; a
function-calling case needs one more round for each tool call it makes.
"""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings

from assessments.grading.checks import PLACEHOLDER, RunTranscript
from assessments.grading.judge import CaseEvidence
from assessments.modelapi.client import ModelClient, image_part
from assessments.modelapi.types import ModelResult
from assessments.models import DemoAsset, Submission

# A batch of (step key, call): returns each step's stored result, or performs its call and stores it.
BatchRunner = Callable[[Sequence[tuple[str, Callable[[], ModelResult]]]], list[ModelResult]]


def run_step_key(case_id: str, index: int) -> str:
    return f"case:{case_id}:run:{index}"


def _images(case: dict) -> dict[str, tuple[dict, DemoAsset]]:
    wanted = [item for item in case["inputs"] if item["as"] == "image"]
    assets = {asset.sha256: asset for asset in DemoAsset.objects.filter(sha256__in=[i["sha256"] for i in wanted])}
    return {item["placeholder"]: (item, assets[item["sha256"]]) for item in wanted}


def _fill(template: str, case: dict) -> str:
    """The template with every text placeholder replaced by the case's input."""
    texts = {item["placeholder"]: item["text"] for item in case["inputs"] if item["as"] != "image"}
    return PLACEHOLDER.sub(lambda match: texts.get(match.group(1), match.group(0)), template)


def _user_parts(template: str, case: dict, images: dict[str, tuple[dict, DemoAsset]]) -> list[dict]:
    """The user prompt as content parts: text, with each image placeholder's image where it stands."""
    parts: list[dict] = []
    position = 0
    for match in PLACEHOLDER.finditer(template):
        if match.group(1) not in images:
            continue
        parts.append({"type": "text", "text": _fill(template[position : match.start()], case)})
        _, asset = images[match.group(1)]
        parts.append(image_part(bytes(asset.data), asset.mime))
        position = match.end()
    parts.append({"type": "text", "text": _fill(template[position:], case)})
    return [part for part in parts if part["type"] != "text" or part["text"].strip()]


def _chat_messages(submission: Submission, case: dict) -> list[dict]:
    messages: list[dict] = []
    if submission.system_prompt.strip():
        messages.append({"role": "system", "content": _fill(submission.system_prompt, case)})
    images = _images(case)
    if images:
        messages.append({"role": "user", "content": _user_parts(submission.user_prompt, case, images)})
    elif submission.user_prompt.strip():
        messages.append({"role": "user", "content": _fill(submission.user_prompt, case)})
    return messages


def _model_settings(submission: Submission) -> dict:
    model = submission.task_spec["model"]
    return {
        "model": model["name"],
        "temperature": model.get("temperature"),
        "max_output_tokens": model.get("max_output_tokens"),
        "reasoning_effort": model.get("reasoning_effort"),
    }


def _tool_results(submission: Submission, case: dict) -> dict:
    return {**(submission.task_spec.get("tool_results") or {}), **(case.get("tool_results") or {})}


def tool_result_text(results: dict, name: str) -> str:
    """What the platform feeds back for a call of tool `name`."""
    content = results.get(name, {"error": f"no tool named {name!r} is available in this task"})
    return json.dumps(content)


def _tool_message(results: dict, call) -> dict:
    return {"role": "tool", "tool_call_id": call.id, "content": tool_result_text(results, call.name)}


def offered_tools(submission: Submission) -> list[dict]:
    return list(submission.task_spec.get("tools") or []) + list(submission.tools or [])


@dataclass
class _CaseRun:
    case: dict
    messages: list[dict]
    results: list[ModelResult]
    done: bool = False


def _first_call(submission: Submission, client: ModelClient, case: dict) -> Callable[[], ModelResult]:
    spec = submission.task_spec
    settings_ = _model_settings(submission)
    if spec["modality"] == "search":
        return partial(
            client.respond,
            input=_fill(submission.user_prompt, case) or "Answer.",
            instructions=_fill(submission.system_prompt, case).strip() or None,
            tools=spec.get("server_tools") or None,
            **settings_,
        )
    messages = _chat_messages(submission, case)
    if spec["modality"] == "structured_output":
        if submission.json_schema:
            response_format = {
                "type": "json_schema",
                "json_schema": {"name": "learner_schema", "schema": submission.json_schema, "strict": True},
            }
        else:
            response_format = {"type": "json_object"}
        return partial(client.chat, messages=messages, response_format=response_format, **settings_)
    if spec["modality"] == "function_calling":
        return partial(client.chat, messages=messages, tools=offered_tools(submission), tool_choice="auto", **settings_)
    return partial(client.chat, messages=messages, **settings_)


def run_cases(submission: Submission, client: ModelClient, run_batch: BatchRunner) -> dict[str, list[ModelResult]]:
    """Run the learner's template on every case; returns each case's model results, in order."""
    cases = submission.task_spec["cases"]
    first = run_batch([(run_step_key(case["id"], 0), _first_call(submission, client, case)) for case in cases])
    runs = [
        _CaseRun(case=case, messages=_chat_messages(submission, case), results=[result])
        for case, result in zip(cases, first, strict=True)
    ]
    if submission.task_spec["modality"] == "function_calling":
        tools = offered_tools(submission)
        settings_ = _model_settings(submission)
        for index in range(1, settings.DEMO_MAX_TOOL_STEPS):
            active = [run for run in runs if run.results[-1].tool_calls]
            if not active:
                break
            batch = []
            for run in active:
                results = _tool_results(submission, run.case)
                last = run.results[-1]
                run.messages = (
                    run.messages + [last.assistant_message()] + [_tool_message(results, c) for c in last.tool_calls]
                )
                call = partial(client.chat, messages=list(run.messages), tools=tools, tool_choice="auto", **settings_)
                batch.append((run_step_key(run.case["id"], index), call))
            for run, result in zip(active, run_batch(batch), strict=True):
                run.results.append(result)
    return {run.case["id"]: run.results for run in runs}


def case_evidence(submission: Submission, case: dict, results: list[ModelResult]) -> CaseEvidence:
    """What the judge of one case sees: its inputs, images, tools, the results fed back and the run."""
    transcript = RunTranscript.from_results(results)
    tool_results = _tool_results(submission, case)
    images = _images(case) if any(item["as"] == "image" for item in case["inputs"]) else {}
    tools = offered_tools(submission)
    return CaseEvidence(
        case_id=case["id"],
        visible=bool(case.get("visible")),
        transcript=transcript,
        inputs=tuple((item["placeholder"], item["text"]) for item in case["inputs"] if item["as"] != "image"),
        images=tuple((name, image_part(bytes(asset.data), asset.mime)) for name, (_, asset) in images.items()),
        tools=json.dumps(tools, indent=2) if tools else "",
        tool_results=tuple(tool_result_text(tool_results, call.name) for call in transcript.tool_calls),
    )


def stored_case_results(submission: Submission, records: Sequence[Any]) -> dict[str, list[ModelResult]]:
    """The stored runs of every case, from ModelCallRecords of steps `case:<id>:run:<n>`."""
    runs: dict[str, dict[int, ModelResult]] = {}
    for record in records:
        _, case_id, _, index = record.step.split(":")
        runs.setdefault(case_id, {})[int(index)] = ModelResult.from_json(record.result)
    return {case_id: [steps[i] for i in sorted(steps)] for case_id, steps in runs.items()}
