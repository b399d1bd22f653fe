"""Data from before tenants (and keys) keeps working: migration 0002 puts existing SQL cases in
the default tenant and can be rolled back; the file backend reads old cases the same way and
keeps its keys private and durable."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from denialops.domain.api_keys import ApiKey, hash_secret, new_key_id, new_secret
from denialops.domain.cases import utcnow
from denialops.domain.tenants import DEFAULT_TENANT
from denialops.errors import CaseNotFound, StorageUnavailable
from denialops.storage.file import FileCaseStorage
from denialops.storage.migrate import downgrade, upgrade
from denialops.storage.sql import SqlCaseStorage

pytestmark = pytest.mark.anyio

OLD_CASE = "11111111-1111-4111-8111-111111111111"


async def _insert_pre_tenant_case(url: str) -> None:
    """A case as revision 0001 stored it: no tenant column, no tenant in the projection."""
    now = utcnow()
    state = {
        "case_id": OLD_CASE,
        "mode": "fast",
        "status": "created",
        "version": 1,
        "created_at": now.isoformat(),
        "updated_at": now.isoformat(),
    }
    store = SqlCaseStorage(url)
    try:
        async with store.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO cases (case_id, mode, status, created_at, updated_at, version,"
                    " state, deleted) VALUES (:id, 'fast', 'created', :at, :at, 1, :state, false)"
                ),
                {"id": OLD_CASE, "at": now, "state": json.dumps(state)},
            )
    finally:
        await store.close()


class TestMigration0002:
    async def test_existing_cases_move_to_the_default_tenant(self, sql_url: str) -> None:
        await upgrade(sql_url, "0001")
        await _insert_pre_tenant_case(sql_url)

        await upgrade(sql_url)

        store = SqlCaseStorage(sql_url)
        try:
            case = await store.get(OLD_CASE, tenant=DEFAULT_TENANT)
            listed = await store.list_cases(tenant=DEFAULT_TENANT)
            with pytest.raises(CaseNotFound):
                await store.get(OLD_CASE, tenant="acme")
        finally:
            await store.close()
        assert case.tenant == DEFAULT_TENANT
        assert [s.case_id for s in listed.items] == [OLD_CASE]

    async def test_downgrade_to_0001_keeps_cases_and_drops_tenants_and_keys(
        self, sql_url: str
    ) -> None:
        await upgrade(sql_url)
        store = SqlCaseStorage(sql_url)
        try:
            case_id = (await store.create_case(tenant="acme")).case_id
            async with store.engine.connect() as conn:
                assert "api_keys" in await conn.run_sync(lambda c: inspect(c).get_table_names())
        finally:
            await store.close()

        await downgrade(sql_url, "0001")

        store = SqlCaseStorage(sql_url)
        try:
            async with store.engine.connect() as conn:
                tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
                columns = await conn.run_sync(
                    lambda c: {col["name"] for col in inspect(c).get_columns("cases")}
                )
                kept = await conn.scalar(text("SELECT count(*) FROM cases"))
        finally:
            await store.close()
        assert "api_keys" not in tables
        assert "tenant" not in columns
        assert kept == 1
        await upgrade(sql_url)  # and forward again: the column is restored from the projection
        store = SqlCaseStorage(sql_url)
        try:
            assert (await store.get(case_id, tenant="acme")).tenant == "acme"
            assert [s.case_id for s in (await store.list_cases(tenant="acme")).items] == [case_id]
            assert (await store.list_cases(tenant=DEFAULT_TENANT)).total == 0
        finally:
            await store.close()


class TestFileBackend:
    async def test_a_case_stored_without_a_tenant_is_the_default_tenants(
        self, tmp_path: Path
    ) -> None:
        store = FileCaseStorage(tmp_path)
        case_id = (await store.create_case()).case_id
        log = tmp_path / "cases" / case_id / "events.jsonl"
        event = json.loads(log.read_text())
        del event["payload"]["tenant"]  # as a case created before tenants existed
        log.write_text(json.dumps(event) + "\n")
        (tmp_path / "cases" / case_id / "state.json").unlink()

        assert (await store.get(case_id, tenant=DEFAULT_TENANT)).tenant == DEFAULT_TENANT
        assert (await store.list_cases(tenant=DEFAULT_TENANT)).total == 1

    async def test_keys_survive_a_restart_and_only_the_owner_can_read_them(
        self, tmp_path: Path
    ) -> None:
        secret = new_secret()
        key = ApiKey(key_id=new_key_id(), tenant="acme", hint=secret[:8], created_at=utcnow())
        await FileCaseStorage(tmp_path).add_api_key(key, hash_secret(secret))

        reopened = FileCaseStorage(tmp_path)
        found = await reopened.api_key_by_hash(hash_secret(secret))

        assert found == key
        key_file = tmp_path / "api_keys.json"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert secret not in key_file.read_text()  # only its hash is stored

    async def test_a_key_revoked_by_another_process_is_seen_at_once(self, tmp_path: Path) -> None:
        server, cli = FileCaseStorage(tmp_path), FileCaseStorage(tmp_path)
        secret = new_secret()
        key = ApiKey(key_id=new_key_id(), tenant="acme", hint=secret[:8], created_at=utcnow())
        await cli.add_api_key(key, hash_secret(secret))
        assert await server.api_key_by_hash(hash_secret(secret)) == key  # cached now

        await cli.revoke_api_key(key.key_id)

        found = await server.api_key_by_hash(hash_secret(secret))
        assert found is not None
        assert not found.active

    async def test_a_damaged_key_file_is_unavailable_not_an_empty_one(self, tmp_path: Path) -> None:
        (tmp_path / "api_keys.json").write_text("{not json")

        with pytest.raises(StorageUnavailable):
            await FileCaseStorage(tmp_path).api_key_by_hash(hash_secret(new_secret()))
