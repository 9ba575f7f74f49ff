"""The model client against the simulator over loopback HTTP: faults, parameters, parsing, cost."""

import email.utils
import json
import struct
import threading
import time
import zlib
from pathlib import Path

import jsonschema
import pytest

from assessments.modelapi import ModelAPIError, ModelClient, ModelResult, ToolCall, get_client, image_part
from assessments.modelapi.client import input_image_part

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "model"
HELLO = [{"role": "user", "content": "Say hello in Portuguese."}]


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def request_times(model_simulator) -> list[float]:
    return [entry["time"] for entry in model_simulator.requests("chat")]


# --- retries and faults -------------------------------------------------------------------------


def test_rate_limit_with_retry_after_is_waited_out(model_simulator):
    model_simulator.script({"fault": "rate_limit", "retry_after": 1}, {"content": "Olá!"})

    result = get_client().chat(model="grok-4.3", messages=HELLO)

    assert result.text == "Olá!"
    assert result.attempts == 2
    first, second = request_times(model_simulator)
    assert second - first >= 1.0  # the backoff settings alone would wait at most 0.05 s


def test_retry_after_as_an_http_date_is_honoured(model_simulator):
    when = email.utils.formatdate(time.time() + 2, usegmt=True)
    model_simulator.script({"fault": "rate_limit", "retry_after": when}, {"content": "ok"})

    result = get_client().chat(model="grok-4.3", messages=HELLO)

    first, second = request_times(model_simulator)
    assert result.attempts == 2
    assert second - first >= 0.9  # second granularity: at least one full second remained


def test_rate_limit_without_retry_after_backs_off_and_retries(model_simulator):
    model_simulator.script({"fault": "rate_limit"}, {"fault": "429"}, {"content": "third time"})

    result = get_client().chat(model="grok-4.3", messages=HELLO)

    assert (result.text, result.attempts) == ("third time", 3)
    assert [entry["outcome"] for entry in model_simulator.requests()] == [429, 429, 200]


def test_retry_after_longer_than_the_cap_fails_at_once_carrying_the_wait(model_simulator):
    model_simulator.script(fault="rate_limit", retry_after=120)

    with pytest.raises(ModelAPIError) as caught:
        get_client().chat(model="grok-4.3", messages=HELLO)

    assert caught.value.retryable is True
    assert caught.value.retry_after == pytest.approx(120)
    assert len(model_simulator.requests()) == 1


def test_spending_limit_429_is_not_retried(model_simulator):
    model_simulator.script(fault="spending_limit")

    with pytest.raises(ModelAPIError) as caught:
        get_client().chat(model="grok-4.3", messages=HELLO)

    assert caught.value.status == 429
    assert caught.value.retryable is False
    assert "spending limit" in caught.value.message
    assert len(model_simulator.requests()) == 1


def test_server_error_then_success(model_simulator):
    model_simulator.script(fault="500")

    result = get_client().chat(model="grok-4.3", messages=HELLO)

    assert result.attempts == 2
    assert result.text.startswith("Simulated answer from grok-4.3")


def test_503_until_retries_are_spent_raises_a_retryable_error(model_simulator, settings):
    settings.XAI_MAX_RETRIES = 3
    model_simulator.script(fault="503", times=4)

    with pytest.raises(ModelAPIError) as caught:
        get_client().chat(model="grok-4.3", messages=HELLO)

    error = caught.value
    assert (error.status, error.retryable, error.attempts) == (503, True, 4)
    assert error.code == "The service is currently unavailable"
    assert len(model_simulator.requests()) == 4


def test_client_error_is_not_retried_and_xai_shape_is_parsed(model_simulator):
    body = fixture("error_xai_invalid_argument.json")
    model_simulator.script(status=400, body=body)

    with pytest.raises(ModelAPIError) as caught:
        get_client().chat(model="grok-4.3", messages=HELLO)

    assert caught.value.status == 400
    assert caught.value.code == "Client specified an invalid argument"
    assert caught.value.message == "Model grok-4.3 does not support parameter presencePenalty."
    assert caught.value.retryable is False
    assert len(model_simulator.requests()) == 1


