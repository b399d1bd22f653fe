"""Uploaded documents are encrypted at rest, in every backend the embedded shape uses.

Real stores under the real lifespan: the raw SQLite file or data directory is searched for a
phrase of the letter, which must not be there; the API still reads the letter and routes it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr

from denialops.config import StorageBackend, load_settings
from denialops.main import create_app
from denialops.security.crypto import KEY_FILE_NAME, DocumentCipher

pytestmark = pytest.mark.anyio

PHRASE = b"Zanzibar Orthopaedic Wellness Collective"
LETTER = (
    b"Acme Health Plan\nPatient account: " + PHRASE + b"\n"
    b"Claim number: CLM2024011500001\n"
    b"Denial code CO-197: prior authorization was not obtained for this service.\n"
)


@asynccontextmanager
async def serving(
    data_dir: Path, backend: StorageBackend, keys: str | None = None
) -> AsyncIterator[AsyncClient]:
    settings = load_settings(
        data_dir=data_dir,
        storage_backend=backend,
        rate_limit_enabled=False,
        document_encryption_keys=SecretStr(keys) if keys else None,
    )
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client,
    ):
        yield client


async def case_with_letter(client: AsyncClient) -> str:
    case_id: str = (await client.post("/api/v1/cases")).json()["case_id"]
    response = await client.post(
        f"/api/v1/cases/{case_id}/documents",
        files={"file": ("letter.txt", LETTER)},
        data={"doc_type": "denial_letter"},
    )
    assert response.status_code == 201
    return case_id


def raw_bytes(data_dir: Path) -> bytes:
    """Every byte the store wrote (the SQLite file and its WAL, or the file tree)."""
    return b"".join(p.read_bytes() for p in sorted(data_dir.rglob("*")) if p.is_file())


@pytest.mark.parametrize("backend", [StorageBackend.SQLITE, StorageBackend.FILE])
async def test_letter_is_not_stored_in_the_clear_and_still_analysed(
    tmp_path: Path, backend: StorageBackend
) -> None:
    async with serving(tmp_path, backend) as client:
        case_id = await case_with_letter(client)
        assert PHRASE not in raw_bytes(tmp_path)
        assert raw_bytes(tmp_path)  # the store did write something
        run = await client.post(f"/api/v1/cases/{case_id}/run")
        assert run.status_code == 200, run.text
        assert run.json()["route"] == "prior_auth_needed"
        text = await client.get(f"/api/v1/cases/{case_id}/artifacts/extracted_text.txt")
        assert PHRASE in text.content
    assert (tmp_path / KEY_FILE_NAME).exists()


async def test_wrong_key_is_503_in_the_error_shape_not_500(tmp_path: Path) -> None:
    async with serving(tmp_path, StorageBackend.SQLITE, keys=DocumentCipher.generate_key()) as c:
        case_id = await case_with_letter(c)
    async with serving(tmp_path, StorageBackend.SQLITE, keys=DocumentCipher.generate_key()) as c:
        response = await c.post(f"/api/v1/cases/{case_id}/run")
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "document_key_mismatch"
        case = (await c.get(f"/api/v1/cases/{case_id}")).json()
        assert case["status"] == "documents_uploaded"  # nothing was recorded


async def test_rotation_old_documents_open_after_a_new_key_is_prepended(tmp_path: Path) -> None:
    old, new = DocumentCipher.generate_key(), DocumentCipher.generate_key()
    async with serving(tmp_path, StorageBackend.SQLITE, keys=old) as client:
        before = await case_with_letter(client)
    async with serving(tmp_path, StorageBackend.SQLITE, keys=f"{new},{old}") as client:
        after = await case_with_letter(client)
        for case_id in (before, after):
            assert (await client.post(f"/api/v1/cases/{case_id}/run")).status_code == 200
    async with serving(tmp_path, StorageBackend.SQLITE, keys=new) as client:
        # Dropping the old key too early: its documents no longer open, clearly.
        response = await client.post(f"/api/v1/cases/{before}/run")
        assert response.status_code == 503
