"""Turning a `Change` into numbered events and the projection after them.

Shared by the durable backends so they number, time-stamp and serialise events the same way.
Everything here is pure: it runs inside a backend's lock, before anything is written, so a
payload the projection rejects fails the unit of work with nothing on disk.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic_core import to_jsonable_python

from denialops.domain.cases import CASE_ID_PATTERN, CaseEvent, CaseState, fold, project, utcnow
from denialops.domain.erasure import redact
from denialops.storage.base import Change

_CASE_ID_RE = re.compile(CASE_ID_PATTERN)


def is_valid_case_id(case_id: str) -> bool:
    """Ids become file names and SQL parameters: anything else is simply a case that is absent."""
    return bool(_CASE_ID_RE.fullmatch(case_id))


def apply_change(
    case_id: str, state: CaseState | None, change: Change
) -> tuple[CaseState, list[CaseEvent]]:
    """Number `change.events` after `state.version` (gapless) and fold them into `state`."""
    next_seq = state.version + 1 if state is not None else 1
    last = state.updated_at if state is not None else None
    events: list[CaseEvent] = []
    for offset, (type_, payload) in enumerate(change.events):
        last = _not_before(last)
        events.append(
            CaseEvent(
                case_id=case_id,
                seq=next_seq + offset,
                type=type_,
                payload=_jsonable(payload),
                occurred_at=last,
            )
        )
    new_state = fold(state, events)
    if new_state is None:
        raise ValueError("a change must append at least one event")
    return new_state, events


def erased(log: list[CaseEvent], appended: list[CaseEvent]) -> tuple[list[CaseEvent], CaseState]:
    """For a unit of work that deletes a case: its earlier events redacted (same length and
    order; `domain/erasure.py`), and the projection of the redacted log followed by the
    `appended` events (CaseDeleted), which is the state a deleted case keeps."""
    redacted = [redact(event) for event in log]
    state = project([*redacted, *appended])
    if state is None:
        raise ValueError("nothing to erase")
    return redacted, state


def _jsonable(payload: dict[str, Any]) -> dict[str, Any]:
    # What the caller gets back must equal what a later read returns, so payloads take their
    # JSON shape (datetimes as ISO strings, enums as values) before the event is built.
    result: dict[str, Any] = to_jsonable_python(payload)
    return result


def _not_before(last: datetime | None) -> datetime:
    # A case's clock never runs backwards (NTP steps, several hosts), so `as_of` always selects
    # a prefix of the log and the state as of T is a state the case really had.
    now = utcnow()
    return max(now, last) if last is not None else now