def test_openai_error_shape_is_parsed(model_simulator, settings):
    settings.XAI_MAX_RETRIES = 0
    model_simulator.script(status=429, body=fixture("error_openai_shape.json"))

    with pytest.raises(ModelAPIError) as caught:
        get_client().chat(model="grok-4.3", messages=HELLO)

    assert caught.value.message == "Rate limit reached for requests per second."
    assert caught.value.code == "rate_limit_exceeded"
    assert caught.value.retryable is True  # a rate limit, even though no retries were left


def test_dropped_connection_is_retried(model_simulator):
    model_simulator.script({"fault": "drop"}, {"content": "after the drop"})

    result = get_client().chat(model="grok-4.3", messages=HELLO)

    assert (result.text, result.attempts) == ("after the drop", 2)
    assert [entry["outcome"] for entry in model_simulator.requests()] == ["dropped", 200]


def test_dropped_connections_until_retries_are_spent(model_simulator, settings):
    settings.XAI_MAX_RETRIES = 1
    model_simulator.script(fault="drop", times=2)

    with pytest.raises(ModelAPIError) as caught:
        get_client().chat(model="grok-4.3", messages=HELLO)

    assert (caught.value.code, caught.value.status, caught.value.retryable) == ("connection_error", None, True)


def test_answer_slower_than_the_timeout_is_a_timeout_error(model_simulator):
    client = ModelClient(model_simulator.base_url, "", 0.3, 1, 0.01, 0.05, {})
    model_simulator.script(fault="slow", delay=1.0, times=2)

    started = time.monotonic()
    with pytest.raises(ModelAPIError) as caught:
        client.chat(model="grok-4.3", messages=HELLO)

    assert caught.value.code == "timeout"
    assert caught.value.retryable is True
    assert caught.value.attempts == 2
    assert time.monotonic() - started < 1.5  # gave up on each slow answer, did not wait it out


def test_slow_answer_within_the_timeout_records_its_latency(model_simulator):
    model_simulator.script(fault="slow", delay=0.4)

    result = get_client().chat(model="grok-4.3", messages=HELLO)

    assert result.attempts == 1
    assert result.latency_ms >= 400


def test_a_hundred_and_twenty_concurrent_calls_run_side_by_side(model_simulator):
    model_simulator.configure(latency=0.5)
    client = get_client()
    results, errors = [], []

    def call(n: int) -> None:
        try:
            results.append(client.chat(model="grok-4.3", messages=[{"role": "user", "content": f"call {n}"}]))
        except ModelAPIError as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(n,)) for n in range(120)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    assert errors == []
    assert len({result.response_id for result in results}) == 120
    assert elapsed < 3.0  # sequential would take 60 s; 120 in flight take about one latency


# --- what is sent -------------------------------------------------------------------------------


def test_reasoning_model_never_receives_sampling_penalties_or_stop(model_simulator):
    get_client().chat(
        model="grok-4-1-fast-reasoning",
        messages=HELLO,
        temperature=0.2,
        max_output_tokens=300,
        seed=7,
        reasoning_effort="high",
    )

    (body,) = model_simulator.bodies("chat")
    assert set(body) == {"model", "messages", "temperature", "max_completion_tokens", "seed"}
    assert body["max_completion_tokens"] == 300
    assert not {"stop", "presence_penalty", "frequency_penalty", "max_tokens", "reasoning_effort"} & set(body)


@pytest.mark.parametrize(
    "model", ["grok-4", "grok-4-fast-reasoning", "grok-4.20-0309-reasoning", "grok-4.20-0309-non-reasoning"]
)
def test_reasoning_effort_is_dropped_for_models_that_reject_it(model_simulator, model):
    result = get_client().chat(model=model, messages=HELLO, reasoning_effort="low")

    (body,) = model_simulator.bodies("chat")
    assert "reasoning_effort" not in body
    assert result.finish_reason == "stop"  # the simulator answers 400 when it is sent


def test_reasoning_effort_is_sent_to_grok_4_3(model_simulator):
    result = get_client().chat(model="grok-4.3", messages=HELLO, reasoning_effort="none")

    (body,) = model_simulator.bodies("chat")
    assert body["reasoning_effort"] == "none"
    assert result.usage.reasoning_tokens == 0


