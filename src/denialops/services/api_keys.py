"""API keys: issuing, listing and revoking them (the `denialops apikey` commands), recognising
them on requests, and refusing to serve beyond loopback while none exists.

The secret exists in memory only while it is created and while a request is checked; it is
never logged (events carry the key's id and tenant) and never stored (only its SHA-256).
"""

from __future__ import annotations

import structlog

from denialops.config import Settings
from denialops.domain.api_keys import (
    ApiKey,
    IssuedKey,
    hash_secret,
    hint_of,
    looks_like_key,
    new_key_id,
    new_secret,
)
from denialops.domain.cases import utcnow
from denialops.domain.tenants import TENANT_PATTERN, is_valid_tenant
from denialops.errors import ConfigurationError, InvalidInput
from denialops.storage.api_keys import ApiKeyStore

log = structlog.get_logger(__name__)


class ApiKeyService:
    """The rules for API keys, over any `ApiKeyStore`."""

    def __init__(self, store: ApiKeyStore) -> None:
        self.store = store

    async def create(self, tenant: str) -> IssuedKey:
        """A new key for `tenant`. The returned secret is the only copy there will ever be."""
        if not is_valid_tenant(tenant):
            raise InvalidInput(f"tenant names match {TENANT_PATTERN} (lower-case, e.g. acme)")
        secret = new_secret()
        key = ApiKey(key_id=new_key_id(), tenant=tenant, hint=hint_of(secret), created_at=utcnow())
        await self.store.add_api_key(key, hash_secret(secret))
        log.info("apikey.created", key_id=key.key_id, tenant=tenant)
        return IssuedKey(key=key, secret=secret)

    async def list_keys(self, tenant: str | None = None) -> list[ApiKey]:
        return await self.store.list_api_keys(tenant)

    async def revoke(self, key_id: str) -> ApiKey:
        key = await self.store.revoke_api_key(key_id)
        log.info("apikey.revoked", key_id=key.key_id, tenant=key.tenant)
        return key

    async def authenticate(self, secret: str) -> ApiKey | None:
        """The active key `secret` is, or None (malformed, unknown or revoked)."""
        if not looks_like_key(secret):
            return None  # not even our shape: no lookup
        key = await self.store.api_key_by_hash(hash_secret(secret))
        return key if key is not None and key.active else None


async def ensure_can_serve(store: ApiKeyStore, settings: Settings) -> None:
    """Refuse to start when every request would need a key and no key exists."""
    if not settings.requires_auth or await store.has_active_api_keys():
        return
    why = (
        "AUTH_REQUIRED=true"
        if settings.auth_required
        else f"API_HOST={settings.api_host} is not a loopback address"
    )
    raise ConfigurationError(
        f"{why}, so every request needs an API key, and none exists: "
        "run `denialops apikey create --tenant NAME` first (or bind to 127.0.0.1)"
    )
