"""The event-sourcing logic every backend shares (`EventStoreBase`); the interface it
implements, `CaseStorage`, is in `protocol.py` (and re-exported here).

A backend implements six primitives (`_transact`, `_load_events`, `_load_state`, `_read_blob`,
`_list_states`, `_inactive`) and inherits the operations; it may override `_read_stored` to
read a case and one of its blobs in one unit of work (the SQL backend does). `_transact` is the
unit of work: under a per-case lock it reads the current projection, lets the caller decide
which events to append, and writes those events, the new projection and any blobs in one
transaction, or nothing at all.

Tenants: every case belongs to one (`CaseState.tenant`, fixed by CaseCreated). Each operation
takes `tenant=`: given, a case of another tenant is CaseNotFound, raised exactly as for a case
that does not exist, so nobody can learn that another tenant's case id is real; None means
"any tenant" (operator tools). The API never passes None: it reaches the store through
`TenantScopedStorage` (`scoped.py`), which fills in the caller's tenant on every call.

Deletion (`delete_case`) is a unit of work whose `Change` says `erase`: besides appending
CaseDeleted, the backend drops the case's blobs and rewrites its log with every earlier event
redacted (`domain/erasure.py`), and stores the projection of that redacted log. The log keeps
its length, order and times; what the events carried that could be PHI is gone.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

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
from denialops.domain.erasure import DeletionReason, deletion_payload
from denialops.domain.tenants import DEFAULT_TENANT
from denialops.errors import ArtifactNotFound, CaseNotFound, NotFound
from denialops.storage.protocol import (
    OPERATOR,
    CasePage,
    CaseStorage,
    InactiveCases,
    NewArtifact,
    NewEvent,
    Precondition,
    sha256_hex,
)

__all__ = [
    "CasePage",
    "CaseStorage",
    "Change",
    "Decide",
    "EventStoreBase",
    "InactiveCases",
    "NewArtifact",
    "NewEvent",
    "Precondition",
    "live",
    "sha256_hex",
]


class Stored(Protocol):
    """A document or artifact reference: its bytes are stored by sha256."""

    @property
    def sha256(self) -> str: ...


R = TypeVar("R", bound=Stored)


@dataclass
class Change:
    """What one unit of work writes: events to append and blobs to store; with `erase`, the
    case is being deleted: drop all its blobs and redact the events already in its log."""

    events: list[NewEvent]
    blobs: dict[str, bytes] = field(default_factory=dict)
    erase: bool = False


Decide = Callable[[CaseState | None], Change]


def live(state: CaseState | None, case_id: str, tenant: str | None = None) -> CaseState:
    """The state if the case exists, is not deleted and (when `tenant` is given) belongs to
    `tenant`; CaseNotFound otherwise, with one message for all three, so a response never
    tells another tenant's case from a missing one."""
    if state is None or state.deleted or (tenant is not None and state.tenant != tenant):
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
    async def _list_states(
        self, limit: int, offset: int, tenant: str | None
    ) -> tuple[list[CaseState], int]:
        """Live cases (of `tenant`, or of all tenants for None), newest first, and their count."""

    @abstractmethod
    async def _inactive(
        self, before: datetime, limit: int, offset: int, tenant: str | None
    ) -> tuple[list[str], int]:
        """Ids of live cases (of `tenant`, or of all for None) last updated before `before`,
        least recently updated first, and their count."""

    async def _read_stored(
        self, case_id: str, find: Callable[[CaseState | None], R | None]
    ) -> tuple[R | None, bytes | None]:
        """The reference `find` picks from the case's state (it may raise CaseNotFound), and
        that reference's bytes. Two reads here; a backend that can make them one unit of
        work overrides this."""
        ref = find(await self._load_state(case_id))
        return ref, (await self._read_blob(case_id, ref.sha256) if ref is not None else None)

    @abstractmethod
    async def ping(self) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...

    # -- operations ---------------------------------------------------------------------------

    async def create_case(
        self,
        *,
        mode: Mode = Mode.FAST,
        user_context: UserContext | None = None,
        tenant: str = DEFAULT_TENANT,
    ) -> CaseState:
        case_id = new_case_id()
        payload: dict[str, Any] = {"mode": mode.value, "tenant": tenant}
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
        *,
        tenant: str | None = None,
    ) -> CaseEvent:
        def decide(state: CaseState | None) -> Change:
            current = live(state, case_id, tenant)
            if expect is not None:
                expect(current)
            return Change([(type, payload)])

        _, events = await self._transact(case_id, decide)
        return events[-1]

    async def record(
        self,
        case_id: str,
        items: Sequence[NewEvent | NewArtifact],
        *,
        tenant: str | None = None,
    ) -> CaseState:
        change = Change([])
        for item in items:
            if isinstance(item, NewArtifact):
                event, digest = item.event()
                change.events.append(event)
                change.blobs[digest] = item.data
            else:
                change.events.append(item)

        def decide(state: CaseState | None) -> Change:
            live(state, case_id, tenant)
            return change

        state, _ = await self._transact(case_id, decide)
        return state

    async def get(
        self, case_id: str, as_of: datetime | None = None, *, tenant: str | None = None
    ) -> CaseState:
        current = live(await self._load_state(case_id), case_id, tenant)
        if as_of is None:
            return current
        # A case deleted since `as_of` is gone for every time, not only for now.
        return live(project(await self._load_events(case_id, as_of)), case_id, tenant)

    async def events(
        self, case_id: str, as_of: datetime | None = None, *, tenant: str | None = None
    ) -> list[CaseEvent]:
        live(await self._load_state(case_id), case_id, tenant)
        return await self._load_events(case_id, as_of)

    async def list_cases(
        self, *, limit: int = 20, offset: int = 0, tenant: str | None = None
    ) -> CasePage:
        items, total = await self._list_states(limit, offset, tenant)
        return CasePage(items=items, total=total, limit=limit, offset=offset)

    async def inactive_cases(
        self, before: datetime, *, limit: int = 100, offset: int = 0, tenant: str | None = None
    ) -> InactiveCases:
        case_ids, total = await self._inactive(before, limit, offset, tenant)
        return InactiveCases(case_ids=case_ids, total=total)

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
        digest = sha256_hex(data)
        doc_id = str(uuid.uuid4())

        def decide(state: CaseState | None) -> Change:
            live(state, case_id, tenant)
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

    async def read_document(
        self, case_id: str, document_id: str, *, tenant: str | None = None
    ) -> tuple[DocumentRef, bytes]:
        def find(state: CaseState | None) -> DocumentRef | None:
            documents = live(state, case_id, tenant).documents
            return next((d for d in documents if d.document_id == document_id), None)

        doc, data = await self._read_stored(case_id, find)
        if doc is None or data is None:
            raise NotFound(f"document {document_id} not found")
        return doc, data

    async def put_artifact(
        self,
        case_id: str,
        name: str,
        data: bytes,
        content_type: str,
        *,
        tenant: str | None = None,
    ) -> ArtifactRef:
        state = await self.record(case_id, [NewArtifact(name, content_type, data)], tenant=tenant)
        return state.artifacts[name]

    async def read_artifact(
        self, case_id: str, name: str, *, tenant: str | None = None
    ) -> tuple[ArtifactRef, bytes]:
        def find(state: CaseState | None) -> ArtifactRef | None:
            return live(state, case_id, tenant).artifacts.get(name)

        ref, data = await self._read_stored(case_id, find)
        if ref is None or data is None:
            raise ArtifactNotFound(f"artifact {name!r} not found")
        return ref, data

    async def delete_case(
        self,
        case_id: str,
        *,
        tenant: str | None = None,
        reason: DeletionReason = DeletionReason.REQUEST,
        by: str = OPERATOR,
        expect: Precondition | None = None,
    ) -> None:
        payload = deletion_payload(reason, by)

        def decide(state: CaseState | None) -> Change:
            current = live(state, case_id, tenant)
            if expect is not None:
                expect(current)
            return Change([(EventType.CASE_DELETED, payload)], erase=True)

        await self._transact(case_id, decide)
