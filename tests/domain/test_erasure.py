"""Redaction, the pure part of deleting a case: what an event keeps (audit fields, by an
allow-list) and how a redacted log folds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from denialops.domain.cases import REDACTED, CaseEvent, CaseStatus, EventType, project
from denialops.domain.erasure import AUDIT_FIELDS, is_redacted, redact

AT = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def event(seq: int, type_: EventType, payload: dict[str, Any]) -> CaseEvent:
    return CaseEvent(case_id="c", seq=seq, type=type_, payload=payload, occurred_at=AT)


UPLOAD = {
    "document_id": "d1",
    "doc_type": "denial_letter",
    "filename": "Jane Roe denial.pdf",
    "content_type": "application/pdf",
    "size": 10,
    "sha256": "ab" * 32,
}


def test_an_event_keeps_its_audit_fields_only() -> None:
    redacted = redact(event(2, EventType.DOCUMENT_UPLOADED, {**UPLOAD, "added_later": "x"}))

    assert redacted.payload == {
        "document_id": "d1",
        "doc_type": "denial_letter",
        "content_type": "application/pdf",
        "size": 10,
        REDACTED: True,
    }
    assert (redacted.case_id, redacted.seq, redacted.type, redacted.occurred_at) == (
        "c",
        2,
        EventType.DOCUMENT_UPLOADED,
        AT,
    )


def test_redaction_is_idempotent_and_spares_the_deletion_record() -> None:
    created = event(1, EventType.CASE_CREATED, {"mode": "fast", "user_context": {"payer": "X"}})
    deleted = event(3, EventType.CASE_DELETED, {"reason": "request", "by": "tenant:local"})

    assert redact(redact(created)) == redact(created)
    assert redact(deleted) == deleted
    assert not is_redacted(deleted)


def test_every_event_type_has_a_decision() -> None:
    """A new event type must say here which of its fields are not PHI (maybe none)."""
    assert set(AUDIT_FIELDS) == set(EventType) - {EventType.CASE_DELETED}


def test_a_redacted_log_folds_to_an_empty_deleted_case() -> None:
    log = [
        event(1, EventType.CASE_CREATED, {"mode": "fast", "user_context": {"payer": "X"}}),
        event(2, EventType.DOCUMENT_UPLOADED, UPLOAD),
        event(3, EventType.PIPELINE_COMPLETED, {"route": "timely_filing", "confidence": 0.9}),
    ]
    deletion = event(4, EventType.CASE_DELETED, {"reason": "request", "by": "tenant:local"})

    live = project([*log, deletion])
    erased = project([*(redact(e) for e in log), deletion])

    assert erased == live
    assert erased is not None
    assert erased.status is CaseStatus.DELETED
    assert (erased.user_context, erased.documents, erased.route, erased.version) == (
        None,
        [],
        None,
        4,
    )
