"""The base of every LLM layer: a `BaseLLMClient` that wraps another one (a decorator in the
GoF sense), forwarding what it does not change, and two helpers for streams.

A layer overrides `complete`, `complete_json` and `stream` as it needs; `complete_structured`
stays the shared one from `BaseLLMClient`, so validation runs once, at the outermost layer,
on the text every inner layer has had its say on.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from typing import TypeVar

from pydantic import BaseModel

from denialops.llm.client import BaseLLMClient
from denialops.llm.models import Completion, CompletionRequest

L = TypeVar("L", bound=BaseLLMClient)


class LLMClientWrapper(BaseLLMClient):
    """Forwards every call to `inner`; it answers for the same provider and model."""

    def __init__(self, inner: BaseLLMClient) -> None:
        self.inner = inner
        self.provider = inner.provider
        self.model = inner.model

    async def complete(self, request: CompletionRequest) -> Completion:
        return await self.inner.complete(request)

    async def complete_json(
        self, request: CompletionRequest, schema: type[BaseModel]
    ) -> Completion:
        return await self.inner.complete_json(request, schema)

    def stream(self, request: CompletionRequest) -> AsyncIterator[str]:
        return self.inner.stream(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def layers(client: BaseLLMClient) -> Iterator[BaseLLMClient]:
    """The client and every client it wraps, outermost first, the provider last."""
    current: BaseLLMClient | None = client
    while current is not None:
        yield current
        current = current.inner if isinstance(current, LLMClientWrapper) else None


def find_layer(client: BaseLLMClient, kind: type[L]) -> L | None:
    """The first layer of type `kind` in the stack (health and metrics read the breaker so)."""
    for layer in layers(client):
        if isinstance(layer, kind):
            return layer
    return None


async def started(stream: AsyncIterator[str]) -> AsyncGenerator[str, None]:
    """Wait for `stream`'s first chunk, then hand back a stream of every chunk.

    Starting is where a stream fails for the reasons the resilience layers care about (no
    answer, 429, 5xx), so layers await this inside their timeout, retry or breaker, and relay
    the rest outside it. An error while starting closes `stream` before it propagates.
    """
    try:
        first = await anext(stream)
    except StopAsyncIteration:
        return _chain(None, stream)
    except BaseException:
        await aclose_stream(stream)
        raise
    return _chain(first, stream)


async def relay(stream: AsyncIterator[str]) -> AsyncGenerator[str, None]:
    """Yield `stream`'s chunks, closing it however the consumer stops."""
    try:
        async for chunk in stream:
            yield chunk
    finally:
        await aclose_stream(stream)


async def aclose_stream(stream: AsyncIterator[str]) -> None:
    """Close `stream` if it can be closed (async generators can; plain iterators need not)."""
    if isinstance(stream, AsyncGenerator):
        await stream.aclose()


async def _chain(first: str | None, rest: AsyncIterator[str]) -> AsyncGenerator[str, None]:
    try:
        if first is None:
            return
        yield first
        async for chunk in rest:
            yield chunk
    finally:
        await aclose_stream(rest)
