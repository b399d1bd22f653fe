"""Asking for JSON that fits a pydantic model: the JSON Schema for a native json_schema mode
(strict when the schema allows it), and the prompt instruction for providers without one."""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel

from denialops.llm.models import CompletionRequest, Message


def schema_name(schema: type[BaseModel]) -> str:
    """The schema's name as response formats accept it: [a-zA-Z0-9_-], at most 64 characters."""
    return re.sub(r"[^a-zA-Z0-9_-]", "_", schema.__name__)[:64] or "answer"


def strict_schema(schema: type[BaseModel]) -> tuple[dict[str, Any], bool]:
    """The model's JSON Schema with `additionalProperties: false` on every object, and whether
    it qualifies for OpenAI's strict mode (every property required, no open-ended mappings, no
    `$ref` with sibling keywords). A schema that does not qualify is still sent, unstrict: the
    model is then guided, not bound, and our validation has the last word."""
    json_schema = schema.model_json_schema()
    return json_schema, _close_objects(json_schema)


def _close_objects(node: Any) -> bool:
    """Close every object schema in `node`, in place; True when all of them are strict-able."""
    # Results are collected before `all`, which would stop at the first False and leave the
    # remaining objects open.
    if isinstance(node, list):
        results = [_close_objects(item) for item in node]
        return all(results)
    if not isinstance(node, dict):
        return True
    strict = True
    if "properties" in node:
        node.setdefault("additionalProperties", False)
        strict = set(node.get("required", ())) == set(node["properties"])
    if isinstance(node.get("additionalProperties"), dict):
        strict = False  # a dict[str, X] field: strict mode has no way to say it
    if "$ref" in node and len(node) > 1:
        strict = False
    results = [strict, *(_close_objects(value) for value in node.values())]
    return all(results)


def json_instruction(schema: type[BaseModel]) -> str:
    """The system-prompt instruction for providers that take JSON on trust."""
    compact = json.dumps(schema.model_json_schema(), separators=(",", ":"))
    return (
        "Answer with one JSON object that matches this JSON Schema, and nothing else: "
        f"no prose, no code fences.\nJSON Schema: {compact}"
    )


def with_json_instruction(request: CompletionRequest, schema: type[BaseModel]) -> CompletionRequest:
    """`request` with the JSON instruction as its first system message."""
    instruction = Message(role="system", content=json_instruction(schema))
    return request.model_copy(update={"messages": (instruction, *request.messages)})
