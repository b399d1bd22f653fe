"""Deleting a case erases its PHI from the log; cases.updated_at is indexed for retention.

Revision ID: 0003
Revises: 0002
Create Date: 2025-02-10

Since 0001 the database refuses any UPDATE or DELETE on case_events. Deleting a case must keep
its events (the record that it existed and was deleted, by whom, when) but not what they carried
that can be PHI: the user context on CaseCreated, the file names on DocumentUploaded, digests of
content. This revision narrows the refusal by exactly one exception: an UPDATE of an event

- of a case already marked deleted (`cases.deleted`, set in the same transaction first),
- that changes its payload only (id, case, seq, type and time stay as they were),
- to a payload marked `"redacted": true` whose every other field is in the old payload with the
  same value: a redaction can only take information away, never add or change any.

DELETE (and TRUNCATE on PostgreSQL) stay refused, for every case. The redaction itself is
`domain/erasure.py`; the stores apply it in the deleting transaction (`storage/sql.py`).

Why not keep PHI out of the log instead (a deletable side table for file names and user
context, events pointing at it): every read of a log would join the two, the file backend would
need a second durable structure with its own crash rules, and the logs already written hold PHI
inline, so rows would have to be rewritten anyway. Why not crypto-shredding (a per-case key,
destroyed on deletion): the ciphertext stays, and key management for every event is a larger
thing to get right than one guarded UPDATE. A redacted log is plain to audit: nothing to decrypt.

Data: cases deleted before this revision kept their events' payloads and their projection's
user context. Their events are redacted here, with the audit fields of this revision (a copy,
so this file keeps meaning the same thing as the code changes), and their projections lose the
user context. Expand-only otherwise: the previous version never updates events, and it answers
404 for deleted cases, so it serves unchanged meanwhile. Cases it deletes while the new version
rolls out are not redacted (a second `DELETE` of such a case is a 404 and changes nothing);
finish the rollout before relying on erasure. Downgrading restores the strict triggers; what was
redacted stays redacted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_APPEND_ONLY = "case_events is append-only"

# SQLite: json_each yields each top-level field's key, JSON type and value (containers as
# minified JSON text), so "same type and IS-equal value" is "same value". NULL-safe throughout
# (IS, COALESCE): a condition that came out NULL would let the update through.
_SQLITE_REDACTION_ONLY = f"""
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
WHEN NOT COALESCE((
    NEW.id IS OLD.id AND NEW.case_id IS OLD.case_id AND NEW.seq IS OLD.seq
    AND NEW.type IS OLD.type AND NEW.occurred_at IS OLD.occurred_at
    AND EXISTS (SELECT 1 FROM cases WHERE cases.case_id = OLD.case_id AND cases.deleted)
    AND json_type(NEW.payload, '$.redacted') IS 'true'
    AND NOT EXISTS (
        SELECT 1 FROM json_each(NEW.payload) AS n
        WHERE n.key <> 'redacted' AND NOT EXISTS (
            SELECT 1 FROM json_each(OLD.payload) AS o
            WHERE o.key = n.key AND o.type = n.type AND o.value IS n.value
        )
    )
), 0)
BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END
"""

_SQLITE_STRICT = f"""
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END
"""

# PostgreSQL: payloads are `json` (text kept as written, see tables.py), so a field's value is
# compared as the text of its JSON; the store writes both versions with the same serializer.
# The nested IF keeps NEW and OLD unread for DELETE and TRUNCATE, where they are not set; a
# condition that comes out NULL counts as false in plpgsql's IF, so it refuses.
_POSTGRES_REDACTION_ONLY = f"""
CREATE OR REPLACE FUNCTION case_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.id = OLD.id AND NEW.case_id = OLD.case_id AND NEW.seq = OLD.seq
           AND NEW.type = OLD.type AND NEW.occurred_at = OLD.occurred_at
           AND EXISTS (SELECT 1 FROM cases WHERE cases.case_id = OLD.case_id AND cases.deleted)
           AND json_typeof(NEW.payload -> 'redacted') = 'boolean'
           AND (NEW.payload ->> 'redacted') = 'true'
           AND NOT EXISTS (
               SELECT 1 FROM json_each(NEW.payload) AS n
               WHERE n.key <> 'redacted'
                 AND ((OLD.payload -> n.key) IS NULL
                      OR (OLD.payload -> n.key)::text <> n.value::text))
        THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION '{_APPEND_ONLY}' USING ERRCODE = 'restrict_violation';
