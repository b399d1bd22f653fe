"""The case store: cases (projections), case_events (the append-only log), blobs.

Revision ID: 0001
Revises:
Create Date: 2024-11-29

The log is append-only at the database, not only in our code: triggers refuse UPDATE and DELETE
on case_events (and TRUNCATE on PostgreSQL), so neither a bug nor a hand-typed statement can
rewrite a case's history. Dropping the table (downgrade) is still possible, on purpose.

Expand/contract: later revisions run while the previous code version still serves. Add columns
nullable or with a server default and new tables freely; remove or tighten only in a later
revision, once no running version uses them. Column types here are plain SQLAlchemy types (not
imported from the application), so this file keeps meaning the same thing as the code changes.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_APPEND_ONLY = "case_events is append-only"

_SQLITE_TRIGGERS = (
    f"""
    CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
    BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END
    """,
    f"""
    CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
    BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END
    """,
)

_POSTGRES_TRIGGERS = (
    f"""
    CREATE FUNCTION case_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{_APPEND_ONLY}' USING ERRCODE = 'restrict_violation';
    END
    $$
    """,
    """
    CREATE TRIGGER case_events_no_update_delete BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION case_events_append_only()
    """,
    """
    CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events
    FOR EACH STATEMENT EXECUTE FUNCTION case_events_append_only()
    """,
)


def _utc() -> sa.DateTime:
    # timestamptz on PostgreSQL; on SQLite the application stores naive UTC text.
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name="pk_cases"),
    )
    op.create_index("ix_cases_created_at", "cases", ["created_at"])
    op.create_index("ix_cases_deleted", "cases", ["deleted"])

    op.create_table(
        "case_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("occurred_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_events"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name="fk_case_events_case_id_cases"
        ),
        sa.UniqueConstraint("case_id", "seq", name="uq_case_events_case_id_seq"),
    )

    op.create_table(
        "blobs",
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("sha256", sa.CHAR(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "sha256", name="pk_blobs"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"], name="fk_blobs_case_id_cases"),
    )

    dialect = op.get_bind().dialect.name
    triggers = _POSTGRES_TRIGGERS if dialect == "postgresql" else _SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("blobs")
    op.drop_table("case_events")  # its triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION case_events_append_only()")
    op.drop_index("ix_cases_deleted", table_name="cases")
    op.drop_index("ix_cases_created_at", table_name="cases")
    op.drop_table("cases")
