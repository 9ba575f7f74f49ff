"""JSON from learners and from the model, parsed with a bound on nesting.

`json.loads`, JSON Schema validation and every walk over a parsed value recurse once per
level, and Python stops at about a thousand: a schema or an answer nested a few hundred
levels deep would cost seconds of CPU and end in RecursionError. Nothing the course asks
for comes near `MAX_DEPTH`, so deeper JSON is refused before anything walks it.
"""

import json
from collections.abc import Iterable
from typing import Any

MAX_DEPTH = 64


class JSONTooDeep(json.JSONDecodeError):
    """The text is JSON nested deeper than MAX_DEPTH levels. A JSONDecodeError, so every caller
    that already handles invalid JSON handles this too."""

    def __init__(self, doc: str = ""):
        super().__init__(f"it is nested more than {MAX_DEPTH} levels deep", doc, 0)


def nesting_depth_exceeds(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether a parsed JSON value (or YAML mapping) has objects or arrays nested deeper than
    `limit`. Walks with its own stack, so any depth is measured without recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def loads(text: str | bytes) -> Any:
    """json.loads, raising JSONTooDeep for nesting deeper than MAX_DEPTH."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise JSONTooDeep(text if isinstance(text, str) else "") from None
    if nesting_depth_exceeds(value):
        raise JSONTooDeep(text if isinstance(text, str) else "")
    return value
