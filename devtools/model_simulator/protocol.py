"""Wire-level facts the simulator shares: xAI's error shapes, fault messages, token counting."""

from __future__ import annotations

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
FAULT_MESSAGES = {
    429: "Your team sim-team has exceeded its requests-per-second limit for this model. Slow down and retry.",
    500: "The model backend failed while serving the request.",
    502: "Upstream model server returned an invalid response.",
    503: "The model is temporarily overloaded. Please retry.",
    504: "The model did not answer in time.",
}
SPENDING_LIMIT_MESSAGE = (
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


class Reject(Exception):
    """A request the real API would refuse, with its status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_body(status: int, message: str, shape: str = "xai") -> dict:
    if shape == "openai":
        kind = "rate_limit_error" if status == 429 else "server_error" if status >= 500 else "invalid_request_error"
        return {"error": {"message": message, "type": kind, "param": None, "code": str(status)}}
    if status == 422:  # xAI's deserialisation errors carry no code
        return {"error": message}
    return {"code": _GRPC_TEXT.get(status, "Unknown error"), "error": message}


def tokens(text: str) -> int:
    """A rough token count: about four characters a token."""
    return max(1, len(text) // 4) if text else 0
