"""Building the case store the settings ask for, ready to serve (schema migrated or checked)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from denialops.config import Settings, StorageBackend
from denialops.errors import ConfigurationError, StorageUnavailable
from denialops.storage.api_keys import ApiKeyStore
from denialops.storage.base import CaseStorage
from denialops.storage.file import FileCaseStorage
from denialops.storage.migrate import ensure_current, upgrade
from denialops.storage.sql import SqlCaseStorage


class Storage(CaseStorage, ApiKeyStore, Protocol):
    """What every backend is: a case store and an API key store, in one place."""


async def build_storage(settings: Settings) -> Storage:
    """The backend for `STORAGE_BACKEND`. SQL backends migrate when `migrate_on_start` and
    otherwise refuse to start on an out-of-date schema (StorageUnavailable says what to run)."""
    if settings.storage_backend is StorageBackend.FILE:
        return FileCaseStorage(settings.data_dir)
    url = settings.sqlalchemy_url
    if settings.storage_backend is StorageBackend.SQLITE:
        _make_sqlite_dirs(settings.data_dir, url)
    try:
        storage = SqlCaseStorage(url, pool_size=settings.database_pool_size)
    except SQLAlchemyError as e:  # a malformed URL or a driver we do not ship
        raise ConfigurationError("DATABASE_URL: not a usable database URL") from e
    try:
        if settings.migrate_on_start:
            await upgrade(url)
        else:
            await ensure_current(storage.engine)
        await storage.ping()
    except (SQLAlchemyError, OSError) as e:
        await storage.close()
        # The driver's message can carry host and user names; the cause keeps it for the log.
        raise StorageUnavailable("cannot open the case database") from e
    except BaseException:
        await storage.close()
        raise
    return storage


def _make_sqlite_dirs(data_dir: Path, url: str) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    database = make_url(url).database
    # DATABASE_URL may put the file elsewhere; ":memory:" and "" have no directory.
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
