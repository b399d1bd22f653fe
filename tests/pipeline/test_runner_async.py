"""The runner awaits async stages on the event loop and sends sync ones to worker threads;
the error policy is the same for both; `run_sync` refuses a pipeline with async stages."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

import anyio
import anyio.lowlevel
import pytest

from denialops.errors import DenialOpsError, LLMServerError
from denialops.pipeline.context import CaseContext, InputDocument
from denialops.pipeline.runner import (
    AsyncStagesNeedALoop,
    PipelineError,
    PipelineRunner,
    StageResult,
    is_async_stage,
)

pytestmark = pytest.mark.anyio


def context() -> CaseContext:
    return CaseContext(letter=InputDocument(b"letter", "text/plain"))


class SyncStage:
    name: ClassVar[str] = "sync"
    required: ClassVar[bool] = True

    def __init__(self) -> None:
        self.thread: int | None = None

    def __call__(self, ctx: CaseContext) -> CaseContext:
        self.thread = threading.get_ident()
        ctx.warnings.append("sync ran")
        return ctx


class AsyncStage:
    name: ClassVar[str] = "async"
    required: ClassVar[bool] = False

    def __init__(self, error: Exception | None = None) -> None:
        self.thread: int | None = None
        self.error = error

    async def __call__(self, ctx: CaseContext) -> CaseContext:
        self.thread = threading.get_ident()
        await anyio.lowlevel.checkpoint()  # really awaits: a worker thread has no loop
        if self.error is not None:
            raise self.error
        ctx.warnings.append("async ran")
        return ctx


class RequiredSync:
    name: ClassVar[str] = "required_sync"
    required: ClassVar[bool] = True

    def __init__(self, error: Exception) -> None:
        self.error = error

    def __call__(self, ctx: CaseContext) -> CaseContext:
        raise self.error


class RequiredAsync(AsyncStage):
    name: ClassVar[str] = "required_async"
    required: ClassVar[bool] = True


class TestAsyncStages:
    def test_a_coroutine_call_makes_an_async_stage(self) -> None:
        assert is_async_stage(AsyncStage())
        assert not is_async_stage(SyncStage())

    async def test_async_stages_run_on_the_loop_and_sync_ones_in_a_worker(self) -> None:
        sync, async_ = SyncStage(), AsyncStage()
        results: list[StageResult] = []

        ctx = await PipelineRunner([sync, async_]).run(context(), results.append)
        assert ctx.warnings == ["sync ran", "async ran"]
        assert async_.thread == threading.get_ident()
        assert sync.thread is not None
        assert sync.thread != threading.get_ident()
        assert [(r.stage, r.ok) for r in results] == [("sync", True), ("async", True)]

    async def test_consecutive_sync_stages_share_one_hop_to_a_worker(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        hops: list[int] = []
        run_sync = anyio.to_thread.run_sync

        async def counted(*args: Any, **kwargs: Any) -> Any:
            hops.append(1)
            return await run_sync(*args, **kwargs)

        monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
        first, second, third = SyncStage(), SyncStage(), SyncStage()
        results: list[StageResult] = []
        runner = PipelineRunner([first, second, AsyncStage(), third])
        ctx = await runner.run(context(), results.append)

        assert len(hops) == 2  # [first, second], then [third] after the async stage
        assert first.thread == second.thread
        assert ctx.warnings == ["sync ran", "sync ran", "async ran", "sync ran"]
        assert [r.stage for r in results] == ["sync", "sync", "async", "sync"]

    async def test_stages_done_before_a_failure_in_their_batch_are_reported(self) -> None:
        results: list[StageResult] = []
        runner = PipelineRunner([SyncStage(), RequiredSync(DenialOpsError("no")), SyncStage()])
        with pytest.raises(PipelineError) as raised:
            await runner.run(context(), results.append)
        assert raised.value.stage == "required_sync"
        assert [(r.stage, r.ok) for r in results] == [("sync", True)]

    async def test_an_optional_async_stage_that_fails_leaves_a_warning(self) -> None:
        failing = AsyncStage(LLMServerError("the model failed"))
        results: list[StageResult] = []

        ctx = await PipelineRunner([failing, SyncStage()]).run(context(), results.append)
        assert ctx.warnings == ["async: the model failed", "sync ran"]
        assert results[0].ok is False
        assert results[0].error == "llm_server_error"

    async def test_a_required_async_stage_that_fails_ends_the_run(self) -> None:
        runner = PipelineRunner([RequiredAsync(DenialOpsError("no")), SyncStage()])
        with pytest.raises(PipelineError) as raised:
            await runner.run(context())
        assert raised.value.stage == "required_async"

    async def test_a_crashing_async_stage_is_an_internal_error_even_when_optional(self) -> None:
        with pytest.raises(PipelineError) as raised:
            await PipelineRunner([AsyncStage(KeyError("bug"))]).run(context())
        assert raised.value.code == "internal_error"

    def test_run_sync_refuses_async_stages(self) -> None:
        with pytest.raises(AsyncStagesNeedALoop, match=r"anyio\.run"):
            PipelineRunner([SyncStage(), AsyncStage()]).run_sync(context())

    def test_the_batch_runs_in_one_loop_with_anyio_run(self) -> None:
        stage = AsyncStage()
        runner = PipelineRunner([SyncStage(), stage])

        async def batch() -> list[CaseContext]:
            return [await runner.run(context()) for _ in range(3)]

        contexts = anyio.run(batch)
        assert [c.warnings for c in contexts] == [["sync ran", "async ran"]] * 3
