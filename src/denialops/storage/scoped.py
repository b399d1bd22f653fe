"""A case store that sees one tenant's cases only.

The API hands services a `TenantScopedStorage` for the caller's tenant (see
`api/dependencies.py`), so a service cannot forget to scope a call: every operation is answered
for that tenant, and another tenant's case is CaseNotFound exactly as a missing one. New cases
are created for that tenant. The scoping itself is the backends' (`tenant=` on every
`CaseStorage` operation, pinned by the contract suite); this class only fills it in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

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
from denialops.storage.protocol import (
    OPERATOR,
    CasePage,
    CaseStorage,
    InactiveCases,
    NewArtifact,
    NewEvent,
    Precondition,
)


class TenantScopedStorage:
    """`CaseStorage` for one tenant, over any backend. Closing it leaves the backend open."""

    def __init__(self, inner: CaseStorage, tenant: str) -> None:
        self.inner = inner
        self.tenant = tenant

    def _scope(self, tenant: str | None) -> str:
        # A caller naming another tenant is a bug, not a request to widen the scope.
        if tenant is not None and tenant != self.tenant:
            raise ValueError("a tenant-scoped store answers for its own tenant only")
        return self.tenant

    async def create_case(
        self,
        *,
        mode: Mode = Mode.FAST,
        user_context: UserContext | None = None,
        tenant: str = DEFAULT_TENANT,
    ) -> CaseState:
        # `tenant` has a default in the interface, so here it cannot tell "unset" from the
        # default tenant: a scoped store always creates for its own tenant.
        return await self.inner.create_case(
            mode=mode, user_context=user_context, tenant=self.tenant
        )

    async def append(
        self,
        case_id: str,
        type: EventType,
        payload: dict[str, Any],
        expect: Precondition | None = None,
        *,
        tenant: str | None = None,
    ) -> CaseEvent:
        return await self.inner.append(case_id, type, payload, expect, tenant=self._scope(tenant))

    async def record(
        self,
        case_id: str,
        items: Sequence[NewEvent | NewArtifact],
        *,
        tenant: str | None = None,
    ) -> CaseState:
        return await self.inner.record(case_id, items, tenant=self._scope(tenant))

    async def get(
        self, case_id: str, as_of: datetime | None = None, *, tenant: str | None = None
    ) -> CaseState:
        return await self.inner.get(case_id, as_of, tenant=self._scope(tenant))

    async def events(
        self, case_id: str, as_of: datetime | None = None, *, tenant: str | None = None
    ) -> list[CaseEvent]:
        return await self.inner.events(case_id, as_of, tenant=self._scope(tenant))

    async def list_cases(
        self, *, limit: int = 20, offset: int = 0, tenant: str | None = None
    ) -> CasePage:
        return await self.inner.list_cases(limit=limit, offset=offset, tenant=self._scope(tenant))

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
        return await self.inner.add_document(
            case_id,
            doc_type=doc_type,
            filename=filename,
            content_type=content_type,
            data=data,
            tenant=self._scope(tenant),
        )

    async def read_document(
        self, case_id: str, document_id: str, *, tenant: str | None = None
    ) -> tuple[DocumentRef, bytes]:
        return await self.inner.read_document(case_id, document_id, tenant=self._scope(tenant))

    async def put_artifact(
        self,
        case_id: str,
        name: str,
        data: bytes,
        content_type: str,
        *,
        tenant: str | None = None,
    ) -> ArtifactRef:
        return await self.inner.put_artifact(
            case_id, name, data, content_type, tenant=self._scope(tenant)
        )

    async def read_artifact(
        self, case_id: str, name: str, *, tenant: str | None = None
    ) -> tuple[ArtifactRef, bytes]:
        return await self.inner.read_artifact(case_id, name, tenant=self._scope(tenant))

    async def delete_case(
        self,
        case_id: str,
        *,
        tenant: str | None = None,
        reason: DeletionReason = DeletionReason.REQUEST,
        by: str = OPERATOR,
        expect: Precondition | None = None,
    ) -> None:
        await self.inner.delete_case(
            case_id, tenant=self._scope(tenant), reason=reason, by=by, expect=expect
        )

    async def inactive_cases(
        self, before: datetime, *, limit: int = 100, offset: int = 0, tenant: str | None = None
    ) -> InactiveCases:
        return await self.inner.inactive_cases(
            before, limit=limit, offset=offset, tenant=self._scope(tenant)
        )

    async def ping(self) -> None:
        await self.inner.ping()

    async def close(self) -> None:
        """Nothing to release: the backend belongs to whoever built it (the app's lifespan)."""
        return None
