"""Tenant isolation through the API: on every case endpoint, another tenant's case answers
exactly as a case that does not exist (same status, code and message), and is left untouched;
a deleted case answers so too, to its owner. Run over the memory, SQLite and PostgreSQL stores."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response

from denialops.api.dependencies import get_pipeline, get_storage
from denialops.config import load_settings
from denialops.main import create_app
from denialops.pipeline.build import full_pipeline
from denialops.samples import sample_path
from denialops.services.api_keys import ApiKeyService
from denialops.storage import Storage
from denialops.storage.base import EventStoreBase
from denialops.storage.memory import MemoryCaseStorage
from denialops.storage.migrate import upgrade
from denialops.storage.sql import SqlCaseStorage

pytestmark = pytest.mark.anyio

MISSING = "00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # with {case_id}
    kwargs: dict[str, Any] = field(default_factory=dict)


UPLOAD = {"files": {"file": ("l.txt", b"Denied: CO-197.")}, "data": {"doc_type": "eob"}}
# Every endpoint that names a case (the route guard below keeps this list complete).
CASE_CALLS = {
    "get": Call("GET", "/api/v1/cases/{case_id}"),
    "delete": Call("DELETE", "/api/v1/cases/{case_id}"),
    "upload": Call("POST", "/api/v1/cases/{case_id}/documents", UPLOAD),
    "run": Call("POST", "/api/v1/cases/{case_id}/run"),
    "events": Call("GET", "/api/v1/cases/{case_id}/events"),
    "events_as_of": Call(
        "GET", "/api/v1/cases/{case_id}/events", {"params": {"as_of": "2100-01-01T00:00:00Z"}}
    ),
    "artifacts": Call("GET", "/api/v1/cases/{case_id}/artifacts"),
    "artifact": Call("GET", "/api/v1/cases/{case_id}/artifacts/route.json"),
    "rendering": Call("GET", "/api/v1/cases/{case_id}/artifacts/action_plan.pdf"),
    "explain": Call("POST", "/api/v1/cases/{case_id}/explain"),
}


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    backend: Storage
    if request.param == "memory":
        backend = MemoryCaseStorage()
    else:
        url = (
            f"sqlite+aiosqlite:///{tmp_path / 'cases.db'}"
            if request.param == "sqlite"
            else request.getfixturevalue("postgres_url")
        )
        await upgrade(url)
        backend = SqlCaseStorage(url)
    try:
        yield backend
    finally:
        await backend.close()


@pytest.fixture
def tenant_app(store: Storage, tmp_path: Path) -> FastAPI:
    settings = load_settings(
        _env_file=None,
        data_dir=tmp_path,
        environment="test",
        auth_required=True,
        rate_limit_enabled=False,
    )
    app = create_app(settings)
    pipeline = full_pipeline()
    app.dependency_overrides[get_storage] = lambda: store
    app.dependency_overrides[get_pipeline] = lambda: pipeline
    app.state.api_keys = store
    return app


async def client_for(app: FastAPI, store: Storage, tenant: str) -> AsyncClient:
    key = (await ApiKeyService(store).create(tenant)).secret
    return AsyncClient(
        transport=ASGITransport(app=app),
        base_url="http://t",
        headers={"Authorization": f"Bearer {key}"},
    )


@pytest.fixture
async def acme(tenant_app: FastAPI, store: Storage) -> AsyncIterator[AsyncClient]:
    async with await client_for(tenant_app, store, "acme") as client:
        yield client


@pytest.fixture
async def beta(tenant_app: FastAPI, store: Storage) -> AsyncIterator[AsyncClient]:
    async with await client_for(tenant_app, store, "beta") as client:
        yield client


@pytest.fixture
async def acme_case(acme: AsyncClient, store: Storage) -> str:
    """A case of acme's with a letter and artifacts, one of them renderable as PDF (stored
    directly: a real run is `test_the_owner_can_run_its_case`)."""
    case_id: str = (await acme.post("/api/v1/cases")).json()["case_id"]
    uploaded = await acme.post(
        f"/api/v1/cases/{case_id}/documents",
        files={"file": ("letter.txt", sample_path().read_bytes())},
        data={"doc_type": "denial_letter"},
    )
    assert uploaded.status_code == 201
    await store.put_artifact(case_id, "route.json", b"{}", "application/json", tenant="acme")
    await store.put_artifact(case_id, "action_plan.md", b"# Plan", "text/markdown")
    return case_id


async def call(client: AsyncClient, c: Call, case_id: str) -> Response:
    return await client.request(c.method, c.path.format(case_id=case_id), **c.kwargs)


def shape(response: Response, case_id: str) -> tuple[int, str, str]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["message"].replace(case_id, "<id>")


class TestIsolation:
    @pytest.mark.parametrize("endpoint", CASE_CALLS)
    async def test_another_tenants_case_answers_as_a_missing_one(
        self, acme: AsyncClient, beta: AsyncClient, acme_case: str, endpoint: str
    ) -> None:
        before = (await acme.get(f"/api/v1/cases/{acme_case}/events")).json()

        foreign = await call(beta, CASE_CALLS[endpoint], acme_case)
        missing = await call(beta, CASE_CALLS[endpoint], MISSING)

        assert foreign.status_code == 404
        assert shape(foreign, acme_case) == shape(missing, MISSING)
        assert set(foreign.json()["error"]) == {"code", "message", "request_id"}
        after = (await acme.get(f"/api/v1/cases/{acme_case}/events")).json()
        assert after == before  # nothing was done to acme's case

    @pytest.mark.parametrize("endpoint", ["get", "events", "artifacts", "artifact", "rendering"])
    async def test_the_owner_still_reaches_its_case(
        self, acme: AsyncClient, acme_case: str, endpoint: str
    ) -> None:
        assert (await call(acme, CASE_CALLS[endpoint], acme_case)).status_code == 200

    async def test_the_owner_can_run_its_case(self, acme: AsyncClient, acme_case: str) -> None:
        response = await acme.post(f"/api/v1/cases/{acme_case}/run")

        assert response.status_code == 200
        assert response.json()["route"] == "prior_auth_needed"

    async def test_list_shows_only_the_callers_cases(
        self, acme: AsyncClient, beta: AsyncClient
    ) -> None:
        mine = [(await acme.post("/api/v1/cases")).json()["case_id"] for _ in range(3)]
        theirs = (await beta.post("/api/v1/cases")).json()["case_id"]

        acme_list = (await acme.get("/api/v1/cases")).json()
        beta_list = (await beta.get("/api/v1/cases")).json()

        assert [c["case_id"] for c in acme_list["cases"]] == mine[::-1]
        assert acme_list["total"] == 3
        assert [c["case_id"] for c in beta_list["cases"]] == [theirs]
        assert beta_list["total"] == 1


class TestDeletion:
    """DELETE /cases/{id}: 204, then the case is exactly a missing one, for its owner too."""

    async def test_delete_is_204_without_a_body(self, acme: AsyncClient, acme_case: str) -> None:
        response = await acme.delete(f"/api/v1/cases/{acme_case}")

        assert response.status_code == 204
        assert response.content == b""

    @pytest.mark.parametrize("endpoint", CASE_CALLS)
    async def test_then_every_case_endpoint_answers_as_for_a_missing_case(
        self, acme: AsyncClient, acme_case: str, endpoint: str
    ) -> None:
        assert (await acme.delete(f"/api/v1/cases/{acme_case}")).status_code == 204

        gone = await call(acme, CASE_CALLS[endpoint], acme_case)  # "delete": deleting twice
        missing = await call(acme, CASE_CALLS[endpoint], MISSING)

        assert gone.status_code == 404
        assert shape(gone, acme_case) == shape(missing, MISSING)

    async def test_a_deleted_case_is_no_longer_listed(
        self, acme: AsyncClient, acme_case: str
    ) -> None:
        kept = (await acme.post("/api/v1/cases")).json()["case_id"]

        await acme.delete(f"/api/v1/cases/{acme_case}")

        listed = (await acme.get("/api/v1/cases")).json()
        assert [c["case_id"] for c in listed["cases"]] == [kept]
        assert listed["total"] == 1

    async def test_the_log_records_which_key_deleted_it(
        self, acme: AsyncClient, acme_case: str, store: Storage
    ) -> None:
        await acme.delete(f"/api/v1/cases/{acme_case}")

        assert isinstance(store, EventStoreBase)
        deleted = (await store._load_events(acme_case, None))[-1]
        key_ids = {f"api_key:{k.key_id}" for k in await store.list_api_keys("acme")}
        assert deleted.payload["reason"] == "request"
        assert deleted.payload["by"] in key_ids

    async def test_another_tenant_deletes_nothing(
        self, acme: AsyncClient, beta: AsyncClient, acme_case: str
    ) -> None:
        assert (await beta.delete(f"/api/v1/cases/{acme_case}")).status_code == 404

        assert (await acme.get(f"/api/v1/cases/{acme_case}")).status_code == 200
        artifact = await acme.get(f"/api/v1/cases/{acme_case}/artifacts/route.json")
        assert artifact.status_code == 200


def _template(path: str) -> str:
    head, artifacts, _ = path.partition("/artifacts/")
    return head + "/artifacts/{name}" if artifacts else path


def test_every_case_endpoint_is_checked(tmp_path: Path) -> None:
    """A new endpoint under /cases/{case_id} must join CASE_CALLS (and so be proven isolated).
    The OpenAPI paths are the app's public list of routes."""
    app = create_app(load_settings(_env_file=None, data_dir=tmp_path, environment="test"))
    endpoints = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if "{case_id}" in path
        for method in operations
    }
    checked = {(c.method, _template(c.path)) for c in CASE_CALLS.values()}
    assert len(endpoints) >= 7
    assert endpoints <= checked, f"case endpoints without an isolation test: {endpoints - checked}"