def test_grok_3_mini_takes_only_low_or_high(model_simulator):
    client = get_client()
    high = client.chat(model="grok-3-mini", messages=HELLO, reasoning_effort="high")
    client.chat(model="grok-3-mini", messages=HELLO, reasoning_effort="medium")

    sent_high, sent_medium = model_simulator.bodies("chat")
    assert sent_high["reasoning_effort"] == "high"
    assert "reasoning_effort" not in sent_medium
    assert high.resolved_model == "grok-3-mini-high"


def test_requests_carry_the_api_key_and_json_content_type(model_simulator):
    ModelClient(model_simulator.base_url, "xai-secret", 5, 0, 0.01, 0.05, {}).chat(model="grok-4.3", messages=HELLO)

    (entry,) = model_simulator.requests()
    assert entry["headers"]["authorization"] == "Bearer ***"
    assert entry["headers"]["content-type"] == "application/json"


# --- modalities ---------------------------------------------------------------------------------


def test_vision_image_goes_as_a_base64_data_url(model_simulator):
    png = tiny_png()
    messages = [
        {
            "role": "user",
            "content": [{"type": "text", "text": "What is in this picture?"}, image_part(png, "image/png")],
        }
    ]

    result = get_client().chat(model="grok-4.3", messages=messages)

    (body,) = model_simulator.bodies("chat")
    image = body["messages"][0]["content"][1]
    assert image["type"] == "image_url"
    assert image["image_url"]["detail"] == "high"
    assert image["image_url"]["url"].startswith("data:image/png;base64,iVBORw0KGgo")
    assert "I can see 1 image" in result.text


@pytest.mark.parametrize(
    ("data", "mime", "problem"),
    [
        (b"GIF89a....", "image/gif", "JPEG or PNG"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (20 * 1024 * 1024), "image/png", "20 MiB"),
        (b"\xff\xd8\xff\xe0 jpeg bytes", "image/png", "not a image/png"),
    ],
)
def test_image_part_refuses_what_the_api_would(data, mime, problem):
    with pytest.raises(ValueError, match=problem):
        image_part(data, mime)


def test_jpeg_alias_is_normalised():
    part = image_part(b"\xff\xd8\xff\xe0 jpeg bytes", "jpg", detail="auto")
    assert part["image_url"]["url"].startswith("data:image/jpeg;base64,")
    assert part["image_url"]["detail"] == "auto"


def test_structured_output_follows_the_schema(model_simulator):
    schema = {
        "type": "object",
        "properties": {
            "invoice_number": {"type": "string"},
            "total": {"type": "number", "minimum": 0},
            "currency": {"type": "string", "enum": ["EUR", "USD"]},
            "lines": {"type": "array", "items": {"type": "object", "properties": {"sku": {"type": "string"}}}},
        },
        "required": ["invoice_number", "total", "currency", "lines"],
        "additionalProperties": False,
    }
    response_format = {"type": "json_schema", "json_schema": {"name": "Invoice", "strict": True, "schema": schema}}

    result = get_client().chat(model="grok-4.3", messages=HELLO, response_format=response_format, temperature=0)

    data = result.text_json()
    jsonschema.validate(data, schema)
    assert data["currency"] == "EUR"
    assert model_simulator.bodies("chat")[0]["response_format"] == response_format


