"""A local stand-in for the xAI API, for the tests, the benchmarks and test mode.

It speaks the same HTTP as the real service (Chat Completions, Responses, models) with
realistic bodies, and refuses what the real API refuses, the same way
(`validation`). What it answers, in order of precedence:

1. a scripted reply or fault queued through the control API (`server`);
2. a scripted multi-step reply whose match text is in the request (`replies`);
3. on the course's demo tasks, what a model would answer: the judge, the grader-address
   classifier, and the model under test, which does the task only when the prompt asks
   for what it needs (`demo_tasks`);
4. a generated answer that fits the request (`answers`, `schema`).

Control API, on the same port:

    POST /_sim/script    queue scripted replies and faults (consumed in order)
    POST /_sim/reset     forget the script, the request log and added replies
    POST /_sim/config    {"latency": seconds, "judge_mode": "honest" | "fooled"}
    POST /_sim/replies   add a scripted multi-step reply: {"match", "responses"}
    GET  /_sim/requests  the requests received, oldest first, with when each came (`time`),
                         when it was answered (`finished`) and how (`outcome`)

A script item is a dict; shortcuts under "fault" expand to the others:

    {"fault": "rate_limit", "retry_after": 2}   429 (Retry-After in seconds or an HTTP date)
    {"fault": "spending_limit"}                  429 that says the credits are spent
    {"fault": "500"} / "502" / "503" / "504"     server errors in xAI's shape
    {"fault": "drop"}                            close the socket without answering
    {"fault": "slow", "delay": 3}                answer normally after 3 seconds
    {"status": 400, "body": {...}, "headers": {...}}   an exact reply
    {"content": "text"} / {"tool_calls": [{"name", "arguments"}]} / {"refusal": "..."}
                                                 a realistic answer carrying this output
    "error_shape": "openai"                      errors as {"error": {"message", ...}}
    "endpoint": "chat" | "responses"             only consumed by that endpoint
    "times": n                                   the same item n times

Run it with `python -m devtools.model_simulator --content content` (see `__main__`).
"""

from .control import SimulatorControl
from .schema import schema_instance
from .server import ModelSimulator

__all__ = ["ModelSimulator", "SimulatorControl", "schema_instance"]
