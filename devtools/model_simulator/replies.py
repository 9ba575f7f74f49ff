"""Scripted multi-step replies (tests): a request whose text contains `match` gets the
recorded responses, step N of the conversation getting response N when it fits the request."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass

import jsonschema

from .conversation import function_tools, model_turns, request_text


@dataclass(frozen=True)
class ReplyScript:
    match: str
    responses: tuple[dict, ...]
    source: str


def recording_fits(endpoint: str, recorded: dict, body: dict) -> bool:
    if endpoint == "chat":
        if "choices" not in recorded:
            return False
        message = (recorded["choices"][0] or {}).get("message") or {}
        if message.get("tool_calls") and not body.get("tools"):
            return False
        response_format = body.get("response_format") or {}
        schema = (response_format.get("json_schema") or {}).get("schema")
        text = message.get("content") or ""
    else:
        if "output" not in recorded:
            return False
        if any(i.get("type") == "function_call" for i in recorded["output"]) and not function_tools(body):
            return False
        fmt = (body.get("text") or {}).get("format") or {}
        schema = fmt.get("schema") if fmt.get("type") == "json_schema" else None
        text = "".join(
            part.get("text", "")
            for item in recorded["output"]
            if item.get("type") == "message"
            for part in item.get("content") or ()
        )
    if schema is not None:
        try:
            jsonschema.validate(json.loads(text), schema)
        except (ValueError, jsonschema.ValidationError, jsonschema.SchemaError):
            return False
    return True


def recorded_reply(library: list[ReplyScript], endpoint: str, body: dict) -> dict | None:
    text = request_text(endpoint, body)
    step = model_turns(endpoint, body)
    for script in library:
        if script.match in text and step < len(script.responses):
            recorded = script.responses[step]
            if recording_fits(endpoint, recorded, body):
                return copy.deepcopy(recorded)
    return None
