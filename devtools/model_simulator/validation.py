"""Requests the real API refuses, refused the same way (status and message)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from assessments.modelapi import catalog

from .protocol import _CAMEL, _LIVE_SEARCH_GONE, _OPENAI_ONLY_TOOL_FIELDS
from .protocol import Reject as _Reject


def validate_common(body: dict, *, messages_key: str) -> str:
    for field in ("model", messages_key):
        if field not in body:
            raise _Reject(422, f"Failed to deserialize the JSON body into the target type: missing field `{field}`")
    requested = body["model"]
    effort = body.get("reasoning_effort") or (body.get("reasoning") or {}).get("effort")
    resolved = catalog.resolve_model(requested, effort) if isinstance(requested, str) else None
    if resolved is None:
        raise _Reject(
            404,
            f"The model {requested} does not exist or your team sim-team does not have access to it. "
            "Check the model name and your team's permissions.",
        )
    for parameter in catalog.rejected_sampling_parameters(requested):
        if parameter in body:
            raise _Reject(400, f"Model {requested} does not support parameter {_CAMEL[parameter]}.")
    if effort is not None:
        if not catalog.accepted_reasoning_efforts(requested):
            raise _Reject(400, f"Model {requested} does not support parameter reasoningEffort.")
        if not catalog.accepts_reasoning_effort(requested, effort):
            allowed = ", ".join(sorted(catalog.accepted_reasoning_efforts(requested)))
            raise _Reject(400, f"Invalid reasoning effort {effort!r} for model {requested}; expected one of {allowed}.")
    return resolved


def validate_chat(body: dict) -> str:
    if "search_parameters" in body:
        raise _Reject(410, _LIVE_SEARCH_GONE)
    resolved = validate_common(body, messages_key="messages")
    messages = body["messages"]
    if not isinstance(messages, list) or not messages:
        raise _Reject(
            422, "Failed to deserialize the JSON body into the target type: messages: expected a non-empty sequence"
        )
    tools = body.get("tools") or []
    if len(tools) > 128:
        raise _Reject(400, "At most 128 tools may be provided.")
    for tool in tools:
        if tool.get("type") != "function" or not (tool.get("function") or {}).get("name"):
            raise _Reject(
                400,
                "Chat Completions accepts only function tools; use the Responses API for server-side tools.",
            )
    offered_calls: set[str] = set()
    for message in messages:
        role = message.get("role") if isinstance(message, dict) else None
        if role not in {"system", "user", "assistant", "tool", "developer"}:
            raise _Reject(422, f"Failed to deserialize the JSON body into the target type: unknown role {role!r}")
        if role == "assistant":
            offered_calls.update(call.get("id") for call in message.get("tool_calls") or ())
        if role == "tool" and message.get("tool_call_id") not in offered_calls:
            raise _Reject(400, f"Tool message answers unknown tool_call_id {message.get('tool_call_id')!r}.")
        validate_parts(message.get("content"), image_type="image_url")
    response_format = body.get("response_format")
    if response_format is not None:
        kind = response_format.get("type")
        if kind not in {"text", "json_object", "json_schema"}:
            raise _Reject(400, f"Unsupported response_format type {kind!r}.")
        if kind == "json_schema" and not isinstance((response_format.get("json_schema") or {}).get("schema"), dict):
            raise _Reject(400, "response_format json_schema needs json_schema.schema.")
    validate_output_cap(body.get("max_completion_tokens", body.get("max_tokens")))
    return resolved


def validate_responses(body: dict) -> str:
    resolved = validate_common(body, messages_key="input")
    if body.get("instructions") and body.get("previous_response_id"):
        raise _Reject(400, "instructions cannot be combined with previous_response_id.")
    for tool in body.get("tools") or ():
        kind = tool.get("type")
        if kind not in {"function", "web_search", "x_search", "code_interpreter", "file_search", "mcp"}:
            raise _Reject(400, f"Unsupported tool type {kind!r}.")
        for field in _OPENAI_ONLY_TOOL_FIELDS:
            if field in tool:
                raise _Reject(400, f"Argument not supported on this model: {field}")
        if kind == "function" and not tool.get("name"):
            raise _Reject(422, "Failed to deserialize the JSON body into the target type: function tool without name")
        filters = tool.get("filters") or {}
        if filters.get("allowed_domains") and filters.get("excluded_domains"):
            raise _Reject(400, "Use allowed_domains or excluded_domains, not both.")
        if len(filters.get("allowed_domains") or filters.get("excluded_domains") or ()) > 5:
            raise _Reject(400, "At most 5 domains may be filtered.")
        if len(tool.get("allowed_x_handles") or tool.get("excluded_x_handles") or ()) > 10:
            raise _Reject(400, "At most 10 X handles may be filtered.")
    images = 0
    items = body["input"] if isinstance(body["input"], list) else []
    for item in items:
        if isinstance(item, dict):
            images += validate_parts(item.get("content"), image_type="input_image")
    if images and body.get("store", True) is not False:
        raise _Reject(400, "Requests with image inputs must set store to false.")
    validate_output_cap(body.get("max_output_tokens"))
    return resolved


def validate_output_cap(cap: Any) -> None:
    if cap is not None and (not isinstance(cap, int) or cap < 1):
        raise _Reject(400, "The output token limit must be a positive integer.")


def validate_parts(content: Any, *, image_type: str) -> int:
    """Checks content parts; returns how many images they hold."""
    if not isinstance(content, list):
        return 0
    images = 0
    for part in content:
        if not isinstance(part, dict) or part.get("type") != image_type:
            continue
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, dict) else image
        if not isinstance(url, str) or not url:
            raise _Reject(422, "Failed to deserialize the JSON body into the target type: image without url")
        images += 1
        if url.startswith(("http://", "https://")):
            continue
        header, _, data = url.partition(",")
        if header not in {"data:image/jpeg;base64", "data:image/jpg;base64", "data:image/png;base64"}:
            raise _Reject(400, "Unsupported image: only JPEG and PNG images are accepted.")
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise _Reject(400, "Image data is not valid base64.") from None
        if len(raw) > catalog.IMAGE_MAX_BYTES:
            raise _Reject(400, "Image is larger than the 20 MiB limit.")
    return images


# -- generated answers ---------------------------------------------------------------------