END
$$
"""

_POSTGRES_STRICT = f"""
CREATE OR REPLACE FUNCTION case_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{_APPEND_ONLY}' USING ERRCODE = 'restrict_violation';
END
$$
"""

# domain/erasure.AUDIT_FIELDS as of this revision.
_AUDIT_FIELDS: dict[str, frozenset[str]] = {
    "CaseCreated": frozenset({"mode", "tenant"}),
    "DocumentUploaded": frozenset({"document_id", "doc_type", "content_type", "size"}),
    "ArtifactStored": frozenset({"name", "content_type", "size"}),
    "PipelineStarted": frozenset({"document_id"}),
    "StageCompleted": frozenset({"stage", "ms"}),
    "PipelineCompleted": frozenset(),
    "PipelineFailed": frozenset({"stage", "error"}),
}
_PROJECTION_PHI = ("user_context", "route", "confidence", "last_error")
_BATCH = 500

_cases = sa.table(
    "cases", sa.column("case_id", sa.String), sa.column("deleted"), sa.column("state", sa.JSON)
)
_events = sa.table(
    "case_events",
    sa.column("id", sa.Integer),
    sa.column("case_id", sa.String),
    sa.column("type", sa.String),
    sa.column("payload", sa.JSON),
)


def upgrade() -> None:
    op.create_index("ix_cases_updated_at", "cases", ["updated_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_REDACTION_ONLY)
    else:
        op.execute("DROP TRIGGER case_events_no_update")
        op.execute(_SQLITE_REDACTION_ONLY)
    _redact_cases_deleted_before()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_STRICT)
    else:
        op.execute("DROP TRIGGER case_events_no_update")
        op.execute(_SQLITE_STRICT)
    op.drop_index("ix_cases_updated_at", table_name="cases")


def _redact_cases_deleted_before() -> None:
    """Redact the events and projections of the cases deleted before this revision."""
    bind = op.get_bind()
    deleted = sa.select(_cases.c.case_id).where(_cases.c.deleted.is_(sa.true()))
    last_id = 0
    while True:
        rows = bind.execute(
            sa.select(_events.c.id, _events.c.type, _events.c.payload)
            .where(_events.c.case_id.in_(deleted), _events.c.id > last_id)
            .order_by(_events.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        last_id = rows[-1].id
        updates = [
            {"event_id": row.id, "redacted_payload": _redacted(row.type, row.payload)}
            for row in rows
            if row.type != "CaseDeleted" and not (row.payload or {}).get("redacted")
        ]
        if updates:
            bind.execute(
                sa.update(_events)
                .where(_events.c.id == sa.bindparam("event_id"))
                .values(payload=sa.bindparam("redacted_payload")),
                updates,
            )
    for row in bind.execute(
        sa.select(_cases.c.case_id, _cases.c.state).where(_cases.c.deleted.is_(sa.true()))
    ).all():
        state = dict(row.state)
        if any(state.get(key) is not None for key in _PROJECTION_PHI):
            state.update(dict.fromkeys(_PROJECTION_PHI))
            bind.execute(
                sa.update(_cases).where(_cases.c.case_id == row.case_id).values(state=state)
            )


def _redacted(type_: str, payload: dict[str, Any] | None) -> dict[str, Any]:
    keep = _AUDIT_FIELDS.get(type_, frozenset())
    kept = {key: value for key, value in (payload or {}).items() if key in keep}
    return {**kept, "redacted": True}
