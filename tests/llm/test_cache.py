"""The response cache: keys, the memory LRU with its TTL, Redis (real, and down), the wrapper."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from pydantic import BaseModel
from redis.asyncio import Redis
from structlog.testing import capture_logs

from denialops.llm.cache import (
    CacheBackend,
    CacheResult,
    CachingLLMClient,
    MemoryCache,
    NullCache,
    RedisCache,
    cache_key,
)
from denialops.llm.models import Completion, Message, Usage

from .scripted import FakeClock, ScriptedLLM, collect, request

pytestmark = pytest.mark.anyio


class Verdict(BaseModel):
    route: str


class Other(BaseModel):
    route: str
    why: str = ""


def completion(text: str = "an answer") -> Completion:
    return Completion(
        text=text, provider="fake", model="fake-1", usage=Usage(input_tokens=10), cost_usd=0.01
    )


class TestKey:
    def test_the_same_question_has_the_same_key(self) -> None:
        assert cache_key("openai", "m", request("q")) == cache_key("openai", "m", request("q"))

    @pytest.mark.parametrize(
        "changed",
        [
            ("anthropic", "m", request("q"), None),
            ("openai", "m2", request("q"), None),
            ("openai", "m", request("q2"), None),
            ("openai", "m", request("q", purpose="explain"), None),
            ("openai", "m", request("q", max_tokens=10), None),
            ("openai", "m", request("q"), Verdict),
        ],
        ids=["provider", "model", "prompt", "purpose", "max_tokens", "schema"],
    )
    def test_anything_that_changes_the_answer_changes_the_key(
        self, changed: tuple[str, str, object, type[BaseModel] | None]
    ) -> None:
        provider, model, req, schema = changed
        base = cache_key("openai", "m", request("q"))
        assert cache_key(provider, model, req, schema) != base  # type: ignore[arg-type]

    def test_schemas_with_the_same_name_but_different_fields_differ(self) -> None:
        req = request("q")
        assert cache_key("p", "m", req, Verdict) != cache_key("p", "m", req, Other)

    def test_the_key_is_a_sha256_that_reveals_nothing(self) -> None:
        key = cache_key("p", "m", request("member W123456789"))
        assert len(key) == 64
        assert "W123" not in key


class TestMemoryCache:
    async def test_stores_and_returns_a_copy(self) -> None:
        cache = MemoryCache(max_entries=4, ttl_s=60)
        await cache.set("k", completion())
        got = await cache.get("k")
        assert got == completion()
        assert got is not await cache.get("k")

    async def test_entries_expire_after_the_ttl(self) -> None:
        clock = FakeClock()
        cache = MemoryCache(max_entries=4, ttl_s=60, clock=clock)
        await cache.set("k", completion())
        clock.advance(59.9)
        assert await cache.get("k") is not None
        clock.advance(0.1)
        assert await cache.get("k") is None
        assert len(cache) == 0

    async def test_the_least_recently_used_entry_goes_first(self) -> None:
        cache = MemoryCache(max_entries=2, ttl_s=60)
        await cache.set("a", completion("a"))
        await cache.set("b", completion("b"))
        await cache.get("a")  # a is now more recent than b
        await cache.set("c", completion("c"))
        assert len(cache) == 2
        assert await cache.get("b") is None
        assert await cache.get("a") is not None
        assert await cache.get("c") is not None

    async def test_stays_bounded_however_many_answers_arrive(self) -> None:
        cache = MemoryCache(max_entries=16, ttl_s=60)
        for i in range(1000):
            await cache.set(str(i), completion())
        assert len(cache) == 16


class TestCachingClient:
    def client(
        self, inner: ScriptedLLM, backend: CacheBackend | None = None
    ) -> tuple[CachingLLMClient, list[CacheResult]]:
        results: list[CacheResult] = []
        backend = backend if backend is not None else MemoryCache(max_entries=8, ttl_s=60)
        return CachingLLMClient(inner, backend, on_result=results.append), results

    async def test_a_repeated_deterministic_call_is_served_from_the_cache(self) -> None:
        inner = ScriptedLLM(["first", "second"])
        client, results = self.client(inner)
        miss = await client.complete(request())
        hit = await client.complete(request())
        assert inner.calls == 1
        assert (miss.text, miss.cached) == ("first", False)
        assert (hit.text, hit.cached, hit.cost_usd) == ("first", True, 0.0)
        assert results == ["miss", "hit"]
        assert (client.stats.hits, client.stats.misses) == (1, 1)

    async def test_a_different_question_misses(self) -> None:
        inner = ScriptedLLM(["one", "two"])
        client, _ = self.client(inner)
        await client.complete(request("q1"))
        assert (await client.complete(request("q2"))).text == "two"

    async def test_sampled_calls_are_never_cached(self) -> None:
        inner = ScriptedLLM(["one", "two"])
        client, results = self.client(inner)
        await client.complete(request(temperature=0.7))
        second = await client.complete(request(temperature=0.7))
        assert second.text == "two"
        assert inner.calls == 2
        assert results == []

    async def test_structured_answers_are_cached_by_schema(self) -> None:
        inner = ScriptedLLM(['{"route": "a"}', '{"route": "b", "why": "x"}'])
        client, _ = self.client(inner)
        first = await client.complete_structured(request(), Verdict)
        again = await client.complete_structured(request(), Verdict)
        other = await client.complete_structured(request(), Other)
        assert first.value == again.value == Verdict(route="a")
        assert again.completion.cached
        assert other.value == Other(route="b", why="x")
        assert inner.calls == 2

    async def test_an_answer_that_fails_validation_is_not_stored(self) -> None:
        inner = ScriptedLLM(["not json", '{"route": "a"}'])
        client, _ = self.client(inner)
        await client.complete_json(request(), Verdict)
        assert (await client.complete_structured(request(), Verdict)).value.route == "a"
        assert inner.calls == 2

    async def test_streams_pass_through(self) -> None:
        inner = ScriptedLLM()
        client, results = self.client(inner)
        assert await collect(client.stream(request())) == ["ok"]
        assert await collect(client.stream(request())) == ["ok"]
        assert inner.stream_calls == 2
        assert results == []

    async def test_the_null_cache_always_misses(self) -> None:
        inner = ScriptedLLM()
        client, results = self.client(inner, NullCache())
        await client.complete(request())
        await client.complete(request())
        assert inner.calls == 2
        assert results == ["miss", "miss"]

    async def test_keys_and_answers_are_never_logged(self) -> None:
        client, _ = self.client(ScriptedLLM(["the secret answer"]))
        req = request("the secret letter")
        with capture_logs() as logs:
            await client.complete(req)
            await client.complete(req)
        text = repr(logs)
        assert cache_key("fake", "fake-1", req) not in text
        assert "secret" not in text
        assert [e["result"] for e in logs if e["event"] == "llm.cache"] == ["miss", "hit"]


@pytest.fixture
async def redis_cache(redis_url: str) -> AsyncIterator[RedisCache]:
    """A cache on the real Redis under a prefix of its own; its keys are deleted afterwards."""
    prefix = f"denialops:test:{uuid.uuid4().hex}:"
    cache = RedisCache.from_url(redis_url, ttl_s=60, prefix=prefix)
    try:
        yield cache
    finally:
        keys = [key async for key in cache.redis.scan_iter(match=prefix + "*")]
        if keys:
            await cache.redis.delete(*keys)
        await cache.aclose()


@pytest.mark.redis
class TestRedisCache:
    async def test_stores_the_completion_as_json_with_an_expiry(
        self, redis_cache: RedisCache
    ) -> None:
        await redis_cache.set("k", completion())
        assert await redis_cache.get("k") == completion()
        raw = await redis_cache.redis.get(redis_cache.prefix + "k")
        assert raw is not None
        assert Completion.model_validate_json(raw) == completion()
        assert 0 < await redis_cache.redis.ttl(redis_cache.prefix + "k") <= 60

    async def test_a_missing_key_misses(self, redis_cache: RedisCache) -> None:
        assert await redis_cache.get("absent") is None

    async def test_an_unreadable_value_misses(self, redis_cache: RedisCache) -> None:
        await redis_cache.redis.set(redis_cache.prefix + "k", b"{not a completion")
        assert await redis_cache.get("k") is None

    async def test_the_wrapper_hits_across_clients_sharing_redis(
        self, redis_cache: RedisCache, redis_url: str
    ) -> None:
        first = CachingLLMClient(ScriptedLLM(["shared"]), redis_cache)
        await first.complete(request())
        other_worker = RedisCache.from_url(redis_url, ttl_s=60, prefix=redis_cache.prefix)
        second_inner = ScriptedLLM(["never"])
        second = CachingLLMClient(second_inner, other_worker)
        try:
            hit = await second.complete(request())
        finally:
            await other_worker.aclose()
        assert (hit.text, hit.cached) == ("shared", True)
        assert second_inner.calls == 0


class TestRedisDown:
    async def test_an_unreachable_redis_is_a_miss_not_an_error(self) -> None:
        backend = RedisCache.from_url("redis://127.0.0.1:1/0", ttl_s=60, timeout_s=0.5)
        inner = ScriptedLLM(["one", "two"])
        client = CachingLLMClient(inner, backend)
        with capture_logs() as logs:
            first = await client.complete(request())
            second = await client.complete(request())
        await client.aclose()
        assert (first.text, second.text) == ("one", "two")
        assert (client.stats.misses, client.stats.errors) == (2, 4)  # a get and a set each
        unavailable = [e for e in logs if e["event"] == "cache.unavailable"]
        assert {e["op"] for e in unavailable} == {"get", "set"}
        assert all(e["error"] == "ConnectionError" for e in unavailable)

    async def test_an_os_error_from_the_client_is_a_miss(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        async def broken(*args: object, **kwargs: object) -> object:
            raise OSError("broken pipe")

        backend = RedisCache(Redis(), ttl_s=60)
        monkeypatch.setattr(backend.redis, "get", broken)
        monkeypatch.setattr(backend.redis, "set", broken)
        client = CachingLLMClient(ScriptedLLM(["fine"]), backend)
        assert (await client.complete(request())).text == "fine"
        assert client.stats.errors == 2
        await backend.aclose()


def test_message_order_is_part_of_the_key() -> None:
    a, b = Message(role="system", content="a"), Message(role="user", content="b")
    assert cache_key("p", "m", request(messages=(a, b))) != cache_key(
        "p", "m", request(messages=(b, a))
    )
