"""SQLite specifics of the SQL backend: connection pragmas and how transactions begin.

SQLite allows one writer at a time. A transaction that starts as a reader (plain `BEGIN`) and
later writes can fail at once with "database is locked", whatever the busy timeout, because its
snapshot may be stale. So writers start with `BEGIN IMMEDIATE`, which takes the write lock up
front and waits (busy_timeout) for it. Readers keep a deferred `BEGIN` and, in WAL mode, never
wait for writers.

The sqlite3 driver's own transaction handling (which never BEGINs before a SELECT or DDL) is
switched off and SQLAlchemy emits BEGIN itself: the recipe from the SQLAlchemy SQLite docs.

Writers in several processes (`denialops serve --workers N`) queue on an exclusive `flock` of
a file beside the database (`WriterLock`) before they BEGIN IMMEDIATE. SQLite's own busy
handler polls, sleeping 1, 2, 5 … 100 ms between tries, so under steady writes from two
processes most of a waiting writer's time was sleep; a writer blocked in `flock` is woken by the
kernel the moment the lock is released. The busy timeout stays as the fallback for programs
that do not take the file lock (a migration, the sqlite3 shell).

Deleted data leaves the file: `secure_delete` makes SQLite overwrite deleted rows (and the old
versions of updated ones) with zeros instead of leaving them in free space, and after deleting
a case the store runs a TRUNCATE checkpoint (`truncate_wal`), because the WAL still holds the
pages as they were written until it is checkpointed and reset.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from sqlalchemy import event, make_url
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

try:
    import fcntl
except ImportError:  # not POSIX: SQLite's busy timeout queues the writers
    fcntl = None  # type: ignore[assignment]

log = structlog.get_logger(__name__)

# Execution option naming the BEGIN flavour; the writer engine is `engine.execution_options(
# **WRITE_OPTIONS)` and shares the pool with the reader engine.
BEGIN_OPTION = "denialops_sqlite_begin"
WRITE_OPTIONS = {BEGIN_OPTION: "IMMEDIATE"}

# Long enough for a queue of writers from other processes; a writer in this process never
# waits on SQLite at all (it holds the in-process writer lock first).
BUSY_TIMEOUT_MS = 30_000

_PRAGMAS = (
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",  # first: the statements below may have to wait
    "PRAGMA synchronous=NORMAL",  # durable at checkpoints; safe from corruption in WAL mode
    "PRAGMA foreign_keys=ON",  # off by default in SQLite, per connection
    "PRAGMA secure_delete=ON",  # zero deleted content, free pages included (not only "FAST")
)
# How long the checkpoint after a deletion waits for readers to move to the newest snapshot: it
# runs while this process's writers wait, so briefly; an incomplete one is finished by the next.
CHECKPOINT_BUSY_MS = 2_000
# Switching a new database to WAL can fail at once with "database is locked", without waiting:
# when two connections try together, SQLite refuses one rather than deadlock. By the retry the
# other has switched (the mode is stored in the file), so a second try succeeds or is a no-op.
_WAL_ATTEMPTS = 5


def configure_sqlite(engine: AsyncEngine | Engine) -> None:
    """Install the connect and begin hooks on a SQLite engine (call once, before first use)."""
    target = engine.sync_engine if isinstance(engine, AsyncEngine) else engine
    event.listen(target, "connect", _on_connect)
    event.listen(target, "begin", _on_begin)


def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # None = the driver never emits BEGIN itself (and PRAGMA journal_mode must not run inside a
    # transaction).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _PRAGMAS:
            cursor.execute(pragma)
        _switch_to_wal(cursor)
    finally:
        cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    for attempt in range(1, _WAL_ATTEMPTS + 1):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or attempt == _WAL_ATTEMPTS:
                raise


def _on_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get(BEGIN_OPTION, "DEFERRED")
    if mode not in ("DEFERRED", "IMMEDIATE"):
        raise ValueError(f"unknown SQLite BEGIN mode {mode!r}")
    conn.exec_driver_sql(f"BEGIN {mode}")


class WriterLock:
    """An exclusive lock, across processes, on `<database>.writer.lock`: held around each write
    transaction. Blocking: take it in a worker thread. A no-op for in-memory databases and on
    systems without `fcntl`, where SQLite's busy timeout does the queueing alone."""

    def __init__(self, url: str) -> None:
        database = make_url(url).database
        self._fd: int | None = None
        if fcntl is not None and database and database != ":memory:":
            self._fd = os.open(f"{database}.writer.lock", os.O_RDWR | os.O_CREAT, 0o600)

    @contextmanager
    def held(self) -> Iterator[None]:
        if self._fd is None or fcntl is None:
            yield
            return
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def truncate_wal(engine: Engine) -> bool:
    """Checkpoint the WAL into the database file and truncate it to zero bytes, so deleted
    content lingers in neither. Best effort: False when readers kept it from completing (the
    WAL is reset at a later checkpoint) or the checkpoint failed. Blocking: run it in a worker
    thread."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={CHECKPOINT_BUSY_MS}")
            try:
                row = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
            finally:
                conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    except SQLAlchemyError as e:
        log.warning("storage.checkpoint_failed", error=type(e).__name__)
        return False
    done = row is not None and row[0] == 0
    if not done:
        log.info("storage.checkpoint_incomplete")
    return done
