"""API keys: what they look like, how they are made and how they are stored (as a hash only).

A key is `dnk_` followed by 43 URL-safe characters: 32 random bytes (256 bits) from `secrets`.
The prefix makes a leaked key recognisable to secret scanners and to people. The service keeps
only the key's SHA-256; the key itself is shown once, when it is created.

Why SHA-256 and not bcrypt/argon2: slow, salted hashes exist to make guessing low-entropy
*passwords* expensive. A 256-bit random key cannot be guessed whatever the hash costs, so a slow
hash would buy nothing and cost a lot: it would be paid on every request, and a salt would make
the hash unusable as a lookup key (every request would have to try every stored key). An
unsalted fast hash of a high-entropy secret is the standard design (GitHub, Stripe tokens).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict

KEY_PREFIX = "dnk_"
_SECRET_BYTES = 32
# token_urlsafe(32) is 43 characters of [A-Za-z0-9_-]; anything else cannot be one of our keys.
_KEY_RE = re.compile(r"^dnk_[A-Za-z0-9_-]{43}$")
# Enough of the key to tell two keys apart in a list, far too little to matter if it leaks.
_HINT_LENGTH = len(KEY_PREFIX) + 4


class ApiKey(BaseModel):
    """A stored API key, without its secret: safe to list, log (by id) and return."""

    model_config = ConfigDict(frozen=True)

    key_id: str
    tenant: str
    hint: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class IssuedKey:
    """A key just created: its stored record and the secret, which is never available again."""

    key: ApiKey
    secret: str


def new_secret() -> str:
    """A fresh key: the prefix and 256 random bits."""
    return KEY_PREFIX + secrets.token_urlsafe(_SECRET_BYTES)


def new_key_id() -> str:
    """A public identifier for a key (for `apikey list` and `apikey revoke`)."""
    return "key_" + secrets.token_hex(8)


def hash_secret(secret: str) -> str:
    """The stored form of a key: its SHA-256 as hex (see the module docstring for why)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def hint_of(secret: str) -> str:
    """The start of a key, shown in listings so its owner can recognise it."""
    return secret[:_HINT_LENGTH]


def looks_like_key(token: str) -> bool:
    """True when `token` has our keys' shape; anything else is refused without a lookup."""
    return bool(_KEY_RE.fullmatch(token))
