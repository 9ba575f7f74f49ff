"""Values that conform to a JSON Schema: what a schema-constrained model answers."""

from __future__ import annotations

import uuid
from typing import Any


def schema_instance(schema: dict, root: dict | None = None, name: str = "", depth: int = 0) -> Any:
    """A value that conforms to `schema` (xAI's structured-output subset).

    Enums give their first value, except that an array whose items are objects with
    an enum property gets one item per enum value: a judge schema listing criterion
    ids thus yields exactly one verdict per criterion.
    """
    root = schema if root is None else root
    if depth > 16 or not isinstance(schema, dict):
        return None
    if "$ref" in schema:
        return schema_instance(_resolve_ref(root, schema["$ref"]), root, name, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            options = [option for option in schema[key] if option.get("type") != "null"] or schema[key]
            return schema_instance(options[0], root, name, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((item for item in kind if item != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "array" if "items" in schema else "string"
    if kind == "object":
        return {
            key: schema_instance(sub, root, key, depth + 1) for key, sub in (schema.get("properties") or {}).items()
        }
    if kind == "array":
        return _array_instance(schema, root, name, depth)
    if kind == "string":
        return _string_instance(schema, name)
    if kind in {"integer", "number"}:
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + (1 if "exclusiveMinimum" in schema else 0))
        value = max(low, 1) if "maximum" not in schema else min(max(low, 1), schema["maximum"])
        return int(value) if kind == "integer" else float(value)
    if kind == "boolean":
        return True
    return None


def _resolve_ref(root: dict, ref: str) -> dict:
    node: Any = root
    for part in ref.removeprefix("#/").split("/"):
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return node


def _array_instance(schema: dict, root: dict, name: str, depth: int) -> list:
    items = schema.get("items") or {}
    if "$ref" in items:
        items = _resolve_ref(root, items["$ref"])
    enum_properties = [
        key for key, sub in (items.get("properties") or {}).items() if isinstance(sub, dict) and sub.get("enum")
    ]
    if items.get("type") == "object" and enum_properties:
        # Prefer the property that names what is being enumerated (criterion, *_id).
        key = next(
            (k for k in enum_properties if "criterion" in k.lower() or k.lower() == "id" or k.lower().endswith("_id")),
            enum_properties[0],
        )
        template = schema_instance(items, root, name, depth + 1)
        return [{**template, key: value} for value in items["properties"][key]["enum"]]
    count = max(1, schema.get("minItems", 1))
    if "maxItems" in schema:
        count = min(count, schema["maxItems"])
    return [schema_instance(items, root, name, depth + 1) for _ in range(count)]


def _string_instance(schema: dict, name: str) -> str:
    fixed = {
        "date": "2026-11-22",
        "date-time": "2026-11-22T09:30:00Z",
        "time": "09:30:00",
        "email": "learner@example.com",
        "uri": "https://example.com/",
        "uuid": str(uuid.UUID(int=1)),
    }
    value = fixed.get(schema.get("format", ""), f"simulated {name}".strip() if name else "simulated text")
    value = value.ljust(schema.get("minLength", 0), "x")
    return value[: schema["maxLength"]] if "maxLength" in schema else value
