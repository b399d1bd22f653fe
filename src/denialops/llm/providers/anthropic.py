"""Anthropic messages through the official SDK (`AsyncAnthropic`).

- SDK retries are off (`max_retries=0`): the resilience layer retries.
- System messages go in the `system` field, joined; the rest alternate user/assistant.
- JSON is asked for in the system prompt and validated afterwards (`BaseLLMClient`); this works
  on every Claude model, where the native structured-output format does not.
- No temperature is sent: SDK 2.x has no such parameter and API version 2026-10-21 rejects it.
- Only text counts: thinking blocks, which newer models emit by default, are skipped in both
  the answer and the stream.
- SDK 2.x sends the key as `Authorization: Bearer …`, which the API accepts like `x-api-key`.
- Quirk: a stream that stalls after its first event raises a bare `httpx2.ReadTimeout` from
  the SDK; it is caught and mapped like the SDK's own timeout.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anthropic
from anthropic.types import Message as SDKMessage
from anthropic.types import MessageParam, TextBlock
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
from denialops.llm.providers._json import with_json_instruction

_SDK_ERRORS: tuple[type[Exception], ...] = (
    anthropic.AnthropicError,
    *UNREADABLE,
    *TRANSPORT_ERRORS,
)


class AnthropicClient(BaseLLMClient):
    """One Claude model."""

    provider = "anthropic"

    def __init__(
        self, *, model: str, api_key: str, base_url: str | None = None, timeout_s: float = 30.0
    ) -> None:
        self.model = model
        self._sdk = anthropic.AsyncAnthropic(
            api_key=api_key, base_url=base_url, timeout=timeout_s, max_retries=0
        )

    async def complete(self, request: CompletionRequest) -> Completion:
        """Answer `request` with plain text."""
        with translated(self.provider, self.model, request, _SDK_ERRORS, self._translate):
            message = await self._sdk.messages.create(**self._params(request))
            return self._completion(message)

    async def complete_json(
        self, request: CompletionRequest, schema: type[BaseModel]
    ) -> Completion:
        """Answer with JSON for `schema`, asked for in the system prompt."""
        return await self.complete(with_json_instruction(request, schema))

    async def stream(self, request: CompletionRequest) -> AsyncIterator[str]:
        """Answer as text deltas, in order (the SDK's `text_stream`: text blocks only)."""
        with translated(self.provider, self.model, request, _SDK_ERRORS, self._translate):
            async with self._sdk.messages.stream(**self._params(request)) as events:
                async for text in events.text_stream:
                    if text:
                        yield text

    async def aclose(self) -> None:
        """Close the SDK's connection pool. Safe to call twice."""
        await self._sdk.close()

    def _params(self, request: CompletionRequest) -> dict[str, Any]:
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        params: dict[str, Any] = {
            "model": self.model,
            "max_tokens": request.max_tokens,
            "messages": _messages(request),
        }
        if system:
            params["system"] = system
        return params

    def _completion(self, message: object) -> Completion:
        """Our Completion from the SDK's message, or LLMBadResponse when it holds no text."""
        if not isinstance(message, SDKMessage):
            raise LLMBadResponse(f"{self.provider} answered without a message")
        texts = [b.text for b in message.content or () if isinstance(b, TextBlock)]
        if not texts:
            raise LLMBadResponse(f"{self.provider} answered without text")
        usage = message.usage
        return Completion(
            text="".join(texts),
            provider=self.provider,
            model=self.model,
            usage=Usage(
                input_tokens=(usage.input_tokens or 0) if usage else 0,
                output_tokens=(usage.output_tokens or 0) if usage else 0,
            ),
            finish_reason=message.stop_reason,
        )

    def _translate(self, e: Exception) -> LLMError:
        if isinstance(e, anthropic.APITimeoutError):
            return LLMTimeout(f"{self.provider} did not answer in time")
        if isinstance(e, anthropic.APIConnectionError):
            return LLMServerError(f"{self.provider} could not be reached")
        if isinstance(e, anthropic.APIStatusError):
            return error_for_status(self.provider, e.status_code, e.response.headers)
        return error_without_status(self.provider, e)


def _messages(request: CompletionRequest) -> list[MessageParam]:
    messages: list[MessageParam] = []
    for m in request.messages:
        if m.role == "user":
            messages.append({"role": "user", "content": m.content})
        elif m.role == "assistant":
            messages.append({"role": "assistant", "content": m.content})
    return messages
