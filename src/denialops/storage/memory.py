"""An in-memory backend: the reference implementation of the primitives, used by API tests
(swapped in through `app.dependency_overrides`) and held to the same contract suite."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import datetime

from denialops.domain.cases import CaseEvent, CaseState
from denialops.storage.api_keys import MemoryApiKeys
from denialops.storage.base import Decide, EventStoreBase
from denialops.storage.changes import apply_change, erased


class MemoryCaseStorage(EventStoreBase, MemoryApiKeys):
    """Cases and API keys in dicts. Not durable; one process only."""

    def __init__(self) -> None:
        self._api_keys = {}
        self._events: dict[str, list[CaseEvent]] = {}
        self._states: dict[str, CaseState] = {}
        self._blobs: dict[str, dict[str, bytes]] = defaultdict(dict)
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def _transact(self, case_id: str, decide: Decide) -> tuple[CaseState, list[CaseEvent]]:
        async with self._locks[case_id]:
            current = self._states.get(case_id)
            change = decide(current)
            log = self._events.get(case_id, [])
            # Numbered, stamped and folded as every backend does it (`changes.apply_change`).
            state, new_events = apply_change(case_id, current, change)
            if change.erase:
                log, state = erased(log, new_events)
            # Commit point: nothing above touched shared state, so a failure leaves no trace.
            self._events[case_id] = [*log, *new_events]
            self._states[case_id] = state
            if change.erase:
                self._blobs.pop(case_id, None)
            if change.blobs:
                self._blobs[case_id].update(change.blobs)
            return state, new_events

    async def _load_events(self, case_id: str, as_of: datetime | None) -> list[CaseEvent]:
        log = self._events.get(case_id, [])
        return [e for e in log if as_of is None or e.occurred_at <= as_of]

    async def _load_state(self, case_id: str) -> CaseState | None:
        return self._states.get(case_id)

    async def _read_blob(self, case_id: str, sha256: str) -> bytes | None:
        return self._blobs.get(case_id, {}).get(sha256)

    async def _list_states(
        self, limit: int, offset: int, tenant: str | None
    ) -> tuple[list[CaseState], int]:
        alive = [
            s
            for s in self._states.values()
            if not s.deleted and (tenant is None or s.tenant == tenant)
        ]
        alive.sort(key=lambda s: (s.created_at, s.case_id), reverse=True)
        return alive[offset : offset + limit], len(alive)

    async def _inactive(
        self, before: datetime, limit: int, offset: int, tenant: str | None
    ) -> tuple[list[str], int]:
        idle = [
            s
            for s in self._states.values()
            if not s.deleted and s.updated_at < before and (tenant is None or s.tenant == tenant)
        ]
        idle.sort(key=lambda s: (s.updated_at, s.case_id))
        return [s.case_id for s in idle[offset : offset + limit]], len(idle)

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None
