"""Rate limits: which limit a route has, and counting requests against it (`limits`).

Every route has one limit: RATE_LIMIT_DEFAULT unless it says otherwise where it is defined, as
the costly ones do:

    @router.post("/cases/{case_id}/run", ..., openapi_extra=rate_limit(Limit.RUN))
    async def run_case(...): ...

The mark is an OpenAPI extension (`x-rate-limit: run`), so clients can read each operation's
limit class in /openapi.json, and `RouteLimits` finds it there before routing. (FastAPI resolves
included routers lazily and keeps the result private, so its route list cannot be matched from
outside; the OpenAPI description is the public map of paths. A route left out of the schema
gets the default limit.)

Each client has one bucket per limit: a client may make 100 ordinary requests, 20 uploads and
10 runs a minute (with the defaults). The counting is a sliding window (`limits`'
SlidingWindowCounterRateLimiter): the count of the current fixed window plus the previous
window's count weighted by how much of it still overlaps the sliding one, so there is no burst
of 2N across a window boundary as a fixed window allows. It keeps two counters per bucket, so a
request costs the same whatever the limit; a moving window (one timestamp per request) was
measured first and cost grew with the limit (`python -m bench middleware`). In memory for one
process (`ratelimit_memory.py`); in Redis when several processes serve, so the limit holds
across all of them (RATE_LIMIT_STORAGE).

If Redis cannot be reached the request is let through and the failure logged: a rate limiter
that is down must not take the API down with it.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

import limits.strategies
import redis.asyncio
import structlog
from limits import RateLimitItem, WindowStats, parse
from limits.aio.storage import RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from starlette.routing import compile_path
from starlette.types import Scope

from denialops.api.ratelimit_memory import LoopMemoryStorage
from denialops.config import Settings
from denialops.observability.health import ComponentHealth

log = structlog.get_logger(__name__)

LIMIT_EXTENSION = "x-rate-limit"

# A Redis that does not answer costs a request this long at most, then it goes unlimited.
_REDIS_TIMEOUT_S = 0.5


class Limit(StrEnum):
    """The limits a route can have (their sizes are settings)."""

    DEFAULT = "default"
    UPLOAD = "upload"
    RUN = "run"


def rate_limit(limit: Limit) -> dict[str, Any]:
    """`openapi_extra=` for a route counted against `limit` instead of the default."""
    return {LIMIT_EXTENSION: limit.value}


class RouteLimits:
    """Which limit a request counts against, read from the app's OpenAPI description."""

    def __init__(self, openapi: Callable[[], dict[str, Any]]) -> None:
        self._openapi = openapi  # called on the first request, when every route exists
        self._marked: dict[str, list[tuple[re.Pattern[str], Limit]]] | None = None

    def limit_for(self, scope: Scope) -> Limit:
        marked = self._routes().get(scope["method"])
        if not marked:  # most methods (GET among them) have no route with a limit of its own
            return Limit.DEFAULT
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        for pattern, limit in marked:
            if pattern.match(path):
                return limit
        return Limit.DEFAULT

    def _routes(self) -> dict[str, list[tuple[re.Pattern[str], Limit]]]:
        """The marked operations by HTTP method, built on first use."""
        if self._marked is None:
            marked: dict[str, list[tuple[re.Pattern[str], Limit]]] = {}
            for template, operations in self._openapi().get("paths", {}).items():
                for method, operation in operations.items():
                    if isinstance(operation, dict) and LIMIT_EXTENSION in operation:
                        limit = Limit(operation[LIMIT_EXTENSION])
                        entry = (compile_path(template)[0], limit)
                        marked.setdefault(method.upper(), []).append(entry)
            self._marked = marked
        return self._marked


@dataclass(frozen=True, slots=True)
class Verdict:
    """One request counted: allowed or not, and, when they were read, the window's numbers
    for the RateLimit-* headers (always on a refusal; on an allowed request only with
    RATE_LIMIT_HEADERS=true, see `RateLimiter`)."""

    allowed: bool
    limit: int
    remaining: int | None = None
    reset_s: int | None = None  # seconds until a request is possible again

    def headers(self) -> dict[str, str]:
        if self.remaining is None or self.reset_s is None:
            return {}
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_s),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.reset_s)
        return headers

    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        """`headers()` as an ASGI message carries them."""
        return [(name.lower().encode(), value.encode()) for name, value in self.headers().items()]


class _Counter(Protocol):
    """A sliding-window counter of `limits`: the in-memory one, or Redis's."""

    async def hit(self, item: RateLimitItem, *identifiers: str) -> bool: ...

    async def window(self, item: RateLimitItem, *identifiers: str) -> WindowStats: ...

    async def check(self) -> bool: ...


