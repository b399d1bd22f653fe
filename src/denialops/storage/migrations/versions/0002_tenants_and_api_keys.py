"""Tenants and API keys: cases.tenant, and the api_keys table.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-20

Expand only, so the previous code version keeps serving while this runs and after: the new
column is NOT NULL with a server default, so every existing case (and any case the previous
version still creates, unaware of tenants) belongs to the default tenant "local", the tenant of
a loopback-bound, single-user service. Existing rows' projections (`cases.state`) have no
tenant field either, and the code reads a missing one as "local": both views agree. (A row whose
projection does name a tenant, because the schema went down to 0001 and back up, gets it back.)

`api_keys` holds the SHA-256 of each key (unique: it is how a request's key is found), never
the key. Revoked keys are kept, with `revoked_at`, as the record of who could call the API.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DEFAULT_TENANT = "local"

# Rows whose projection already names a tenant (they were written by this code, then the schema
# was downgraded and upgraded again) get it back; every other row keeps the default. Only such
# rows are updated, so a first upgrade rewrites nothing.
_BACKFILL = {
    "sqlite": (
        "UPDATE cases SET tenant = json_extract(state, '$.tenant') "
        "WHERE json_extract(state, '$.tenant') IS NOT NULL "
        "AND json_extract(state, '$.tenant') <> tenant"
    ),
    "postgresql": (
        "UPDATE cases SET tenant = state->>'tenant' "
        "WHERE state->>'tenant' IS NOT NULL AND state->>'tenant' <> tenant"
    ),
}


def upgrade() -> None:
    # One statement on both databases (SQLite can ADD COLUMN with NOT NULL and a default), so
    # `cases` is not rebuilt, and PostgreSQL 11+ adds it without rewriting the table.
    op.add_column(
        "cases",
        sa.Column(
            "tenant", sa.String(64), nullable=False, server_default=sa.text(f"'{_DEFAULT_TENANT}'")
        ),
    )
    op.create_index("ix_cases_tenant", "cases", ["tenant"])
    backfill = _BACKFILL.get(op.get_bind().dialect.name)
    if backfill is not None:
        op.execute(backfill)

    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("key_hash", sa.CHAR(64), nullable=False),
        sa.Column("hint", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key_id", name="pk_api_keys"),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
    )
    op.create_index("ix_api_keys_tenant", "api_keys", ["tenant"])


def downgrade() -> None:
    op.drop_index("ix_api_keys_tenant", table_name="api_keys")
    op.drop_table("api_keys")
    op.drop_index("ix_cases_tenant", table_name="cases")
    # Native DROP COLUMN (SQLite >= 3.35): a batch rebuild would drop and recreate `cases`,
    # which the foreign keys of case_events and blobs refuse.
    op.drop_column("cases", "tenant")
