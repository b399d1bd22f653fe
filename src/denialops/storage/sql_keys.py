"""The SQL backend's `ApiKeyStore`: the `api_keys` table (created by migration 0002).

A key is looked up on every authenticated request, by the unique index on `key_hash`. A
database that cannot answer is StorageUnavailable (503), never a 500 and never "no such key":
an outage must not read as "your key is invalid".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, exists, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from denialops.domain.api_keys import ApiKey
from denialops.domain.cases import utcnow
from denialops.errors import ApiKeyNotFound, StorageUnavailable
from denialops.storage.tables import api_keys

_KEY_COLUMNS = (
    api_keys.c.key_id,
    api_keys.c.tenant,
    api_keys.c.hint,
    api_keys.c.created_at,
    api_keys.c.revoked_at,
)


class SqlApiKeys:
    """`ApiKeyStore` over SQLAlchemy Core. Mixed into `SqlCaseStorage`, whose engines it uses."""

    _engine: AsyncEngine  # readers
    _writer: AsyncEngine  # writers (BEGIN IMMEDIATE on SQLite)

    async def add_api_key(self, key: ApiKey, key_hash: str) -> None:
        row = {**key.model_dump(), "key_hash": key_hash}
        async with self._writer.begin() as conn:
            await conn.execute(insert(api_keys).values(**row))

    async def api_key_by_hash(self, key_hash: str) -> ApiKey | None:
        query = select(*_KEY_COLUMNS).where(api_keys.c.key_hash == key_hash)
        try:
            async with self._engine.connect() as conn:
                row = (await conn.execute(query)).first()
        except (SQLAlchemyError, OSError) as e:
            raise StorageUnavailable("the API key table cannot be read") from e
        return None if row is None else _key_from_row(row)

    async def list_api_keys(self, tenant: str | None = None) -> list[ApiKey]:
        query = select(*_KEY_COLUMNS).order_by(api_keys.c.created_at, api_keys.c.key_id)
        if tenant is not None:
            query = query.where(api_keys.c.tenant == tenant)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_key_from_row(row) for row in rows]

    async def revoke_api_key(self, key_id: str) -> ApiKey:
        revoke = (
            update(api_keys)
            .where(api_keys.c.key_id == key_id, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        async with self._writer.begin() as conn:
            await conn.execute(revoke)
            row = (
                await conn.execute(select(*_KEY_COLUMNS).where(api_keys.c.key_id == key_id))
            ).first()
        if row is None:
            raise ApiKeyNotFound(f"no API key {key_id[:40]!r}")
        return _key_from_row(row)

    async def has_active_api_keys(self) -> bool:
        query = select(exists().where(api_keys.c.revoked_at.is_(None)))
        try:
            async with self._engine.connect() as conn:
                return bool(await conn.scalar(query))
        except (SQLAlchemyError, OSError) as e:
            raise StorageUnavailable("the API key table cannot be read") from e


def _key_from_row(row: Row[Any, Any, Any, Any, Any]) -> ApiKey:
    return ApiKey(
        key_id=row.key_id,
        tenant=row.tenant,
        hint=row.hint,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )
