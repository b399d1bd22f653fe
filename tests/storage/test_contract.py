"""The `CaseStorage` contract, run against every backend (memory, file, SQLite, PostgreSQL).

A behaviour pinned here holds whichever STORAGE_BACKEND an operator picks. Tests reach for the
backend primitives (`_load_events`, `_read_blob`, `_transact`) only to look under the interface:
at the raw log, at stored bytes, at what a failed unit of work left behind.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import anyio
import pytest
from pydantic import ValidationError

from denialops.domain.cases import (
    CaseState,
    CaseStatus,
    DocType,
    DocumentRef,
    EventType,
    Mode,
    UserContext,
    project,
)
from denialops.errors import ArtifactNotFound, CaseNotFound, NotFound
from denialops.storage.base import CaseStorage, Change, EventStoreBase, NewArtifact

pytestmark = pytest.mark.anyio

LETTER = b"%PDF-1.7 a denial letter"


async def upload(
    storage: CaseStorage, case_id: str, data: bytes = LETTER, name: str = "l.pdf"
) -> DocumentRef:
    return await storage.add_document(
        case_id,
        doc_type=DocType.DENIAL_LETTER,
        filename=name,
        content_type="application/pdf",
        data=data,
    )


def boom(state: CaseState | None) -> Change:
    raise RuntimeError("decide failed")


class TestCreateAndRead:
    async def test_created_case_reads_back(self, storage: EventStoreBase) -> None:
        ctx = UserContext(payer="Acme Health", state="CA")
        created = await storage.create_case(mode=Mode.VERIFIED, user_context=ctx)

        assert isinstance(storage, CaseStorage)
        assert await storage.get(created.case_id) == created
        assert created.mode is Mode.VERIFIED
        assert created.user_context == ctx
        assert created.status is CaseStatus.CREATED
        assert created.version == 1
        assert created.created_at.utcoffset() == timedelta(0)

    async def test_list_is_newest_first_and_pages(self, storage: EventStoreBase) -> None:
        ids = [(await storage.create_case()).case_id for _ in range(5)]
        newest_first = ids[::-1]

        first = await storage.list_cases(limit=2, offset=0)
        rest = await storage.list_cases(limit=10, offset=2)

        assert [s.case_id for s in first.items] == newest_first[:2]
        assert [s.case_id for s in rest.items] == newest_first[2:]
        assert (first.total, first.limit, first.offset) == (5, 2, 0)
        assert (await storage.list_cases(offset=5)).items == []

    async def test_list_leaves_out_deleted_cases(self, storage: EventStoreBase) -> None:
        kept, gone = (await storage.create_case()).case_id, (await storage.create_case()).case_id
        await storage.delete_case(gone)

        page = await storage.list_cases()

        assert [s.case_id for s in page.items] == [kept]
        assert page.total == 1

    @pytest.mark.parametrize(
        "case_id", ["no-such-case", "../../etc/passwd", "a" * 65, "x\x00y", ""]
    )
    async def test_unknown_case_is_not_found(self, storage: EventStoreBase, case_id: str) -> None:
        with pytest.raises(CaseNotFound):
            await storage.get(case_id)
        with pytest.raises(CaseNotFound):
            await storage.events(case_id)
        with pytest.raises(CaseNotFound):
            await storage.append(case_id, EventType.PIPELINE_STARTED, {})
        with pytest.raises(CaseNotFound):
            await upload(storage, case_id)
        with pytest.raises(CaseNotFound):
            await storage.delete_case(case_id)

    async def test_deleted_case_is_not_found(self, storage: EventStoreBase) -> None:
        case_id = (await storage.create_case()).case_id
        await storage.delete_case(case_id)

        with pytest.raises(CaseNotFound):
            await storage.get(case_id)
        with pytest.raises(CaseNotFound):
            await storage.events(case_id)
        with pytest.raises(CaseNotFound):
            await storage.append(case_id, EventType.PIPELINE_STARTED, {})
        with pytest.raises(CaseNotFound):
            await storage.delete_case(case_id)


class TestEventLog:
    async def test_seq_is_gapless_and_ordered(self, storage: EventStoreBase) -> None:
        case_id = (await storage.create_case()).case_id
        await upload(storage, case_id)
        await storage.append(case_id, EventType.PIPELINE_STARTED, {"run": 1})
        await storage.append(case_id, EventType.STAGE_COMPLETED, {"stage": "extract"})

        events = await storage.events(case_id)

        assert [e.seq for e in events] == [1, 2, 3, 4]
        assert [e.type for e in events] == [
            EventType.CASE_CREATED,
            EventType.DOCUMENT_UPLOADED,
            EventType.PIPELINE_STARTED,
            EventType.STAGE_COMPLETED,
        ]
        times = [e.occurred_at for e in events]
        assert times == sorted(times)
        assert all(t.utcoffset() == timedelta(0) for t in times)

    async def test_append_returns_the_stored_event(self, storage: EventStoreBase) -> None:
        case_id = (await storage.create_case()).case_id
        payload: dict[str, Any] = {"stage": "route", "ms": 12.5, "nested": {"ok": [1, "two"]}}

        event = await storage.append(case_id, EventType.STAGE_COMPLETED, payload)

        assert (await storage.events(case_id))[-1] == event
        assert event.payload == payload

    async def test_as_of_gives_the_past_state(self, storage: EventStoreBase) -> None:
        case_id = (await storage.create_case()).case_id
        await anyio.sleep(0.01)  # so "before the upload" is a distinct instant
        await upload(storage, case_id)
        created_at, uploaded_at = (e.occurred_at for e in await storage.events(case_id))

        before = await storage.get(case_id, as_of=created_at)
        after = await storage.get(case_id, as_of=uploaded_at)

        assert before.documents == []
        assert before.status is CaseStatus.CREATED
        assert len(after.documents) == 1
        assert after == await storage.get(case_id)
        assert [e.seq for e in await storage.events(case_id, as_of=created_at)] == [1]

    async def test_as_of_before_creation_is_not_found(self, storage: EventStoreBase) -> None:
        case = await storage.create_case()

        with pytest.raises(CaseNotFound):
            await storage.get(case.case_id, as_of=case.created_at - timedelta(seconds=1))

    async def test_projection_is_the_fold_of_the_log(self, storage: EventStoreBase) -> None:
        case_id = (await storage.create_case(user_context=UserContext(payer="Acme"))).case_id
        await upload(storage, case_id)
        await storage.put_artifact(case_id, "appeal.md", b"# Appeal", "text/markdown")
        await storage.append(case_id, EventType.PIPELINE_STARTED, {})
        await storage.append(
            case_id, EventType.PIPELINE_COMPLETED, {"route": "appeal", "confidence": 0.8}
        )

        state = await storage.get(case_id)

        assert state == project(await storage.events(case_id))
        assert state.version == 5
        assert (state.status, state.route, state.confidence) == (
            CaseStatus.COMPLETED,
            "appeal",
            0.8,
        )


class TestDocuments:
    async def test_bytes_are_stored_under_their_sha256(self, storage: EventStoreBase) -> None:
        case_id = (await storage.create_case()).case_id

        ref = await upload(storage, case_id)
        read_ref, data = await storage.read_document(case_id, ref.document_id)

        assert ref.sha256 == hashlib.sha256(LETTER).hexdigest()
        assert (read_ref, data) == (ref, LETTER)
        assert await storage._read_blob(case_id, ref.sha256) == LETTER
        assert (await storage.get(case_id)).status is CaseStatus.DOCUMENTS_UPLOADED

    async def test_same_bytes_twice_are_two_documents(self, storage: EventStoreBase) -> None:
        case_id = (await storage.create_case()).case_id

        first, second = await upload(storage, case_id), await upload(storage, case_id)

        assert first.document_id != second.document_id
        for ref in (first, second):
            assert (await storage.read_document(case_id, ref.document_id))[1] == LETTER

    async def test_any_file_name_round_trips(self, storage: EventStoreBase) -> None:
        case_id = (await storage.create_case()).case_id
        name = 'résumé "q" \x00 ../../etc/passwd 😀.pdf'

        ref = await upload(storage, case_id, name=name)

        assert ref.filename == name
        assert (await storage.get(case_id)).documents[0].filename == name

    async def test_unknown_document_is_not_found(self, storage: EventStoreBase) -> None:
        case_id = (await storage.create_case()).case_id

        with pytest.raises(NotFound):
            await storage.read_document(case_id, "no-such-document")


class TestArtifacts:
    async def test_artifact_round_trips(self, storage: EventStoreBase) -> None:
        case_id = (await storage.create_case()).case_id

        ref = await storage.put_artifact(
            case_id, "route.json", b'{"route": "appeal"}', "application/json"
        )

        assert await storage.read_artifact(case_id, "route.json") == (ref, b'{"route": "appeal"}')
        assert ref.size == len(b'{"route": "appeal"}')

    async def test_replacing_an_artifact_keeps_the_latest(self, storage: EventStoreBase) -> None:
        case_id = (await storage.create_case()).case_id
        await storage.put_artifact(case_id, "appeal.md", b"draft 1", "text/markdown")

        ref = await storage.put_artifact(case_id, "appeal.md", b"draft 2", "text/markdown")

        assert await storage.read_artifact(case_id, "appeal.md") == (ref, b"draft 2")
        assert list((await storage.get(case_id)).artifacts) == ["appeal.md"]

    async def test_unknown_artifact_is_not_found(self, storage: EventStoreBase) -> None:
        case_id = (await storage.create_case()).case_id

        with pytest.raises(ArtifactNotFound):
            await storage.read_artifact(case_id, "nothing.md")


class TestRecord:
    async def test_events_and_artifacts_land_together_in_order(
        self, storage: EventStoreBase
    ) -> None:
        case = await storage.create_case()
        state = await storage.record(
            case.case_id,
            [
                (EventType.STAGE_COMPLETED, {"stage": "route", "ms": 1.5}),
                NewArtifact("route.json", "application/json", b'{"route": "x"}'),
                (EventType.PIPELINE_COMPLETED, {"route": "timely_filing", "confidence": 0.9}),
            ],
        )
        assert state.route == "timely_filing"
        assert state.artifacts["route.json"].size == 14
        log = await storage.events(case.case_id)
        assert [e.type for e in log[1:]] == [
            EventType.STAGE_COMPLETED,
            EventType.ARTIFACT_STORED,
            EventType.PIPELINE_COMPLETED,
        ]
        _, data = await storage.read_artifact(case.case_id, "route.json")
        assert data == b'{"route": "x"}'

    async def test_a_refused_precondition_appends_nothing(self, storage: EventStoreBase) -> None:
        case = await storage.create_case()

        def not_twice(state: CaseState) -> None:
            if state.status is CaseStatus.RUNNING:
                raise ValueError("already running")

        await storage.append(case.case_id, EventType.PIPELINE_STARTED, {}, expect=not_twice)
        with pytest.raises(ValueError, match="already running"):
            await storage.append(case.case_id, EventType.PIPELINE_STARTED, {}, expect=not_twice)
        assert len(await storage.events(case.case_id)) == 2


class TestDelete:
    async def test_delete_removes_bytes_and_logs_the_deletion(
        self, storage: EventStoreBase
    ) -> None:
        case_id = (await storage.create_case()).case_id
        doc = await upload(storage, case_id)
        art = await storage.put_artifact(case_id, "appeal.md", b"# Appeal", "text/markdown")

        await storage.delete_case(case_id)

        with pytest.raises(CaseNotFound):
            await storage.read_document(case_id, doc.document_id)
        with pytest.raises(CaseNotFound):
            await storage.read_artifact(case_id, "appeal.md")
        assert await storage._read_blob(case_id, doc.sha256) is None
        assert await storage._read_blob(case_id, art.sha256) is None
        log = await storage._load_events(case_id, None)
        assert [e.type for e in log][-1] is EventType.CASE_DELETED
        assert [e.seq for e in log] == [1, 2, 3, 4]

    async def test_delete_leaves_other_cases_alone(self, storage: EventStoreBase) -> None:
        gone, kept = (await storage.create_case()).case_id, (await storage.create_case()).case_id
        await upload(storage, gone)
        doc = await upload(storage, kept)  # the same bytes, in another case

        await storage.delete_case(gone)

        assert (await storage.read_document(kept, doc.document_id))[1] == LETTER


class TestAtomicity:
    async def test_failing_decide_writes_nothing(self, storage: EventStoreBase) -> None:
        case_id = (await storage.create_case()).case_id
        await upload(storage, case_id)
        state, log = await storage.get(case_id), await storage.events(case_id)

        with pytest.raises(RuntimeError, match="decide failed"):
            await storage._transact(case_id, boom)

        assert await storage.get(case_id) == state
        assert await storage.events(case_id) == log

    async def test_failing_decide_creates_nothing(self, storage: EventStoreBase) -> None:
        with pytest.raises(RuntimeError, match="decide failed"):
            await storage._transact("never-created", boom)

        with pytest.raises(CaseNotFound):
            await storage.get("never-created")
        assert (await storage.list_cases()).total == 0

    async def test_event_the_projection_rejects_writes_nothing(
        self, storage: EventStoreBase
    ) -> None:
        case_id = (await storage.create_case()).case_id
        data = b"orphan bytes"
        digest = hashlib.sha256(data).hexdigest()

        def bad_upload(state: CaseState | None) -> Change:
            return Change([(EventType.DOCUMENT_UPLOADED, {"sha256": digest})], blobs={digest: data})

        with pytest.raises(ValidationError):
            await storage._transact(case_id, bad_upload)

        assert [e.seq for e in await storage.events(case_id)] == [1]
        assert await storage._read_blob(case_id, digest) is None


class TestConcurrency:
    async def test_concurrent_uploads_are_gapless(self, storage: EventStoreBase) -> None:
        case_id = (await storage.create_case()).case_id

        async with anyio.create_task_group() as tg:
            for i in range(100):
                tg.start_soon(upload, storage, case_id, f"page {i}".encode())

        events = await storage.events(case_id)
        state = await storage.get(case_id)
        assert [e.seq for e in events] == list(range(1, 102))
        assert len(state.documents) == 100
        assert len({d.sha256 for d in state.documents}) == 100
        assert state == project(events)

    async def test_cancelled_writers_neither_wedge_the_store_nor_tear_the_log(
        self, storage: EventStoreBase
    ) -> None:
        case_id = (await storage.create_case()).case_id

        async with anyio.create_task_group() as tg:
            for i in range(30):
                tg.start_soon(upload, storage, case_id, f"page {i}".encode())
            await anyio.sleep(0.01)
            tg.cancel_scope.cancel()  # a client gone mid-upload, a request timeout

        with anyio.fail_after(10):  # not a busy_timeout's worth of waiting on a stranded lock
            await upload(storage, case_id, b"after the storm")
        # Cancelled callers' writes may still be landing: read the state first, the log second.
        state = await storage.get(case_id)
        events = await storage.events(case_id)
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert state == project(events[: state.version])

    async def test_concurrent_creates_are_all_kept(self, storage: EventStoreBase) -> None:
        created: list[str] = []

        async def create() -> None:
            created.append((await storage.create_case()).case_id)

        async with anyio.create_task_group() as tg:
            for _ in range(20):
                tg.start_soon(create)

        page = await storage.list_cases(limit=100)
        assert sorted(s.case_id for s in page.items) == sorted(created)
        assert page.total == 20
