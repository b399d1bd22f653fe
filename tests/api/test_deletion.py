"""Deleting a case through the API: the bytes leave the disk, and a run under way loses.

The at-rest tests use real stores under the real lifespan and search the raw SQLite file (and
its WAL) or the file store's directory for the letter's distinctive text, its file name, the
user context and the encrypted document's bytes: all there before, none after. (Tenancy, 204
and the 404s on every endpoint are in test_tenants.py.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import ClassVar

import anyio
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from denialops.api.dependencies import get_pipeline
from denialops.config import StorageBackend, load_settings
from denialops.domain.cases import EventType
from denialops.main import create_app
from denialops.pipeline.build import full_pipeline
from denialops.pipeline.context import CaseContext
from denialops.pipeline.runner import PipelineRunner
from denialops.storage.base import EventStoreBase
from denialops.storage.memory import MemoryCaseStorage

pytestmark = pytest.mark.anyio

PHRASE = b"Zanzibar Orthopaedic Wellness Collective"
NAME = "Wigglesworth_denial.txt"
PAYER = "Quillfeather Mutual"
LETTER = (
    b"Acme Health Plan\nPatient account: " + PHRASE + b"\n"
    b"Claim number: CLM2024011500001\n"
    b"Denial code CO-197: prior authorization was not obtained for this service.\n"
)


@asynccontextmanager
async def serving(
    data_dir: Path, backend: StorageBackend
) -> AsyncIterator[tuple[AsyncClient, FastAPI]]:
    settings = load_settings(data_dir=data_dir, storage_backend=backend, rate_limit_enabled=False)
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client,
    ):
        yield client, app


def raw_bytes(data_dir: Path) -> bytes:
    """Every byte under DATA_DIR: the SQLite file, its WAL and -shm, or the file store's tree."""
    return b"".join(p.read_bytes() for p in sorted(data_dir.rglob("*")) if p.is_file())


@pytest.mark.parametrize("backend", [StorageBackend.SQLITE, StorageBackend.FILE])
async def test_a_deleted_case_leaves_nothing_readable_on_disk(
    tmp_path: Path, backend: StorageBackend
) -> None:
    async with serving(tmp_path, backend) as (client, app):
        created = await client.post("/api/v1/cases", json={"user_context": {"payer": PAYER}})
        case_id = created.json()["case_id"]
        upload = await client.post(
            f"/api/v1/cases/{case_id}/documents",
            files={"file": (NAME, LETTER)},
            data={"doc_type": "denial_letter"},
        )
        assert (await client.post(f"/api/v1/cases/{case_id}/run")).status_code == 200
        storage: EventStoreBase = app.state.storage
        stored = await storage._read_blob(case_id, upload.json()["sha256"])
        assert stored is not None
        before = raw_bytes(tmp_path)
        for there in (stored, NAME.encode(), PAYER.encode()):
            assert there in before

        assert (await client.delete(f"/api/v1/cases/{case_id}")).status_code == 204

        after = raw_bytes(tmp_path)
        for gone in (stored, PHRASE, NAME.encode(), b"Wigglesworth", PAYER.encode()):
            assert gone not in after
        assert (await client.get(f"/api/v1/cases/{case_id}")).status_code == 404


class Gate:
    """A last pipeline stage that holds the run until the test lets it finish."""

    name: ClassVar[str] = "gate"
    required: ClassVar[bool] = True

    def __init__(self) -> None:
        self.entered = anyio.Event()
        self.release = anyio.Event()

    async def __call__(self, ctx: CaseContext) -> CaseContext:
        self.entered.set()
        await self.release.wait()
        return ctx


async def test_deleting_during_a_run_wins_and_the_run_records_nothing(
    app: FastAPI, client: AsyncClient, memory_storage: MemoryCaseStorage
) -> None:
    """The chosen behaviour: DELETE is not refused (409) while a run is under way, because a
    user's request to erase their data must not wait on, or be refused by, an analysis. The run
    goes on to its end, and its one final write finds the case gone: the caller gets a 404,
    and no artifact, stage or outcome is written."""
    gate = Gate()
    app.dependency_overrides[get_pipeline] = lambda: PipelineRunner([*full_pipeline().stages, gate])
    case_id = (await client.post("/api/v1/cases")).json()["case_id"]
    await client.post(
        f"/api/v1/cases/{case_id}/documents",
        files={"file": ("letter.txt", LETTER)},
        data={"doc_type": "denial_letter"},
    )
    outcome: dict[str, int] = {}

    async def run() -> None:
        outcome["status"] = (await client.post(f"/api/v1/cases/{case_id}/run")).status_code

    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            tg.start_soon(run)
            await gate.entered.wait()
            assert (await client.delete(f"/api/v1/cases/{case_id}")).status_code == 204
            gate.release.set()

    assert outcome["status"] == 404
    log = await memory_storage._load_events(case_id, None)
    assert [e.type for e in log][-2:] == [EventType.PIPELINE_STARTED, EventType.CASE_DELETED]
    assert memory_storage._blobs.get(case_id, {}) == {}
