"""The case service: the rules for creating cases, accepting documents and reading results.

Routes call one method each; the storage's unit of work commits. The upload rules live here:
size checked while reading, content sniffed (the extension alone is never trusted), the user's
file name kept only as metadata and never used as a path.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import Protocol

import anyio.to_thread
import structlog

from denialops.config import Settings
from denialops.domain.cases import (
    ArtifactRef,
    CaseEvent,
    CaseState,
    DocType,
    DocumentRef,
    Mode,
    UserContext,
    is_valid_artifact_name,
)
from denialops.domain.erasure import DeletionReason
from denialops.errors import (
    ArtifactNotFound,
    EmptyDocument,
    InvalidInput,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from denialops.pipeline.documents import (
    BinaryFormat,
    binary_content_type,
    render_binary,
    source_name,
)
from denialops.pipeline.text.sniff import declared_type_conflicts, sniff_content_type
from denialops.security.crypto import DocumentCipher
from denialops.storage.base import CasePage, CaseStorage, NewArtifact

log = structlog.get_logger(__name__)

_CHUNK = 64 * 1024
_UNSAFE_NAME_CHARS = re.compile(r"[^\w.\- ()]+")


class AsyncReadable(Protocol):
    """What an upload looks like to the service (FastAPI's `UploadFile` is one)."""

    filename: str | None

    async def read(self, size: int = -1) -> bytes: ...


def display_name(filename: str | None) -> str:
    """A printable, path-free version of the user's file name, for display only."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFKC", name)
    name = "".join(ch for ch in name if ch.isprintable())
    name = _UNSAFE_NAME_CHARS.sub("_", name).strip(" .")
    return name[:120] or "upload"


class CaseService:
    """Cases, their documents and their artifacts, over any `CaseStorage`."""

    def __init__(
        self, storage: CaseStorage, settings: Settings, cipher: DocumentCipher | None = None
    ) -> None:
        self.storage = storage
        self.settings = settings
        # Documents are stored encrypted; the API passes the app's cipher, built once.
        self.cipher = cipher or DocumentCipher.from_settings(settings)

    async def create(self, mode: Mode, user_context: UserContext | None) -> CaseState:
        state = await self.storage.create_case(mode=mode, user_context=user_context)
        log.info("case.created", case_id=state.case_id, mode=state.mode.value)
        return state

    async def get(self, case_id: str) -> CaseState:
        return await self.storage.get(case_id)

    async def list_cases(self, *, limit: int, offset: int) -> CasePage:
        return await self.storage.list_cases(limit=limit, offset=offset)

    async def delete(self, case_id: str, *, by: str) -> None:
        """Delete the case: its documents and artifacts are erased, its log keeps only audit
        facts (`domain/erasure.py`). `by` (an API key id, or the tenant of an open service) is
        recorded on CaseDeleted. A run under way is not waited for: its final write finds the
        case gone, so it records nothing and its caller gets a 404."""
        await self.storage.delete_case(case_id, reason=DeletionReason.REQUEST, by=by)
        log.info("case.deleted", case_id=case_id, reason=DeletionReason.REQUEST.value)

    async def history(
        self, case_id: str, as_of: datetime | None
    ) -> tuple[list[CaseEvent], CaseState]:
        """The log up to `as_of` and the state it projects to (the state as it was then)."""
        if as_of is not None and as_of.tzinfo is None:
            as_of = as_of.replace(tzinfo=UTC)  # a time without a zone is read as UTC
        events = await self.storage.events(case_id, as_of)
        return events, await self.storage.get(case_id, as_of)

    async def upload(
        self, case_id: str, doc_type: DocType, file: AsyncReadable
    ) -> tuple[DocumentRef, bool]:
        """Store an uploaded document. Returns it and whether it is the letter the pipeline
        will read (with several denial letters on a case, the latest upload wins)."""
        # A missing case is the first thing to report (404), before the file is judged. The body
        # itself has been received by now: FastAPI parses a multipart form before the route runs.
        await self.storage.get(case_id)
        data = await self._read_bounded(file)
        content_type = self._checked_type(data, file.filename)
        doc = await self.storage.add_document(
            case_id,
            doc_type=doc_type,
            filename=display_name(file.filename),
            content_type=content_type,
            data=await self.cipher.encrypt_async(data),
        )
        log.info(
            "case.document_uploaded",
            case_id=case_id,
            doc_type=doc_type.value,
            content_type=content_type,
            size=doc.size,
        )
        return doc, doc_type is DocType.DENIAL_LETTER

    async def artifacts(self, case_id: str) -> list[ArtifactRef]:
        state = await self.storage.get(case_id)
        return sorted(state.artifacts.values(), key=lambda a: a.name)

    async def artifact(self, case_id: str, name: str) -> tuple[ArtifactRef, bytes]:
        """An artifact's bytes. A PDF or DOCX of a Markdown document is rendered on first
        request and kept, so a run does not pay for renderings nobody opens."""
        if not is_valid_artifact_name(name):
            # Names are looked up in the case's projection, never joined to a path; an
            # ill-formed one cannot name an artifact, so say so plainly.
            raise ArtifactNotFound(f"no artifact named {name[:80]!r}")
        rendering = source_name(name)
        if rendering is None:  # the common case: read_artifact loads the projection once
            return await self.storage.read_artifact(case_id, name)
        state = await self.storage.get(case_id)
        source = state.artifacts.get(rendering[0])
        if source is None:
            return await self.storage.read_artifact(case_id, name)
        cached = state.artifacts.get(name)
        if cached is not None and cached.source_sha256 == source.sha256:
            return await self.storage.read_artifact(case_id, name)
        return await self._render(case_id, source, name, rendering[1])

    async def _render(
        self, case_id: str, source: ArtifactRef, name: str, fmt: BinaryFormat
    ) -> tuple[ArtifactRef, bytes]:
        _, markdown = await self.storage.read_artifact(case_id, source.name)
        data = await anyio.to_thread.run_sync(
            render_binary, source.name, markdown.decode("utf-8"), fmt
        )
        content_type = binary_content_type(fmt)
        artifact = NewArtifact(name, content_type, data, source_sha256=source.sha256)
        state = await self.storage.record(case_id, [artifact])
        return state.artifacts[name], data

    async def _read_bounded(self, file: AsyncReadable) -> bytes:
        limit = self.settings.max_upload_bytes
        chunks: list[bytes] = []
        size = 0
        while chunk := await file.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"file exceeds the limit of {limit} bytes")
            chunks.append(chunk)
        if size == 0:
            raise EmptyDocument("the uploaded file is empty")
        return b"".join(chunks)

    @staticmethod
    def _checked_type(data: bytes, filename: str | None) -> str:
        sniffed = sniff_content_type(data, filename)
        if sniffed is None:
            raise UnsupportedMediaType(
                "unsupported file type: upload a PDF, PNG, JPEG, DOCX or plain-text file"
            )
        if declared_type_conflicts(sniffed, filename):
            raise UnsupportedMediaType(
                f"the file's content is {sniffed}, which does not match its name's extension"
            )
        if sniffed == "text/plain" and not data.strip():
            raise InvalidInput("the uploaded text file contains only whitespace")
        return sniffed
