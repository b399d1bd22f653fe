"""The SQL backend (SQLite or PostgreSQL, chosen by the URL) on SQLAlchemy 2 async Core.

One unit of work is one database transaction: lock the case, read its projection, let the
caller decide, then write the events, the new projection and any blobs, or nothing at all. How
the case is locked is the only part that differs by database (see `sqlite.py`, `postgres.py`).
The schema is in `tables.py`; migrations create it (`migrate.py`).

Deleting a case is one transaction too: the `cases` row is marked deleted first, then its
earlier events' payloads are replaced by their redacted form (the one UPDATE the triggers of
migration 0003 let through, and only for a deleted case), CaseDeleted is appended and its blobs
are deleted. On SQLite the WAL is then checkpointed and truncated (`sqlite.truncate_wal`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    and_,
    bindparam,
    delete,
    false,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import Pool

from denialops.domain.cases import CaseEvent, CaseState, EventType
from denialops.errors import CaseNotFound, StorageUnavailable
from denialops.storage.base import Change, Decide, EventStoreBase
from denialops.storage.changes import apply_change, erased, is_valid_case_id
from denialops.storage.inflight import InFlight
from denialops.storage.postgres import lock_new_case
from denialops.storage.sql_keys import SqlApiKeys
from denialops.storage.sqlite import WRITE_OPTIONS, configure_sqlite, truncate_wal
from denialops.storage.tables import blobs, case_events, cases


def make_engine(
    url: str, *, pool_size: int = 5, poolclass: type[Pool] | None = None
) -> AsyncEngine:
    """An async engine for `url`, with the SQLite pragmas and BEGIN hooks when it is SQLite."""
    options: dict[str, Any] = {}
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
        self._dialect = self._engine.dialect.name
        if self._dialect == "sqlite":
            # SQLite has one writer at a time anyway: queueing writers here, in order, is
            # cheaper than having them spin on the file lock, and BEGIN IMMEDIATE (the writer
            # engine) makes writers in other processes wait rather than fail.
            self._writer = self._engine.execution_options(**WRITE_OPTIONS)
            self._write_lock: asyncio.Lock | None = asyncio.Lock()
        else:
            self._writer = self._engine
            self._write_lock = None
        self._inflight = InFlight()

    @property
    def engine(self) -> AsyncEngine:
        """The engine readers use (exposed for migrations checks and tests)."""
        return self._engine

    # -- writes -------------------------------------------------------------------------------

    async def _transact(self, case_id: str, decide: Decide) -> tuple[CaseState, list[CaseEvent]]:
        if not is_valid_case_id(case_id):
            raise CaseNotFound(f"case {case_id} not found")
        return await self._inflight.run(self._transact_now(case_id, decide))

    async def _transact_now(
        self, case_id: str, decide: Decide
    ) -> tuple[CaseState, list[CaseEvent]]:
        async with self._serialised():
            async with self._writer.begin() as conn:
                state = await self._lock_and_load(conn, case_id)
                change = decide(state)
                new_state, events = apply_change(case_id, state, change)
                redactions: list[CaseEvent] = []
                if change.erase:
                    log = await self._events_in(conn, case_id)
                    redacted, new_state = erased(log, events)
                    redactions = [new for new, old in zip(redacted, log, strict=True) if new != old]
                await self._write(conn, state is None, new_state, events, change)
                if redactions:  # after `_write` marked the case deleted, as the triggers require
                    await conn.execute(_REDACT, [_redaction_row(e) for e in redactions])
            if change.erase and self._dialect == "sqlite":
                await truncate_wal(self._engine)
        return new_state, events

    @asynccontextmanager
    async def _serialised(self) -> AsyncIterator[None]:
        if self._write_lock is None:
            yield
            return
        async with self._write_lock:
            yield

    async def _lock_and_load(self, conn: AsyncConnection, case_id: str) -> CaseState | None:
        # FOR UPDATE is rendered on PostgreSQL and dropped on SQLite, where the whole database
        # is already locked by BEGIN IMMEDIATE.
        query = select(cases.c.state).where(cases.c.case_id == case_id).with_for_update()
        row = (await conn.execute(query)).first()
        if row is None and self._dialect == "postgresql":
            await lock_new_case(conn, case_id)
            row = (await conn.execute(query)).first()
        return None if row is None else CaseState.model_validate(row.state)

    async def _write(
        self,
        conn: AsyncConnection,
        created: bool,
        state: CaseState,
        events: list[CaseEvent],
        change: Change,
    ) -> None:
        case_id = state.case_id
        columns = _case_columns(state)
        if created:  # the row first: events and blobs reference it
            await conn.execute(insert(cases).values(case_id=case_id, **columns))
        else:
            await conn.execute(update(cases).where(cases.c.case_id == case_id).values(**columns))
        await conn.execute(insert(case_events), [_event_row(e) for e in events])
        if change.erase:
            await conn.execute(delete(blobs).where(blobs.c.case_id == case_id))
        if change.blobs:
            # One executemany for all of a run's blobs: a statement per blob costs a driver
            # round trip each (through aiosqlite's thread, or the network for PostgreSQL).
            rows = [
                {"case_id": case_id, "sha256": sha256, "size": len(data), "data": data}
                for sha256, data in change.blobs.items()
            ]
            await conn.execute(self._insert_blobs(), rows)

    def _insert_blobs(self) -> Any:
        # The same bytes uploaded twice are one blob: an existing row is already right.
        dialect = postgresql if self._dialect == "postgresql" else sqlite
        return dialect.insert(blobs).on_conflict_do_nothing()

    # -- reads --------------------------------------------------------------------------------

    @staticmethod
    async def _events_in(conn: AsyncConnection, case_id: str) -> list[CaseEvent]:
        query = select(case_events).where(case_events.c.case_id == case_id)
        rows = (await conn.execute(query.order_by(case_events.c.seq))).all()
        return [_event_from_row(row) for row in rows]

    async def _load_events(self, case_id: str, as_of: datetime | None) -> list[CaseEvent]:
        if not is_valid_case_id(case_id):
            return []
        query = select(case_events).where(case_events.c.case_id == case_id)
        if as_of is not None:
            query = query.where(case_events.c.occurred_at <= as_of)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query.order_by(case_events.c.seq))).all()
        return [_event_from_row(row) for row in rows]

    async def _inactive(
        self, before: datetime, limit: int, offset: int, tenant: str | None
    ) -> tuple[list[str], int]:
        idle = and_(cases.c.deleted.is_(false()), cases.c.updated_at < before)
        if tenant is not None:
            idle = and_(idle, cases.c.tenant == tenant)
        count = select(func.count()).select_from(cases).where(idle)
        page = (
            select(cases.c.case_id)
            .where(idle)
            .order_by(cases.c.updated_at, cases.c.case_id)
            .limit(limit)
            .offset(offset)
        )
        async with self._engine.connect() as conn:
            total = await conn.scalar(count)
            ids = (await conn.scalars(page)).all()
        return list(ids), int(total or 0)

    async def _load_state(self, case_id: str) -> CaseState | None:
        if not is_valid_case_id(case_id):
            return None
        query = select(cases.c.state).where(cases.c.case_id == case_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else CaseState.model_validate(row.state)

    async def _read_blob(self, case_id: str, sha256: str) -> bytes | None:
        if not is_valid_case_id(case_id):
            return None
        query = select(blobs.c.data).where(blobs.c.case_id == case_id, blobs.c.sha256 == sha256)
        async with self._engine.connect() as conn:
            data: bytes | None = await conn.scalar(query)
        return data

    async def _list_states(
        self, limit: int, offset: int, tenant: str | None
    ) -> tuple[list[CaseState], int]:
        alive: ColumnElement[bool] = cases.c.deleted.is_(false())
        if tenant is not None:
            alive = and_(alive, cases.c.tenant == tenant)
        count = select(func.count()).select_from(cases).where(alive)
        page = (
            select(cases.c.state)
            .where(alive)
            .order_by(cases.c.created_at.desc(), cases.c.case_id.desc())
            .limit(limit)
            .offset(offset)
        )
        async with self._engine.connect() as conn:
            total = await conn.scalar(count)
            rows = (await conn.execute(page)).all()
        return [CaseState.model_validate(row.state) for row in rows], int(total or 0)

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


def _case_columns(state: CaseState) -> dict[str, Any]:
    return {
        "tenant": state.tenant,
        "mode": state.mode.value,
        "status": state.status.value,
        "created_at": state.created_at,
        "updated_at": state.updated_at,
        "version": state.version,
        "state": state.model_dump(mode="json"),
        "deleted": state.deleted,
    }


# Bound parameter names differ from the columns': SQLAlchemy reserves those in UPDATE ... SET.
_REDACT = (
    update(case_events)
    .where(
        case_events.c.case_id == bindparam("event_case_id"),
        case_events.c.seq == bindparam("event_seq"),
    )
    .values(payload=bindparam("redacted_payload"))
)


def _redaction_row(event: CaseEvent) -> dict[str, Any]:
    return {
        "event_case_id": event.case_id,
        "event_seq": event.seq,
        "redacted_payload": event.payload,
    }


def _event_row(event: CaseEvent) -> dict[str, Any]:
    return {
        "case_id": event.case_id,
        "seq": event.seq,
        "type": event.type.value,
        "payload": event.payload,
        "occurred_at": event.occurred_at,
    }


def _event_from_row(row: Row[Any]) -> CaseEvent:
    return CaseEvent(
        case_id=row.case_id,
        seq=row.seq,
        type=EventType(row.type),
        payload=row.payload,
        occurred_at=row.occurred_at,
    )
