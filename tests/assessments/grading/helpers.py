"""Builders for grading tests: model results and transcripts as the client returns them."""

from assessments.modelapi.types import Citation, ModelResult, ToolCall, Usage


def model_result(
    text: str = "",
    *,
    finish_reason: str = "stop",
    tool_calls: tuple[ToolCall, ...] = (),
    citations: tuple[Citation, ...] = (),
    refusal: str | None = None,
    usage: Usage | None = None,
    cost_usd: float = 0.0,
) -> ModelResult:
    return ModelResult(
        text=text,
        finish_reason=finish_reason,
        tool_calls=tool_calls,
        citations=citations,
        refusal=refusal,
        requested_model="grok-4.3",
        resolved_model="grok-4.3",
        usage=usage or Usage(),
        cost_usd_ticks=None,
        cost_usd=cost_usd,
        latency_ms=12,
        response_id="resp-1",
        api="chat",
        raw={},
    )
