"""PostgreSQL specifics of the SQL backend: the locks that serialise writers.

An existing case is locked with `SELECT ... FOR UPDATE` on its `cases` row. A case that does not
exist yet has no row to lock, so its creation takes a transaction-scoped advisory lock keyed by
the case id instead; a second creator of the same id waits, then finds the row.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

# The first key of the two-key advisory lock: our own namespace, so our locks never collide
# with another application's advisory locks in the same database. ("DENI" as an int4.)
LOCK_NAMESPACE = 0x44454E49
# The second key of the lock migrations take, so two processes starting together with
# AUTO_MIGRATE=true run them one after the other.
MIGRATION_LOCK_KEY = 0

_LOCK_CASE = text("SELECT pg_advisory_xact_lock(:ns, hashtext(:case_id))")
_LOCK_MIGRATIONS = text("SELECT pg_advisory_xact_lock(:ns, :key)")


def lock_new_case(conn: Connection, case_id: str) -> None:
    """Hold the advisory lock for `case_id` until the transaction ends (hash collisions only
    make two unrelated creations wait for each other). Called inside `run_sync`."""
    conn.execute(_LOCK_CASE, {"ns": LOCK_NAMESPACE, "case_id": case_id})


def lock_migrations_sync(conn: Connection) -> None:
    """Hold the migration lock until the transaction ends (called inside `run_sync`)."""
    conn.execute(_LOCK_MIGRATIONS, {"ns": LOCK_NAMESPACE, "key": MIGRATION_LOCK_KEY})
