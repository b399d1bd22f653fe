"""`build_storage`: the backend STORAGE_BACKEND names, with its schema migrated or checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from denialops.config import Settings, StorageBackend, load_settings
from denialops.errors import StorageUnavailable
from denialops.storage import CaseStorage, build_storage
from denialops.storage.file import FileCaseStorage
from denialops.storage.migrate import upgrade
from denialops.storage.sql import SqlCaseStorage

pytestmark = pytest.mark.anyio


def _settings(**overrides: object) -> Settings:
    return load_settings(_env_file=None, **overrides)


async def _built(settings: Settings) -> CaseStorage:
    storage = await build_storage(settings)
    try:
        await storage.ping()
        await storage.create_case()
    finally:
        await storage.close()
    return storage


async def test_file_backend(tmp_path: Path) -> None:
    settings = _settings(storage_backend=StorageBackend.FILE, data_dir=tmp_path)

    assert isinstance(await _built(settings), FileCaseStorage)
    assert (tmp_path / "cases").is_dir()


async def test_sqlite_backend_creates_and_migrates_its_database(tmp_path: Path) -> None:
    data_dir = tmp_path / "not-yet"
    settings = _settings(storage_backend=StorageBackend.SQLITE, data_dir=data_dir)

    assert isinstance(await _built(settings), SqlCaseStorage)
    assert (data_dir / "denialops.db").is_file()


async def test_sqlite_without_auto_migrate_refuses_an_empty_database(tmp_path: Path) -> None:
    settings = _settings(
        storage_backend=StorageBackend.SQLITE, data_dir=tmp_path, auto_migrate=False
    )

    with pytest.raises(StorageUnavailable, match="denialops db upgrade"):
        await build_storage(settings)


@pytest.mark.postgres
async def test_postgres_needs_an_upgrade_first(postgres_url: str) -> None:
    settings = _settings(storage_backend=StorageBackend.POSTGRES, database_url=postgres_url)

    with pytest.raises(StorageUnavailable, match="denialops db upgrade"):
        await build_storage(settings)
    await upgrade(settings.sqlalchemy_url)
    assert isinstance(await _built(settings), SqlCaseStorage)


async def test_unreachable_postgres_is_storage_unavailable() -> None:
    settings = _settings(
        storage_backend=StorageBackend.POSTGRES,
        database_url="postgresql://nobody@127.0.0.1:1/none?connect_timeout=2",
    )

    with pytest.raises(StorageUnavailable) as caught:
        await build_storage(settings)
    assert "nobody" not in str(caught.value)  # no user or host names in the message
