"""What only the SQL backend promises: the database itself keeps the log append-only, SQLite
runs in WAL mode with its writers queued, and migrations are repeatable and match tables.py."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TypeVar

import anyio
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import DBAPIError

from denialops.domain.cases import DocType
from denialops.errors import StorageUnavailable
from denialops.storage.migrate import downgrade, ensure_current, upgrade
from denialops.storage.sql import SqlCaseStorage
from denialops.storage.sqlite import WriterLock
from denialops.storage.tables import metadata

pytestmark = pytest.mark.anyio

T = TypeVar("T")


@pytest.fixture
async def store(sql_url: str) -> AsyncIterator[SqlCaseStorage]:
    await upgrade(sql_url)
    store = SqlCaseStorage(sql_url)
    try:
        yield store
    finally:
        await store.close()


async def _execute(store: SqlCaseStorage, statement: str) -> None:
    async with store.engine.begin() as conn:
        await conn.execute(text(statement))


class TestAppendOnlyLog:
    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE case_events SET type = 'Tampered'",
            "UPDATE case_events SET payload = '{}' WHERE seq = 1",
            "DELETE FROM case_events",
            "DELETE FROM case_events WHERE seq = 1",
        ],
    )
    async def test_the_database_refuses_to_rewrite_events(
        self, store: SqlCaseStorage, statement: str
    ) -> None:
        case_id = (await store.create_case()).case_id
        log = await store.events(case_id)

        with pytest.raises(DBAPIError, match="append-only"):
            await _execute(store, statement)

        assert await store.events(case_id) == log

    @pytest.mark.postgres
    @pytest.mark.parametrize("sql_url", ["postgres"], indirect=True)
    async def test_postgres_refuses_truncate(self, store: SqlCaseStorage) -> None:
        await store.create_case()

        with pytest.raises(DBAPIError, match="append-only"):
            await _execute(store, "TRUNCATE case_events CASCADE")

    async def test_deleting_a_case_keeps_its_log(self, store: SqlCaseStorage) -> None:
        case_id = (await store.create_case()).case_id
        await store.delete_case(case_id)

        assert len(await store._load_events(case_id, None)) == 2


class TestReads:
    async def test_a_document_is_read_with_its_case_in_one_unit_of_work(
        self, store: SqlCaseStorage, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        case_id = (await store.create_case()).case_id
        doc = await store.add_document(
            case_id,
            doc_type=DocType.DENIAL_LETTER,
            filename="letter.txt",
            content_type="text/plain",
            data=b"denied",
        )
        await store.put_artifact(case_id, "route.json", b"{}", "application/json")
        units: list[str] = []
        run = store._run

        async def counted(unit: Callable[..., T], *args: object, write: bool = False) -> T:
            units.append(unit.__name__)
            return await run(unit, *args, write=write)

        monkeypatch.setattr(store, "_run", counted)
        assert (await store.read_document(case_id, doc.document_id))[1] == b"denied"
        assert (await store.read_artifact(case_id, "route.json"))[1] == b"{}"
        assert units == ["read_stored", "read_stored"]


class TestSqlite:
    async def test_pragmas_are_set_on_every_connection(self, sqlite_url: str) -> None:
        await upgrade(sqlite_url)
        store = SqlCaseStorage(sqlite_url)
        try:
            async with store.engine.connect() as conn:
                pragmas = [
                    (await conn.execute(text(f"PRAGMA {name}"))).scalar()
                    for name in (
                        "journal_mode",
                        "foreign_keys",
                        "synchronous",
                        "busy_timeout",
                        "secure_delete",
                    )
                ]
        finally:
            await store.close()

        # synchronous 1 = NORMAL. secure_delete is on by default in Debian's SQLite build, not
        # in every build: the store sets it (test_sql_erasure.py shows what it is for).
        assert pragmas == ["wal", 1, 1, 30000, 1]

    async def test_two_stores_on_one_file_never_see_database_is_locked(
        self, sqlite_url: str
    ) -> None:
        # Two engines stand in for two processes: separate pools, separate in-process locks
        # and separate open files of the writer lock (flock locks conflict between open files,
        # in one process as across processes), so only that lock, BEGIN IMMEDIATE and
        # busy_timeout keep them apart.
        await upgrade(sqlite_url)
        first, second = SqlCaseStorage(sqlite_url), SqlCaseStorage(sqlite_url)
        try:
            case_id = (await first.create_case()).case_id
            async with anyio.create_task_group() as tg:
                for i in range(40):
                    writer = first if i % 2 else second
                    tg.start_soon(_upload, writer, case_id, f"page {i}".encode())
            seqs = [e.seq for e in await first.events(case_id)]
        finally:
            await first.close()
            await second.close()

        assert seqs == list(range(1, 42))


class TestWriterLock:
    def test_a_second_holder_waits_until_the_first_releases(self, tmp_path: Path) -> None:
        url = f"sqlite+aiosqlite:///{tmp_path / 'cases.db'}"
        first, second = WriterLock(url), WriterLock(url)
        entered = threading.Event()

        def take_second() -> None:
            with second.held():
                entered.set()

        try:
            with first.held():
                waiter = threading.Thread(target=take_second)
                waiter.start()
                assert not entered.wait(0.3)  # blocked while the first holds it
            assert entered.wait(10)  # and let in once it is released
            waiter.join()
        finally:
            first.close()
            second.close()
        assert (tmp_path / "cases.db.writer.lock").exists()

    def test_an_in_memory_database_needs_no_file(self, tmp_path: Path) -> None:
        lock = WriterLock("sqlite+aiosqlite:///:memory:")
        with lock.held(), lock.held():  # a no-op: it would deadlock if it locked
            pass
        lock.close()


class TestMigrations:
    async def test_upgrade_is_idempotent(self, sql_url: str) -> None:
        await upgrade(sql_url)
        await upgrade(sql_url)

        store = SqlCaseStorage(sql_url)
        try:
            await ensure_current(store.engine)
            await store.create_case()
        finally:
            await store.close()

    async def test_concurrent_upgrades_do_not_collide(self, sql_url: str) -> None:
        async with anyio.create_task_group() as tg:
            for _ in range(3):
                tg.start_soon(upgrade, sql_url)

        assert await _diff_against_tables(sql_url) == []

    async def test_migrated_schema_matches_tables(self, sql_url: str) -> None:
        await upgrade(sql_url)

        assert await _diff_against_tables(sql_url) == []

    async def test_downgrade_removes_everything_and_upgrade_restores_it(self, sql_url: str) -> None:
        await upgrade(sql_url)
        await downgrade(sql_url)
        assert await _table_names(sql_url) == {"alembic_version"}

        await upgrade(sql_url)
        assert await _table_names(sql_url) >= {"cases", "case_events", "blobs"}

    async def test_unmigrated_database_is_refused_with_the_fix(self, sql_url: str) -> None:
        store = SqlCaseStorage(sql_url)
        try:
            with pytest.raises(StorageUnavailable, match="denialops db upgrade"):
                await ensure_current(store.engine)
        finally:
            await store.close()

    async def test_ping_answers(self, store: SqlCaseStorage) -> None:
        await store.ping()


async def _upload(store: SqlCaseStorage, case_id: str, data: bytes) -> None:
    await store.add_document(
        case_id,
        doc_type=DocType.OTHER,
        filename="page.pdf",
        content_type="application/pdf",
        data=data,
    )


async def _diff_against_tables(url: str) -> list[object]:
    def diff(conn: Connection) -> list[object]:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    return await _with_connection(url, diff)


async def _table_names(url: str) -> set[str]:
    def names(conn: Connection) -> set[str]:
        return set(inspect(conn).get_table_names())

    return await _with_connection(url, names)


async def _with_connection(url: str, fn: Callable[[Connection], T]) -> T:
    store = SqlCaseStorage(url)
    try:
        async with store.engine.connect() as conn:
            return await conn.run_sync(fn)
    finally:
        await store.close()
