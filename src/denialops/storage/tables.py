"""The SQL schema of the case store, as SQLAlchemy Core tables (shared by SQLite and PostgreSQL).

Three tables: `cases` holds each case's current projection (one row per case, never deleted,
so a deleted case keeps its log), `case_events` is the append-only log (the database itself
refuses UPDATE and DELETE, see migration 0001), and `blobs` holds document and artifact bytes
by content hash, per case, so deleting a case can delete exactly its bytes. Migration 0002 adds
`cases.tenant` (who the case belongs to; rows from before tenants belong to "local") and
`api_keys` (the SHA-256 of each key, never the key). Migration 0003 lets exactly one UPDATE
through on `case_events`: the redaction of a deleted case's events (`domain/erasure.py`).

This module describes the schema the code expects; the migrations in `migrations/versions`
create it. The two must agree (a test compares them).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    CHAR,
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from denialops.domain.tenants import DEFAULT_TENANT

# Constraint names are part of the schema migrations refer to, so they are deterministic.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime in Python on every database.

    PostgreSQL stores `timestamptz`. SQLite has no time zones: values are stored as naive UTC
    text of fixed width, so string comparison (`occurred_at <= :as_of`) is time comparison.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(DateTime(timezone=False))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            # A naive datetime is ambiguous; refusing it is cheaper than a silent skew.
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Plain JSON, not JSONB, on PostgreSQL: we never query inside documents, and `json` accepts any
# string a user can type (JSONB refuses "\u0000", which a hostile file name may contain).
cases = Table(
    "cases",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("tenant", String(64), nullable=False, server_default=DEFAULT_TENANT, index=True),
    Column("mode", String(16), nullable=False),
    Column("status", String(32), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False, index=True),
    # Indexed for the retention purge, which looks for cases by their last activity.
    Column("updated_at", UTCDateTime(), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("state", JSON, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False, index=True),
)

case_events = Table(
    "case_events",
    metadata,
    # BIGINT on PostgreSQL; SQLite only autoincrements a column declared exactly INTEGER.
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("case_id", String(64), ForeignKey("cases.case_id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("occurred_at", UTCDateTime(), nullable=False),
    UniqueConstraint("case_id", "seq"),
)

blobs = Table(
    "blobs",
    metadata,
    Column("case_id", String(64), ForeignKey("cases.case_id"), primary_key=True),
    Column("sha256", CHAR(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("data", LargeBinary, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("tenant", String(64), nullable=False, index=True),
    Column("key_hash", CHAR(64), nullable=False, unique=True),
    Column("hint", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
)

__all__ = ["UTCDateTime", "api_keys", "blobs", "case_events", "cases", "metadata"]
