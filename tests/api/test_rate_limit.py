"""Rate limits: counted per client and per route's limit, 429 in the one error shape with
Retry-After and RateLimit-* headers, probes never limited, X-Forwarded-For believed only from
trusted proxies, and (with Redis) one limit across several app processes."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response
from limits.errors import StorageError

from denialops.api.dependencies import get_pipeline, get_storage
from denialops.api.ratelimit import RateLimitCheck, RateLimiter
from denialops.config import load_settings
from denialops.main import create_app
from denialops.pipeline.build import full_pipeline
from denialops.services.api_keys import ApiKeyService
from denialops.storage.memory import MemoryCaseStorage

pytestmark = pytest.mark.anyio

AppFactory = Callable[..., FastAPI]
LETTER = b"Reason for denial: no prior authorization. Denial code CO-197.\n" * 10


@pytest.fixture
def make_app(tmp_path: Path, memory_storage: MemoryCaseStorage) -> AppFactory:
    """An app with the given settings over one shared in-memory store."""

    def make(**overrides: Any) -> FastAPI:
        settings = load_settings(_env_file=None, data_dir=tmp_path, environment="test", **overrides)
        app = create_app(settings)
        pipeline = full_pipeline()
        app.dependency_overrides[get_storage] = lambda: memory_storage
        app.dependency_overrides[get_pipeline] = lambda: pipeline
        app.state.api_keys = memory_storage
        return app

    return make


def client(app: FastAPI, peer: str = "127.0.0.1", **headers: str) -> AsyncClient:
    transport = ASGITransport(app=app, client=(peer, 40000))
    return AsyncClient(transport=transport, base_url="http://t", headers=headers)


async def statuses(http: AsyncClient, n: int, path: str = "/api/v1/cases") -> list[int]:
    return [(await http.get(path)).status_code for _ in range(n)]


def assert_limited(response: Response, limit: int) -> None:
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "rate_limited"
    assert error["request_id"] == response.headers["x-request-id"]
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert response.headers["ratelimit-limit"] == str(limit)
    assert response.headers["ratelimit-remaining"] == "0"
    assert int(response.headers["ratelimit-reset"]) == int(response.headers["retry-after"])


class TestCounting:
    async def test_the_sixth_request_of_five_a_minute_is_429(self, make_app: AppFactory) -> None:
        app = make_app(rate_limit_default="5/minute", rate_limit_headers=True)
        async with client(app) as http:
            allowed = [await http.get("/api/v1/cases") for _ in range(5)]
            refused = await http.get("/api/v1/cases")

        assert [r.status_code for r in allowed] == [200] * 5
        assert [r.headers["ratelimit-remaining"] for r in allowed] == ["4", "3", "2", "1", "0"]
        assert all(r.headers["ratelimit-limit"] == "5" for r in allowed)
        assert all(1 <= int(r.headers["ratelimit-reset"]) <= 60 for r in allowed)
        assert "retry-after" not in allowed[0].headers
        assert_limited(refused, 5)

    async def test_by_default_only_a_refusal_carries_the_headers(
        self, make_app: AppFactory
    ) -> None:
        # RATE_LIMIT_HEADERS=false (the default) spares an allowed request the second read.
        async with client(make_app(rate_limit_default="2/minute")) as http:
            allowed = [await http.get("/api/v1/cases") for _ in range(2)]
            refused = await http.get("/api/v1/cases")

        assert [r.status_code for r in allowed] == [200, 200]
        assert all(not any(h.startswith("ratelimit-") for h in r.headers) for r in allowed)
        assert_limited(refused, 2)

    async def test_every_request_counts_whatever_its_answer(self, make_app: AppFactory) -> None:
        async with client(make_app(rate_limit_default="3/minute")) as http:
            codes = await statuses(http, 2, "/api/v1/cases/no-such-case")  # 404s
            codes += await statuses(http, 1, "/no/such/route")  # a route nobody has
            assert_limited(await http.get("/api/v1/cases"), 3)
        assert codes == [404, 404, 404]

    async def test_headers_reach_routes_that_return_a_response_themselves(
        self, make_app: AppFactory, memory_storage: MemoryCaseStorage
    ) -> None:
        case = await memory_storage.create_case()
        await memory_storage.put_artifact(case.case_id, "route.json", b"{}", "application/json")
        app = make_app(rate_limit_default="5/minute", rate_limit_headers=True)
        async with client(app) as http:
            response = await http.get(f"/api/v1/cases/{case.case_id}/artifacts/route.json")
        assert response.status_code == 200
        assert response.headers["ratelimit-remaining"] == "4"

    async def test_uploads_and_runs_have_their_own_stricter_limits(
        self, make_app: AppFactory
    ) -> None:
        app = make_app(
            rate_limit_upload="2/minute", rate_limit_run="1/minute", rate_limit_headers=True
        )
        async with client(app) as http:
            case_id = (await http.post("/api/v1/cases")).json()["case_id"]
            path = f"/api/v1/cases/{case_id}"
            uploads = [
                await http.post(f"{path}/documents", files={"file": ("l.txt", LETTER)})
                for _ in range(3)
            ]
            runs = [await http.post(f"{path}/run") for _ in range(2)]
            other = await http.get(path)

        assert [r.status_code for r in uploads[:2]] == [201, 201]
        assert uploads[0].headers["ratelimit-limit"] == "2"
        assert_limited(uploads[2], 2)
        assert runs[0].status_code == 200
        assert_limited(runs[1], 1)
        assert other.status_code == 200  # the default bucket is not the upload's or the run's
        assert other.headers["ratelimit-limit"] == "100"

    async def test_each_operations_limit_is_published_in_the_openapi(
        self, make_app: AppFactory
    ) -> None:
        paths = make_app().openapi()["paths"]

        assert paths["/api/v1/cases/{case_id}/documents"]["post"]["x-rate-limit"] == "upload"
        assert paths["/api/v1/cases/{case_id}/run"]["post"]["x-rate-limit"] == "run"
        assert "x-rate-limit" not in paths["/api/v1/cases"]["get"]  # the default

    async def test_an_upload_over_the_limit_is_refused_before_its_body_is_read(
        self, make_app: AppFactory
    ) -> None:
        sent = 0

        async def body() -> AsyncIterator[bytes]:
            nonlocal sent
            for _ in range(100):
                sent += 65536
                yield b"x" * 65536

        async with client(make_app(rate_limit_upload="1/minute")) as http:
            await http.post("/api/v1/cases/c/documents", files={"file": ("l.txt", LETTER)})
            response = await http.post(
                "/api/v1/cases/c/documents",
                content=body(),
                headers={"content-type": "multipart/form-data; boundary=X"},
            )
        assert_limited(response, 1)
        assert sent <= 2 * 65536

    @pytest.mark.parametrize(
        "path", ["/health", "/health/live", "/health/ready", "/health/detailed", "/metrics"]
    )
    async def test_probes_and_metrics_are_never_limited(
        self, make_app: AppFactory, path: str
    ) -> None:
        app = make_app(rate_limit_default="1/minute", rate_limit_headers=True)
        async with client(app) as http:
            responses = [await http.get(path) for _ in range(5)]
            api = await statuses(http, 2)
        assert all(r.status_code != 429 for r in responses)
        assert all("ratelimit-limit" not in r.headers for r in responses)
        assert api == [200, 429]  # the limit itself is on

    async def test_disabled_means_unlimited(self, make_app: AppFactory) -> None:
        app = make_app(
            rate_limit_enabled=False, rate_limit_default="1/minute", rate_limit_headers=True
        )
        async with client(app) as http:
            responses = [await http.get("/api/v1/cases") for _ in range(5)]
        assert [r.status_code for r in responses] == [200] * 5
        assert "ratelimit-limit" not in responses[0].headers


class TestWhoIsCounted:
    async def test_forwarded_for_is_believed_from_a_trusted_proxy(
        self, make_app: AppFactory
    ) -> None:
        app = make_app(rate_limit_default="1/minute", trusted_proxies="10.0.0.0/8")
        one = client(app, "10.0.0.5", **{"X-Forwarded-For": "203.0.113.1"})
        two = client(app, "10.0.0.5", **{"X-Forwarded-For": "203.0.113.2, 10.0.0.9"})
        same_as_one = client(app, "10.0.0.6", **{"X-Forwarded-For": "6.6.6.6, 203.0.113.1"})
        async with one, two, same_as_one:
            assert await statuses(one, 1) == [200]
            assert await statuses(two, 1) == [200]  # another client behind the proxy
            assert await statuses(same_as_one, 1) == [429]  # right-most untrusted: .1 again

    async def test_forwarded_for_from_anyone_else_is_ignored(self, make_app: AppFactory) -> None:
        app = make_app(rate_limit_default="1/minute", trusted_proxies="10.0.0.0/8")
        async with client(app, "198.51.100.9") as http:
            first = await http.get("/api/v1/cases", headers={"X-Forwarded-For": "203.0.113.1"})
            spoof = await http.get("/api/v1/cases", headers={"X-Forwarded-For": "203.0.113.2"})
        assert first.status_code == 200
        assert_limited(spoof, 1)

    async def test_a_tenant_is_one_client_wherever_it_calls_from(
        self, make_app: AppFactory, memory_storage: MemoryCaseStorage
    ) -> None:
        app = make_app(rate_limit_default="2/minute", auth_required=True)
        acme = (await ApiKeyService(memory_storage).create("acme")).secret
        beta = (await ApiKeyService(memory_storage).create("beta")).secret
        auth = "Authorization"
        a1 = client(app, "198.51.100.1", **{auth: f"Bearer {acme}"})
        a2 = client(app, "198.51.100.2", **{auth: f"Bearer {acme}"})
        b1 = client(app, "198.51.100.1", **{auth: f"Bearer {beta}"})
        async with a1, a2, b1:
            assert await statuses(a1, 1) + await statuses(a2, 2) == [200, 200, 429]
            assert await statuses(b1, 2) == [200, 200]  # same address, another tenant

    async def test_bad_keys_count_against_the_address(
        self, make_app: AppFactory, memory_storage: MemoryCaseStorage
    ) -> None:
        await ApiKeyService(memory_storage).create("acme")
        app = make_app(rate_limit_default="3/minute", auth_required=True)
        async with client(app, "198.51.100.1") as guesser:
            codes = [
                (
                    await guesser.get(
                        "/api/v1/cases", headers={"Authorization": f"Bearer dnk_{i:043d}"}
                    )
                ).status_code
                for i in range(4)
            ]
        assert codes == [401, 401, 401, 429]


class TestRedis:
    @pytest.fixture
    async def shared(
        self, make_app: AppFactory, redis_url: str
    ) -> AsyncIterator[tuple[FastAPI, FastAPI]]:
        """Two apps (as two processes would build them) sharing Redis, under a fresh prefix."""
        prefix = f"test-{uuid.uuid4().hex}"
        options = {
            "rate_limit_storage": "redis",
            "redis_url": redis_url,
            "rate_limit_key_prefix": prefix,
            "rate_limit_default": "5/minute",
        }
        apps = make_app(**options), make_app(**options)
        try:
            yield apps
        finally:
            for app in apps:
                limiter: RateLimiter = app.state.rate_limiter
                await limiter.close()
            async with redis.asyncio.Redis.from_url(redis_url) as r:
                keys = [k async for k in r.scan_iter(match=f"{prefix}*")]
                if keys:
                    await r.delete(*keys)

    @pytest.mark.redis
    async def test_the_limit_holds_across_processes(self, shared: tuple[FastAPI, FastAPI]) -> None:
        first, second = shared
        async with client(first) as one, client(second) as two:
            counted = await statuses(one, 3) + await statuses(two, 2)
            refused_by_second = await two.get("/api/v1/cases")
            refused_by_first = await one.get("/api/v1/cases")

        assert counted == [200] * 5
        assert_limited(refused_by_second, 5)
        assert_limited(refused_by_first, 5)

    async def test_an_unreachable_redis_lets_requests_through(self, make_app: AppFactory) -> None:
        app = make_app(
            rate_limit_storage="redis",
            redis_url="redis://127.0.0.1:1/0",  # nothing listens on port 1
            rate_limit_default="1/minute",
            rate_limit_headers=True,
        )
        limiter: RateLimiter = app.state.rate_limiter
        try:
            async with client(app) as http:
                responses = [await http.get("/api/v1/cases") for _ in range(3)]
            with pytest.raises(StorageError):  # and health says so
                await RateLimitCheck(limiter).check()
        finally:
            await limiter.close()
        assert [r.status_code for r in responses] == [200] * 3
        assert "ratelimit-limit" not in responses[0].headers
