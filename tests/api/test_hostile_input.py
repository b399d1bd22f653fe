"""Hostile input over the API: decompression bombs, page floods, oversized and pathological
JSON, hostile file names. Each is refused in the one error shape, never with a 500, and the
case, its other documents and the server carry on."""

from __future__ import annotations

from pathlib import Path

import anyio.to_thread
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from denialops.api.dependencies import get_pipeline
from denialops.config import Settings, StorageBackend, load_settings
from denialops.main import create_app
from denialops.pipeline.build import full_pipeline, text_options
from denialops.samples import sample_path
from hostile_pdfs import flate_bomb, huge_image, many_pages

pytestmark = pytest.mark.anyio


def walk(root: Path) -> list[Path]:
    return list(root.rglob("*"))


@pytest.fixture
def max_upload() -> int:
    return 8 * 1024 * 1024  # room for a 4 MB bomb


@pytest.fixture
def app(app: FastAPI, settings: Settings) -> FastAPI:
    """The conftest app, reading documents in the sandbox with tight limits."""
    tight = settings.model_copy(update={"pdf_max_memory_mb": 768, "pdf_timeout_s": 20.0})
    pipeline = full_pipeline(text_options(tight))
    app.dependency_overrides[get_pipeline] = lambda: pipeline
    return app


async def new_case(client: AsyncClient) -> str:
    case_id: str = (await client.post("/api/v1/cases")).json()["case_id"]
    return case_id


async def upload(
    client: AsyncClient, case_id: str, data: bytes, filename: str, doc_type: str
) -> dict[str, object]:
    response = await client.post(
        f"/api/v1/cases/{case_id}/documents",
        files={"file": (filename, data)},
        data={"doc_type": doc_type},
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def error_code(body: dict[str, object]) -> str:
    error = body["error"]
    assert isinstance(error, dict)
    assert error["message"]
    assert error["request_id"]
    return str(error["code"])


class TestHostileDocuments:
    @pytest.mark.parametrize(
        ("build", "expected"),
        [
            pytest.param(lambda: many_pages(5000), "5000 pages", id="5000-pages"),
            pytest.param(lambda: flate_bomb(4096), "768 MB", id="flate-bomb"),
            pytest.param(lambda: huge_image(40_000, 40_000), "768 MB", id="gigapixel-image"),
        ],
    )
    async def test_refused_with_422_and_the_case_carries_on(
        self, client: AsyncClient, build: object, expected: str
    ) -> None:
        assert callable(build)
        case_id = await new_case(client)
        eob = await upload(client, case_id, b"EOB: claim paid 0.00, CARC 197.", "eob.txt", "eob")
        await upload(client, case_id, build(), "letter.pdf", "denial_letter")

        response = await client.post(f"/api/v1/cases/{case_id}/run")
        assert response.status_code == 422, response.text
        assert error_code(response.json()) == "document_too_complex"
        assert expected in response.json()["error"]["message"]

        case = (await client.get(f"/api/v1/cases/{case_id}")).json()
        assert case["status"] == "failed"
        assert case["documents"][0]["document_id"] == eob["document_id"]
        assert len(case["documents"]) == 2
        # The same case takes a readable letter and runs.
        await upload(client, case_id, sample_path().read_bytes(), "letter.txt", "denial_letter")
        assert (await client.post(f"/api/v1/cases/{case_id}/run")).status_code == 200
        assert (await client.get("/health/live")).status_code == 200


class TestJsonBodies:
    async def test_body_over_max_json_bytes_is_413(self, client: AsyncClient) -> None:
        payer = "x" * (64 * 1024)
        response = await client.post("/api/v1/cases", json={"user_context": {"payer": payer}})
        assert response.status_code == 413
        assert error_code(response.json()) == "payload_too_large"

    async def test_limit_is_a_setting(self, tmp_path: Path) -> None:
        settings = load_settings(data_dir=tmp_path, max_json_bytes=2048)
        app = create_app(settings)
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
            response = await client.post("/api/v1/cases", content=b"{" + b" " * 4096 + b"}")
        assert response.status_code == 413

    @pytest.mark.parametrize(
        "body",
        [
            pytest.param(b"[" * 30_000 + b"]" * 30_000, id="deeply-nested-array"),
            pytest.param(
                b'{"user_context": ' + b'{"a": ' * 9_000 + b"{}" + b"}" * 9_001, id="deep"
            ),
            pytest.param(b'{"mode": ' + b"9" * 50_000 + b"}", id="50000-digit-number"),
            pytest.param(b'{"user_context": {"payer": 1e999999}}', id="infinite-float"),
            pytest.param(b'{"user_context": {"payer": "\\ud800"}}', id="lone-surrogate"),
            pytest.param(b"\xff\xfe{}", id="not-utf8"),
        ],
    )
    async def test_pathological_json_is_422_not_500(self, client: AsyncClient, body: bytes) -> None:
        response = await client.post(
            "/api/v1/cases", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, response.text
        assert error_code(response.json()) == "invalid_input"


class TestFileNames:
    HOSTILE = "../../../../etc/evil\x00name.txt"

    async def test_hostile_name_is_metadata_only_in_the_file_store(self, tmp_path: Path) -> None:
        data_dir = tmp_path / "data"
        settings = load_settings(
            data_dir=data_dir, storage_backend=StorageBackend.FILE, rate_limit_enabled=False
        )
        app = create_app(settings)
        async with (
            app.router.lifespan_context(app),
            AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client,
        ):
            case_id = await new_case(client)
            body = await upload(
                client, case_id, sample_path().read_bytes(), self.HOSTILE, "denial_letter"
            )
            name = str(body["filename"])
            assert name.endswith(".txt")
            assert "/" not in name
            assert ".." not in name
            assert "\x00" not in name
        written = [p.relative_to(tmp_path) for p in await anyio.to_thread.run_sync(walk, tmp_path)]
        assert all(str(p).startswith("data") for p in written)  # nothing escaped DATA_DIR
        assert not any("evil" in p.name for p in written)  # no path carries the name
        assert not (tmp_path / "etc").exists()
