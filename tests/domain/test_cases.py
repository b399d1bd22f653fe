"""Folding events into a case's state: a batch folds as its events one by one would, and the
state it started from is left untouched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from denialops.domain.cases import CaseEvent, EventType, apply, fold, project

START = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def event(seq: int, type_: EventType, payload: dict[str, Any]) -> CaseEvent:
    return CaseEvent(
        case_id="c", seq=seq, type=type_, payload=payload, occurred_at=START + timedelta(seq)
    )


def a_run(first_seq: int, artifacts: int) -> list[CaseEvent]:
    events = [event(first_seq, EventType.PIPELINE_STARTED, {"document_id": "d1"})]
    for n in range(artifacts):
        payload = {"name": f"a{n}.md", "content_type": "text/markdown", "size": n}
        payload["sha256"] = "0" * 64
        events.append(event(first_seq + 1 + n, EventType.ARTIFACT_STORED, payload))
    return events


UPLOAD = {
    "document_id": "d1",
    "doc_type": "denial_letter",
    "filename": "letter.txt",
    "content_type": "text/plain",
    "size": 10,
    "sha256": "ab" * 32,
}
HISTORY = [
    event(1, EventType.CASE_CREATED, {}),
    event(2, EventType.DOCUMENT_UPLOADED, UPLOAD),
]


def test_a_batch_folds_as_its_events_one_by_one() -> None:
    before = project(HISTORY)
    assert before is not None
    batch = a_run(3, artifacts=12)

    folded = fold(before, batch)
    stepwise = before
    for e in batch:
        stepwise = apply(stepwise, e)

    assert folded == stepwise
    assert folded is not None
    assert (folded.version, len(folded.artifacts)) == (15, 12)


def test_folding_leaves_the_starting_state_untouched() -> None:
    before = project(HISTORY)
    assert before is not None
    snapshot = before.model_copy(deep=True)

    fold(before, a_run(3, artifacts=3))

    assert before == snapshot
    assert before.artifacts == {}


def test_projecting_an_empty_log_gives_nothing() -> None:
    assert project([]) is None