def test_multi_step_function_calling_sends_tool_results_back(model_simulator):
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather for a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
            },
        },
        {
            "type": "function",
            "function": {
                "name": "get_time",
                "description": "Local time",
                "parameters": {
                    "type": "object",
                    "properties": {"timezone": {"type": "string"}},
                    "required": ["timezone"],
                },
            },
        },
    ]
    client = get_client()
    messages = [{"role": "user", "content": "Weather and time in Lisbon?"}]

    first = client.chat(model="grok-4.3", messages=messages, tools=tools, tool_choice="auto")

    assert first.finish_reason == "tool_calls"
    assert [call.name for call in first.tool_calls] == ["get_weather", "get_time"]
    assert first.tool_calls[0].arguments_json() == {"city": "simulated city"}
    answers = {"get_weather": {"temperature_c": 21}, "get_time": {"time": "14:05"}}
    messages = (
        messages
        + [first.assistant_message()]
        + [
            {"role": "tool", "tool_call_id": call.id, "content": json.dumps(answers[call.name])}
            for call in first.tool_calls
        ]
    )

    second = client.chat(model="grok-4.3", messages=messages, tools=tools)

    assert second.finish_reason == "stop"
    assert second.tool_calls == ()
    assert '"temperature_c": 21' in second.text and "14:05" in second.text
    sent = model_simulator.bodies("chat")[1]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool", "tool"]
    assert [m["tool_call_id"] for m in sent[2:]] == [call.id for call in first.tool_calls]


def test_parallel_tool_calls_false_and_empty_finish_reason(model_simulator):
    model_simulator.script(body=fixture("chat_tool_calls_empty_finish_reason.json"))
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]

    result = get_client().chat(model="grok-4.3", messages=HELLO, tools=tools, parallel_tool_calls=False)

    assert model_simulator.bodies()[0]["parallel_tool_calls"] is False
    assert result.finish_reason == "tool_calls"
    assert result.tool_calls[1] == ToolCall(
        id="call_40213378", name="get_time", arguments='{"timezone":"Europe/Lisbon"}'
    )


def test_refusal_is_recorded(model_simulator):
    model_simulator.script(body=fixture("chat_refusal.json"))

    result = get_client().chat(model="grok-4.3", messages=HELLO)

    assert result.refusal == "I can't help with that request."
    assert result.text == ""


def test_responses_search_returns_citations_and_server_side_usage(model_simulator):
    tools = [{"type": "web_search", "filters": {"allowed_domains": ["docs.x.ai", "x.ai"]}}]

    result = get_client().respond(
        model="grok-4.3",
        input="What is the context window of grok-4.3?",
        tools=tools,
        instructions="Cite your sources.",
    )

    (body,) = model_simulator.bodies("responses")
    assert body["store"] is False
    assert body["tools"] == tools
    assert result.api == "responses"
    assert [c.url for c in result.citations] == ["https://docs.x.ai/search-result-1", "https://x.ai/search-result-2"]
    assert result.citations[0].title == "Result 1 from docs.x.ai"
    assert result.usage.server_side_tool_calls == 1
    assert all(c.url in result.text for c in result.citations)
    # grok-4.3 tokens plus one web search at $5 per 1,000 calls
    assert result.cost_usd >= 0.005
    assert result.cost_usd_ticks == round(result.cost_usd * 10_000_000_000)


def test_responses_fixture_without_ticks_is_priced_including_tool_calls(model_simulator):
    model_simulator.script(body=fixture("responses_web_search.json"))

    result = get_client().respond(model="grok-4.3", input="pricing?", tools=[{"type": "web_search"}])

    assert result.usage.completion_tokens == 40  # output_tokens includes reasoning on Responses
    assert result.usage.reasoning_tokens == 380
    assert result.usage.server_side_tool_calls == 2
    assert result.cost_usd_ticks is None
    assert result.cost_usd == pytest.approx((2400 * 1.25 + 420 * 2.50) / 1e6 + 2 * 5 / 1000)
    assert [(c.url, c.title) for c in result.citations] == [
        ("https://docs.x.ai/developers/models", "Models and pricing"),
        ("https://docs.x.ai/developers/pricing", ""),
    ]


def test_responses_vision_and_function_tools(model_simulator):
    tools = [
        {
            "type": "function",
            "name": "lookup_sku",
            "parameters": {"type": "object", "properties": {"sku": {"type": "string", "enum": ["A-1", "B-2"]}}},
        }
    ]
    items = [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "Which product is this?"},
                input_image_part(tiny_png(), "image/png"),
            ],
        }
    ]

    result = get_client().respond(model="grok-4.3", input=items, tools=tools, reasoning_effort="medium")

    (body,) = model_simulator.bodies("responses")
    assert body["reasoning"] == {"effort": "medium"}
    assert result.finish_reason == "tool_calls"
    assert result.tool_calls[0].name == "lookup_sku"
    assert result.tool_calls[0].arguments_json() == {"sku": "A-1"}


