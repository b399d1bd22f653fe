"""Settings, read once from the environment, a `.env` file and defaults (in that order).

Names follow the original DenialOps (`API_HOST`, `API_PORT`, `LOG_LEVEL`, ...), so an operator's
existing environment keeps working. A bad value stops start-up with one line naming the variable:
see `load_settings`.
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from limits import parse as parse_rate_limit
from pydantic import (
    AfterValidator,
    Field,
    IPvAnyNetwork,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from denialops.errors import ConfigurationError
from denialops.llm.models import LLMProvider


class StorageBackend(StrEnum):
    """Where cases live: one directory per case, the embedded SQLite default, or PostgreSQL."""

    FILE = "file"
    SQLITE = "sqlite"
    POSTGRES = "postgres"


def _valid_rate_limit(value: str) -> str:
    parse_rate_limit(value)  # ValueError names the string it could not read
    return value


RateLimitText = Annotated[str, AfterValidator(_valid_rate_limit)]


def is_loopback(host: str) -> bool:
    """Whether a bind address only accepts connections from this machine."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:  # another host name, or garbage: assume it is reachable
        return False


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
    # Every other request body (JSON): larger is 413 before it is parsed (api/body_limit.py).
    max_json_bytes: Annotated[int, Field(ge=1024, le=16 * 1024 * 1024)] = 64 * 1024
    # The parser sandbox for PDFs, images and Word files (pipeline/text/sandbox.py): pages
    # counted before any is read, seconds before the parser is killed, its memory cap.
    pdf_max_pages: Annotated[int, Field(ge=1, le=100_000)] = 500
    pdf_timeout_s: Annotated[float, Field(gt=0, le=3600)] = 30.0
    pdf_max_memory_mb: Annotated[int, Field(ge=256, le=1024 * 1024)] = 2048
    # Fernet keys for documents at rest, comma-separated: the first encrypts, all decrypt
    # (security/crypto.py; rotation in docs/security.md). Empty: DATA_DIR/document.key.
    document_encryption_keys: SecretStr | None = None
    # Retention (services/retention.py): a case with no activity for this many days is deleted
    # as DELETE /cases/{id} deletes it. 0 (the default) keeps cases until someone deletes them:
    # an upgrade must never start deleting data nobody asked it to. The server purges every
    # RETENTION_PURGE_INTERVAL_HOURS (0: only `denialops purge`, e.g. from cron).
    artifact_retention_days: Annotated[int, Field(ge=0, le=36_500)] = 0
    retention_purge_interval_hours: Annotated[float, Field(ge=0, le=24 * 30)] = 6.0

    # Authentication and rate limits (api/access.py). AUTH_REQUIRED empty: required unless
    # API_HOST is loopback. Limits are `limits` strings ("100/minute", "5/second") per client.
    auth_required: bool | None = None
    rate_limit_enabled: bool = True
    rate_limit_default: RateLimitText = "100/minute"
    rate_limit_upload: RateLimitText = "20/minute"
    rate_limit_run: RateLimitText = "10/minute"
    # RateLimit-Limit/-Remaining/-Reset on every answer, not only on 429s: costs a second
    # storage operation per request (a Redis round trip in scale-out); see api/ratelimit.py.
    rate_limit_headers: bool = False
    # Empty: in memory in embedded mode, Redis (REDIS_URL) when STORAGE_BACKEND=postgres.
    rate_limit_storage: Literal["memory", "redis"] | None = None
    rate_limit_key_prefix: Annotated[str, Field(min_length=1, max_length=64)] = "denialops"
    # Peers whose X-Forwarded-For is believed: IPs or CIDRs, comma-separated. Empty: none.
    trusted_proxies: Annotated[list[IPvAnyNetwork], NoDecode] = []

    # The optional LLM. `none` (the default) keeps every run on the deterministic path.
    llm_provider: LLMProvider = LLMProvider.NONE
    llm_model: str | None = None  # empty: the provider's default, see `llm_model_name`
    llm_base_url: str | None = None  # empty: the provider's public API (local: Ollama's)
    openai_api_key: SecretStr | None = None
    anthropic_api_key: SecretStr | None = None
    llm_timeout_s: Annotated[float, Field(gt=0, le=600)] = 30.0
    # Retries belong to our resilience layer; the SDKs' own retries are always off.
    llm_max_retries: Annotated[int, Field(ge=0, le=10)] = 2
    # The temperature callers put on their requests (0: deterministic and cacheable).
    llm_temperature: Annotated[float, Field(ge=0, le=2)] = 0.0
    # Resilience (llm/resilience.py, llm/breaker.py): the longest wait between retries, and
    # the breaker's consecutive failures before it opens and its cool-down before a trial.
    llm_retry_max_wait_s: Annotated[float, Field(gt=0, le=300)] = 20.0
    llm_breaker_failures: Annotated[int, Field(ge=1, le=100)] = 5
    llm_breaker_cooldown_s: Annotated[float, Field(gt=0, le=3600)] = 30.0
    # Placeholders for known PHI in prompts (llm/pseudonymise.py). Empty: on for the cloud
    # providers (openai, anthropic), off for a local model.
    llm_pseudonymise: bool | None = None

    # The LLM response cache (llm/cache.py): deterministic calls only; bounded in memory.
    cache_backend: Literal["memory", "redis", "none"] = "memory"
    cache_ttl_s: Annotated[int, Field(ge=1, le=30 * 86400)] = 86400
    cache_max_entries: Annotated[int, Field(ge=1, le=1_000_000)] = 1024
    redis_url: SecretStr = SecretStr("redis://127.0.0.1:6379/0")

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def requires_auth(self) -> bool:
        """AUTH_REQUIRED, or when empty: bound beyond loopback, every request needs an API key.
        NB behind a reverse proxy on this host the bind is loopback: set AUTH_REQUIRED=true."""
        if self.auth_required is not None:
            return self.auth_required
        return not is_loopback(self.api_host)

    @property
    def rate_limit_backend(self) -> Literal["memory", "redis"]:
        """RATE_LIMIT_STORAGE, or Redis when several processes serve (PostgreSQL), else memory."""
        if self.rate_limit_storage is not None:
            return self.rate_limit_storage
        return "redis" if self.storage_backend is StorageBackend.POSTGRES else "memory"

    @model_validator(mode="after")
    def _postgres_needs_a_url(self) -> Settings:
        if self.storage_backend is StorageBackend.POSTGRES and self.database_url is None:
            raise ValueError("DATABASE_URL is required when STORAGE_BACKEND=postgres")
        return self

    @model_validator(mode="after")
    def _cloud_llms_need_a_key(self) -> Settings:
        cloud = self.llm_provider in (LLMProvider.OPENAI, LLMProvider.ANTHROPIC)
        if cloud and self.llm_api_key is None:
            provider = self.llm_provider.value
            raise ValueError(f"{provider.upper()}_API_KEY is required when LLM_PROVIDER={provider}")
        return self

    @property
    def llm_api_key(self) -> SecretStr | None:
        """The chosen cloud provider's key; None for `local` and `none`, or when unset or empty."""
        key = {
            LLMProvider.OPENAI: self.openai_api_key,
            LLMProvider.ANTHROPIC: self.anthropic_api_key,
        }.get(self.llm_provider)
        return key if key is not None and key.get_secret_value() else None

    @property
    def llm_model_name(self) -> str:
        """LLM_MODEL, or the provider's default: a small, cheap model that follows a schema."""
        return self.llm_model or _DEFAULT_LLM_MODELS.get(self.llm_provider, "")

    @property
    def llm_endpoint(self) -> str | None:
        """LLM_BASE_URL, or the local default (Ollama); None means the SDK's public endpoint."""
        if self.llm_base_url:
            return self.llm_base_url
        return _OLLAMA_URL if self.llm_provider is LLMProvider.LOCAL else None

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


_DEFAULT_LLM_MODELS = {
    LLMProvider.OPENAI: "gpt-5.4-mini",
    LLMProvider.ANTHROPIC: "claude-haiku-4-5",
    LLMProvider.LOCAL: "smollm2",
}
_OLLAMA_URL = "http://localhost:11434/v1"


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
