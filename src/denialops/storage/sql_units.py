"""The SQL backend's units of work, written once as plain functions over a sync `Connection`.

`sql.py` runs each of them whole, in one of two ways (see `SqlCaseStorage._run`):

- SQLite: in a worker thread, over a synchronous engine. The unit is one hop to the thread and
  back, whatever its number of statements. (Through aiosqlite every statement was a hop, and a
  case's ≈ 20 statements cost more than its analysis: `python -m bench throughput`.)
- PostgreSQL: through the async engine's `run_sync`, which hands these functions a sync facade
  over psycopg's async connection; the network round trips are the cost there, not hops.

Each function does its own statements only: the transaction around it (BEGIN IMMEDIATE on
SQLite for writers, see `sqlite.py`) belongs to the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    and_,
    bindparam,
    delete,
    false,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from denialops.domain.cases import CaseEvent, CaseState, EventType
from denialops.storage.base import Change, Decide, R
from denialops.storage.changes import apply_change, erased
from denialops.storage.postgres import lock_new_case
from denialops.storage.tables import blobs, case_events, cases

# The statements, built once. One built per call is constructed and keyed for SQLAlchemy's
# compiled-statement cache every time: about half of a unit of work's time when profiled.
_STATE = select(cases.c.state).where(cases.c.case_id == bindparam("case_id"))
# FOR UPDATE is rendered on PostgreSQL and dropped on SQLite, where the whole database is
# already locked by BEGIN IMMEDIATE.
_STATE_FOR_UPDATE = _STATE.with_for_update()
_INSERT_CASE = insert(cases)
# The key's parameter is not named after its column: SQLAlchemy reserves those for SET.
_UPDATE_CASE = update(cases).where(cases.c.case_id == bindparam("where_case_id"))
_INSERT_EVENTS = insert(case_events)
_EVENTS = select(case_events).where(case_events.c.case_id == bindparam("case_id"))
_EVENTS_ALL = _EVENTS.order_by(case_events.c.seq)
_EVENTS_AS_OF = _EVENTS.where(case_events.c.occurred_at <= bindparam("as_of")).order_by(
    case_events.c.seq
)
_BLOB = select(blobs.c.data).where(
    blobs.c.case_id == bindparam("case_id"), blobs.c.sha256 == bindparam("sha256")
)
_DELETE_BLOBS = delete(blobs).where(blobs.c.case_id == bindparam("case_id"))
# The same bytes uploaded twice are one blob: an existing row is already right.
_INSERT_BLOBS = {
    "postgresql": postgresql.insert(blobs).on_conflict_do_nothing(),
    "sqlite": sqlite.insert(blobs).on_conflict_do_nothing(),
}

# -- the write ----------------------------------------------------------------------------------


def transact(
    conn: Connection, case_id: str, decide: Decide
) -> tuple[CaseState, list[CaseEvent], Change]:
    """Lock and load the case, let `decide` choose the change, write it; returns the new state,
    the appended events and the change (the caller checkpoints after an erasure)."""
    state = _lock_and_load(conn, case_id)
    change = decide(state)
    new_state, events = apply_change(case_id, state, change)
    redactions: list[CaseEvent] = []
    if change.erase:
        log = events_of(conn, case_id, None)
        redacted, new_state = erased(log, events)
        redactions = [new for new, old in zip(redacted, log, strict=True) if new != old]
    _write(conn, state is None, new_state, events, change)
    if redactions:  # after `_write` marked the case deleted, as the triggers require
        conn.execute(_REDACT, [_redaction_row(e) for e in redactions])
    return new_state, events, change


def _lock_and_load(conn: Connection, case_id: str) -> CaseState | None:
    row = conn.execute(_STATE_FOR_UPDATE, {"case_id": case_id}).first()
    if row is None and conn.dialect.name == "postgresql":
        lock_new_case(conn, case_id)
        row = conn.execute(_STATE_FOR_UPDATE, {"case_id": case_id}).first()
    return None if row is None else CaseState.model_validate(row.state)


def _write(
    conn: Connection, created: bool, state: CaseState, events: list[CaseEvent], change: Change
) -> None:
    case_id = state.case_id
    columns = _case_columns(state)
    if created:  # the row first: events and blobs reference it
        conn.execute(_INSERT_CASE, {"case_id": case_id, **columns})
    else:
        conn.execute(_UPDATE_CASE, {"where_case_id": case_id, **columns})
    conn.execute(_INSERT_EVENTS, [_event_row(e) for e in events])
    if change.erase:
        conn.execute(_DELETE_BLOBS, {"case_id": case_id})
    if change.blobs:
        # One executemany for all of a run's blobs, not a statement per blob.
        rows = [
            {"case_id": case_id, "sha256": sha256, "size": len(data), "data": data}
            for sha256, data in change.blobs.items()
        ]
        conn.execute(_INSERT_BLOBS[conn.dialect.name], rows)


# -- reads --------------------------------------------------------------------------------------


def load_state(conn: Connection, case_id: str) -> CaseState | None:
    row = conn.execute(_STATE, {"case_id": case_id}).first()
    return None if row is None else CaseState.model_validate(row.state)


def read_blob(conn: Connection, case_id: str, sha256: str) -> bytes | None:
    data: bytes | None = conn.scalar(_BLOB, {"case_id": case_id, "sha256": sha256})
    return data


def read_stored(
    conn: Connection, case_id: str, find: Callable[[CaseState | None], R | None]
) -> tuple[R | None, bytes | None]:
    """`EventStoreBase._read_stored` in one transaction: one snapshot for the state and blob."""
    ref = find(load_state(conn, case_id))
    return ref, (read_blob(conn, case_id, ref.sha256) if ref is not None else None)


def events_of(conn: Connection, case_id: str, as_of: datetime | None) -> list[CaseEvent]:
    if as_of is None:
        rows = conn.execute(_EVENTS_ALL, {"case_id": case_id}).all()
    else:
        rows = conn.execute(_EVENTS_AS_OF, {"case_id": case_id, "as_of": as_of}).all()
    return [_event_from_row(row) for row in rows]


def list_states(
    conn: Connection, limit: int, offset: int, tenant: str | None
) -> tuple[list[CaseState], int]:
    alive: ColumnElement[bool] = cases.c.deleted.is_(false())
    if tenant is not None:
        alive = and_(alive, cases.c.tenant == tenant)
    newest_first = (cases.c.created_at.desc(), cases.c.case_id.desc())
    states, total = _page(conn, cases.c.state, alive, newest_first, limit, offset)
    return [CaseState.model_validate(state) for state in states], total


def inactive(
    conn: Connection, before: datetime, limit: int, offset: int, tenant: str | None
) -> tuple[list[str], int]:
    idle = and_(cases.c.deleted.is_(false()), cases.c.updated_at < before)
    if tenant is not None:
        idle = and_(idle, cases.c.tenant == tenant)
    oldest_first = (cases.c.updated_at, cases.c.case_id)
    ids, total = _page(conn, cases.c.case_id, idle, oldest_first, limit, offset)
    return list(ids), total


def _page(
    conn: Connection,
    column: ColumnElement[Any],
    where: ColumnElement[bool],
    order: tuple[ColumnElement[Any], ...],
    limit: int,
    offset: int,
) -> tuple[Sequence[Any], int]:
    """One page of `column` from the cases where `where` holds, and how many hold in all."""
    total = conn.scalar(select(func.count()).select_from(cases).where(where))
    page = select(column).where(where).order_by(*order).limit(limit).offset(offset)
    return conn.scalars(page).all(), int(total or 0)


# -- rows ---------------------------------------------------------------------------------------


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
