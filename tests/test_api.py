"""The case API, over `httpx.AsyncClient(ASGITransport)` with an in-memory store swapped in
through `app.dependency_overrides` (see `client` in conftest.py)."""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from denialops.storage.memory import MemoryCaseStorage

pytestmark = pytest.mark.anyio


async def raw_get(app: FastAPI, raw_path: str) -> tuple[int, bytes]:
    """GET a path exactly as written: HTTP clients normalise `.` and `..` away before sending,
    but a hostile client need not."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote(raw_path),
        "raw_path": raw_path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"test")],
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
    }
    messages: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        messages.append(message)

    await app(scope, receive, send)
    status = next(m["status"] for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    assert isinstance(status, int)
    assert isinstance(body, bytes)
    return status, body


LETTER = b"Reason for denial: prior authorization was not obtained. Denial code CO-197.\n" * 40
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
ZIP = b"PK\x03\x04" + b"\x00" * 64
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 64


async def new_case(client: AsyncClient) -> str:
    response = await client.post("/api/v1/cases")
    assert response.status_code == 201
    case_id: str = response.json()["case_id"]
    return case_id


async def upload(
    client: AsyncClient,
    case_id: str,
    data: bytes = LETTER,
    filename: str = "letter.txt",
    doc_type: str = "denial_letter",
) -> tuple[int, dict[str, object]]:
    response = await client.post(
        f"/api/v1/cases/{case_id}/documents",
        files={"file": (filename, data)},
        data={"doc_type": doc_type},
    )
    return response.status_code, response.json()


def assert_error(body: dict[str, object], code: str) -> None:
    error = body["error"]
    assert isinstance(error, dict)
    assert error["code"] == code
    assert error["message"]
    assert error["request_id"]


class TestCreateCase:
    async def test_created_case_has_the_original_fields(self, client: AsyncClient) -> None:
        response = await client.post("/api/v1/cases")
        assert response.status_code == 201
        body = response.json()
        assert set(body) == {"case_id", "mode", "created_at"}
        assert body["mode"] == "fast"
        assert datetime.fromisoformat(body["created_at"]).tzinfo is not None

    async def test_user_context_is_kept(self, client: AsyncClient) -> None:
        response = await client.post(
            "/api/v1/cases", json={"user_context": {"payer": "Acme Health", "state": "OR"}}
        )
        case = (await client.get(f"/api/v1/cases/{response.json()['case_id']}")).json()
        assert case["user_context"]["payer"] == "Acme Health"

    @pytest.mark.parametrize(
        "body", [{"mode": "turbo"}, {"surprise": 1}, {"user_context": {"payer": "x" * 501}}]
    )
    async def test_bad_body_is_422(self, client: AsyncClient, body: dict[str, object]) -> None:
        response = await client.post("/api/v1/cases", json=body)
        assert response.status_code == 422
        assert_error(response.json(), "invalid_input")

    async def test_malformed_json_is_422_not_500(self, client: AsyncClient) -> None:
        response = await client.post(
            "/api/v1/cases", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert response.status_code == 422


class TestReadCases:
    async def test_unknown_case_is_404_in_the_error_shape(self, client: AsyncClient) -> None:
        response = await client.get("/api/v1/cases/no-such-case")
        assert response.status_code == 404
        assert_error(response.json(), "case_not_found")
        assert response.headers["x-request-id"] == response.json()["error"]["request_id"]

    @pytest.mark.parametrize("case_id", ["x" * 300, "bad$id", "a b", "%00", "..%2f.."])
    async def test_malformed_or_long_id_is_422(self, client: AsyncClient, case_id: str) -> None:
        for path in ("", "/events", "/artifacts", "/artifacts/route.json"):
            response = await client.get(f"/api/v1/cases/{case_id}{path}")
            assert response.status_code in (404, 422), path
            assert response.status_code != 500

    async def test_300_character_id_is_422(self, client: AsyncClient) -> None:
        response = await client.get("/api/v1/cases/" + "a" * 300)
        assert response.status_code == 422
        assert_error(response.json(), "invalid_input")

    async def test_list_is_newest_first_and_paginated(self, client: AsyncClient) -> None:
        ids = [await new_case(client) for _ in range(5)]
        page1 = (await client.get("/api/v1/cases", params={"limit": 2})).json()
        page2 = (await client.get("/api/v1/cases", params={"limit": 2, "offset": 2})).json()
        assert page1["total"] == 5
        listed = [c["case_id"] for c in page1["cases"] + page2["cases"]]
        assert listed == list(reversed(ids))[:4]

    @pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"offset": -1}])
    async def test_bad_pagination_is_422(self, client: AsyncClient, params: dict[str, int]) -> None:
        assert (await client.get("/api/v1/cases", params=params)).status_code == 422

    async def test_deleted_case_is_gone(
        self, client: AsyncClient, memory_storage: MemoryCaseStorage
    ) -> None:
        case_id = await new_case(client)
        await upload(client, case_id)
        assert (await client.delete(f"/api/v1/cases/{case_id}")).status_code == 204
        assert (await client.get(f"/api/v1/cases/{case_id}")).status_code == 404
        assert (await client.delete(f"/api/v1/cases/{case_id}")).status_code == 404
        log = await memory_storage._load_events(case_id, None)
        assert log[-1].type == "CaseDeleted"
        assert memory_storage._blobs.get(case_id, {}) == {}


class TestUpload:
    async def test_text_letter_is_stored(self, client: AsyncClient) -> None:
        case_id = await new_case(client)
        status, body = await upload(client, case_id)
        assert status == 201
        assert body["doc_type"] == "denial_letter"
        assert body["document_id"]
        # The size stored: the letter encrypted at rest, Fernet's 57-73 bytes over its size.
        assert len(LETTER) + 57 <= body["size"] <= len(LETTER) + 73
        assert body["content_type"] == "text/plain"
        assert body["used_for_analysis"] is True

    async def test_unknown_case_is_404(self, client: AsyncClient) -> None:
        status, body = await upload(client, "missing-case")
        assert status == 404
        assert_error(body, "case_not_found")

    async def test_empty_file_is_422(self, client: AsyncClient) -> None:
        status, body = await upload(client, await new_case(client), data=b"")
        assert status == 422
        assert_error(body, "empty_document")

    async def test_doc_type_outside_the_enum_is_422(self, client: AsyncClient) -> None:
        status, _ = await upload(client, await new_case(client), doc_type="selfie")
        assert status == 422

    async def test_missing_file_is_422(self, client: AsyncClient) -> None:
        case_id = await new_case(client)
        response = await client.post(f"/api/v1/cases/{case_id}/documents", data={"doc_type": "eob"})
        assert response.status_code == 422

    @pytest.mark.parametrize(
        ("data", "filename"),
        [(ZIP, "letter.zip"), (ELF, "letter"), (ELF, "letter.txt"), (PNG, "letter.pdf")],
        ids=["zip", "executable", "executable-named-txt", "png-named-pdf"],
    )
    async def test_type_is_sniffed_from_content(
        self, client: AsyncClient, data: bytes, filename: str
    ) -> None:
        status, body = await upload(client, await new_case(client), data=data, filename=filename)
        assert status == 415
        assert_error(body, "unsupported_media_type")

    async def test_png_named_png_is_accepted(self, client: AsyncClient) -> None:
        status, body = await upload(client, await new_case(client), data=PNG, filename="a.png")
        assert status == 201
        assert body["content_type"] == "image/png"

    async def test_file_name_is_never_a_path(self, client: AsyncClient, tmp_path: Path) -> None:
        status, body = await upload(
            client, await new_case(client), filename="../../../../tmp/evil\x00.txt"
        )
        assert status == 201
        assert "/" not in str(body["filename"])
        assert ".." not in str(body["filename"])

    async def test_declared_oversize_is_413_without_reading(
        self, client: AsyncClient, max_upload: int
    ) -> None:
        case_id = await new_case(client)
        status, body = await upload(client, case_id, data=b"a" * (max_upload + 70 * 1024))
        assert status == 413
        assert_error(body, "payload_too_large")

    async def test_file_just_over_the_limit_is_413(
        self, client: AsyncClient, max_upload: int
    ) -> None:
        status, body = await upload(client, await new_case(client), data=b"a" * (max_upload + 1))
        assert status == 413
        assert_error(body, "payload_too_large")

    async def test_streamed_oversize_is_refused_while_streaming(
        self, client: AsyncClient, max_upload: int
    ) -> None:
        """A chunked body with no Content-Length: cut off near the limit, not buffered."""
        case_id = await new_case(client)
        chunk = b"b" * 65536
        total = 200 * 1024 * 1024  # 200 MB offered
        sent = 0

        async def body() -> AsyncIterator[bytes]:
            nonlocal sent
            head = (
                b'--X\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
                b"Content-Type: text/plain\r\n\r\n"
            )
            yield head
            while sent < total:
                sent += len(chunk)
                yield chunk

        tracemalloc.start()
        try:
            response = await client.post(
                f"/api/v1/cases/{case_id}/documents",
                content=body(),
                headers={"content-type": "multipart/form-data; boundary=X"},
            )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert response.status_code == 413
        assert sent < max_upload + 256 * 1024  # the server stopped reading
        assert peak < 20 * 1024 * 1024  # and never held the 200 MB

    async def test_100_concurrent_uploads_all_stored_with_gapless_events(
        self, client: AsyncClient
    ) -> None:
        case_id = await new_case(client)
        results = await asyncio.gather(
            *(upload(client, case_id, data=LETTER + str(i).encode()) for i in range(100))
        )
        assert [status for status, _ in results] == [201] * 100
        events = (await client.get(f"/api/v1/cases/{case_id}/events")).json()["events"]
        assert [e["seq"] for e in events] == list(range(1, 102))
        case = (await client.get(f"/api/v1/cases/{case_id}")).json()
        assert len(case["documents"]) == 100

    async def test_latest_denial_letter_wins(
        self, client: AsyncClient, memory_storage: MemoryCaseStorage
    ) -> None:
        case_id = await new_case(client)
        _, first = await upload(client, case_id, data=b"first letter")
        _, second = await upload(client, case_id, data=b"second letter")
        state = await memory_storage.get(case_id)
        letter = state.denial_letter()
        assert letter is not None
        assert letter.document_id == second["document_id"] != first["document_id"]


class TestEvents:
    async def test_log_and_past_state(self, client: AsyncClient) -> None:
        case_id = await new_case(client)
        created = (await client.get(f"/api/v1/cases/{case_id}")).json()["created_at"]
        await asyncio.sleep(0.01)
        await upload(client, case_id)
        now = (await client.get(f"/api/v1/cases/{case_id}/events")).json()
        assert [e["type"] for e in now["events"]] == ["CaseCreated", "DocumentUploaded"]
        assert len(now["state"]["documents"]) == 1

        past = (
            await client.get(f"/api/v1/cases/{case_id}/events", params={"as_of": created})
        ).json()
        assert [e["type"] for e in past["events"]] == ["CaseCreated"]
        assert past["state"]["documents"] == []

    async def test_as_of_before_creation_is_404(self, client: AsyncClient) -> None:
        case_id = await new_case(client)
        before = (datetime.now(UTC) - timedelta(days=1)).isoformat()
        response = await client.get(f"/api/v1/cases/{case_id}/events", params={"as_of": before})
        assert response.status_code == 404

    async def test_bad_as_of_is_422(self, client: AsyncClient) -> None:
        case_id = await new_case(client)
        response = await client.get(f"/api/v1/cases/{case_id}/events", params={"as_of": "soon"})
        assert response.status_code == 422


class TestArtifacts:
    async def test_list_and_read_with_content_type(
        self, client: AsyncClient, memory_storage: MemoryCaseStorage
    ) -> None:
        case_id = await new_case(client)
        await memory_storage.put_artifact(
            case_id, "route.json", b'{"route": "x"}', "application/json"
        )
        await memory_storage.put_artifact(case_id, "action_plan.md", b"# Plan", "text/markdown")
        listed = (await client.get(f"/api/v1/cases/{case_id}/artifacts")).json()["artifacts"]
        assert [(a["name"], a["size"]) for a in listed] == [
            ("action_plan.md", 6),
            ("route.json", 14),
        ]
        response = await client.get(f"/api/v1/cases/{case_id}/artifacts/route.json")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json")
        assert response.json() == {"route": "x"}

    async def test_unknown_artifact_is_404(self, client: AsyncClient) -> None:
        case_id = await new_case(client)
        response = await client.get(f"/api/v1/cases/{case_id}/artifacts/route.json")
        assert response.status_code == 404
        assert_error(response.json(), "artifact_not_found")

    @pytest.mark.parametrize(
        "name",
        [
            ".",
            "..",
            "%2e%2e",
            "%2E%2E%2Fx",
            "..%2fx",
            "../x",
            "%2fetc%2fpasswd",
            "/etc/passwd",
            "a%00b",
            "%00",
            "x" * 200,
            ".env",
            "..%5c..%5cwin.ini",
        ],
    )
    async def test_hostile_names_never_escape_the_case(
        self, app: FastAPI, client: AsyncClient, memory_storage: MemoryCaseStorage, name: str
    ) -> None:
        case_id = await new_case(client)
        await memory_storage.put_artifact(case_id, "route.json", b"{}", "application/json")
        status, body = await raw_get(app, f"/api/v1/cases/{case_id}/artifacts/{name}")
        assert status in (404, 422), body
        assert b'"error"' in body


class TestHealth:
    async def test_live_and_ready(self, client: AsyncClient) -> None:
        assert (await client.get("/health/live")).json()["status"] == "ok"
        ready = await client.get("/health/ready")
        assert ready.status_code == 200
        assert ready.json()["status"] == "ok"
        assert (await client.get("/health")).status_code == 200

    async def test_ready_is_503_when_storage_is_down(
        self,
        client: AsyncClient,
        memory_storage: MemoryCaseStorage,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        async def broken() -> None:
            raise ConnectionError("down")

        monkeypatch.setattr(memory_storage, "ping", broken)
        response = await client.get("/health/ready")
        assert response.status_code == 503
        assert response.json()["status"] == "down"
        assert (await client.get("/health/live")).status_code == 200
