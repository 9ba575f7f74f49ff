"""What the platform sends to the model for a submission, per modality.

Every request is rebuilt from the submission's stored snapshot (task spec, inputs, the
learner's fields) and the stored results of earlier steps, so an execution that resumes
after a crash sends exactly what the first one would have sent.
"""

import json
from collections.abc import Callable
from functools import partial

from django.conf import settings

from assessments.modelapi.client import ModelClient, image_part
from assessments.modelapi.types import ModelResult
from assessments.models import DemoAsset, Submission

# step key -> a function that performs the call when the step has no stored result
StepRunner = Callable[[str, Callable[[], ModelResult]], ModelResult]


def _text_inputs(submission: Submission) -> str:
    blocks = []
    for item in submission.task_inputs:
        if item["as"] in {"document", "csv"}:
            label = "CSV data" if item["as"] == "csv" else "Document"
            blocks.append(f"--- {label}: {item['file']} ---\n{item['text'].rstrip()}\n--- End of {item['file']} ---")
    return "\n\n".join(blocks)


def user_text(submission: Submission) -> str:
    """The learner's user prompt followed by the task's text inputs."""
    return "\n\n".join(part for part in [submission.user_prompt.strip(), _text_inputs(submission)] if part)


def _images(submission: Submission) -> list[tuple[dict, DemoAsset]]:
    wanted = [item for item in submission.task_inputs if item["as"] == "image"]
    assets = {asset.sha256: asset for asset in DemoAsset.objects.filter(sha256__in=[i["sha256"] for i in wanted])}
    return [(item, assets[item["sha256"]]) for item in wanted]


def _chat_messages(submission: Submission) -> list[dict]:
    messages: list[dict] = []
    if submission.system_prompt.strip():
        messages.append({"role": "system", "content": submission.system_prompt})
    images = _images(submission)
    if images:
        content: list[dict] = [{"type": "text", "text": user_text(submission)}]
        for item, asset in images:
            # The file name before each image lets the prompt (and the simulator) refer to it.
            content.append({"type": "text", "text": f"Image: {item['file']}"})
            content.append(image_part(bytes(asset.data), asset.mime))
        messages.append({"role": "user", "content": content})
    else:
        messages.append({"role": "user", "content": user_text(submission)})
    return messages


def _model_settings(submission: Submission) -> dict:
    model = submission.task_spec["model"]
    return {
        "model": model["name"],
        "temperature": model.get("temperature"),
        "max_output_tokens": model.get("max_output_tokens"),
        "reasoning_effort": model.get("reasoning_effort"),
    }


def _tool_message(submission: Submission, call) -> dict:
    results = submission.task_spec.get("tool_results") or {}
    if call.name in results:
        content = results[call.name]
    else:
        content = {"error": f"no tool named {call.name!r} is available in this task"}
    return {"role": "tool", "tool_call_id": call.id, "content": json.dumps(content)}


def run_submission(submission: Submission, client: ModelClient, step: StepRunner) -> list[ModelResult]:
    """Run the learner's prompt; returns one ModelResult per model call, in order.

    `step(key, call)` returns the stored result for `key` or performs `call` and stores it.
    """
    spec = submission.task_spec
    modality = spec["modality"]
    settings_ = _model_settings(submission)
    if modality == "search":
        return [
            step(
                "run:0",
                lambda: client.respond(
                    input=user_text(submission),
                    instructions=submission.system_prompt.strip() or None,
                    tools=spec.get("server_tools") or None,
                    **settings_,
                ),
            )
        ]
    messages = _chat_messages(submission)
    if modality == "structured_output":
        if submission.json_schema:
            response_format = {
                "type": "json_schema",
                "json_schema": {"name": "learner_schema", "schema": submission.json_schema, "strict": True},
            }
        else:
            response_format = {"type": "json_object"}
        return [step("run:0", lambda: client.chat(messages=messages, response_format=response_format, **settings_))]
    if modality != "function_calling":
        return [step("run:0", lambda: client.chat(messages=messages, **settings_))]
    tools = list(spec.get("tools") or []) + list(submission.tools or [])
    results: list[ModelResult] = []
    for index in range(settings.DEMO_MAX_TOOL_STEPS):
        call = partial(client.chat, messages=list(messages), tools=tools, tool_choice="auto", **settings_)
        result = step(f"run:{index}", call)
        results.append(result)
        if not result.tool_calls:
            break
        messages = messages + [result.assistant_message()] + [_tool_message(submission, c) for c in result.tool_calls]
    return results
