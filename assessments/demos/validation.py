"""Rules shared by the content sync (task files) and submission (what a learner writes)."""

import re
from typing import Any

from assessments.grading.checks import schema_error
from assessments.modelapi import catalog

MODALITIES = ("text", "structured_output", "function_calling", "search", "vision")
LEARNER_WRITES = ("system_prompt", "user_prompt", "json_schema", "tools")
SERVER_TOOLS = ("web_search", "x_search")
REASONING_EFFORTS = ("none", "low", "medium", "high", "xhigh")
IMAGE_MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
_TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def image_mime(name: str, data: bytes) -> str | None:
    """The MIME type when both the file name and the bytes say jpg or png, else None."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    mime = IMAGE_MIME.get(suffix)
    return mime if mime and catalog.image_format_ok(data, mime) else None


def json_schema_errors(schema: Any) -> list[str]:
    if not isinstance(schema, dict):
        return ["a JSON Schema must be a JSON object"]
    if error := schema_error(schema):
        where, message = error
        return [f"invalid JSON Schema at {where}: {message}"]
    return []


def tools_errors(tools: Any) -> list[str]:
    """Function tool definitions in the OpenAI/xAI shape: [{type: function, function: {name, parameters}}]."""
    if not isinstance(tools, list) or not tools:
        return ["tools must be a non-empty list of function definitions"]
    errors, names = [], set()
    for index, tool in enumerate(tools, start=1):
        where = f"tool {index}"
        if not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(tool.get("function"), dict):
            errors.append(f"{where}: expected {{type: function, function: {{name, description, parameters}}}}")
            continue
        function = tool["function"]
        name = function.get("name")
        if not isinstance(name, str) or not _TOOL_NAME.match(name):
            errors.append(f"{where}: 'name' must be 1-64 letters, digits, '_' or '-'")
        elif name in names:
            errors.append(f"{where}: duplicate tool name '{name}'")
        else:
            names.add(name)
        if "description" in function and not isinstance(function["description"], str):
            errors.append(f"{where}: 'description' must be text")
        if "parameters" in function:
            errors.extend(f"{where}: {message}" for message in json_schema_errors(function["parameters"]))
    return errors


def tool_names(tools: list | None) -> list[str]:
    return [tool["function"]["name"] for tool in tools or []]
