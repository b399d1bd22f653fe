"""The pipeline runner: runs stages in order and owns what cuts across them.

Timing (each stage's duration goes to the log and, when the runner has an `observer`, to the
`denialops_pipeline_stage_seconds` histogram), structured logs (case id, stage name and
duration, never letter content), events through an optional callback (the service appends
them to the case's log), and the error policy: a `required` stage's failure ends the run
(`PipelineError` carries the stage's name and the user-facing error), an optional stage's
failure leaves a warning and a partial result.
Most stages are CPU-bound, so `run` moves them to a worker thread: the event loop keeps
serving while a letter is OCR'd. Consecutive sync stages go together, in one hop to a worker
thread and back, not one hop each: a hop (queue, wake a thread, wake the loop, trade the GIL)
costs about as much CPU as the small stages themselves. A stage whose `__call__` is a coroutine
function (the LLM stages, which wait on the network) is awaited on the event loop instead, so
the LLM client's connections stay in the loop that owns them. `run_sync` runs sync stages
only: a pipeline with async stages is driven by `anyio.run(runner.run, ctx)` — one loop for a
whole batch, so the client's connection pool is never bound to a loop that has ended.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeGuard, cast

import anyio.to_thread
import structlog

from denialops.errors import DenialOpsError
from denialops.pipeline.context import AnyStage, AsyncStage, CaseContext, Stage

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class StageResult:
    """What the runner reports after each stage."""

    stage: str
    ms: float
    ok: bool
    error: str | None = None


#: Told each stage's result as it finishes, from the thread that ran the stage (a worker
#: thread for sync stages): keep it quick and thread-safe (appending to a list is).
OnStage = Callable[[StageResult], None]


class StageObserver(Protocol):
    """Receives every stage's duration, failed or not (`Metrics` is one)."""

    def observe_stage(self, stage: str, seconds: float) -> None: ...


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


def is_async_stage(stage: AnyStage) -> TypeGuard[AsyncStage]:
    """Whether `stage` is awaited (its `__call__` is a coroutine function)."""
    return inspect.iscoroutinefunction(stage) or inspect.iscoroutinefunction(stage.__call__)


class AsyncStagesNeedALoop(RuntimeError):
    """`run_sync` was asked to run a pipeline with async stages (a wiring bug)."""


class PipelineRunner:
    """Run `stages` over a context, in order."""

    def __init__(self, stages: Sequence[AnyStage], observer: StageObserver | None = None) -> None:
        self.stages = list(stages)
        self.observer = observer
        self._steps = _steps(self.stages)

    @property
    def has_async_stages(self) -> bool:
        """Whether some stage must be awaited (then only `run` can drive the pipeline)."""
        return any(is_async_stage(stage) for stage in self.stages)

    def run_sync(self, ctx: CaseContext, on_stage: OnStage | None = None) -> CaseContext:
        """Run every stage in this thread (the CLI, the evaluator, benchmarks). Sync stages
        only: drive a pipeline with async stages with `anyio.run(runner.run, ctx)`."""
        if self.has_async_stages:
            raise AsyncStagesNeedALoop(
                "this pipeline has async (LLM) stages: run it with anyio.run(runner.run, ctx)"
            )
        return self._run_in_turn(cast(list[Stage], self.stages), ctx, on_stage)

    async def run(self, ctx: CaseContext, on_stage: OnStage | None = None) -> CaseContext:
        """Run every stage, reporting each result to `on_stage`: each run of consecutive sync
        stages in one worker thread, async stages on this event loop."""
        for step in self._steps:
            if isinstance(step, list):
                ctx = await anyio.to_thread.run_sync(self._run_in_turn, step, ctx, on_stage)
                continue
            ctx, result = await self._run_async_stage(step, ctx)
            if on_stage is not None:
                on_stage(result)
        return ctx

    def _run_in_turn(
        self, stages: list[Stage], ctx: CaseContext, on_stage: OnStage | None
    ) -> CaseContext:
        for stage in stages:
            ctx, result = self._run_stage(stage, ctx)
            if on_stage is not None:
                on_stage(result)
        return ctx

    def _run_stage(self, stage: Stage, ctx: CaseContext) -> tuple[CaseContext, StageResult]:
        started = time.perf_counter()
        try:
            ctx = stage(ctx)
        except Exception as e:
            return self._failed(stage, ctx, started, e)
        return ctx, self._done(stage, ctx, started)

    async def _run_async_stage(
        self, stage: AsyncStage, ctx: CaseContext
    ) -> tuple[CaseContext, StageResult]:
        started = time.perf_counter()
        try:
            ctx = await stage(ctx)
        except Exception as e:
            return self._failed(stage, ctx, started, e)
        return ctx, self._done(stage, ctx, started)

    def _failed(
        self, stage: AnyStage, ctx: CaseContext, started: float, error: Exception
    ) -> tuple[CaseContext, StageResult]:
        """Apply the error policy: raise for a required stage or a crash, else warn."""
        ms = self._elapsed_ms(stage, started)
        if not isinstance(error, DenialOpsError):
            # A bug, not bad input: the traceback goes to the log (types and frames only; the
            # log never prints an unexpected exception's message, which may quote the letter),
            # the user gets a generic internal error.
            log.error(
                "pipeline.stage_crashed",
                case_id=ctx.case_id,
                stage=stage.name,
                ms=round(ms, 2),
                error_type=type(error).__name__,
                exc_info=error,
            )
            crashed = StageCrashed(f"internal error in {stage.name}")
            raise PipelineError(stage.name, crashed) from error
        log.warning(
            "pipeline.stage_failed",
            case_id=ctx.case_id,
            stage=stage.name,
            ms=round(ms, 2),
            code=error.code,
            required=stage.required,
        )
        if stage.required:
            raise PipelineError(stage.name, error) from error
        ctx.warnings.append(f"{stage.name}: {error.message}")
        return ctx, StageResult(stage.name, ms, ok=False, error=error.code)

    def _done(self, stage: AnyStage, ctx: CaseContext, started: float) -> StageResult:
        ms = self._elapsed_ms(stage, started)
        log.info("pipeline.stage_done", case_id=ctx.case_id, stage=stage.name, ms=round(ms, 2))
        return StageResult(stage.name, ms, ok=True)

    def _elapsed_ms(self, stage: AnyStage, started: float) -> float:
        seconds = time.perf_counter() - started
        if self.observer is not None:
            self.observer.observe_stage(stage.name, seconds)
        return seconds * 1e3


def _steps(stages: list[AnyStage]) -> list[list[Stage] | AsyncStage]:
    """The stages as `run` takes them: each async stage alone, consecutive sync ones grouped."""
    steps: list[list[Stage] | AsyncStage] = []
    for stage in stages:
        if is_async_stage(stage):
            steps.append(stage)
        elif steps and isinstance(steps[-1], list):
            steps[-1].append(cast(Stage, stage))
        else:
            steps.append([cast(Stage, stage)])
    return steps
