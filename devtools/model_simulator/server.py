"""The simulator's state and its HTTP server (model endpoints and the control API)."""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
import logging
import socket
import threading
import time
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from assessments.modelapi import catalog

from .answers import AnswerGenerator
from .control import SimulatorControl
from .demo_tasks import JUDGE_MODES, grader_reply, load_demo_behaviours, task_reply
from .protocol import FAULT_MESSAGES, SPENDING_LIMIT_MESSAGE, Reject, error_body
from .replies import ReplyScript, recorded_reply
from .validation import validate_chat, validate_responses

logger = logging.getLogger("devtools.model_simulator")


class ModelSimulator:
    """The simulator's state and HTTP server. `start()` serves it from a daemon thread."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        content_dir: str | Path | None = None,
        judge_mode: str = "honest",
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
        self.answers = AnswerGenerator(price_table=price_table, server_tool_price_per_1k=server_tool_price_per_1k)
        self.demo_behaviours = load_demo_behaviours(content_dir) if content_dir else []
        if judge_mode not in JUDGE_MODES:
            raise ValueError(f"judge_mode must be one of {', '.join(JUDGE_MODES)}")
        self.default_judge_mode = judge_mode
        self.judge_mode = judge_mode
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
            self.judge_mode = self.default_judge_mode

    def enqueue(self, items: list[dict]) -> int:
        expanded = []
        for item in items:
            normal = normalize_script_item(item)
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
        # `outcome` and `finished` exist from the start: filling them in later must not resize
        # a dict that GET /_sim/requests may be serialising at that moment.
        entry["outcome"] = None
        entry["finished"] = None
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
            model = validate_chat(body) if endpoint == "chat" else validate_responses(body)
        except Reject as reject:
            return reject.status, error_body(reject.status, reject.message)
        scripted_output = script_item and any(k in script_item for k in ("content", "tool_calls", "refusal"))
        script = dict(script_item or {})
        if not scripted_output:
            with self._lock:
                library = list(self.added_library)
            recorded = recorded_reply(library, endpoint, body)
            if recorded is not None:
                return 200, self._fill_recorded(endpoint, recorded, model)
            behaved = grader_reply(self.demo_behaviours, self.judge_mode, body) if endpoint == "chat" else None
            behaved = behaved or task_reply(self.demo_behaviours, endpoint, body)
            script.update(behaved or {})
        if endpoint == "chat":
            return 200, self.answers.chat(body, model, script)
        return 200, self.answers.responses(body, model, script)

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


def finish(entry: dict, outcome: int | str) -> None:
    """Record how and when a logged call was answered (the time the reply left, in epoch seconds)."""
    entry["finished"] = time.time()
    entry["outcome"] = outcome


def normalize_script_item(item: dict) -> dict:
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
        normal["status"], normal["message"] = 429, normal["message"] or SPENDING_LIMIT_MESSAGE
    elif fault.isdigit():
        normal["status"] = int(fault)
    elif fault not in {"", "drop", "slow"}:
        raise ValueError(f"unknown fault {fault!r}")
    if item.get("retry_after") is not None:
        normal["headers"]["Retry-After"] = str(item["retry_after"])
    for key in ("content", "tool_calls", "refusal", "finish_reason", "citations"):
        if key in item:
            normal[key] = item[key]
    return normal


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
            raise Reject(415, "Expected a JSON body with Content-Type: application/json.")
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise Reject(422, f"Failed to parse the request body as JSON: {exc}") from None
        if not isinstance(body, dict):
            raise Reject(422, "Failed to deserialize the JSON body into the target type: expected an object")
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
            self._send_json(404, error_body(404, f"No route for GET {self.path}."))

    def do_POST(self) -> None:
        endpoint = {"/v1/chat/completions": "chat", "/v1/responses": "responses"}.get(self.path)
        raw = self._read_body()
        if endpoint:
            self._model_call(endpoint, raw)
        elif self.path.startswith("/_sim/"):
            self._control(raw)
        else:
            self._send_json(404, error_body(404, f"No route for POST {self.path}."))

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
                if "judge_mode" in body:
                    if body["judge_mode"] not in JUDGE_MODES:
                        raise ValueError(f"judge_mode must be one of {', '.join(JUDGE_MODES)}")
                    sim.judge_mode = body["judge_mode"]
                self._send_json(200, {"latency": sim.latency, "judge_mode": sim.judge_mode})
            elif self.path == "/_sim/replies":
                scripts = [ReplyScript(match=body["match"], responses=tuple(body["responses"]), source="control API")]
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
        except Reject as exc:
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
            finish(entry, "dropped")
            self._drop()
            return
        if exact:
            status = item["status"] or 200
            reply = (
                item["body"]
                if item["body"] is not None
                else error_body(
                    status, item["message"] or FAULT_MESSAGES.get(status, "Scripted error."), item["error_shape"]
                )
            )
            finish(entry, status)
            self._send_json(status, reply, item["headers"])
            return
        if reject is not None:
            status, reply = reject.status, error_body(reject.status, reject.message)
        else:
            status, reply = sim.answer(endpoint, body, item)
        finish(entry, status)
        self._send_json(status, reply, item["headers"] if item else None)


# --- control client (tests, benchmark) -------------------------------------------------------
