"""Storage fixtures: every backend behind one `storage` fixture, so the contract suite in
test_contract.py runs once per backend against a fresh, empty store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from denialops.storage.base import EventStoreBase
from denialops.storage.file import FileCaseStorage
from denialops.storage.memory import MemoryCaseStorage
from denialops.storage.migrate import upgrade
from denialops.storage.sql import SqlCaseStorage

BACKENDS = ["memory", "file", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
SQL_BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{(tmp_path / 'cases.db').as_posix()}"


@pytest.fixture(params=SQL_BACKENDS)
def sql_url(request: pytest.FixtureRequest) -> str:
    """A URL to an empty database (not migrated), SQLite or PostgreSQL."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture(params=BACKENDS)
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[EventStoreBase]:
    """A fresh store of each backend, closed after the test."""
    store: EventStoreBase
    if request.param == "memory":
        store = MemoryCaseStorage()
    elif request.param == "file":
        store = FileCaseStorage(tmp_path)
    else:
        url: str = request.getfixturevalue(f"{request.param}_url")
        await upgrade(url)
        store = SqlCaseStorage(url)
    try:
        yield store
    finally:
        await store.close()