# --- usage, cost and storage ---------------------------------------------------------------------


def test_usage_and_cost_come_from_ticks_when_present(model_simulator):
    model_simulator.script(body=fixture("chat_with_cost_ticks.json"))

    result = get_client().chat(model="grok-4.3", messages=HELLO)

    usage = result.usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.reasoning_tokens) == (200, 4, 140)
    assert (usage.cached_tokens, usage.total_tokens) == (128, 344)
    assert result.cost_usd_ticks == 4_396_000
    assert result.cost_usd == pytest.approx(0.0004396)
    assert result.response_id == "0b6f7c1e-5a2d-4d0e-9c3a-2f1e8d7c6b5a_us-east-1"


def test_cost_falls_back_to_the_price_table_of_the_resolved_model(model_simulator):
    model_simulator.script(body=fixture("chat_without_cost.json"))

    result = get_client().chat(model="grok-4.20", messages=HELLO)

    # grok-4.20: $2 input, $0.20 cached, $6 output (reasoning billed as output) per 1M tokens
    assert result.cost_usd_ticks is None
    assert result.cost_usd == pytest.approx((600 * 2 + 400 * 0.20 + 500 * 6) / 1e6)


def test_generated_cost_ticks_match_the_price_table(model_simulator):
    result = get_client().chat(model="grok-4.3", messages=HELLO)

    usage = result.usage
    expected = (usage.prompt_tokens * 1.25 + (usage.completion_tokens + usage.reasoning_tokens) * 2.50) / 1e6
    assert result.cost_usd == pytest.approx(expected, rel=1e-6)
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens + usage.reasoning_tokens


def test_resolved_model_is_recorded_next_to_the_requested_one(model_simulator):
    result = get_client().chat(model="grok-4", messages=HELLO)

    assert (result.requested_model, result.resolved_model) == ("grok-4", "grok-4.3")


def test_result_round_trips_through_json(model_simulator):
    model_simulator.script(body=fixture("chat_tool_calls_empty_finish_reason.json"))
    result = get_client().chat(
        model="grok-4.3",
        messages=HELLO,
        tools=[{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}],
    )

    stored = json.loads(json.dumps(result.to_json()))  # what a JSONField gives back

    assert ModelResult.from_json(stored) == result
    assert ModelResult.from_json(stored).tool_calls[0].arguments_json() == {"city": "Lisbon"}


def test_tool_call_arguments_that_are_not_json_raise_value_error():
    with pytest.raises(ValueError, match="not JSON"):
        ToolCall(id="call_1", name="f", arguments="{city: Lisbon").arguments_json()


def test_every_call_is_logged_with_model_tokens_and_cost(model_simulator, caplog):
    caplog.set_level("INFO", logger="assessments.modelapi")

    get_client().chat(model="grok-4", messages=HELLO)

    (record,) = [r for r in caplog.records if r.name == "assessments.modelapi"]
    assert "requested=grok-4 resolved=grok-4.3" in record.getMessage()
    assert "cost_usd=" in record.getMessage() and "reasoning=48" in record.getMessage()


def test_a_stored_body_parses_as_the_live_answer_did_and_is_not_logged_as_a_call(model_simulator, caplog):
    web_search = [{"type": "web_search"}]
    live_chat = get_client().chat(model="grok-4", messages=HELLO)
    live_search = get_client().respond(model="grok-4.3", input="Latest xAI news?", tools=web_search)
    caplog.set_level("INFO", logger="assessments.modelapi")

    client = get_client()
    for live in (live_chat, live_search):
        parsed = client.result_from_raw(live.raw, api=live.api, requested_model=live.requested_model)
        assert parsed == ModelResult(**{**vars(live), "latency_ms": 0, "attempts": 1})
    assert live_search.citations and live_search.api == "responses"
    assert [r for r in caplog.records if r.name == "assessments.modelapi"] == []
    with pytest.raises(ValueError, match="'chat' or 'responses'"):
        client.result_from_raw(live_chat.raw, api="completions", requested_model="grok-4")
