"""Reading a request: its text, the model turns it already holds, its function tools."""

from __future__ import annotations

from typing import Any


def request_text(endpoint: str, body: dict) -> str:
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


def model_turns(endpoint: str, body: dict) -> int:
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


def function_tools(body: dict) -> list[dict]:
    return [tool for tool in body.get("tools") or () if isinstance(tool, dict) and tool.get("type") == "function"]


# --- the simulator ------------------------------------------------------------------------
