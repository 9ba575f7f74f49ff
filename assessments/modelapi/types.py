"""The model API contract: what every caller of the model client receives.

Results are frozen dataclasses that round-trip through JSON (``to_json`` /
``from_json``) so a stored response can be reused instead of asking the model
again: a step whose result is stored is never requested twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from assessments import json_limits

# 1 USD = 10,000,000,000 ticks (xAI's `usage.cost_in_usd_ticks`).
USD_TICKS_PER_USD = 10_000_000_000


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # the JSON string exactly as the model returned it

    def arguments_json(self) -> Any:
        try:
            return json_limits.loads(self.arguments) if self.arguments.strip() else {}
        except json.JSONDecodeError as exc:
            raise ValueError(f"tool call {self.name!r} has arguments that are not JSON: {exc}") from exc

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "arguments": self.arguments}

    @classmethod
    def from_json(cls, data: dict) -> ToolCall:
        return cls(id=data["id"], name=data["name"], arguments=data.get("arguments", ""))


@dataclass(frozen=True)
class Citation:
    url: str
    title: str = ""

    def to_json(self) -> dict:
        return {"url": self.url, "title": self.title}

    @classmethod
    def from_json(cls, data: dict) -> Citation:
        return cls(url=data["url"], title=data.get("title", ""))


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0  # visible output only; reasoning is counted apart
    reasoning_tokens: int = 0
    cached_tokens: int = 0  # part of prompt_tokens
    total_tokens: int = 0
    server_side_tool_calls: int = 0

    def to_json(self) -> dict:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "cached_tokens": self.cached_tokens,
            "total_tokens": self.total_tokens,
            "server_side_tool_calls": self.server_side_tool_calls,
        }

    @classmethod
    def from_json(cls, data: dict) -> Usage:
        return cls(**{name: int(data.get(name, 0) or 0) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class ModelResult:
    text: str
    finish_reason: str
    tool_calls: tuple[ToolCall, ...]
    citations: tuple[Citation, ...]
    refusal: str | None
    requested_model: str
    resolved_model: str
    usage: Usage
    cost_usd_ticks: int | None  # as reported by the API; None when it reported none
    cost_usd: float  # from the ticks when present, otherwise from the price table
    latency_ms: int
    response_id: str
    api: str  # "chat" or "responses"
    raw: dict = field(repr=False)
    attempts: int = 1

    def to_json(self) -> dict:
        return {
            "text": self.text,
            "finish_reason": self.finish_reason,
            "tool_calls": [call.to_json() for call in self.tool_calls],
            "citations": [citation.to_json() for citation in self.citations],
            "refusal": self.refusal,
            "requested_model": self.requested_model,
            "resolved_model": self.resolved_model,
            "usage": self.usage.to_json(),
            "cost_usd_ticks": self.cost_usd_ticks,
            "cost_usd": self.cost_usd,
            "latency_ms": self.latency_ms,
            "response_id": self.response_id,
            "api": self.api,
            "raw": self.raw,
            "attempts": self.attempts,
        }

    @classmethod
    def from_json(cls, data: dict) -> ModelResult:
        return cls(
            text=data.get("text", ""),
            finish_reason=data.get("finish_reason", ""),
            tool_calls=tuple(ToolCall.from_json(item) for item in data.get("tool_calls", ())),
            citations=tuple(Citation.from_json(item) for item in data.get("citations", ())),
            refusal=data.get("refusal"),
            requested_model=data.get("requested_model", ""),
            resolved_model=data.get("resolved_model", ""),
            usage=Usage.from_json(data.get("usage", {})),
            cost_usd_ticks=data.get("cost_usd_ticks"),
            cost_usd=float(data.get("cost_usd", 0.0)),
            latency_ms=int(data.get("latency_ms", 0)),
            response_id=data.get("response_id", ""),
            api=data.get("api", "chat"),
            raw=data.get("raw", {}),
            attempts=int(data.get("attempts", 1)),
        )

    def text_json(self) -> Any:
        """The answer parsed as JSON (structured output); ValueError when it is not JSON."""
        try:
            return json.loads(self.text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"model answer is not JSON: {exc}") from exc

    def assistant_message(self) -> dict:
        """The assistant turn to append to `messages` before sending tool results back."""
        message: dict[str, Any] = {"role": "assistant", "content": self.text}
        if self.tool_calls:
            message["tool_calls"] = [
                {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}
                for call in self.tool_calls
            ]
        return message


class ModelAPIError(Exception):
    """A model call that failed for good (after any retries it was allowed)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str = "",
        retryable: bool = False,
        attempts: int = 1,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retryable = retryable
        self.attempts = attempts
        # Seconds the server asked us to wait (Retry-After) when it exceeded what the
        # client waits in-line; a Celery task can use it as its retry countdown.
        self.retry_after = retry_after

    def __str__(self) -> str:
        where = f"HTTP {self.status}" if self.status is not None else self.code or "transport error"
        return f"{where}: {self.message} (attempts={self.attempts}, retryable={self.retryable})"
