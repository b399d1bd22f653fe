"""What only the SQL backend promises about deletion: the database lets exactly one rewrite of
the append-only log through (a deleted case's events losing fields, migration 0003); cases
deleted before 0003 are redacted by it; and on SQLite a deleted case's content leaves the file
itself, WAL included, not just the rows a query can see."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from denialops.domain.cases import DocType, EventType, UserContext
from denialops.storage.base import Change, NewArtifact
from denialops.storage.migrate import downgrade, upgrade
from denialops.storage.sql import SqlCaseStorage
from denialops.storage.sqlite import truncate_wal

pytestmark = pytest.mark.anyio

PHRASE = "Zanzibar Wigglesworth"


@pytest.fixture
async def store(sql_url: str) -> AsyncIterator[SqlCaseStorage]:
    await upgrade(sql_url)
    store = SqlCaseStorage(sql_url)
    try:
        yield store
    finally:
        await store.close()


async def _case(
    store: SqlCaseStorage, letter: bytes = b"%PDF-1.7 letter", who: str = PHRASE
) -> str:
    ctx = UserContext(payer=who)
    case_id = (await store.create_case(user_context=ctx)).case_id
    await store.add_document(
        case_id,
        doc_type=DocType.DENIAL_LETTER,
        filename=f"{who}.pdf",
        content_type="application/pdf",
        data=letter,
    )
    return case_id


async def _execute(store: SqlCaseStorage, statement: str, **params: Any) -> None:
    async with store.engine.begin() as conn:
        await conn.execute(text(statement), params)


async def _set_payload(store: SqlCaseStorage, case_id: str, seq: int, payload: Any) -> None:
    await _execute(
        store,
        "UPDATE case_events SET payload = :payload WHERE case_id = :case_id AND seq = :seq",
        payload=json.dumps(payload),
        case_id=case_id,
        seq=seq,
    )


class TestTheOneRewriteAllowed:
    @pytest.mark.parametrize(
        "payload",
        [
            {"redacted": True, "mode": "verified", "tenant": "local"},  # a value changed
            {"redacted": True, "mode": "fast", "tenant": "local", "more": 1},  # a field added
            {"mode": "fast"},  # not marked as a redaction
            {"redacted": False},
            {"redacted": "true"},
        ],
    )
    async def test_a_deleted_cases_events_can_only_lose_fields(
        self, store: SqlCaseStorage, payload: dict[str, Any]
    ) -> None:
        case_id = await _case(store)
        await store.delete_case(case_id)
        log = await store._load_events(case_id, None)

        with pytest.raises(DBAPIError, match="append-only"):
            await _set_payload(store, case_id, 1, payload)

        assert await store._load_events(case_id, None) == log

    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE case_events SET type = 'Tampered' WHERE case_id = :case_id",
            "UPDATE case_events SET seq = seq + 100 WHERE case_id = :case_id",
            "UPDATE case_events SET occurred_at = created_at FROM cases "
            "WHERE cases.case_id = case_events.case_id AND case_events.case_id = :case_id",
            "DELETE FROM case_events WHERE case_id = :case_id",
        ],
    )
    async def test_nor_change_anything_else_or_disappear(
        self, store: SqlCaseStorage, statement: str
    ) -> None:
        case_id = await _case(store)
        await store.delete_case(case_id)

        with pytest.raises(DBAPIError, match="append-only"):
            await _execute(store, statement, case_id=case_id)

    async def test_losing_more_fields_is_allowed_for_a_deleted_case_only(
        self, store: SqlCaseStorage
    ) -> None:
        deleted, live = await _case(store), await _case(store)
        await store.delete_case(deleted)

        await _set_payload(store, deleted, 2, {"redacted": True})
        with pytest.raises(DBAPIError, match="append-only"):
            await _set_payload(store, live, 2, {"redacted": True})

        assert (await store._load_events(deleted, None))[1].payload == {"redacted": True}


async def _delete_the_old_way(store: SqlCaseStorage, case_id: str) -> None:
    """What deleting did before 0003: CaseDeleted and the blobs gone, the log and the
    projection's user context left as they were."""
    state = await store.get(case_id)
    await store._transact(case_id, lambda _: Change([(EventType.CASE_DELETED, {})]))
    await _execute(store, "DELETE FROM blobs WHERE case_id = :case_id", case_id=case_id)
    old_projection = {
        **state.model_dump(mode="json"),
        "status": "deleted",
        "documents": [],
        "version": 3,
    }
    await _execute(
        store,
        "UPDATE cases SET state = :state WHERE case_id = :case_id",
        state=json.dumps(old_projection),
        case_id=case_id,
    )


class TestMigration0003:
    async def test_cases_deleted_before_it_are_redacted_and_live_ones_untouched(
        self, sql_url: str
    ) -> None:
        await upgrade(sql_url, "0002")
        store = SqlCaseStorage(sql_url)
        try:
            gone, kept = await _case(store), await _case(store)
            await _delete_the_old_way(store, gone)
            kept_log = await store.events(kept)
            assert PHRASE in json.dumps([e.payload for e in await store._load_events(gone, None)])

            await upgrade(sql_url)

            log = await store._load_events(gone, None)
            assert PHRASE not in json.dumps([e.payload for e in log])
            assert [e.payload.get("redacted") for e in log] == [True, True, None]
            assert log[0].payload == {"mode": "fast", "tenant": "local", "redacted": True}
            state = await store._load_state(gone)
            assert state is not None
            assert state.user_context is None
            assert await store.events(kept) == kept_log
        finally:
            await store.close()

    async def test_downgrade_restores_the_strict_log(self, sql_url: str) -> None:
        await upgrade(sql_url)
        store = SqlCaseStorage(sql_url)
        try:
            case_id = await _case(store)
            await store.delete_case(case_id)

            await downgrade(sql_url, "0002")

            with pytest.raises(DBAPIError, match="append-only"):
                await _set_payload(store, case_id, 2, {"redacted": True})
            await upgrade(sql_url)
            await _set_payload(store, case_id, 2, {"redacted": True})
        finally:
            await store.close()


def _raw(path: Path) -> bytes:
    """The database file and its WAL and shared-memory files, as bytes on disk."""
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))


async def test_on_sqlite_the_deleted_content_leaves_the_file(tmp_path: Path) -> None:
    db = tmp_path / "cases.db"
    url = f"sqlite+aiosqlite:///{db.as_posix()}"
    await upgrade(url)
    store = SqlCaseStorage(url)
    big = (f"{PHRASE} " * 20_000).encode()  # spills onto overflow pages
    try:
        case_id = await _case(store, letter=big)
        await store.record(case_id, [NewArtifact("extracted_text.txt", "text/plain", big)])
        kept = await _case(store, who="Quentin Applebaum")
        # Into the database file, as SQLite's own checkpoints (every 1000 pages) would put it:
        # from there only secure_delete takes it out; from the WAL, the checkpoint after delete.
        checkpointer = create_engine(f"sqlite:///{db.as_posix()}")
        try:
            assert truncate_wal(checkpointer)
        finally:
            checkpointer.dispose()
        assert PHRASE.encode() in db.read_bytes()

        await store.delete_case(case_id)

        raw = _raw(db)
        assert PHRASE.encode() not in raw
        assert b"Quentin Applebaum" in raw  # the other case is still there, on disk and served
        assert (await store.get(kept)).user_context == UserContext(payer="Quentin Applebaum")
    finally:
        await store.close()
