"""OpenAI-compatible local servers — Ollama, llama.cpp (`llama-server`, or llama-cpp-python's
`python -m llama_cpp.server`), vLLM — through the OpenAI adapter pointed at `LLM_BASE_URL`
(default: Ollama on http://localhost:11434/v1).

Differences from OpenAI proper: no key is needed (the SDK insists on one, so a placeholder is
sent), the token limit goes by its older name `max_tokens`, temperature is always sent, and
JSON is asked for twice — a response format, which the server turns into a grammar, and the
same instruction in the prompt, for servers that ignore the format.

Quirk: the servers disagree on the response format. Ollama, vLLM and llama-server constrain
decoding by OpenAI's `json_schema`; llama-cpp-python's server refuses it (with a 500 carrying a
validation error, not a 4xx) and takes only `json_object`, with our schema in its `schema`
field — which Ollama in turn would ignore, reading `json_object` as "any JSON". So the first
structured call offers json_schema and, when the server answers it with an HTTP error, tries
json_object + schema once; the format that worked is kept for the client's life.

Quirk: llama.cpp's grammar (Ollama uses it too) unrolls a length bound into nested rules and
refuses the grammar once a bound times its rules passes 2000 — and llama-cpp-python 0.3.36 then
crashes (a segfault: every later call fails). Bounds above `GRAMMAR_MAX_BOUND` are left out of
the schema we send; validation against the full schema still enforces them.
"""

from __future__ import annotations

from typing import Any, Final, Literal, cast

import structlog
from openai.types.chat.completion_create_params import ResponseFormat
from openai.types.shared_params import ResponseFormatJSONSchema
from pydantic import BaseModel

from denialops.errors import LLMRequestRejected, LLMServerError
from denialops.llm.models import Completion, CompletionRequest
from denialops.llm.providers._json import schema_name, strict_schema, with_json_instruction
from denialops.llm.providers.openai import OpenAIClient

log = structlog.get_logger(__name__)

# Local servers ignore the key, but the SDK will not send a request without one.
_PLACEHOLDER_KEY = "local-no-key"
#: The longest length or item-count bound sent to a server (a bound of 1000 characters still
#: makes a grammar llama.cpp accepts; 2000 does not).
GRAMMAR_MAX_BOUND: Final = 500
_BOUNDS: Final = ("maxLength", "minLength", "maxItems", "minItems")


class LocalLLMClient(OpenAIClient):
    """A model on an OpenAI-compatible server of our own."""

    provider = "local"
    _max_tokens_param = "max_tokens"

    def __init__(self, *, model: str, base_url: str, timeout_s: float = 30.0) -> None:
        super().__init__(
            model=model, api_key=_PLACEHOLDER_KEY, base_url=base_url, timeout_s=timeout_s
        )
        # The JSON response format this server takes; None until a structured call got through.
        self._json_format: Literal["json_schema", "json_object"] | None = None

    async def complete_json(
        self, request: CompletionRequest, schema: type[BaseModel]
    ) -> Completion:
        """Answer with JSON for `schema`: response format and prompt instruction together."""
        request = with_json_instruction(request, schema)
        json_schema, json_object = _response_formats(schema)
        if self._json_format == "json_object":
            return await self._complete(request, json_object)
        try:
            completion = await self._complete(request, json_schema)
        except (LLMServerError, LLMRequestRejected) as e:
            if self._json_format is not None:  # json_schema worked before: a real failure
                raise
            log.info(
                "llm.json_format_fallback",
                provider=self.provider,
                model=self.model,
                refused="json_schema",
                error=e.code,
            )
            completion = await self._complete(request, json_object)
            self._json_format = "json_object"
            return completion
        self._json_format = "json_schema"
        return completion

    def _takes_temperature(self) -> bool:
        return True


def _response_formats(schema: type[BaseModel]) -> tuple[ResponseFormat, ResponseFormat]:
    """OpenAI's json_schema format, and llama.cpp's json_object with the schema attached
    (which the SDK's type does not know; it sends the mapping as it is)."""
    json_schema, strict = strict_schema(schema)
    _drop_long_bounds(json_schema)
    by_schema = ResponseFormatJSONSchema(
        type="json_schema",
        json_schema={"name": schema_name(schema), "schema": json_schema, "strict": strict},
    )
    by_object = cast(ResponseFormat, {"type": "json_object", "schema": json_schema})
    return by_schema, by_object


def _drop_long_bounds(node: Any) -> None:
    """Remove, in place, every length or item-count bound above GRAMMAR_MAX_BOUND. (A field
    named like a bound is a schema under `properties`, never an int, so it stays.)"""
    if isinstance(node, list):
        for item in node:
            _drop_long_bounds(item)
    elif isinstance(node, dict):
        for key in _BOUNDS:
            bound = node.get(key)
            if isinstance(bound, int) and bound > GRAMMAR_MAX_BOUND:
                del node[key]
        for value in node.values():
            _drop_long_bounds(value)
