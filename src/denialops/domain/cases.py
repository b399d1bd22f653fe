"""A case as an event log, and its state as a projection (a left fold) of those events.

Events are facts that happened and are never changed. `project` turns any prefix of a case's
log into the state the case had at that point, which is how `GET .../events?as_of=T` works and
why the projection stored beside the log can always be rebuilt.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from denialops.domain.tenants import DEFAULT_TENANT

CASE_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
ARTIFACT_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,95}(\.[A-Za-z0-9]{1,8}){0,2}$"
_ARTIFACT_NAME_RE = re.compile(ARTIFACT_NAME_PATTERN)

CaseId = Annotated[str, StringConstraints(pattern=CASE_ID_PATTERN)]


def new_case_id() -> str:
    """A fresh, unguessable case id."""
    return str(uuid.uuid4())


def is_valid_artifact_name(name: str) -> bool:
    """Artifact names are plain file names: no separators, no dot-only names, no NUL."""
    return bool(_ARTIFACT_NAME_RE.fullmatch(name))


def utcnow() -> datetime:
    return datetime.now(UTC)


class Mode(StrEnum):
    """fast: the letter alone. verified: plan documents (SBC/EOC) were given."""

    FAST = "fast"
    VERIFIED = "verified"


class DocType(StrEnum):
    DENIAL_LETTER = "denial_letter"
    EOB = "eob"
    SBC = "sbc"
    EOC = "eoc"
    OTHER = "other"


class CaseStatus(StrEnum):
    CREATED = "created"
    DOCUMENTS_UPLOADED = "documents_uploaded"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    DELETED = "deleted"


class EventType(StrEnum):
    CASE_CREATED = "CaseCreated"
    DOCUMENT_UPLOADED = "DocumentUploaded"
    ARTIFACT_STORED = "ArtifactStored"
    PIPELINE_STARTED = "PipelineStarted"
    STAGE_COMPLETED = "StageCompleted"
    PIPELINE_COMPLETED = "PipelineCompleted"
    PIPELINE_FAILED = "PipelineFailed"
    CASE_DELETED = "CaseDeleted"


# The payload key that marks an event erased when its case was deleted (domain/erasure.py): it
# keeps its type, seq and time and only audit fields, and folds into nothing.
REDACTED = "redacted"


class UserContext(BaseModel):
    """What the user tells us beside the documents. All optional; never trusted over the letter."""

    model_config = ConfigDict(extra="forbid", str_max_length=500)

    payer: str | None = None
    plan_name: str | None = None
    state: str | None = None
    service: str | None = None
    date_of_service: str | None = None
    provider: str | None = None
    urgency: str | None = None


class CaseEvent(BaseModel):
    """One immutable entry of a case's log; `seq` is gapless per case, starting at 1."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    seq: int
    type: EventType
    payload: dict[str, Any] = Field(default_factory=dict)
    occurred_at: datetime


class DocumentRef(BaseModel):
    """An uploaded document. Its bytes are stored under `sha256`, never under the user's name."""

    document_id: str
    doc_type: DocType
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class ArtifactRef(BaseModel):
    """A file the pipeline wrote for a case, addressed by name; bytes stored under `sha256`."""

    name: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime
    # For a rendering made on request (appeal_letter.pdf from appeal_letter.md): the sha256 of
    # the source it was made from, so a new run's source makes the old rendering stale.
    source_sha256: str | None = None


class CaseState(BaseModel):
    """The projection of a case's events: what the case looks like after `version` events."""

    case_id: str
    # Who the case belongs to; cases from before tenants existed belong to the default tenant.
    tenant: str = DEFAULT_TENANT
    mode: Mode = Mode.FAST
    status: CaseStatus = CaseStatus.CREATED
    created_at: datetime
    updated_at: datetime
    version: int = 0
    user_context: UserContext | None = None
    documents: list[DocumentRef] = Field(default_factory=list)
    artifacts: dict[str, ArtifactRef] = Field(default_factory=dict)
    route: str | None = None
    confidence: float | None = None
    last_error: str | None = None

    @property
    def deleted(self) -> bool:
        return self.status is CaseStatus.DELETED

    def denial_letter(self) -> DocumentRef | None:
        """The denial letter the pipeline reads. With several, the latest upload wins
        (a user re-uploading a clearer copy expects it to be used), never a random one."""
        letters = [d for d in self.documents if d.doc_type is DocType.DENIAL_LETTER]
        return letters[-1] if letters else None


