"""Request and response bodies of the HTTP API.

Field names are those of the original DenialOps API (`case_id`, `mode`, `created_at`,
`document_id`, `doc_type`, `artifacts[].name/size`), so its clients keep working.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from denialops.domain.cases import (
    ArtifactRef,
    CaseEvent,
    CaseState,
    CaseStatus,
    DocType,
    DocumentRef,
    EventType,
    Mode,
    UserContext,
)


class CaseCreate(BaseModel):
    """Body of `POST /cases`; optional (an empty body starts a fast-mode case)."""

    model_config = ConfigDict(extra="forbid")

    mode: Mode = Mode.FAST
    user_context: UserContext | None = None


class CaseCreated(BaseModel):
    case_id: str
    mode: Mode
    created_at: datetime


class DocumentOut(BaseModel):
    document_id: str
    doc_type: DocType
    filename: str
    content_type: str
    size: int = Field(
        description="Bytes stored: the upload encrypted at rest, 57-73 bytes over its size."
    )
    sha256: str = Field(description="SHA-256 of the stored (encrypted) bytes.")
    uploaded_at: datetime

    @classmethod
    def of(cls, doc: DocumentRef) -> DocumentOut:
        return cls.model_validate(doc.model_dump())


class DocumentUploaded(DocumentOut):
    """Response of `POST /cases/{id}/documents`."""

    case_id: str
    used_for_analysis: bool = Field(
        description="True for the denial letter the pipeline will read (the latest one uploaded)."
    )


class ArtifactOut(BaseModel):
    name: str
    size: int
    content_type: str
    created_at: datetime

    @classmethod
    def of(cls, ref: ArtifactRef) -> ArtifactOut:
        return cls(
            name=ref.name, size=ref.size, content_type=ref.content_type, created_at=ref.created_at
        )


class ArtifactList(BaseModel):
    case_id: str
    artifacts: list[ArtifactOut]


class CaseOut(BaseModel):
    """A case's current state."""

    case_id: str
    mode: Mode
    status: CaseStatus
    created_at: datetime
    updated_at: datetime
    version: int
    user_context: UserContext | None
    documents: list[DocumentOut]
    artifacts: list[ArtifactOut]
    route: str | None
    confidence: float | None

    @classmethod
    def of(cls, s: CaseState) -> CaseOut:
        return cls(
            case_id=s.case_id,
            mode=s.mode,
            status=s.status,
            created_at=s.created_at,
            updated_at=s.updated_at,
            version=s.version,
            user_context=s.user_context,
            documents=[DocumentOut.of(d) for d in s.documents],
            artifacts=[ArtifactOut.of(a) for a in s.artifacts.values()],
            route=s.route,
            confidence=s.confidence,
        )


class CaseSummary(BaseModel):
    case_id: str
    mode: Mode
    status: CaseStatus
    created_at: datetime
    updated_at: datetime
    document_count: int
    route: str | None

    @classmethod
    def of(cls, s: CaseState) -> CaseSummary:
        return cls(
            case_id=s.case_id,
            mode=s.mode,
            status=s.status,
            created_at=s.created_at,
            updated_at=s.updated_at,
            document_count=len(s.documents),
            route=s.route,
        )


class CaseList(BaseModel):
    cases: list[CaseSummary]
    total: int
    limit: int
    offset: int


class EventOut(BaseModel):
    seq: int
    type: EventType
    occurred_at: datetime
    payload: dict[str, Any]

    @classmethod
    def of(cls, e: CaseEvent) -> EventOut:
        return cls(seq=e.seq, type=e.type, occurred_at=e.occurred_at, payload=e.payload)


class EventHistory(BaseModel):
    """A case's log up to `as_of` (all of it when absent) and the state it projects to."""

    case_id: str
    as_of: datetime | None
    events: list[EventOut]
    state: CaseOut
