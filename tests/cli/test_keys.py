"""`denialops keys generate|status`: make a key; see which key each stored document needs."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from denialops.cli import app
from denialops.config import load_settings
from denialops.domain.cases import DocType, Mode
from denialops.security.crypto import DocumentCipher
from denialops.services.cases import CaseService
from denialops.storage import build_storage

runner = CliRunner()


class Upload:
    def __init__(self, data: bytes) -> None:
        self.filename = "letter.txt"
        self._data = data

    async def read(self, size: int = -1) -> bytes:
        data, self._data = self._data, b""
        return data


def store_letter(data_dir: Path, keys: str) -> None:
    settings = load_settings(data_dir=data_dir, document_encryption_keys=keys)

    async def work() -> None:
        storage = await build_storage(settings)
        try:
            service = CaseService(storage, settings)
            case = await service.create(Mode.FAST, None)
            await service.upload(case.case_id, DocType.DENIAL_LETTER, Upload(b"Denied: CO-197."))
        finally:
            await storage.close()

    asyncio.run(work())


def test_generate_prints_one_usable_key() -> None:
    result = runner.invoke(app, ["keys", "generate"])
    assert result.exit_code == 0
    key = result.stdout.strip()
    cipher = DocumentCipher([key])
    assert cipher.decrypt(cipher.encrypt(b"x")) == b"x"


def test_status_counts_documents_per_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old, new, lost = (DocumentCipher.generate_key() for _ in range(3))
    store_letter(tmp_path, old)
    store_letter(tmp_path, new)
    store_letter(tmp_path, new)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DOCUMENT_ENCRYPTION_KEYS", f"{new},{old}")
    result = runner.invoke(app, ["keys", "status"])
    assert result.exit_code == 0, result.output
    cells = [line.split("│")[1:3] for line in result.stdout.splitlines() if line.count("│") == 3]
    assert {key.strip(): count.strip() for key, count in cells} == {"key 1": "2", "key 2": "1"}

    monkeypatch.setenv("DOCUMENT_ENCRYPTION_KEYS", lost)
    result = runner.invoke(app, ["keys", "status"])
    assert result.exit_code == 1
    assert "no configured key" in result.stdout
