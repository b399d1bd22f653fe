"""The `CaseStorage` interface and the event-sourcing logic every backend shares.

A backend implements five primitives (`_transact`, `_load_events`, `_load_state`, `_read_blob`,
`_list_states`) and inherits the operations. `_transact` is the unit of work: under a per-case
lock it reads the current projection, lets the caller decide which events to append, and writes
those events, the new projection and any blobs in one transaction, or nothing at all.
"""

from __future__ import annotations

import hashlib
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
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
    new_case_id,
    project,
)
from denialops.errors import ArtifactNotFound, CaseNotFound, NotFound


class CasePage(BaseModel):
    """One page of live cases, newest first."""

    items: list[CaseState]
    total: int
    limit: int
    offset: int


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
        self, *, mode: Mode = Mode.FAST, user_context: UserContext | None = None
    ) -> CaseState:
        """Start a new case (appends CaseCreated)."""
        ...

    async def append(
        self,
        case_id: str,
        type: EventType,
        payload: dict[str, Any],
        expect: Precondition | None = None,
    ) -> CaseEvent:
        """Append one event to a live case's log and update its projection. `expect`, when
        given, checks the current state under the case's lock and raises to refuse."""
        ...

    async def record(self, case_id: str, items: Sequence[NewEvent | NewArtifact]) -> CaseState:
        """Append several events and store several artifacts, in order, in one unit of work."""
        ...

    async def get(self, case_id: str, as_of: datetime | None = None) -> CaseState:
        """The case now, or as it was at `as_of`. Raises CaseNotFound if missing or deleted."""
        ...

    async def events(self, case_id: str, as_of: datetime | None = None) -> list[CaseEvent]:
        """The case's log in seq order, up to `as_of` when given."""
        ...

    async def list_cases(self, *, limit: int = 20, offset: int = 0) -> CasePage:
        """Live cases, newest first."""
        ...

    async def add_document(
        self, case_id: str, *, doc_type: DocType, filename: str, content_type: str, data: bytes
    ) -> DocumentRef:
        """Store an uploaded document's bytes (by sha256) and record DocumentUploaded."""
        ...

    async def read_document(self, case_id: str, document_id: str) -> tuple[DocumentRef, bytes]:
        """An uploaded document and its bytes."""
        ...

    async def put_artifact(
        self, case_id: str, name: str, data: bytes, content_type: str
    ) -> ArtifactRef:
        """Store (or replace) a named artifact and record ArtifactStored."""
        ...

    async def read_artifact(self, case_id: str, name: str) -> tuple[ArtifactRef, bytes]:
        """A named artifact and its bytes."""
        ...

    async def delete_case(self, case_id: str) -> None:
        """Remove the case's documents and artifacts and record CaseDeleted."""
        ...

    async def ping(self) -> None:
        """Raise if the store cannot serve."""
        ...

    async def close(self) -> None:
        """Release connections and handles."""
        ...


@dataclass
class Change:
    """What one unit of work writes: events to append, blobs to store, or the blobs to drop."""

    events: list[NewEvent]
    blobs: dict[str, bytes] = field(default_factory=dict)
    drop_blobs: bool = False


Decide = Callable[[CaseState | None], Change]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def live(state: CaseState | None, case_id: str) -> CaseState:
    """The state if the case exists and is not deleted; CaseNotFound otherwise."""
    if state is None or state.deleted:
        raise CaseNotFound(f"case {case_id} not found")
    return state


