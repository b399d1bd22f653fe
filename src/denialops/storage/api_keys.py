"""Where API keys live: the `ApiKeyStore` interface and its memory and file implementations.

A narrow interface of its own, beside `CaseStorage`: authentication needs five operations and
nothing about cases. Every backend implements both (the SQL one in `sql_keys.py`), so one
STORAGE_BACKEND setting decides where cases and keys live. Only a key's SHA-256 is stored
(`domain/api_keys.py` says why that is enough); a key's secret never reaches this layer.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ValidationError

from denialops.domain.api_keys import ApiKey
from denialops.domain.cases import utcnow
from denialops.errors import ApiKeyNotFound, StorageUnavailable


@runtime_checkable
class ApiKeyStore(Protocol):
    """API keys by id and by hash. Revoked keys stay listed (an audit trail), never match."""

    async def add_api_key(self, key: ApiKey, key_hash: str) -> None:
        """Store a new key under the SHA-256 of its secret."""
        ...

    async def api_key_by_hash(self, key_hash: str) -> ApiKey | None:
        """The key whose secret hashes to `key_hash`, revoked or not; None if there is none."""
        ...

    async def list_api_keys(self, tenant: str | None = None) -> list[ApiKey]:
        """Every key (of `tenant`, when given), oldest first."""
        ...

    async def revoke_api_key(self, key_id: str) -> ApiKey:
        """Revoke a key (a revoked key stays revoked as it was). ApiKeyNotFound if unknown."""
        ...

    async def has_active_api_keys(self) -> bool:
        """Whether at least one key is not revoked (a public bind needs one to start)."""
        ...


class _StoredKey(BaseModel):
    key: ApiKey
    key_hash: str


def _revoked(key: ApiKey) -> ApiKey:
    return key if key.revoked_at is not None else key.model_copy(update={"revoked_at": utcnow()})


def _listed(keys: list[_StoredKey], tenant: str | None) -> list[ApiKey]:
    chosen = [k.key for k in keys if tenant is None or k.key.tenant == tenant]
    return sorted(chosen, key=lambda k: (k.created_at, k.key_id))


class MemoryApiKeys:
    """`ApiKeyStore` over a dict (the memory backend's half). One process, not durable."""

    _api_keys: dict[str, _StoredKey]  # by key_id; set by the backend's __init__

    async def add_api_key(self, key: ApiKey, key_hash: str) -> None:
        self._api_keys[key.key_id] = _StoredKey(key=key, key_hash=key_hash)

    async def api_key_by_hash(self, key_hash: str) -> ApiKey | None:
        return next((k.key for k in self._api_keys.values() if k.key_hash == key_hash), None)

    async def list_api_keys(self, tenant: str | None = None) -> list[ApiKey]:
        return _listed(list(self._api_keys.values()), tenant)

    async def revoke_api_key(self, key_id: str) -> ApiKey:
        stored = self._api_keys.get(key_id)
        if stored is None:
            raise ApiKeyNotFound(f"no API key {key_id[:40]!r}")
        stored = stored.model_copy(update={"key": _revoked(stored.key)})
        self._api_keys[key_id] = stored
        return stored.key

    async def has_active_api_keys(self) -> bool:
        return any(k.key.active for k in self._api_keys.values())


class _KeyFile(BaseModel):
    keys: list[_StoredKey] = []


class FileApiKeys:
    """`ApiKeyStore` in `DATA_DIR/api_keys.json` (the file backend's half).

    Writers (`denialops apikey ...`, usually while the server runs) hold an exclusive flock and
    replace the file atomically; readers read without a lock and always see a whole file. The
    parsed file is kept until the file changes, so a request costs one stat(), not a parse.
    """

    _keys_dir: Path  # set by the backend's __init__
    _keys_cache: tuple[tuple[int, int, int], _KeyFile] | None

    @property
    def _keys_path(self) -> Path:
        return self._keys_dir / "api_keys.json"

    async def add_api_key(self, key: ApiKey, key_hash: str) -> None:
        def add(current: _KeyFile) -> None:
            current.keys.append(_StoredKey(key=key, key_hash=key_hash))

        await self._update_keys(add)

    async def api_key_by_hash(self, key_hash: str) -> ApiKey | None:
        keys = (await self._read_keys()).keys
        return next((k.key for k in keys if k.key_hash == key_hash), None)

    async def list_api_keys(self, tenant: str | None = None) -> list[ApiKey]:
        return _listed((await self._read_keys()).keys, tenant)

    async def revoke_api_key(self, key_id: str) -> ApiKey:
        found: list[ApiKey] = []

        def revoke(current: _KeyFile) -> None:
            for i, stored in enumerate(current.keys):
                if stored.key.key_id == key_id:
                    current.keys[i] = stored.model_copy(update={"key": _revoked(stored.key)})
                    found.append(current.keys[i].key)
                    return
            raise ApiKeyNotFound(f"no API key {key_id[:40]!r}")

        await self._update_keys(revoke)
        return found[0]

    async def has_active_api_keys(self) -> bool:
        return any(k.key.active for k in (await self._read_keys()).keys)

    async def _read_keys(self) -> _KeyFile:
        try:
            return await asyncio.to_thread(self._read_keys_sync)
        except (OSError, ValidationError) as e:
            # An outage or a damaged file is 503, never "your key is invalid".
            raise StorageUnavailable("the API key file cannot be read") from e

    def _read_keys_sync(self) -> _KeyFile:
        try:
            st = self._keys_path.stat()
        except FileNotFoundError:
            return _KeyFile()
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        cached = self._keys_cache
        if cached is not None and cached[0] == stamp:
            return cached[1].model_copy(deep=True)
        parsed = _KeyFile.model_validate_json(self._keys_path.read_bytes())
        self._keys_cache = (stamp, parsed)
        return parsed.model_copy(deep=True)

    async def _update_keys(self, change: Callable[[_KeyFile], None]) -> None:
        await asyncio.to_thread(self._update_keys_sync, change)

    def _update_keys_sync(self, change: Callable[[_KeyFile], None]) -> None:
        self._keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self._keys_dir / "api_keys.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            current = self._read_keys_sync()
            change(current)  # raises to refuse: nothing is written
            tmp = self._keys_dir / f".api_keys-{uuid.uuid4().hex}.tmp"
            tmp_fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(tmp_fd, "wb") as f:
                f.write(current.model_dump_json(indent=1).encode())
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self._keys_path)
            dir_fd = os.open(self._keys_dir, os.O_RDONLY)
            try:
                os.fsync(dir_fd)  # the rename is durable only once the directory is
            finally:
                os.close(dir_fd)
        finally:
            os.close(fd)
