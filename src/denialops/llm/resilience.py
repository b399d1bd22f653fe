"""Per-call timeouts and retries with backoff, as LLM layers. The circuit breaker, the third
resilience layer, lives beside them in `llm/breaker.py`.

- `TimeoutLLMClient` bounds each attempt: a call that does not answer in `timeout_s` raises
  `LLMTimeout`. For a stream it bounds the wait for each chunk, the first one included, so a
  long answer that keeps coming is never cut off but a stalled one is.
- `RetryingLLMClient` retries transient failures only — `LLMTimeout`, `LLMRateLimited` and
  `LLMServerError` — with exponential backoff and full jitter, waiting at least what a 429's
  Retry-After asks (capped at `max_wait_s`). A bad answer, a rejected request or an open
  circuit is not transient: retrying would only spend money or hammer a provider we have
  decided to leave alone. A stream is retried only until its first chunk: after that the
  caller has text and a retry would repeat it.

Retries use tenacity's `AsyncRetrying` with our own wait strategy (`Backoff`), an injectable
`sleep` and random source, so tests record the waits instead of sleeping them.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import structlog
from pydantic import BaseModel
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from denialops.errors import LLMError, LLMRateLimited, LLMServerError, LLMTimeout
from denialops.llm.client import BaseLLMClient
from denialops.llm.models import Completion, CompletionRequest
from denialops.llm.wrapper import LLMClientWrapper, aclose_stream, relay, started

log = structlog.get_logger(__name__)

R = TypeVar("R")

#: The only failures worth another attempt: the provider may well answer next time.
TRANSIENT: tuple[type[LLMError], ...] = (LLMTimeout, LLMRateLimited, LLMServerError)

Sleep = Callable[[float], Awaitable[None]]


class TimeoutLLMClient(LLMClientWrapper):
    """Raises `LLMTimeout` when the inner client takes longer than `timeout_s` to answer."""

    def __init__(self, inner: BaseLLMClient, *, timeout_s: float) -> None:
        super().__init__(inner)
        self.timeout_s = timeout_s

    async def complete(self, request: CompletionRequest) -> Completion:
        return await self._bounded(self.inner.complete(request))

    async def complete_json(
        self, request: CompletionRequest, schema: type[BaseModel]
    ) -> Completion:
        return await self._bounded(self.inner.complete_json(request, schema))

    async def stream(self, request: CompletionRequest) -> AsyncIterator[str]:
        chunks = aiter(self.inner.stream(request))
        try:
            while True:
                try:
                    chunk = await self._bounded(anext(chunks))
                except StopAsyncIteration:
                    return
                yield chunk
        finally:
            await aclose_stream(chunks)

    async def _bounded(self, call: Awaitable[R]) -> R:
        try:
            async with asyncio.timeout(self.timeout_s):
                return await call
        except TimeoutError:
            log.warning(
                "llm.timeout", provider=self.provider, model=self.model, timeout_s=self.timeout_s
            )
            raise LLMTimeout(f"no answer within {self.timeout_s:g}s") from None


class Backoff:
    """Tenacity wait strategy: exponential backoff with full jitter, honouring Retry-After.

    The n-th wait is uniform in [0, min(max_wait_s, base_s * 2**(n-1))] (full jitter spreads
    clients that failed together); after a 429 that names a Retry-After it is at least that,
    and never more than `max_wait_s`.
    """

    def __init__(
        self, *, base_s: float, max_wait_s: float, rand: Callable[[], float] = random.random
    ) -> None:
        self.base_s = base_s
        self.max_wait_s = max_wait_s
        self._rand = rand

    def __call__(self, state: RetryCallState) -> float:
        ceiling = min(self.max_wait_s, self.base_s * 2.0 ** (state.attempt_number - 1))
        wait = self._rand() * ceiling
        error = state.outcome.exception() if state.outcome is not None else None
        if isinstance(error, LLMRateLimited) and error.retry_after_s is not None:
            wait = max(wait, error.retry_after_s)
        return min(wait, self.max_wait_s)


class RetryingLLMClient(LLMClientWrapper):
    """Retries transient failures up to `max_retries` times (so `max_retries + 1` attempts)."""

    def __init__(
        self,
        inner: BaseLLMClient,
        *,
        max_retries: int,
        backoff: Backoff,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        super().__init__(inner)
        self.max_retries = max_retries
        self.backoff = backoff
        self._sleep = sleep

    async def complete(self, request: CompletionRequest) -> Completion:
        return await self._call(lambda: self.inner.complete(request), request)

    async def complete_json(
        self, request: CompletionRequest, schema: type[BaseModel]
    ) -> Completion:
        return await self._call(lambda: self.inner.complete_json(request, schema), request)

    async def stream(self, request: CompletionRequest) -> AsyncIterator[str]:
        chunks = await self._call(lambda: started(self.inner.stream(request)), request)
        async for chunk in relay(chunks):
            yield chunk

    async def _call(self, attempt: Callable[[], Awaitable[R]], request: CompletionRequest) -> R:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_retries + 1),
            wait=self.backoff,
            retry=retry_if_exception_type(TRANSIENT),
            sleep=self._sleep,
            before_sleep=lambda state: self._log_retry(state, request),
            reraise=True,
        )
        async for try_ in retrying:
            with try_:
                return await attempt()
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    def _log_retry(self, state: RetryCallState, request: CompletionRequest) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        log.info(
            "llm.retry",
            provider=self.provider,
            model=self.model,
            purpose=request.purpose,
            attempt=state.attempt_number,
            error=error.code if isinstance(error, LLMError) else type(error).__name__,
            wait_s=round(state.upcoming_sleep, 3),
        )
