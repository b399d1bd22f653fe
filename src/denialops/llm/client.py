"""The LLM interface (`BaseLLMClient`), the provider choice (`LLMProvider`) and the factory
(`LLMClient`) that builds the configured provider, wrapped in our resilience layers.

Providers implement three calls — plain completion, structured completion into a pydantic
model, and streaming — on our own models (`llm/models.py`). They raise only `LLMError`
subclasses (`denialops.errors`), so the retry, breaker and cache wrappers, and the pipeline's
fallback to the deterministic path, never see an SDK exception.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from enum import StrEnum

from pydantic import BaseModel, ValidationError

from denialops.errors import LLMBadResponse
from denialops.llm.models import Completion, CompletionRequest, StructuredCompletion, T


class LLMProvider(StrEnum):
    """Who answers. `none` is the built-in deterministic path: no network, the default."""

    NONE = "none"
    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    LOCAL = "local"


class BaseLLMClient(ABC):
    """One model behind one provider. Subclasses implement `complete` and `stream`;
    `complete_structured` is shared: it asks for JSON matching the schema and validates it."""

    provider: str
    model: str

    @abstractmethod
    async def complete(self, request: CompletionRequest) -> Completion:
        """Answer `request` with plain text."""

    @abstractmethod
    def stream(self, request: CompletionRequest) -> AsyncIterator[str]:
        """Answer `request` as text chunks, in order, as the model produces them."""

    async def complete_json(
        self, request: CompletionRequest, schema: type[BaseModel]
    ) -> Completion:
        """Answer with JSON for `schema`. Providers with a native JSON-schema mode override
        this; the default asks in the prompt and relies on validation afterwards."""
        return await self.complete(request)

    async def complete_structured(
        self, request: CompletionRequest, schema: type[T]
    ) -> StructuredCompletion[T]:
        """Answer into `schema`; a reply that is not valid JSON for it raises LLMBadResponse."""
        completion = await self.complete_json(request, schema)
        try:
            value = schema.model_validate_json(_strip_fences(completion.text))
        except ValidationError as e:
            raise LLMBadResponse("the model's answer does not match the schema") from e
        return StructuredCompletion[T](value=value, completion=completion)

    async def aclose(self) -> None:  # noqa: B027 - optional hook, most clients hold nothing
        """Release connections. Safe to call twice."""


def _strip_fences(text: str) -> str:
    """Small models wrap JSON in ```json fences; the JSON itself is what we validate."""
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.split("\n", 1)[1] if "\n" in stripped else ""
        stripped = stripped.rsplit("```", 1)[0]
    return stripped.strip()
