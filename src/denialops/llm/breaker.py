"""The circuit breaker: stop calling a provider that keeps failing, try again after a pause.

    closed --(N consecutive failures)--> open --(cool-down elapsed)--> half_open
    half_open --(the trial call succeeds)--> closed
    half_open --(the trial call fails)--> open

While open, calls fail at once with `LLMCircuitOpen` (the pipeline then takes its
deterministic path) instead of each waiting out its own timeouts and retries. Only transient
failures count (`LLMTimeout`, `LLMRateLimited`, `LLMServerError`): a bad or rejected answer
proves the provider is up, so it counts as a success here. In half-open exactly one trial call
goes through; the others fail fast until it has settled the state.

Why hand-written rather than purgatory (a fine library, considered and not used): purgatory 3 reads
`time.time()` inside its state classes, so its cool-down can be neither driven by a test clock
nor protected from wall-clock jumps; it moves open → half-open only when a call arrives, so a
health probe would read "opened" long after the cool-down; it lets every concurrent caller in
as a half-open trial; and its state changes reach listeners through an async message bus as
generic events, under its own state names ("opened", "half-opened"). What we need is the
small class below, with a monotonic, injectable clock.

The state is readable (`CircuitBreaker.state`) for health and metrics; every transition logs
`llm.circuit_state` and calls `on_transition`, where the metrics gauge can hook in.
"""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Literal, TypeVar

import structlog
from pydantic import BaseModel

from denialops.errors import LLMCircuitOpen, LLMError
from denialops.llm.client import BaseLLMClient
from denialops.llm.models import Completion, CompletionRequest
from denialops.llm.resilience import TRANSIENT
from denialops.llm.wrapper import LLMClientWrapper, relay, started

log = structlog.get_logger(__name__)

R = TypeVar("R")
BreakerState = Literal["closed", "open", "half_open"]
Clock = Callable[[], float]
TransitionHook = Callable[[BreakerState, BreakerState], None]


class CircuitBreaker:
    """The closed/open/half-open state machine, independent of what it protects."""

    def __init__(
        self,
        *,
        failure_threshold: int,
        cooldown_s: float,
        clock: Clock = time.monotonic,
        on_transition: TransitionHook | None = None,
        name: str = "llm",
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self.failure_threshold = failure_threshold
        self.cooldown_s = cooldown_s
        self.name = name
        self._clock = clock
        self._on_transition = on_transition
        self._state: BreakerState = "closed"
        self._failures = 0
        self._opened_at = 0.0
        self._trial_in_flight = False

    @property
    def state(self) -> BreakerState:
        """The current state; reading it moves open → half_open once the cool-down is over."""
        if self._state == "open" and self._clock() - self._opened_at >= self.cooldown_s:
            self._move_to("half_open")
        return self._state

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Admit one call (or raise `LLMCircuitOpen`) and record how it ended."""
        trial = self._admit()
        try:
            yield
        except TRANSIENT:
            self._record(success=False, trial=trial)
            raise
        except LLMError:
            self._record(success=True, trial=trial)
            raise
        except BaseException:
            # Cancelled, or a bug: says nothing about the provider. Free the trial slot.
            if trial:
                self._trial_in_flight = False
            raise
        self._record(success=True, trial=trial)

    def _admit(self) -> bool:
        state = self.state
        if state == "closed":
            return False
        if state == "half_open" and not self._trial_in_flight:
            self._trial_in_flight = True
            return True
        remaining = max(0.0, self._opened_at + self.cooldown_s - self._clock())
        raise LLMCircuitOpen(
            "calls to the language model are paused after repeated failures",
            headers={"Retry-After": str(max(1, math.ceil(remaining)))},
        )

    def _record(self, *, success: bool, trial: bool) -> None:
        if trial:
            self._trial_in_flight = False
            if success:
                self._move_to("closed")
            else:
                self._open()
        elif self._state == "closed":
            # Calls admitted before a change of state settle nothing after it.
            self._failures = 0 if success else self._failures + 1
            if self._failures >= self.failure_threshold:
                self._open()

    def _open(self) -> None:
        self._opened_at = self._clock()
        self._move_to("open")

    def _move_to(self, new: BreakerState) -> None:
        old, self._state = self._state, new
        if new == "closed":
            self._failures = 0
        if old == new:
            return
        level = log.warning if new == "open" else log.info
        level("llm.circuit_state", breaker=self.name, from_state=old, to_state=new)
        if self._on_transition is not None:
            self._on_transition(old, new)


class CircuitBreakerLLMClient(LLMClientWrapper):
    """Runs every call through `breaker`. A stream counts as succeeded once its first chunk
    arrives: failing to start is what says the provider is down."""

    def __init__(self, inner: BaseLLMClient, breaker: CircuitBreaker) -> None:
        super().__init__(inner)
        self.breaker = breaker

    async def complete(self, request: CompletionRequest) -> Completion:
        return await self._call(lambda: self.inner.complete(request))

    async def complete_json(
        self, request: CompletionRequest, schema: type[BaseModel]
    ) -> Completion:
        return await self._call(lambda: self.inner.complete_json(request, schema))

    async def stream(self, request: CompletionRequest) -> AsyncIterator[str]:
        chunks = await self._call(lambda: started(self.inner.stream(request)))
        async for chunk in relay(chunks):
            yield chunk

    async def _call(self, call: Callable[[], Awaitable[R]]) -> R:
        with self.breaker.guard():
            return await call()
