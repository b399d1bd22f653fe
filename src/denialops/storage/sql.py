"""The SQL backend (SQLite or PostgreSQL, chosen by the URL) on SQLAlchemy 2 Core.

One unit of work is one database transaction: lock the case, read its projection, let the
caller decide, then write the events, the new projection and any blobs, or nothing at all. The
units are written once, as functions over a sync connection (`sql_units.py`), and run whole:
on SQLite in a worker thread over a synchronous engine (one thread hop per unit, not per
statement), on PostgreSQL through the async engine's `run_sync`. How the case is locked is the
only part that differs by database (see `sqlite.py`, `postgres.py`). The schema is in
`tables.py`; migrations create it (`migrate.py`).

Deleting a case is one transaction too: the `cases` row is marked deleted first, then its
earlier events' payloads are replaced by their redacted form (the one UPDATE the triggers of
migration 0003 let through, and only for a deleted case), CaseDeleted is appended and its blobs
are deleted. On SQLite the WAL is then checkpointed and truncated (`sqlite.truncate_wal`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, TypeVar

import anyio.to_thread
import orjson
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import Pool

from denialops.domain.cases import CaseEvent, CaseState
from denialops.errors import CaseNotFound, StorageUnavailable
from denialops.storage import sql_units
from denialops.storage.base import Decide, EventStoreBase, R
from denialops.storage.changes import is_valid_case_id
from denialops.storage.inflight import InFlight
from denialops.storage.sql_keys import SqlApiKeys
from denialops.storage.sqlite import WRITE_OPTIONS, WriterLock, configure_sqlite, truncate_wal

T = TypeVar("T")


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


#: The JSON columns (events' payloads, the projection) are written and read with orjson: the
#: standard library's encoder and decoder took about 5 % of a case's storage time.
JSON_OPTIONS: dict[str, Any] = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}


def make_engine(
    url: str, *, pool_size: int = 5, poolclass: type[Pool] | None = None
) -> AsyncEngine:
    """An async engine for `url`, with the SQLite pragmas and BEGIN hooks when it is SQLite."""
    options: dict[str, Any] = dict(JSON_OPTIONS)
    if poolclass is not None:
        options["poolclass"] = poolclass
    else:
        options["pool_size"] = pool_size
    if not url.startswith("sqlite"):
        # Connections to a server die (restarts, idle timeouts); a local file does not.
        options["pool_pre_ping"] = True
    engine = create_async_engine(url, **options)
    if engine.dialect.name == "sqlite":
        configure_sqlite(engine)
    return engine


class SqlCaseStorage(EventStoreBase, SqlApiKeys):
    """Cases in a SQL database: the projection in `cases`, the log in `case_events`; API keys
    in `api_keys` (see `SqlApiKeys`)."""

    def __init__(self, url: str, *, pool_size: int = 5) -> None:
        self._engine = make_engine(url, pool_size=pool_size)
        self._sync: Engine | None = None
        self._sync_writer: Engine | None = None
        self._write_lock: asyncio.Lock | None = None
        self._file_lock: WriterLock | None = None
        self._writer = self._engine  # API keys' writes (`SqlApiKeys`)
        if self._engine.dialect.name == "sqlite":
            # The case store's units of work run on a synchronous engine in a worker thread
            # (see `_run`); the async engine serves API keys, health and migrations.
            sync_url = make_url(url).set(drivername="sqlite")
            self._sync = create_engine(sync_url, pool_size=pool_size, **JSON_OPTIONS)
            configure_sqlite(self._sync)
            # SQLite has one writer at a time anyway: queueing writers here, in order, is
            # cheaper than having them spin on the file lock, and BEGIN IMMEDIATE (the writer
            # engine) makes writers in other processes wait rather than fail.
            self._sync_writer = self._sync.execution_options(**WRITE_OPTIONS)
            self._writer = self._engine.execution_options(**WRITE_OPTIONS)
            self._write_lock = asyncio.Lock()
            self._file_lock = WriterLock(url)  # and across processes (see sqlite.py)
        self._inflight = InFlight()

    @property
    def engine(self) -> AsyncEngine:
        """The async engine (exposed for migrations checks and tests)."""
        return self._engine

    async def _run(self, unit: Callable[..., T], *args: Any, write: bool = False) -> T:
        """Run one unit of work (a function over a sync connection) in its own transaction."""
        if self._sync is not None:
            return await anyio.to_thread.run_sync(self._run_in_thread, unit, args, write)
        if write:
            async with self._writer.begin() as conn:
                return await conn.run_sync(unit, *args)
        async with self._engine.connect() as conn:
            return await conn.run_sync(unit, *args)

    def _run_in_thread(self, unit: Callable[..., T], args: tuple[Any, ...], write: bool) -> T:
        if not write:
            assert self._sync is not None  # only called for SQLite
            with self._sync.connect() as conn:
                return unit(conn, *args)
        assert self._sync_writer is not None
        assert self._file_lock is not None
        with self._file_lock.held(), self._sync_writer.begin() as conn:
            return unit(conn, *args)

    # -- writes -------------------------------------------------------------------------------

    async def _transact(self, case_id: str, decide: Decide) -> tuple[CaseState, list[CaseEvent]]:
        if not is_valid_case_id(case_id):
            raise CaseNotFound(f"case {case_id} not found")
        return await self._inflight.run(self._transact_now(case_id, decide))

    async def _transact_now(
        self, case_id: str, decide: Decide
    ) -> tuple[CaseState, list[CaseEvent]]:
        async with self._serialised():
            state, events, change = await self._run(sql_units.transact, case_id, decide, write=True)
            if change.erase and self._sync is not None:
                await anyio.to_thread.run_sync(truncate_wal, self._sync)
        return state, events

    @asynccontextmanager
    async def _serialised(self) -> AsyncIterator[None]:
        if self._write_lock is None:
            yield
            return
        async with self._write_lock:
            yield

    # -- reads --------------------------------------------------------------------------------

    async def _load_events(self, case_id: str, as_of: datetime | None) -> list[CaseEvent]:
        if not is_valid_case_id(case_id):
            return []
        return await self._run(sql_units.events_of, case_id, as_of)

    async def _inactive(
        self, before: datetime, limit: int, offset: int, tenant: str | None
    ) -> tuple[list[str], int]:
        return await self._run(sql_units.inactive, before, limit, offset, tenant)

    async def _load_state(self, case_id: str) -> CaseState | None:
        if not is_valid_case_id(case_id):
            return None
        return await self._run(sql_units.load_state, case_id)

    async def _read_blob(self, case_id: str, sha256: str) -> bytes | None:
        if not is_valid_case_id(case_id):
            return None
        return await self._run(sql_units.read_blob, case_id, sha256)

    async def _read_stored(
        self, case_id: str, find: Callable[[CaseState | None], R | None]
    ) -> tuple[R | None, bytes | None]:
        if not is_valid_case_id(case_id):
            return find(None), None  # `find` raises CaseNotFound for a missing case
        return await self._run(sql_units.read_stored, case_id, find)

    async def _list_states(
        self, limit: int, offset: int, tenant: str | None
    ) -> tuple[list[CaseState], int]:
        return await self._run(sql_units.list_states, limit, offset, tenant)

    # -- lifecycle ----------------------------------------------------------------------------

    async def ping(self) -> None:
        try:
            async with self._engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError) as e:
            # The driver's message may contain the host or user: it stays in the cause.
            raise StorageUnavailable("the case database cannot be reached") from e

    async def close(self) -> None:
        await self._inflight.drain()
        await self._engine.dispose()
        if self._sync is not None:
            self._sync.dispose()
        if self._file_lock is not None:
            self._file_lock.close()
