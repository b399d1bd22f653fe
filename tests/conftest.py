"""Shared fixtures.

Services: tests that need PostgreSQL or Redis are marked `postgres` / `redis` and get their
connection through `require_service`. Locally a missing service skips them; under CI=true a
missing service FAILS them, and so does any skip of such a test (see the report hook below):
CI must never go green with the real-database tests silently not run. The same holds for
`local_llm` tests (the real llama.cpp server and model, tests/llm/test_local_llama.py).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from pathlib import Path

import psycopg
import pytest
import redis
import structlog
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from psycopg import sql
from sqlalchemy.engine import make_url

from denialops.api.dependencies import get_pipeline, get_storage
from denialops.config import Settings, load_settings
from denialops.main import create_app
from denialops.pipeline.build import full_pipeline
from denialops.storage.memory import MemoryCaseStorage

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SERVICE_MARKERS = ("postgres", "redis", "local_llm")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _structlog_defaults_after_each_test() -> Iterator[None]:
    """`create_app` configures logging for the whole process, level included: without a reset,
    the next test would log (or not) by whatever the last app was built with."""
    yield
    structlog.reset_defaults()


# -- API: the app with an in-memory store swapped in ----------------------------------------


@pytest.fixture
def max_upload() -> int:
    return 256 * 1024


@pytest.fixture
def settings(tmp_path: Path, max_upload: int) -> Settings:
    # Rate limits off: tests of other behaviour send bursts (tests/api/test_rate_limit.py
    # turns them on); auth follows the loopback default (tests/api/test_auth.py forces it).
    return load_settings(
        data_dir=tmp_path,
        environment="test",
        max_upload_bytes=max_upload,
        rate_limit_enabled=False,
    )


@pytest.fixture
def memory_storage() -> MemoryCaseStorage:
    return MemoryCaseStorage()


@pytest.fixture
def app(settings: Settings, memory_storage: MemoryCaseStorage) -> FastAPI:
    """The app with an in-memory store swapped in (ASGITransport runs no lifespan)."""
    app = create_app(settings)
    pipeline = full_pipeline()
    app.dependency_overrides[get_storage] = lambda: memory_storage
    app.dependency_overrides[get_pipeline] = lambda: pipeline
    return app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        yield client


def require_service(name: str, check: Callable[[], object]) -> None:
    """Skip (locally) or fail (under CI) when the service `name` does not answer `check`."""
    try:
        check()
    except Exception as e:  # any way of not answering counts
        message = f"{name} is not reachable: {type(e).__name__}: {e}"
        if IN_CI:
            pytest.fail(f"{message} (CI=true: tests needing {name} must run)")
        pytest.skip(message)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    needs_service = any(item.get_closest_marker(m) for m in SERVICE_MARKERS)
    if IN_CI and needs_service and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"{item.nodeid}: needs a service but was skipped under CI=true"
    return report


# ---- PostgreSQL: an isolated schema per test (used by tests/storage; reusable by any test) ----

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_dsn() -> str:
    """POSTGRES_URL in the libpq form psycopg takes."""
    url = make_url(POSTGRES_URL).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _postgres_answers() -> None:
    with psycopg.connect(_postgres_dsn(), connect_timeout=3) as conn:
        conn.execute("SELECT 1")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """An async SQLAlchemy URL whose search_path is a fresh, empty schema, dropped afterwards:
    tests never see each other's rows, and other users of the database are left alone."""
    require_service("postgres", _postgres_answers)
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_postgres_dsn(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        url = make_url(POSTGRES_URL).update_query_dict({"options": f"-c search_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_postgres_dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


# ---- Redis: the server's URL; tests keep to a unique key prefix and delete what they wrote ----

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_answers() -> None:
    with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3, socket_timeout=3) as client:
        client.ping()


@pytest.fixture
def redis_url() -> str:
    """The test Redis server's URL (skips locally, fails under CI, when it does not answer)."""
    require_service("redis", _redis_answers)
    return REDIS_URL
