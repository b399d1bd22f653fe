"""The `CaseStorage` interface and the values that cross it.

Every backend (memory, file, SQLite, PostgreSQL) implements it by subclassing `EventStoreBase`
(`base.py`); `TenantScopedStorage` (`scoped.py`) implements it over any of them for one tenant.
The contract suite (tests/storage/test_contract*.py) holds every implementation to it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel

from denialops.domain.cases import (
    ArtifactRef,
    CaseEvent,
    CaseState,
    DocType,
    DocumentRef,
    EventType,
    Mode,
    UserContext,
)
from denialops.domain.erasure import DeletionReason
from denialops.domain.tenants import DEFAULT_TENANT

# Who deleted a case, when no request did (a call from an operator's tool or a test).
OPERATOR = "operator"


class CasePage(BaseModel):
    """One page of live cases, newest first."""

    items: list[CaseState]
    total: int
    limit: int
    offset: int


class InactiveCases(BaseModel):
    """Live cases with no activity since a time, least recently active first (one page)."""

    case_ids: list[str]
    total: int


NewEvent = tuple[EventType, dict[str, Any]]
Precondition = Callable[[CaseState], None]


@dataclass(frozen=True)
class NewArtifact:
    """An artifact to store: recorded as ArtifactStored, its bytes stored by sha256."""

    name: str
    content_type: str
    data: bytes
    source_sha256: str | None = None

    def event(self) -> tuple[NewEvent, str]:
        digest = sha256_hex(self.data)
        payload: dict[str, Any] = {
            "name": self.name,
            "content_type": self.content_type,
            "size": len(self.data),
            "sha256": digest,
        }
        if self.source_sha256 is not None:
            payload["source_sha256"] = self.source_sha256
        return (EventType.ARTIFACT_STORED, payload), digest


@runtime_checkable
class CaseStorage(Protocol):
    """Where cases, their documents, events and artifacts live."""

    async def create_case(
        self,
        *,
        mode: Mode = Mode.FAST,
        user_context: UserContext | None = None,
        tenant: str = DEFAULT_TENANT,
    ) -> CaseState:
        """Start a new case of `tenant` (appends CaseCreated)."""
        ...

    async def append(
        self,
        case_id: str,
        type: EventType,
        payload: dict[str, Any],
        expect: Precondition | None = None,
        *,
        tenant: str | None = None,
    ) -> CaseEvent:
        """Append one event to a live case's log and update its projection. `expect`, when
        given, checks the current state under the case's lock and raises to refuse."""
        ...

    async def record(
        self,
        case_id: str,
        items: Sequence[NewEvent | NewArtifact],
        *,
        tenant: str | None = None,
    ) -> CaseState:
        """Append several events and store several artifacts, in order, in one unit of work."""
        ...

    async def get(
        self, case_id: str, as_of: datetime | None = None, *, tenant: str | None = None
    ) -> CaseState:
        """The case now, or as it was at `as_of`. Raises CaseNotFound if missing or deleted."""
        ...

    async def events(
        self, case_id: str, as_of: datetime | None = None, *, tenant: str | None = None
    ) -> list[CaseEvent]:
        """The case's log in seq order, up to `as_of` when given."""
        ...

    async def list_cases(
        self, *, limit: int = 20, offset: int = 0, tenant: str | None = None
    ) -> CasePage:
        """Live cases (of `tenant`, when given), newest first."""
        ...

    async def add_document(
        self,
        case_id: str,
        *,
        doc_type: DocType,
        filename: str,
        content_type: str,
        data: bytes,
        tenant: str | None = None,
    ) -> DocumentRef:
        """Store an uploaded document's bytes (by sha256) and record DocumentUploaded."""
        ...

    async def read_document(
        self, case_id: str, document_id: str, *, tenant: str | None = None
    ) -> tuple[DocumentRef, bytes]:
        """An uploaded document and its bytes."""
        ...

    async def put_artifact(
        self,
        case_id: str,
        name: str,
        data: bytes,
        content_type: str,
        *,
        tenant: str | None = None,
    ) -> ArtifactRef:
        """Store (or replace) a named artifact and record ArtifactStored."""
        ...

    async def read_artifact(
        self, case_id: str, name: str, *, tenant: str | None = None
    ) -> tuple[ArtifactRef, bytes]:
        """A named artifact and its bytes."""
        ...

    async def delete_case(
        self,
        case_id: str,
        *,
        tenant: str | None = None,
        reason: DeletionReason = DeletionReason.REQUEST,
        by: str = OPERATOR,
        expect: Precondition | None = None,
    ) -> None:
        """Delete a live case, in one unit of work: erase its documents' and artifacts' bytes,
        redact its log to audit fields (`domain/erasure.py`) and append CaseDeleted (`reason`,
        `by`). From then on it is CaseNotFound everywhere, exactly like a case that never
        existed, and its id takes no new event. `expect` checks the state under the case's lock
        first and raises to refuse (then nothing is written)."""
        ...

    async def inactive_cases(
        self, before: datetime, *, limit: int = 100, offset: int = 0, tenant: str | None = None
    ) -> InactiveCases:
        """Live cases (of `tenant`, when given) whose last event is older than `before`, least
        recently active first: what the retention purge deletes."""
        ...

    async def ping(self) -> None:
        """Raise if the store cannot serve."""
        ...

    async def close(self) -> None:
        """Release connections and handles."""
        ...


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
