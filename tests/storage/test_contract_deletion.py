"""The contract suite, continued: deletion and the retention purge, on every backend (memory,
file, SQLite, PostgreSQL), through the same `storage` fixture as test_contract.py.

A deleted case keeps its log (how many events, of which types, when) but nothing they carried
that could be PHI; its bytes are gone; it is CaseNotFound at every time; its id takes no event.
Time is moved, never waited for: the purge gets a clock, and cases are told apart by the
instant between their writes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, cast

import pytest

from denialops.domain.cases import (
    CaseState,
    DocType,
    DocumentRef,
    EventType,
    UserContext,
    project,
    utcnow,
)
from denialops.domain.erasure import is_redacted
from denialops.errors import CaseNotFound
from denialops.services.retention import RetentionPurge
from denialops.storage.base import CaseStorage, EventStoreBase, InactiveCases, NewArtifact
from denialops.storage.scoped import TenantScopedStorage

pytestmark = pytest.mark.anyio

PHRASE = "Zanzibar Wigglesworth"
LETTER = f"%PDF-1.7 letter of {PHRASE}".encode()
TEXT = f"Dear {PHRASE}, your claim is denied.".encode()


async def upload(storage: CaseStorage, case_id: str, name: str = f"{PHRASE}.pdf") -> DocumentRef:
    return await storage.add_document(
        case_id,
        doc_type=DocType.DENIAL_LETTER,
        filename=name,
        content_type="application/pdf",
        data=LETTER,
    )


async def full_case(storage: EventStoreBase) -> str:
    """A case with everything that can carry PHI: user context, a named upload, a run."""
    ctx = UserContext(payer=f"{PHRASE} Health", provider=PHRASE, date_of_service="2024-01-15")
    case_id = (await storage.create_case(user_context=ctx)).case_id
    doc = await upload(storage, case_id)
    await storage.append(case_id, EventType.PIPELINE_STARTED, {"document_id": doc.document_id})
    await storage.record(
        case_id,
        [
            (EventType.STAGE_COMPLETED, {"stage": "extract_text", "ms": 3.5}),
            NewArtifact("extracted_text.txt", "text/plain", TEXT),
            (EventType.PIPELINE_COMPLETED, {"route": "prior_auth_needed", "confidence": 0.9}),
        ],
    )
    return case_id


def refuse(state: CaseState) -> None:
    raise ValueError("not this one")


class TestErasure:
    async def test_the_log_keeps_its_shape_and_loses_its_content(
        self, storage: EventStoreBase
    ) -> None:
        case_id = await full_case(storage)
        before = await storage._load_events(case_id, None)

        await storage.delete_case(case_id, by="api_key:key_1")

        after = await storage._load_events(case_id, None)
        assert [(e.seq, e.type, e.occurred_at) for e in after[:-1]] == [
            (e.seq, e.type, e.occurred_at) for e in before
        ]
        assert all(is_redacted(e) for e in after[:-1])
        assert (after[-1].type, after[-1].payload) == (
            EventType.CASE_DELETED,
            {"reason": "request", "by": "api_key:key_1"},
        )
        dumped = "".join(e.model_dump_json() for e in after)
        for gone in (PHRASE, "sha256", "user_context", "filename", "prior_auth_needed"):
            assert gone not in dumped
        uploaded = after[1].payload
        assert set(uploaded) == {"document_id", "doc_type", "content_type", "size", "redacted"}

    async def test_bytes_are_gone_and_the_projection_is_the_fold_of_the_erased_log(
        self, storage: EventStoreBase
    ) -> None:
        case_id = await full_case(storage)
        live = await storage.get(case_id)
        digests = [d.sha256 for d in live.documents] + [a.sha256 for a in live.artifacts.values()]

        await storage.delete_case(case_id)

        for digest in digests:
            assert await storage._read_blob(case_id, digest) is None
        state = await storage._load_state(case_id)
        assert state is not None
        assert state == project(await storage._load_events(case_id, None))
        assert state.deleted
        assert (state.user_context, state.documents, state.artifacts) == (None, [], {})
        assert PHRASE not in state.model_dump_json()

    async def test_a_deleted_case_is_gone_at_every_time(self, storage: EventStoreBase) -> None:
        case_id = await full_case(storage)
        when = (await storage.get(case_id)).updated_at

        await storage.delete_case(case_id)

        with pytest.raises(CaseNotFound):
            await storage.get(case_id, as_of=when)
        with pytest.raises(CaseNotFound):
            await storage.events(case_id, as_of=when)
        assert case_id not in [s.case_id for s in (await storage.list_cases()).items]

    async def test_a_deleted_id_takes_no_new_event(self, storage: EventStoreBase) -> None:
        case_id = await full_case(storage)
        await storage.delete_case(case_id)
        length = len(await storage._load_events(case_id, None))

        writes: list[Callable[[], Any]] = [
            lambda: upload(storage, case_id),
            lambda: storage.put_artifact(case_id, "x.md", b"x", "text/markdown"),
            lambda: storage.record(case_id, [(EventType.PIPELINE_STARTED, {})]),
            lambda: storage.append(case_id, EventType.PIPELINE_STARTED, {}),
            lambda: storage.delete_case(case_id),
        ]
        for write in writes:
            with pytest.raises(CaseNotFound):
                await write()

        assert len(await storage._load_events(case_id, None)) == length

    async def test_a_run_under_way_cannot_publish_into_a_deleted_case(
        self, storage: EventStoreBase
    ) -> None:
        case_id = (await storage.create_case()).case_id
        await storage.append(case_id, EventType.PIPELINE_STARTED, {})

        await storage.delete_case(case_id)  # while the run is still reading the letter
        with pytest.raises(CaseNotFound):  # the run's final unit of work
            await storage.record(
                case_id,
                [
                    NewArtifact("extracted_text.txt", "text/plain", TEXT),
                    (EventType.PIPELINE_COMPLETED, {"route": "x", "confidence": 1.0}),
                ],
            )

        log = await storage._load_events(case_id, None)
        assert [e.type for e in log][-1] is EventType.CASE_DELETED
        assert await storage._read_blob(case_id, NewArtifact("x", "t", TEXT).event()[1]) is None

    async def test_a_refused_precondition_deletes_nothing(self, storage: EventStoreBase) -> None:
        case_id = await full_case(storage)
        state, log = await storage.get(case_id), await storage.events(case_id)

        with pytest.raises(ValueError, match="not this one"):
            await storage.delete_case(case_id, expect=refuse)

        assert await storage.get(case_id) == state
        assert await storage.events(case_id) == log
        doc = state.documents[0]
        assert (await storage.read_document(case_id, doc.document_id))[1] == LETTER


class TestInactive:
    async def test_live_cases_idle_since_before_a_time_oldest_first(
        self, storage: EventStoreBase
    ) -> None:
        first, second = (await storage.create_case()).case_id, (await storage.create_case()).case_id
        await storage.append(first, EventType.PIPELINE_STARTED, {})  # now the more recent one
        gone = (await storage.create_case()).case_id
        await storage.delete_case(gone)
        cutoff = utcnow()
        later = (await storage.create_case()).case_id

        page = await storage.inactive_cases(cutoff)
        second_page = await storage.inactive_cases(cutoff, limit=1, offset=1)

        assert page == InactiveCases(case_ids=[second, first], total=2)
        assert second_page == InactiveCases(case_ids=[first], total=2)
        assert later in (await storage.inactive_cases(utcnow())).case_ids

    async def test_tenants_see_their_own_idle_cases(self, storage: EventStoreBase) -> None:
        acme = (await storage.create_case(tenant="acme")).case_id
        await storage.create_case(tenant="beta")
        now = utcnow()

        assert (await storage.inactive_cases(now, tenant="acme")).case_ids == [acme]
        scoped = TenantScopedStorage(storage, "acme")
        assert (await scoped.inactive_cases(now)).case_ids == [acme]
        assert (await storage.inactive_cases(now)).total == 2


def clock_at(instant: datetime) -> Callable[[], datetime]:
    return lambda: instant


class TestRetentionPurge:
    async def test_deletes_what_is_older_than_the_retention_and_keeps_the_rest(
        self, storage: EventStoreBase
    ) -> None:
        old = await full_case(storage)
        digest = (await storage.get(old)).documents[0].sha256
        between = utcnow()
        recent = (await storage.create_case()).case_id
        assert (
            (await storage.get(old)).updated_at < between < (await storage.get(recent)).created_at
        )
        purge = RetentionPurge(storage, 30, clock=clock_at(between + timedelta(days=30)))

        report = await purge.run()

        assert (report.candidates, report.deleted, report.skipped) == (1, 1, 0)
        with pytest.raises(CaseNotFound):
            await storage.get(old)
        assert await storage._read_blob(old, digest) is None
        deleted = (await storage._load_events(old, None))[-1]
        assert deleted.payload == {"reason": "retention", "by": "retention"}
        assert (await storage.get(recent)).case_id == recent

    async def test_nothing_is_due_before_its_time(self, storage: EventStoreBase) -> None:
        case = await storage.create_case()
        purge = RetentionPurge(storage, 30, clock=clock_at(case.updated_at + timedelta(days=29)))

        assert (await purge.run()).deleted == 0
        assert await storage.get(case.case_id) == case

    async def test_a_dry_run_counts_and_deletes_nothing(self, storage: EventStoreBase) -> None:
        ids = [(await storage.create_case()).case_id for _ in range(3)]
        purge = RetentionPurge(storage, 1, clock=clock_at(utcnow() + timedelta(days=2)))

        report = await purge.run(dry_run=True)

        assert (report.candidates, report.deleted, report.dry_run) == (3, 0, True)
        assert {s.case_id for s in (await storage.list_cases()).items} == set(ids)

    async def test_works_through_every_batch_and_reports_progress(
        self, storage: EventStoreBase
    ) -> None:
        for _ in range(5):
            await storage.create_case()
        seen: list[tuple[int, int]] = []
        purge = RetentionPurge(storage, 1, clock=clock_at(utcnow() + timedelta(days=2)), batch=2)

        report = await purge.run(progress=lambda done, total: seen.append((done, total)))

        assert report.deleted == 5
        assert seen == [(n, 5) for n in range(1, 6)]
        assert (await storage.list_cases()).total == 0

    async def test_a_case_active_again_since_it_was_listed_is_kept(
        self, storage: EventStoreBase
    ) -> None:
        case_id = (await storage.create_case()).case_id
        cutoff = utcnow()
        stale = _StaleListing(storage, [case_id])  # listed, then touched before the delete
        await storage.append(case_id, EventType.PIPELINE_STARTED, {})
        purge = RetentionPurge(stale.as_storage(), 1, clock=clock_at(cutoff + timedelta(days=1)))

        report = await purge.run()

        assert (report.deleted, report.skipped) == (0, 1)
        assert (await storage.get(case_id)).version == 2


class _StaleListing:
    """A store whose first listing of idle cases is out of date (a case was touched after)."""

    def __init__(self, inner: EventStoreBase, first: list[str]) -> None:
        self.inner = inner
        self.first: list[str] | None = first

    async def inactive_cases(self, before: datetime, **kwargs: Any) -> InactiveCases:
        if self.first is not None:
            listed, self.first = self.first, None
            return InactiveCases(case_ids=listed, total=len(listed))
        return await self.inner.inactive_cases(before, **kwargs)

    async def delete_case(self, case_id: str, **kwargs: Any) -> None:
        await self.inner.delete_case(case_id, **kwargs)

    def as_storage(self) -> CaseStorage:
        return cast(CaseStorage, self)
