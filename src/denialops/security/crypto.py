"""Uploaded documents are encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256).

    cipher = DocumentCipher.from_settings(settings)
    stored = cipher.encrypt(letter_bytes)       # what the case store keeps
    letter_bytes = cipher.decrypt(stored)       # what the pipeline reads

Keys come from `DOCUMENT_ENCRYPTION_KEYS`, comma-separated Fernet keys: the first encrypts,
every one decrypts (`MultiFernet`), which is how a key is rotated (docs/security.md). With no
keys configured, a key is generated once into `DATA_DIR/document.key` (mode 0600) and used from
then on, so the embedded default needs no set-up; the file must be kept, and backed up apart
from the data, like any key.

The services encrypt and decrypt; the case stores only ever see ciphertext, so every backend
(file, SQLite, PostgreSQL) holds documents encrypted without knowing it. Documents stored
before encryption was introduced are not Fernet tokens and are read as they are.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from pathlib import Path

import anyio.to_thread
import structlog
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from denialops.config import Settings, StorageBackend
from denialops.errors import ConfigurationError, DenialOpsError

log = structlog.get_logger(__name__)

KEY_FILE_NAME = "document.key"
# Above this size encryption runs in a worker thread (a 10 MB scan takes tens of ms), below
# it the thread hop would cost more than the work.
_OFF_LOOP_BYTES = 256 * 1024
# Tokens are stored as raw bytes, not Fernet's base64 text: 57-73 bytes over the document's
# size instead of a third more. Every token starts with the version byte 0x80 and a 64-bit
# timestamp whose top bytes are zero until 2106; no PDF, image, DOCX or text starts so.
_TOKEN_PREFIX = b"\x80\x00\x00\x00\x00"


class DocumentKeyMismatch(DenialOpsError):
    """A stored document cannot be decrypted with the configured keys."""

    status_code = 503
    code = "document_key_mismatch"


class DocumentCipher:
    """Encrypts documents with the first key; decrypts with any of them."""

    def __init__(self, keys: Sequence[str | bytes]) -> None:
        if not keys:
            raise ConfigurationError("DOCUMENT_ENCRYPTION_KEYS: at least one key is needed")
        fernets = []
        for number, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key))
            except ValueError as e:  # never echo the value: it is (meant to be) a secret
                raise ConfigurationError(
                    f"DOCUMENT_ENCRYPTION_KEYS: key {number} is not a Fernet key "
                    "(32 url-safe base64-encoded bytes; make one with `denialops keys generate`)"
                ) from e
        self._keys = fernets
        self._fernet = MultiFernet(fernets)

    @classmethod
    def from_settings(cls, settings: Settings) -> DocumentCipher:
        """The keys in DOCUMENT_ENCRYPTION_KEYS, or else those of DATA_DIR's key file."""
        if settings.document_encryption_keys is not None:
            keys = parse_keys(settings.document_encryption_keys.get_secret_value())
            if keys:
                return cls(keys)
        if settings.storage_backend is StorageBackend.POSTGRES:
            # Several API processes on several machines would each make their own key.
            log.warning("crypto.local_key_file_in_scale_out", hint="set DOCUMENT_ENCRYPTION_KEYS")
        return cls(load_or_create_key_file(settings.data_dir / KEY_FILE_NAME))

    @staticmethod
    def generate_key() -> str:
        """A new random Fernet key, as text."""
        return Fernet.generate_key().decode("ascii")

    def encrypt(self, data: bytes) -> bytes:
        """`data` as a Fernet token (with the first key), in raw bytes."""
        return base64.urlsafe_b64decode(self._fernet.encrypt(data))

    def decrypt(self, stored: bytes) -> bytes:
        """The plaintext of a stored document. Raises `DocumentKeyMismatch` when no
        configured key opens it (a key removed too early, or the wrong key file)."""
        if not is_encrypted(stored):
            return stored  # stored before encryption at rest was introduced
        try:
            return self._fernet.decrypt(base64.urlsafe_b64encode(stored))
        except InvalidToken as e:
            log.error("crypto.decrypt_failed", reason="no configured key opens the document")
            raise DocumentKeyMismatch(
                "a stored document cannot be decrypted with the configured keys; "
                "the operator must restore the key it was encrypted with"
            ) from e

    async def encrypt_async(self, data: bytes) -> bytes:
        """`encrypt`, off the event loop for large documents."""
        if len(data) < _OFF_LOOP_BYTES:
            return self.encrypt(data)
        return await anyio.to_thread.run_sync(self.encrypt, data)

    async def decrypt_async(self, stored: bytes) -> bytes:
        """`decrypt`, off the event loop for large documents."""
        if len(stored) < _OFF_LOOP_BYTES:
            return self.decrypt(stored)
        return await anyio.to_thread.run_sync(self.decrypt, stored)

    def key_number(self, stored: bytes) -> int | None:
        """Which configured key (1 = the first) opens `stored`; 0 for a document stored in
        the clear; None when none does. For `denialops keys status`."""
        if not is_encrypted(stored):
            return 0
        token = base64.urlsafe_b64encode(stored)
        for number, key in enumerate(self._keys, start=1):
            try:
                key.decrypt(token)
            except InvalidToken:
                continue
            return number
        return None

    def rotate(self, stored: bytes) -> bytes:
        """`stored` re-encrypted with the first key (a plaintext document gets encrypted)."""
        if not is_encrypted(stored):
            return self.encrypt(stored)
        try:
            return base64.urlsafe_b64decode(self._fernet.rotate(base64.urlsafe_b64encode(stored)))
        except InvalidToken as e:
            raise DocumentKeyMismatch() from e


def is_encrypted(stored: bytes) -> bool:
    """Whether `stored` is a Fernet token (as opposed to a document stored in the clear)."""
    return stored.startswith(_TOKEN_PREFIX)


def parse_keys(value: str) -> list[str]:
    """Comma- or newline-separated keys, blanks dropped."""
    return [key.strip() for key in value.replace("\n", ",").split(",") if key.strip()]


def load_or_create_key_file(path: Path) -> list[str]:
    """The keys in `path`, one a line; the file is created with one new key (mode 0600) if it
    does not exist. Safe when several processes start at once: the key is written to a
    temporary file and linked into place, so a reader never sees a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        _create_key_file(path)
    if path.stat().st_mode & 0o077:
        log.warning("crypto.key_file_readable_by_others", path=str(path), hint="chmod 600")
    keys = parse_keys(path.read_text(encoding="ascii"))
    if not keys:
        raise ConfigurationError(f"{path} holds no key; restore it from a backup")
    return keys


def _create_key_file(path: Path) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(DocumentCipher.generate_key() + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.link(temporary, path)  # fails if another process got there first: use theirs
    except FileExistsError:
        return
    finally:
        temporary.unlink(missing_ok=True)
    log.info("crypto.key_file_created", path=str(path))
