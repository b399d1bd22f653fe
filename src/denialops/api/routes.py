"""The case endpoints under `/api/v1`. Each route validates, calls one service method, returns."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, File, Form, Path, Query, Response, UploadFile, status
from fastapi.responses import JSONResponse, StreamingResponse

from denialops.api.dependencies import (
    ActorDep,
    AnalysisServiceDep,
    CaseServiceDep,
    ExplainServiceDep,
)
from denialops.api.errors import errors_for
from denialops.api.ratelimit import Limit, rate_limit
from denialops.api.schemas import (
    ArtifactList,
    ArtifactOut,
    CaseCreate,
    CaseCreated,
    CaseList,
    CaseOut,
    CaseSummary,
    DocumentOut,
    DocumentUploaded,
    EventHistory,
    EventOut,
)
from denialops.domain.cases import CASE_ID_PATTERN, DocType
from denialops.errors import (
    ArtifactNotFound,
    CaseNotFound,
    EmptyDocument,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from denialops.pipeline.text import UnreadableDocument
from denialops.security.crypto import DocumentKeyMismatch
from denialops.services.analysis import NoDenialLetter, RunInProgress, RunResult
from denialops.services.explain import MEDIA_TYPE as EVENT_STREAM
from denialops.services.explain import CaseNotAnalysed
from denialops.services.schemas import SchemaNotFound, schema_for

router = APIRouter(prefix="/api/v1", tags=["cases"])

CaseId = Annotated[
    str, Path(pattern=CASE_ID_PATTERN, description="A case id, as returned by POST /cases.")
]
ArtifactName = Annotated[str, Path(max_length=128, description="An artifact name, e.g. route.json")]


@router.post(
    "/cases",
    status_code=status.HTTP_201_CREATED,
    response_model=CaseCreated,
    responses=errors_for(PayloadTooLarge),
)
async def create_case(
    service: CaseServiceDep, body: Annotated[CaseCreate | None, Body()] = None
) -> CaseCreated:
    """Start a case. The body is optional: mode and what the user knows (payer, plan, ...)."""
    body = body or CaseCreate()
    state = await service.create(body.mode, body.user_context)
    return CaseCreated(case_id=state.case_id, mode=state.mode, created_at=state.created_at)


@router.get("/cases", response_model=CaseList)
async def list_cases(
    service: CaseServiceDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> CaseList:
    """Live cases, newest first, a page at a time."""
    page = await service.list_cases(limit=limit, offset=offset)
    return CaseList(
        cases=[CaseSummary.of(s) for s in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/cases/{case_id}", response_model=CaseOut, responses=errors_for(CaseNotFound))
async def get_case(case_id: CaseId, service: CaseServiceDep) -> CaseOut:
    """A case's current state: documents, artifacts, status and route."""
    return CaseOut.of(await service.get(case_id))


@router.delete(
    "/cases/{case_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=errors_for(CaseNotFound),
)
async def delete_case(case_id: CaseId, service: CaseServiceDep, actor: ActorDep) -> Response:
    """Delete a case: its documents and artifacts are erased and it is a 404 from then on. Its
    log keeps only that it existed, what kind of things happened, and who deleted it when. A
    run under way is not waited for; its results are discarded."""
    await service.delete(case_id, by=actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/cases/{case_id}/documents",
    status_code=status.HTTP_201_CREATED,
    response_model=DocumentUploaded,
    responses=errors_for(CaseNotFound, EmptyDocument, PayloadTooLarge, UnsupportedMediaType),
    openapi_extra=rate_limit(Limit.UPLOAD),
)
async def upload_document(
    case_id: CaseId,
    service: CaseServiceDep,
    file: Annotated[UploadFile, File(description="PDF, PNG, JPEG, DOCX or plain text.")],
    doc_type: Annotated[DocType, Form()] = DocType.DENIAL_LETTER,
) -> DocumentUploaded:
    """Upload a document. With several denial letters on one case, the latest upload is used."""
    doc, used = await service.upload(case_id, doc_type, file)
    return DocumentUploaded(
        case_id=case_id, used_for_analysis=used, **DocumentOut.of(doc).model_dump()
    )


@router.post(
    "/cases/{case_id}/run",
    response_model=RunResult,
    responses=errors_for(
        CaseNotFound, NoDenialLetter, RunInProgress, UnreadableDocument, DocumentKeyMismatch
    ),
    openapi_extra=rate_limit(Limit.RUN),
)
async def run_case(case_id: CaseId, service: AnalysisServiceDep) -> RunResult:
    """Run the analysis pipeline on the case's latest denial letter, synchronously."""
    return await service.run(case_id)


@router.post(
    "/cases/{case_id}/explain",
    response_class=StreamingResponse,
    responses={
        200: {"content": {EVENT_STREAM: {}}, "description": "Server-Sent Events"},
        **errors_for(CaseNotFound, CaseNotAnalysed),
    },
    openapi_extra=rate_limit(Limit.RUN),  # it may call the language model, like a run
)
async def explain_case(case_id: CaseId, service: ExplainServiceDep) -> StreamingResponse:
    """Stream the analysed case's plain-language explanation as Server-Sent Events: `chunk`
    events (`{"text"}`), then `done` (`{"source": "llm" | "deterministic"}`)."""
    events = await service.explain(case_id)
    return StreamingResponse(events, media_type=EVENT_STREAM, headers={"Cache-Control": "no-cache"})


@router.get(
    "/cases/{case_id}/events", response_model=EventHistory, responses=errors_for(CaseNotFound)
)
async def case_events(
    case_id: CaseId,
    service: CaseServiceDep,
    as_of: Annotated[
        datetime | None, Query(description="ISO 8601 time; the case as it was then.")
    ] = None,
) -> EventHistory:
    """The case's event log and the state it projects to, optionally as of a past time."""
    events, state = await service.history(case_id, as_of)
    return EventHistory(
        case_id=case_id,
        as_of=as_of,
        events=[EventOut.of(e) for e in events],
        state=CaseOut.of(state),
    )


@router.get(
    "/schemas/{name}",
    response_class=JSONResponse,
    responses={200: {"content": {"application/schema+json": {}}}, **errors_for(SchemaNotFound)},
)
async def get_schema(name: Annotated[str, Path(max_length=64)]) -> JSONResponse:
    """The JSON Schema of a JSON artifact: case_facts, route, action_plan, grounding_report."""
    return JSONResponse(schema_for(name), media_type="application/schema+json")


@router.get(
    "/cases/{case_id}/artifacts", response_model=ArtifactList, responses=errors_for(CaseNotFound)
)
async def list_artifacts(case_id: CaseId, service: CaseServiceDep) -> ArtifactList:
    """The files the pipeline wrote for this case."""
    refs = await service.artifacts(case_id)
    return ArtifactList(case_id=case_id, artifacts=[ArtifactOut.of(r) for r in refs])


@router.get(
    "/cases/{case_id}/artifacts/{name}",
    response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {}}},
        **errors_for(CaseNotFound, ArtifactNotFound),
    },
)
async def get_artifact(case_id: CaseId, name: ArtifactName, service: CaseServiceDep) -> Response:
    """One artifact's bytes, with its content type."""
    ref, data = await service.artifact(case_id, name)
    return Response(
        content=data,
        media_type=ref.content_type,
        headers={"Content-Disposition": f'inline; filename="{ref.name}"'},
    )
