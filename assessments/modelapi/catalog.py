"""What the platform knows about xAI's model names and the parameters they accept.

One table shared by the client (which must never send a parameter the model
rejects) and the simulator (which rejects them the way the API does). Facts are
from xAI's documentation as of November 2026: slugs retired on 15 May 2026 still
resolve but are served by grok-4.3, yet they keep rejecting `reasoning_effort`.
"""

from __future__ import annotations

# Image inputs: JPEG or PNG, at most 20 MiB each; the leading bytes identify the format.
IMAGE_MAX_BYTES = 20 * 1024 * 1024
IMAGE_MAGIC: dict[str, bytes] = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}


def image_format_ok(data: bytes, mime: str) -> bool:
    """True when the bytes really are the JPEG or PNG that `mime` claims."""
    return mime in IMAGE_MAGIC and data.startswith(IMAGE_MAGIC[mime])


# reasoning_effort values each model family accepts on Chat Completions (and as
# `reasoning.effort` on Responses). A family absent here rejects every value.
_REASONING_EFFORTS: dict[str, frozenset[str]] = {
    "grok-3-mini": frozenset({"low", "high"}),
    "grok-4.3": frozenset({"none", "low", "medium", "high"}),
    "grok-4.6": frozenset({"none", "low", "medium", "high", "xhigh"}),
    "grok-4.7": frozenset({"none", "low", "medium", "high", "xhigh"}),
}

# Requested name -> the `model` the API reports back.
_RESOLVED: dict[str, str] = {
    "grok-4": "grok-4.3",
    "grok-4-latest": "grok-4.3",
    "grok-4-0709": "grok-4.3",
    "grok-4-fast": "grok-4.3",
    "grok-4-fast-reasoning": "grok-4.3",
    "grok-4-fast-non-reasoning": "grok-4.3",
    "grok-4-1-fast-reasoning": "grok-4.3",
    "grok-4-1-fast-non-reasoning": "grok-4.3",
    "grok-code-fast-1": "grok-4.3",
    "grok-3": "grok-4.3",
    "grok-4.3": "grok-4.3",
    "grok-4.3-latest": "grok-4.3",
    "grok-4.20": "grok-4.20-0309-reasoning",
    "grok-4.20-0309-reasoning": "grok-4.20-0309-reasoning",
    "grok-4.20-0309-non-reasoning": "grok-4.20-0309-non-reasoning",
    "grok-4.20-multi-agent-0309": "grok-4.20-multi-agent-0309",
    "grok-4.5": "grok-4.5",
    "grok-4.6": "grok-4.6",
    "grok-4.7": "grok-4.7",
    "grok-3-mini": "grok-3-mini",
    "grok-2-vision-1212": "grok-2-vision-1212",
}

# Only these older models accept stop / penalties; every grok-4 variant, grok-3-mini,
# grok-code-fast-1 and the 2026 models (non-reasoning ones too) reject them.
_SAMPLING_PENALTIES_ALLOWED = frozenset({"grok-2-vision-1212"})


def _family(model: str, families) -> str | None:
    """The longest known family name that `model` is, or starts with plus '-'."""
    best = None
    for name in families:
        if (model == name or model.startswith(name + "-")) and (best is None or len(name) > len(best)):
            best = name
    return best


def accepted_reasoning_efforts(model: str) -> frozenset[str]:
    family = _family(model, _REASONING_EFFORTS)
    return _REASONING_EFFORTS[family] if family else frozenset()


def accepts_reasoning_effort(model: str, effort: str) -> bool:
    return effort in accepted_reasoning_efforts(model)


def known_models() -> tuple[str, ...]:
    return tuple(_RESOLVED)


def resolve_model(model: str, reasoning_effort: str | None = None) -> str | None:
    """The name the API reports for a request, or None for a model it does not serve."""
    if model == "grok-3-mini" and reasoning_effort == "high":
        return "grok-3-mini-high"
    return _RESOLVED.get(model)


def rejected_sampling_parameters(model: str) -> tuple[str, ...]:
    """The sampling parameters this model answers with a 400."""
    if model in _SAMPLING_PENALTIES_ALLOWED:
        return ()
    if model == "grok-3":
        return ("presence_penalty",)
    return ("stop", "presence_penalty", "frequency_penalty")


def price_for(model: str, price_table: dict) -> dict | None:
    """The price entry for a model (exact name, else the longest family prefix)."""
    if model in price_table:
        return price_table[model]
    family = _family(model, price_table)
    return price_table[family] if family else None


def cost_usd(
    price: dict,
    *,
    prompt_tokens: int,
    cached_tokens: int,
    output_tokens: int,
    server_tool_calls: int,
    server_tool_price_per_1k: float,
) -> float:
    """A call's cost by a price entry (USD per million tokens; `cached_input` defaults to
    `input`) plus its server-side tool calls. `output_tokens` includes reasoning tokens.
    The client prices a response that reports no cost this way; the simulator reports
    the same figure as `cost_in_usd_ticks`."""
    uncached = max(0, prompt_tokens - cached_tokens)
    tokens_cost = (
        uncached * price["input"]
        + cached_tokens * price.get("cached_input", price["input"])
        + output_tokens * price["output"]
    ) / 1_000_000
    return tokens_cost + server_tool_calls * server_tool_price_per_1k / 1000
