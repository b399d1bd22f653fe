"""Metrics for LLM calls: a layer that times every call and reports how it ended, and the
hooks that connect the whole stack to whatever records metrics.

`ObservedLLMClient` calls `on_call(provider, outcome, seconds)` once per call the pipeline
makes. The outcome is a short fixed word, so a metric label stays bounded:

    ok, cache_hit, timeout, rate_limited, server_error, request_rejected, bad_response,
    circuit_open, unavailable, error

`LLMHooks.reporting_to(observer)` turns an `LLMObserver` — the app's `Metrics` is one — into
the three hooks `stack.wrap` takes (per call, per cache look-up, per breaker transition). The
LLM layer knows the observer only by this protocol, so it never imports the metrics machinery.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel

from denialops.errors import LLMError
from denialops.llm.breaker import BreakerState, TransitionHook
from denialops.llm.cache import CacheResult
from denialops.llm.client import BaseLLMClient
from denialops.llm.models import Completion, CompletionRequest
from denialops.llm.wrapper import LLMClientWrapper, relay

CallHook = Callable[[str, str, float], None]


class LLMObserver(Protocol):
    """What records LLM metrics (`observability.metrics.Metrics` fits)."""

    def observe_llm_call(self, provider: str, outcome: str, seconds: float) -> None: ...

    def cache_result(self, hit: bool) -> None: ...

    def set_circuit_state(self, state: str) -> None: ...


def outcome_of(error: BaseException | None, completion: Completion | None = None) -> str:
    """The outcome label for a call that raised `error` (or answered `completion`)."""
    if error is None:
        return "cache_hit" if completion is not None and completion.cached else "ok"
    if isinstance(error, LLMError):
        return error.code.removeprefix("llm_")
    return "error"


class ObservedLLMClient(LLMClientWrapper):
    """Times each call and reports `(provider, outcome, seconds)` to `on_call`. A stream is
    timed from the request to its last chunk (or its failure)."""

    def __init__(self, inner: BaseLLMClient, on_call: CallHook) -> None:
        super().__init__(inner)
        self._on_call = on_call

    async def complete(self, request: CompletionRequest) -> Completion:
        return await self._timed(lambda: self.inner.complete(request))

    async def complete_json(
        self, request: CompletionRequest, schema: type[BaseModel]
    ) -> Completion:
        return await self._timed(lambda: self.inner.complete_json(request, schema))

    async def stream(self, request: CompletionRequest) -> AsyncIterator[str]:
        started = time.perf_counter()
        try:
            async for chunk in relay(self.inner.stream(request)):
                yield chunk
        except Exception as e:
            self._report(outcome_of(e), started)
            raise
        self._report("ok", started)

    async def _timed(self, call: Callable[[], Awaitable[Completion]]) -> Completion:
        started = time.perf_counter()
        try:
            completion = await call()
        except Exception as e:  # cancellation is neither a success nor a provider failure
            self._report(outcome_of(e), started)
            raise
        self._report(outcome_of(None, completion), started)
        return completion

    def _report(self, outcome: str, started: float) -> None:
        self._on_call(self.provider, outcome, time.perf_counter() - started)


@dataclass(frozen=True)
class LLMHooks:
    """The stack's reporting hooks, each optional: per call, per cache look-up, per breaker
    transition (see `stack.wrap`)."""

    on_call: CallHook | None = None
    on_cache_result: Callable[[CacheResult], None] | None = None
    on_breaker_transition: TransitionHook | None = None

    @classmethod
    def reporting_to(cls, observer: LLMObserver | None) -> LLMHooks:
        """Hooks that record into `observer` (no hooks for None)."""
        if observer is None:
            return cls()

        def on_cache_result(result: CacheResult) -> None:
            observer.cache_result(result == "hit")

        def on_breaker_transition(old: BreakerState, new: BreakerState) -> None:
            observer.set_circuit_state(new)

        return cls(
            on_call=observer.observe_llm_call,
            on_cache_result=on_cache_result,
            on_breaker_transition=on_breaker_transition,
        )
