"""What of a case survives its deletion: the facts of an audit trail, never PHI.

A case's log is append-only (the SQL stores enforce it with triggers), and it must stay that
way for a deleted case too: the log is the record that the case existed, what was done to it
and when it was deleted, by whom. What the events carried, though, can be PHI: the user context
on CaseCreated (payer, provider, service, dates: free text), the file name on DocumentUploaded
(often the patient's name), digests of documents whose text is the letter. So deleting a case
*redacts* its events: each keeps its case, seq, type and time, and of its payload only the
fields listed in `AUDIT_FIELDS`, plus `"redacted": true`. Nothing is added or changed, only
taken away, which is exactly the one rewrite the database triggers allow (migration 0003).

`AUDIT_FIELDS` is an allow-list on purpose: a payload field added later is erased with its case
unless someone decides here that it is not PHI. Pure: no I/O.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from denialops.domain.cases import REDACTED, CaseEvent, EventType


class DeletionReason(StrEnum):
    """Why a case was deleted, as recorded on its CaseDeleted event."""

    REQUEST = "request"  # DELETE /cases/{id}
    RETENTION = "retention"  # the retention purge: no activity for ARTIFACT_RETENTION_DAYS


# Per event type, the payload fields kept when the case is deleted: kinds, sizes, stage names,
# error codes, ids we made. Never a name, a free-text field, a digest of content, or a result
# about the patient's claim (the route).
AUDIT_FIELDS: dict[EventType, frozenset[str]] = {
    EventType.CASE_CREATED: frozenset({"mode", "tenant"}),
    EventType.DOCUMENT_UPLOADED: frozenset({"document_id", "doc_type", "content_type", "size"}),
    EventType.ARTIFACT_STORED: frozenset({"name", "content_type", "size"}),
    EventType.PIPELINE_STARTED: frozenset({"document_id"}),
    EventType.STAGE_COMPLETED: frozenset({"stage", "ms"}),
    EventType.PIPELINE_COMPLETED: frozenset(),
    EventType.PIPELINE_FAILED: frozenset({"stage", "error"}),
}


def deletion_payload(reason: DeletionReason, by: str) -> dict[str, Any]:
    """The payload of CaseDeleted: why and by whom (the time is the event's own)."""
    return {"reason": reason.value, "by": by}


def redact(event: CaseEvent) -> CaseEvent:
    """`event` with only its audit fields left (idempotent). CaseDeleted, which we write and
    which holds no PHI, is kept as it is: it is the record of the deletion."""
    if event.type is EventType.CASE_DELETED or is_redacted(event):
        return event
    keep = AUDIT_FIELDS.get(event.type, frozenset())
    payload: dict[str, Any] = {k: v for k, v in event.payload.items() if k in keep}
    payload[REDACTED] = True
    return event.model_copy(update={"payload": payload})


def is_redacted(event: CaseEvent) -> bool:
    return event.payload.get(REDACTED) is True
