"""Running the analysis on a stored case (`POST /cases/{id}/run`).

The rules: a case needs a denial letter (409 otherwise; with several, the latest wins); one run
at a time per case (409 while one is under way); every stage's duration is recorded as an
event; the artifacts, the stage events and the outcome are written in one unit of work at the
end, so a case never shows half a run's results. A failed run is recorded with the stage and
the user-facing error code, never the letter's content.
"""

from __future__ import annotations

from datetime import timedelta

import structlog
from pydantic import BaseModel, Field

from denialops.domain.cases import CaseState, CaseStatus, DocType, DocumentRef, EventType, utcnow
from denialops.errors import Conflict
from denialops.observability.metrics import Metrics
from denialops.pipeline.context import CaseContext, InputDocument
from denialops.pipeline.llm.trace import LLMRunInfo
from denialops.pipeline.runner import PipelineError, PipelineRunner, StageResult
from denialops.security.crypto import DocumentCipher
from denialops.storage.base import CaseStorage, NewArtifact, NewEvent

log = structlog.get_logger(__name__)

# A run older than this is presumed dead (its process stopped mid-run) and may be restarted.
STALE_RUN = timedelta(minutes=15)


class NoDenialLetter(Conflict):
    """The case has no denial letter to analyse: upload one first."""

    code = "no_denial_letter"


class RunInProgress(Conflict):
    """An analysis of this case is already running."""

    code = "run_in_progress"


class ArtifactInfo(BaseModel):
    name: str
    size: int


class RunResult(BaseModel):
    """What `POST /run` returns (the original DenialOps fields first)."""

    case_id: str
    status: str
    route: str
    confidence: float
    artifacts: list[ArtifactInfo]
    needs_human_review: bool
    appealable: bool
    warnings: list[str]
    # Whether the language model took part: provider, "disabled" | "used" | "fallback", usage.
    llm: LLMRunInfo = Field(default_factory=LLMRunInfo)


def _not_running(state: CaseState) -> None:
    if state.status is CaseStatus.RUNNING and utcnow() - state.updated_at < STALE_RUN:
        raise RunInProgress("an analysis of this case is already running")


def _latest(state: CaseState, *types: DocType) -> DocumentRef | None:
    docs = [d for d in state.documents if d.doc_type in types]
    return docs[-1] if docs else None


class AnalysisService:
    """Runs a pipeline over a stored case and records what happened."""

    def __init__(
        self,
        storage: CaseStorage,
        runner: PipelineRunner,
        metrics: Metrics | None = None,
        *,
        cipher: DocumentCipher,
    ) -> None:
        self.storage = storage
        self.runner = runner
        self.metrics = metrics
        self.cipher = cipher  # documents are stored encrypted (see security/crypto.py)

    async def run(self, case_id: str) -> RunResult:
        state = await self.storage.get(case_id)
        letter = state.denial_letter()
        if letter is None:
            raise NoDenialLetter("upload a denial letter (doc_type=denial_letter) first")
        ctx = await self._context(state, letter)
        await self.storage.append(
            case_id,
            EventType.PIPELINE_STARTED,
            {"document_id": letter.document_id},
            expect=_not_running,
        )
        stages: list[NewEvent] = []

        def on_stage(result: StageResult) -> None:  # in the stage's thread: list.append is safe
            stages.append((EventType.STAGE_COMPLETED, {"stage": result.stage, "ms": result.ms}))

        try:
            ctx = await self.runner.run(ctx, on_stage=on_stage)
        except PipelineError as e:
            failed: NewEvent = (EventType.PIPELINE_FAILED, {"stage": e.stage, "error": e.code})
            await self.storage.record(case_id, [*stages, failed])
            log.info("pipeline.failed", case_id=case_id, stage=e.stage, code=e.code)
            raise e.cause from e
        return await self._publish(case_id, ctx, stages)

    async def _context(self, state: CaseState, letter: DocumentRef) -> CaseContext:
        async def load(doc: DocumentRef | None) -> InputDocument | None:
            if doc is None:
                return None
            _, stored = await self.storage.read_document(state.case_id, doc.document_id)
            data = await self.cipher.decrypt_async(stored)
            return InputDocument(data, doc.content_type, doc.filename)

        letter_doc = await load(letter)
        assert letter_doc is not None
        return CaseContext(
            letter=letter_doc,
            case_id=state.case_id,
            eob=await load(_latest(state, DocType.EOB)),
            plan_document=await load(_latest(state, DocType.SBC, DocType.EOC)),
            user_context=state.user_context,
        )

    async def _publish(self, case_id: str, ctx: CaseContext, stages: list[NewEvent]) -> RunResult:
        decision = ctx.decision
        assert decision is not None  # the runner completed every required stage
        artifacts = [NewArtifact(a.name, a.content_type, a.data) for a in ctx.artifacts.values()]
        completed: NewEvent = (
            EventType.PIPELINE_COMPLETED,
            {
                "route": decision.route.value,
                "confidence": decision.confidence,
                "needs_human_review": decision.needs_human_review,
                "warnings": len(ctx.warnings),
                "llm": ctx.llm.status,
            },
        )
        await self.storage.record(case_id, [*stages, *artifacts, completed])
        if self.metrics is not None:
            self.metrics.case_completed(decision.route.value)
        log.info(
            "pipeline.completed",
            case_id=case_id,
            route=decision.route.value,
            artifacts=len(artifacts),
        )
        return RunResult(
            case_id=case_id,
            status="completed",
            route=decision.route.value,
            confidence=decision.confidence,
            artifacts=[ArtifactInfo(name=a.name, size=len(a.data)) for a in artifacts],
            needs_human_review=decision.needs_human_review,
            appealable=decision.appealable,
            warnings=ctx.warnings,
            llm=ctx.llm.info(),
        )