class EventStoreBase(ABC):
    """Shared operations over the backend primitives. Subclasses are the storage backends."""

    # -- primitives ---------------------------------------------------------------------------

    @abstractmethod
    async def _transact(self, case_id: str, decide: Decide) -> tuple[CaseState, list[CaseEvent]]:
        """Atomically: lock the case, `decide` from its state, append, project, store blobs."""

    @abstractmethod
    async def _load_events(self, case_id: str, as_of: datetime | None) -> list[CaseEvent]: ...

    @abstractmethod
    async def _load_state(self, case_id: str) -> CaseState | None: ...

    @abstractmethod
    async def _read_blob(self, case_id: str, sha256: str) -> bytes | None: ...

    @abstractmethod
    async def _list_states(self, limit: int, offset: int) -> tuple[list[CaseState], int]: ...

    @abstractmethod
    async def ping(self) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...

    # -- operations ---------------------------------------------------------------------------

    async def create_case(
        self, *, mode: Mode = Mode.FAST, user_context: UserContext | None = None
    ) -> CaseState:
        case_id = new_case_id()
        payload: dict[str, Any] = {"mode": mode.value}
        if user_context is not None:
            payload["user_context"] = user_context.model_dump(exclude_none=True)

        def decide(state: CaseState | None) -> Change:
            if state is not None:  # a uuid4 collision: refuse rather than merge two cases
                raise RuntimeError("case id collision")
            return Change([(EventType.CASE_CREATED, payload)])

        state, _ = await self._transact(case_id, decide)
        return state

    async def append(
        self,
        case_id: str,
        type: EventType,
        payload: dict[str, Any],
        expect: Precondition | None = None,
    ) -> CaseEvent:
        def decide(state: CaseState | None) -> Change:
            current = live(state, case_id)
            if expect is not None:
                expect(current)
            return Change([(type, payload)])

        _, events = await self._transact(case_id, decide)
        return events[-1]

    async def record(self, case_id: str, items: Sequence[NewEvent | NewArtifact]) -> CaseState:
        change = Change([])
        for item in items:
            if isinstance(item, NewArtifact):
                event, digest = item.event()
                change.events.append(event)
                change.blobs[digest] = item.data
            else:
                change.events.append(item)

        def decide(state: CaseState | None) -> Change:
            live(state, case_id)
            return change

        state, _ = await self._transact(case_id, decide)
        return state

    async def get(self, case_id: str, as_of: datetime | None = None) -> CaseState:
        if as_of is None:
            return live(await self._load_state(case_id), case_id)
        return live(project(await self._load_events(case_id, as_of)), case_id)

    async def events(self, case_id: str, as_of: datetime | None = None) -> list[CaseEvent]:
        live(await self._load_state(case_id), case_id)
        return await self._load_events(case_id, as_of)

    async def list_cases(self, *, limit: int = 20, offset: int = 0) -> CasePage:
        items, total = await self._list_states(limit, offset)
        return CasePage(items=items, total=total, limit=limit, offset=offset)

    async def add_document(
        self, case_id: str, *, doc_type: DocType, filename: str, content_type: str, data: bytes
    ) -> DocumentRef:
        digest = sha256_hex(data)
        doc_id = str(uuid.uuid4())

        def decide(state: CaseState | None) -> Change:
            live(state, case_id)
            payload = {
                "document_id": doc_id,
                "doc_type": doc_type.value,
                "filename": filename,
                "content_type": content_type,
                "size": len(data),
                "sha256": digest,
            }
            return Change([(EventType.DOCUMENT_UPLOADED, payload)], blobs={digest: data})

        state, _ = await self._transact(case_id, decide)
        return next(d for d in state.documents if d.document_id == doc_id)

    async def read_document(self, case_id: str, document_id: str) -> tuple[DocumentRef, bytes]:
        state = await self.get(case_id)
        doc = next((d for d in state.documents if d.document_id == document_id), None)
        data = await self._read_blob(case_id, doc.sha256) if doc else None
        if doc is None or data is None:
            raise NotFound(f"document {document_id} not found")
        return doc, data

    async def put_artifact(
        self, case_id: str, name: str, data: bytes, content_type: str
    ) -> ArtifactRef:
        state = await self.record(case_id, [NewArtifact(name, content_type, data)])
        return state.artifacts[name]

    async def read_artifact(self, case_id: str, name: str) -> tuple[ArtifactRef, bytes]:
        state = await self.get(case_id)
        ref = state.artifacts.get(name)
        data = await self._read_blob(case_id, ref.sha256) if ref else None
        if ref is None or data is None:
            raise ArtifactNotFound(f"artifact {name!r} not found")
        return ref, data

    async def delete_case(self, case_id: str) -> None:
        def decide(state: CaseState | None) -> Change:
            live(state, case_id)
            return Change([(EventType.CASE_DELETED, {})], drop_blobs=True)

        await self._transact(case_id, decide)
