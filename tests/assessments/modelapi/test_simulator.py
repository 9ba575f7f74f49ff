"""The simulator answers and refuses the way the xAI API does, and replays recorded demos."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import jsonschema
import pytest

from assessments.modelapi import get_client
from devtools.model_simulator import schema_instance

ROOT = Path(__file__).resolve().parents[3]
HELLO = [{"role": "user", "content": "hello"}]


def post(model_simulator, path: str, body: dict) -> httpx.Response:
    return httpx.post(model_simulator.base_url + path, json=body, timeout=5)


@pytest.mark.parametrize(
    ("model", "parameter", "camel"),
    [
        ("grok-4.3", "stop", "stop"),
        ("grok-4.3", "presence_penalty", "presencePenalty"),
        ("grok-4-1-fast-non-reasoning", "frequency_penalty", "frequencyPenalty"),
        ("grok-3-mini", "stop", "stop"),
        ("grok-3", "presence_penalty", "presencePenalty"),
    ],
)
def test_parameters_reasoning_models_reject_get_xai_shaped_400(model_simulator, model, parameter, camel):
    response = post(model_simulator, "/chat/completions", {"model": model, "messages": HELLO, parameter: 0})

    assert response.status_code == 400
    assert response.json() == {
        "code": "Client specified an invalid argument",
        "error": f"Model {model} does not support parameter {camel}.",
    }


def test_older_models_accept_penalties(model_simulator):
    response = post(
        model_simulator,
        "/chat/completions",
        {"model": "grok-2-vision-1212", "messages": HELLO, "stop": ["\n"], "presence_penalty": 0.1},
    )

    assert response.status_code == 200
    assert response.json()["usage"]["completion_tokens_details"]["reasoning_tokens"] == 0


@pytest.mark.parametrize(
    ("model", "effort", "status"),
    [
        ("grok-4", "low", 400),
        ("grok-4-fast-reasoning", "high", 400),
        ("grok-4.20-0309-non-reasoning", "none", 400),
        ("grok-4.3", "xhigh", 400),
        ("grok-4.3", "high", 200),
        ("grok-4.7", "xhigh", 200),
        ("grok-3-mini", "low", 200),
    ],
)
def test_reasoning_effort_is_accepted_only_where_documented(model_simulator, model, effort, status):
    response = post(
        model_simulator, "/chat/completions", {"model": model, "messages": HELLO, "reasoning_effort": effort}
    )

    assert response.status_code == status
    if status == 400:
        assert response.json()["code"] == "Client specified an invalid argument"


def test_live_search_is_gone(model_simulator):
    response = post(
        model_simulator,
        "/chat/completions",
        {"model": "grok-4.3", "messages": HELLO, "search_parameters": {"mode": "auto"}},
    )

    assert response.status_code == 410
    assert "Agent Tools API" in response.json()["error"]


def test_unknown_model_is_404_and_bad_bodies_are_415_or_422(model_simulator):
    unknown = post(model_simulator, "/chat/completions", {"model": "grok-beta", "messages": HELLO})
    no_type = httpx.post(model_simulator.base_url + "/chat/completions", content=b"{}", timeout=5)
    missing = post(model_simulator, "/chat/completions", {"model": "grok-4.3"})

    assert unknown.status_code == 404 and unknown.json()["code"] == "Some requested entity was not found"
    assert no_type.status_code == 415
    assert missing.status_code == 422 and "missing field `messages`" in missing.json()["error"]


def test_tool_result_for_an_unknown_call_is_refused(model_simulator):
    messages = HELLO + [{"role": "tool", "tool_call_id": "call_nope", "content": "5"}]

    response = post(model_simulator, "/chat/completions", {"model": "grok-4.3", "messages": messages})

    assert response.status_code == 400


def test_chat_completions_refuse_server_side_tools(model_simulator):
    response = post(
        model_simulator,
        "/chat/completions",
        {"model": "grok-4.3", "messages": HELLO, "tools": [{"type": "web_search"}]},
    )

    assert response.status_code == 400
    assert "Responses API" in response.json()["error"]


def test_responses_refuse_openai_only_search_options_and_images_without_store_false(model_simulator):
    tool = post(
        model_simulator,
        "/responses",
        {
            "model": "grok-4.3",
            "input": "hi",
            "store": False,
            "tools": [{"type": "web_search", "search_context_size": "medium"}],
        },
    )
    image_input = [{"role": "user", "content": [{"type": "input_image", "image_url": "https://example.com/a.png"}]}]
    stored = post(model_simulator, "/responses", {"model": "grok-4.3", "input": image_input})

    assert tool.status_code == 400 and "search_context_size" in tool.json()["error"]
    assert stored.status_code == 400 and "store" in stored.json()["error"]


def test_images_must_be_jpeg_or_png(model_simulator):
    part = {"type": "image_url", "image_url": {"url": "data:image/gif;base64,R0lGODlh"}}

    response = post(
        model_simulator, "/chat/completions", {"model": "grok-4.3", "messages": [{"role": "user", "content": [part]}]}
    )

    assert response.status_code == 400


def test_models_lists_the_served_models(model_simulator):
    body = httpx.get(model_simulator.base_url + "/models", timeout=5).json()

    assert body["object"] == "list"
    assert {"id": "grok-4.3", "created": 1760000000, "object": "model", "owned_by": "xai"} in body["data"]


def test_length_cap_truncates_with_finish_reason_length(model_simulator):
    long_question = [{"role": "user", "content": "word " * 400}]

    result = get_client().chat(model="grok-4.3", messages=long_question, max_output_tokens=10)

    assert result.finish_reason == "length"
    assert result.usage.completion_tokens <= 10


# --- structured output ---------------------------------------------------------------------------

JUDGE_SCHEMA = {
    "type": "object",
    "properties": {
        "verdicts": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "reasoning": {"type": "string"},
                    "verdict": {"type": "string", "enum": ["met", "partly", "not_met"]},
                    "criterion_id": {"type": "string", "enum": ["faithful", "complete", "concise"]},
                },
                "required": ["reasoning", "verdict", "criterion_id"],
                "additionalProperties": False,
            },
        },
        "summary": {"$ref": "#/$defs/text"},
    },
    "required": ["verdicts", "summary"],
    "$defs": {"text": {"type": "string", "minLength": 30}},
}


def test_schema_instance_gives_one_item_per_criterion():
    data = schema_instance(JUDGE_SCHEMA)

    jsonschema.validate(data, JUDGE_SCHEMA)
    assert [item["criterion_id"] for item in data["verdicts"]] == ["faithful", "complete", "concise"]
    assert {item["verdict"] for item in data["verdicts"]} == {"met"}


def test_schema_instance_covers_the_supported_subset():
    schema = {
        "type": "object",
        "properties": {
            "kind": {"const": "invoice"},
            "issued": {"type": "string", "format": "date"},
            "count": {"type": "integer", "minimum": 3, "maximum": 9},
            "ratio": {"type": ["number", "null"]},
            "paid": {"type": "boolean"},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
            "payer": {"anyOf": [{"type": "null"}, {"type": "object", "properties": {"name": {"type": "string"}}}]},
        },
    }

    data = schema_instance(schema)

    jsonschema.validate(data, schema)
    assert data["kind"] == "invoice" and data["count"] == 3 and len(data["tags"]) == 2
    assert data["payer"] == {"name": "simulated name"}


# --- scripted replies and the reply library --------------------------------------------------------

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    }
]
RECORDED = [
    {
        "model": "grok-4.3",
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "content": "",
                    "tool_calls": [
                        {
                            "id": "call_100",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": '{"city":"Lisbon"}'},
                        }
                    ],
                },
            }
        ],
        "usage": {"prompt_tokens": 120, "completion_tokens": 18, "total_tokens": 138},
    },
    {
        "model": "grok-4.3",
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "It is 21 °C in Lisbon."}}
        ],
        "usage": {"prompt_tokens": 160, "completion_tokens": 9, "total_tokens": 169},
    },
]


def test_recorded_responses_are_replayed_step_by_step(model_simulator):
    model_simulator.add_replies(match="WX-LIS-7", responses=RECORDED)
    client = get_client()
    messages = [{"role": "user", "content": "Weather in Lisbon please. Ref WX-LIS-7"}]

    first = client.chat(model="grok-4.3", messages=messages, tools=TOOLS)
    messages += [
        first.assistant_message(),
        {"role": "tool", "tool_call_id": first.tool_calls[0].id, "content": '{"temperature_c": 21}'},
    ]
    second = client.chat(model="grok-4.3", messages=messages, tools=TOOLS)

    assert first.tool_calls[0].id == "call_100"
    assert first.tool_calls[0].arguments_json() == {"city": "Lisbon"}
    assert second.text == "It is 21 °C in Lisbon."
    assert second.usage.prompt_tokens == 160
    assert second.response_id  # filled in: recordings may omit ids


def test_slow_fault_still_replays_the_recording(model_simulator):
    model_simulator.add_replies(match="WX-LIS-7", responses=RECORDED)
    model_simulator.script(fault="slow", delay=0.3)

    result = get_client().chat(model="grok-4.3", messages=[{"role": "user", "content": "WX-LIS-7"}], tools=TOOLS)

    assert result.latency_ms >= 300
    assert result.tool_calls[0].id == "call_100"
    # The log says when the call came and when it was answered (the multi-node bench relies on it).
    (logged,) = model_simulator.requests("chat")
    assert logged["outcome"] == 200
    assert logged["finished"] - logged["time"] >= 0.3


def test_recording_that_does_not_fit_the_request_is_not_replayed(model_simulator):
    model_simulator.add_replies(match="WX-LIS-7", responses=RECORDED)
    verdict_format = {"type": "json_schema", "json_schema": {"name": "verdicts", "schema": JUDGE_SCHEMA}}
    judge_messages = [{"role": "user", "content": "Grade this output: <<It is 21 °C in Lisbon. WX-LIS-7>>"}]

    no_tools = get_client().chat(model="grok-4.3", messages=judge_messages)
    judged = get_client().chat(model="grok-4.3", messages=judge_messages, response_format=verdict_format)

    assert no_tools.tool_calls == ()  # the recorded step 0 calls a tool, but none was offered
    jsonschema.validate(judged.text_json(), JUDGE_SCHEMA)


def test_scripted_content_and_tool_calls_shortcuts(model_simulator):
    model_simulator.script(
        {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Porto"}}]},
        {"content": "not json at all", "endpoint": "chat"},
    )
    client = get_client()

    called = client.chat(model="grok-4.3", messages=HELLO, tools=TOOLS)
    answered = client.chat(model="grok-4.3", messages=HELLO)

    assert called.tool_calls[0].arguments_json() == {"city": "Porto"}
    assert answered.text == "not json at all"
    with pytest.raises(ValueError):
        answered.text_json()
    assert answered.usage.total_tokens > 0


def test_script_is_consumed_only_by_its_endpoint(model_simulator):
    model_simulator.script(fault="500", endpoint="responses")

    chat = get_client().chat(model="grok-4.3", messages=HELLO)
    search = get_client().respond(model="grok-4.3", input="hi", tools=[{"type": "x_search"}])

    assert chat.attempts == 1
    assert search.attempts == 2
    assert search.citations[0].url.startswith("https://x.com/xai/status/")


def test_reset_forgets_script_log_and_added_replies(model_simulator):
    model_simulator.script(fault="spending_limit")
    model_simulator.add_replies(match="hello", responses=RECORDED[1:])
    post(model_simulator, "/chat/completions", {"model": "grok-4.3", "messages": HELLO})

    model_simulator.reset()
    result = get_client().chat(model="grok-4.3", messages=HELLO)

    assert result.text.startswith("Simulated answer")
    assert len(model_simulator.requests()) == 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_module_entry_point_serves_the_shipped_demos_with_latency(tmp_path):
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devtools.model_simulator",
            "--port",
            str(port),
            "--latency",
            "0.2",
            "--content",
            str(ROOT / "content"),
            "--judge-mode",
            "fooled",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}/v1"
        # Loading the course content takes a few seconds, more on a busy machine.
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stderr.read().decode()
            try:
                httpx.get(base + "/models", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the simulator did not start within 60 s"
                time.sleep(0.1)
        started = time.monotonic()
        reply = httpx.post(
            base + "/chat/completions",
            timeout=5,
            json={"model": "grok-4.3", "messages": [{"role": "user", "content": "Hello"}]},
        )
        assert time.monotonic() - started >= 0.2
        assert reply.json()["choices"][0]["message"]["content"].startswith("Simulated answer")
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert "6 demo tasks, judge fooled" in process.stdout.read().decode()
