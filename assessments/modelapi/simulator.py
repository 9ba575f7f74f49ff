"""A local stand-in for the xAI API, used by the tests, the benchmark and test mode.

It speaks the same HTTP as the real service (Chat Completions, Responses, models)
with realistic bodies: resolved model names, reasoning tokens, `cost_in_usd_ticks`,
tool calls, schema-conforming structured output, search citations, and errors in
xAI's `{"code", "error"}` shape for the parameters the real API rejects.

Tests steer it through a small control API on the same port:

    POST /_sim/script    queue scripted replies and faults (consumed in order)
    POST /_sim/reset     forget the script, the request log and added replies
    POST /_sim/config    {"latency": seconds} for every generated answer
    POST /_sim/replies   add a reply library entry: {"match", "responses"} or {"path"}
    GET  /_sim/requests  the requests received, oldest first

A script item is a dict; shortcuts under "fault" expand to the others:

    {"fault": "rate_limit", "retry_after": 2}   429 (Retry-After in seconds or an HTTP date)
    {"fault": "spending_limit"}                  429 that says the credits are spent
    {"fault": "500"} / "502" / "503" / "504"     server errors in xAI's shape
    {"fault": "drop"}                            close the socket without answering
    {"fault": "slow", "delay": 3}                answer normally after 3 seconds
    {"status": 400, "body": {...}, "headers": {...}}   an exact reply
    {"content": "text"} / {"tool_calls": [{"name", "arguments"}]} / {"refusal": "..."}
                                                 a realistic answer carrying this output
    "error_shape": "openai"                      errors as {"error": {"message", ...}}
    "endpoint": "chat" | "responses"             only consumed by that endpoint
    "times": n                                   the same item n times

With a reply library (`--replies-from-content PATH`, or POST /_sim/replies), a request
whose text contains an entry's `simulator_match` gets that entry's recorded responses:
step N of a conversation (N = model turns already in the request) replays response N,
provided the recording fits the request (tool calls only when tools are offered; JSON
valid against the requested schema). Anything else gets a generated answer.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import itertools
import json
import logging
import random
import socket
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import yaml

from assessments.modelapi import catalog
from assessments.modelapi.types import USD_TICKS_PER_USD

logger = logging.getLogger("assessments.modelapi.simulator")

_GRPC_TEXT = {
    400: "Client specified an invalid argument",
    401: "The request does not have valid authentication credentials",
    403: "The caller does not have permission to execute the specified operation",
    404: "Some requested entity was not found",
    410: "The requested operation is no longer available",
    415: "Client specified an invalid argument",
    429: "Some resource has been exhausted",
    500: "Internal error",
    502: "The service is currently unavailable",
    503: "The service is currently unavailable",
    504: "Deadline expired before operation could complete",
}
_FAULT_MESSAGES = {
    429: "Your team sim-team has exceeded its requests-per-second limit for this model. Slow down and retry.",
    500: "The model backend failed while serving the request.",
    502: "Upstream model server returned an invalid response.",
    503: "The model is temporarily overloaded. Please retry.",
    504: "The model did not answer in time.",
}
_SPENDING_LIMIT_MESSAGE = (
    "Your team sim-team has either used all available credits or reached its monthly spending limit. "
    "Add credits or raise the limit to continue."
)
_LIVE_SEARCH_GONE = (
    "Live search is deprecated. Please switch to the Agent Tools API: https://docs.x.ai/docs/guides/tools/overview"
)
_CAMEL = {"stop": "stop", "presence_penalty": "presencePenalty", "frequency_penalty": "frequencyPenalty"}
_OPENAI_ONLY_TOOL_FIELDS = ("search_context_size", "user_location", "external_web_access", "container")
_REASONING_TOKENS = {"none": 0, "low": 48, "medium": 160, "high": 384, "xhigh": 768}
_SERVER_TOOLS = {
    "web_search": "web_search_call",
    "x_search": "x_search_call",
    "code_interpreter": "code_interpreter_call",
}


class _Reject(Exception):
    """A request the real API would refuse, with its status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _error_body(status: int, message: str, shape: str = "xai") -> dict:
    if shape == "openai":
        kind = "rate_limit_error" if status == 429 else "server_error" if status >= 500 else "invalid_request_error"
        return {"error": {"message": message, "type": kind, "param": None, "code": str(status)}}
    if status == 422:  # xAI's deserialisation errors carry no code
        return {"error": message}
    return {"code": _GRPC_TEXT.get(status, "Unknown error"), "error": message}


