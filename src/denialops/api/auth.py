"""Who is calling: the tenant a request acts for, from its `Authorization: Bearer` key.

Bound to loopback (the default) the service is single-user: no key is asked for and every
request acts for the default tenant. Bound beyond loopback, or with AUTH_REQUIRED=true, every
request except the public ones (health probes, metrics, the API docs) needs a valid key; the
key's tenant is then the request's, and a tenant sees only its own cases.

`AccessMiddleware` (`access.py`) calls `Authenticator.identify` before routing; routes get the
result through `TenantDep` (`dependencies.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from starlette.types import Scope

from denialops.domain.tenants import DEFAULT_TENANT
from denialops.errors import Unauthorized
from denialops.services.api_keys import ApiKeyService
from denialops.storage.api_keys import ApiKeyStore

_REALM = 'Bearer realm="denialops"'
# A header longer than this is not one of our keys; do not hash megabytes to find that out.
_MAX_AUTHORIZATION = 256

Failure = Literal["missing", "invalid"]


@dataclass(frozen=True)
class Identity:
    """The result of reading a request's credentials."""

    tenant: str | None  # the tenant the request acts for; None when it may not proceed
    by_key: bool = False  # the tenant was proven by a key (rate limits then count per tenant)
    key_id: str | None = None  # that key's id (not secret), for the audit log
    failure: Failure | None = None

    def refusal(self) -> Unauthorized:
        """The 401 for a request that may not proceed (RFC 6750 WWW-Authenticate)."""
        if self.failure == "invalid":
            challenge = f'{_REALM}, error="invalid_token"'
            message = "the API key is not valid (unknown, revoked or malformed)"
        else:
            challenge = _REALM
            message = "an API key is required: send Authorization: Bearer <key>"
        return Unauthorized(message, headers={"WWW-Authenticate": challenge})


# Who every request is when no key is required: one value for all of them.
OPEN = Identity(tenant=DEFAULT_TENANT)


class Authenticator:
    """Turns a request's Authorization header into an `Identity`."""

    def __init__(self, *, required: bool, keys: Callable[[], ApiKeyStore]) -> None:
        self.required = required
        self._keys = keys  # looked up per request: the store exists once the lifespan ran

    async def identify(self, scope: Scope) -> Identity:
        if not self.required:
            return OPEN
        token = _bearer_token(scope)
        if token is None:
            return Identity(tenant=None, failure="missing")
        key = await ApiKeyService(self._keys()).authenticate(token)
        if key is None:
            return Identity(tenant=None, failure="invalid")
        return Identity(tenant=key.tenant, by_key=True, key_id=key.key_id)


def _bearer_token(scope: Scope) -> str | None:
    """The credentials of an `Authorization: Bearer` header; "" for an unusable one."""
    for name, value in scope.get("headers") or ():
        if name.lower() != b"authorization":
            continue
        if len(value) > _MAX_AUTHORIZATION:
            return ""
        header: str = value.decode("latin-1")
        scheme, _, credentials = header.strip().partition(" ")
        if scheme.lower() != "bearer":
            return None  # another scheme (Basic, ...): as if no key was sent
        return credentials.strip()
    return None
