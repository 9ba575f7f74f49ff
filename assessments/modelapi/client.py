"""The one module that talks to the model API (xAI, or any OpenAI-compatible endpoint).

Every call has a timeout, makes a few short retries of transient failures (429 except
the spending-limit one, 5xx, connection errors and timeouts) with exponential backoff and
full jitter capped at a few seconds, honours a `Retry-After` up to a cap, and comes back
as a `ModelResult` carrying the resolved model, latency, token usage and cost. Failures
come back as `ModelAPIError`; a retryable one carries the server's requested wait when it
exceeded the cap. Longer waits are the caller's: a Celery task retries later without
holding a thread (`assessments.demos.services`), so one layer, not three, decides how
long to wait and how many requests a persistent failure costs.

Each thread gets its own small httpx client (keep-alive connection, shared TLS
context). A thread-pool worker holds 100+ calls in flight this way; one pool shared by
all threads does not scale: httpcore 1.0.9 scans every pooled connection under one lock
on each request (measured here: 300 one-second calls took 6.5 s shared, 1.2 s per
thread) and can close a connection another thread was just given (encode/httpcore#1110),
leaving that call hanging until its read timeout.
"""

from __future__ import annotations

import base64
import email.utils
import logging
import os
import random
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings

from assessments.modelapi import catalog
from assessments.modelapi.types import (
    USD_TICKS_PER_USD,
    Citation,
    ModelAPIError,
    ModelResult,
    ToolCall,
    Usage,
)

logger = logging.getLogger("assessments.modelapi")

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# A 429 that more waiting will not fix: the team is out of credits or over its budget.
_SPENDING_LIMIT_MARKERS = ("spending limit", "credits")


# --- per-thread HTTP clients ------------------------------------------------------------

_local = threading.local()
_tls_lock = threading.Lock()
_tls_context: ssl.SSLContext | None = None


def _shared_tls_context() -> ssl.SSLContext:
    """Loading the CA bundle costs ~75 ms; every thread's client reuses one context."""
    global _tls_context
    with _tls_lock:
        if _tls_context is None:
            _tls_context = httpx.create_ssl_context()  # certifi's bundle, SSL_CERT_FILE honoured
        return _tls_context


def _http_client() -> httpx.Client:
    """This thread's httpx client, created on first use and again after a fork (so a
    prefork child never shares its parent's sockets)."""
    pid = os.getpid()
    if getattr(_local, "pid", None) != pid:
        _local.client = httpx.Client(
            verify=_shared_tls_context(),
            limits=httpx.Limits(max_connections=4, max_keepalive_connections=2, keepalive_expiry=30),
            follow_redirects=False,
        )
        _local.pid = pid
    return _local.client


# --- request helpers ------------------------------------------------------------------


def image_part(data: bytes, mime: str, detail: str = "high") -> dict:
    """A Chat Completions content part carrying an image as a base64 data URL."""
    return {"type": "image_url", "image_url": {"url": _image_data_url(data, mime), "detail": detail}}


def input_image_part(data: bytes, mime: str, detail: str = "high") -> dict:
    """The same image as a Responses API input part."""
    return {"type": "input_image", "image_url": _image_data_url(data, mime), "detail": detail}


