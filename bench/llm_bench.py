"""The LLM layer's own costs: what the response cache saves, and what the resilience
wrappers add to every call.

Part 1: one completion through the whole stack (`build_llm_client`: accounting, metrics,
pseudonymisation, cache, breaker, retry, timeout, the real OpenAI adapter), answered by the
loopback fake OpenAI server of the tests (a miss: a new question each time) or by the memory
cache (a hit: the same question again). The miss is an HTTP round trip on loopback, a floor
for any real provider, which answers in hundreds of milliseconds.

Part 2: the per-call overhead of the circuit breaker and the retry layer, wrapped around an
in-process client that answers at once, against that client bare, in the same run.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table
from tests.llm.fake_providers import FakeLLMServer, Reply  # the tests' loopback fake

from bench.stats import percentile
from denialops.config import load_settings
from denialops.llm.breaker import CircuitBreaker, CircuitBreakerLLMClient
from denialops.llm.client import BaseLLMClient, build_llm_client
from denialops.llm.models import Completion, CompletionRequest, Message
from denialops.llm.resilience import Backoff, RetryingLLMClient

ANSWER = Completion(
    text="CO-197 means no prior authorization was on file.", provider="x", model="y"
)


class InstantLLM(BaseLLMClient):
    """Answers at once, from memory: what is left to measure is the layers around it."""

    provider = "instant"
    model = "instant-1"

    async def complete(self, request: CompletionRequest) -> Completion:
        return ANSWER

    async def stream(self, request: CompletionRequest) -> AsyncIterator[str]:
        yield ANSWER.text


def ask(text: str) -> CompletionRequest:
    return CompletionRequest(messages=(Message(role="user", content=text),))


async def _samples(call: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return samples


async def cache_table(quick: bool) -> Table:
    runs = 50 if quick else 300
    table = Table(title=f"One completion through the whole stack, {runs} calls each")
    for column in ("answered by", "median", "p99", "mean"):
        table.add_column(column, justify="right")
    with FakeLLMServer() as server, tempfile.TemporaryDirectory() as data:
        server.always(Reply(ANSWER.text))
        settings = load_settings(
            data_dir=Path(data),
            llm_provider="openai",
            llm_base_url=f"{server.url}/v1",
            openai_api_key="bench",
            llm_model="gpt-4o-mini",
            cache_max_entries=10_000,
        )
        client = build_llm_client(settings)
        assert client is not None
        try:
            for i in range(20):  # warm-up: connection pool, SDK, code paths
                await client.complete(ask(f"warm-up {i}"))
            counter = iter(range(10**9))
            miss = await _samples(lambda: client.complete(ask(f"question {next(counter)}")), runs)
            await client.complete(ask("the same question"))
            hit = await _samples(lambda: client.complete(ask("the same question")), runs)
        finally:
            await client.aclose()
    for label, samples in (("provider (cache miss, loopback)", miss), ("memory cache (hit)", hit)):
        table.add_row(label, *(_fmt(v) for v in _summary(samples)))
    ratio = statistics.median(miss) / statistics.median(hit)
    table.caption = f"a hit is {ratio:,.0f}x faster than a loopback miss (medians)"
    return table


async def wrapper_table(quick: bool) -> Table:
    calls = 5_000 if quick else 50_000
    bare = InstantLLM()
    breaker = CircuitBreakerLLMClient(bare, CircuitBreaker(failure_threshold=5, cooldown_s=30))
    retry = RetryingLLMClient(bare, max_retries=2, backoff=Backoff(base_s=0.5, max_wait_s=20))
    both = CircuitBreakerLLMClient(
        RetryingLLMClient(bare, max_retries=2, backoff=Backoff(base_s=0.5, max_wait_s=20)),
        CircuitBreaker(failure_threshold=5, cooldown_s=30),
    )
    request = ask("What does CO-197 mean?")
    clients: dict[str, BaseLLMClient] = {
        "bare client": bare,
        "breaker": breaker,
        "retry": retry,
        "breaker + retry": both,
    }
    per_call: dict[str, list[float]] = {name: [] for name in clients}
    for _ in range(5):  # interleaved rounds: a busy moment hits every variant alike
        for name, client in clients.items():
            started = time.perf_counter()
            for _ in range(calls):
                await client.complete(request)
            per_call[name].append((time.perf_counter() - started) / calls)
    base = statistics.median(per_call["bare client"])
    table = Table(title=f"Per-call cost of the resilience wrappers ({calls:,} calls x 5 rounds)")
    for column in ("client", "µs per call", "x bare", "+ µs over bare"):
        table.add_column(column, justify="right")
    for name, rounds in per_call.items():
        us = statistics.median(rounds)
        table.add_row(name, f"{us * 1e6:.2f}", f"{us / base:.1f}", f"{(us - base) * 1e6:.2f}")
    return table


def _summary(samples: list[float]) -> tuple[float, float, float]:
    return statistics.median(samples), percentile(samples, 99), statistics.fmean(samples)


def _fmt(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.0f} µs"


async def run(*, quick: bool = False) -> None:
    console = Console()
    console.print(await cache_table(quick))
    console.print(await wrapper_table(quick))
