"""`wrap`: the provider client, dressed in every layer the settings ask for, in the right order.

The factory builds one provider client and calls `wrap` once; everything else talks to what
comes back. Health and metrics find a layer in the stack with `wrapper.find_layer` (say, the
`CircuitBreakerLLMClient` for its `breaker.state`), or pass the hooks below.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from denialops.config import Settings
from denialops.llm.accounting import AccountingLLMClient
from denialops.llm.breaker import CircuitBreaker, CircuitBreakerLLMClient, TransitionHook
from denialops.llm.cache import CacheBackend, CacheResult, CachingLLMClient, MemoryCache, RedisCache
from denialops.llm.client import BaseLLMClient
from denialops.llm.models import LLMProvider
from denialops.llm.observed import CallHook, ObservedLLMClient
from denialops.llm.pseudonymise import PseudonymisingLLMClient
from denialops.llm.resilience import Backoff, RetryingLLMClient, Sleep, TimeoutLLMClient

#: Retry waits start around this and double (with full jitter) up to LLM_RETRY_MAX_WAIT_S.
RETRY_BASE_WAIT_S = 0.5

_CLOUD = frozenset({LLMProvider.OPENAI.value, LLMProvider.ANTHROPIC.value})


def wrap(
    client: BaseLLMClient,
    settings: Settings,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Sleep = asyncio.sleep,
    on_cache_result: Callable[[CacheResult], None] | None = None,
    on_breaker_transition: TransitionHook | None = None,
    on_call: CallHook | None = None,
) -> BaseLLMClient:
    """`client` inside, from the outside in:

    accounting → observed → pseudonymise → cache → breaker → retry → timeout → provider

    - accounting is outermost so it sees every call the pipeline makes, cache hits and
      failures included, and records the final price of each;
    - observed (only with `on_call`) times each of those calls for the metrics, with how it
      ended: a cache hit, an open circuit or a timeout after retries are outcomes too;
    - pseudonymise comes before the cache, so keys and stored answers hold placeholders,
      never PHI (Redis included); placeholders are stable, so the same case still hits;
    - the cache comes before the breaker, so a stored answer is served even while the
      circuit is open, and a hit is not mistaken for a sign of the provider's health;
    - the breaker comes before retry, so it counts one failure per call that failed after
      all its attempts, and an open circuit stops a call before any attempt or wait;
    - the timeout is innermost, so it bounds each attempt and a timed-out attempt is retried.
    """
    layered: BaseLLMClient = TimeoutLLMClient(client, timeout_s=settings.llm_timeout_s)
    layered = RetryingLLMClient(
        layered,
        max_retries=settings.llm_max_retries,
        backoff=Backoff(base_s=RETRY_BASE_WAIT_S, max_wait_s=settings.llm_retry_max_wait_s),
        sleep=sleep,
    )
    breaker = CircuitBreaker(
        failure_threshold=settings.llm_breaker_failures,
        cooldown_s=settings.llm_breaker_cooldown_s,
        clock=clock,
        on_transition=on_breaker_transition,
        name=client.provider,
    )
    layered = CircuitBreakerLLMClient(layered, breaker)
    backend = cache_backend(settings, clock=clock)
    if backend is not None:
        layered = CachingLLMClient(layered, backend, on_result=on_cache_result)
    if pseudonymise_enabled(settings, client.provider):
        layered = PseudonymisingLLMClient(layered)
    if on_call is not None:
        layered = ObservedLLMClient(layered, on_call)
    return AccountingLLMClient(layered)


def cache_backend(
    settings: Settings, *, clock: Callable[[], float] = time.monotonic
) -> CacheBackend | None:
    """The configured cache backend, or None when CACHE_BACKEND=none (no cache layer)."""
    if settings.cache_backend == "memory":
        return MemoryCache(
            max_entries=settings.cache_max_entries, ttl_s=settings.cache_ttl_s, clock=clock
        )
    if settings.cache_backend == "redis":
        return RedisCache.from_url(
            settings.redis_url.get_secret_value(), ttl_s=settings.cache_ttl_s
        )
    return None


def pseudonymise_enabled(settings: Settings, provider: str) -> bool:
    """LLM_PSEUDONYMISE if set; otherwise on for the cloud providers, off for a local model."""
    if settings.llm_pseudonymise is not None:
        return settings.llm_pseudonymise
    return provider in _CLOUD