def _image_data_url(data: bytes, mime: str) -> str:
    mime = "image/jpeg" if mime.lower() in {"image/jpg", "jpg", "jpeg", "image/jpeg"} else mime.lower()
    if mime == "png":
        mime = "image/png"
    if mime not in catalog.IMAGE_MAGIC:
        raise ValueError(f"images must be JPEG or PNG, not {mime!r}")
    if len(data) > catalog.IMAGE_MAX_BYTES:
        raise ValueError(f"image is {len(data)} bytes; the API accepts at most 20 MiB")
    if not catalog.image_format_ok(data, mime):
        raise ValueError(f"image data is not a {mime} file")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _retry_after_seconds(headers: httpx.Headers) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date (also OpenAI's retry-after-ms)."""
    if value := headers.get("retry-after-ms"):
        try:
            return max(0.0, float(value) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _parse_error(response: httpx.Response) -> tuple[str, str]:
    """(code, message) from xAI's `{"code", "error"}` or OpenAI's `{"error": {"message", ...}}`."""
    try:
        body = response.json()
    except ValueError:
        return "", (response.text or response.reason_phrase or "no body")[:500]
    if not isinstance(body, dict):
        return "", str(body)[:500]
    error = body.get("error")
    if isinstance(error, dict):
        code = error.get("code") or error.get("type") or body.get("code") or ""
        return str(code), str(error.get("message") or error)
    if isinstance(error, str):
        return str(body.get("code") or ""), error
    return str(body.get("code") or ""), str(body.get("message") or body)[:500]


@dataclass(frozen=True)
class _Call:
    api: str
    path: str
    model: str
    payload: dict


# --- the client -----------------------------------------------------------------------


class ModelClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        timeout: float,
        max_retries: int,
        backoff_base: float,
        backoff_max: float,
        price_table: dict,
        *,
        connect_timeout: float = 10.0,
        retry_after_max: float = 60.0,
        server_tool_price_per_1k: float = 5.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = httpx.Timeout(timeout, connect=min(connect_timeout, timeout), pool=timeout)
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.retry_after_max = retry_after_max
        self.price_table = price_table
        self.server_tool_price_per_1k = server_tool_price_per_1k

    # -- public API ---------------------------------------------------------------------

    def chat(
        self,
        *,
        model: str,
        messages: list[dict],
        temperature: float | None = None,
        max_output_tokens: int | None = None,
        tools: list[dict] | None = None,
        tool_choice: str | dict | None = None,
        parallel_tool_calls: bool | None = None,
        response_format: dict | None = None,
        reasoning_effort: str | None = None,
        seed: int | None = None,
    ) -> ModelResult:
        """POST /chat/completions. Stop sequences and penalties are never sent: reasoning
        models reject them, even at their neutral values."""
        payload: dict[str, Any] = {"model": model, "messages": messages}
        optional = {
            "temperature": temperature,
            "max_completion_tokens": max_output_tokens,
            "tools": tools or None,
            "tool_choice": tool_choice if tools else None,
            "parallel_tool_calls": parallel_tool_calls if tools else None,
            "response_format": response_format,
            "reasoning_effort": self._reasoning_effort(model, reasoning_effort),
            "seed": seed,
        }
        payload.update({key: value for key, value in optional.items() if value is not None})
        body, latency_ms, attempts = self._send(_Call("chat", "/chat/completions", model, payload))
        return _logged(self._chat_result(model, body, latency_ms, attempts))

    def respond(
        self,
        *,
        model: str,
        input: str | list[dict],
        instructions: str | None = None,
        tools: list[dict] | None = None,
        max_output_tokens: int | None = None,
        temperature: float | None = None,
        reasoning_effort: str | None = None,
    ) -> ModelResult:
        """POST /responses, for server-side tools (web_search, x_search). Nothing is
        stored at xAI (`store: false`), which image inputs also require."""
        payload: dict[str, Any] = {"model": model, "input": input, "store": False}
        effort = self._reasoning_effort(model, reasoning_effort)
        optional = {
            "instructions": instructions,
            "tools": tools or None,
            "max_output_tokens": max_output_tokens,
            "temperature": temperature,
            "reasoning": {"effort": effort} if effort is not None else None,
        }
        payload.update({key: value for key, value in optional.items() if value is not None})
        body, latency_ms, attempts = self._send(_Call("responses", "/responses", model, payload))
        return _logged(self._responses_result(model, body, latency_ms, attempts))

    def list_models(self) -> tuple[dict, ...]:
        """GET /models: the models this key may use, as `{"id", "created", ...}` entries. One
        attempt (a daily check simply runs again tomorrow); failures raise ModelAPIError."""
        try:
            response = _http_client().get(self.base_url + "/models", headers=self._headers(), timeout=self.timeout)
        except httpx.TransportError as exc:
            raise ModelAPIError(f"{type(exc).__name__}: {exc}", code="connection_error", retryable=True) from exc
        if not response.is_success:
            code, message = _parse_error(response)
            raise ModelAPIError(message, status=response.status_code, code=code)
        try:
            data = response.json().get("data")
        except (ValueError, AttributeError):
            data = None
        if not isinstance(data, list):
            raise ModelAPIError("the model list is not a JSON object with a 'data' list", code="invalid_response")
        return tuple(entry for entry in data if isinstance(entry, dict) and isinstance(entry.get("id"), str))

    def result_from_raw(self, raw: dict, *, api: str, requested_model: str) -> ModelResult:
        """A ModelResult from a response body received earlier (a recorded reference
        answer, say), parsed and priced exactly as a live answer is. Makes no call."""
        if api == "chat":
            return self._chat_result(requested_model, raw, 0, 1)
        if api == "responses":
            return self._responses_result(requested_model, raw, 0, 1)
        raise ValueError(f"api must be 'chat' or 'responses', not {api!r}")

    def longest_call_seconds(self) -> float:
        """The longest one call can take, all attempts timing out (connect, then read) with
        the longest pause between them: what a lease over a call must outlast."""
        # Both are set in __init__ (httpx types them as optional).
        attempt = (self.timeout.connect or 0.0) + (self.timeout.read or 0.0)
        pause = max(self.backoff_max, self.retry_after_max + self.backoff_base)
        return (self.max_retries + 1) * attempt + self.max_retries * pause

    # -- sending, with retries ------------------------------------------------------------

    def _reasoning_effort(self, model: str, effort: str | None) -> str | None:
        if effort is None or catalog.accepts_reasoning_effort(model, effort):
            return effort
        logger.warning("model call: dropping reasoning_effort=%s, which %s rejects", effort, model)
        return None

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    def _backoff(self, retry_index: int) -> float:
        """Full jitter: uniform over [0, min(cap, base * 2**n)]."""
        return random.uniform(0, min(self.backoff_max, self.backoff_base * (2**retry_index)))

    def _send(self, call: _Call) -> tuple[dict, int, int]:
        """POST the call; returns (body, latency of the successful attempt in ms, attempts)."""
        url = self.base_url + call.path
        http = _http_client()
        attempts = 0
        while True:
            attempts += 1
            started = time.monotonic()
            retry_after: float | None = None
            try:
                response = http.post(url, json=call.payload, headers=self._headers(), timeout=self.timeout)
            except httpx.TimeoutException as exc:
                error = ModelAPIError(f"{type(exc).__name__}: {exc}", code="timeout", retryable=True)
            except httpx.TransportError as exc:
                error = ModelAPIError(f"{type(exc).__name__}: {exc}", code="connection_error", retryable=True)
            else:
                latency_ms = int((time.monotonic() - started) * 1000)
                if response.is_success:
                    try:
                        body = response.json()
                    except ValueError:
                        body = None
                    if not isinstance(body, dict):
                        raise ModelAPIError(
                            "response body is not a JSON object",
                            status=response.status_code,
                            code="invalid_response",
                            attempts=attempts,
                        )
                    return body, latency_ms, attempts
                code, message = _parse_error(response)
                status = response.status_code
                retryable = status in RETRYABLE_STATUSES and not (
                    status == 429 and any(marker in message.lower() for marker in _SPENDING_LIMIT_MARKERS)
                )
                error = ModelAPIError(message, status=status, code=code, retryable=retryable)
                if retryable:
                    retry_after = _retry_after_seconds(response.headers)
            error.attempts = attempts
            self._log_failure(call, error)
            if not error.retryable or attempts > self.max_retries:
                raise error
            if retry_after is not None:
                if retry_after > self.retry_after_max:
                    error.retry_after = retry_after
                    raise error
                # A little jitter on top, so threads told the same instant do not return together.
                delay = retry_after + random.uniform(0, self.backoff_base)
            else:
                delay = self._backoff(attempts - 1)
            time.sleep(delay)

    def _log_failure(self, call: _Call, error: ModelAPIError) -> None:
        final = not error.retryable or error.attempts > self.max_retries
        logger.log(
            logging.ERROR if final else logging.WARNING,
            "model call failed api=%s model=%s attempt=%d status=%s code=%r retryable=%s%s: %s",
            call.api,
            call.model,
            error.attempts,
            error.status,
            error.code,
            error.retryable,
            "" if final else " (retrying)",
            error.message[:300],
        )

    # -- parsing --------------------------------------------------------------------------

    def _cost(self, *, model: str, usage: Usage, ticks: int | None) -> float:
        if ticks is not None:
            return ticks / USD_TICKS_PER_USD
        price = catalog.price_for(model, self.price_table)
        if price is None:
            logger.warning("model call: no price for %s and no cost in the response; cost recorded as 0", model)
            return 0.0
        return catalog.cost_usd(
            price,
            prompt_tokens=usage.prompt_tokens,
            cached_tokens=usage.cached_tokens,
            output_tokens=usage.completion_tokens + usage.reasoning_tokens,
            server_tool_calls=usage.server_side_tool_calls,
            server_tool_price_per_1k=self.server_tool_price_per_1k,
        )

    def _finish(
        self,
        *,
        call_api: str,
        requested: str,
        body: dict,
        text: str,
        finish_reason: str,
        tool_calls: tuple[ToolCall, ...],
        citations: tuple[Citation, ...],
        refusal: str | None,
        usage: Usage,
        latency_ms: int,
        attempts: int,
    ) -> ModelResult:
        resolved = str(body.get("model") or requested)
        raw_ticks = (body.get("usage") or {}).get("cost_in_usd_ticks")
        ticks = int(raw_ticks) if isinstance(raw_ticks, (int, float)) else None
        # Price a response that carries no cost by the model that actually served it.
        cost = self._cost(
            model=resolved if catalog.price_for(resolved, self.price_table) else requested, usage=usage, ticks=ticks
        )
        return ModelResult(
            text=text,
            finish_reason=finish_reason,
            tool_calls=tool_calls,
            citations=citations,
            refusal=refusal,
            requested_model=requested,
            resolved_model=resolved,
            usage=usage,
            cost_usd_ticks=ticks,
            cost_usd=cost,
            latency_ms=latency_ms,
            response_id=str(body.get("id") or ""),
            api=call_api,
            raw=body,
            attempts=attempts,
        )

    def _chat_result(self, requested: str, body: dict, latency_ms: int, attempts: int) -> ModelResult:
        choices = body.get("choices") or []
        if not choices:
            raise ModelAPIError("response has no choices", code="invalid_response", attempts=attempts)
        choice = choices[0]
        message = choice.get("message") or {}
        content = message.get("content")
        if isinstance(content, list):  # some compatible servers answer with parts
            content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
        tool_calls = tuple(
            ToolCall(
                id=str(item.get("id") or ""),
                name=str((item.get("function") or {}).get("name") or ""),
                arguments=str((item.get("function") or {}).get("arguments") or ""),
            )
            for item in message.get("tool_calls") or ()
        )
        # xAI sometimes sends an empty finish_reason alongside tool calls.
        finish_reason = choice.get("finish_reason") or ("tool_calls" if tool_calls else "")
        citations = _unique_citations(Citation(url=url) for url in body.get("citations") or () if isinstance(url, str))
        raw_usage = body.get("usage") or {}
        prompt = int(raw_usage.get("prompt_tokens") or 0)
        completion = int(raw_usage.get("completion_tokens") or 0)  # excludes reasoning on xAI
        reasoning = int((raw_usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0)
        usage = Usage(
            prompt_tokens=prompt,
            completion_tokens=completion,
            reasoning_tokens=reasoning,
            cached_tokens=int((raw_usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0),
            total_tokens=int(raw_usage.get("total_tokens") or prompt + completion + reasoning),
            server_side_tool_calls=int(raw_usage.get("num_server_side_tools_used") or 0),
        )
        return self._finish(
            call_api="chat",
            requested=requested,
            body=body,
            text=content or "",
            finish_reason=finish_reason,
            tool_calls=tool_calls,
            citations=citations,
            refusal=message.get("refusal") or None,
            usage=usage,
            latency_ms=latency_ms,
            attempts=attempts,
        )

    def _responses_result(self, requested: str, body: dict, latency_ms: int, attempts: int) -> ModelResult:
        texts: list[str] = []
        refusals: list[str] = []
        tool_calls: list[ToolCall] = []
        citations: list[Citation] = []
        server_side_calls = 0
        for item in body.get("output") or ():
            kind = item.get("type")
            if kind == "message":
                for part in item.get("content") or ():
                    if part.get("type") == "output_text":
                        texts.append(part.get("text") or "")
                        citations.extend(
                            Citation(url=note["url"], title=note.get("title") or "")
                            for note in part.get("annotations") or ()
                            if note.get("type") == "url_citation" and note.get("url")
                        )
                    elif part.get("type") == "refusal":
                        refusals.append(part.get("refusal") or "")
            elif kind == "function_call":
                tool_calls.append(
                    ToolCall(
                        id=str(item.get("call_id") or item.get("id") or ""),
                        name=str(item.get("name") or ""),
                        arguments=str(item.get("arguments") or ""),
                    )
                )
            elif isinstance(kind, str) and kind.endswith("_call"):
                server_side_calls += 1  # web_search_call, x_search_call, code_interpreter_call, ...
        status = body.get("status") or "completed"
        incomplete = (body.get("incomplete_details") or {}).get("reason")
        if tool_calls:
            finish_reason = "tool_calls"
        elif status == "incomplete" and incomplete in {"max_output_tokens", "max_tokens"}:
            finish_reason = "length"
        elif status == "completed":
            finish_reason = "stop"
        else:
            finish_reason = str(incomplete or status)
        raw_usage = body.get("usage") or {}
        prompt = int(raw_usage.get("input_tokens") or 0)
        output = int(raw_usage.get("output_tokens") or 0)  # includes reasoning on Responses
        reasoning = int((raw_usage.get("output_tokens_details") or {}).get("reasoning_tokens") or 0)
        usage = Usage(
            prompt_tokens=prompt,
            completion_tokens=max(0, output - reasoning),
            reasoning_tokens=reasoning,
            cached_tokens=int((raw_usage.get("input_tokens_details") or {}).get("cached_tokens") or 0),
            total_tokens=int(raw_usage.get("total_tokens") or prompt + output),
            server_side_tool_calls=int(raw_usage.get("num_server_side_tools_used") or server_side_calls),
        )
        return self._finish(
            call_api="responses",
            requested=requested,
            body=body,
            text="".join(texts),
            finish_reason=finish_reason,
            tool_calls=tuple(tool_calls),
            citations=_unique_citations(citations),
            refusal="\n".join(refusals) or None,
            usage=usage,
            latency_ms=latency_ms,
            attempts=attempts,
        )


def _logged(result: ModelResult) -> ModelResult:
    """Log a live call's outcome (parsing a stored body is not a call, so it logs nothing)."""
    usage = result.usage
    logger.info(
        "model call api=%s requested=%s resolved=%s id=%s finish=%s attempts=%d latency_ms=%d "
        "prompt=%d cached=%d completion=%d reasoning=%d total=%d server_tools=%d cost_usd=%.6f%s",
        result.api,
        result.requested_model,
        result.resolved_model,
        result.response_id,
        result.finish_reason,
        result.attempts,
        result.latency_ms,
        usage.prompt_tokens,
        usage.cached_tokens,
        usage.completion_tokens,
        usage.reasoning_tokens,
        usage.total_tokens,
        usage.server_side_tool_calls,
        result.cost_usd,
        "" if result.cost_usd_ticks is not None else " (price table)",
    )
    return result


def _unique_citations(citations) -> tuple[Citation, ...]:
    seen: dict[str, Citation] = {}
    for citation in citations:
        if citation.url not in seen or (citation.title and not seen[citation.url].title):
            seen[citation.url] = citation
    return tuple(seen.values())


def get_client() -> ModelClient:
    """A client configured from settings. Cheap: connections live per thread, not per
    ModelClient, so changed settings (tests pointing at the simulator) apply at once."""
    return ModelClient(
        base_url=settings.XAI_BASE_URL,
        api_key=settings.XAI_API_KEY,
        timeout=settings.XAI_TIMEOUT_SECONDS,
        connect_timeout=settings.XAI_CONNECT_TIMEOUT_SECONDS,
        max_retries=settings.XAI_MAX_RETRIES,
        backoff_base=settings.XAI_BACKOFF_BASE_SECONDS,
        backoff_max=settings.XAI_BACKOFF_MAX_SECONDS,
        retry_after_max=settings.XAI_RETRY_AFTER_MAX_SECONDS,
        price_table=settings.XAI_PRICE_TABLE,
        server_tool_price_per_1k=settings.XAI_SERVER_TOOL_PRICE_PER_1K,
    )
