"""OpenAI chat completions through the official SDK (`AsyncOpenAI`); `local.py` reuses it for
OpenAI-compatible servers.

- SDK retries are off (`max_retries=0`): retrying is the resilience layer's job, and two
  layers of retries multiply.
- JSON: a `json_schema` response format built from the pydantic model, strict when the schema
  allows it (see `_json.strict_schema`); validation in `BaseLLMClient` has the last word.
- Temperature is sent only to models that accept it: the o-series and GPT-5 onwards reject any
  value but their default.
- Quirk: a 200 whose body is not JSON comes back from the SDK as a bare `str` (or, with a JSON
  content type, as a `json.JSONDecodeError`), and a JSON body missing fields as an object
  with None where the types promise values; all become LLMBadResponse here.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import openai
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam
from openai.types.chat.completion_create_params import ResponseFormat
from openai.types.shared_params import ResponseFormatJSONSchema
from pydantic import BaseModel

from denialops.errors import LLMBadResponse, LLMError, LLMServerError, LLMTimeout
from denialops.llm.client import BaseLLMClient
from denialops.llm.models import Completion, CompletionRequest, Usage
from denialops.llm.providers._errors import (
    TRANSPORT_ERRORS,
    UNREADABLE,
    error_for_status,
    error_without_status,
    translated,
)
from denialops.llm.providers._json import schema_name, strict_schema

# The SDK wraps transport errors itself; TRANSPORT_ERRORS is a guard should a version not.
_SDK_ERRORS: tuple[type[Exception], ...] = (openai.OpenAIError, *UNREADABLE, *TRANSPORT_ERRORS)
# Reasoning models (o1, o3, o4-mini…) and GPT-5 onwards take no temperature but their default.
_NO_TEMPERATURE = re.compile(r"^(o\d|gpt-([5-9]|\d{2,}))")


class OpenAIClient(BaseLLMClient):
    """One OpenAI chat model."""

    provider = "openai"
    # Local servers know `max_tokens`; OpenAI's reasoning models insist on the newer name.
    _max_tokens_param = "max_completion_tokens"

    def __init__(
        self, *, model: str, api_key: str, base_url: str | None = None, timeout_s: float = 30.0
    ) -> None:
        self.model = model
        self._sdk = openai.AsyncOpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout_s, max_retries=0
        )

    async def complete(self, request: CompletionRequest) -> Completion:
        """Answer `request` with plain text."""
        return await self._complete(request, openai.omit)

    async def complete_json(
        self, request: CompletionRequest, schema: type[BaseModel]
    ) -> Completion:
        """Answer with JSON for `schema`, constrained by a json_schema response format."""
        json_schema, strict = strict_schema(schema)
        response_format = ResponseFormatJSONSchema(
            type="json_schema",
            json_schema={"name": schema_name(schema), "schema": json_schema, "strict": strict},
        )
        return await self._complete(request, response_format)

    async def stream(self, request: CompletionRequest) -> AsyncIterator[str]:
        """Answer as text deltas, in order; role-only and empty deltas are skipped."""
        with translated(self.provider, self.model, request, _SDK_ERRORS, self._translate):
            chunks = await self._sdk.chat.completions.create(**self._params(request), stream=True)
            async with chunks:
                async for chunk in chunks:
                    for choice in chunk.choices or ():
                        if choice.delta is not None and choice.delta.content:
                            yield choice.delta.content

    async def aclose(self) -> None:
        """Close the SDK's connection pool. Safe to call twice."""
        await self._sdk.close()

    async def _complete(
        self, request: CompletionRequest, response_format: ResponseFormat | openai.Omit
    ) -> Completion:
        with translated(self.provider, self.model, request, _SDK_ERRORS, self._translate):
            response = await self._sdk.chat.completions.create(
                **self._params(request), response_format=response_format
            )
            return self._completion(response)

    def _params(self, request: CompletionRequest) -> dict[str, Any]:
        """The create() arguments common to every call."""
        params: dict[str, Any] = {
            "model": self.model,
            "messages": _messages(request),
            self._max_tokens_param: request.max_tokens,
        }
        if self._takes_temperature():
            params["temperature"] = request.temperature
        return params

    def _takes_temperature(self) -> bool:
        return not _NO_TEMPERATURE.match(self.model)

    def _completion(self, response: object) -> Completion:
        """Our Completion from the SDK's answer, or LLMBadResponse when there is no text."""
        if not isinstance(response, ChatCompletion) or not response.choices:
            raise LLMBadResponse(f"{self.provider} answered without a completion")
        choice = response.choices[0]
        text: object = getattr(choice.message, "content", None)
        if not isinstance(text, str):
            raise LLMBadResponse(f"{self.provider} answered without text")
        usage = response.usage
        return Completion(
            text=text,
            provider=self.provider,
            model=self.model,
            usage=Usage(
                input_tokens=(usage.prompt_tokens or 0) if usage else 0,
                output_tokens=(usage.completion_tokens or 0) if usage else 0,
            ),
            finish_reason=choice.finish_reason,
        )

    def _translate(self, e: Exception) -> LLMError:
        if isinstance(e, openai.APITimeoutError):
            return LLMTimeout(f"{self.provider} did not answer in time")
        if isinstance(e, openai.APIConnectionError):
            return LLMServerError(f"{self.provider} could not be reached")
        if isinstance(e, openai.APIStatusError):
            return error_for_status(self.provider, e.status_code, e.response.headers)
        return error_without_status(self.provider, e)


def _messages(request: CompletionRequest) -> list[ChatCompletionMessageParam]:
    messages: list[ChatCompletionMessageParam] = []
    for m in request.messages:
        if m.role == "system":
            messages.append({"role": "system", "content": m.content})
        elif m.role == "user":
            messages.append({"role": "user", "content": m.content})
        else:
            messages.append({"role": "assistant", "content": m.content})
    return messages
