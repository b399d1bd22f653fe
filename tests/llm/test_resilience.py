"""Timeouts, retries with backoff, the circuit breaker, and the order `wrap` stacks them in."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest
from pydantic import BaseModel
from structlog.testing import capture_logs

from denialops.config import load_settings
from denialops.errors import (
    LLMBadResponse,
    LLMCircuitOpen,
    LLMError,
    LLMRateLimited,
    LLMRequestRejected,
    LLMServerError,
    LLMTimeout,
)
from denialops.llm.accounting import AccountingLLMClient
from denialops.llm.breaker import BreakerState, CircuitBreaker, CircuitBreakerLLMClient
from denialops.llm.cache import CachingLLMClient, MemoryCache, RedisCache
from denialops.llm.pseudonymise import PseudonymisingLLMClient
from denialops.llm.resilience import Backoff, RetryingLLMClient, TimeoutLLMClient
from denialops.llm.stack import wrap
from denialops.llm.wrapper import find_layer, layers

from .scripted import (
    HANG,
    FakeClock,
    RecordingSleep,
    ScriptedLLM,
    Step,
    StreamStep,
    collect,
    request,
)

pytestmark = pytest.mark.anyio


def retrying(
    inner: ScriptedLLM, sleep: RecordingSleep, *, retries: int = 3, rand: float = 1.0
) -> RetryingLLMClient:
    backoff = Backoff(base_s=0.5, max_wait_s=20.0, rand=lambda: rand)
    return RetryingLLMClient(inner, max_retries=retries, backoff=backoff, sleep=sleep)


class TestTimeout:
    async def test_a_call_that_does_not_answer_in_time_raises_llm_timeout(self) -> None:
        client = TimeoutLLMClient(ScriptedLLM([HANG]), timeout_s=0.01)
        with pytest.raises(LLMTimeout):
            await client.complete(request())

    async def test_a_prompt_answer_passes_through(self) -> None:
        client = TimeoutLLMClient(ScriptedLLM(["fine"]), timeout_s=5)
        assert (await client.complete(request())).text == "fine"

    async def test_a_stream_that_never_starts_raises_llm_timeout(self) -> None:
        inner = ScriptedLLM(streams=[StreamStep(["never"], hang_first=True)])
        client = TimeoutLLMClient(inner, timeout_s=0.01)
        with pytest.raises(LLMTimeout):
            await collect(client.stream(request()))

    async def test_a_stream_that_keeps_coming_is_not_cut_off(self) -> None:
        inner = ScriptedLLM(streams=[StreamStep(["a", "b", "c"])])
        client = TimeoutLLMClient(inner, timeout_s=5)
        assert await collect(client.stream(request())) == ["a", "b", "c"]


class TestRetry:
    @pytest.mark.parametrize(
        "error", [LLMTimeout(), LLMRateLimited(), LLMServerError()], ids=lambda e: e.code
    )
    async def test_transient_failures_are_retried_until_an_answer(self, error: LLMError) -> None:
        inner, sleep = ScriptedLLM([error, error, "answer"]), RecordingSleep()
        completion = await retrying(inner, sleep).complete(request())
        assert completion.text == "answer"
        assert inner.calls == 3
        assert len(sleep.waits) == 2

    @pytest.mark.parametrize(
        "error",
        [LLMBadResponse(), LLMRequestRejected(), LLMCircuitOpen()],
        ids=lambda e: e.code,
    )
    async def test_permanent_failures_are_not_retried(self, error: LLMError) -> None:
        inner, sleep = ScriptedLLM([error, "never reached"]), RecordingSleep()
        with pytest.raises(type(error)):
            await retrying(inner, sleep).complete(request())
        assert inner.calls == 1
        assert sleep.waits == []

    async def test_gives_up_after_max_retries_with_the_last_error(self) -> None:
        inner, sleep = ScriptedLLM([LLMServerError()] * 10), RecordingSleep()
        with pytest.raises(LLMServerError):
            await retrying(inner, sleep, retries=2).complete(request())
        assert inner.calls == 3

    async def test_zero_retries_means_one_attempt(self) -> None:
        inner, sleep = ScriptedLLM([LLMTimeout(), "late"]), RecordingSleep()
        with pytest.raises(LLMTimeout):
            await retrying(inner, sleep, retries=0).complete(request())
        assert inner.calls == 1

    async def test_retry_after_is_waited_at_least(self) -> None:
        inner, sleep = ScriptedLLM([LLMRateLimited(retry_after_s=7.0), "ok"]), RecordingSleep()
        await retrying(inner, sleep, rand=0.0).complete(request())
        assert sleep.waits == [7.0]

    async def test_retry_after_is_capped_at_the_max_wait(self) -> None:
        inner, sleep = ScriptedLLM([LLMRateLimited(retry_after_s=600), "ok"]), RecordingSleep()
        await retrying(inner, sleep).complete(request())
        assert sleep.waits == [20.0]

    async def test_backoff_doubles_up_to_the_cap(self) -> None:
        inner, sleep = ScriptedLLM([LLMServerError()] * 8), RecordingSleep()
        with pytest.raises(LLMServerError):
            await retrying(inner, sleep, retries=7, rand=1.0).complete(request())
        assert sleep.waits == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 20.0]

    async def test_jittered_waits_stay_within_their_exponential_ceiling(self) -> None:
        rng = random.Random(1234)
        backoff = Backoff(base_s=0.5, max_wait_s=20.0, rand=rng.random)
        sleep = RecordingSleep()
        for _ in range(20):
            inner = ScriptedLLM([LLMServerError()] * 6)
            client = RetryingLLMClient(inner, max_retries=5, backoff=backoff, sleep=sleep)
            with pytest.raises(LLMServerError):
                await client.complete(request())
        ceilings = [0.5, 1.0, 2.0, 4.0, 8.0] * 20
        assert all(
            0 <= wait <= ceiling for wait, ceiling in zip(sleep.waits, ceilings, strict=True)
        )
        assert len(set(sleep.waits)) > 90  # jittered, not a fixed schedule

    async def test_each_retry_is_logged_without_the_prompt(self) -> None:
        inner = ScriptedLLM([LLMServerError(), "ok"])
        with capture_logs() as logs:
            await retrying(inner, RecordingSleep()).complete(request("secret letter text"))
        [event] = [e for e in logs if e["event"] == "llm.retry"]
        assert event["error"] == "llm_server_error"
        assert event["attempt"] == 1
        assert "secret letter text" not in repr(logs)

    async def test_structured_calls_are_retried_too(self) -> None:
        inner = ScriptedLLM([LLMTimeout(), '{"x": 1}'])
        result = await retrying(inner, RecordingSleep()).complete_json(request(), _X)
        assert result.text == '{"x": 1}'
        assert inner.schemas == [_X, _X]

    async def test_a_stream_is_retried_until_its_first_chunk(self) -> None:
        inner = ScriptedLLM(streams=[LLMServerError(), StreamStep(["he", "llo"])])
        chunks = await collect(retrying(inner, RecordingSleep()).stream(request()))
        assert chunks == ["he", "llo"]
        assert inner.stream_calls == 2

    async def test_a_stream_is_not_retried_once_it_has_yielded(self) -> None:
        inner = ScriptedLLM(streams=[StreamStep(["he"], error=LLMServerError())])
        received: list[str] = []
        with pytest.raises(LLMServerError):
            await collect(retrying(inner, RecordingSleep()).stream(request()), into=received)
        assert received == ["he"]
        assert inner.stream_calls == 1


class _X(BaseModel):
    x: int


def state(breaker: CircuitBreaker) -> BreakerState:
    """Read afresh each time (mypy would otherwise narrow the property between reads)."""
    return breaker.state


class TestBreaker:
    def make(self, clock: FakeClock) -> CircuitBreaker:
        transitions: list[tuple[BreakerState, BreakerState]] = []
        breaker = CircuitBreaker(
            failure_threshold=3,
            cooldown_s=30,
            clock=clock,
            on_transition=lambda old, new: transitions.append((old, new)),
        )
        self.transitions = transitions
        return breaker

    async def fail(self, client: CircuitBreakerLLMClient, times: int) -> None:
        for _ in range(times):
            with pytest.raises(LLMServerError):
                await client.complete(request())

    async def test_full_cycle_closed_open_half_open_closed(self) -> None:
        clock = FakeClock()
        breaker = self.make(clock)
        inner = ScriptedLLM([LLMServerError()] * 3 + ["recovered"])
        client = CircuitBreakerLLMClient(inner, breaker)

        await self.fail(client, 2)
        assert state(breaker) == "closed"
        await self.fail(client, 1)
        assert state(breaker) == "open"

        clock.advance(29.9)
        assert state(breaker) == "open"
        clock.advance(0.1)
        assert state(breaker) == "half_open"

        assert (await client.complete(request())).text == "recovered"
        assert state(breaker) == "closed"
        assert self.transitions == [
            ("closed", "open"),
            ("open", "half_open"),
            ("half_open", "closed"),
        ]

    async def test_open_fails_fast_without_calling_the_provider(self) -> None:
        clock = FakeClock()
        inner = ScriptedLLM([LLMTimeout()] * 3)
        client = CircuitBreakerLLMClient(inner, self.make(clock))
        for _ in range(3):
            with pytest.raises(LLMTimeout):
                await client.complete(request())
        with pytest.raises(LLMCircuitOpen) as raised:
            await client.complete(request())
        assert inner.calls == 3
        assert raised.value.headers["Retry-After"] == "30"

    async def test_a_failed_trial_reopens_for_a_whole_cool_down(self) -> None:
        clock = FakeClock()
        breaker = self.make(clock)
        client = CircuitBreakerLLMClient(ScriptedLLM([LLMServerError()] * 4), breaker)
        await self.fail(client, 3)
        clock.advance(30)
        await self.fail(client, 1)  # the trial
        assert state(breaker) == "open"
        clock.advance(29)
        assert state(breaker) == "open"
        assert self.transitions[-2:] == [("open", "half_open"), ("half_open", "open")]

    async def test_a_success_resets_the_count_of_consecutive_failures(self) -> None:
        breaker = self.make(FakeClock())
        failure = LLMServerError()
        script: list[Step] = [failure, failure, "ok", failure, failure]
        client = CircuitBreakerLLMClient(ScriptedLLM(script), breaker)
        await self.fail(client, 2)
        await client.complete(request())
        await self.fail(client, 2)
        assert state(breaker) == "closed"
        assert breaker.consecutive_failures == 2

    @pytest.mark.parametrize("error", [LLMBadResponse(), LLMRequestRejected()], ids=str)
    async def test_answers_that_prove_the_provider_is_up_do_not_count(
        self, error: LLMError
    ) -> None:
        breaker = self.make(FakeClock())
        client = CircuitBreakerLLMClient(ScriptedLLM([error] * 5), breaker)
        for _ in range(5):
            with pytest.raises(type(error)):
                await client.complete(request())
        assert state(breaker) == "closed"

    async def test_half_open_lets_one_trial_through_at_a_time(self) -> None:
        clock = FakeClock()
        breaker = self.make(clock)
        inner = ScriptedLLM([LLMServerError()] * 3 + [HANG])
        client = CircuitBreakerLLMClient(inner, breaker)
        await self.fail(client, 3)
        clock.advance(30)

        trial = asyncio.create_task(client.complete(request()))
        await asyncio.sleep(0)
        with pytest.raises(LLMCircuitOpen):
            await client.complete(request())
        trial.cancel()
        with pytest.raises(asyncio.CancelledError):
            await trial
        assert state(breaker) == "half_open"  # a cancelled trial settles nothing
        assert inner.calls == 4

    async def test_every_transition_is_logged(self) -> None:
        clock = FakeClock()
        breaker = self.make(clock)
        client = CircuitBreakerLLMClient(ScriptedLLM([LLMServerError()] * 3), breaker)
        with capture_logs() as logs:
            await self.fail(client, 3)
            clock.advance(30)
            await client.complete(request())
        states = [
            (e["from_state"], e["to_state"]) for e in logs if e["event"] == "llm.circuit_state"
        ]
        assert states == [("closed", "open"), ("open", "half_open"), ("half_open", "closed")]

    async def test_streams_that_fail_to_start_open_the_circuit(self) -> None:
        breaker = self.make(FakeClock())
        inner = ScriptedLLM(streams=[LLMServerError()] * 3)
        client = CircuitBreakerLLMClient(inner, breaker)
        for _ in range(3):
            with pytest.raises(LLMServerError):
                await collect(client.stream(request()))
        with pytest.raises(LLMCircuitOpen):
            await collect(client.stream(request()))
        assert inner.stream_calls == 3

    async def test_a_stream_that_starts_counts_as_a_success(self) -> None:
        clock = FakeClock()
        breaker = self.make(clock)
        inner = ScriptedLLM(
            [LLMServerError()] * 3, streams=[StreamStep(["a", "b"], error=LLMServerError())]
        )
        client = CircuitBreakerLLMClient(inner, breaker)
        await self.fail(client, 3)
        clock.advance(30)
        with pytest.raises(LLMServerError):
            await collect(client.stream(request()))
        assert state(breaker) == "closed"


class TestStack:
    def test_layers_go_outside_in_as_documented(self, tmp_path: Path) -> None:
        settings = load_settings(data_dir=tmp_path, llm_pseudonymise=True)
        stack = wrap(ScriptedLLM(), settings)
        kinds = [type(layer) for layer in layers(stack)]
        assert kinds == [
            AccountingLLMClient,
            PseudonymisingLLMClient,
            CachingLLMClient,
            CircuitBreakerLLMClient,
            RetryingLLMClient,
            TimeoutLLMClient,
            ScriptedLLM,
        ]
        assert stack.provider == "fake"
        assert stack.model == "fake-1"

    def test_pseudonymisation_defaults_to_on_for_cloud_and_off_for_local(
        self, tmp_path: Path
    ) -> None:
        settings = load_settings(data_dir=tmp_path)
        cloud = wrap(ScriptedLLM(provider="anthropic"), settings)
        local = wrap(ScriptedLLM(provider="local"), settings)
        assert find_layer(cloud, PseudonymisingLLMClient) is not None
        assert find_layer(local, PseudonymisingLLMClient) is None

    def test_the_cache_backend_follows_the_settings(self, tmp_path: Path) -> None:
        def backend(**kwargs: object) -> object:
            stack = wrap(ScriptedLLM(), load_settings(data_dir=tmp_path, **kwargs))
            layer = find_layer(stack, CachingLLMClient)
            return None if layer is None else type(layer.backend)

        assert backend() is MemoryCache
        assert backend(cache_backend="redis") is RedisCache
        assert backend(cache_backend="none") is None

    async def test_the_breaker_settings_and_clock_reach_the_breaker(self, tmp_path: Path) -> None:
        clock, sleep = FakeClock(), RecordingSleep()
        settings = load_settings(
            data_dir=tmp_path, llm_breaker_failures=2, llm_breaker_cooldown_s=5, llm_max_retries=1
        )
        inner = ScriptedLLM([LLMServerError()] * 4)
        stack = wrap(inner, settings, clock=clock, sleep=sleep)
        for _ in range(2):
            with pytest.raises(LLMServerError):
                await stack.complete(request(temperature=0.5))
        with pytest.raises(LLMCircuitOpen):
            await stack.complete(request(temperature=0.5))
        assert inner.calls == 4  # two calls of two attempts each, then none
        layer = find_layer(stack, CircuitBreakerLLMClient)
        assert layer is not None
        clock.advance(5)
        assert state(layer.breaker) == "half_open"

    async def test_closing_the_stack_closes_the_provider(self, tmp_path: Path) -> None:
        inner = ScriptedLLM()
        await wrap(inner, load_settings(data_dir=tmp_path)).aclose()
        assert inner.closed == 1