class _MemoryCounter:
    """One process's counts, in memory (`ratelimit_memory.py`), counted by `limits`' own
    synchronous strategy: a count is a few dict operations, so it runs on the loop without an
    await chain per storage call."""

    def __init__(self) -> None:
        self._storage = LoopMemoryStorage()
        self._strategy = limits.strategies.SlidingWindowCounterRateLimiter(self._storage)

    async def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        return self._strategy.hit(item, *identifiers)

    async def window(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        return self._strategy.get_window_stats(item, *identifiers)

    async def check(self) -> bool:
        return self._storage.check()


class _RedisCounter:
    """Counts shared by every process, in Redis (`limits.aio`, Lua scripts)."""

    def __init__(self, storage: RedisStorage) -> None:
        self._storage = storage
        self._strategy = SlidingWindowCounterRateLimiter(storage)

    async def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        return await self._strategy.hit(item, *identifiers)

    async def window(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        return await self._strategy.get_window_stats(item, *identifiers)

    async def check(self) -> bool:
        return await self._storage.check()


class RateLimiter:
    """Counts each client's requests per limit, in memory or in Redis.

    A refusal always reads the window too, for its Retry-After and RateLimit-* headers. An
    allowed request reads it only when `headers_on_success` (RATE_LIMIT_HEADERS=true): that is
    a second storage operation per request (a second Redis round trip in scale-out), which is
    why Flask-Limiter and slowapi, by the author of `limits`, leave such headers off by
    default too.
    """

    def __init__(
        self,
        items: dict[Limit, RateLimitItem],
        counter: _Counter,
        *,
        headers_on_success: bool = False,
        redis_client: redis.asyncio.Redis | None = None,
    ) -> None:
        self.limits = items
        self.backend = "memory" if redis_client is None else "redis"
        self.headers_on_success = headers_on_success
        self._counter = counter
        self._redis = redis_client
        self._allowed = {limit: Verdict(True, item.amount) for limit, item in items.items()}

    async def hit(self, limit: Limit, client: str) -> Verdict | None:
        """Count one request of `client` against `limit`. None when the store cannot answer
        (the request goes through unlimited)."""
        item = self.limits[limit]
        try:
            allowed = await self._counter.hit(item, limit.value, client)
            if allowed and not self.headers_on_success:
                return self._allowed[limit]
            stats = await self._counter.window(item, limit.value, client)
        except (StorageError, OSError) as e:
            log.warning("ratelimit.storage_unavailable", error_type=type(e).__name__)
            return None
        reset_s = max(1, math.ceil(stats.reset_time - time.time()))
        return Verdict(allowed, item.amount, max(0, stats.remaining), reset_s)

    async def ping(self) -> None:
        """Raise if the store cannot answer (for health checks)."""
        if not await self._counter.check():
            raise StorageError(ConnectionError("rate-limit store did not answer"))

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()


class RateLimitCheck:
    """Health of the rate-limit store. Not required: when it is down requests go unlimited,
    so the service is degraded, not down."""

    name = "rate_limits"
    required = False

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter

    async def check(self) -> ComponentHealth:
        await self.limiter.ping()
        return ComponentHealth(status="ok", detail=self.limiter.backend)


def build_rate_limiter(settings: Settings) -> RateLimiter | None:
    """The limiter the settings ask for; None when RATE_LIMIT_ENABLED=false. Nothing connects
    until the first request (this runs when the app is built, outside any event loop)."""
    if not settings.rate_limit_enabled:
        return None
    items = {
        Limit.DEFAULT: parse(settings.rate_limit_default),
        Limit.UPLOAD: parse(settings.rate_limit_upload),
        Limit.RUN: parse(settings.rate_limit_run),
    }
    headers = settings.rate_limit_headers
    if settings.rate_limit_backend == "memory":
        return RateLimiter(items, _MemoryCounter(), headers_on_success=headers)
    # Our own client (redis-py, a declared dependency), so the app owns its connections and
    # closes them on shutdown; `limits` runs its Lua scripts through it.
    url = settings.redis_url.get_secret_value()
    client = redis.asyncio.Redis.from_url(
        url, socket_timeout=_REDIS_TIMEOUT_S, socket_connect_timeout=_REDIS_TIMEOUT_S
    )
    # (`limits` types its pass-through options as scalars; a pool is what redis-py takes.)
    pool: dict[str, Any] = {"connection_pool": client.connection_pool}
    storage = RedisStorage(
        "async+" + url,
        implementation="redispy",
        key_prefix=f"{settings.rate_limit_key_prefix}:ratelimit",
        wrap_exceptions=True,
        **pool,
    )
    return RateLimiter(
        items, _RedisCounter(storage), headers_on_success=headers, redis_client=client
    )
