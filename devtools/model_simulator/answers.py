"""Generated answers: what the simulated model says when no script or task reply applies.

Realistic bodies for Chat Completions and Responses: resolved model names, reasoning
tokens, `cost_in_usd_ticks`, tool calls that fit the offered schemas, schema-conforming
structured output, and server-side search with `url_citation` annotations.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from typing import Any

from assessments.modelapi import catalog
from assessments.modelapi.types import USD_TICKS_PER_USD

from .conversation import function_tools, request_text
from .protocol import _REASONING_TOKENS, _SERVER_TOOLS, tokens
from .schema import schema_instance
from .validation import validate_parts


class AnswerGenerator:
    """Prices and writes generated answers."""

    def __init__(self, *, price_table: dict, server_tool_price_per_1k: float) -> None:
        self.price_table = price_table
        self.server_tool_price_per_1k = server_tool_price_per_1k

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

    def chat(self, body: dict, model: str, script: dict) -> dict:
        messages = body["messages"]
        tools = body.get("tools") or []
        tool_choice = body.get("tool_choice", "auto")
        images = sum(validate_parts(m.get("content"), image_type="image_url") for m in messages)
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
            message["content"] = json.dumps({"answer": summary(last_user_text(messages))})
        else:
            message["content"] = _text_answer(model, last_user_text(messages), images, results)

        cap = body.get("max_completion_tokens", body.get("max_tokens"))
        if cap is not None and not calls and tokens(message["content"]) > cap:
            message["content"] = message["content"][: cap * 4]
            finish_reason = "length"
        finish_reason = script.get("finish_reason", finish_reason)

        prompt_text = request_text("chat", body) + "".join(json.dumps(tool) for tool in tools)
        prompt = tokens(prompt_text) + 256 * images
        completion = tokens(message["content"]) + sum(tokens(c[2]) + 8 for c in calls)
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

    def responses(self, body: dict, model: str, script: dict) -> dict:
        items = body["input"] if isinstance(body["input"], list) else [{"role": "user", "content": body["input"]}]
        question = last_user_text(items)
        images = sum(validate_parts(i.get("content"), image_type="input_image") for i in items if isinstance(i, dict))
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
            script, function_tools(body), body.get("tool_choice", "auto"), body, results, flat=True
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
                if search_tools and script.get("citations"):
                    annotations = self._searched(search_tools[0], question, script["citations"], output, server_calls)
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
        prompt = tokens(request_text("responses", body) + "".join(json.dumps(t) for t in tools)) + 256 * images
        visible = tokens(text) + sum(tokens(c[2]) + 8 for c in calls)
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
    def _searched(tool: dict, question: str, urls: list[str], output: list[dict], server_calls: dict) -> list[dict]:
        """A given answer's search: one server-side call and a url_citation per given URL."""
        kind = tool["type"]
        output.append(
            {
                "type": _SERVER_TOOLS[kind],
                "id": f"fc_{uuid.uuid4()}_0",
                "call_id": "",
                "name": {"web_search": "web_search", "x_search": "x_semantic_search"}.get(kind, "code_execution"),
                "arguments": json.dumps({"query": summary(question, 80), "num_results": 5}),
                "status": "completed",
            }
        )
        server_calls[f"{kind}_calls"] += 1
        return [{"type": "url_citation", "url": url, "title": url, "start_index": 0, "end_index": 0} for url in urls]

    @staticmethod
    def _search(
        search_tools: list[dict], question: str, output: list[dict], server_calls: dict
    ) -> tuple[str, list[dict]]:
        """Server-side search: the calls the server made, an answer, and its url_citation annotations."""
        sources: list[tuple[str, str]] = []
        for tool in search_tools:
            kind = tool["type"]
            query = summary(question, 80)
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
        text = f"Simulated search answer to: {summary(question)}\n\nSources:"
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


def last_user_text(messages: list) -> str:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return request_text("chat", {"messages": [message]})
    return ""


def summary(text: str, limit: int = 240) -> str:
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
    parts.append(f"You asked: {summary(question)}")
    return " ".join(parts)


# --- HTTP -------------------------------------------------------------------------------------
