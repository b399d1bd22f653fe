"""The pipeline runner: runs stages in order and owns what cuts across them.

Timing, structured logs (stage name and duration, never letter content), events through an
optional callback (the service appends them to the case's log), and the error policy: a
`required` stage's failure ends the run (`PipelineError` carries the stage's name and the
user-facing error), an optional stage's failure leaves a warning and a partial result.
Stages are CPU-bound, so `run` moves each one to a worker thread: the event loop keeps
serving while a letter is OCR'd.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import anyio.to_thread
import structlog

from denialops.errors import DenialOpsError
from denialops.pipeline.context import CaseContext, Stage

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class StageResult:
    """What the runner reports after each stage."""

    stage: str
    ms: float
    ok: bool
    error: str | None = None


OnStage = Callable[[StageResult], Awaitable[None]]


class PipelineError(DenialOpsError):
    """A required stage failed; `cause` is the error to show the user."""

    def __init__(self, stage: str, cause: DenialOpsError) -> None:
        super().__init__(cause.message, headers=cause.headers)
        self.stage = stage
        self.cause = cause
        self.status_code = cause.status_code
        self.code = cause.code


class StageCrashed(DenialOpsError):
    """A stage failed unexpectedly (a bug); the run is recorded as failed."""

    code = "internal_error"


class PipelineRunner:
    """Run `stages` over a context, in order."""

    def __init__(self, stages: Sequence[Stage]) -> None:
        self.stages = list(stages)

    def run_sync(
        self, ctx: CaseContext, on_stage: Callable[[StageResult], None] | None = None
    ) -> CaseContext:
        """Run every stage in this thread (the CLI, the evaluator, benchmarks)."""
        for stage in self.stages:
            ctx, result = self._run_stage(stage, ctx)
            if on_stage is not None:
                on_stage(result)
        return ctx

    async def run(self, ctx: CaseContext, on_stage: OnStage | None = None) -> CaseContext:
        """Run every stage in a worker thread, reporting each result to `on_stage`."""
        for stage in self.stages:
            ctx, result = await anyio.to_thread.run_sync(self._run_stage, stage, ctx)
            if on_stage is not None:
                await on_stage(result)
        return ctx

    def _run_stage(self, stage: Stage, ctx: CaseContext) -> tuple[CaseContext, StageResult]:
        started = time.perf_counter()
        try:
            ctx = stage(ctx)
        except DenialOpsError as e:
            ms = (time.perf_counter() - started) * 1e3
            log.warning(
                "pipeline.stage_failed",
                case_id=ctx.case_id,
                stage=stage.name,
                ms=round(ms, 2),
                code=e.code,
                required=stage.required,
            )
            if stage.required:
                raise PipelineError(stage.name, e) from e
            ctx.warnings.append(f"{stage.name}: {e.message}")
            return ctx, StageResult(stage.name, ms, ok=False, error=e.code)
        except Exception as e:
            # A bug, not bad input: the traceback goes to the log (stage code never puts
            # letter text in exception messages), the user gets a generic internal error.
            log.error(
                "pipeline.stage_crashed",
                case_id=ctx.case_id,
                stage=stage.name,
                error_type=type(e).__name__,
                exc_info=e,
            )
            raise PipelineError(stage.name, StageCrashed(f"internal error in {stage.name}")) from e
        ms = (time.perf_counter() - started) * 1e3
        log.debug("pipeline.stage_done", case_id=ctx.case_id, stage=stage.name, ms=round(ms, 2))
        return ctx, StageResult(stage.name, ms, ok=True)
