"""Settings, read once from the environment, a `.env` file and defaults (in that order).

Names follow the original DenialOps (`API_HOST`, `API_PORT`, `LOG_LEVEL`, ...), so an operator's
existing environment keeps working. A bad value stops start-up with one line naming the variable:
see `load_settings`.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from denialops.errors import ConfigurationError


class StorageBackend(StrEnum):
    """Where cases live: one directory per case, the embedded SQLite default, or PostgreSQL."""

    FILE = "file"
    SQLITE = "sqlite"
    POSTGRES = "postgres"


class Settings(BaseSettings):
    """Every knob of the service. Secrets are `SecretStr`, so they never print by accident."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        case_sensitive=False,
        extra="ignore",
    )

    api_host: str = "127.0.0.1"
    api_port: Annotated[int, Field(ge=1, le=65535)] = 8000
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["auto", "json", "console"] = "auto"
    environment: Literal["development", "test", "staging", "production"] = "development"

    storage_backend: StorageBackend = StorageBackend.SQLITE
    data_dir: Path = Path("./data")
    # Empty means "derive from the backend": sqlite -> DATA_DIR/denialops.db.
    database_url: SecretStr | None = None
    database_pool_size: Annotated[int, Field(ge=1, le=100)] = 5
    auto_migrate: bool | None = None

    max_upload_bytes: Annotated[int, Field(ge=1, le=1024 * 1024 * 1024)] = 10 * 1024 * 1024

    @model_validator(mode="after")
    def _postgres_needs_a_url(self) -> Settings:
        if self.storage_backend is StorageBackend.POSTGRES and self.database_url is None:
            raise ValueError("DATABASE_URL is required when STORAGE_BACKEND=postgres")
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """The async SQLAlchemy URL for the SQL backends, with the driver we ship filled in."""
        if self.database_url is not None:
            return _with_async_driver(self.database_url.get_secret_value())
        return f"sqlite+aiosqlite:///{(self.data_dir / 'denialops.db').as_posix()}"

    @property
    def migrate_on_start(self) -> bool:
        """Embedded mode migrates itself; scale-out runs `denialops db upgrade` once, by hand."""
        if self.auto_migrate is not None:
            return self.auto_migrate
        return self.storage_backend is not StorageBackend.POSTGRES


def _with_async_driver(url: str) -> str:
    for prefix, driver in (
        ("postgresql://", "postgresql+psycopg://"),
        ("postgres://", "postgresql+psycopg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(prefix):
            return driver + url[len(prefix) :]
    return url


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning a validation failure into one readable line per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as e:
        problems = []
        for err in e.errors():
            name = "_".join(str(p) for p in err["loc"]).upper() or "settings"
            problems.append(f"{name}: {err['msg']}")
        raise ConfigurationError("invalid configuration: " + "; ".join(problems)) from e


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once (the CLI's entry point; the app gets them injected)."""
    return load_settings()
