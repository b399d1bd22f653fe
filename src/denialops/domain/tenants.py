"""Tenants: who a case belongs to.

Bound to loopback the service is single-user and every case belongs to `DEFAULT_TENANT`; served
beyond loopback, each API key names a tenant and a tenant sees only its own cases. Cases stored
before tenants existed belong to `DEFAULT_TENANT` (migration 0002 and the projection's default).
"""

from __future__ import annotations

import re

DEFAULT_TENANT = "local"
# Lower-case so "Acme" and "acme" cannot be two tenants; no "/" or ":" so a tenant name is safe
# inside rate-limit keys and file names.
TENANT_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
_TENANT_RE = re.compile(TENANT_PATTERN)


def is_valid_tenant(name: str) -> bool:
    """A tenant name: 1-63 characters of a-z, 0-9, `_` and `-`, starting with a letter or digit."""
    return bool(_TENANT_RE.fullmatch(name))
