"""The response cache: the same deterministic question to the same model gets the stored
answer, for free.

Only deterministic calls (`temperature == 0`) are cached; a sampled answer is meant to vary.
The key is a SHA-256 over the provider, the model, the purpose and the request's canonical
JSON, plus the schema's name and JSON schema for structured calls, so a changed prompt, model
or schema never reads a stale answer. Streams are not cached.

Backends share one small protocol: a bounded in-memory LRU with a TTL (the default), Redis
(shared by every worker; `SET ... EX`, values are the `Completion` JSON) and none. The cache
is an optimisation, never a dependency: a backend that fails (`CacheUnavailable`) degrades
to a miss and logs `cache.unavailable`. Keys and values are never logged — the values are
model answers about a patient's letter.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, Protocol

import structlog
from pydantic import BaseModel, ValidationError
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from denialops.llm.client import BaseLLMClient, _strip_fences
from denialops.llm.models import Completion, CompletionRequest
from denialops.llm.wrapper import LLMClientWrapper

log = structlog.get_logger(__name__)

CacheResult = Literal["hit", "miss"]
Clock = Callable[[], float]

#: Bump when the key's recipe changes, so old entries are simply never read again.
KEY_VERSION = 1


class CacheUnavailable(Exception):
    """The cache backend could not be read or written; the caller treats it as a miss."""


class CacheBackend(Protocol):
    """Where cached completions live. `get` and `set` raise only `CacheUnavailable`."""

    name: str

    async def get(self, key: str) -> Completion | None: ...

    async def set(self, key: str, completion: Completion) -> None: ...

    async def aclose(self) -> None: ...


def cache_key(
    provider: str,
    model: str,
    request: CompletionRequest,
    schema: type[BaseModel] | None = None,
) -> str:
    """The hex SHA-256 that identifies this question to this model."""
    payload: dict[str, Any] = {
        "v": KEY_VERSION,
        "provider": provider,
        "model": model,
        "purpose": request.purpose,
        "request": request.model_dump(mode="json"),
    }
    if schema is not None:
        payload["schema"] = {"name": schema.__name__, "json_schema": _json_schema(schema)}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@lru_cache(maxsize=256)
def _json_schema(schema: type[BaseModel]) -> dict[str, Any]:
    return schema.model_json_schema()


class NullCache:
    """No cache: every lookup misses and nothing is stored."""

    name = "none"

    async def get(self, key: str) -> Completion | None:
        return None

    async def set(self, key: str, completion: Completion) -> None:
        return None

    async def aclose(self) -> None:
        return None


class MemoryCache:
    """A bounded LRU in this process: at most `max_entries`, each for at most `ttl_s`."""

    name = "memory"

    def __init__(self, *, max_entries: int, ttl_s: float, clock: Clock = time.monotonic) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self.ttl_s = ttl_s
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, Completion]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: str) -> Completion | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_at, completion = entry
        if self._clock() >= expires_at:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return completion.model_copy()

    async def set(self, key: str, completion: Completion) -> None:
        self._entries[key] = (self._clock() + self.ttl_s, completion.model_copy())
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def aclose(self) -> None:
        self._entries.clear()


class RedisCache:
    """Completions in Redis under `prefix` + key, expiring after `ttl_s` (Redis evicts)."""

    name = "redis"

    def __init__(self, redis: Redis, *, ttl_s: float, prefix: str = "denialops:llm:") -> None:
        self.redis = redis
        self.ttl_s = ttl_s
        self.prefix = prefix

    @classmethod
    def from_url(
        cls, url: str, *, ttl_s: float, prefix: str = "denialops:llm:", timeout_s: float = 1.0
    ) -> RedisCache:
        """A client that fails fast: short socket timeouts and no retries of its own (redis-py
        otherwise retries a refused connection ten times, stalling every LLM call)."""
        redis = Redis.from_url(
            url,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            retry=Retry(NoBackoff(), 0),
        )
        return cls(redis, ttl_s=ttl_s, prefix=prefix)

    async def get(self, key: str) -> Completion | None:
        raw = await self._do(self.redis.get(self.prefix + key))
        if raw is None:
            return None
        try:
            return Completion.model_validate_json(raw)
        except ValidationError:
            return None  # written by an older, incompatible version: a miss, soon expired

    async def set(self, key: str, completion: Completion) -> None:
        ttl = max(1, round(self.ttl_s))
        await self._do(self.redis.set(self.prefix + key, completion.model_dump_json(), ex=ttl))

    async def aclose(self) -> None:
        await self.redis.aclose()

    @staticmethod
    async def _do(command: Awaitable[Any]) -> Any:
        try:
            return await command
        except (RedisError, OSError) as e:
            raise CacheUnavailable(type(e).__name__) from e


@dataclass
class CacheStats:
    """Counts since start: lookups that hit, that missed, and backend failures (also misses)."""

    hits: int = 0
    misses: int = 0
    errors: int = 0


class CachingLLMClient(LLMClientWrapper):
    """Answers deterministic calls from `backend` when it can; stores what the inner client
    answers. A hit is marked `cached=True` and costs nothing (`cost_usd=0`) this time.

    `on_result("hit" | "miss")` is called for each cacheable lookup: the Prometheus counter
    `denialops_cache_requests_total{result}` hooks in there.
    """

    def __init__(
        self,
        inner: BaseLLMClient,
        backend: CacheBackend,
        *,
        on_result: Callable[[CacheResult], None] | None = None,
    ) -> None:
        super().__init__(inner)
        self.backend = backend
        self.stats = CacheStats()
        self._on_result = on_result

    async def complete(self, request: CompletionRequest) -> Completion:
        if not request.deterministic:
            return await self.inner.complete(request)
        key = cache_key(self.provider, self.model, request)
        return await self._cached(key, request, lambda: self.inner.complete(request))

    async def complete_json(
        self, request: CompletionRequest, schema: type[BaseModel]
    ) -> Completion:
        if not request.deterministic:
            return await self.inner.complete_json(request, schema)
        key = cache_key(self.provider, self.model, request, schema)
        return await self._cached(
            key, request, lambda: self.inner.complete_json(request, schema), schema
        )

    def stream(self, request: CompletionRequest) -> AsyncIterator[str]:
        return self.inner.stream(request)

    async def aclose(self) -> None:
        await self.backend.aclose()
        await self.inner.aclose()

    async def _cached(
        self,
        key: str,
        request: CompletionRequest,
        call: Callable[[], Awaitable[Completion]],
        schema: type[BaseModel] | None = None,
    ) -> Completion:
        hit = await self._lookup(key)
        self._count("hit" if hit is not None else "miss", request)
        if hit is not None:
            return hit.model_copy(update={"cached": True, "cost_usd": 0.0})
        completion = await call()
        if schema is None or _valid_for(schema, completion.text):
            await self._store(key, completion)
        return completion

    async def _lookup(self, key: str) -> Completion | None:
        try:
            return await self.backend.get(key)
        except CacheUnavailable as e:
            self._unavailable("get", e)
            return None

    async def _store(self, key: str, completion: Completion) -> None:
        try:
            await self.backend.set(key, completion.model_copy(update={"cached": False}))
        except CacheUnavailable as e:
            self._unavailable("set", e)

    def _count(self, result: CacheResult, request: CompletionRequest) -> None:
        if result == "hit":
            self.stats.hits += 1
        else:
            self.stats.misses += 1
        log.debug("llm.cache", result=result, backend=self.backend.name, purpose=request.purpose)
        if self._on_result is not None:
            self._on_result(result)

    def _unavailable(self, op: str, error: CacheUnavailable) -> None:
        self.stats.errors += 1
        log.warning("cache.unavailable", backend=self.backend.name, op=op, error=str(error))


def _valid_for(schema: type[BaseModel], text: str) -> bool:
    """Only answers that pass validation are worth keeping: a bad one would be served again."""
    try:
        schema.model_validate_json(_strip_fences(text))
    except ValidationError:
        return False
    return True
