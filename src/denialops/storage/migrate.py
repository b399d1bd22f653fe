"""Running the schema migrations from code, inside the caller's event loop.

The alembic `Config` is built here (no alembic.ini at run time); the scripts ship inside the
package, in `migrations/`. We open the connection ourselves and hand it to `env.py` through
`config.attributes["connection"]` (the alembic async cookbook pattern), so `upgrade()` can run
at start-up in a running loop, from `denialops db upgrade`, and in tests.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import NullPool

from denialops.errors import StorageUnavailable
from denialops.storage.postgres import lock_migrations_sync
from denialops.storage.sql import make_engine
from denialops.storage.sqlite import WRITE_OPTIONS

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_Action = Callable[[Config], None]


def alembic_config(url: str | None = None) -> Config:
    """An alembic `Config` pointing at the packaged scripts (and at `url`, for the CLI path)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # Config values go through configparser interpolation: a literal % must be doubled.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision`. Safe to run again, and concurrently."""
    await _run(url, lambda config: command.upgrade(config, revision))


async def downgrade(url: str, revision: str = "base") -> None:
    """Take the database at `url` down to `revision` (development and tests only)."""
    await _run(url, lambda config: command.downgrade(config, revision))


async def _run(url: str, action: _Action) -> None:
    engine = make_engine(url, poolclass=NullPool)
    try:
        # SQLite: BEGIN IMMEDIATE, so a migration and a writer never interleave.
        async with engine.execution_options(**WRITE_OPTIONS).begin() as conn:
            await conn.run_sync(_in_transaction, action)
    finally:
        await engine.dispose()


def _in_transaction(conn: Connection, action: _Action) -> None:
    if conn.dialect.name == "postgresql":
        lock_migrations_sync(conn)  # N processes starting together migrate one at a time
    config = alembic_config()
    config.attributes["connection"] = conn
    action(config)


async def ensure_current(engine: AsyncEngine) -> None:
    """Raise StorageUnavailable unless the schema is at (or, mid-deploy, beyond) our head."""
    async with engine.connect() as conn:
        current = set(await conn.run_sync(_current_heads))
    script = ScriptDirectory.from_config(alembic_config())
    heads = set(script.get_heads())
    if current >= heads:
        return
    if current and not any(_known(script, rev) for rev in current):
        # A revision this code does not know: a newer release has migrated (expand/contract
        # keeps the schema readable by the previous code), so serve.
        return
    raise StorageUnavailable(
        "the database schema is not up to date; run `denialops db upgrade` "
        "(or set AUTO_MIGRATE=true)"
    )


def _current_heads(conn: Connection) -> tuple[str, ...]:
    return MigrationContext.configure(conn).get_current_heads()


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except RevisionError:
        return False