def apply(state: CaseState | None, event: CaseEvent) -> CaseState:
    """Fold one event into the state. Pure: the same events always give the same state."""
    folded = fold(state, (event,))
    assert folded is not None  # one event was folded
    return folded


def fold(state: CaseState | None, events: Iterable[CaseEvent]) -> CaseState | None:
    """Fold `events` (in seq order) into `state`; `state` itself is left as it was.

    The state is copied once for the whole batch, not once per event: a run appends dozens of
    events to a state whose artifact list grows with each, and a copy per event made that
    quadratic."""
    current = state.model_copy(deep=True) if state is not None else None
    for event in events:
        current = _fold_one(current, event)
    return current


def _fold_one(state: CaseState | None, event: CaseEvent) -> CaseState:
    """`event` applied to `state` in place (or a new state for CaseCreated)."""
    p = event.payload
    if event.type is EventType.CASE_CREATED:
        ctx = p.get("user_context")
        return CaseState(
            case_id=event.case_id,
            tenant=p.get("tenant", DEFAULT_TENANT),
            mode=Mode(p.get("mode", Mode.FAST)),
            created_at=event.occurred_at,
            updated_at=event.occurred_at,
            version=event.seq,
            user_context=UserContext.model_validate(ctx) if ctx else None,
        )
    if state is None:
        raise ValueError(f"event {event.type} before CaseCreated")
    state.version = event.seq
    state.updated_at = event.occurred_at
    if p.get(REDACTED) is True and event.type is not EventType.CASE_DELETED:
        return state  # what it carried was erased with its case; only its place in the log stays
    _APPLIERS[event.type](state, event)
    return state


def _on_document(s: CaseState, e: CaseEvent) -> None:
    # The upload time is the event's time: one clock, the log's.
    doc = DocumentRef.model_validate({**e.payload, "uploaded_at": e.occurred_at})
    s.documents.append(doc)
    if doc.doc_type in (DocType.SBC, DocType.EOC):
        s.mode = Mode.VERIFIED
    if s.status is CaseStatus.CREATED:
        s.status = CaseStatus.DOCUMENTS_UPLOADED


def _on_artifact(s: CaseState, e: CaseEvent) -> None:
    ref = ArtifactRef.model_validate({**e.payload, "created_at": e.occurred_at})
    s.artifacts[ref.name] = ref


def _on_started(s: CaseState, e: CaseEvent) -> None:
    s.status = CaseStatus.RUNNING
    s.last_error = None


def _on_stage(s: CaseState, e: CaseEvent) -> None:
    return None


def _on_completed(s: CaseState, e: CaseEvent) -> None:
    s.status = CaseStatus.COMPLETED
    s.route = e.payload.get("route")
    s.confidence = e.payload.get("confidence")


def _on_failed(s: CaseState, e: CaseEvent) -> None:
    s.status = CaseStatus.FAILED
    s.last_error = e.payload.get("error")


def _on_deleted(s: CaseState, e: CaseEvent) -> None:
    # Nothing the user gave or the run found stays (the stores erase the log too: erasure.py).
    s.status = CaseStatus.DELETED
    s.documents = []
    s.artifacts = {}
    s.user_context = None
    s.route = None
    s.confidence = None
    s.last_error = None


_APPLIERS = {
    EventType.DOCUMENT_UPLOADED: _on_document,
    EventType.ARTIFACT_STORED: _on_artifact,
    EventType.PIPELINE_STARTED: _on_started,
    EventType.STAGE_COMPLETED: _on_stage,
    EventType.PIPELINE_COMPLETED: _on_completed,
    EventType.PIPELINE_FAILED: _on_failed,
    EventType.CASE_DELETED: _on_deleted,
}


def project(events: Iterable[CaseEvent]) -> CaseState | None:
    """The state after all `events` (in seq order), or None for an empty log."""
    return fold(None, events)
