"""The LLM interface (`BaseLLMClient`), the provider choice (`LLMProvider`) and the factory
(`LLMClient`) that builds the configured provider, wrapped in our resilience layers.

Providers implement three calls — plain completion, structured completion into a pydantic
model, and streaming — on our own models (`llm/models.py`). They raise only `LLMError`
subclasses (`denialops.errors`), so the retry, breaker and cache wrappers, and the pipeline's
fallback to the deterministic path, never see an SDK exception.

Provider `none` builds no client at all: `LLMClient.from_settings` returns None. A stand-in
"deterministic model" would have to invent answers that callers then could not tell from a
model's; None says plainly "no LLM here", and the pipeline keeps its deterministic path.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import structlog
from pydantic import BaseModel, ValidationError

from denialops.errors import ConfigurationError, LLMBadResponse
from denialops.llm.models import (
    Completion,
    CompletionRequest,
    LLMProvider,
    StructuredCompletion,
    T,
)

if TYPE_CHECKING:  # config imports llm.models; importing config at run time here would cycle
    from denialops.config import Settings
    from denialops.llm.observed import LLMObserver

__all__ = ["BaseLLMClient", "LLMClient", "LLMProvider", "build_llm_client", "build_provider"]

log = structlog.get_logger(__name__)


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


class LLMClient:
    """The factory the app uses: `LLMClient.from_settings(settings)` is the configured model,
    ready for the pipeline, or None when LLM_PROVIDER=none."""

    @staticmethod
    def from_settings(
        settings: Settings, *, observer: LLMObserver | None = None
    ) -> BaseLLMClient | None:
        """The client for `settings` (see `build_llm_client`)."""
        return build_llm_client(settings, observer=observer)


def build_llm_client(
    settings: Settings, *, observer: LLMObserver | None = None
) -> BaseLLMClient | None:
    """The configured client with every layer around it (`stack.wrap`: accounting, metrics,
    pseudonymisation, cache, breaker, retry, timeout); None for provider `none`.

    `observer` (the app's `Metrics`) receives each call's outcome and duration, each cache
    look-up and each breaker transition."""
    provider = build_provider(settings)
    if provider is None:
        return None
    # Imported here: the layers import this module for `BaseLLMClient`.
    from denialops.llm.observed import LLMHooks
    from denialops.llm.stack import wrap

    hooks = LLMHooks.reporting_to(observer)
    return wrap(
        provider,
        settings,
        on_call=hooks.on_call,
        on_cache_result=hooks.on_cache_result,
        on_breaker_transition=hooks.on_breaker_transition,
    )


def build_provider(settings: Settings) -> BaseLLMClient | None:
    """The bare provider adapter for `settings`: no retries, no cache, no breaker. SDKs are
    imported here, so only the configured one is ever loaded."""
    provider, model = settings.llm_provider, settings.llm_model_name
    client: BaseLLMClient
    if provider is LLMProvider.NONE:
        return None
    if provider is LLMProvider.OPENAI:
        from denialops.llm.providers.openai import OpenAIClient

        client = OpenAIClient(
            model=model,
            api_key=_api_key(settings),
            base_url=settings.llm_endpoint,
            timeout_s=settings.llm_timeout_s,
        )
    elif provider is LLMProvider.ANTHROPIC:
        from denialops.llm.providers.anthropic import AnthropicClient

        client = AnthropicClient(
            model=model,
            api_key=_api_key(settings),
            base_url=settings.llm_endpoint,
            timeout_s=settings.llm_timeout_s,
        )
    else:
        from denialops.llm.providers.local import LocalLLMClient

        client = LocalLLMClient(
            model=model, base_url=settings.llm_endpoint or "", timeout_s=settings.llm_timeout_s
        )
    log.info("llm.client_built", provider=client.provider, model=client.model)
    return client


def _api_key(settings: Settings) -> str:
    key = settings.llm_api_key
    if key is None:  # Settings validation refuses this; settings built without it may not
        raise ConfigurationError(f"no API key for LLM_PROVIDER={settings.llm_provider.value}")
    return key.get_secret_value()