def _tokens(text: str) -> int:
    return max(1, len(text) // 4) if text else 0


# --- JSON Schema instances --------------------------------------------------------------


def schema_instance(schema: dict, root: dict | None = None, name: str = "", depth: int = 0) -> Any:
    """A value that conforms to `schema` (xAI's structured-output subset).

    Enums give their first value, except that an array whose items are objects with
    an enum property gets one item per enum value: a judge schema listing criterion
    ids thus yields exactly one verdict per criterion.
    """
    root = schema if root is None else root
    if depth > 16 or not isinstance(schema, dict):
        return None
    if "$ref" in schema:
        return schema_instance(_resolve_ref(root, schema["$ref"]), root, name, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            options = [option for option in schema[key] if option.get("type") != "null"] or schema[key]
            return schema_instance(options[0], root, name, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((item for item in kind if item != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "array" if "items" in schema else "string"
    if kind == "object":
        return {
            key: schema_instance(sub, root, key, depth + 1) for key, sub in (schema.get("properties") or {}).items()
        }
    if kind == "array":
        return _array_instance(schema, root, name, depth)
    if kind == "string":
        return _string_instance(schema, name)
    if kind in {"integer", "number"}:
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + (1 if "exclusiveMinimum" in schema else 0))
        value = max(low, 1) if "maximum" not in schema else min(max(low, 1), schema["maximum"])
        return int(value) if kind == "integer" else float(value)
    if kind == "boolean":
        return True
    return None


def _resolve_ref(root: dict, ref: str) -> dict:
    node: Any = root
    for part in ref.removeprefix("#/").split("/"):
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return node


def _array_instance(schema: dict, root: dict, name: str, depth: int) -> list:
    items = schema.get("items") or {}
    if "$ref" in items:
        items = _resolve_ref(root, items["$ref"])
    enum_properties = [
        key for key, sub in (items.get("properties") or {}).items() if isinstance(sub, dict) and sub.get("enum")
    ]
    if items.get("type") == "object" and enum_properties:
        # Prefer the property that names what is being enumerated (criterion, *_id).
        key = next(
            (k for k in enum_properties if "criterion" in k.lower() or k.lower() == "id" or k.lower().endswith("_id")),
            enum_properties[0],
        )
        template = schema_instance(items, root, name, depth + 1)
        return [{**template, key: value} for value in items["properties"][key]["enum"]]
    count = max(1, schema.get("minItems", 1))
    if "maxItems" in schema:
        count = min(count, schema["maxItems"])
    return [schema_instance(items, root, name, depth + 1) for _ in range(count)]


def _string_instance(schema: dict, name: str) -> str:
    fixed = {
        "date": "2026-11-22",
        "date-time": "2026-11-22T09:30:00Z",
        "time": "09:30:00",
        "email": "learner@example.com",
        "uri": "https://example.com/",
        "uuid": str(uuid.UUID(int=1)),
    }
    value = fixed.get(schema.get("format", ""), f"simulated {name}".strip() if name else "simulated text")
    value = value.ljust(schema.get("minLength", 0), "x")
    return value[: schema["maxLength"]] if "maxLength" in schema else value


# --- reply library ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplyScript:
    match: str
    responses: tuple[dict, ...]
    source: str


def load_reply_library(path: str | Path) -> list[ReplyScript]:
    """Every `demos/*/reference.yaml` under `path` with a match string and recordings."""
    scripts = []
    for reference in sorted(Path(path).rglob("reference.yaml")):
        if reference.parent.parent.name != "demos":
            continue
        data = yaml.safe_load(reference.read_text(encoding="utf-8")) or {}
        match, responses = data.get("simulator_match"), data.get("recorded_responses") or []
        if match and responses:
            scripts.append(ReplyScript(match=str(match), responses=tuple(responses), source=str(reference)))
    return scripts


def _request_text(endpoint: str, body: dict) -> str:
    chunks: list[str] = []

    def collect(content: Any) -> None:
        if isinstance(content, str):
            chunks.append(content)
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, dict):
                    collect(part.get("text") or part.get("content") or part.get("output"))

    if endpoint == "chat":
        for message in body.get("messages") or ():
            if isinstance(message, dict):
                collect(message.get("content"))
    else:
        collect(body.get("instructions"))
        collect(body.get("input"))
    return "\n".join(chunks)


def _model_turns(endpoint: str, body: dict) -> int:
    """How many model answers the conversation already holds (the step being asked for)."""
    if endpoint == "chat":
        return sum(1 for m in body.get("messages") or () if isinstance(m, dict) and m.get("role") == "assistant")
    items = body.get("input") if isinstance(body.get("input"), list) else []
    turns, in_turn = 0, False
    for item in items:
        # One model turn is a run of consecutive items the model produced
        # (its reasoning, function calls and assistant message).
        produced = isinstance(item, dict) and (
            item.get("role") == "assistant" or item.get("type") in {"function_call", "reasoning"}
        )
        if produced and not in_turn:
            turns += 1
        in_turn = produced
    return turns


def _recording_fits(endpoint: str, recorded: dict, body: dict) -> bool:
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
        if any(i.get("type") == "function_call" for i in recorded["output"]) and not _function_tools(body):
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


def _function_tools(body: dict) -> list[dict]:
    return [tool for tool in body.get("tools") or () if isinstance(tool, dict) and tool.get("type") == "function"]


# --- the simulator ------------------------------------------------------------------------


class ModelSimulator:
    """The simulator's state and HTTP server. `start()` serves it from a daemon thread."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        replies_from: str | Path | None = None,
        price_table: dict | None = None,
        server_tool_price_per_1k: float | None = None,
        log_size: int = 5000,
    ) -> None:
        if price_table is None or server_tool_price_per_1k is None:
            from django.conf import settings

            price_table = settings.XAI_PRICE_TABLE if price_table is None else price_table
            if server_tool_price_per_1k is None:
                server_tool_price_per_1k = settings.XAI_SERVER_TOOL_PRICE_PER_1K
        self.price_table = price_table
        self.server_tool_price_per_1k = server_tool_price_per_1k
        self.default_latency = latency
        self.latency = latency
        self.content_library = load_reply_library(replies_from) if replies_from else []
        self.added_library: list[ReplyScript] = []
        self._lock = threading.Lock()
        self._script: list[dict] = []
        self._requests: deque[dict] = deque(maxlen=log_size)
        self._sequence = itertools.count(1)
        self.server = _Server((host, port), _Handler)
        self.server.simulator = self
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        """What XAI_BASE_URL should be set to."""
        return self.url + "/v1"

    def start(self) -> ModelSimulator:
        self._thread = threading.Thread(target=self.server.serve_forever, name="model-simulator", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def control(self) -> SimulatorControl:
        return SimulatorControl(self.url)

    # -- control state ----------------------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self._requests.clear()
            self.added_library.clear()
            self.latency = self.default_latency

    def enqueue(self, items: list[dict]) -> int:
        expanded = []
        for item in items:
            normal = _normalize_script_item(item)
            expanded.extend(copy.deepcopy(normal) for _ in range(int(item.get("times", 1))))
        with self._lock:
            self._script.extend(expanded)
        return len(expanded)

    def next_script_item(self, endpoint: str) -> dict | None:
        with self._lock:
            for index, item in enumerate(self._script):
                if item["endpoint"] in (None, endpoint):
                    return self._script.pop(index)
        return None

    def log_request(self, entry: dict) -> dict:
        # `outcome` exists from the start: filling it in later must not resize a dict
        # that GET /_sim/requests may be serialising at that moment.
        entry["outcome"] = None
        with self._lock:
            entry["seq"] = next(self._sequence)
            self._requests.append(entry)
        return entry

    def requests_log(self) -> list[dict]:
        with self._lock:
            return list(self._requests)

    def add_replies(self, scripts: list[ReplyScript]) -> None:
        with self._lock:
            self.added_library.extend(scripts)

    # -- answering ----------------------------------------------------------------------------

    def answer(self, endpoint: str, body: dict, script_item: dict | None) -> tuple[int, dict]:
        try:
            model = self._validate_chat(body) if endpoint == "chat" else self._validate_responses(body)
        except _Reject as reject:
            return reject.status, _error_body(reject.status, reject.message)
        scripted_output = script_item and any(k in script_item for k in ("content", "tool_calls", "refusal"))
        recorded = None if scripted_output else self._recorded_reply(endpoint, body)
        if recorded is not None:
            return 200, self._fill_recorded(endpoint, recorded, model)
        if endpoint == "chat":
            return 200, self._chat_answer(body, model, script_item or {})
        return 200, self._responses_answer(body, model, script_item or {})

    def _recorded_reply(self, endpoint: str, body: dict) -> dict | None:
        text = _request_text(endpoint, body)
        with self._lock:
            library = self.added_library + self.content_library
        step = _model_turns(endpoint, body)
        for script in library:
            if script.match in text and step < len(script.responses):
                recorded = script.responses[step]
                if _recording_fits(endpoint, recorded, body):
                    return copy.deepcopy(recorded)
        return None

    def _fill_recorded(self, endpoint: str, recorded: dict, model: str) -> dict:
        recorded.setdefault("id", str(uuid.uuid4()))
        recorded.setdefault("model", model)
        if endpoint == "chat":
            recorded.setdefault("object", "chat.completion")
            recorded.setdefault("created", int(time.time()))
        else:
            recorded.setdefault("object", "response")
            recorded.setdefault("created_at", int(time.time()))
            recorded.setdefault("status", "completed")
        return recorded

    # -- validation (what the real API refuses) -----------------------------------------------

    def _validate_common(self, body: dict, *, messages_key: str) -> str:
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
                raise _Reject(
                    400, f"Invalid reasoning effort {effort!r} for model {requested}; expected one of {allowed}."
                )
        return resolved

    def _validate_chat(self, body: dict) -> str:
        if "search_parameters" in body:
            raise _Reject(410, _LIVE_SEARCH_GONE)
        resolved = self._validate_common(body, messages_key="messages")
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
            self._validate_parts(message.get("content"), image_type="image_url")
        response_format = body.get("response_format")
        if response_format is not None:
            kind = response_format.get("type")
            if kind not in {"text", "json_object", "json_schema"}:
                raise _Reject(400, f"Unsupported response_format type {kind!r}.")
            if kind == "json_schema" and not isinstance((response_format.get("json_schema") or {}).get("schema"), dict):
                raise _Reject(400, "response_format json_schema needs json_schema.schema.")
        self._validate_output_cap(body.get("max_completion_tokens", body.get("max_tokens")))
        return resolved

    def _validate_responses(self, body: dict) -> str:
        resolved = self._validate_common(body, messages_key="input")
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
                raise _Reject(
                    422, "Failed to deserialize the JSON body into the target type: function tool without name"
                )
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
                images += self._validate_parts(item.get("content"), image_type="input_image")
        if images and body.get("store", True) is not False:
            raise _Reject(400, "Requests with image inputs must set store to false.")
        self._validate_output_cap(body.get("max_output_tokens"))
        return resolved

    @staticmethod
    def _validate_output_cap(cap: Any) -> None:
        if cap is not None and (not isinstance(cap, int) or cap < 1):
            raise _Reject(400, "The output token limit must be a positive integer.")

    @staticmethod
    def _validate_parts(content: Any, *, image_type: str) -> int:
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

    @staticmethod
    def _reasoning_tokens(requested: str, effort: str | None) -> int:
        if effort is None:
            if "non-reasoning" in requested or requested.startswith("grok-2"):
                return 0
            effort = "low"  # grok-4.3's default, and how retired reasoning slugs are served
        return _REASONING_TOKENS.get(effort, 0)

    def _cost_ticks(self, model: str, prompt: int, cached: int, output: int, server_tool_calls: int) -> int:
        price = catalog.price_for(model, self.price_table) or {"input": 0, "cached_input": 0, "output": 0}
        usd = catalog.cost_usd(
            price,
            prompt_tokens=prompt,
            cached_tokens=cached,
            output_tokens=output,
            server_tool_calls=server_tool_calls,
            server_tool_price_per_1k=self.server_tool_price_per_1k,
        )
        return int(round(usd * USD_TICKS_PER_USD))

    def _chat_answer(self, body: dict, model: str, script: dict) -> dict:
        messages = body["messages"]
        tools = body.get("tools") or []
        tool_choice = body.get("tool_choice", "auto")
        images = sum(self._validate_parts(m.get("content"), image_type="image_url") for m in messages)
        names_by_call = {
            call.get("id"): (call.get("function") or {}).get("name")
            for m in messages
            if m.get("role") == "assistant"
            for call in m.get("tool_calls") or ()
        }
        results = [
            (names_by_call.get(m.get("tool_call_id")), m.get("content")) for m in messages if m.get("role") == "tool"
        ]
        response_format = body.get("response_format") or {}
        message: dict[str, Any] = {"role": "assistant", "content": "", "refusal": None}
        finish_reason = "stop"

        calls = self._scripted_or_generated_calls(script, tools, tool_choice, body, results, flat=False)
        if calls:
            message["tool_calls"] = [
                {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
                for call_id, name, arguments in calls
            ]
            finish_reason = "tool_calls"
        elif "refusal" in script:
            message["refusal"] = script["refusal"]
            message["content"] = script.get("content", "")
        elif "content" in script:
            message["content"] = script["content"]
        elif response_format.get("type") == "json_schema":
            message["content"] = json.dumps(schema_instance(response_format["json_schema"]["schema"]))
        elif response_format.get("type") == "json_object":
            message["content"] = json.dumps({"answer": _summary(_last_user_text(messages))})
        else:
            message["content"] = _text_answer(model, _last_user_text(messages), images, results)

        cap = body.get("max_completion_tokens", body.get("max_tokens"))
        if cap is not None and not calls and _tokens(message["content"]) > cap:
            message["content"] = message["content"][: cap * 4]
            finish_reason = "length"
        finish_reason = script.get("finish_reason", finish_reason)

        prompt_text = _request_text("chat", body) + "".join(json.dumps(tool) for tool in tools)
        prompt = _tokens(prompt_text) + 256 * images
        completion = _tokens(message["content"]) + sum(_tokens(c[2]) + 8 for c in calls)
        reasoning = self._reasoning_tokens(body["model"], body.get("reasoning_effort"))
        return {
            "id": str(uuid.uuid4()),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion + reasoning,
                "prompt_tokens_details": {
                    "text_tokens": prompt - 256 * images,
                    "audio_tokens": 0,
                    "image_tokens": 256 * images,
                    "cached_tokens": 0,
                },
                "completion_tokens_details": {
                    "reasoning_tokens": reasoning,
                    "audio_tokens": 0,
                    "accepted_prediction_tokens": 0,
                    "rejected_prediction_tokens": 0,
                },
                "num_sources_used": 0,
                "cost_in_usd_ticks": self._cost_ticks(model, prompt, 0, completion + reasoning, 0),
            },
            "system_fingerprint": "fp_simulator",
        }

    @staticmethod
    def _scripted_or_generated_calls(script, tools, tool_choice, body, results, *, flat: bool):
        """(call_id, name, arguments) for the tool calls this answer makes, if any."""
        if "tool_calls" in script:
            return [
                (
                    f"call_{random.randrange(10**7, 10**8)}",
                    call["name"],
                    call["arguments"]
                    if isinstance(call.get("arguments"), str)
                    else json.dumps(call.get("arguments") or {}),
                )
                for call in script["tool_calls"]
            ]
        if not tools or tool_choice == "none" or results or "content" in script or "refusal" in script:
            return []
        functions = [
            (tool["name"], tool.get("parameters"))
            if flat
            else (tool["function"]["name"], tool["function"].get("parameters"))
            for tool in tools
            if tool.get("type") == "function"
        ]
        if isinstance(tool_choice, dict):
            wanted = (tool_choice.get("function") or {}).get("name") or tool_choice.get("name")
            functions = [f for f in functions if f[0] == wanted]
        if body.get("parallel_tool_calls") is False:
            functions = functions[:1]
        return [
            (
                f"call_{random.randrange(10**7, 10**8)}",
                name,
                json.dumps(schema_instance(parameters or {"type": "object"})),
            )
            for name, parameters in functions
        ]

    def _responses_answer(self, body: dict, model: str, script: dict) -> dict:
        items = body["input"] if isinstance(body["input"], list) else [{"role": "user", "content": body["input"]}]
        question = _last_user_text(items)
        images = sum(
            self._validate_parts(i.get("content"), image_type="input_image") for i in items if isinstance(i, dict)
        )
        names_by_call = {
            i.get("call_id"): i.get("name") for i in items if isinstance(i, dict) and i.get("type") == "function_call"
        }
        results = [
            (names_by_call.get(i.get("call_id")), i.get("output"))
            for i in items
            if isinstance(i, dict) and i.get("type") == "function_call_output"
        ]
        tools = body.get("tools") or []
        effort = (body.get("reasoning") or {}).get("effort")
        reasoning = self._reasoning_tokens(body["model"], effort)
        output: list[dict] = []
        if reasoning:
            output.append(
                {
                    "type": "reasoning",
                    "id": f"rs_{uuid.uuid4()}",
                    "status": "completed",
                    "summary": [{"type": "summary_text", "text": "Worked out what the question asks."}],
                }
            )
        calls = self._scripted_or_generated_calls(
            script, _function_tools(body), body.get("tool_choice", "auto"), body, results, flat=True
        )
        server_calls = {
            "web_search_calls": 0,
            "x_search_calls": 0,
            "code_interpreter_calls": 0,
            "file_search_calls": 0,
            "mcp_calls": 0,
            "document_search_calls": 0,
        }
        annotations: list[dict] = []
        text = ""
        for call_id, name, arguments in calls:
            output.append(
                {
                    "type": "function_call",
                    "id": f"fc_{uuid.uuid4()}",
                    "call_id": call_id,
                    "name": name,
                    "arguments": arguments,
                    "status": "completed",
                }
            )
        if not calls:
            search_tools = [tool for tool in tools if tool.get("type") in _SERVER_TOOLS]
            fmt = (body.get("text") or {}).get("format") or {}
            if "content" in script or "refusal" in script:
                text = script.get("content", "")
            elif search_tools:
                text, annotations = self._search(search_tools, question, output, server_calls)
            elif fmt.get("type") == "json_schema":
                text = json.dumps(schema_instance(fmt.get("schema") or {}))
            else:
                text = _text_answer(model, question, images, results)
            content: list[dict] = [{"type": "output_text", "text": text, "logprobs": [], "annotations": annotations}]
            if "refusal" in script:
                content = [{"type": "refusal", "refusal": script["refusal"]}]
            output.append(
                {
                    "type": "message",
                    "id": f"msg_{uuid.uuid4()}",
                    "role": "assistant",
                    "status": "completed",
                    "content": content,
                }
            )
        prompt = _tokens(_request_text("responses", body) + "".join(json.dumps(t) for t in tools)) + 256 * images
        visible = _tokens(text) + sum(_tokens(c[2]) + 8 for c in calls)
        status, incomplete = "completed", None
        cap = body.get("max_output_tokens")
        if cap is not None and visible + reasoning > cap and not calls:
            status, incomplete = "incomplete", {"reason": "max_output_tokens"}
            visible = max(0, cap - reasoning)
            for item in output:
                for part in item.get("content") or ():
                    if part.get("type") == "output_text":
                        part["text"] = part["text"][: visible * 4]
        n_server = sum(server_calls.values())
        return {
            "id": str(uuid.uuid4()),
            "object": "response",
            "created_at": int(time.time()),
            "model": model,
            "status": script.get("status", status),
            "incomplete_details": incomplete,
            "store": body.get("store", True),
            "output": output,
            "usage": {
                "input_tokens": prompt,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": visible + reasoning,
                "output_tokens_details": {"reasoning_tokens": reasoning},
                "total_tokens": prompt + visible + reasoning,
                "num_sources_used": 0,
                "num_server_side_tools_used": n_server,
                "server_side_tool_usage_details": server_calls,
                "cost_in_usd_ticks": self._cost_ticks(model, prompt, 0, visible + reasoning, n_server),
            },
        }

    @staticmethod
    def _search(
        search_tools: list[dict], question: str, output: list[dict], server_calls: dict
    ) -> tuple[str, list[dict]]:
        """Server-side search: the calls the server made, an answer, and its url_citation annotations."""
        sources: list[tuple[str, str]] = []
        for tool in search_tools:
            kind = tool["type"]
            query = _summary(question, 80)
            name = {"web_search": "web_search", "x_search": "x_semantic_search"}.get(kind, "code_execution")
            output.append(
                {
                    "type": _SERVER_TOOLS[kind],
                    "id": f"fc_{uuid.uuid4()}_0",
                    "call_id": "",
                    "name": name,
                    "arguments": json.dumps({"query": query, "num_results": 5}),
                    "status": "completed",
                }
            )
            server_calls[f"{kind}_calls"] += 1
            if kind == "web_search":
                domains = (tool.get("filters") or {}).get("allowed_domains") or ["docs.x.ai", "x.ai"]
                sources += [
                    (f"https://{domain}/search-result-{n}", f"Result {n} from {domain}")
                    for n, domain in enumerate(domains[:2] if len(domains) > 1 else domains * 2, start=1)
                ]
            elif kind == "x_search":
                handle = (tool.get("allowed_x_handles") or ["xai"])[0]
                sources.append((f"https://x.com/{handle}/status/1990000000000000001", f"Post by @{handle}"))
        text = f"Simulated search answer to: {_summary(question)}\n\nSources:"
        annotations = []
        for n, (url, title) in enumerate(sources, start=1):
            text += f"\n[{n}] "
            annotations.append(
                {
                    "type": "url_citation",
                    "url": url,
                    "title": title,
                    "start_index": len(text),
                    "end_index": len(text) + len(url),
                }
            )
            text += url
        return text, annotations


def _normalize_script_item(item: dict) -> dict:
    fault = str(item.get("fault", "")).lower()
    normal = {
        "status": item.get("status"),
        "body": item.get("body"),
        "headers": dict(item.get("headers") or {}),
        "delay": float(item.get("delay", 0)),
        "drop": fault == "drop",
        "endpoint": item.get("endpoint"),
        "error_shape": item.get("error_shape", "xai"),
        "message": item.get("message"),
    }
    if fault in {"rate_limit", "429"}:
        normal["status"] = 429
    elif fault == "spending_limit":
        normal["status"], normal["message"] = 429, normal["message"] or _SPENDING_LIMIT_MESSAGE
    elif fault.isdigit():
        normal["status"] = int(fault)
    elif fault not in {"", "drop", "slow"}:
        raise ValueError(f"unknown fault {fault!r}")
    if item.get("retry_after") is not None:
        normal["headers"]["Retry-After"] = str(item["retry_after"])
    for key in ("content", "tool_calls", "refusal", "finish_reason"):
        if key in item:
            normal[key] = item[key]
    return normal


def _last_user_text(messages: list) -> str:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return _request_text("chat", {"messages": [message]})
    return ""


def _summary(text: str, limit: int = 240) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _text_answer(model: str, question: str, images: int, results: list) -> str:
    parts = [f"Simulated answer from {model}."]
    if images:
        parts.append(f"I can see {images} image{'s' if images != 1 else ''} in your message.")
    if results:
        parts.append(
            "Using the tool results: " + "; ".join(f"{name} returned {content}" for name, content in results) + "."
        )
    parts.append(f"You asked: {_summary(question)}")
    return " ".join(parts)


# --- HTTP -------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024  # a burst of 100+ connections must not overflow the listen backlog
    simulator: ModelSimulator


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients with a connection pool expect
    server_version = "xai-model-simulator/1"
    timeout = 600  # idle keep-alive connections give their thread back eventually
    # Headers and body go out in separate writes; with Nagle on, a keep-alive client's
    # delayed ACK would add ~40 ms to every answer.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)

    # -- plumbing --------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send_json(self, status: int, body: Any, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, str(value))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (its timeout), nothing to do

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _json_request(self, raw: bytes) -> dict:
        if "json" not in (self.headers.get("Content-Type") or "") or not raw:
            raise _Reject(415, "Expected a JSON body with Content-Type: application/json.")
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise _Reject(422, f"Failed to parse the request body as JSON: {exc}") from None
        if not isinstance(body, dict):
            raise _Reject(422, "Failed to deserialize the JSON body into the target type: expected an object")
        return body

    # -- routes ------------------------------------------------------------------------------

    def do_GET(self) -> None:
        sim = self.server.simulator
        if self.path == "/v1/models":
            created = 1_760_000_000
            self._send_json(
                200,
                {
                    "object": "list",
                    "data": [
                        {"id": name, "created": created, "object": "model", "owned_by": "xai"}
                        for name in catalog.known_models()
                    ],
                },
            )
        elif self.path.startswith("/_sim/requests"):
            self._send_json(200, {"requests": sim.requests_log()})
        elif self.path == "/_sim/health":
            self._send_json(200, {"ok": True})
        else:
            self._send_json(404, _error_body(404, f"No route for GET {self.path}."))

    def do_POST(self) -> None:
        endpoint = {"/v1/chat/completions": "chat", "/v1/responses": "responses"}.get(self.path)
        raw = self._read_body()
        if endpoint:
            self._model_call(endpoint, raw)
        elif self.path.startswith("/_sim/"):
            self._control(raw)
        else:
            self._send_json(404, _error_body(404, f"No route for POST {self.path}."))

    def _control(self, raw: bytes) -> None:
        sim = self.server.simulator
        try:
            body = json.loads(raw) if raw else {}
            if self.path == "/_sim/script":
                items = body if isinstance(body, list) else body.get("items", [body])
                self._send_json(200, {"queued": sim.enqueue(items)})
            elif self.path == "/_sim/reset":
                sim.reset()
                self._send_json(200, {"reset": True})
            elif self.path == "/_sim/config":
                if "latency" in body:
                    sim.latency = float(body["latency"])
                self._send_json(200, {"latency": sim.latency})
            elif self.path == "/_sim/replies":
                scripts = (
                    load_reply_library(body["path"])
                    if "path" in body
                    else [ReplyScript(match=body["match"], responses=tuple(body["responses"]), source="control API")]
                )
                sim.add_replies(scripts)
                self._send_json(200, {"added": len(scripts)})
            else:
                self._send_json(404, {"error": f"unknown control route {self.path}"})
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            self._send_json(400, {"error": f"bad control request: {exc}"})

    def _model_call(self, endpoint: str, raw: bytes) -> None:
        sim = self.server.simulator
        try:
            body: Any = self._json_request(raw)
            reject = None
        except _Reject as exc:
            body, reject = raw.decode("utf-8", "replace"), exc
        headers = {name.lower(): value for name, value in self.headers.items()}
        if "authorization" in headers:
            headers["authorization"] = headers["authorization"][:7] + "***"
        entry = sim.log_request(
            {
                "time": time.time(),
                "method": "POST",
                "path": self.path,
                "endpoint": endpoint,
                "headers": headers,
                "body": body,
            }
        )
        item = sim.next_script_item(endpoint)
        exact = item is not None and (item["body"] is not None or item["status"] not in (None, 200))
        if item is not None and (item["delay"] or exact or item["drop"]):
            time.sleep(item["delay"])  # scripted faults and exact replies come at once unless delayed
        else:
            time.sleep(sim.latency)
        if item and item["drop"]:
            entry["outcome"] = "dropped"
            self._drop()
            return
        if exact:
            status = item["status"] or 200
            reply = (
                item["body"]
                if item["body"] is not None
                else _error_body(
                    status, item["message"] or _FAULT_MESSAGES.get(status, "Scripted error."), item["error_shape"]
                )
            )
            entry["outcome"] = status
            self._send_json(status, reply, item["headers"])
            return
        if reject is not None:
            status, reply = reject.status, _error_body(reject.status, reject.message)
        else:
            status, reply = sim.answer(endpoint, body, item)
        entry["outcome"] = status
        self._send_json(status, reply, item["headers"] if item else None)


# --- control client (tests, benchmark) -------------------------------------------------------


class SimulatorControl:
    """Drives a running simulator through its control API, over HTTP."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/").removesuffix("/v1")
        self.base_url = self.url + "/v1"
        self._http = httpx.Client(base_url=self.url, timeout=10)

    def _post(self, path: str, body: Any) -> dict:
        response = self._http.post(path, json=body)
        response.raise_for_status()
        return response.json()

    def script(self, *items: dict, **item: Any) -> int:
        """Queue replies or faults: `script({"fault": "503"}, {"content": "ok"})` or `script(fault="drop")`."""
        return self._post("/_sim/script", {"items": list(items) + ([item] if item else [])})["queued"]

    def reset(self) -> None:
        self._post("/_sim/reset", {})

    def configure(self, *, latency: float) -> None:
        self._post("/_sim/config", {"latency": latency})

    def add_replies(self, *, match: str, responses: list[dict]) -> None:
        self._post("/_sim/replies", {"match": match, "responses": responses})

    def load_replies(self, path: str | Path) -> int:
        return self._post("/_sim/replies", {"path": str(path)})["added"]

    def requests(self, endpoint: str | None = None) -> list[dict]:
        """Logged model-API requests, oldest first; `endpoint` is "chat" or "responses"."""
        response = self._http.get("/_sim/requests")
        response.raise_for_status()
        logged = response.json()["requests"]
        return [entry for entry in logged if endpoint is None or entry["endpoint"] == endpoint]

    def bodies(self, endpoint: str | None = None) -> list[dict]:
        return [entry["body"] for entry in self.requests(endpoint)]

    def close(self) -> None:
        self._http.close()
