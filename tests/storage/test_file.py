"""What only the file backend promises: the log is the truth and state.json a cache that is
rebuilt when missing, stale or torn; blobs are named by hash; flock keeps processes apart."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from denialops.domain.cases import DocType, project
from denialops.errors import CaseNotFound
from denialops.storage.file import FileCaseStorage

pytestmark = pytest.mark.anyio


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[FileCaseStorage]:
    store = FileCaseStorage(tmp_path)
    try:
        yield store
    finally:
        await store.close()


async def _upload(store: FileCaseStorage, case_id: str, data: bytes = b"letter") -> str:
    ref = await store.add_document(
        case_id,
        doc_type=DocType.DENIAL_LETTER,
        filename="../../not a path.pdf",
        content_type="application/pdf",
        data=data,
    )
    return ref.sha256


def _append(path: Path, data: bytes) -> None:
    with open(path, "ab") as f:
        f.write(data)


def _case_dir(tmp_path: Path, case_id: str) -> Path:
    return tmp_path / "cases" / case_id


class TestStateIsACacheOfTheLog:
    async def test_missing_state_json_is_rebuilt_from_the_log(
        self, store: FileCaseStorage, tmp_path: Path
    ) -> None:
        case_id = (await store.create_case()).case_id
        await _upload(store, case_id)
        before = await store.get(case_id)

        (_case_dir(tmp_path, case_id) / "state.json").unlink()

        assert await store.get(case_id) == before
        await _upload(store, case_id, b"second")  # and writing goes on from the log
        assert [e.seq for e in await store.events(case_id)] == [1, 2, 3]
        assert (_case_dir(tmp_path, case_id) / "state.json").exists()

    async def test_state_json_older_than_the_log_is_ignored(
        self, store: FileCaseStorage, tmp_path: Path
    ) -> None:
        case_id = (await store.create_case()).case_id
        state_file = _case_dir(tmp_path, case_id) / "state.json"
        old = state_file.read_bytes()
        await _upload(store, case_id)

        state_file.write_bytes(old)  # as if we crashed between the log append and state.json

        state = await store.get(case_id)
        assert len(state.documents) == 1
        assert state == project(await store.events(case_id))

    async def test_garbled_state_json_is_ignored(
        self, store: FileCaseStorage, tmp_path: Path
    ) -> None:
        case_id = (await store.create_case()).case_id
        (_case_dir(tmp_path, case_id) / "state.json").write_text("{not json")

        assert (await store.get(case_id)).version == 1

    async def test_torn_last_line_is_ignored_then_cut_off(
        self, store: FileCaseStorage, tmp_path: Path
    ) -> None:
        case_id = (await store.create_case()).case_id
        torn = b'{"case_id": "' + case_id.encode() + b'", "seq": 2, "ty'
        _append(_case_dir(tmp_path, case_id) / "events.jsonl", torn)

        assert [e.seq for e in await store.events(case_id)] == [1]
        await _upload(store, case_id)
        assert [e.seq for e in await store.events(case_id)] == [1, 2]


class TestLayout:
    async def test_blob_names_are_sha256_hex(self, store: FileCaseStorage, tmp_path: Path) -> None:
        case_id = (await store.create_case()).case_id
        digests = {await _upload(store, case_id, data) for data in (b"one", b"two")}
        await store.put_artifact(case_id, "appeal.md", b"# Appeal", "text/markdown")

        names = {p.name for p in (_case_dir(tmp_path, case_id) / "blobs").iterdir()}

        assert all(re.fullmatch(r"[0-9a-f]{64}", name) for name in names)
        assert names == digests | {hashlib.sha256(b"# Appeal").hexdigest()}

    async def test_log_is_one_json_event_per_line(
        self, store: FileCaseStorage, tmp_path: Path
    ) -> None:
        case_id = (await store.create_case()).case_id
        await _upload(store, case_id)

        lines = (_case_dir(tmp_path, case_id) / "events.jsonl").read_text().splitlines()

        assert len(lines) == 2
        assert '"type":"DocumentUploaded"' in lines[1]

    async def test_delete_removes_the_blobs_directory(
        self, store: FileCaseStorage, tmp_path: Path
    ) -> None:
        case_id = (await store.create_case()).case_id
        await _upload(store, case_id)

        await store.delete_case(case_id)

        assert not (_case_dir(tmp_path, case_id) / "blobs").exists()
        assert (_case_dir(tmp_path, case_id) / "events.jsonl").exists()

    async def test_a_deletion_cut_short_is_finished_by_the_next_write(
        self, store: FileCaseStorage, tmp_path: Path
    ) -> None:
        """A crash after the redacted log's rename but before the blobs went, or a case deleted
        by a version that did not redact: the next write to the case completes the erasure."""
        case_id = (await store.create_case()).case_id
        await _upload(store, case_id, b"secret bytes")
        folder = _case_dir(tmp_path, case_id)
        unredacted = (folder / "events.jsonl").read_bytes()
        await store.delete_case(case_id)
        deleted_line = (folder / "events.jsonl").read_bytes().splitlines(keepends=True)[-1]
        (folder / "events.jsonl").write_bytes(unredacted + deleted_line)
        (folder / "blobs").mkdir()
        (folder / "blobs" / ("0" * 64)).write_bytes(b"secret bytes")

        with pytest.raises(CaseNotFound):
            await store.delete_case(case_id)

        assert not (folder / "blobs").exists()
        log = (folder / "events.jsonl").read_text()
        assert "not a path" not in log
        assert log.count('"redacted":true') == 2
        state = await store._load_state(case_id)
        assert state is not None
        assert state == project(await store._load_events(case_id, None))

    async def test_stray_directories_are_not_cases(
        self, store: FileCaseStorage, tmp_path: Path
    ) -> None:
        case_id = (await store.create_case()).case_id
        shutil.copytree(_case_dir(tmp_path, case_id), tmp_path / "cases" / ".new-leftover")
        (tmp_path / "cases" / "empty-dir").mkdir()

        page = await store.list_cases()

        assert [s.case_id for s in page.items] == [case_id]


class TestProcesses:
    async def test_two_stores_on_one_directory_stay_gapless(self, tmp_path: Path) -> None:
        # Two stores stand in for two processes: separate in-process locks, so only the flock
        # keeps their writers apart.
        first, second = FileCaseStorage(tmp_path), FileCaseStorage(tmp_path)
        case_id = (await first.create_case()).case_id

        async with anyio.create_task_group() as tg:
            for i in range(40):
                tg.start_soon(_upload, first if i % 2 else second, case_id, f"p{i}".encode())

        events = await second.events(case_id)
        assert [e.seq for e in events] == list(range(1, 42))
        assert await first.get(case_id) == project(events)

    async def test_ping_creates_the_case_directory(self, tmp_path: Path) -> None:
        await FileCaseStorage(tmp_path / "fresh").ping()

        assert (tmp_path / "fresh" / "cases").is_dir()
