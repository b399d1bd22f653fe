"""Authentication: open on loopback, API keys beyond it (or with AUTH_REQUIRED=true), 401 in the
one error shape, keys never logged, and no start-up without a key when one is needed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import structlog
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response

from denialops.api.dependencies import get_pipeline, get_storage
from denialops.config import Settings, load_settings
from denialops.domain.tenants import DEFAULT_TENANT
from denialops.errors import ConfigurationError, StorageUnavailable
from denialops.main import create_app
from denialops.pipeline.build import full_pipeline
from denialops.services.api_keys import ApiKeyService
from denialops.storage import build_storage
from denialops.storage.memory import MemoryCaseStorage

pytestmark = pytest.mark.anyio

REALM = 'Bearer realm="denialops"'


def secured_app(settings: Settings, storage: MemoryCaseStorage) -> FastAPI:
    """The app as served beyond loopback, over `storage` (no lifespan under ASGITransport)."""
    app = create_app(settings)
    pipeline = full_pipeline()
    app.dependency_overrides[get_storage] = lambda: storage
    app.dependency_overrides[get_pipeline] = lambda: pipeline
    app.state.api_keys = storage
    return app


@pytest.fixture
def secured(settings: Settings, memory_storage: MemoryCaseStorage) -> FastAPI:
    return secured_app(settings.model_copy(update={"auth_required": True}), memory_storage)


@pytest.fixture
async def anonymous(secured: FastAPI) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=secured), base_url="http://t") as client:
        yield client


async def new_key(storage: MemoryCaseStorage, tenant: str = "acme") -> str:
    return (await ApiKeyService(storage).create(tenant)).secret


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def assert_unauthorized(response: Response, challenge: str) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == challenge
    error = response.json()["error"]
    assert error["code"] == "unauthorized"
    assert error["request_id"] == response.headers["x-request-id"]


class TestOpenOnLoopback:
    async def test_no_key_is_needed_and_cases_are_the_default_tenants(
        self, client: AsyncClient, memory_storage: MemoryCaseStorage
    ) -> None:
        response = await client.post("/api/v1/cases", headers={"Authorization": "Bearer junk"})

        assert response.status_code == 201
        case = await memory_storage.get(response.json()["case_id"])
        assert case.tenant == DEFAULT_TENANT

    @pytest.mark.parametrize(
        ("host", "required"),
        [
            ("127.0.0.1", False),
            ("127.0.0.53", False),
            ("::1", False),
            ("[::1]", False),
            ("localhost", False),
            ("0.0.0.0", True),
            ("::", True),
            ("192.168.1.20", True),
            ("api.example.org", True),
        ],
    )
    def test_keys_are_required_beyond_loopback(self, host: str, required: bool) -> None:
        assert load_settings(_env_file=None, api_host=host).requires_auth is required

    @pytest.mark.parametrize(("host", "forced"), [("127.0.0.1", True), ("0.0.0.0", False)])
    def test_auth_required_overrides_the_bind_address(self, host: str, forced: bool) -> None:
        settings = load_settings(_env_file=None, api_host=host, auth_required=forced)
        assert settings.requires_auth is forced


class TestKeysRequired:
    async def test_missing_key_is_401_with_a_bearer_challenge(self, anonymous: AsyncClient) -> None:
        assert_unauthorized(await anonymous.get("/api/v1/cases"), REALM)

    @pytest.mark.parametrize(
        "authorization",
        [
            "Bearer dnk_" + "A" * 43,  # our shape, unknown
            "Bearer not-a-key",
            "Bearer ",
            "bearer dnk_" + "x" * 400,
        ],
    )
    async def test_invalid_key_is_401_invalid_token(
        self, anonymous: AsyncClient, memory_storage: MemoryCaseStorage, authorization: str
    ) -> None:
        await new_key(memory_storage)  # keys exist; this one is just not among them

        response = await anonymous.get("/api/v1/cases", headers={"Authorization": authorization})

        assert_unauthorized(response, f'{REALM}, error="invalid_token"')

    async def test_another_scheme_counts_as_no_key(self, anonymous: AsyncClient) -> None:
        response = await anonymous.get("/api/v1/cases", headers={"Authorization": "Basic eDp5"})
        assert_unauthorized(response, REALM)

    async def test_valid_key_acts_for_its_tenant(
        self, anonymous: AsyncClient, memory_storage: MemoryCaseStorage
    ) -> None:
        key = await new_key(memory_storage, "acme")

        response = await anonymous.post("/api/v1/cases", headers=bearer(key))

        assert response.status_code == 201
        assert (await memory_storage.get(response.json()["case_id"])).tenant == "acme"

    async def test_revoked_key_is_refused_at_once(
        self, anonymous: AsyncClient, memory_storage: MemoryCaseStorage
    ) -> None:
        issued = await ApiKeyService(memory_storage).create("acme")
        assert (await anonymous.get("/api/v1/cases", headers=bearer(issued.secret))).is_success

        await ApiKeyService(memory_storage).revoke(issued.key.key_id)

        response = await anonymous.get("/api/v1/cases", headers=bearer(issued.secret))
        assert_unauthorized(response, f'{REALM}, error="invalid_token"')

    async def test_unknown_paths_are_401_not_404(self, anonymous: AsyncClient) -> None:
        assert_unauthorized(await anonymous.get("/api/v1/secret-admin"), REALM)

    @pytest.mark.parametrize(
        "path", ["/health", "/health/live", "/health/ready", "/metrics", "/openapi.json", "/docs"]
    )
    async def test_probes_metrics_and_docs_need_no_key(
        self, anonymous: AsyncClient, path: str
    ) -> None:
        assert (await anonymous.get(path)).status_code == 200

    async def test_upload_without_a_key_is_refused_before_its_body_is_read(
        self, anonymous: AsyncClient
    ) -> None:
        sent = 0

        async def body() -> AsyncIterator[bytes]:
            nonlocal sent
            for _ in range(100):
                sent += 65536
                yield b"x" * 65536

        response = await anonymous.post(
            "/api/v1/cases/some-case/documents",
            content=body(),
            headers={"content-type": "multipart/form-data; boundary=X"},
        )

        assert_unauthorized(response, REALM)
        assert sent <= 2 * 65536  # the body was never consumed

    async def test_a_key_store_that_is_down_is_503_not_401(
        self,
        anonymous: AsyncClient,
        memory_storage: MemoryCaseStorage,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        key = await new_key(memory_storage)

        async def down(key_hash: str) -> None:
            raise StorageUnavailable("the API key table cannot be read")

        monkeypatch.setattr(memory_storage, "api_key_by_hash", down)

        response = await anonymous.get("/api/v1/cases", headers=bearer(key))
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "storage_unavailable"

    async def test_keys_never_reach_the_logs(
        self, anonymous: AsyncClient, memory_storage: MemoryCaseStorage
    ) -> None:
        with structlog.testing.capture_logs() as logs:
            issued = await ApiKeyService(memory_storage).create("acme")
            await anonymous.post("/api/v1/cases", headers=bearer(issued.secret))
            await anonymous.get("/api/v1/cases", headers=bearer(issued.secret[:-1] + "Z"))

        assert {e["event"] for e in logs} >= {"apikey.created", "auth.refused"}
        assert issued.secret[4:] not in repr(logs)
        assert issued.secret[4:-1] not in repr(logs)


class TestStartUp:
    async def test_refuses_to_start_beyond_loopback_without_a_key(self, tmp_path: Path) -> None:
        settings = load_settings(_env_file=None, data_dir=tmp_path, api_host="0.0.0.0")
        app = create_app(settings)

        with pytest.raises(ConfigurationError, match="apikey create"):
            async with app.router.lifespan_context(app):
                pass

    async def test_starts_beyond_loopback_once_a_key_exists(self, tmp_path: Path) -> None:
        settings = load_settings(_env_file=None, data_dir=tmp_path, api_host="0.0.0.0")
        storage = await build_storage(settings)
        try:
            await ApiKeyService(storage).create("acme")
        finally:
            await storage.close()
        app = create_app(settings)

        async with app.router.lifespan_context(app):
            assert await app.state.api_keys.has_active_api_keys()
