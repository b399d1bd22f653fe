"""Alembic's entry point for DenialOps migrations.

Two ways in. `denialops.storage.migrate` (start-up, `denialops db upgrade`, tests) opens the
connection itself and passes it in `config.attributes["connection"]`; the migration then runs in
the caller's transaction and event loop. The alembic CLI (`alembic -c alembic.ini ...`, used to
write new revisions) passes nothing, so we build an engine from `sqlalchemy.url` or, failing
that, from the service's own settings (`DATABASE_URL`, `DATA_DIR`).
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from denialops.storage.tables import metadata

config = context.config
target_metadata = metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from denialops.config import load_settings

    return load_settings().sqlalchemy_url


def run_migrations(connection: Connection) -> None:
    """Run the pending revisions on `connection` (in its transaction if it has one)."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead. NB: a rebuilt
        # table loses its triggers, so a batch migration of case_events must recreate them.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_new_engine() -> None:
    from denialops.storage.sql import make_engine

    engine = make_engine(_url(), poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(run_migrations)
    finally:
        await engine.dispose()


def _run_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
    elif context.is_offline_mode():
        _run_offline()
    else:
        asyncio.run(_run_with_new_engine())


_main()
