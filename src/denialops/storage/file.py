"""The file backend: one directory per case, no database.

    DATA_DIR/cases/<case_id>/
        events.jsonl    the log, one JSON event per line; appended and fsync'd (the truth)
        state.json      the projection and the log length it reflects; a cache of the log
        blobs/<sha256>  document and artifact bytes, named by content hash only
        lock            flock'd by writers (exclusive) and readers (shared)

Order of writes in a unit of work: blobs, then the log (the commit point), then state.json. A
crash before the log append leaves at most unreferenced blobs; after it, a stale or missing
state.json, which readers detect (its recorded log length differs) and rebuild from the log.
A torn last line (a crash mid-append) is ignored by readers and cut off by the next writer.

Deleting a case is the one write that is not an append: the log is rewritten, redacted, with
CaseDeleted at its end, to a temporary file that replaces events.jsonl (the commit point);
then the blobs are removed and state.json written. A crash between the two leaves blobs in a
deleted case, which nothing can read; the next write to the case (a second DELETE, say) finds
them and finishes the job, as it does for a deleted case whose log was never redacted.

A new case is built in a hidden staging directory and renamed into place, so a case directory
always holds a log. Blocking file I/O runs in worker threads; an asyncio.Lock per case keeps
this process's writers from tying up threads waiting on each other's flock.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TypeVar
from weakref import WeakValueDictionary

from pydantic import BaseModel, ValidationError

from denialops.domain.cases import CaseEvent, CaseState, project
from denialops.domain.erasure import redact
from denialops.errors import CaseNotFound, StorageUnavailable
from denialops.storage.api_keys import FileApiKeys
from denialops.storage.base import Decide, EventStoreBase
from denialops.storage.changes import apply_change, erased, is_valid_case_id
from denialops.storage.inflight import InFlight

T = TypeVar("T")

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_PRIVATE_DIR = 0o700  # case files are PHI: only the service's user may list or read them


class _StateFile(BaseModel):
    """The content of state.json: the projection after the first `log_size` bytes of the log."""

    log_size: int
    state: CaseState


class _CaseFiles:
    """One case's directory. Every method blocks: call them from a worker thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.log = path / "events.jsonl"
        self.state_file = path / "state.json"
        self.blobs = path / "blobs"

    @contextmanager
    def locked(self, *, exclusive: bool) -> Iterator[None]:
        """Hold the case's flock (released when the descriptor closes, even on a crash)."""
        fd = os.open(self.path / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            yield
        finally:
            os.close(fd)

    def read_log(self) -> tuple[list[CaseEvent], int]:
        """The complete events and the byte length they span."""
        try:
            data = self.log.read_bytes()
        except FileNotFoundError:
            return [], 0
        end = data.rfind(b"\n") + 1
        lines = data[:end].splitlines()
        return [CaseEvent.model_validate_json(line) for line in lines if line], end

    def load(self) -> tuple[CaseState | None, int]:
        """The projection (from state.json when it is current) and the log's valid length."""
        try:
            size = self.log.stat().st_size
        except FileNotFoundError:
            return None, 0
        try:
            cached = _StateFile.model_validate_json(self.state_file.read_bytes())
            if cached.log_size == size:
                return cached.state, size
        except (FileNotFoundError, ValidationError):
            pass  # missing, half-written or from an older layout: the log has the answer
        events, end = self.read_log()
        return project(events), end

    def append(self, events: list[CaseEvent], valid_size: int) -> int:
        """Append `events` after the first `valid_size` bytes; returns the new log length."""
        lines = b"".join(e.model_dump_json().encode() + b"\n" for e in events)
        with open(self.log, "ab") as f:
            if f.tell() != valid_size:
                f.truncate(valid_size)  # a torn line from a crash mid-append
            f.write(lines)
            f.flush()
            os.fsync(f.fileno())
            return f.tell()

    def rewrite_log(self, events: list[CaseEvent]) -> int:
        """Replace the log with `events`, atomically and durably; returns its new length."""
        tmp = self.path / f".events-{uuid.uuid4().hex}.tmp"
        data = b"".join(e.model_dump_json().encode() + b"\n" for e in events)
        _write_durably(tmp, data)
        os.replace(tmp, self.log)
        _fsync_dir(self.path)
        return len(data)

    def write_state(self, state: CaseState, log_size: int) -> None:
        tmp = self.path / f".state-{uuid.uuid4().hex}.tmp"
        tmp.write_text(_StateFile(log_size=log_size, state=state).model_dump_json())
        # No fsync: state.json is a cache, and a torn one is detected and rebuilt.
        os.replace(tmp, self.state_file)

    def put_blobs(self, blobs: dict[str, bytes]) -> None:
        if not blobs:
            return
        self.blobs.mkdir(mode=_PRIVATE_DIR, exist_ok=True)
        for sha256, data in blobs.items():
            target = self.blobs / _checked_sha(sha256)
            if target.exists():  # content-addressed: the same name is the same bytes
                continue
            tmp = self.blobs / f".{sha256}-{uuid.uuid4().hex}.tmp"
            _write_durably(tmp, data)
            os.replace(tmp, target)
        _fsync_dir(self.blobs)

    def drop_blobs(self) -> None:
        if not self.blobs.exists():
            return
        for path in self.blobs.iterdir():  # temporary files of a crashed write included
            path.unlink()
        self.blobs.rmdir()
        _fsync_dir(self.path)

    def finish_erasure(self, state: CaseState) -> None:
        """For a deleted case: remove what a crash (or a version before redaction) left."""
        self.drop_blobs()
        events, _ = self.read_log()
        if any(redact(e) != e for e in events):
            self.write_state(state, self.rewrite_log([redact(e) for e in events]))

    def read_blob(self, sha256: str) -> bytes | None:
        if not _SHA256_RE.fullmatch(sha256):
            return None
        try:
            return (self.blobs / sha256).read_bytes()
        except FileNotFoundError:
            return None


class FileCaseStorage(EventStoreBase, FileApiKeys):
    """Cases as directories of plain files. Durable; safe across processes on one host (flock
    does not work reliably on network file systems); listing reads every case. API keys are in
    DATA_DIR/api_keys.json (see `FileApiKeys`)."""

    def __init__(self, data_dir: Path) -> None:
        self._root = Path(data_dir) / "cases"
        self._keys_dir = Path(data_dir)
        self._keys_cache = None
        # Weak values: a lock lives while some task holds or awaits it, not forever.
        self._locks: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()
        # Cancelling a caller must not free its case lock while its thread is still writing.
        self._inflight = InFlight()

    # -- writes -------------------------------------------------------------------------------

    async def _transact(self, case_id: str, decide: Decide) -> tuple[CaseState, list[CaseEvent]]:
        if not is_valid_case_id(case_id):
            raise CaseNotFound(f"case {case_id} not found")
        return await self._inflight.run(self._transact_now(case_id, decide))

    async def _transact_now(
        self, case_id: str, decide: Decide
    ) -> tuple[CaseState, list[CaseEvent]]:
        lock = self._locks.get(case_id)
        if lock is None:
            lock = self._locks[case_id] = asyncio.Lock()
        async with lock:
            return await asyncio.to_thread(self._transact_sync, case_id, decide)

    def _transact_sync(self, case_id: str, decide: Decide) -> tuple[CaseState, list[CaseEvent]]:
        files = _CaseFiles(self._root / case_id)
        if not files.path.exists():
            created = self._create_sync(case_id, decide)
            if created is not None:
                return created
            # Another process created this id meanwhile: decide again against its state.
        with files.locked(exclusive=True):
            state, valid_size = files.load()
            if state is not None and state.deleted:
                files.finish_erasure(state)
                state, valid_size = files.load()
            change = decide(state)
            new_state, events = apply_change(case_id, state, change)
            if change.erase:
                log, new_state = erased(files.read_log()[0], events)
                log_size = files.rewrite_log([*log, *events])  # the commit point
                files.drop_blobs()
            else:
                files.put_blobs(change.blobs)
                log_size = files.append(events, valid_size)  # the commit point
            files.write_state(new_state, log_size)
            return new_state, events

    def _create_sync(
        self, case_id: str, decide: Decide
    ) -> tuple[CaseState, list[CaseEvent]] | None:
        """Build the case in a staging directory and rename it into place (atomic, and it fails
        if the id exists). None when it already existed."""
        change = decide(None)  # CaseNotFound for anything but a creation
        state, events = apply_change(case_id, None, change)
        self._root.mkdir(mode=_PRIVATE_DIR, parents=True, exist_ok=True)
        staging = _CaseFiles(self._root / f".new-{uuid.uuid4().hex}")
        staging.path.mkdir(mode=_PRIVATE_DIR)
        try:
            staging.put_blobs(change.blobs)
            staging.write_state(state, staging.append(events, 0))
            try:
                staging.path.rename(self._root / case_id)
            except OSError:  # ENOTEMPTY / EEXIST: the id is taken
                return None
            _fsync_dir(self._root)
            return state, events
        finally:
            shutil.rmtree(staging.path, ignore_errors=True)

    # -- reads --------------------------------------------------------------------------------

    async def _load_events(self, case_id: str, as_of: datetime | None) -> list[CaseEvent]:
        events = await asyncio.to_thread(self._read_sync, case_id, _events_of)
        return [e for e in events or [] if as_of is None or e.occurred_at <= as_of]

    async def _load_state(self, case_id: str) -> CaseState | None:
        return await asyncio.to_thread(self._read_sync, case_id, _state_of)

    async def _read_blob(self, case_id: str, sha256: str) -> bytes | None:
        if not is_valid_case_id(case_id):
            return None
        # No lock: blobs appear by atomic rename and are never rewritten.
        return await asyncio.to_thread(_CaseFiles(self._root / case_id).read_blob, sha256)

    async def _list_states(
        self, limit: int, offset: int, tenant: str | None
    ) -> tuple[list[CaseState], int]:
        states = await asyncio.to_thread(self._all_states_sync)
        alive = [s for s in states if not s.deleted and (tenant is None or s.tenant == tenant)]
        alive.sort(key=lambda s: (s.created_at, s.case_id), reverse=True)
        return alive[offset : offset + limit], len(alive)

    async def _inactive(
        self, before: datetime, limit: int, offset: int, tenant: str | None
    ) -> tuple[list[str], int]:
        states = await asyncio.to_thread(self._all_states_sync)
        idle = [
            s
            for s in states
            if not s.deleted and s.updated_at < before and (tenant is None or s.tenant == tenant)
        ]
        idle.sort(key=lambda s: (s.updated_at, s.case_id))
        return [s.case_id for s in idle[offset : offset + limit]], len(idle)

    def _read_sync(self, case_id: str, read: Callable[[_CaseFiles], T]) -> T | None:
        if not is_valid_case_id(case_id):
            return None
        files = _CaseFiles(self._root / case_id)
        if not files.path.is_dir():
            return None
        with files.locked(exclusive=False):  # never see a half-appended change
            return read(files)

    def _all_states_sync(self) -> list[CaseState]:
        if not self._root.is_dir():
            return []
        states = []
        for entry in self._root.iterdir():
            state = self._read_sync(entry.name, _state_of)  # skips staging dirs (invalid ids)
            if state is not None:
                states.append(state)
        return states

    # -- lifecycle ----------------------------------------------------------------------------

    async def ping(self) -> None:
        try:
            await asyncio.to_thread(self._check_writable)
        except OSError as e:
            raise StorageUnavailable("the case directory is not writable") from e

    def _check_writable(self) -> None:
        self._root.mkdir(mode=_PRIVATE_DIR, parents=True, exist_ok=True)
        if not os.access(self._root, os.W_OK | os.X_OK):
            raise PermissionError("case directory not writable")

    async def close(self) -> None:
        await self._inflight.drain()


def _state_of(files: _CaseFiles) -> CaseState | None:
    return files.load()[0]


def _events_of(files: _CaseFiles) -> list[CaseEvent]:
    return files.read_log()[0]


def _checked_sha(sha256: str) -> str:
    # Blob names are ours (hex digests), never a user's file name: refuse anything else.
    if not _SHA256_RE.fullmatch(sha256):
        raise ValueError("blob name is not a sha256 hex digest")
    return sha256


def _write_durably(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:  # os.write may write less than asked
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    # A new directory entry is durable only once its directory is fsync'd.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
