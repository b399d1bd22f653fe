"""The retention purge on a schedule: off by default, one background task when on, a failed pass
logged (without its message) and retried, and the task cancelled when the app stops.

What a pass deletes, on every backend, is pinned in tests/storage/test_contract_deletion.py.
Time is injected (the purge's clock): nothing here waits for a case to grow old.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest
from structlog.testing import capture_logs

from denialops.config import Settings, StorageBackend, load_settings
from denialops.domain.cases import utcnow
from denialops.errors import CaseNotFound, StorageUnavailable
from denialops.main import create_app
from denialops.services.retention import RetentionPurge, periodic_purge
from denialops.storage.base import InactiveCases
from denialops.storage.memory import MemoryCaseStorage

pytestmark = pytest.mark.anyio

FAST = 0.0001  # hours between passes: a third of a second


def settings_for(tmp_path: Path, days: int = 1, hours: float = FAST) -> Settings:
    return load_settings(
        _env_file=None,
        data_dir=tmp_path,
        environment="test",
        artifact_retention_days=days,
        retention_purge_interval_hours=hours,
    )


def days_later(days: int) -> datetime:
    return utcnow() + timedelta(days=days)


async def test_retention_is_off_by_default(tmp_path: Path) -> None:
    settings = load_settings(_env_file=None, data_dir=tmp_path)

    assert settings.artifact_retention_days == 0
    async with periodic_purge(MemoryCaseStorage(), settings) as task:
        assert task is None


@pytest.mark.parametrize(("days", "hours"), [(0, 6.0), (30, 0.0)])
async def test_no_task_without_a_retention_or_a_schedule(
    tmp_path: Path, days: int, hours: float
) -> None:
    async with periodic_purge(MemoryCaseStorage(), settings_for(tmp_path, days, hours)) as task:
        assert task is None


class WatchedStorage(MemoryCaseStorage):
    """A memory store that says when it has deleted a case."""

    def __init__(self) -> None:
        super().__init__()
        self.deleted = anyio.Event()

    async def delete_case(self, case_id: str, **kwargs: Any) -> None:
        await super().delete_case(case_id, **kwargs)
        self.deleted.set()


async def test_passes_delete_due_cases_until_the_task_is_cancelled(tmp_path: Path) -> None:
    storage = WatchedStorage()
    case_id = (await storage.create_case()).case_id
    later = days_later(2)

    async with periodic_purge(
        storage, settings_for(tmp_path), clock=lambda: later, first_delay_s=0
    ) as task:
        assert task is not None
        with anyio.fail_after(10):
            await storage.deleted.wait()
        assert not task.done()

    assert task.cancelled()
    with pytest.raises(CaseNotFound):
        await storage.get(case_id)


class FlakyStorage(WatchedStorage):
    """A store whose first listing fails, as a database that is briefly down would."""

    def __init__(self) -> None:
        super().__init__()
        self.listings = 0

    async def inactive_cases(self, before: datetime, **kwargs: Any) -> InactiveCases:
        self.listings += 1
        if self.listings == 1:
            raise StorageUnavailable("the case database cannot be reached: host db.internal")
        return await super().inactive_cases(before, **kwargs)


async def test_a_failed_pass_is_logged_without_its_message_and_retried(tmp_path: Path) -> None:
    storage = FlakyStorage()
    await storage.create_case()
    later = days_later(2)

    with capture_logs() as logs:
        async with periodic_purge(
            storage, settings_for(tmp_path), clock=lambda: later, first_delay_s=0
        ):
            with anyio.fail_after(10):
                await storage.deleted.wait()

    failed = [e for e in logs if e["event"] == "retention.purge_failed"]
    assert failed == [
        {"event": "retention.purge_failed", "error": "StorageUnavailable", "log_level": "error"}
    ]
    assert "db.internal" not in repr(logs)
    assert storage.listings >= 2


async def test_the_app_runs_the_schedule_and_stops_it(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, days=30, hours=6.0).model_copy(
        update={"storage_backend": StorageBackend.SQLITE}
    )
    app = create_app(settings)

    async with app.router.lifespan_context(app):
        task = app.state.retention_task
        assert task is not None
        assert not task.done()

    assert task.cancelled()


def test_a_retention_is_at_least_a_day() -> None:
    with pytest.raises(ValueError, match="at least one day"):
        RetentionPurge(MemoryCaseStorage(), 0)
