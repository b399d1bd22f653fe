"""`denialops purge [--dry-run] [--days N]`: the retention purge from the command line, over the
embedded SQLite store. A case is made old by backdating its row (a storage-level helper), never
by waiting."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from denialops.cli import app
from denialops.config import load_settings
from denialops.domain.cases import utcnow
from denialops.errors import CaseNotFound
from denialops.storage.migrate import upgrade
from denialops.storage.sql import SqlCaseStorage
from denialops.storage.tables import cases

runner = CliRunner()


def _store(data_dir: Path) -> SqlCaseStorage:
    return SqlCaseStorage(load_settings(_env_file=None, data_dir=data_dir).sqlalchemy_url)


def make_cases(data_dir: Path, old_age_days: int) -> tuple[str, str]:
    """An old case (last active `old_age_days` ago) and a fresh one."""

    async def work() -> tuple[str, str]:
        await upgrade(load_settings(_env_file=None, data_dir=data_dir).sqlalchemy_url)
        store = _store(data_dir)
        try:
            old, fresh = await store.create_case(), await store.create_case()
            then = utcnow() - timedelta(days=old_age_days)
            backdated = old.model_copy(update={"created_at": then, "updated_at": then})
            async with store.engine.begin() as conn:
                await conn.execute(
                    update(cases)
                    .where(cases.c.case_id == old.case_id)
                    .values(
                        created_at=then,
                        updated_at=then,
                        state=backdated.model_dump(mode="json"),
                    )
                )
            return old.case_id, fresh.case_id
        finally:
            await store.close()

    return asyncio.run(work())


def live_ids(data_dir: Path) -> set[str]:
    async def work() -> set[str]:
        store = _store(data_dir)
        try:
            return {s.case_id for s in (await store.list_cases(limit=100)).items}
        finally:
            await store.close()

    return asyncio.run(work())


def deletion_of(data_dir: Path, case_id: str) -> dict[str, object]:
    async def work() -> dict[str, object]:
        store = _store(data_dir)
        try:
            with pytest.raises(CaseNotFound):
                await store.get(case_id)
            return (await store._load_events(case_id, None))[-1].payload
        finally:
            await store.close()

    return asyncio.run(work())


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("STORAGE_BACKEND", "sqlite")
    monkeypatch.delenv("ARTIFACT_RETENTION_DAYS", raising=False)
    return tmp_path


def test_without_a_retention_nothing_is_deleted(data_dir: Path) -> None:
    old, fresh = make_cases(data_dir, old_age_days=400)

    result = runner.invoke(app, ["purge"])

    assert result.exit_code == 0, result.output
    assert "kept until deleted" in result.stdout
    assert live_ids(data_dir) == {old, fresh}


def test_dry_run_counts_and_deletes_nothing(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARTIFACT_RETENTION_DAYS", "30")
    old, fresh = make_cases(data_dir, old_age_days=31)

    result = runner.invoke(app, ["purge", "--dry-run"])

    assert result.exit_code == 0, result.output
    assert "would delete 1 cases" in result.stdout
    assert live_ids(data_dir) == {old, fresh}


def test_purge_deletes_what_is_older_than_the_retention(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARTIFACT_RETENTION_DAYS", "30")
    old, fresh = make_cases(data_dir, old_age_days=31)

    result = runner.invoke(app, ["purge"])

    assert result.exit_code == 0, result.output
    assert "deleted 1 cases" in result.stdout
    assert "(30 days)" in result.stdout
    assert live_ids(data_dir) == {fresh}
    assert deletion_of(data_dir, old) == {"reason": "retention", "by": "retention"}


def test_days_on_the_command_line_win(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARTIFACT_RETENTION_DAYS", "365")
    old, fresh = make_cases(data_dir, old_age_days=10)

    assert runner.invoke(app, ["purge"]).exit_code == 0
    assert live_ids(data_dir) == {old, fresh}
    result = runner.invoke(app, ["purge", "--days", "7"])

    assert result.exit_code == 0, result.output
    assert live_ids(data_dir) == {fresh}
