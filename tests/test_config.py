"""Settings: names of the original DenialOps, precedence env > .env > defaults, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from denialops.cli import app as cli_app
from denialops.config import Settings, StorageBackend, load_settings
from denialops.errors import ConfigurationError

_VARS = (
    "API_HOST",
    "API_PORT",
    "LOG_LEVEL",
    "ENVIRONMENT",
    "STORAGE_BACKEND",
    "DATABASE_URL",
    "DATA_DIR",
    "MAX_UPLOAD_BYTES",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in _VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # so a developer's own .env is not read


def test_defaults() -> None:
    s = Settings()
    assert s.api_port == 8000
    assert s.storage_backend is StorageBackend.SQLITE
    assert s.max_upload_bytes == 10 * 1024 * 1024
    assert s.sqlalchemy_url.startswith("sqlite+aiosqlite:///")


def test_env_file_beats_defaults_and_env_beats_env_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("API_PORT=9001\nLOG_LEVEL=DEBUG\n")
    assert Settings().api_port == 9001
    monkeypatch.setenv("API_PORT", "9002")
    s = Settings()
    assert s.api_port == 9002
    assert s.log_level == "DEBUG"  # still from .env


def test_database_url_is_secret_and_gets_the_async_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORAGE_BACKEND", "postgres")
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:hunter2@db/denialops")
    s = Settings()
    assert "hunter2" not in repr(s)
    assert s.sqlalchemy_url == "postgresql+psycopg://app:hunter2@db/denialops"
    assert s.migrate_on_start is False


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("API_PORT", "eighty"),
        ("API_PORT", "70000"),
        ("STORAGE_BACKEND", "mongo"),
        ("MAX_UPLOAD_BYTES", "-1"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
def test_bad_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as info:
        load_settings()
    assert name in info.value.message
    assert "\n" not in info.value.message


def test_postgres_without_url_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORAGE_BACKEND", "postgres")
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        load_settings()


def test_cli_start_up_stops_with_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_PORT", "eighty")
    result = CliRunner().invoke(cli_app, ["serve"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "API_PORT" in lines[0]
    assert "Traceback" not in result.output
