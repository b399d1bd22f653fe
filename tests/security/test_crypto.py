"""`DocumentCipher`: Fernet at rest, keys from settings or a generated key file, rotation."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr
from structlog.testing import capture_logs

from denialops.config import load_settings
from denialops.errors import ConfigurationError
from denialops.security.crypto import (
    KEY_FILE_NAME,
    DocumentCipher,
    DocumentKeyMismatch,
    is_encrypted,
)

LETTER = b"%PDF-1.7 Reason for denial: prior authorization was not obtained."


def new_key() -> str:
    return DocumentCipher.generate_key()


class TestEncryption:
    def test_round_trip_and_ciphertext_hides_the_text(self) -> None:
        cipher = DocumentCipher([new_key()])
        stored = cipher.encrypt(LETTER)
        assert b"prior authorization" not in stored
        assert is_encrypted(stored)
        assert cipher.decrypt(stored) == LETTER

    def test_same_document_twice_is_stored_differently(self) -> None:
        cipher = DocumentCipher([new_key()])
        assert cipher.encrypt(LETTER) != cipher.encrypt(LETTER)

    def test_overhead_is_small_and_bounded(self) -> None:
        cipher = DocumentCipher([new_key()])
        for size in (0, 1, 15, 16, 17, 10_000):
            assert 57 <= len(cipher.encrypt(b"a" * size)) - size <= 73

    def test_wrong_key_is_a_clear_error(self) -> None:
        stored = DocumentCipher([new_key()]).encrypt(LETTER)
        with pytest.raises(DocumentKeyMismatch, match="configured keys") as caught:
            DocumentCipher([new_key()]).decrypt(stored)
        assert caught.value.status_code == 503

    def test_tampered_document_is_refused(self) -> None:
        cipher = DocumentCipher([new_key()])
        stored = bytearray(cipher.encrypt(LETTER))
        stored[40] ^= 1
        with pytest.raises(DocumentKeyMismatch):
            cipher.decrypt(bytes(stored))

    def test_document_stored_before_encryption_is_read_as_is(self) -> None:
        cipher = DocumentCipher([new_key()])
        assert not is_encrypted(LETTER)
        assert cipher.decrypt(LETTER) == LETTER
        assert cipher.key_number(LETTER) == 0


class TestRotation:
    def test_old_key_still_decrypts_after_a_new_key_is_prepended(self) -> None:
        old, new = new_key(), new_key()
        stored_before = DocumentCipher([old]).encrypt(LETTER)
        rotated = DocumentCipher([new, old])
        assert rotated.decrypt(stored_before) == LETTER
        stored_after = rotated.encrypt(LETTER)
        assert rotated.key_number(stored_before) == 2
        assert rotated.key_number(stored_after) == 1
        with pytest.raises(DocumentKeyMismatch):
            DocumentCipher([old]).decrypt(stored_after)  # new documents need the new key

    def test_rotate_re_encrypts_with_the_first_key(self) -> None:
        old, new = new_key(), new_key()
        stored = DocumentCipher([old]).encrypt(LETTER)
        rotated = DocumentCipher([new, old]).rotate(stored)
        assert DocumentCipher([new]).decrypt(rotated) == LETTER

    def test_a_key_nobody_has_is_reported(self) -> None:
        stored = DocumentCipher([new_key()]).encrypt(LETTER)
        assert DocumentCipher([new_key()]).key_number(stored) is None


class TestKeysFromSettings:
    def test_configured_keys_first_encrypts_all_decrypt(self, tmp_path: Path) -> None:
        old, new = new_key(), new_key()
        settings = load_settings(
            data_dir=tmp_path, document_encryption_keys=SecretStr(f" {new} , {old} ")
        )
        cipher = DocumentCipher.from_settings(settings)
        assert cipher.key_number(cipher.encrypt(LETTER)) == 1
        assert cipher.decrypt(DocumentCipher([old]).encrypt(LETTER)) == LETTER
        assert not (tmp_path / KEY_FILE_NAME).exists()

    def test_a_malformed_key_names_its_position_not_its_value(self, tmp_path: Path) -> None:
        settings = load_settings(
            data_dir=tmp_path,
            document_encryption_keys=SecretStr(f"{new_key()},not-a-key-s3cret"),
        )
        with pytest.raises(ConfigurationError, match="key 2 is not a Fernet key") as caught:
            DocumentCipher.from_settings(settings)
        assert "s3cret" not in caught.value.message

    def test_without_keys_a_private_key_file_is_made_once(self, tmp_path: Path) -> None:
        settings = load_settings(data_dir=tmp_path / "data")
        with capture_logs() as logs:
            first = DocumentCipher.from_settings(settings)
            second = DocumentCipher.from_settings(settings)
        key_file = tmp_path / "data" / KEY_FILE_NAME
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert second.decrypt(first.encrypt(LETTER)) == LETTER  # the same key, read back
        assert [e["event"] for e in logs] == ["crypto.key_file_created"]
        assert key_file.read_text().strip() not in str(logs)  # the key itself is never logged
        assert [p.name for p in key_file.parent.iterdir()] == [KEY_FILE_NAME]  # no temp left

    def test_an_empty_key_file_stops_start_up(self, tmp_path: Path) -> None:
        (tmp_path / KEY_FILE_NAME).write_text("\n")
        with pytest.raises(ConfigurationError, match="holds no key"):
            DocumentCipher.from_settings(load_settings(data_dir=tmp_path))
