"""`/health/live`, `/health/ready`, `/health/detailed` and `/health` over the app."""

from __future__ import annotations

import base64
import platform

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr

from denialops import __version__
from denialops.api.dependencies import get_storage
from denialops.config import Settings
from denialops.main import create_app
from denialops.observability.health import ComponentHealth
from denialops.storage.memory import MemoryCaseStorage

pytestmark = pytest.mark.anyio

COMPONENTS = {"database", "cache", "queue", "llm"}


class Broken:
    """An optional component that is down (a Redis cache that does not answer)."""

    name = "cache"
    required = False

    async def check(self) -> ComponentHealth:
        raise ConnectionError("redis://:s3cret@cache:6379 refused")


@pytest.fixture
def storage_down(memory_storage: MemoryCaseStorage, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken() -> None:
        raise ConnectionError("down")

    monkeypatch.setattr(memory_storage, "ping", broken)


class TestLive:
    async def test_live_consults_nothing(self, client: AsyncClient, storage_down: None) -> None:
        response = await client.get("/health/live")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "version": __version__, "components": {}}


class TestReady:
    async def test_ready_lists_every_component(self, client: AsyncClient) -> None:
        response = await client.get("/health/ready")
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ok"
        assert set(body["components"]) == COMPONENTS
        assert body["components"]["llm"] == {
            "status": "ok",
            "latency_ms": body["components"]["llm"]["latency_ms"],
            "detail": "disabled",
        }

    async def test_optional_component_down_is_degraded_but_ready(
        self, app: FastAPI, client: AsyncClient
    ) -> None:
        app.state.health.register(Broken())
        response = await client.get("/health/ready")
        assert response.status_code == 200
        assert response.json()["status"] == "degraded"
        assert response.json()["components"]["cache"]["status"] == "down"

    async def test_database_down_is_503(self, client: AsyncClient, storage_down: None) -> None:
        response = await client.get("/health/ready")
        assert response.status_code == 503
        assert response.json()["status"] == "down"
        assert response.json()["components"]["database"]["status"] == "down"

    async def test_summary_health_is_readiness(self, client: AsyncClient) -> None:
        summary = (await client.get("/health")).json()
        ready = (await client.get("/health/ready")).json()
        assert (summary["status"], set(summary["components"])) == ("ok", COMPONENTS)
        assert (ready["status"], set(ready["components"])) == ("ok", COMPONENTS)

    async def test_summary_health_is_503_when_the_database_is_down(
        self, client: AsyncClient, storage_down: None
    ) -> None:
        assert (await client.get("/health")).status_code == 503


class TestDetailed:
    async def test_every_component_with_state_and_latency(
        self, client: AsyncClient, settings: Settings
    ) -> None:
        response = await client.get("/health/detailed")
        assert response.status_code == 200
        body = response.json()
        assert body["version"] == __version__
        assert body["storage_backend"] == settings.storage_backend.value
        assert body["python_version"] == platform.python_version()
        assert body["environment"] == "test"
        assert set(body["components"]) == COMPONENTS
        for component in body["components"].values():
            assert component["status"] in ("ok", "degraded", "down")
            assert component["latency_ms"] >= 0

    async def test_database_down_is_503_with_the_details(
        self, client: AsyncClient, storage_down: None
    ) -> None:
        response = await client.get("/health/detailed")
        assert response.status_code == 503
        assert response.json()["components"]["database"]["detail"] == "ConnectionError"

    async def test_no_secret_setting_appears(
        self, settings: Settings, memory_storage: MemoryCaseStorage
    ) -> None:
        # Every secret setting, present and future, gets a recognisable value; each is also a
        # well-formed key (32 bytes, url-safe base64), so settings that check keys accept it.
        secrets = {
            name: SecretStr(canary(name))
            for name, field in Settings.model_fields.items()
            if "SecretStr" in str(field.annotation)
        }
        assert "database_url" in secrets
        app = create_app(settings.model_copy(update=secrets))
        app.state.health.register(Broken())
        app.dependency_overrides[get_storage] = lambda: memory_storage
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
            text = (await client.get("/health/detailed")).text
        for secret in secrets.values():
            assert secret.get_secret_value() not in text
        assert "s3cret" not in text


def canary(name: str) -> str:
    return base64.urlsafe_b64encode(f"canary-{name}".ljust(32, "#")[:32].encode()).decode()
